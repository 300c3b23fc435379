"""playbooks/release.yml or playbooks/rollout.yml on a fleetsim fleet with the real Prometheus, run
the way a user runs it.

Environment set ``shop``: by default one environment (``dev``) of member clusters behind a config
cluster, released with release.yml cluster after cluster in waves (a static inventory, hosts =
clusters). With ``environments=["dev", "staging", "prod"]`` the set has several environments and
rollout.yml rolls it out environment by environment (promotion gate and soak between them, each
environment region by region), from the progressive.delivery.fleet inventory plugin reading the
running fleet. App ``web`` version 1 (N pods + Service) runs in every member cluster; gates are fast
(see release_vars). A CapacityWatcher follows every member cluster from the moment the app is up.

    harness = ReleaseHarness(fleetsim_fleet, prometheus, tmp_path, regions=["us-east1", "europe-west1"])
    harness = ReleaseHarness(..., regions=regions(3), environments=["dev", "staging", "prod"])  # rollout.yml
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


SET = "shop"
# Seconds a version runs in an environment before rollout.yml promotes it to the next one.
ROLLOUT_SOAK_SECONDS = 3


def release_vars(prometheus_url, rollout=False, app=APP):
    """Fast gates for a simulated fleet (clock x10, Prometheus scraping every second): every gate of
    the collection still runs and still judges real traffic, over shorter waits than production's."""
    scope = {"environment_promotion_set": SET, "environment_promotion_soak_seconds": ROLLOUT_SOAK_SECONDS,
             "environment_promotion_metric_window": "30s"} if rollout else {"release_hosts": SET + "_dev"}
    return dict(scope, **{
        "multicluster_release_app": app,
        "canary_release_image": "registry.example.com/%s:{{ multicluster_release_version }}" % app,
        "canary_release_strategy": "pods",
        "canary_release_prometheus_url": prometheus_url,
        "canary_release_metric_window": "10s",
        "canary_release_gate_initial_delay": "1s",
        "canary_release_gate_interval": "1s",
        "canary_release_gate_count": 2,
        "canary_release_gate_inconclusive_limit": 1,
        "canary_release_wait_timeout": 120,
        "canary_release_smoke_requests": 3,
        "multicluster_release_smoke_url": "{{ fleet_front_url }}/{namespace}/{service}/",
        "multicluster_release_mcs_smoke_url": "{{ fleet_front_url }}/{namespace}/{service}/",
    })


