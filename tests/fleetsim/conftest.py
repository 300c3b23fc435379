"""Shared fixtures for the fleetsim tests: one in-process API-only cluster (no controllers or
kubelet) on its own event-loop thread, with a kubeconfig for kubectl and the Python client.
Multi-cluster fleets come from fleetsim.pytest_plugin (fleetsim_fleet)."""
from __future__ import annotations

import asyncio
import json
import os
import subprocess
import threading
from pathlib import Path

import pytest
import yaml

from fleetsim.cluster import Cluster

FIXTURES = Path(__file__).parent / "fixtures" / "real"
KUBECTL = os.environ.get("KUBECTL", "/usr/bin/kubectl")


def real_sample(name: str):
    """A recorded kube-apiserver response from fixtures/real (JSON, or a list for .jsonl)."""
    text = (FIXTURES / name).read_text()
    if name.endswith(".jsonl"):
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    return json.loads(text)


class ClusterHandle:
    """A running Cluster on a private loop thread; call() runs code on that loop."""

    def __init__(self, workdir: Path, name: str = "test", run_components: bool = False):
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name=f"cluster-{name}", daemon=True)
        self.thread.start()
        self.cluster: Cluster = self.call(lambda: Cluster(name, run_components=run_components))
        self.call(self.cluster.start)
        self.url = self.cluster.url
        self.token = self.cluster.token
        self.kubeconfig = workdir / "kubeconfig"
        self.kubeconfig.write_text(yaml.safe_dump({
            "apiVersion": "v1", "kind": "Config", "current-context": name,
            "clusters": [{"name": name, "cluster": {"server": self.url,
                                                    "certificate-authority-data": self.cluster.ca_data}}],
            "users": [{"name": name, "user": {"token": self.token}}],
            "contexts": [{"name": name, "context": {"cluster": name, "user": name, "namespace": "default"}}],
        }))
        self.cache_dir = workdir / "kube-cache"

    def call(self, fn, *args, timeout: float = 30.0):
        async def run():
            result = fn(*args)
            if asyncio.iscoroutine(result):
                result = await result
            return result
        return asyncio.run_coroutine_threadsafe(run(), self.loop).result(timeout)

    @property
    def api(self):
        return self.cluster.api

    def kubectl(self, *args: str, stdin: str | None = None, check: bool = True) -> subprocess.CompletedProcess:
        cmd = [KUBECTL, "--kubeconfig", str(self.kubeconfig), "--cache-dir", str(self.cache_dir), *args]
        proc = subprocess.run(cmd, input=stdin, capture_output=True, text=True, timeout=60)
        if check and proc.returncode != 0:
            raise AssertionError(f"kubectl {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr}")
        return proc

    def stop(self) -> None:
        self.call(self.cluster.stop)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


@pytest.fixture(scope="module")
def api_cluster(tmp_path_factory):
    """An API-only cluster shared by the tests of one module (use distinct namespaces per test)."""
    handle = ClusterHandle(tmp_path_factory.mktemp("api-cluster"))
    yield handle
    handle.stop()


class FleetKubectl:
    """kubectl (and the kubernetes Python client) against one cluster of a running fleet."""

    def __init__(self, fleet, workdir: Path, context: str = "app-dev-us-east1"):
        self.fleet = fleet
        self.context = context
        self.workdir = workdir
        self.cluster = fleet.runtime.clusters[context]

    def __call__(self, *args: str, check: bool = True, timeout: float = 60, stdin: str | None = None,
                 kubeconfig: Path | None = None) -> subprocess.CompletedProcess:
        cmd = [KUBECTL, "--kubeconfig", str(kubeconfig or self.fleet.kubeconfig), "--context", self.context,
               "--cache-dir", str(self.workdir / "kube-cache"), *args]
        proc = subprocess.run(cmd, input=stdin, capture_output=True, text=True, timeout=timeout)
        if check and proc.returncode != 0:
            raise AssertionError(f"kubectl {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
        return proc

    def apply(self, manifest: str) -> str:
        return self("apply", "-f", "-", stdin=manifest).stdout

    def client(self):
        import kubernetes
        return kubernetes.config.new_client_from_config(str(self.fleet.kubeconfig), context=self.context)

    def call(self, fn, *args):
        return self.fleet.call(fn, *args)

    def api(self):
        return self.cluster.api

    def wait_for(self, predicate, timeout: float = 60, interval: float = 0.2, what: str = "condition"):
        import time
        deadline = time.monotonic() + timeout
        while True:
            value = self.call(predicate)
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}")
            time.sleep(interval)


@pytest.fixture
def fleet_kubectl(fleetsim_fleet, tmp_path):
    """One single-region fleet (clock x10, pods ready after about 1 s) and kubectl for its member."""
    fleet = fleetsim_fleet(clock_speed=10, pod_ready_delay="1s", pod_ready_jitter="0.2s", namespaces=["shop"])
    return FleetKubectl(fleet, tmp_path)
