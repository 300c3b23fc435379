"""fleetsim answers the same requests as the recorded real kube-apiserver v1.36 (fixtures/real):
same codes, reasons, messages and shapes. Server-chosen values (uids, timestamps,
resourceVersions, cluster IPs, hashes) are masked before comparing."""
from __future__ import annotations

import copy
import json

import pytest
import requests

from conftest import FIXTURES, real_sample

NS = "shop"
MASKED_META = ("uid", "resourceVersion", "creationTimestamp")


def mask(obj):
    """Blank the values only the server chooses, recursively."""
    obj = copy.deepcopy(obj)

    def walk(o):
        if isinstance(o, dict):
            for k in list(o):
                if k in MASKED_META or k in ("time", "lastTransitionTime", "lastUpdateTime", "clusterIP",
                                             "serverAddress"):
                    o[k] = "<masked>"
                elif k == "clusterIPs":
                    o[k] = ["<masked>"]
                else:
                    walk(o[k])
        elif isinstance(o, list):
            for v in o:
                walk(v)
    walk(obj)
    return obj


class Http:
    def __init__(self, cluster):
        self.base = cluster.url
        self.session = requests.Session()
        # Per request: REQUESTS_CA_BUNDLE in the environment would override a session-level verify.
        self.verify = cluster.cluster.ca_file
        self.session.headers.update({"Authorization": f"Bearer {cluster.token}", "User-Agent": "curl/8.5.0"})

    def __call__(self, method, path, body=None, content_type="application/json", headers=None, **params):
        h = dict(headers or {})
        data = None
        if body is not None:
            h["Content-Type"] = content_type
            data = body if isinstance(body, (str, bytes)) else json.dumps(body)
        return self.session.request(method, self.base + path, data=data, headers=h, params=params or None,
                                    timeout=30, verify=self.verify)


@pytest.fixture(scope="module")
def http(api_cluster):
    return Http(api_cluster)


DEPLOY_BODY = {
    "apiVersion": "apps/v1", "kind": "Deployment",
    "metadata": {"name": "web-v1", "labels": {"app": "web", "version": "v1"}},
    "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web", "version": "v1"}},
             "template": {"metadata": {"labels": {"app": "web", "version": "v1"}},
                          "spec": {"containers": [{"name": "web", "image": "example/web:1.0",
                                                   "ports": [{"containerPort": 8080}]}]}}},
}
DEPLOYS = f"/apis/apps/v1/namespaces/{NS}/deployments"


