"""The rest of core/v1 a real server serves: Binding (pods/binding and bindings, the scheduler's
API), PersistentVolumes bound to claims, ReplicationControllers (with their scale subresource), and
exec / attach / port-forward / proxy answering as a client understands."""
from __future__ import annotations

import json

import pytest

MANUAL_POD = """\
apiVersion: v1
kind: Pod
metadata: {name: NAME, namespace: shop, labels: {app: manual}}
spec:
  schedulerName: my-scheduler
  containers: [{name: app, image: example/app:1.0}]
"""


def binding(pod: str, node: str) -> str:
    return json.dumps({"apiVersion": "v1", "kind": "Binding", "metadata": {"name": pod, "namespace": "shop"},
                       "target": {"apiVersion": "v1", "kind": "Node", "name": node}})


def test_a_custom_scheduler_binds_pods_through_binding(fleet_kubectl, tmp_path):
    k = fleet_kubectl
    k.apply(MANUAL_POD.replace("NAME", "one") + "---\n" + MANUAL_POD.replace("NAME", "two"))
    assert k.cluster.store.get("pods", "shop", "one")["spec"].get("nodeName") is None
    node = k("get", "nodes", "-o", "jsonpath={.items[1].metadata.name}").stdout
    # spec.nodeName is not for updates: only a Binding assigns a pod to a node.
    patched = k("-n", "shop", "patch", "pod", "one", "-p", json.dumps({"spec": {"nodeName": node}}), check=False)
    assert patched.returncode != 0 and "pod updates may not change fields other than" in patched.stderr
    # pods/binding, as kube-scheduler posts it
    (tmp_path / "b1.json").write_text(binding("one", node))
    k("create", "--raw", "/api/v1/namespaces/shop/pods/one/binding", "-f", str(tmp_path / "b1.json"))
    # the bindings resource (the older form some schedulers use)
    (tmp_path / "b2.json").write_text(binding("two", node))
    out = k("create", "--raw", "/api/v1/namespaces/shop/bindings", "-f", str(tmp_path / "b2.json")).stdout
    assert json.loads(out) == {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201}
    k("-n", "shop", "wait", "--for=condition=Ready", "pod/one", "pod/two", "--timeout=60s")
    pod = k.cluster.store.get("pods", "shop", "one")
    assert pod["spec"]["nodeName"] == node
    scheduled = next(c for c in pod["status"]["conditions"] if c["type"] == "PodScheduled")
    assert scheduled["status"] == "True"
    again = k("create", "--raw", "/api/v1/namespaces/shop/pods/one/binding", "-f", str(tmp_path / "b1.json"),
              check=False)
    assert again.returncode != 0
    assert f'Operation cannot be fulfilled on bindings "one": pod one is already assigned to node "{node}"' \
        in again.stderr
    mismatch = k("create", "--raw", "/api/v1/namespaces/shop/pods/two/binding", "-f", str(tmp_path / "b1.json"),
                 check=False)
    assert "name in URL does not match name in Binding object" in mismatch.stderr


VOLUMES = """\
apiVersion: v1
kind: PersistentVolume
metadata: {name: small}
spec:
  capacity: {storage: 1Gi}
  accessModes: [ReadWriteOnce]
  hostPath: {path: /srv/small}
---
apiVersion: v1
kind: PersistentVolume
metadata: {name: big}
spec:
  capacity: {storage: 10Gi}
  accessModes: [ReadWriteOnce]
  persistentVolumeReclaimPolicy: Retain
  hostPath: {path: /srv/big}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data, namespace: shop}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 5Gi}}
"""


def test_persistent_volumes_bind_claims_and_are_released(fleet_kubectl):
    k = fleet_kubectl
    k.apply(VOLUMES)
    claim = k.wait_for(lambda: (c := k.cluster.store.get("persistentvolumeclaims", "shop", "data"))["status"][
        "phase"] == "Bound" and c, what="the claim to bind")
    assert claim["spec"]["volumeName"] == "big"  # the smallest volume that fits
    assert claim["status"]["capacity"] == {"storage": "10Gi"}
    rows = {line.split()[0]: line.split() for line in k("get", "pv").stdout.splitlines()[1:]}
    assert rows["big"][1:6] == ["10Gi", "RWO", "Retain", "Bound", "shop/data"]
    assert rows["small"][4] == "Available"
    k("-n", "shop", "delete", "pvc", "data")
    k.wait_for(lambda: k.cluster.store.get("persistentvolumes", None, "big")["status"]["phase"] == "Released",
               what="the volume to be released")
    bad = k("apply", "-f", "-", stdin="apiVersion: v1\nkind: PersistentVolume\nmetadata: {name: nothing}\n"
                                    "spec: {capacity: {storage: 1Gi}, accessModes: [ReadWriteOnce]}\n", check=False)
    assert 'PersistentVolume "nothing" is invalid: spec: Required value: must specify a volume type' in bad.stderr


RC = """\
apiVersion: v1
kind: ReplicationController
metadata: {name: legacy, namespace: shop}
spec:
  replicas: 2
  template:
    metadata: {labels: {app: legacy}}
    spec:
      containers: [{name: app, image: example/legacy:1.0}]
"""


