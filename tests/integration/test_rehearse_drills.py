"""playbooks/rehearse.yml's timed drill (issue 19): a cluster of the twin becoming unreachable mid-step.

A small "real" fleet (1 set x 2 environments x 1 region, web 1). The rehearsal of web 2 with an unreachable drill in
dev must fire once the canary exists in the twin's dev cluster, stop the rollout there (prod untouched), report the
drill, and leave the real fleet with reads only.
"""

import json
import os

import pytest
import yaml

from ansible_collections.progressive.delivery.tests.support import rehearsal

FLEET = {"simulation": {"namespaces": ["default", rehearsal.NAMESPACE]},
         "environment_sets": {"services": {"environments": ["dev", "prod"], "regions": ["us-east1"]}}}
MEMBERS = ["services-dev-us-east1", "services-prod-us-east1"]


@pytest.mark.timeout(240)
def test_an_unreachable_drill_stops_the_rollout_where_it_fired(fleetsim_fleet, tmp_path, monkeypatch):
    monkeypatch.setattr(rehearsal, "MEMBERS", MEMBERS)
    fleet = fleetsim_fleet(FLEET, clock_speed=10, pod_ready_delay="2s", pod_ready_jitter="0s")
    rehearsal.deploy_v1(fleet)
    (tmp_path / "real.yml").write_text(yaml.safe_dump(FLEET))
    inventory = tmp_path / "real.fleet.yml"
    inventory.write_text(yaml.safe_dump({"plugin": "progressive.delivery.fleet", "fleet_file": "real.yml",
                                         "fleetsim_state_dir": str(fleet.state_dir)}))
    before = rehearsal.resource_versions(fleet)

    report = tmp_path / "rehearsal.json"
    code, text = rehearsal.rehearse(tmp_path, str(inventory), {
        "environment_promotion_set": "services", "multicluster_release_version": "2",
        "rehearse_vars_files": [os.path.join(rehearsal.REPO, "scripts", "demo", "vars.yml")],
        "rehearse_rollout_vars": {"environment_promotion_soak_seconds": 2, "multicluster_release_waves": ["100%"],
                                  "canary_release_wait_timeout": 20},
        "rehearse_clock_speed": 10, "rehearse_state_dir": str(tmp_path / "twin"), "rehearse_report_path": str(report),
        # JSON text, as an AWX survey gives it
        "rehearse_faults": json.dumps([{"environment": "dev", "kind": "unreachable"}])})
    assert code == 0, text[-4000:]
    shown = text[text.index("TASK [Show the rehearsal]"):]
    print(shown[:shown.index("TASK [", 10)])

    result = json.loads(report.read_text())
    assert result["drills_fired"] == ["unreachable once the canary started in services-dev-us-east1"], result
    assert result["rollout_rc"] != 0 and result["as_drilled"]
    assert result["environments"]["prod"] == ["1"], result
    # The twin's plan was drawn as a timeline beside its JSON.
    timeline = open(result["plan_timeline"]).read()
    assert all(cluster in timeline for cluster in MEMBERS) and "Critical path" in timeline
    assert rehearsal.resource_versions(fleet) == before
    assert not os.path.exists(str(tmp_path / "twin" / "fleet.json")), "the twin was not stopped"


def test_a_bad_drill_is_refused_before_anything_starts(fleetsim_fleet, tmp_path):
    fleet = fleetsim_fleet(FLEET)
    (tmp_path / "real.yml").write_text(yaml.safe_dump(FLEET))
    inventory = tmp_path / "real.fleet.yml"
    inventory.write_text(yaml.safe_dump({"plugin": "progressive.delivery.fleet", "fleet_file": "real.yml",
                                         "fleetsim_state_dir": str(fleet.state_dir)}))
    code, text = rehearsal.rehearse(tmp_path, str(inventory), {
        "environment_promotion_set": "services", "release_app": "web", "release_version": "2",
        "rehearse_state_dir": str(tmp_path / "twin"),
        "rehearse_faults": [{"environment": "dev", "kind": "unreachable"}, {"environment": "qa", "kind": "errors"}]})
    assert code != 0
    assert "rehearse_faults[1].environment: 'qa' is not an environment of the set (dev, prod)" in text, text[-3000:]
    assert "TASK [Read the real fleet" not in text and not (tmp_path / "twin").exists()