@pytest.fixture(scope="module")
def shop(http):
    r = http("POST", "/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NS}})
    assert r.status_code == 201, r.text
    return r.json()


def test_version_is_the_recorded_one(http):
    assert http("GET", "/version").json() == real_sample("version.json")


def test_api_versions_shape(http):
    assert mask(http("GET", "/api").json()) == mask(real_sample("api.json"))


def test_core_v1_discovery_is_identical_to_the_real_document(http):
    # Every resource and subresource of the real v1.36 /api/v1 (39 entries: pods/log, pods/eviction,
    # serviceaccounts/token, bindings, ...), with the same kinds, groups and verbs, nothing more.
    assert http("GET", "/api/v1").json() == real_sample("api_v1.json")


def test_apps_v1_discovery_is_identical(http):
    assert http("GET", "/apis/apps/v1").json() == real_sample("apis_apps_v1.json")


def test_discovery_v1_group_is_identical(http):
    assert http("GET", "/apis/discovery.k8s.io/v1").json() == real_sample("apis_discovery_v1.json")


def test_api_group_list_orders_groups_like_the_real_server(http):
    mine = http("GET", "/apis").json()
    real = real_sample("apis.json")
    assert mine.keys() == real.keys() and mine["kind"] == "APIGroupList"
    real_order = [g["name"] for g in real["groups"]]
    mine_order = [g["name"] for g in mine["groups"]]
    assert mine_order == [g for g in real_order if g in mine_order]
    real_by_name = {g["name"]: g for g in real["groups"]}
    for g in mine["groups"]:
        assert g == real_by_name[g["name"]]


def test_aggregated_discovery_on_request(http):
    accept = ("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,"
              "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json")
    r = http("GET", "/apis", headers={"Accept": accept})
    assert r.headers["Content-Type"] == "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
    mine = r.json()
    real = real_sample("apis_aggregated_v2.json")
    assert (mine["kind"], mine["apiVersion"], mine["metadata"]) == (real["kind"], real["apiVersion"], {})
    real_groups = {g["metadata"]["name"]: g for g in real["items"]}
    apps = next(g for g in mine["items"] if g["metadata"]["name"] == "apps")
    assert apps == real_groups["apps"]
    core = http("GET", "/api", headers={"Accept": accept}).json()
    pods = next(r for r in core["items"][0]["versions"][0]["resources"] if r["resource"] == "pods")
    assert pods["shortNames"] == ["po"] and pods["categories"] == ["all"]
    # The aggregated core document lists the same subresources, kinds and verbs as /api/v1.
    real_v1 = real_sample("api_v1.json")["resources"]
    for entry in core["items"][0]["versions"][0]["resources"]:
        main = next(r for r in real_v1 if r["name"] == entry["resource"])
        assert (entry["verbs"], entry["responseKind"]["kind"]) == (main["verbs"], main["kind"])
        for sub in entry.get("subresources") or []:
            real_sub = next(r for r in real_v1 if r["name"] == f"{entry['resource']}/{sub['subresource']}")
            assert sub["verbs"] == real_sub["verbs"]
            assert sub["responseKind"] == {"group": real_sub.get("group", ""), "version": real_sub.get("version", ""),
                                           "kind": real_sub["kind"]}
    served = {e["resource"] for e in core["items"][0]["versions"][0]["resources"]}
    assert served == {r["name"] for r in real_v1 if "/" not in r["name"]}


def test_openapi_index_lists_group_documents_with_hashes(http):
    index = http("GET", "/openapi/v3").json()
    real = real_sample("openapi_v3_index.json")
    for path in ("api/v1", "apis/apps/v1", "apis/discovery.k8s.io/v1", "apis/apiextensions.k8s.io/v1"):
        assert path in real["paths"] and path in index["paths"]
        url = index["paths"][path]["serverRelativeURL"]
        assert url.startswith(f"/openapi/v3/{path}?hash=")
        doc = http("GET", url).json()
        assert doc["openapi"].startswith("3.")
    assert http("GET", "/openapi/v2").status_code == 404


def test_namespace_create_matches(http, shop):
    real = real_sample("ns_create.json")
    mine = copy.deepcopy(shop)
    assert mask(mine) == mask(real)


def test_deployment_create_matches_recorded_201(http, shop):
    r = http("POST", DEPLOYS, DEPLOY_BODY)
    assert r.status_code == 201
    assert mask(r.json()) == mask(real_sample("deploy_create_201.json"))


def test_create_existing_is_409_already_exists(http, shop):
    http("POST", DEPLOYS, DEPLOY_BODY)
    r = http("POST", DEPLOYS, DEPLOY_BODY)
    assert r.status_code == 409
    assert r.json() == real_sample("deploy_create_409_already_exists.json")


def test_get_missing_is_404_with_real_body(http, shop):
    r = http("GET", f"{DEPLOYS}/nope")
    assert r.status_code == 404
    assert r.json() == real_sample("deploy_get_404.json")


def test_stale_put_is_409_conflict_with_real_message(http, shop):
    http("POST", DEPLOYS, DEPLOY_BODY)
    current = http("GET", f"{DEPLOYS}/web-v1").json()
    stale = copy.deepcopy(current)
    stale["metadata"]["resourceVersion"] = str(int(current["metadata"]["resourceVersion"]) - 1)
    r = http("PUT", f"{DEPLOYS}/web-v1", stale)
    assert r.status_code == 409
    assert r.json() == real_sample("deploy_put_409_conflict.json")


def test_negative_replicas_is_422_with_causes(http, shop):
    http("POST", DEPLOYS, DEPLOY_BODY)
    r = http("PATCH", f"{DEPLOYS}/web-v1", {"spec": {"replicas": -1}},
             content_type="application/strategic-merge-patch+json")
    assert r.status_code == 422
    assert r.json() == real_sample("deploy_patch_422_invalid.json")


def test_scale_subresource_get_and_patch_shapes(http, shop):
    http("POST", DEPLOYS, DEPLOY_BODY)
    scale = http("GET", f"{DEPLOYS}/web-v1/scale").json()
    real = real_sample("scale_get.json")
    # The recorded cluster had 3 ready replicas; this API-only cluster has no controller.
    real["status"]["replicas"] = 0
    assert mask(scale) == mask(real)
    r = http("PATCH", f"{DEPLOYS}/web-v1/scale", {"spec": {"replicas": 4}},
             content_type="application/merge-patch+json")
    assert r.status_code == 200
    patched = real_sample("scale_patch.json")
    patched["status"]["replicas"] = 0
    assert mask(r.json()) == mask(patched)
    deploy = http("GET", f"{DEPLOYS}/web-v1").json()
    assert deploy["spec"]["replicas"] == 4 and deploy["metadata"]["generation"] == 2
    scale_entry = next(m for m in deploy["metadata"]["managedFields"] if m.get("subresource") == "scale")
    assert scale_entry == real_sample("deploy_patch_image.json")["metadata"]["managedFields"][0]


def test_dry_run_patch_returns_the_would_be_object_and_stores_nothing(http, shop):
    http("POST", DEPLOYS, DEPLOY_BODY)
    before = http("GET", f"{DEPLOYS}/web-v1").json()
    patch = {"spec": {"template": {"spec": {"containers": [{"name": "web", "image": "example/web:2.0"}]}}}}
    r = http("PATCH", f"{DEPLOYS}/web-v1", patch, content_type="application/strategic-merge-patch+json",
             dryRun="All")
    assert r.status_code == 200
    dry = r.json()
    assert dry["spec"]["template"]["spec"]["containers"][0]["image"] == "example/web:2.0"
    assert dry["metadata"]["generation"] == before["metadata"]["generation"] + 1
    assert dry["metadata"]["resourceVersion"] == before["metadata"]["resourceVersion"]
    assert http("GET", f"{DEPLOYS}/web-v1").json() == before


def test_delete_returns_success_status_like_the_real_server(http, shop):
    http("POST", DEPLOYS, DEPLOY_BODY)
    uid = http("GET", f"{DEPLOYS}/web-v1").json()["metadata"]["uid"]
    r = http("DELETE", f"{DEPLOYS}/web-v1")
    assert r.status_code == 200
    expected = real_sample("deploy_delete.json")
    expected["details"]["uid"] = uid
    assert r.json() == expected


def test_service_create_matches_with_allocated_cluster_ip(http, shop):
    body = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
            "spec": {"selector": {"app": "web"}, "ports": [{"port": 80, "targetPort": 8080}]}}
    r = http("POST", f"/api/v1/namespaces/{NS}/services", body)
    assert r.status_code == 201
    mine = r.json()
    assert mine["spec"]["clusterIP"].startswith("10.") and mine["spec"]["clusterIPs"] == [mine["spec"]["clusterIP"]]
    assert mask(mine) == mask(real_sample("svc_create.json"))


