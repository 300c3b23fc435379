"""Helpers for the release modules' integration tests: an app on a fleetsim cluster, and the modules
run the way users run them (``ansible localhost -m progressive.delivery.<module>``), with the
connection given through the K8S_AUTH_* environment variables AWX's credential type injects."""

import contextlib
import json
import os
import signal
import subprocess
import sys
import time

from ansible_collections.progressive.delivery.plugins.module_utils.k8s.client import get_client
from ansible_collections.progressive.delivery.plugins.module_utils.release.app_watch import wait_rolled_out

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ANSIBLE = os.path.join(os.path.dirname(sys.executable), "ansible")


def app_deployment(app="web", version="1", replicas=4, namespace="default", annotations=None):
    labels = {"app": app, "version": version}
    template_meta = {"labels": dict(labels)}
    if annotations:
        template_meta["annotations"] = dict(annotations)
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": app, "namespace": namespace, "labels": dict(labels)},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": dict(labels)},
            "template": {"metadata": template_meta, "spec": {"containers": [
                {"name": app, "image": "registry.example.com/%s:%s" % (app, version),
                 "ports": [{"name": "http", "containerPort": 8080}]}]}},
        },
    }


def app_service(app="web", namespace="default"):
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": app, "namespace": namespace},
            "spec": {"selector": {"app": app}, "ports": [{"name": "http", "port": 80, "targetPort": 8080}]}}


def descendants(pid):
    """Pids below pid in the process tree, parents before children (from /proc)."""
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as stat:
                ppid = int(stat.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    found, stack = [], [pid]
    while stack:
        for child in children.get(stack.pop(), []):
            found.append(child)
            stack.append(child)
    return found


class ReleaseFleet:
    """One fleetsim cluster with an app deployed, and a runner for the release modules."""

    def __init__(self, fleet, cluster, workdir):
        self.fleet = fleet
        self.cluster = cluster
        self.workdir = str(workdir)
        self.client = get_client({"kubeconfig": str(fleet.kubeconfig), "context": fleet.clusters[cluster].context})
        self.env = dict(os.environ)
        self.env.update({
            "ANSIBLE_COLLECTIONS_PATH": os.path.join(REPO, ".venv", "collections"),
            "ANSIBLE_CONFIG": os.path.join(REPO, "ansible.cfg"),
            "ANSIBLE_LOAD_CALLBACK_PLUGINS": "1",
            "ANSIBLE_STDOUT_CALLBACK": "json",
            "ANSIBLE_LOCALHOST_WARNING": "0",
            "ANSIBLE_INVENTORY_UNPARSED_WARNING": "0",
            "K8S_AUTH_KUBECONFIG": str(fleet.kubeconfig),
            "K8S_AUTH_CONTEXT": fleet.clusters[cluster].context,
        })

    def deploy(self, app="web", version="1", replicas=4):
        self.client.create(app_deployment(app, version, replicas))
        self.client.create(app_service(app))
        deployment = self.client.get("apps/v1", "Deployment", "default", app)
        wait_rolled_out(self.client, timeout=60, sleep=1, deployment=deployment)

    def _command(self, module, args, check=False):
        cmd = [ANSIBLE, "localhost", "-m", "progressive.delivery.%s" % module, "-a", json.dumps(args)]
        return cmd + (["--check"] if check else [])

    def run(self, module, check=False, **args):
        """Run the module once; returns its result (the module's JSON, with 'failed' when it failed)."""
        proc = subprocess.run(self._command(module, args, check), env=self.env, cwd=self.workdir,
                              capture_output=True, text=True, timeout=600, check=False)
        try:
            doc = json.loads(proc.stdout)
            return doc["plays"][0]["tasks"][0]["hosts"]["localhost"]
        except (ValueError, KeyError, IndexError):
            raise AssertionError("ansible produced no result (rc %s):\n%s\n%s"
                                 % (proc.returncode, proc.stdout, proc.stderr))

    def start(self, module, **args):
        """Start the module in the background (its own process group, so it can be killed whole)."""
        return subprocess.Popen(self._command(module, args), env=self.env, cwd=self.workdir,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)

    @staticmethod
    def kill(proc):
        """SIGKILL the run and every process under it (Ansible's workers run in sessions of their own)."""
        for pid in reversed(descendants(proc.pid)):
            with contextlib.suppress(ProcessLookupError):  # it may have exited on its own meanwhile
                os.kill(pid, signal.SIGKILL)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)

    def deployment(self, name):
        return self.client.get("apps/v1", "Deployment", "default", name)

    def replicas(self, *names):
        return tuple((self.deployment(n) or {}).get("spec", {}).get("replicas") for n in names)

    def annotations(self, name):
        return ((self.deployment(name) or {}).get("metadata") or {}).get("annotations") or {}

    def wait_for(self, predicate, timeout=60, what="condition"):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = predicate()
            if value:
                return value
            time.sleep(0.1)
        raise AssertionError("timed out waiting for %s" % what)
