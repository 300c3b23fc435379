"""The fleet inventory through ansible-inventory, as playbooks and AWX inventory sources read it."""

import json
import os
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ANSIBLE_INVENTORY = os.path.join(os.path.dirname(sys.executable), "ansible-inventory")


def inventory(source, strict=True):
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(REPO, ".venv", "collections"),
               ANSIBLE_CONFIG=os.path.join(REPO, "ansible.cfg"), ANSIBLE_NOCOLOR="1")
    # The checkout's ansible.cfg makes an unparsed inventory fatal; strict=False shows Ansible's own default.
    env["ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED"] = "true" if strict else "false"
    return subprocess.run([ANSIBLE_INVENTORY, "-i", source, "--list"], capture_output=True, text=True, env=env,
                          timeout=120, check=False)


def plain(value):
    """ansible-inventory marks values it will not template as {"__ansible_unsafe": value}."""
    if isinstance(value, dict):
        return value["__ansible_unsafe"] if set(value) == {"__ansible_unsafe"} else {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def test_local_inventory_lists_the_simulated_fleet_in_promotion_order():
    result = inventory(os.path.join(REPO, "inventories", "local"))
    assert result.returncode == 0, result.stderr
    listed = plain(json.loads(result.stdout))
    assert listed["services"]["children"] == ["services_dev", "services_staging", "services_prod"]
    assert listed["services_prod"]["hosts"] == ["services-prod-us-east1", "services-prod-europe-west1",
                                                "services-prod-asia-east1"]
    host = listed["_meta"]["hostvars"]["batch-staging-asia-east1"]
    assert (host["fleet_set"], host["fleet_environment"], host["fleet_region"], host["fleet_wave"]) == (
        "batch", "staging", "asia-east1", 3)
    assert host["k8s_auth"]["kubeconfig"] == os.path.join(REPO, ".state", "fleetsim", "kubeconfig")


def test_a_broken_fleet_stops_the_run_with_the_entry_named(tmp_path):
    (tmp_path / "fleet.yml").write_text(
        "plugin: progressive.delivery.fleet\n"
        "environment_sets:\n"
        "  web: {environments: [dev, prod], regions: [r1]}\n"
        "clusters:\n"
        "  web-prod-r1: {context: web-dev-r1}\n")
    result = inventory(str(tmp_path / "fleet.yml"))
    assert result.returncode != 0
    assert "clusters.web-prod-r1: connects to the same cluster as web-dev-r1" in result.stderr
    # without the setting Ansible only warns and carries on with an empty inventory: why the docs ask for it
    lenient = inventory(str(tmp_path / "fleet.yml"), strict=False)
    assert lenient.returncode == 0 and json.loads(lenient.stdout)["_meta"]["hostvars"] == {}
