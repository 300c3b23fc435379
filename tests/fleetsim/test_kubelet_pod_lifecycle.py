"""The simulated kubelet: scheduling, Pending -> Running -> Ready, misbehaviour annotations,
graceful deletion, and the Events a real kubelet emits along the way."""
from __future__ import annotations

import pytest
import pytest_asyncio

from controller_harness import SimCluster


@pytest_asyncio.fixture
async def sim():
    s = await SimCluster().start()
    s.namespace("shop")
    yield s
    s.stop()


def pod(name: str, annotations: dict | None = None, image: str = "example/web:1.0", **spec) -> dict:
    body = {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": "shop", "labels": {"app": "web"}},
            "spec": {"containers": [{"name": "web", "image": image, "ports": [{"containerPort": 8080}]}]}}
    if annotations:
        body["metadata"]["annotations"] = annotations
    body["spec"].update(spec)
    return body


def condition(p: dict, kind: str) -> dict | None:
    return next((c for c in (p.get("status") or {}).get("conditions") or [] if c["type"] == kind), None)


def is_ready(sim, name):
    p = sim.get("pods", "shop", name)
    return p is not None and (condition(p, "Ready") or {}).get("status") == "True" and p


@pytest.mark.asyncio
async def test_nodes_are_registered_ready_with_capacity(sim):
    nodes = sim.items("nodes")
    assert [n["metadata"]["name"] for n in nodes] == [f"test-cluster-node-{i}" for i in (1, 2, 3)]
    for n in nodes:
        ready = [c for c in n["status"]["conditions"] if c["type"] == "Ready"][0]
        assert (ready["status"], ready["reason"], ready["message"]) == ("True", "KubeletReady",
                                                                        "kubelet is posting ready status")
        assert n["status"]["capacity"]["pods"] == "110" and n["status"]["allocatable"]["cpu"]
        assert n["metadata"]["labels"]["kubernetes.io/hostname"] == n["metadata"]["name"]
        assert n["status"]["nodeInfo"]["kubeletVersion"] == "v1.36.2"
        lease = sim.get("leases.coordination.k8s.io", "kube-node-lease", n["metadata"]["name"])
        assert lease["spec"]["holderIdentity"] == n["metadata"]["name"]
        assert lease["metadata"]["ownerReferences"][0]["uid"] == n["metadata"]["uid"]


@pytest.mark.asyncio
async def test_pod_goes_pending_running_ready_with_real_status_and_events(sim):
    phases = []

    def record(event_type, rt, obj, old):
        if rt.name == "pods" and obj["metadata"]["name"] == "web-1":
            ready = (condition(obj, "Ready") or {}).get("status")
            step = (obj["status"].get("phase"), ready)
            if not phases or phases[-1] != step:
                phases.append(step)
    unsubscribe = sim.api.subscribe(record)
    sim.api.create("pods", pod("web-1", {"fleetsim.io/ready-after": "4s"}))
    start = sim.clock.monotonic()
    p = await sim.wait_for(lambda: is_ready(sim, "web-1"), what="pod ready")
    took = sim.clock.monotonic() - start
    unsubscribe()
    assert 3.5 <= took < 60, took  # not before the delay; the upper bound leaves room for a busy machine
    assert phases[0] == ("Pending", None)
    assert ("Pending", "False") in phases and ("Running", "False") in phases
    assert phases[-1] == ("Running", "True")
    st = p["status"]
    assert [c["type"] for c in st["conditions"]] == ["PodReadyToStartContainers", "Initialized", "Ready",
                                                     "ContainersReady", "PodScheduled"]
    assert all(c["status"] == "True" and c["lastTransitionTime"] for c in st["conditions"])
    assert p["spec"]["nodeName"].startswith("test-cluster-node-")
    node = sim.get("nodes", None, p["spec"]["nodeName"])
    assert st["hostIP"] == node["status"]["addresses"][0]["address"]
    assert st["podIP"].startswith("10.244.") and st["podIPs"] == [{"ip": st["podIP"]}]
    cs = st["containerStatuses"][0]
    assert cs["ready"] is True and cs["started"] is True and cs["restartCount"] == 0
    assert set(cs["state"]) == {"running"} and cs["state"]["running"]["startedAt"]
    assert cs["imageID"].startswith("docker.io/example/web@sha256:")
    assert cs["containerID"].startswith("containerd://")
    assert st["qosClass"] == "BestEffort"
    reasons = [e["reason"] for e in sorted(sim.events("shop", "web-1"), key=lambda e: e["metadata"]["resourceVersion"])]
    assert reasons == ["Scheduled", "Pulling", "Pulled", "Created", "Started"]
    by_reason = {e["reason"]: e for e in sim.events("shop", "web-1")}
    assert by_reason["Scheduled"]["message"] == f"Successfully assigned shop/web-1 to {p['spec']['nodeName']}"
    # kube-scheduler records through events.k8s.io: no source, eventTime and action instead.
    scheduled = by_reason["Scheduled"]
    assert (scheduled["source"], scheduled["reportingComponent"], scheduled["action"]) == (
        {}, "default-scheduler", "Binding")
    assert scheduled["eventTime"] and scheduled["firstTimestamp"] is None
    assert by_reason["Pulling"]["message"] == 'Pulling image "example/web:1.0"'
    assert by_reason["Pulled"]["message"].startswith('Successfully pulled image "example/web:1.0" in ')
    assert by_reason["Created"]["message"] == "Created container: web"
    assert by_reason["Started"]["message"] == "Started container web"
    assert by_reason["Started"]["source"] == {"component": "kubelet", "host": p["spec"]["nodeName"]}
    assert by_reason["Started"]["involvedObject"]["fieldPath"] == "spec.containers{web}"
    assert by_reason["Started"]["count"] == 1 and by_reason["Started"]["firstTimestamp"]


