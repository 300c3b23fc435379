"""Discovery as kubectl and the Python client read it, and Nodes read by the current `kubernetes`
client (which refuses a null kubeProxyVersion and so every Node read of a server that writes one)."""
from __future__ import annotations

import json

from conftest import real_sample


def test_kubectl_api_resources_lists_the_real_core_v1_resources(fleet_kubectl):
    out = fleet_kubectl("api-resources", "--api-group=", "-o", "name").stdout.split()
    real = sorted(r["name"] for r in real_sample("api_v1.json")["resources"] if "/" not in r["name"])
    assert sorted(out) == real
    assert {"bindings", "componentstatuses", "persistentvolumes", "replicationcontrollers"} <= set(out)


def test_python_client_reads_the_core_discovery_with_subresources(fleet_kubectl):
    import kubernetes
    resources = kubernetes.client.CoreV1Api(fleet_kubectl.client()).get_api_resources().resources
    by_name = {r.name: r for r in resources}
    assert by_name["pods/eviction"].group == "policy" and by_name["pods/eviction"].kind == "Eviction"
    assert by_name["pods/log"].verbs == ["get"]
    assert by_name["serviceaccounts/token"].kind == "TokenRequest"
    assert by_name["serviceaccounts/token"].verbs == ["create"]
    assert len(resources) == len(real_sample("api_v1.json")["resources"]) == 39


def test_nodes_read_through_the_current_python_client(fleet_kubectl):
    import kubernetes
    v1 = kubernetes.client.CoreV1Api(fleet_kubectl.client())
    nodes = v1.list_node().items  # raised ValueError on kube_proxy_version None before
    assert len(nodes) == 3
    node = v1.read_node(nodes[0].metadata.name)
    info = node.status.node_info
    assert info.kube_proxy_version == "" and info.kubelet_version == "v1.36.2"
    assert info.container_runtime_version.startswith("containerd://")
    raw = json.loads(fleet_kubectl("get", "node", nodes[0].metadata.name, "-o", "json").stdout)
    assert set(raw["status"]["nodeInfo"]) == {
        "machineID", "systemUUID", "bootID", "kernelVersion", "osImage", "containerRuntimeVersion",
        "kubeletVersion", "kubeProxyVersion", "operatingSystem", "architecture"}


def test_no_object_carries_a_null_the_real_server_never_writes(fleet_kubectl):
    fleet_kubectl.apply(WEB)
    fleet_kubectl("-n", "shop", "rollout", "status", "deploy/web", "--timeout=60s")
    cluster = fleet_kubectl.cluster
    # Nulls a real server does write: pod condition lastProbeTime, core Events' eventTime (and
    # the first/lastTimestamp of events.k8s.io-style events).
    allowed = {"pods.status.conditions[].lastProbeTime", "events.eventTime", "events.firstTimestamp",
               "events.lastTimestamp"}
    found = set()

    def walk(o, path):
        if o is None:
            found.add(path)
        elif isinstance(o, dict):
            for k, v in o.items():
                walk(v, f"{path}.{k}")
        elif isinstance(o, list):
            for v in o:
                walk(v, f"{path}[]")

    def scan():
        for rt in cluster.registry.all():
            if rt.extra.get("view_of") or rt.extra.get("not_stored"):
                continue
            for obj in cluster.store.items(rt.name):
                walk(obj, rt.name)
    fleet_kubectl.call(scan)
    assert found - allowed == set()


def test_componentstatuses_answer_like_the_real_deprecated_api(fleet_kubectl):
    proc = fleet_kubectl("get", "componentstatuses")
    assert "v1 ComponentStatus is deprecated" in proc.stderr
    assert "etcd-0" in proc.stdout and "Healthy" in proc.stdout


WEB = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop, labels: {app: web}}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web, version: "1.0"}}
    spec:
      containers:
      - {name: web, image: example/web:1.0, ports: [{containerPort: 8080}]}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
"""


def test_every_served_group_version_lists_the_real_resources(fleet_kubectl):
    """Each group-version fleetsim serves lists the resources the real server lists there, with the
    same verbs, kinds and subresources."""
    import requests
    accept = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json"
    url = fleet_kubectl.fleet.api_url(fleet_kubectl.context)
    token = fleet_kubectl.fleet.clusters[fleet_kubectl.context].token
    mine = requests.get(f"{url}/apis", headers={"Accept": accept, "Authorization": f"Bearer {token}"},
                        verify=str(fleet_kubectl.fleet.ca_file), timeout=10).json()
    real = {(g["metadata"]["name"], v["version"]): v["resources"]
            for g in real_sample("apis_aggregated_v2.json")["items"] for v in g["versions"]}
    compared = []
    for group in mine["items"]:
        for version in group["versions"]:
            key = (group["metadata"]["name"], version["version"])
            if key not in real:
                continue  # CRD groups
            assert version["resources"] == real[key], key
            compared.append(key)
    assert ("authorization.k8s.io", "v1") in compared and ("networking.k8s.io", "v1") in compared
    assert ("autoscaling", "v1") in compared  # a conversion view of the v2 storage
    assert len(compared) == 14


def test_autoscaling_v1_reads_and_writes_the_same_hpa_as_v2(fleet_kubectl):
    import kubernetes
    client = fleet_kubectl.client()
    v1 = kubernetes.client.AutoscalingV1Api(client)
    v1.create_namespaced_horizontal_pod_autoscaler("shop", kubernetes.client.V1HorizontalPodAutoscaler(
        metadata=kubernetes.client.V1ObjectMeta(name="web"),
        spec=kubernetes.client.V1HorizontalPodAutoscalerSpec(
            scale_target_ref=kubernetes.client.V1CrossVersionObjectReference(api_version="apps/v1", kind="Deployment",
                                                                             name="web"),
            min_replicas=2, max_replicas=6, target_cpu_utilization_percentage=70)))
    v2 = kubernetes.client.AutoscalingV2Api(client).read_namespaced_horizontal_pod_autoscaler("web", "shop")
    cpu = v2.spec.metrics[0].resource
    assert (cpu.name, cpu.target.type, cpu.target.average_utilization) == ("cpu", "Utilization", 70)
    assert v1.read_namespaced_horizontal_pod_autoscaler("web", "shop").spec.target_cpu_utilization_percentage == 70
    assert "web" in fleet_kubectl("-n", "shop", "get", "hpa.v1.autoscaling", "-o", "name").stdout