def test_crd_create_then_established_and_served(http, shop):
    crd = real_sample("crd_create.json")
    body = {"apiVersion": crd["apiVersion"], "kind": crd["kind"], "metadata": {"name": crd["metadata"]["name"]},
            "spec": {k: v for k, v in crd["spec"].items() if k != "conversion"}}
    body["spec"]["names"] = {k: v for k, v in crd["spec"]["names"].items() if k != "listKind"}
    r = http("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", body)
    assert r.status_code == 201, r.text
    created = r.json()
    assert mask(created) == mask(crd)
    established = http("GET", f"/apis/apiextensions.k8s.io/v1/customresourcedefinitions/{crd['metadata']['name']}"
                       ).json()
    assert mask(established) == mask(real_sample("crd_established.json"))
    assert http("GET", "/apis/networking.gke.io/v1").json() == real_sample("apis_networking.gke.io_v1.json")
    mcs = real_sample("mcs_create.json")
    r = http("POST", f"/apis/networking.gke.io/v1/namespaces/{NS}/multiclusterservices",
             {"apiVersion": mcs["apiVersion"], "kind": mcs["kind"], "metadata": {"name": "web"}, "spec": mcs["spec"]})
    assert r.status_code == 201
    assert mask(r.json()) == mask(mcs)
    # Unstructured objects are encoded with sorted keys, like the real response.
    assert list(r.json()) == list(mcs) and list(r.json()["metadata"]) == list(mcs["metadata"])
    index = http("GET", "/openapi/v3").json()
    assert "apis/networking.gke.io/v1" in index["paths"]


