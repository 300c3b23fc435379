"""What an operator types, on a fleetsim fleet: rollback.yml is never silent, extra-vars are taken as the
command line gives them (issue 15, "Rollback never silent" and "Extra-vars as the command line gives them").

Environment set ``shop``, environment ``dev``, three regions; app ``web`` version 1 (N=3) runs in namespace
``shop`` of every member cluster. The playbooks run the way a user runs them (``ansible-playbook`` with
``-e key=value`` strings); fleetsim's request log proves what a refused run did not write.
"""

import json
import os
import subprocess
import sys
import time

import pytest
import yaml

from ansible_collections.progressive.delivery.plugins.module_utils.k8s.client import get_client
from ansible_collections.progressive.delivery.tests.support.release_fleet import (
    ReleaseFleet,
    app_deployment,
    app_service,
)

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PLAYBOOK_BIN = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
NAMESPACE, APP, N = "shop", "web", 3
REGIONS = ("us-east1", "europe-west1", "asia-east1")
SPLIT_CLUSTER = "shop-dev-europe-west1"
# Fast gates for the simulated fleet: smoke requests through the cluster's front and the pod-health gate;
# the metric gate (Prometheus) is the business of the tests of issue 15's gate attribution.
FAST_GATES = {
    "canary_release_image": "registry.example.com/web:{{ multicluster_release_version }}",
    "canary_release_metric_gate_enabled": False,
    "canary_release_gate_initial_delay": "1s",
    "canary_release_gate_interval": "1s",
    "canary_release_gate_count": 1,
    "canary_release_gate_inconclusive_limit": 1,
    "canary_release_smoke_requests": 2,
    "canary_release_wait_timeout": 120,
    "multicluster_release_smoke_url": "{{ fleet_front_url }}/{namespace}/{service}/",
    "multicluster_release_mcs_smoke_url": "{{ fleet_front_url }}/{namespace}/{service}/",
}


class Fleet:
    """Three member clusters behind a config cluster, web 1 in namespace shop, a static inventory."""

    def __init__(self, fleetsim_fleet, workdir):
        self.workdir = str(workdir)
        self.fleet = fleetsim_fleet({
            "simulation": {"clock_speed": 10, "pod_ready_delay": "1s", "pod_ready_jitter": "500ms",
                           "requests_per_second": 5, "namespaces": ["default", NAMESPACE]},
            "environment_sets": {"shop": {"environments": ["dev"], "regions": list(REGIONS)}}})
        self.members = sorted(c.name for c in self.fleet.clusters.values() if c.role == "member")
        self.clients = {name: get_client({"kubeconfig": str(self.fleet.kubeconfig),
                                          "context": self.fleet.clusters[name].context}) for name in self.members}
        for client in self.clients.values():
            client.create(app_deployment(APP, "1", N, namespace=NAMESPACE))
            client.create(app_service(APP, namespace=NAMESPACE))
        deadline = time.monotonic() + 60
        for name in self.members:
            while self.versions(name) != {"1": (N, N)}:
                assert time.monotonic() < deadline, "web 1 never became ready in %s: %s" % (name, self.versions(name))
                time.sleep(0.2)
        self.inventory = os.path.join(self.workdir, "inventory.yml")
        members = {c.name: {"fleet_context": c.context, "fleet_region": c.region, "fleet_config_cluster": c.config_cluster,
                            "fleet_front_url": c.front_url}
                   for c in self.fleet.clusters.values() if c.role == "member"}
        configs = {c.name: {"fleet_context": c.context} for c in self.fleet.clusters.values() if c.role == "config"}
        with open(self.inventory, "w") as handle:
            yaml.safe_dump({"all": {"vars": {"ansible_connection": "local", "ansible_python_interpreter": sys.executable,
                                             "fleet_kubeconfig": str(self.fleet.kubeconfig)},
                                    "children": {"shop_dev": {"hosts": members},
                                                 "fleet_config_clusters": {"hosts": configs}}}}, handle)
        self.env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(REPO, ".venv", "collections"),
                        ANSIBLE_CONFIG=os.path.join(REPO, "ansible.cfg"), ANSIBLE_FORCE_COLOR="0",
                        ANSIBLE_LOCALHOST_WARNING="0", ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED="true")

    def playbook(self, name, *extra, env=None):
        """ansible-playbook playbooks/<name> -e ... (strings as a shell gives them); (rc, stdout + stderr)."""
        cmd = [PLAYBOOK_BIN, "-i", self.inventory, os.path.join(REPO, "playbooks", name)]
        for item in extra:
            cmd += ["-e", item]
        proc = subprocess.run(cmd, env=dict(self.env, **(env or {})), cwd=self.workdir, capture_output=True,
                              text=True, timeout=600, check=False)
        return proc.returncode, proc.stdout + proc.stderr

    def versions(self, cluster):
        """{version: (replicas, ready)} of the app's Deployments in the cluster."""
        found = {}
        for d in self.clients[cluster].list("apps/v1", "Deployment", NAMESPACE, label_selector="app=" + APP).get("items") or []:
            version = d["spec"]["template"]["metadata"]["labels"]["version"]
            found[version] = (d["spec"].get("replicas"), (d.get("status") or {}).get("readyReplicas") or 0)
        return found

    def writes(self):
        """Every mutating API request the fleet's clusters answered so far (config cluster included)."""
        return [(name, r.rule) for name in self.fleet.clusters
                for r in self.fleet.runtime.clusters[name].server.requests.writes()]

    def split(self, cluster, version="2", canary=2, frozen=None):
        """A release left in progress: the canary of `version` at `canary` pods, the stable at N - canary
        (frozen there with reason `frozen` when given)."""
        modules = ReleaseFleet(self.fleet, cluster, self.workdir)
        args = {"namespace": NAMESPACE, "app": APP, "wait_timeout": 120}
        started = modules.run("canary", version=version, image="registry.example.com/web:" + version, **args)
        assert not started.get("failed"), started
        moved = modules.run("scale_step", canary_replicas=canary, **args)
        assert not moved.get("failed"), moved
        if frozen:
            held = modules.run("release_freeze", version=version, reason=frozen, namespace=NAMESPACE, app=APP)
            assert not held.get("failed"), held
        assert self.versions(cluster) == {"1": (N - canary, N - canary), version: (canary, canary)}


