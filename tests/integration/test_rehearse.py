"""playbooks/rehearse.yml (issue 19): the dress rehearsal of a rollout on a simulated twin of the fleet.

A "real" fleet (fleetsim: 2 sets x 3 environments x 2 regions) runs web 1 in the services set. The rehearsal of web 2
with a drill making it fail in staging must end, in the twin, with dev on 2, staging rolled back to 1 and prod on 1
untouched; the real fleet must receive nothing but reads and keep every resourceVersion; the record and the board of
the twin's rollout are marked as a rehearsal.
"""

import json
import os
import subprocess
import sys
import time

import pytest
import yaml

from ansible_collections.progressive.delivery.plugins.module_utils.k8s.client import get_client

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.dirname(sys.executable)
APP, NAMESPACE = "web", "shop"
ENVIRONMENTS = ["dev", "staging", "prod"]
REGIONS = ["us-east1", "europe-west1"]
FLEET = {"simulation": {"namespaces": ["default", NAMESPACE]},
         "environment_sets": {"services": {"environments": ENVIRONMENTS, "regions": REGIONS},
                              "batch": {"environments": ENVIRONMENTS, "regions": REGIONS}}}
MEMBERS = ["services-%s-%s" % (env, region) for env in ENVIRONMENTS for region in REGIONS]
READS = {"get", "list", "watch"}
REVIEW_GROUPS = {"authorization.k8s.io", "authentication.k8s.io"}


def api(fleet, cluster):
    return get_client({"kubeconfig": str(fleet.kubeconfig), "context": fleet.clusters[cluster].context})


def deploy_v1(fleet, replicas=2):
    labels = {"app": APP, "version": "1"}
    for cluster in MEMBERS:
        api(fleet, cluster).create({
            "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": APP, "namespace": NAMESPACE, "labels": labels},
            "spec": {"replicas": replicas, "selector": {"matchLabels": labels}, "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": APP, "image": "registry.example.com/web:1",
                                         "ports": [{"name": "http", "containerPort": 8080}]}]}}}})
        api(fleet, cluster).create({
            "apiVersion": "v1", "kind": "Service", "metadata": {"name": APP, "namespace": NAMESPACE},
            "spec": {"selector": {"app": APP}, "ports": [{"name": "http", "port": 80, "targetPort": 8080}]}})
    deadline = time.time() + 60
    for cluster in MEMBERS:
        while (api(fleet, cluster).get("apps/v1", "Deployment", NAMESPACE, APP).get("status") or {}).get("readyReplicas") != replicas:
            assert time.time() < deadline, "version 1 never became ready in %s" % cluster
            time.sleep(0.3)


def resource_versions(fleet):
    found = {}
    for cluster in MEMBERS:
        for kind, api_version in (("Deployment", "apps/v1"), ("Service", "v1"), ("ReplicaSet", "apps/v1"), ("Pod", "v1")):
            for item in api(fleet, cluster).list(api_version, kind, NAMESPACE).get("items") or []:
                found[(cluster, kind, item["metadata"]["name"])] = item["metadata"]["resourceVersion"]
    return found


def rehearse(tmp_path, inventory, extravars):
    env = dict(os.environ)
    env.update({"ANSIBLE_COLLECTIONS_PATH": os.path.join(REPO, ".venv", "collections"),
                "ANSIBLE_CONFIG": os.path.join(REPO, "ansible.cfg"), "ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED": "true",
                "ANSIBLE_NOCOLOR": "1", "PATH": BIN + os.pathsep + env.get("PATH", "")})
    proc = subprocess.run([os.path.join(BIN, "ansible-playbook"), "-i", inventory, os.path.join(REPO, "playbooks", "rehearse.yml"),
                           "-e", json.dumps(extravars)], capture_output=True, text=True, env=env, timeout=540,
                          cwd=str(tmp_path), check=False)
    return proc.returncode, proc.stdout + proc.stderr


@pytest.mark.timeout(540)
def test_a_rehearsal_with_a_failing_staging_leaves_the_real_fleet_untouched(fleetsim_fleet, tmp_path):
    fleet = fleetsim_fleet(FLEET, clock_speed=10, pod_ready_delay="2s", pod_ready_jitter="0s")
    deploy_v1(fleet)
    (tmp_path / "real.yml").write_text(yaml.safe_dump(FLEET))
    inventory = tmp_path / "real.fleet.yml"
    inventory.write_text(yaml.safe_dump({"plugin": "progressive.delivery.fleet", "fleet_file": "real.yml",
                                         "fleetsim_state_dir": str(fleet.state_dir)}))
    before = resource_versions(fleet)
    servers = dict((name, fleet.runtime.clusters[name].server.requests) for name in fleet.clusters)
    for requests in servers.values():
        requests.clear()

    report = tmp_path / "rehearsal.json"
    code, text = rehearse(tmp_path, str(inventory), {
        "environment_promotion_set": "services", "multicluster_release_version": "2",
        "rehearse_vars_files": [os.path.join(REPO, "scripts", "demo", "vars.yml")],
        "rehearse_rollout_vars": {"environment_promotion_soak_seconds": 2, "environment_promotion_metric_window": "10s",
                                  "multicluster_release_waves": ["100%"]},
        "rehearse_clock_speed": 10, "rehearse_state_dir": str(tmp_path / "twin"), "rehearse_report_path": str(report),
        "rehearse_faults": [{"environment": "staging", "kind": "errors", "error_rate": 0.5}]})
    assert code == 0, text[-4000:]
    shown = text[text.index("TASK [Show the rehearsal]"):]
    print(shown[:shown.index("TASK [", 10)])

    # The real fleet: reads only, and not one object changed.
    records = [(name, r) for name, requests in servers.items() for r in requests.snapshot()]
    assert [(name, r.rule) for name, r in records if r.verb not in READS and r.group not in REVIEW_GROUPS] == []
    counts = {}
    for name, r in records:
        counts[r.verb] = counts.get(r.verb, 0) + 1
    print("requests the real fleet received during the rehearsal:", counts)
    assert resource_versions(fleet) == before

    # The twin: dev on 2, staging rolled back to 1, prod untouched; the record and the board say rehearsal.
    result = json.loads(report.read_text())
    print("versions per environment in the twin:", result["environments"], "measured %s s, estimated %s s"
          % (result["measured_seconds"], result["estimate_seconds"]))
    assert result["environments"] == {"dev": ["2"], "staging": ["1"], "prod": ["1"]}, text[-4000:]
    assert result["rollbacks"] and all(c.startswith("services-staging-") for c in result["rollbacks"])
    record = json.loads(open(result["record"]).read())
    assert record["run"]["rehearsal"] is True and record["run"]["outcome"] == "rolled_back"
    assert "REHEARSAL" in open(result["board"]).read()
    assert not os.path.exists(str(tmp_path / "twin" / "fleet.json")), "the twin was not stopped"