@pytest.mark.asyncio
async def test_crash_loop_climbs_restart_count_with_kubelet_backoff(sim):
    sim.api.create("pods", pod("crashy", {"fleetsim.io/crash-loop": "true"}))
    p = await sim.wait_for(lambda: (sim.get("pods", "shop", "crashy")["status"].get("containerStatuses") or [{}])[0]
                           .get("restartCount", 0) >= 3 and sim.get("pods", "shop", "crashy"), timeout=20,
                           what="three restarts")
    cs = p["status"]["containerStatuses"][0]
    assert cs["ready"] is False
    assert cs["lastState"]["terminated"]["exitCode"] == 1
    assert cs["lastState"]["terminated"]["reason"] == "Error"
    assert p["status"]["phase"] == "Running"
    assert (condition(p, "Ready") or {})["status"] == "False"

    def backing_off():
        cur = sim.get("pods", "shop", "crashy")
        state = cur["status"]["containerStatuses"][0]["state"]
        return "waiting" in state and state["waiting"]["reason"] == "CrashLoopBackOff" and cur
    p = await sim.wait_for(backing_off, timeout=20, what="CrashLoopBackOff")
    waiting = p["status"]["containerStatuses"][0]["state"]["waiting"]
    uid = p["metadata"]["uid"]
    assert waiting["message"].startswith("back-off ")
    assert waiting["message"].endswith(f" restarting failed container=web pod=crashy_shop({uid})")
    delay = waiting["message"].split()[1]
    assert delay in ("10s", "20s", "40s", "1m20s", "2m40s", "5m0s")
    backoff = sim.events("shop", "crashy", "BackOff")
    assert len(backoff) == 1 and backoff[0]["type"] == "Warning"
    assert backoff[0]["message"] == f"Back-off restarting failed container web in pod crashy_shop({uid})"
    started = sim.events("shop", "crashy", "Started")
    assert started[0]["count"] >= 3  # repeated events are aggregated, as the real recorder does


@pytest.mark.asyncio
async def test_never_ready_pod_runs_but_fails_its_readiness_probe(sim):
    sim.api.create("pods", pod("stuck", {"fleetsim.io/never-ready": "true", "fleetsim.io/ready-after": "2s"}))
    await sim.wait_for(lambda: sim.events("shop", "stuck", "Unhealthy"), timeout=10, what="Unhealthy event")
    p = sim.get("pods", "shop", "stuck")
    cs = p["status"]["containerStatuses"][0]
    assert p["status"]["phase"] == "Running" and cs["started"] is True and cs["ready"] is False
    assert condition(p, "Ready")["reason"] == "ContainersNotReady"
    assert condition(p, "Ready")["message"] == "containers with unready status: [web]"
    event = sim.events("shop", "stuck", "Unhealthy")[0]
    assert event["message"] == "Readiness probe failed: HTTP probe failed with statuscode: 503"
    assert event["type"] == "Warning"