class ReleaseHarness:
    def __init__(self, fleetsim_fleet, prometheus, workdir, regions=("us-east1",), replicas=3, seed=None,
                 environments=("dev",), waves=None, app=APP):
        self.workdir = str(workdir)
        self.app = app  # its own app name keeps a harness's metrics apart from another's in the shared Prometheus
        self.replicas = replicas
        self.rollout = len(environments) > 1
        self.playbook = os.path.join(REPO, "playbooks", "rollout.yml" if self.rollout else "release.yml")
        self.spec = {"simulation": {"clock_speed": 10, "pod_ready_delay": "2s", "pod_ready_jitter": "1s",
                                    "requests_per_second": 20},
                     "environment_sets": {SET: {"environments": list(environments), "regions": list(regions)}}}
        self.fleet = fleetsim_fleet(self.spec, seed=seed)
        self.prom = prometheus(self.fleet)
        self.members = [c for c in self.fleet.clusters.values() if c.role == "member"]
        self.configs = [c for c in self.fleet.clusters.values() if c.role == "config"]
        self.clients = {c.name: get_client({"kubeconfig": str(self.fleet.kubeconfig), "context": c.context})
                        for c in self.members}
        self.kubeconfig = str(self.fleet.kubeconfig)
        self.inventory = os.path.join(self.workdir, "inventory.fleet.yml" if self.rollout else "inventory.yml")
        self.vars_file = os.path.join(self.workdir, "release-vars.yml")
        self._deploy()
        if self.rollout:
            self.write_fleet_inventory()
        else:
            self.write_inventory()
        release = release_vars(self.prom.url, rollout=self.rollout, app=app)
        if waves:  # the play's serial (default [1, "50%", "100%"] per environment)
            release["multicluster_release_waves"] = list(waves)
        with open(self.vars_file, "w") as handle:
            yaml.safe_dump(release, handle)
        self._watch = contextlib.ExitStack()
        self.watchers = {c.name: self._watch.enter_context(
            CapacityWatcher.in_process(self.fleet, c.name, NAMESPACE, app, floor=replicas)) for c in self.members}
        self._wait_for_traffic()
        self.env = dict(os.environ)
        self.env.update({
            "ANSIBLE_COLLECTIONS_PATH": os.path.join(REPO, ".venv", "collections"),
            "ANSIBLE_CONFIG": os.path.join(REPO, "ansible.cfg"),
            "ANSIBLE_LOCALHOST_WARNING": "0", "ANSIBLE_FORCE_COLOR": "0",
            # An inventory that does not parse must fail the run, not become an empty inventory.
            "ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED": "true",
        })

    # -- setup ------------------------------------------------------------------------------------
    def _deploy(self):
        for name, client in self.clients.items():
            client.create(app_deployment(self.app, "1", self.replicas))
            client.create(app_service(self.app))
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

    def write_fleet_inventory(self):
        """The progressive.delivery.fleet inventory of the running fleet (what rollout.yml plans from)."""
        fleet_file = os.path.join(self.workdir, "shop.yml")
        with open(fleet_file, "w") as handle:
            yaml.safe_dump(self.spec, handle)
        with open(self.inventory, "w") as handle:
            yaml.safe_dump({"plugin": "progressive.delivery.fleet", "fleet_file": fleet_file,
                            "fleetsim_state_dir": str(self.fleet.state_dir)}, handle)

    def _wait_for_traffic(self):
        query = 'sum(rate(http_requests_total{%s, service="%s", version="1"}[10s])) > 0' % (self.prom.selector, self.app)
        deadline = time.monotonic() + 90
        while not self.prom.query(query):
            assert time.monotonic() < deadline, "Prometheus never saw traffic of version 1"
            time.sleep(1)

    # -- running ----------------------------------------------------------------------------------
    def command(self, version, *extra):
        return [os.path.join(BIN, "ansible-playbook"), "-i", self.inventory, self.playbook,
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
        deployments = client.list("apps/v1", "Deployment", NAMESPACE, label_selector="app=%s" % self.app).get("items") or []
        versions = {}
        ready = 0
        for d in deployments:
            labels = d["spec"]["template"]["metadata"]["labels"]
            versions[d["metadata"]["name"]] = (labels.get("version"), d["spec"].get("replicas"),
                                               (d.get("status") or {}).get("readyReplicas") or 0)
            ready += (d.get("status") or {}).get("readyReplicas") or 0
        return {"deployments": versions, "ready": ready}

    def deployment_of(self, cluster, version):
        """The app's Deployment running `version` in the cluster (None when there is none)."""
        for d in self.clients[cluster].list("apps/v1", "Deployment", NAMESPACE,
                                            label_selector="app=%s" % self.app).get("items") or []:
            if d["spec"]["template"]["metadata"]["labels"].get("version") == version:
                return d
        return None

    def release_annotations(self, cluster, version):
        """The release state the modules keep on the Deployment of `version` ({} when absent)."""
        deployment = self.deployment_of(cluster, version) or {}
        return (deployment.get("metadata") or {}).get("annotations") or {}

    def steps_taken(self, cluster, version):
        """The step counter the release keeps on the Deployment of `version` (None when absent)."""
        step = self.release_annotations(cluster, version).get("progressive.delivery/step")
        return int(step) if step else None

    def release_record(self, cluster):
        """The app's release record ConfigMap (phase, step, lock), as the modules keep it."""
        name = names.release_record_name(self.app)
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
