"""playbooks/rehearse.yml (issue 19): the dress rehearsal of a rollout on a simulated twin of the fleet.

A "real" fleet (fleetsim: 2 sets x 3 environments x 2 regions) runs web 1 in the services set. The rehearsal of web 2
with a drill making it fail in staging must end, in the twin, with dev on 2, staging rolled back to 1 and prod on 1
untouched; the real fleet must receive nothing but reads and keep every resourceVersion; the record and the board of
the twin's rollout are marked as a rehearsal.
"""

import json
import os

import pytest
import yaml

from ansible_collections.progressive.delivery.tests.support.rehearsal import (
    FLEET,
    READS,
    REPO,
    REVIEW_GROUPS,
    deploy_v1,
    rehearse,
    resource_versions,
)


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