@pytest.mark.asyncio
@pytest.mark.parametrize("annotations,image", [
    ({"fleetsim.io/image-pull-error": "true"}, "example/web:1.0"),
    (None, "example/web:does-not-exist"),
])
async def test_image_pull_errors_go_to_image_pull_back_off(sim, annotations, image):
    sim.api.create("pods", pod("nopull", annotations, image=image))

    def reason():
        cur = sim.get("pods", "shop", "nopull")
        state = (cur["status"].get("containerStatuses") or [{}])[0].get("state") or {}
        return (state.get("waiting") or {}).get("reason")
    await sim.wait_for(lambda: reason() == "ImagePullBackOff", timeout=10, what="ImagePullBackOff")
    p = sim.get("pods", "shop", "nopull")
    waiting = p["status"]["containerStatuses"][0]["state"]["waiting"]
    ref = "docker.io/example/web:" + image.split(":")[1]
    assert waiting["message"] == (f'Back-off pulling image "{image}": ErrImagePull: rpc error: code = NotFound desc = '
                                  f'failed to pull and unpack image "{ref}": failed to resolve reference "{ref}": '
                                  f'{ref}: not found')
    assert p["status"]["phase"] == "Pending"
    assert p["status"]["podIP"]  # the sandbox is up; only the image is missing
    messages = {(e["reason"], e["message"]) for e in sim.events("shop", "nopull")}
    assert ("Failed", "Error: ErrImagePull") in messages
    assert ("Failed", "Error: ImagePullBackOff") in messages
    assert ("BackOff", f'Back-off pulling image "{image}"') in messages


@pytest.mark.asyncio
async def test_deletion_honours_the_grace_period_and_kills_slow_apps(sim):
    sim.api.create("pods", pod("slow", {"fleetsim.io/shutdown-after": "60s", "fleetsim.io/ready-after": "1s"},
                               terminationGracePeriodSeconds=5))
    await sim.wait_for(lambda: is_ready(sim, "slow"))
    gone = []

    def record(event_type, rt, obj, old):
        if rt.name == "pods" and obj["metadata"]["name"] == "slow" and event_type == "DELETED":
            gone.append((sim.clock.monotonic(), obj))
    unsubscribe = sim.api.subscribe(record)
    sim.api.delete("pods", "shop", "slow")
    start = sim.clock.monotonic()
    marked = sim.get("pods", "shop", "slow")
    assert marked["metadata"]["deletionTimestamp"] and marked["metadata"]["deletionGracePeriodSeconds"] == 5
    await sim.wait_for(lambda: gone, timeout=10, what="pod removed")
    unsubscribe()
    took = gone[0][0] - start
    assert 4.5 <= took < 59, took  # after the 5 s grace period, before the app would stop by itself (60 s)
    final = gone[0][1]
    term = final["status"]["containerStatuses"][0]["state"]["terminated"]
    assert term["exitCode"] == 137 and final["status"]["phase"] == "Failed"
    killing = sim.events("shop", "slow", "Killing")
    assert killing and killing[0]["message"] == "Stopping container web"


@pytest.mark.asyncio
async def test_pods_spread_over_nodes_and_node_selector_is_honoured(sim):
    for i in range(6):
        sim.api.create("pods", pod(f"spread-{i}"))
    sim.api.create("pods", pod("picky", nodeSelector={"kubernetes.io/hostname": "test-cluster-node-2"}))
    sim.api.create("pods", pod("nowhere", nodeSelector={"disk": "ssd"}))
    await sim.wait_for(lambda: all(sim.get("pods", "shop", f"spread-{i}")["spec"].get("nodeName") for i in range(6))
                       and sim.get("pods", "shop", "picky")["spec"].get("nodeName"))
    counts = {}
    for i in range(6):
        node = sim.get("pods", "shop", f"spread-{i}")["spec"]["nodeName"]
        counts[node] = counts.get(node, 0) + 1
    assert max(counts.values()) - min(counts.values()) <= 1 and len(counts) == 3
    assert sim.get("pods", "shop", "picky")["spec"]["nodeName"] == "test-cluster-node-2"
    nowhere = await sim.wait_for(lambda: condition(sim.get("pods", "shop", "nowhere"), "PodScheduled")
                                 and sim.get("pods", "shop", "nowhere"))
    cond = condition(nowhere, "PodScheduled")
    assert (cond["status"], cond["reason"]) == ("False", "Unschedulable")
    assert cond["message"].startswith("0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector.")
    assert sim.events("shop", "nowhere", "FailedScheduling")[0]["type"] == "Warning"


