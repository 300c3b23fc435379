"""The visibility callbacks around the collection's canary_release role (not only the bare modules).

One run of tests/integration/visibility/role_release.yml over two clusters: version 2 is healthy in
vis-dev-europe-west1 and answers half its requests with 500 in vis-dev-us-east1 (a per-cluster template
override), so the role promotes it in one cluster and its rescue rolls it back in the other. The record
must follow every step the role takes (preflight read, canary, smoke and metric gates, steps, finish or
rollback), validate against the schema, and the board must say why the rollback happened.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import jsonschema
import pytest
import yaml

from ansible_collections.progressive.delivery.plugins.module_utils.k8s.client import get_client
from ansible_collections.progressive.delivery.plugins.module_utils.release.app_watch import wait_rolled_out
from ansible_collections.progressive.delivery.tests.support.release_fleet import app_deployment, app_service

pytestmark = pytest.mark.timeout(420)

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PLAYBOOK = os.path.join(REPO, "tests", "integration", "visibility", "role_release.yml")
SPEC = {"environment_sets": {"vis": {"environments": ["dev"], "regions": ["us-east1", "europe-west1"]}}}
BAD, GOOD = "vis-dev-us-east1", "vis-dev-europe-west1"
N = 2


@pytest.fixture
def vis(fleetsim_fleet, prometheus, tmp_path):
    fleet = fleetsim_fleet(SPEC, clock_speed=10, requests_per_second=100, pod_ready_delay="1s", pod_ready_jitter="0s",
                           seed=21)
    hosts = {}
    for name in (BAD, GOOD):
        client = get_client({"kubeconfig": str(fleet.kubeconfig), "context": fleet.clusters[name].context})
        client.create(app_deployment("web", "1", N))
        client.create(app_service("web"))
        wait_rolled_out(client, timeout=60, sleep=0.5, deployment=client.get("apps/v1", "Deployment", "default", "web"))
        info = fleet.clusters[name]
        hosts[name] = {"fleet_cluster": name, "fleet_set": info.set, "fleet_environment": info.environment,
                       "fleet_region": info.region, "fleet_role": "member", "fleet_kubeconfig": str(fleet.kubeconfig),
                       "fleet_front_url": info.front_url, "ansible_connection": "local",
                       "ansible_python_interpreter": sys.executable}
    hosts[BAD]["canary_release_template_overrides"] = {"metadata": {"annotations": {"fleetsim.io/error-rate": "0.5"}}}
    (tmp_path / "inventory.yml").write_text(yaml.safe_dump({"all": {"hosts": hosts}}))
    return fleet, prometheus(fleet), tmp_path


def test_callbacks_follow_the_canary_release_role(vis):
    fleet, prom, workdir = vis
    record_path = workdir / "role.json"
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(REPO, "ansible.cfg"), ANSIBLE_NOCOLOR="1",
               ANSIBLE_COLLECTIONS_PATH=os.path.join(REPO, ".venv", "collections"),
               ANSIBLE_CALLBACKS_ENABLED="progressive.delivery.progress,progressive.delivery.rollout_record",
               PD_ROLLOUT_RECORD=str(record_path), PD_ROLLOUT_BOARD="true")
    extra = {"canary_release_version": "2", "canary_release_prometheus_url": prom.url,
             "pd_prometheus_selector": prom.selector}
    proc = subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i",
                           str(workdir / "inventory.yml"), PLAYBOOK, "-e", json.dumps(extra)],
                          env=env, cwd=str(workdir), capture_output=True, text=True, timeout=360, check=False)
    assert proc.returncode != 0 and record_path.exists(), proc.stdout[-5000:]
    record = json.loads(record_path.read_text())
    with open(os.path.join(REPO, "docs", "schemas", "rollout-record.schema.json"), encoding="utf-8") as handle:
        jsonschema.Draft202012Validator(json.load(handle)).validate(record)

    assert record["run"]["outcome"] == "rolled_back"
    assert record["clusters"][GOOD]["state"] == "promoted", proc.stdout[-5000:]
    assert record["clusters"][BAD]["state"] == "rolled_back", proc.stdout[-5000:]
    good_kinds = [s["kind"] for s in record["steps"] if s["cluster"] == GOOD]
    # preflight read, canary, smoke gate, metric gate, then (step, gate) per weight, finish
    # (the role's check-mode canary call in preflight is not a step)
    assert good_kinds[:3] == ["info", "canary", "gate"] and good_kinds[-1] == "finish", good_kinds
    assert good_kinds.count("canary") == 1, good_kinds
    assert good_kinds.count("step") == 2 and good_kinds.count("gate") >= 3, good_kinds
    gates = [s for s in record["steps"] if s["cluster"] == BAD and s["kind"] == "gate"]
    assert gates[-1]["verdict"] == "fail"
    failed = [m for m in gates[-1]["measurements"] if m["phase"] == "Failed"]
    assert failed and failed[-1]["metric"] == "error_rate" and failed[-1]["threshold"] is not None
    reason = record["rollbacks"][0]["reason"]
    assert reason.startswith("Version 2 of web was rolled back in vis-dev-us-east1 (version 1 serves again) because "
                             "the gate in vis-dev-us-east1"), reason
    assert "had error rate" in reason and record["rollbacks"][0]["rejected"] is True
    # The role's own reason (the gate's) reached release_rollback and is kept beside the plain words.
    assert "error-ratio-2-vs-1" in record["rollbacks"][0]["requested_reason"]
    lines = [line for line in proc.stdout.splitlines() if line.startswith("PROGRESS ")]
    assert any(GOOD + " web 2 finish | split 0/2 (100%) | promoted" in line for line in lines), lines
    assert any(BAD + " web 2 ROLLBACK | split 2/0 (0%) | rolled back to 1" in line for line in lines), lines
    html = record_path.with_suffix(".html").read_text()
    assert reason.replace("'", "&#x27;") in html and "promoted" in html
    # Plotted: error rates only (the role gates on errors); the smoke pass ratios and pod restarts are in the table.
    assert "error rate in vis-dev-us-east1" in html and "latency in" not in html and "measured value in" not in html
    assert "smoke-web-2" in html and "pods-web-2" in html
