"""pods/log: `kubectl logs` (also -f, --previous, -l ... --prefix, --tail, --since, --timestamps,
--limit-bytes) and the Python client read what the simulated containers printed: start-up lines,
one access line per request a pod answered, and the error a crash-looping container exits with."""
from __future__ import annotations

import re
import subprocess
import threading
import time

import pytest

from conftest import KUBECTL

ACCESS = re.compile(r'"(GET|POST) /\S* HTTP/1.1" (200|500) \d+\.\dms')

WEB = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop, labels: {app: web}}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata:
      labels: {app: web, version: "2.0.0"}
      annotations: {fleetsim.io/error-rate: "0.5"}
    spec:
      containers:
      - {name: web, image: registry.example.com/web:2.0.0, ports: [{containerPort: 8080}]}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
"""

CRASHING = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web-3, namespace: shop}
spec:
  replicas: 1
  selector: {matchLabels: {app: web3}}
  template:
    metadata:
      labels: {app: web3, version: "3.0.0"}
      annotations: {fleetsim.io/crash-loop: "true",
                    fleetsim.io/crash-message: "panic: runtime error: invalid memory address or nil pointer dereference"}
    spec:
      containers:
      - {name: web, image: registry.example.com/web:3.0.0}
"""


def _pods(k, selector):
    return k("-n", "shop", "get", "pods", "-l", selector, "-o", "jsonpath={.items[*].metadata.name}").stdout.split()


@pytest.fixture
def web(fleet_kubectl):
    fleet_kubectl.apply(WEB)
    fleet_kubectl("-n", "shop", "rollout", "status", "deploy/web", "--timeout=60s")
    # The simulated users send 10 requests a simulated second (the clock runs 10x): wait for some.
    time.sleep(1.5)
    return fleet_kubectl


def test_kubectl_logs_of_a_deployment_shows_start_up_and_one_access_line_per_request(web):
    out = web("-n", "shop", "logs", "deploy/web").stdout.splitlines()
    assert out[0].startswith("INFO  starting web version 2.0.0 (image registry.example.com/web:2.0.0) on node ")
    assert "INFO  listening on :8080" in out
    assert "INFO  ready: serving requests" in out
    access = [line for line in out if ACCESS.search(line)]
    assert len(access) >= 10
    assert any('" 500 ' in line and line.startswith("ERROR") for line in access)  # error-rate 0.5
    assert any('" 200 ' in line and line.startswith("INFO") for line in access)


def test_access_lines_count_the_requests_in_the_metrics(web):
    pod = _pods(web, "app=web")[0]
    text = web.fleet.metrics_text()
    served = sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
                 if line.startswith("http_requests_total{") and f'pod="{pod}"' in line)
    lines = [line for line in web("-n", "shop", "logs", pod).stdout.splitlines() if ACCESS.search(line)]
    # The log is read a moment after the metrics: at most a few ticks more.
    assert served >= 10
    assert served <= len(lines) <= served + 40


def test_tail_timestamps_since_and_limit_bytes(web):
    pod = _pods(web, "app=web")[0]
    tail = web("-n", "shop", "logs", pod, "--tail=3", "--timestamps").stdout.splitlines()
    assert len(tail) == 3
    for line in tail:
        assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z ", line), line
    limited = web("-n", "shop", "logs", pod, "--limit-bytes=50").stdout
    assert len(limited.encode()) == 50
    everything = web("-n", "shop", "logs", pod).stdout.splitlines()
    recent = web("-n", "shop", "logs", pod, "--since=1s").stdout.splitlines()  # 1 s = 0.1 s real
    assert len(recent) < len(everything)
    assert all(not line.startswith("INFO  starting") for line in recent)


def test_logs_of_all_pods_of_an_app_with_prefix(web):
    pods = _pods(web, "app=web")
    out = web("-n", "shop", "logs", "-l", "app=web", "--prefix", "--tail=5").stdout.splitlines()
    prefixes = {line.split(" ", 1)[0] for line in out}
    assert prefixes == {f"[pod/{p}/web]" for p in pods}
    assert len(out) == 5 * len(pods)


