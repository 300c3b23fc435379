"""Endpoints and EndpointSlices follow pod readiness, in the shapes of the recorded real objects
(tests/fleetsim/fixtures/real/endpoints_web.json, endpointslices_list.json)."""
from __future__ import annotations

import json
import pathlib

import pytest
import pytest_asyncio

from controller_harness import SimCluster, deployment, deployment_available

REAL = pathlib.Path(__file__).parent / "fixtures" / "real"
SLICES = "endpointslices.discovery.k8s.io"


@pytest_asyncio.fixture
async def sim():
    s = await SimCluster().start()
    s.namespace("shop")
    yield s
    s.stop()


def service(name="web", selector=None, target_port=8080, **spec) -> dict:
    body = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": "shop"},
            "spec": {"selector": selector or {"app": "web"},
                     "ports": [{"port": 80, "targetPort": target_port, "protocol": "TCP"}]}}
    body["spec"].update(spec)
    return body


def slices(sim, name="web"):
    return [s for s in sim.items(SLICES, "shop") if s["metadata"]["labels"].get("kubernetes.io/service-name") == name]


def keys_deep(obj):
    """The shape of an object: its keys, recursively (values ignored)."""
    if isinstance(obj, dict):
        return {k: keys_deep(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [keys_deep(obj[0])] if obj else []
    return type(obj).__name__


@pytest.mark.asyncio
async def test_ready_pods_listed_in_the_real_shapes(sim):
    svc = sim.api.create("services", service())
    sim.api.create("deployments.apps", deployment("web", replicas=3))
    await sim.wait_for(deployment_available(sim, "shop", "web"))
    ep = await sim.wait_for(lambda: (sim.get("endpoints", "shop", "web") or {}).get("subsets") and
                            len(sim.get("endpoints", "shop", "web")["subsets"][0].get("addresses", [])) == 3
                            and sim.get("endpoints", "shop", "web"))
    real_ep = json.loads((REAL / "endpoints_web.json").read_text())
    assert ep["metadata"]["labels"] == real_ep["metadata"]["labels"]
    assert set(ep["metadata"]["annotations"]) == set(real_ep["metadata"]["annotations"])
    assert keys_deep(ep["subsets"]) == keys_deep(real_ep["subsets"])
    pods = {p["metadata"]["name"]: p for p in sim.items("pods", "shop", app="web")}
    for address in ep["subsets"][0]["addresses"]:
        p = pods[address["targetRef"]["name"]]
        assert address["ip"] == p["status"]["podIP"] and address["nodeName"] == p["spec"]["nodeName"]
        assert address["targetRef"] == {"kind": "Pod", "namespace": "shop", "name": p["metadata"]["name"],
                                        "uid": p["metadata"]["uid"]}
    ips = [a["ip"] for a in ep["subsets"][0]["addresses"]]
    assert ips == sorted(ips, key=lambda ip: tuple(int(x) for x in ip.split(".")))
    assert ep["subsets"][0]["ports"] == [{"port": 8080, "protocol": "TCP"}]

    [es] = slices(sim)
    real_es = json.loads((REAL / "endpointslices_list.json").read_text())["items"][0]
    assert es["metadata"]["generateName"] == "web-" and es["metadata"]["name"].startswith("web-")
    assert es["metadata"]["labels"] == real_es["metadata"]["labels"]
    assert es["metadata"]["ownerReferences"] == [{"apiVersion": "v1", "kind": "Service", "name": "web",
                                                  "uid": svc["metadata"]["uid"], "controller": True,
                                                  "blockOwnerDeletion": True}]
    assert es["addressType"] == "IPv4"
    assert keys_deep(es["endpoints"]) == keys_deep(real_es["endpoints"])
    assert es["ports"] == [{"name": "", "protocol": "TCP", "port": 8080}]
    assert all(e["conditions"] == {"ready": True, "serving": True, "terminating": False} for e in es["endpoints"])
    assert {e["zone"] for e in es["endpoints"]} <= {"test-cluster-a", "test-cluster-b", "test-cluster-c"}


@pytest.mark.asyncio
async def test_not_ready_and_terminating_pods_are_marked(sim):
    sim.api.create("services", service(target_port="http"))  # named port from the container ports
    # The app's shutdown time is read when its pod starts (as a real app's SIGTERM handling is fixed
    # by its image), so it goes in the template; 30 s keeps the terminating window open under load.
    sim.api.create("deployments.apps", deployment("web", replicas=2,
                                                  annotations={"fleetsim.io/shutdown-after": "30s"}))
    await sim.wait_for(deployment_available(sim, "shop", "web"))
    sim.api.create("pods", {"apiVersion": "v1", "kind": "Pod",
                            "metadata": {"name": "sick", "namespace": "shop", "labels": {"app": "web"},
                                         "annotations": {"fleetsim.io/never-ready": "true"}},
                            "spec": {"containers": [{"name": "web", "image": "example/web:1.0",
                                                     "ports": [{"containerPort": 9090, "name": "http"}]}]}})
    ep = await sim.wait_for(lambda: any(s.get("notReadyAddresses") for s in
                                        (sim.get("endpoints", "shop", "web") or {}).get("subsets") or [])
                            and sim.get("endpoints", "shop", "web"), what="not-ready address")
    not_ready = [a for s in ep["subsets"] for a in s.get("notReadyAddresses", [])]
    assert [a["targetRef"]["name"] for a in not_ready] == ["sick"]
    # The named targetPort resolves per pod: 9090 for "sick", 8080 for the others -> two subsets.
    assert sorted(s["ports"][0]["port"] for s in ep["subsets"]) == [8080, 9090]
    sick_eps = [e for s in slices(sim) for e in s["endpoints"] or [] if e["targetRef"]["name"] == "sick"]
    assert sick_eps[0]["conditions"] == {"ready": False, "serving": False, "terminating": False}
    # A terminating ready pod leaves Endpoints but stays in its slice as serving + terminating.
    victim = [p for p in sim.items("pods", "shop", app="web") if p["metadata"]["name"] != "sick"][0]
    sim.api.delete("pods", "shop", victim["metadata"]["name"])

    def terminating():
        eps = [e for s in slices(sim) for e in s["endpoints"] or []
               if e["targetRef"]["name"] == victim["metadata"]["name"]]
        return eps and eps[0]["conditions"]["terminating"] and eps[0]
    endpoint = await sim.wait_for(terminating, what="terminating endpoint")
    assert endpoint["conditions"] == {"ready": False, "serving": True, "terminating": True}
    ep = sim.get("endpoints", "shop", "web")
    names = {a["targetRef"]["name"] for s in ep["subsets"] for a in s.get("addresses", []) + s.get("notReadyAddresses", [])}
    assert victim["metadata"]["name"] not in names


@pytest.mark.asyncio
async def test_headless_service_placeholder_and_cleanup(sim):
    sim.api.create("services", service("db", selector={"app": "db"}, clusterIP="None"))
    es = await sim.wait_for(lambda: slices(sim, "db") and slices(sim, "db")[0], what="placeholder slice")
    assert es["endpoints"] is None and es["metadata"]["labels"]["service.kubernetes.io/headless"] == ""
    ep = await sim.wait_for(lambda: sim.get("endpoints", "shop", "db"))
    assert "subsets" not in ep and ep["metadata"]["labels"]["service.kubernetes.io/headless"] == ""
    sim.api.delete("services", "shop", "db")
    await sim.wait_for(lambda: sim.get("endpoints", "shop", "db") is None and not slices(sim, "db"),
                       what="endpoints and slices removed with the service")


@pytest.mark.asyncio
async def test_service_without_selector_is_left_alone(sim):
    sim.api.create("services", {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "ext", "namespace": "shop"},
                                "spec": {"ports": [{"port": 443}]}})
    await sim.clock.sleep(2)
    assert sim.get("endpoints", "shop", "ext") is None and not slices(sim, "ext")


@pytest.mark.asyncio
async def test_load_balancer_services_get_an_external_address_and_release_it(sim):
    sim.api.create("services", service("lb", type="LoadBalancer"))
    svc = await sim.wait_for(lambda: ((sim.get("services", "shop", "lb").get("status") or {}).get("loadBalancer") or {})
                             .get("ingress") and sim.get("services", "shop", "lb"), what="external address")
    [ingress] = svc["status"]["loadBalancer"]["ingress"]
    assert ingress["ip"].startswith("198.1") and ingress["ipMode"] == "VIP"
    assert svc["metadata"]["finalizers"] == ["service.kubernetes.io/load-balancer-cleanup"]
    assert [e["reason"] for e in sorted(sim.events("shop", "lb"), key=lambda e: int(e["metadata"]["resourceVersion"]))] \
        == ["EnsuringLoadBalancer", "EnsuredLoadBalancer"]
    sim.api.delete("services", "shop", "lb")
    await sim.wait_for(lambda: sim.get("services", "shop", "lb") is None, what="service gone after LB cleanup")
    assert {"DeletingLoadBalancer", "DeletedLoadBalancer"} <= {e["reason"] for e in sim.events("shop", "lb")}