@pytest.mark.asyncio
async def test_crashing_pod_that_never_restarts_ends_failed(sim):
    sim.api.create("pods", pod("once", {"fleetsim.io/crash-loop": "true"}, restartPolicy="Never"))
    p = await sim.wait_for(lambda: sim.get("pods", "shop", "once")["status"].get("phase") == "Failed"
                           and sim.get("pods", "shop", "once"), what="pod Failed")
    cs = p["status"]["containerStatuses"][0]
    assert cs["restartCount"] == 0 and cs["state"]["terminated"]["exitCode"] == 1
    assert cs["state"]["terminated"]["reason"] == "Error"
    assert (condition(p, "Ready")["status"], condition(p, "Ready")["reason"]) == ("False", "PodFailed")
    await sim.clock.sleep(15)
    assert sim.get("pods", "shop", "once")["status"]["containerStatuses"][0]["restartCount"] == 0


@pytest.mark.asyncio
async def test_running_pod_status_has_the_shape_of_the_recorded_real_pod(sim):
    import json
    import pathlib
    real = json.loads((pathlib.Path(__file__).parent / "fixtures" / "real" / "pods_list_selector.json").read_text())
    real_status = real["items"][0]["status"]
    sim.api.create("pods", pod("shape", {"fleetsim.io/ready-after": "1s"}))
    p = await sim.wait_for(lambda: is_ready(sim, "shape"))
    st = p["status"]
    assert list(st) == list(real_status)  # same fields, same order
    assert [c["type"] for c in st["conditions"]] == [c["type"] for c in real_status["conditions"]]
    assert [list(c) for c in st["conditions"]] == [list(c) for c in real_status["conditions"]]
    assert list(st["containerStatuses"][0]) == list(real_status["containerStatuses"][0])


@pytest.mark.asyncio
async def test_host_network_pod_uses_the_node_address(sim):
    sim.api.create("pods", pod("hostnet", {"fleetsim.io/ready-after": "1s"}, hostNetwork=True))
    p = await sim.wait_for(lambda: is_ready(sim, "hostnet"))
    assert p["status"]["podIP"] == p["status"]["hostIP"]


@pytest.mark.asyncio
async def test_a_bad_fleetsim_annotation_is_reported_on_the_pod(sim):
    sim.api.create("pods", pod("typo", {"fleetsim.io/ready-after": "soon"}))
    await sim.wait_for(lambda: is_ready(sim, "typo"), what="pod ready with the default delay")
    [event] = sim.events("shop", "typo", "InvalidAnnotation")
    assert event["type"] == "Warning"
    assert event["message"] == ("annotation fleetsim.io/ready-after: invalid duration 'soon': use a number with a unit, "
                                "like 500ms, 5s, 1m30s; using the fleet's pod ready delay instead")


def test_a_container_that_exits_under_restart_policy_always_backs_off(fleetsim_fleet):
    """fleetsim.io/run-for on a Deployment's pod: the container completes, is restarted with the
    crash-loop back-off (CrashLoopBackOff after the second exit), lastState Completed exit code 0."""
    import time
    fleet = fleetsim_fleet(clock_speed=10, pod_ready_delay="1s", pod_ready_jitter="0.1s")
    cluster = fleet.runtime.clusters["app-dev-us-east1"]
    fleet.call(lambda: cluster.api.create("pods", {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "oneshot", "namespace": "default", "annotations": {"fleetsim.io/run-for": "2s"}},
        "spec": {"containers": [{"name": "app", "image": "example/app:1"}]}}))
    deadline = time.monotonic() + 30
    while True:
        pod = fleet.call(lambda: cluster.store.get("pods", "default", "oneshot"))
        status = (pod.get("status") or {}).get("containerStatuses") or [{}]
        waiting = (status[0].get("state") or {}).get("waiting") or {}
        if waiting.get("reason") == "CrashLoopBackOff":
            break
        assert time.monotonic() < deadline, status
        time.sleep(0.2)
    last = status[0]["lastState"]["terminated"]
    assert (last["exitCode"], last["reason"]) == (0, "Completed") and status[0]["restartCount"] >= 1
