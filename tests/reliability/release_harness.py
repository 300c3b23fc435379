"""playbooks/release.yml on a fleetsim fleet with the real Prometheus, run the way a user runs it.

One environment (``shop``/``dev``) of member clusters behind a config cluster, app ``web`` version 1
(N pods + Service) in every member cluster, an inventory of the fleet (hosts = clusters) and fast
gates. A CapacityWatcher follows every member cluster from the moment the app is up.

    harness = ReleaseHarness(fleetsim_fleet, prometheus, tmp_path, regions=["us-east1", "europe-west1"])
    proc = harness.run("2")                  # ansible-playbook, finished; .returncode/.stdout/.stderr
    harness.state("shop-dev-us-east1")       # {"stable": "1"|"2", "ready": n, "canary": ..., "record": ...}
    harness.violations()                     # capacity violations over all clusters so far
"""

import contextlib
import os
import subprocess
import sys
import time

import yaml

from ansible_collections.progressive.delivery.plugins.module_utils.k8s.client import get_client
from ansible_collections.progressive.delivery.plugins.module_utils.release import names
from ansible_collections.progressive.delivery.tests.support.capacity_watcher import CapacityWatcher
from ansible_collections.progressive.delivery.tests.support.release_fleet import app_deployment, app_service

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.dirname(sys.executable)
APP, NAMESPACE = "web", "default"


def release_vars(prometheus_url):
    """Fast gates for a simulated fleet (clock x10, Prometheus scraping every second)."""
    return {
        "release_hosts": "shop_dev",
        "multicluster_release_app": APP,
        "canary_release_image": "registry.example.com/web:{{ multicluster_release_version }}",
        "canary_release_strategy": "pods",
        "canary_release_prometheus_url": prometheus_url,
        "canary_release_metric_window": "10s",
        "canary_release_gate_initial_delay": "2s",
        "canary_release_gate_interval": "2s",
        "canary_release_gate_count": 2,
        "canary_release_gate_inconclusive_limit": 1,
        "canary_release_wait_timeout": 120,
        "canary_release_smoke_requests": 3,
        "multicluster_release_smoke_url": "{{ fleet_front_url }}/{namespace}/{service}/",
        "multicluster_release_mcs_smoke_url": "{{ fleet_front_url }}/{namespace}/{service}/",
    }


