"""playbooks/status.yml on fleetsim: one table over the fleet (set x environment x region) built on release_info.

The fleet: web 1 in every member cluster but one; a release of 2 in progress in shop-dev-us-east1 (split 1/1,
lock held); version 3 rolled back and rejected in shop-prod-us-east1; nothing in shop-prod-europe-west1;
and one cluster made unreachable, which must show as an error row instead of failing the report.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import yaml

from ansible_collections.progressive.delivery.tests.support.release_fleet import ReleaseFleet

pytestmark = pytest.mark.timeout(300)

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SPEC = {"environment_sets": {"shop": {"environments": ["dev", "prod"], "regions": ["us-east1", "europe-west1"]}}}
APP = {"namespace": "default", "app": "web", "wait_timeout": 120}


@pytest.fixture
def shop(fleetsim_fleet, tmp_path):
    fleet = fleetsim_fleet(SPEC, clock_speed=10, pod_ready_delay="1s", pod_ready_jitter="0s", seed=11)
    clusters = {name: ReleaseFleet(fleet, name, tmp_path) for name, info in fleet.clusters.items() if info.role == "member"}
    for name in ("shop-dev-us-east1", "shop-dev-europe-west1", "shop-prod-us-east1"):
        clusters[name].deploy(replicas=2)
    dev = clusters["shop-dev-us-east1"]
    dev.run("canary", version="2", image="registry.example.com/web:2", lock_owner="ci-job-42", **APP)
    dev.run("scale_step", version="2", canary_replicas=1, lock_owner="ci-job-42", verdict="step 0: pass (smoke)", **APP)
    prod = clusters["shop-prod-us-east1"]
    prod.run("canary", version="3", image="registry.example.com/web:3", **APP)
    prod.run("release_rollback", version="3", reason="error ratio 48% at step 1", **APP)
    hosts = {}
    environments, regions = ["dev", "prod"], ["us-east1", "europe-west1"]
    for name, info in fleet.clusters.items():
        if info.role == "member":
            hosts[name] = {"fleet_cluster": name, "fleet_set": info.set, "fleet_environment": info.environment,
                           "fleet_environment_index": environments.index(info.environment),
                           "fleet_region": info.region, "fleet_region_index": regions.index(info.region),
                           "fleet_role": "member", "fleet_kubeconfig": str(fleet.kubeconfig),
                           "ansible_connection": "local", "ansible_python_interpreter": sys.executable}
    # A config cluster is not a row: status.yml skips the config_clusters group.
    inventory = {"all": {"hosts": hosts, "children": {"config_clusters": {"hosts": {"shop-dev-config": {
        "ansible_connection": "local"}}}}}}
    (tmp_path / "inventory.yml").write_text(yaml.safe_dump(inventory))
    return fleet, tmp_path


def test_status_table_over_the_fleet(shop):
    fleet, workdir = shop
    fleet.set_fault("shop-dev-europe-west1", unreachable=True)
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(REPO, "ansible.cfg"), ANSIBLE_NOCOLOR="1",
               ANSIBLE_COLLECTIONS_PATH=os.path.join(REPO, ".venv", "collections"))
    rows_path, table_path = workdir / "rows.json", workdir / "status.txt"
    proc = subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i",
                           str(workdir / "inventory.yml"), os.path.join(REPO, "playbooks", "status.yml"),
                           "-e", json.dumps({"fleet_status_app": "web", "fleet_status_json_path": str(rows_path),
                                             "fleet_status_report_path": str(table_path)})],
                          env=env, cwd=str(workdir), capture_output=True, text=True, timeout=240, check=False)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    table = table_path.read_text().splitlines()
    assert table[0].split() == ["SET", "ENVIRONMENT", "REGION", "CLUSTER", "NAMESPACE", "VERSION", "SPLIT", "STATE", "AGE",
                                "VERSIONS", "(ready/desired)", "LAST", "VERDICT", "LOCK", "REJECTED"]
    # Sorted by environment order, then region order (not alphabetically): dev before prod, us-east1 first.
    assert [line.split()[3] for line in table[1:]] == ["shop-dev-us-east1", "shop-dev-europe-west1",
                                                       "shop-prod-us-east1", "shop-prod-europe-west1"]
    rows = {r["cluster"]: r for r in json.loads(rows_path.read_text())}
    assert "shop-dev-config" not in rows
    mid = table[1]
    assert "1 stable 1/1, 2 canary 1/1" in mid and "release of 2 in progress, step 1" in mid and "ci-job-42" in mid, mid
    assert " 1 -> 2 " in mid and " 1/1 " in mid, mid
    assert "step 0: pass (smoke)" in mid
    assert "ERROR:" in table[2] and rows["shop-dev-europe-west1"]["error"]
    rejected = table[3]
    assert "1 stable 2/2" in rejected and rejected.rstrip().endswith("3"), rejected
    assert rows["shop-prod-us-east1"]["rejected"] == ["3"]
    assert "not deployed" in table[4] and rows["shop-prod-europe-west1"]["versions"] == []
    # The same table in the job output (AWX shows the debug lines).
    assert mid.strip() in proc.stdout