def test_replication_controller_keeps_its_replicas_and_scales(fleet_kubectl):
    import kubernetes
    k = fleet_kubectl
    k.apply(RC)
    rc = k.cluster.store.get("replicationcontrollers", "shop", "legacy")
    assert rc["spec"]["selector"] == {"app": "legacy"} and rc["metadata"]["labels"] == {"app": "legacy"}
    k.wait_for(lambda: (k.cluster.store.get("replicationcontrollers", "shop", "legacy").get("status") or {}).get(
        "readyReplicas") == 2, what="2 ready replicas")
    k("-n", "shop", "scale", "rc", "legacy", "--replicas=3")
    k.wait_for(lambda: (k.cluster.store.get("replicationcontrollers", "shop", "legacy").get("status") or {}).get(
        "readyReplicas") == 3, what="3 ready replicas")
    row = k("-n", "shop", "get", "rc", "legacy").stdout.splitlines()[1].split()
    assert row[:4] == ["legacy", "3", "3", "3"]
    scale = kubernetes.client.CoreV1Api(k.client()).read_namespaced_replication_controller_scale("legacy", "shop")
    assert scale.spec.replicas == 3 and scale.status.selector == "app=legacy"
    pods = [p for p in k.cluster.store.items("pods", "shop") if p["metadata"]["labels"].get("app") == "legacy"]
    assert {p["metadata"]["ownerReferences"][0]["kind"] for p in pods} == {"ReplicationController"}
    bad = k("apply", "-f", "-", stdin=RC.replace("name: legacy,", "name: broken,").replace(
        "  replicas: 2\n", "  replicas: 2\n  selector: {app: other}\n"), check=False)
    assert "`selector` does not match template `labels`" in bad.stderr
    k("-n", "shop", "delete", "rc", "legacy")
    k.wait_for(lambda: not [p for p in k.cluster.store.items("pods", "shop")
                            if (p["metadata"].get("labels") or {}).get("app") == "legacy"
                            and not p["metadata"].get("deletionTimestamp")], what="the pods to go")


WEB = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web, version: "1"}}
    spec:
      containers: [{name: web, image: example/web:1.0, ports: [{containerPort: 8080}]}]
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
"""


def test_exec_attach_port_forward_answer_a_status_and_proxies_reach_the_pods(fleet_kubectl):
    k = fleet_kubectl
    k.apply(WEB)
    k("-n", "shop", "rollout", "status", "deploy/web", "--timeout=60s")
    pod = k("-n", "shop", "get", "pods", "-l", "app=web", "-o", "jsonpath={.items[0].metadata.name}").stdout
    for args in (["exec", pod, "--", "ls"], ["attach", pod], ["port-forward", f"pod/{pod}", "18080:8080"]):
        proc = k("-n", "shop", *args, check=False, timeout=30)
        assert proc.returncode != 0
        assert "fleetsim simulates containers and runs no processes" in proc.stderr, (args, proc.stderr)
    missing = k("-n", "shop", "exec", "nope", "--", "ls", check=False)
    assert 'pods "nope" not found' in missing.stderr
    answer = json.loads(k("get", "--raw", "/api/v1/namespaces/shop/services/web:80/proxy/api/items").stdout)
    assert (answer["service"], answer["path"], answer["pod"], answer["code"]) == ("web", "/api/items", pod, 200)
    answer = json.loads(k("get", "--raw", f"/api/v1/namespaces/shop/pods/{pod}:8080/proxy/healthz").stdout)
    assert answer["pod"] == pod and answer["path"] == "/healthz"
    # The request shows in the pod's access log like any other.
    assert '"GET /healthz HTTP/1.1" 200' in k("-n", "shop", "logs", pod).stdout


def test_ephemeral_containers_and_resize_subresources(fleet_kubectl):
    import kubernetes
    k = fleet_kubectl
    k.apply(WEB)
    k("-n", "shop", "rollout", "status", "deploy/web", "--timeout=60s")
    pod = k("-n", "shop", "get", "pods", "-l", "app=web", "-o", "jsonpath={.items[0].metadata.name}").stdout
    v1 = kubernetes.client.CoreV1Api(k.client())
    v1.patch_namespaced_pod_ephemeralcontainers(pod, "shop", {"spec": {"ephemeralContainers": [
        {"name": "debugger", "image": "busybox:1.36", "targetContainerName": "web"}]}})
    got = v1.read_namespaced_pod_ephemeralcontainers(pod, "shop")
    assert [c.name for c in got.spec.ephemeral_containers] == ["debugger"]
    with pytest.raises(kubernetes.client.ApiException) as err:
        v1.patch_namespaced_pod_ephemeralcontainers(pod, "shop", {"spec": {"ephemeralContainers": []}},
                                                    _content_type="application/merge-patch+json")
    assert err.value.status == 422
    k("-n", "shop", "patch", "pod", pod, "--subresource=resize", "-p",
      '{"spec": {"containers": [{"name": "web", "resources": {"requests": {"cpu": "250m"}}}]}}')
    assert k.cluster.store.get("pods", "shop", pod)["spec"]["containers"][0]["resources"] == {
        "requests": {"cpu": "250m"}}