def flat(output):
    return " ".join(output.split())


@pytest.fixture
def fleet(fleetsim_fleet, tmp_path):
    return Fleet(fleetsim_fleet, tmp_path)


# -- rollback.yml -------------------------------------------------------------------------------------------

def test_rollback_in_the_wrong_namespace_fails_naming_what_it_looked_for(fleet):
    fleet.split(SPLIT_CLUSTER)
    before = len(fleet.writes())
    # Issue 15 case 4, as reported (the older variable name, the namespace forgotten: default) while web 2 sits
    # split in shop: it ended rc 0 with only skipping lines.
    rc, output = fleet.playbook("rollback.yml", "release_hosts=shop_dev", "canary_release_app=web")
    text = flat(output)
    assert rc != 0, output
    assert ("rollback.yml found no app web (no Deployment labelled app=web) in namespace default of any of the "
            "clusters %s; nothing was rolled back" % ", ".join(fleet.members)) in text, output
    assert "-e release_app=web -e release_namespace=shop" in text and "canary_release_namespace" in text, output
    for cluster in fleet.members:
        assert "%s: no app web in namespace default (no Deployment labelled app=web)" % cluster in text, output
    assert len(fleet.writes()) == before, fleet.writes()[before:]
    assert fleet.versions(SPLIT_CLUSTER) == {"1": (1, 1), "2": (2, 2)}


def test_rollback_with_nothing_in_progress_says_so_per_cluster(fleet):
    before = len(fleet.writes())
    rc, output = fleet.playbook("rollback.yml", "release_hosts=shop_dev", "release_app=web", "release_namespace=shop")
    text = flat(output)
    assert rc == 0, output
    for cluster in fleet.members:
        assert "%s: nothing in progress: web 1 is the stable, 3/3 Ready" % cluster in text, output
    assert "rolled back in no cluster; nothing in progress in %s" % ", ".join(fleet.members) in text, output
    # status.yml takes the same names (reads only).
    rows_path = os.path.join(fleet.workdir, "rows.json")
    rc, output = fleet.playbook("status.yml", "status_hosts=shop_dev", "release_app=web", "release_namespace=shop",
                                "fleet_status_json_path=" + rows_path)
    assert rc == 0, output
    with open(rows_path) as handle:
        rows = {row["cluster"]: row for row in json.load(handle)}
    assert sorted(rows) == fleet.members and all(row["versions"] for row in rows.values()), rows
    assert len(fleet.writes()) == before, fleet.writes()[before:]


def test_rollback_of_a_split_release_reports_each_cluster(fleet):
    # Frozen, as a failed release with canary_release_on_failure: freeze leaves it: rollback is the way out.
    fleet.split(SPLIT_CLUSTER, frozen="schema migration 42 applied")
    # Another version named: the release of web 2 is reported and left alone.
    rc, output = fleet.playbook("rollback.yml", "release_hosts=shop_dev", "release_app=web", "release_namespace=shop",
                                "release_version=3")
    assert rc == 0, output
    assert ("%s: web 2 is split 2/1 (canary 2, stable 1), frozen: schema migration 42 applied -> left alone: only "
            "version 3 is to be rolled back" % SPLIT_CLUSTER) in flat(output), output
    assert fleet.versions(SPLIT_CLUSTER) == {"1": (1, 1), "2": (2, 2)}
    rc, output = fleet.playbook("rollback.yml", "release_hosts=shop_dev", "release_app=web", "release_namespace=shop")
    text = flat(output)
    assert rc == 0, output
    assert ("%s: web 2 was split 2/1 (canary 2, stable 1), frozen: schema migration 42 applied -> rolled back, "
            "stable web 1 3/3 Ready, version 2 rejected"
            % SPLIT_CLUSTER) in text, output
    others = [c for c in fleet.members if c != SPLIT_CLUSTER]
    for cluster in others:
        assert "%s: nothing in progress: web 1 is the stable, 3/3 Ready" % cluster in text, output
    assert "rolled back in %s; nothing in progress in %s" % (SPLIT_CLUSTER, ", ".join(others)) in text, output
    for cluster in fleet.members:
        assert fleet.versions(cluster) == {"1": (N, N)}, cluster
    # A second run finds nothing left to do, and says so (the older variable names work too).
    rc, output = fleet.playbook("rollback.yml", "release_hosts=shop_dev", "canary_release_app=web",
                                "canary_release_namespace=shop")
    assert rc == 0 and "%s: nothing in progress: web 1 is the stable, 3/3 Ready" % SPLIT_CLUSTER in flat(output), output