def test_watch_from_a_compacted_resource_version_is_410_in_stream(api_cluster, http, shop):
    # Churn one resource past the kept history, then resume from the first revision.
    api = api_cluster.api
    history = api_cluster.cluster.store._history_size
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "churn", "namespace": NS}, "data": {"n": "0"}}
    first = api_cluster.call(lambda: api.create("configmaps", cm))
    for i in range(history + 5):
        api_cluster.call(lambda i=i: api.patch("configmaps", NS, "churn", {"data": {"n": str(i + 1)}}, "merge"))
    r = http("GET", f"/api/v1/namespaces/{NS}/configmaps", watch="1",
             resourceVersion=first["metadata"]["resourceVersion"])
    assert r.status_code == 200
    lines = [json.loads(line) for line in r.text.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0]["type"] == "ERROR"
    status = lines[0]["object"]
    assert (status["kind"], status["status"], status["reason"], status["code"]) == ("Status", "Failure", "Expired", 410)
    assert status["message"].startswith(f"too old resource version: {first['metadata']['resourceVersion']} (")


def test_watch_stream_events_have_the_recorded_shape(http, shop):
    http("POST", DEPLOYS, DEPLOY_BODY)
    r = http("GET", DEPLOYS, watch="true", timeoutSeconds="1")
    events = [json.loads(line) for line in r.text.splitlines() if line.strip()]
    real = real_sample("watch_too_old_rv.jsonl")  # its first line is the ADDED of a fresh watch
    assert events and events[0]["type"] == "ADDED" == real[0]["type"]
    assert set(events[0]) == set(real[0]) == {"type", "object"}
    assert events[0]["object"]["kind"] == "Deployment"


def test_unauthenticated_requests_get_the_real_401(api_cluster):
    r = requests.get(api_cluster.url + "/api/v1/namespaces", verify=api_cluster.cluster.ca_file, timeout=10)
    assert r.status_code == 401
    assert r.json() == {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                        "message": "Unauthorized", "reason": "Unauthorized", "code": 401}
    r = requests.get(api_cluster.url + "/api/v1/namespaces", verify=api_cluster.cluster.ca_file, timeout=10,
                     headers={"Authorization": "Bearer wrong"})
    assert r.status_code == 401


def test_pod_spec_after_admission_and_defaults_matches_the_recorded_pod(http, shop):
    real = real_sample("pods_list_selector.json")["items"][0]
    spec = {"containers": [{"name": "web", "image": "example/web:1.0", "ports": [{"containerPort": 8080}]}],
            "nodeName": real["spec"]["nodeName"]}
    r = http("POST", f"/api/v1/namespaces/{NS}/pods",
             {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "direct", "labels": {"app": "direct"}},
              "spec": spec})
    assert r.status_code == 201, r.text
    mine = r.json()["spec"]

    def unnamed(s):
        s = copy.deepcopy(s)
        s["volumes"][0]["name"] = "kube-api-access"
        s["containers"][0]["volumeMounts"][0]["name"] = "kube-api-access"
        return s
    assert unnamed(mine) == unnamed(real["spec"])
    assert r.json()["status"] == {"phase": "Pending", "qosClass": "BestEffort"}


def test_aggregated_discovery_entries_equal_the_real_ones_for_every_served_resource(http):
    accept = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json"
    mine = http("GET", "/apis", headers={"Accept": accept}).json()
    real = real_sample("apis_aggregated_v2.json")
    real_entries = {(g["metadata"]["name"], v["version"], r["resource"]): r
                    for g in real["items"] for v in g["versions"] for r in v["resources"]}
    compared = 0
    for g in mine["items"]:
        for v in g["versions"]:
            for r in v["resources"]:
                key = (g["metadata"]["name"], v["version"], r["resource"])
                if key in real_entries:
                    assert r == real_entries[key], key
                    compared += 1
    assert compared >= 20  # every built-in fleetsim serves that the recorded cluster also had



def test_curl_gets_the_same_bytes_as_recorded(http, shop):
    # curl's User-Agent makes the real server indent its JSON; the samples were recorded that way.
    for path, sample in (("/version", "version.json"), (f"{DEPLOYS}/nope", "deploy_get_404.json")):
        expected = (FIXTURES / sample).read_text()
        assert http("GET", path).text.rstrip("\n") == expected.rstrip("\n")
