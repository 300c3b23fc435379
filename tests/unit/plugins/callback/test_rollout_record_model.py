"""The rollout record built from module results: steps, measurements with thresholds, decisions, outcome."""

import json
import os

import jsonschema
import pytest

from ansible_collections.progressive.delivery.plugins.plugin_utils.report.record import RolloutRecorder
from ansible_collections.progressive.delivery.plugins.plugin_utils.report.thresholds import check_threshold, threshold
from ansible_collections.progressive.delivery.tests.unit.plugins.callback.rollout_samples import (
    BAD_RELEASE,
    GOOD_RELEASE,
)

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
LOCATION = {"set": "shop", "environment": "dev", "region": "us-east1"}


def record_of(results, cluster="shop-dev-us-east1", stats=None):
    recorder = RolloutRecorder(playbook="release.yml", started=1000.0)
    recorder.set_fleet([dict(LOCATION, cluster=cluster), {"cluster": "shop-prod-us-east1", "set": "shop",
                                                          "environment": "prod", "region": "us-east1"}])
    events = []
    for offset, (module, args, result, failed) in enumerate(results):
        events.append(recorder.task_result(cluster, module, "task %d" % offset, args, result, failed,
                                           1000.0 + 10 * offset, 1005.0 + 10 * offset, LOCATION))
    return recorder.finish(1100.0, stats), events


def schema_validate(record):
    with open(os.path.join(REPO, "docs", "schemas", "rollout-record.schema.json"), encoding="utf-8") as handle:
        jsonschema.Draft202012Validator(json.load(handle)).validate(record)


@pytest.mark.parametrize("condition, baseline, expected", [
    ("result <= baseline * 1.2 + 0.01", 0.1, ("<=", pytest.approx(0.13))),
    ("0.05 >= result", None, ("<=", 0.05)),
    ("result < max(baseline, 0.02)", 0.01, ("<", 0.02)),
    ("result > 0.5 and result < 1", None, (None, None)),  # two bounds: no single threshold
    ("result <= baseline * 2", None, (None, None)),  # no baseline measured
    ("len(result) == 0", None, (None, None)),
    ("result <=", None, (None, None)),
])
def test_threshold_of_plain_conditions(condition, baseline, expected):
    assert threshold(condition, baseline) == expected


def test_check_threshold_uses_vars_and_turns_a_failure_condition_round():
    assert check_threshold({"success_condition": "result <= limit", "vars": {"limit": "0.25"}}) == ("<=", 0.25)
    assert check_threshold({"failure_condition": "result > 0.05"}) == ("<=", 0.05)


def test_a_gate_failure_rolled_back_is_recorded_with_its_reason_in_plain_words():
    record, events = record_of(BAD_RELEASE)
    schema_validate(record)
    assert events == [["canary"], [], [], ["rollback"]]
    assert record["run"]["outcome"] == "rolled_back" and record["run"]["duration"] == 100.0
    assert [s["kind"] for s in record["steps"]] == ["canary", "step", "gate", "rollback"]
    gate = record["steps"][2]
    assert gate["step"] == 1 and gate["split_after"] == {"stable": 1, "canary": 1} and gate["verdict"] == "fail"
    by_check = {m["check"]: m for m in gate["measurements"]}
    assert by_check["error-ratio"]["threshold"] == pytest.approx(0.01) and by_check["error-ratio"]["metric"] == "error_rate"
    assert by_check["latency-p90"]["threshold"] == 0.25 and by_check["latency-p90"]["metric"] == "latency"
    assert by_check["error-ratio"]["version"] == "3" and by_check["error-ratio"]["baseline_version"] == "2"
    cluster = record["clusters"]["shop-dev-us-east1"]
    assert cluster["state"] == "rolled_back" and cluster["split"] == {"stable": 2, "canary": 0}
    assert cluster["environment"] == "dev" and list(cluster["rejected_versions"]) == ["3"]
    assert record["rollbacks"][0]["reason"] == (
        "Version 3 of web was rolled back in shop-dev-us-east1 (version 2 serves again) because the gate in "
        "shop-dev-us-east1 at step 1 (1 of 2 pods on 3) failed: version 3 had error rate 48.00% (allowed: at most "
        "1.00%; stable 2 0.00%) (check error-ratio).")
    assert record["rollbacks"][0]["cause_step"] == 3 and record["rollbacks"][0]["rejected"] is True
    assert [d["decision"] for d in record["decisions"]] == ["stop", "rollback"]
    assert record["run"]["summary"] == "web 3: rolled back (1 rolled back)"


def test_a_healthy_release_is_promoted_and_every_step_timed():
    record, events = record_of(GOOD_RELEASE)
    schema_validate(record)
    assert record["run"]["outcome"] == "succeeded" and events[-1] == ["promoted"]
    assert [d["decision"] for d in record["decisions"]] == ["proceed", "proceed", "promote"]
    assert [s["canary_weight"] for s in record["steps"] if s["kind"] == "step"] == [50, 100]
    # The module's own duration wins over the callback's wall time; without one, the wall time.
    assert record["steps"][1]["duration"] == 2.5 and record["steps"][0]["duration"] == 5.0
    assert record["steps"][0]["started_at"] == "1970-01-01T00:16:40.000Z"
    assert record["clusters"]["shop-dev-us-east1"]["state"] == "promoted"
    assert [f["cluster"] for f in record["fleet"]] == ["shop-dev-us-east1", "shop-prod-us-east1"]


