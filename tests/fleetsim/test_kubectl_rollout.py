"""kubectl end to end against a simulated cluster: apply, rollout status, set image, rollout undo,
scale, wait for Available, describe — the commands a release engineer runs, unchanged."""
from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest

KUBECTL = os.environ.get("KUBECTL", shutil.which("kubectl") or "/usr/bin/kubectl")
CONTEXT = "app-dev-us-east1"

MANIFEST = """\
apiVersion: v1
kind: Namespace
metadata:
  name: shop
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  labels: {app: web}
spec:
  replicas: 3
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: example/web:1.0
        ports:
        - {name: http, containerPort: 8080}
---
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: shop
spec:
  selector: {app: web}
  ports:
  - {port: 80, targetPort: http}
"""

pytestmark = pytest.mark.skipif(not os.path.exists(KUBECTL), reason="kubectl is not installed")


@pytest.fixture
def kubectl(fleetsim_fleet, tmp_path):
    fleet = fleetsim_fleet(clock_speed=10, pod_ready_delay="2s", pod_ready_jitter="0.5s")

    def run(*args: str, check: bool = True, timeout: float = 60) -> subprocess.CompletedProcess:
        cmd = [KUBECTL, "--kubeconfig", str(fleet.kubeconfig), "--context", CONTEXT,
               "--cache-dir", str(tmp_path / "cache"), *args]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        if check and proc.returncode != 0:
            raise AssertionError(f"kubectl {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
        return proc
    run.fleet = fleet
    run.manifest = tmp_path / "web.yaml"
    run.manifest.write_text(MANIFEST)
    return run


def rs_by_revision(kubectl) -> dict[str, tuple[str, int]]:
    out = kubectl("-n", "shop", "get", "rs", "-o",
                  "jsonpath={range .items[*]}{.metadata.name} {.metadata.annotations.deployment\\.kubernetes\\.io/"
                  "revision} {.spec.replicas}{\"\\n\"}{end}").stdout
    rows = [line.split() for line in out.splitlines() if line.strip()]
    return {rev: (name, int(replicas)) for name, rev, replicas in rows}


def test_apply_rollout_status_set_image_and_undo(kubectl):
    assert "deployment.apps/web created" in kubectl("apply", "-f", str(kubectl.manifest)).stdout
    status = kubectl("-n", "shop", "rollout", "status", "deployment/web", "--timeout=60s").stdout
    assert 'deployment "web" successfully rolled out' in status
    first = rs_by_revision(kubectl)["1"]

    kubectl("-n", "shop", "set", "image", "deployment/web", "web=example/web:1.1")
    status = kubectl("-n", "shop", "rollout", "status", "deployment/web", "--timeout=60s").stdout
    assert "Waiting for deployment \"web\" rollout to finish" in status
    assert status.rstrip().endswith('deployment "web" successfully rolled out')
    revisions = rs_by_revision(kubectl)
    assert revisions["1"] == (first[0], 0) and revisions["2"][1] == 3

    history = kubectl("-n", "shop", "rollout", "history", "deployment/web").stdout
    assert re.search(r"^1\s+<none>$", history, re.M) and re.search(r"^2\s+<none>$", history, re.M)
    assert "rolled back" in kubectl("-n", "shop", "rollout", "undo", "deployment/web").stdout
    kubectl("-n", "shop", "rollout", "status", "deployment/web", "--timeout=60s")
    revisions = rs_by_revision(kubectl)
    # Undo is a template change back to revision 1: its ReplicaSet comes back as revision 3.
    assert revisions["3"] == (first[0], 3) and "1" not in revisions
    image = kubectl("-n", "shop", "get", "deployment", "web", "-o",
                    "jsonpath={.spec.template.spec.containers[0].image}").stdout
    assert image == "example/web:1.0"


def test_scale_wait_and_describe(kubectl):
    kubectl("apply", "-f", str(kubectl.manifest))
    kubectl("-n", "shop", "wait", "--for=condition=Available", "deployment/web", "--timeout=60s")
    assert "deployment.apps/web scaled" in kubectl("-n", "shop", "scale", "deployment/web", "--replicas=5").stdout
    kubectl("-n", "shop", "rollout", "status", "deployment/web", "--timeout=60s")
    out = kubectl("-n", "shop", "wait", "--for=condition=Available", "deployment/web", "--timeout=60s").stdout
    assert "condition met" in out
    describe = kubectl("-n", "shop", "describe", "deployment", "web").stdout
    assert re.search(r"Replicas:\s+5 desired \| 5 updated \| 5 total \| 5 available \| 0 unavailable", describe)
    assert re.search(r"RollingUpdateStrategy:\s+25% max unavailable, 25% max surge", describe)
    assert re.search(r"Progressing\s+True\s+NewReplicaSetAvailable", describe)
    assert re.search(r"Available\s+True\s+MinimumReplicasAvailable", describe)
    rs_name = rs_by_revision(kubectl)["1"][0]
    assert re.search(rf"NewReplicaSet:\s+{rs_name} \(5/5 replicas created\)", describe)
    assert f"Scaled up replica set {rs_name} from 0 to 3" in describe
    assert f"Scaled up replica set {rs_name} from 3 to 5" in describe
    pods = kubectl("-n", "shop", "get", "pods", "-l", "app=web", "--no-headers").stdout.splitlines()
    assert len(pods) == 5 and all(re.search(r"\s1/1\s+Running\s+0\s", line) for line in pods)
    endpoints = kubectl("-n", "shop", "get", "endpoints", "web", "-o",
                        "jsonpath={.subsets[0].addresses[*].ip}").stdout.split()
    assert len(endpoints) == 5


def test_rollout_status_reports_a_stuck_rollout(kubectl):
    kubectl("apply", "-f", str(kubectl.manifest))
    kubectl("-n", "shop", "rollout", "status", "deployment/web", "--timeout=60s")
    kubectl("-n", "shop", "patch", "deployment", "web", "--type=merge", "-p",
            '{"spec": {"progressDeadlineSeconds": 30, "template": {"metadata": {"annotations": '
            '{"fleetsim.io/crash-loop": "true"}}}}}')
    proc = kubectl("-n", "shop", "rollout", "status", "deployment/web", "--timeout=60s", check=False)
    assert proc.returncode != 0
    assert 'deployment "web" exceeded its progress deadline' in proc.stderr
    pods = kubectl("-n", "shop", "get", "pods", "-l", "app=web", "--no-headers").stdout
    assert re.search(r"0/1\s+(CrashLoopBackOff|Error|Running)\s+[1-9]", pods)


DAEMONSET = """\
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: agent
  namespace: default
spec:
  selector:
    matchLabels: {app: agent}
  template:
    metadata:
      labels: {app: agent}
    spec:
      containers:
      - {name: agent, image: "example/agent:1"}
"""


def test_daemonset_rollout_history_and_undo(kubectl, tmp_path):
    manifest = tmp_path / "agent.yaml"
    manifest.write_text(DAEMONSET)
    kubectl("apply", "-f", str(manifest))
    kubectl("rollout", "status", "daemonset/agent", "--timeout=60s")
    nodes = kubectl("get", "nodes", "--no-headers").stdout.splitlines()
    kubectl("set", "image", "daemonset/agent", "agent=example/agent:2")
    status = kubectl("rollout", "status", "daemonset/agent", "--timeout=60s").stdout
    assert 'daemon set "agent" successfully rolled out' in status
    history = kubectl("rollout", "history", "daemonset/agent").stdout
    assert re.search(r"^1\s+<none>$", history, re.M) and re.search(r"^2\s+<none>$", history, re.M)
    kubectl("rollout", "undo", "daemonset/agent")
    kubectl("rollout", "status", "daemonset/agent", "--timeout=60s")
    images = kubectl("get", "pods", "-l", "app=agent", "-o",
                     "jsonpath={range .items[*]}{.metadata.deletionTimestamp}/{.spec.containers[0].image} {end}").stdout
    live = [i.split("/", 1)[1] for i in images.split() if i.startswith("/")]
    assert live == ["example/agent:1"] * len(nodes)


def test_cascading_deletes_through_kubectl(kubectl):
    kubectl("apply", "-f", str(kubectl.manifest))
    kubectl("-n", "shop", "rollout", "status", "deployment/web", "--timeout=60s")
    out = kubectl("-n", "shop", "delete", "deployment", "web", "--cascade=foreground", "--timeout=60s").stdout
    assert 'deployment.apps "web" deleted' in out
    # Foreground: the Deployment is gone only once its ReplicaSet (and that one's pods) are gone.
    assert kubectl("-n", "shop", "get", "rs,pods", "--no-headers", "-o", "name").stdout.strip() == ""
    assert 'namespace "shop" deleted' in kubectl("delete", "namespace", "shop", "--timeout=60s").stdout
    proc = kubectl("get", "namespace", "shop", check=False)
    assert proc.returncode != 0 and 'namespaces "shop" not found' in proc.stderr