# -- release.yml with list variables given as strings -------------------------------------------------------

def _extra(values):
    return ["%s=%s" % (k, json.dumps(v) if not isinstance(v, str) else v) for k, v in values.items()]


def test_release_takes_waves_and_weights_as_the_command_line_gives_them(fleet):
    # -e key=value gives strings: "1,100%" (issue 15: "Unexpected Exception ... invalid literal for int()"),
    # a JSON list in a string, comma-separated numbers, a list of dictionaries as JSON.
    rc, output = fleet.playbook(
        "release.yml", "release_hosts=shop_dev", "release_app=web", "release_version=2", "release_namespace=shop",
        "multicluster_release_waves=1,100%", "canary_release_strategy=weights", "canary_release_weights=[50,100]",
        "canary_release_smoke_status_codes=200,204",
        'multicluster_release_ports=[{"name":"http","port":80,"target_port":8080}]',
        *_extra(FAST_GATES), env={"ANSIBLE_STDOUT_CALLBACK": "json"})
    assert rc == 0, output[-6000:]
    assert "Traceback" not in output and "Unexpected Exception" not in output
    doc = json.JSONDecoder().raw_decode(output, output.index("{"))[0]  # stderr (warnings) follows the JSON
    batches = [sorted(play["tasks"][0]["hosts"]) for play in doc["plays"]
               if play["play"]["name"] == "Release the app cluster after cluster"]
    # Waves [1, "100%"]: the first cluster alone, then the two others together.
    assert [len(b) for b in batches] == [1, 2], batches
    # Weights [50, 100] of N=3: 2 canary pods, then 3.
    targets = {}
    for play in doc["plays"]:
        for task in play["tasks"]:
            for host, result in task["hosts"].items():
                if result.get("changed") and isinstance(result.get("target"), dict) and "canary" in result["target"]:
                    targets.setdefault(host, []).append(result["target"]["canary"])  # a scale_step
    assert targets == {cluster: [2, 3] for cluster in fleet.members}, targets
    for cluster in fleet.members:
        assert fleet.versions(cluster) == {"2": (N, N)}, cluster


BANANA = """multicluster_release_waves needs a list, e.g. -e '{"multicluster_release_waves": [1, "100%"]}' (got 'banana')"""


@pytest.mark.parametrize("extra, message", [
    pytest.param(["multicluster_release_waves=banana"], BANANA, id="waves-banana"),
    pytest.param(["canary_release_strategy=weights", "canary_release_weights=fifty,100"],
                 """canary_release_weights needs a list of whole numbers, e.g. -e """
                 """'{"canary_release_weights": [10, 25, 50, 100]}' (got 'fifty,100')""", id="weights-not-numbers"),
    pytest.param(["canary_release_strategy=weights", "canary_release_weights=50,25,100"],
                 "canary_release_weights must be increasing (each step a larger share of N than the one before); "
                 "got [50, 25, 100]", id="weights-not-increasing"),
    pytest.param(["canary_release_step_size=0"],
                 "canary_release_step_size must be 1 or more (pods moved per step); got 0", id="step-size-0"),
    pytest.param(["multicluster_release_ports=http:80"],
                 "multicluster_release_ports needs a list of dictionaries", id="ports-not-a-list"),
])
def test_a_bad_list_or_number_is_one_line_and_writes_nothing(fleet, extra, message):
    before = len(fleet.writes())
    # The older variable names, as in the report (they still work beside release_app, ...).
    rc, output = fleet.playbook("release.yml", "release_hosts=shop_dev", "multicluster_release_app=web",
                                "multicluster_release_version=2", "multicluster_release_namespace=shop",
                                *(extra + _extra(FAST_GATES)))
    assert rc != 0, output
    assert "Traceback" not in output and "Unexpected Exception" not in output, output
    assert message in output, output
    # Exactly one rule: the message is one line that names nothing but the broken variable.
    line = next(line for line in output.splitlines() if message in line)
    assert line.count(" must ") + line.count(" needs ") == 1, line
    assert len(fleet.writes()) == before, fleet.writes()[before:]