def test_follow_streams_new_lines_until_the_container_stops(web):
    pod = _pods(web, "app=web")[0]
    proc = subprocess.Popen([KUBECTL, "--kubeconfig", str(web.fleet.kubeconfig), "--context", web.context,
                             "-n", "shop", "logs", "-f", pod, "--tail=1"], stdout=subprocess.PIPE, text=True)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stdout), daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 20
        while len(lines) < 6 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(lines) >= 6, lines  # new access lines arrive while following
        assert proc.poll() is None
        web("-n", "shop", "delete", "pod", pod, "--wait=false")
        assert proc.wait(timeout=30) == 0  # the stream ends when the container stops
        reader.join(5)
        assert "INFO  received SIGTERM: draining connections" in "".join(lines)
        assert lines[-1].rstrip("\n") == "INFO  shutdown complete"
    finally:
        if proc.poll() is None:
            proc.kill()


def test_crash_loop_previous_shows_the_error_the_container_exited_with(fleet_kubectl):
    k = fleet_kubectl
    k.apply(CRASHING)
    pod = k.wait_for(lambda: next((p["metadata"]["name"] for p in k.cluster.store.items("pods", "shop")
                                   if any(s.get("restartCount", 0) >= 1 and (s.get("lastState") or {}).get(
                                       "terminated") for s in (p.get("status") or {}).get(
                                       "containerStatuses") or [])), None), timeout=90, what="a restart")
    previous = k("-n", "shop", "logs", pod, "--previous").stdout.splitlines()
    assert previous[0].startswith("INFO  starting web3 version 3.0.0")
    assert previous[-2:] == ["ERROR panic: runtime error: invalid memory address or nil pointer dereference",
                             "FATAL exiting with status 1"]
    # The deployment form works the same (what the demo prints for the failed canary).
    assert "FATAL exiting with status 1" in k("-n", "shop", "logs", "deploy/web-3", "--previous").stdout
    import kubernetes
    v1 = kubernetes.client.CoreV1Api(k.client())
    assert v1.read_namespaced_pod_log(pod, "shop", previous=True).splitlines()[-1] == "FATAL exiting with status 1"


def test_errors_a_client_gets_like_from_the_real_server(web):
    import kubernetes
    pod = _pods(web, "app=web")[0]
    bad = web("-n", "shop", "logs", pod, "-c", "nope", check=False)
    assert bad.returncode != 0 and f"container nope is not valid for pod {pod}" in bad.stderr
    none = web("-n", "shop", "logs", pod, "--previous", check=False)
    assert f'previous terminated container "web" in pod "{pod}" not found' in none.stderr
    v1 = kubernetes.client.CoreV1Api(web.client())
    with pytest.raises(kubernetes.client.ApiException) as err:
        v1.read_namespaced_pod_log(pod, "shop", tail_lines=-1)
    assert err.value.status == 422
    web.apply(WEB.replace("name: web,", "name: broken,").replace("app: web", "app: broken")
              .replace("web:2.0.0", "web:does-not-exist").split("---")[0])
    broken = web.wait_for(lambda: next((p["metadata"]["name"] for p in web.cluster.store.items("pods", "shop")
                                        if any(((s.get("state") or {}).get("waiting") or {}).get("reason") ==
                                               "ImagePullBackOff" for s in (p.get("status") or {}).get(
                                                   "containerStatuses") or [])), None), what="ImagePullBackOff")
    out = web("-n", "shop", "logs", broken, check=False)
    assert f'container "broken" in pod "{broken}" is waiting to start: trying and failing to pull image' in out.stderr


def test_python_client_reads_and_follows_logs(web):
    import kubernetes
    v1 = kubernetes.client.CoreV1Api(web.client())
    pod = _pods(web, "app=web")[0]
    text = v1.read_namespaced_pod_log(pod, "shop", container="web", tail_lines=4, timestamps=True)
    assert len(text.splitlines()) == 4
    stream = v1.read_namespaced_pod_log(pod, "shop", follow=True, since_seconds=1, _preload_content=False)
    got = []
    for chunk in stream.stream(64):
        got += chunk.decode().splitlines()
        if len(got) >= 5:
            break
    stream.release_conn()
    assert sum(1 for line in got if ACCESS.search(line)) >= 3