def test_a_failure_outside_the_modules_fails_the_run_and_a_partial_record_is_in_progress():
    recorder = RolloutRecorder(playbook="release.yml", started=1.0)
    assert recorder.record["run"]["outcome"] == "in_progress"
    schema_validate(recorder.record)
    record, _events = record_of(GOOD_RELEASE[:1], stats={"shop-dev-us-east1": {"failures": 1, "unreachable": 0}})
    assert record["run"]["outcome"] == "failed"
    record, _events = record_of(GOOD_RELEASE[:2])
    assert record["run"]["outcome"] == "incomplete"


def test_a_failed_step_without_rollback_leaves_the_cluster_failed_with_the_modules_message():
    module, args, result, _failed = GOOD_RELEASE[1]
    failed = dict(result, failed=True, msg="pod web-3-x: CrashLoopBackOff (exit code 1)")
    record, _events = record_of([GOOD_RELEASE[0], (module, args, failed, True)])
    schema_validate(record)
    assert record["run"]["outcome"] == "failed"
    assert record["decisions"][-1]["reason"] == (
        "scale_step failed in shop-dev-us-east1 at step 1 (1 of 2 pods on 3): pod web-3-x: CrashLoopBackOff (exit code 1)")


def test_frozen_and_verified_clusters():
    recorder = RolloutRecorder(started=0.0)
    for cluster, stable_version in (("a", "3"), ("c", "2")):
        recorder.task_result(cluster, "release_info", "read", {"app": "web"},
                             {"stable": {"version": stable_version, "replicas": 3}, "canary": None,
                              "phase": "Completed"}, False, 1.0, 2.0)
    assert not recorder.released()
    for module, args, result, failed in BAD_RELEASE[:3]:
        recorder.task_result("b", module, "t", args, result, failed, 1.0, 2.0)
    assert recorder.record["clusters"]["b"]["state"] == "failed" and recorder.released()
    assert recorder.mark_frozen("b", "held at canary 1 / stable 1", 3.0) == ["frozen"]
    record = recorder.finish(4.0)
    schema_validate(record)
    # "a" already runs 3, the version released: verified; "c" runs the old version: only read.
    assert {name: c["state"] for name, c in record["clusters"].items()} == {
        "a": "verified", "b": "frozen", "c": "untouched"}
    assert record["run"]["outcome"] == "frozen" and record["decisions"][-1]["decision"] == "freeze"
    assert "Version 3 held at its current split in b" in record["decisions"][-1]["reason"]


def test_results_of_other_modules_and_skipped_ones_are_ignored():
    recorder = RolloutRecorder(started=0.0)
    assert recorder.task_result("a", "multicluster_service", "t", {}, {"changed": True}, False, 0.0, 1.0) == []
    assert recorder.task_result("a", "scale_step", "t", {}, {"skipped": True}, False, 0.0, 1.0) == []
    assert recorder.record["steps"] == [] and recorder.record["clusters"] == {}


def gated(step, gate):
    """A scale_step that gated its own move: the two tasks' results as one (see scale_step's RETURN)."""
    module, args, result = step[:3]
    gate_args, gate_result, failed = gate[1:]
    output = dict(result, gate=dict((k, v) for k, v in gate_result.items() if k not in ("failed", "msg")))
    if failed:
        output.update(failed=True, msg=gate_result["msg"], verdict=gate_result["verdict"], reason=gate_result["reason"],
                      blame="version")
    return module, dict(args, checks=gate_args["checks"]), output, failed


def test_a_step_gated_in_its_own_process_is_recorded_as_the_step_and_its_gate():
    separate = record_of(BAD_RELEASE)[0]
    recorder = RolloutRecorder(playbook="release.yml", started=1000.0)
    recorder.set_fleet([dict(LOCATION, cluster="shop-dev-us-east1")])
    canary, step_1, gate_fail, rollback = BAD_RELEASE
    recorded = []
    for offset, (module, args, result, failed) in enumerate([canary, gated(step_1, gate_fail), rollback]):
        recorded += recorder.task_results("shop-dev-us-east1", module, "task %d" % offset, args, result, failed,
                                          1000.0 + 10 * offset, 1009.0 + 10 * offset, LOCATION)
    record = recorder.finish(1100.0)
    schema_validate(record)
    assert [(step["kind"], events) for step, events in recorded] == [
        ("canary", ["canary"]), ("step", []), ("gate", []), ("rollback", ["rollback"])]
    step, gate = record["steps"][1:3]
    # The move succeeded (the gate failed the task after it), timed by its own duration; the gate follows it.
    assert (step["status"], step["message"], step["duration"]) == ("changed", None, 2.5)
    assert gate["started_at"] == step["ended_at"] and gate["verdict"] == "fail" and gate["step"] == 1
    assert gate["measurements"] == separate["steps"][2]["measurements"]
    assert record["rollbacks"][0]["reason"] == separate["rollbacks"][0]["reason"]