class ReleaseHarness:
    def __init__(self, fleetsim_fleet, prometheus, workdir, regions=("us-east1",), replicas=3, seed=None):
        self.workdir = str(workdir)
        self.replicas = replicas
        spec = {"simulation": {"clock_speed": 10, "pod_ready_delay": "2s", "pod_ready_jitter": "1s",
                               "requests_per_second": 20},
                "environment_sets": {"shop": {"environments": ["dev"], "regions": list(regions)}}}
        self.fleet = fleetsim_fleet(spec, seed=seed)
        self.prom = prometheus(self.fleet)
        self.members = [c for c in self.fleet.clusters.values() if c.role == "member"]
        self.configs = [c for c in self.fleet.clusters.values() if c.role == "config"]
        self.clients = {c.name: get_client({"kubeconfig": str(self.fleet.kubeconfig), "context": c.context})
                        for c in self.members}
        self.kubeconfig = str(self.fleet.kubeconfig)
        self.inventory = os.path.join(self.workdir, "inventory.yml")
        self.vars_file = os.path.join(self.workdir, "release-vars.yml")
        self._deploy()
        self.write_inventory()
        with open(self.vars_file, "w") as handle:
            yaml.safe_dump(release_vars(self.prom.url), handle)
        self._watch = contextlib.ExitStack()
        self.watchers = {c.name: self._watch.enter_context(
            CapacityWatcher.in_process(self.fleet, c.name, NAMESPACE, APP, floor=replicas)) for c in self.members}
        self._wait_for_traffic()
        self.env = dict(os.environ)
        self.env.update({
            "ANSIBLE_COLLECTIONS_PATH": os.path.join(REPO, ".venv", "collections"),
            "ANSIBLE_CONFIG": os.path.join(REPO, "ansible.cfg"),
            "ANSIBLE_LOCALHOST_WARNING": "0", "ANSIBLE_FORCE_COLOR": "0",
        })

    # -- setup ------------------------------------------------------------------------------------
    def _deploy(self):
        for name, client in self.clients.items():
            client.create(app_deployment(APP, "1", self.replicas))
            client.create(app_service(APP))
        deadline = time.monotonic() + 90
        for name in self.clients:
            while self.state(name)["ready"] < self.replicas:
                assert time.monotonic() < deadline, "version 1 never became ready in %s" % name
                time.sleep(0.2)

    def write_inventory(self, kubeconfig=None):
        host_vars = {c.name: {"fleet_context": c.context, "fleet_region": c.region,
                              "fleet_config_cluster": c.config_cluster, "fleet_front_url": c.front_url}
                     for c in self.members}
        config_vars = {c.name: {"fleet_context": c.context, "fleet_front_url": c.front_url} for c in self.configs}
        inventory = {"all": {"vars": {"ansible_connection": "local", "ansible_python_interpreter": sys.executable,
                                      "fleet_kubeconfig": kubeconfig or self.kubeconfig},
                             "children": {"shop_dev": {"hosts": host_vars},
                                          "fleet_config_clusters": {"hosts": config_vars}}}}
        with open(self.inventory, "w") as handle:
            yaml.safe_dump(inventory, handle)

    def _wait_for_traffic(self):
        query = 'sum(rate(http_requests_total{%s, service="%s", version="1"}[10s])) > 0' % (self.prom.selector, APP)
        deadline = time.monotonic() + 90
        while not self.prom.query(query):
            assert time.monotonic() < deadline, "Prometheus never saw traffic of version 1"
            time.sleep(1)

    # -- running ----------------------------------------------------------------------------------
    def command(self, version, *extra):
        return [os.path.join(BIN, "ansible-playbook"), "-i", self.inventory, os.path.join(REPO, "playbooks", "release.yml"),
                "-e", "@" + self.vars_file, "-e", "multicluster_release_version=%s" % version] + list(extra)

    def run(self, version, *extra, env=None, timeout=1200):
        return subprocess.run(self.command(version, *extra), env=dict(self.env, **(env or {})), cwd=self.workdir,
                              capture_output=True, text=True, timeout=timeout, check=False)

    def start(self, version, *extra, log=None):
        """The playbook in the background, in its own session (kill it whole with ReleaseFleet.kill)."""
        out = open(log or os.devnull, "w")
        return subprocess.Popen(self.command(version, *extra), env=self.env, cwd=self.workdir, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)

    # -- observing --------------------------------------------------------------------------------
    def state(self, cluster):
        """Versions and ready pods of the app in one cluster, read as an operator would."""
        client = self.clients[cluster]
        deployments = client.list("apps/v1", "Deployment", NAMESPACE, label_selector="app=%s" % APP).get("items") or []
        versions = {}
        ready = 0
        for d in deployments:
            labels = d["spec"]["template"]["metadata"]["labels"]
            versions[d["metadata"]["name"]] = (labels.get("version"), d["spec"].get("replicas"),
                                               (d.get("status") or {}).get("readyReplicas") or 0)
            ready += (d.get("status") or {}).get("readyReplicas") or 0
        return {"deployments": versions, "ready": ready}

    def steps_taken(self, cluster, version):
        """The step counter the release keeps on the Deployment of `version` (None when absent)."""
        for d in self.clients[cluster].list("apps/v1", "Deployment", NAMESPACE,
                                            label_selector="app=%s" % APP).get("items") or []:
            if d["spec"]["template"]["metadata"]["labels"].get("version") == version:
                step = (d["metadata"].get("annotations") or {}).get("progressive.delivery/step")
                return int(step) if step else None
        return None

    def release_record(self, cluster):
        """The app's release record ConfigMap (phase, step, lock), as the modules keep it."""
        name = names.release_record_name(APP)
        return self.clients[cluster].get("v1", "ConfigMap", NAMESPACE, name)

    def served_versions(self, cluster):
        """The versions with replicas > 0 in the cluster."""
        return sorted({v for v, replicas, ready in self.state(cluster)["deployments"].values() if replicas})

    def violations(self):
        """Capacity violations seen so far in every member cluster (the watchers keep running)."""
        found = []
        for name, watcher in self.watchers.items():
            found.extend("%s: ready=%d < %d after %s %s" % (name, v["ready"], self.replicas, v["event"], v["pod"])
                         for v in watcher.ledger.report().violations)
        return found

    def close(self):
        self._watch.close()
