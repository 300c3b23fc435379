"""The analysis engine: tables of measurements to verdicts (limits, NaN, empty, errors, dry-run)."""

from __future__ import annotations

import pytest

from ansible_collections.progressive.delivery.plugins.module_utils.gates.measurement import CheckConfigError

from ansible_collections.progressive.delivery.tests.unit.module_utils.gates.scripted_provider import EMPTY, ERR, NAN, analysis, check

TABLE = [
    # id, check options, verdict, check phase, measurements taken
    ("healthy", dict(script=[0.001]), "pass", "Successful", 1),
    ("over budget", dict(script=[0.2]), "fail", "Failed", 1),
    ("empty result is inconclusive by default", dict(script=[EMPTY]), "inconclusive", "Inconclusive", 1),
    ("empty result with on_no_data fail", dict(script=[EMPTY], on_no_data="fail"), "fail", "Failed", 1),
    ("empty result with on_no_data pass", dict(script=[EMPTY], on_no_data="pass"), "pass", "Successful", 1),
    ("NaN is no data", dict(script=[NAN]), "inconclusive", "Inconclusive", 1),
    ("NaN with on_no_data fail", dict(script=[NAN], on_no_data="fail"), "fail", "Failed", 1),
    ("unreachable once: never a pass", dict(script=[ERR]), "inconclusive", "Error", 1),
    ("errors are not a pass even with on_no_data pass", dict(script=[ERR], on_no_data="pass"),
     "inconclusive", "Error", 1),
    ("errors with on_no_data fail", dict(script=[ERR], on_no_data="fail"), "fail", "Error", 1),
    ("every measurement errored, below the error limit",
     dict(script=[ERR, ERR, ERR], count=3, interval="10s"), "inconclusive", "Error", 3),
    ("errors over consecutive_error_limit stop the check",
     dict(script=[ERR] * 10, count=10, interval="10s", consecutive_error_limit=2), "inconclusive", "Error", 3),
    ("transient errors around a success", dict(script=[ERR, 0.001, ERR], count=3, interval="10s"),
     "pass", "Successful", 3),
    ("one failure within failure_limit", dict(script=[0.2, 0.001, 0.001], count=3, interval="10s",
                                              failure_limit=1), "pass", "Successful", 3),
    ("failures over failure_limit", dict(script=[0.2, 0.001, 0.2], count=3, interval="10s", failure_limit=1),
     "fail", "Failed", 3),
    ("fails within failure_limit + 1 measurements", dict(script=[0.2] * 10, count=10, interval="10s",
                                                         failure_limit=2), "fail", "Failed", 3),
    ("all failed but within failure_limit is still not a pass",
     dict(script=[0.2, 0.2], count=2, interval="1s", failure_limit=5), "fail", "Failed", 2),
    ("inconclusive within inconclusive_limit", dict(script=[EMPTY, 0.001, 0.001], count=3, interval="1s",
                                                    inconclusive_limit=1), "pass", "Successful", 3),
    ("inconclusive over inconclusive_limit", dict(script=[EMPTY, EMPTY, 0.001], count=3, interval="1s",
                                                  inconclusive_limit=1), "inconclusive", "Inconclusive", 2),
    ("between success and failure conditions",
     dict(script=[0.03], success_condition="result < 0.01", failure_condition="result > 0.05"),
     "inconclusive", "Inconclusive", 1),
    ("failure condition only", dict(script=[0.03], success_condition=None, failure_condition="result > 0.05"),
     "pass", "Successful", 1),
    ("failure condition wins over success", dict(script=[0.5], success_condition="result >= 0",
                                                 failure_condition="result > 0.05"), "fail", "Failed", 1),
    ("condition that cannot be evaluated is an error", dict(script=[0.5], success_condition="result / budget < 1",
                                                            vars={"budget": 0}), "inconclusive", "Error", 1),
]


@pytest.mark.parametrize("options, verdict, phase, taken", [row[1:] for row in TABLE], ids=[row[0] for row in TABLE])
def test_measurements_to_verdict(clock, options, verdict, phase, taken):
    result = analysis([check(**options)], clock).run()
    summary = result.as_dict()["checks"][0]
    assert (result.verdict, summary["phase"], summary["measurements"]) == (verdict, phase, taken)
    assert "error-ratio" in result.reason


def test_fail_reason_names_check_value_and_condition(clock):
    result = analysis([check(script=[0.2, 0.3], count=2, interval="30s", failure_limit=1)], clock).run()
    assert result.verdict == "fail"
    assert result.reason == (
        "check 'error-ratio' failed: 2 of 2 measurements failed (failure_limit 1); last failure: "
        "value 0.3 does not meet success condition 'result <= 0.01'")


def test_failure_is_decided_after_failure_limit_plus_one_intervals(clock):
    result = analysis([check(script=[0.2] * 10, count=10, interval="30s", failure_limit=1)], clock).run()
    assert result.verdict == "fail"
    assert clock.sleeps == [30.0]  # two measurements: t=0 and t=30s, then stop
    assert result.duration == pytest.approx(30.0)


def test_error_reason_leads_with_the_cause_then_the_policy(clock):
    result = analysis([check(script=[ERR] * 3, count=3, interval="5s", consecutive_error_limit=1)], clock).run()
    assert result.verdict == "inconclusive"
    assert result.blame == "evidence"
    assert result.reason == (str(ERR) + " - check 'error-ratio' could not be measured (inconclusive, "
                             "on_no_data=inconclusive): 2 consecutive measurement errors (consecutive_error_limit 1)")


def test_only_a_breached_condition_blames_the_version(clock):
    breached = analysis([check(script=[0.2] * 3, count=3, interval="1s")], clock).run()
    assert (breached.verdict, breached.blame) == ("fail", "version")
    no_data_failed = analysis([check(script=[EMPTY] * 3, count=3, interval="1s", on_no_data="fail")], clock).run()
    assert (no_data_failed.verdict, no_data_failed.blame) == ("fail", "evidence")
    assert no_data_failed.reason.startswith("no data: the query returned no series")
    no_data = analysis([check(script=[EMPTY] * 3, count=3, interval="1s")], clock).run()
    assert (no_data.verdict, no_data.blame) == ("inconclusive", "evidence")
    passed = analysis([check(script=[0.0] * 3, count=3, interval="1s")], clock).run()
    assert (passed.verdict, passed.blame) == ("pass", None)


def test_no_data_message_says_what_it_counted_as(clock):
    result = analysis([check(script=[EMPTY], on_no_data="pass")], clock).run()
    assert result.measurements[0].message == (
        "no data: the query returned no series; counted Successful because on_no_data=pass")


def test_schedule_honours_initial_delay_and_interval(clock):
    result = analysis([check(script=[0.001] * 3, count=3, interval="1m", initial_delay="45s")], clock).run()
    assert clock.sleeps == [45.0, 60.0, 60.0]
    stamps = [m["timestamp"] for m in result.as_dict()["measurements"]]
    assert stamps == ["2026-01-01T00:17:25.000Z", "2026-01-01T00:18:25.000Z", "2026-01-01T00:19:25.000Z"]


def test_slow_measurements_delay_the_next_one_without_bunching(clock):
    result = analysis([check(script=[0.001] * 3, count=3, interval="10s", measure_seconds=4)], clock).run()
    assert clock.sleeps == [6.0, 6.0]
    assert result.duration == pytest.approx(24.0)  # 0-4, 10-14, 20-24


def test_checks_interleave_on_one_timeline(clock):
    fast = check("fast", script=[0.001] * 3, count=3, interval="10s")
    slow = check("slow", script=[0.001] * 2, count=2, interval="25s")
    result = analysis([fast, slow], clock).run()
    order = [(m.check, m.index) for m in result.measurements]
    assert order == [("fast", 0), ("slow", 0), ("fast", 1), ("fast", 2), ("slow", 1)]
    assert result.verdict == "pass"
    assert result.reason == "all 2 decisive checks passed (5 measurements)"


def test_a_failed_check_stops_the_others(clock):
    bad = check("bad", script=[0.5])
    long_running = check("long", script=[0.001] * 5, count=5, interval="1m")
    result = analysis([long_running, bad], clock).run()
    assert result.verdict == "fail"
    long_summary = result.as_dict()["checks"][0]
    assert long_summary["phase"] == "Running" and long_summary["completed"] is False
    assert long_summary["measurements"] == 1
    assert "because check 'bad' decided the gate" in long_summary["message"]
    assert clock.sleeps == []


def test_dry_run_check_is_measured_but_never_decides(clock):
    result = analysis([check("shadow", script=[0.9], dry_run=True), check("real", script=[0.001])], clock).run()
    assert result.verdict == "pass"
    assert "not deciding: dry-run check 'shadow' Failed" in result.reason
    assert [m["dry_run"] for m in result.as_dict()["measurements"]] == [True, False]


def test_a_failing_dry_run_check_does_not_stop_the_gate(clock):
    shadow = check("shadow", script=[0.9, 0.9], count=2, interval="10s", dry_run=True)
    real = check("real", script=[0.001, 0.001], count=2, interval="10s")
    result = analysis([shadow, real], clock).run()
    assert result.verdict == "pass"
    summaries = {c["name"]: c for c in result.as_dict()["checks"]}
    assert (summaries["shadow"]["phase"], summaries["shadow"]["measurements"]) == ("Failed", 1)
    assert (summaries["real"]["phase"], summaries["real"]["measurements"]) == ("Successful", 2)


def test_only_dry_run_checks_pass_and_say_so(clock):
    result = analysis([check(script=[0.9], dry_run=True)], clock).run()
    assert result.verdict == "pass"
    assert result.reason.startswith("no decisive checks: all 1 checks are dry-run")


def test_fail_beats_inconclusive_in_the_verdict(clock):
    # Both settle on the first measurement; the failed one decides even though listed second.
    result = analysis([check("empty", script=[EMPTY], count=2, interval="10s", inconclusive_limit=1),
                       check("bad", script=[0.5])], clock).run()
    assert result.verdict == "fail"


def test_unexpected_provider_exception_is_an_error_measurement(clock):
    result = analysis([check(script=[RuntimeError("boom")])], clock).run()
    assert result.verdict == "inconclusive"
    assert result.measurements[0].phase == "Error"
    assert result.measurements[0].message == "unexpected RuntimeError: boom"


def test_config_error_from_a_provider_propagates(clock):
    bad = CheckConfigError("error-ratio", "Prometheus rejected the query (HTTP 400 bad_data: parse error)")
    with pytest.raises(CheckConfigError, match="check 'error-ratio': Prometheus rejected"):
        analysis([check(script=[bad])], clock).run()


def test_baseline_comparison(clock):
    options = dict(script=[0.012, 0.03], baseline_script=[0.01, 0.01], count=2, interval="10s", failure_limit=0,
                   success_condition="result <= baseline * 1.2 + 0.001")
    result = analysis([check(**options)], clock).run()
    assert result.verdict == "fail"
    first, second = result.as_dict()["measurements"]
    assert (first["phase"], first["baseline"]) == ("Successful", 0.01)
    assert second["message"] == ("value 0.03 (baseline 0.01) does not meet success condition "
                                 "'result <= baseline * 1.2 + 0.001'")


def test_nan_baseline_is_no_data(clock):
    options = dict(script=[0.01], baseline_script=[NAN], success_condition="result <= baseline")
    result = analysis([check(**options)], clock).run()
    assert result.verdict == "inconclusive"
    assert "the baseline is NaN" in result.measurements[0].message


def test_per_series_takes_the_worst_series(clock):
    series = [({"pod": "a"}, 0.001), ({"pod": "b"}, 0.3), ({"pod": "c"}, NAN)]
    result = analysis([check(script=[series], per_series=True)], clock).run()
    measurement = result.as_dict()["measurements"][0]
    assert result.verdict == "fail"
    assert [s["phase"] for s in measurement["series"]] == ["Successful", "Failed", "Inconclusive"]
    assert measurement["series"][2]["value"] == "NaN"
    assert measurement["message"] == ('series {pod="b"} value 0.3 does not meet success condition '
                                      "'result <= 0.01'; 1 of 3 series Failed")


def test_per_series_can_use_labels(clock):
    series = [({"pod": "a"}, 0.001), ({"pod": "known-bad"}, 0.3)]
    condition = "result <= 0.01 or labels['pod'] == 'known-bad'"
    result = analysis([check(script=[series], per_series=True, success_condition=condition)], clock).run()
    assert result.verdict == "pass"


def test_several_series_without_per_series_give_a_list(clock):
    series = [({"pod": "a"}, 0.001), ({"pod": "b"}, 0.002)]
    result = analysis([check(script=[series], success_condition="max(result) <= 0.01")], clock).run()
    assert result.verdict == "pass"
    assert result.as_dict()["measurements"][0]["value"] == [0.001, 0.002]


def test_several_series_compared_as_one_number_is_an_error_with_advice(clock):
    series = [({"pod": "a"}, 0.001), ({"pod": "b"}, 0.002)]
    result = analysis([check(script=[series])], clock).run()
    assert result.measurements[0].phase == "Error"
    assert "cannot be evaluated for result=[0.001, 0.002]" in result.measurements[0].message


def test_measurement_shape_is_stable(clock):
    result = analysis([check(script=[float("inf")])], clock).run()
    measurement = result.as_dict()["measurements"][0]
    assert sorted(measurement) == ["baseline", "check", "dry_run", "elapsed_ms", "index", "message", "phase",
                                   "provider", "series", "timestamp", "value"]
    assert measurement["value"] == "+Inf"
    assert measurement["series"] == [{"labels": {}, "value": "+Inf", "phase": None}]
    assert sorted(result.as_dict()) == ["blame", "checks", "duration", "measurements", "reason", "verdict"]


def test_a_provider_that_cannot_start_is_a_config_error_not_a_traceback(clock, monkeypatch):
    from ansible_collections.progressive.delivery.tests.unit.module_utils.gates.scripted_provider import Scripted

    def broken_start(self):
        raise KeyError("snapshot")
    monkeypatch.setattr(Scripted, "start", broken_start)
    with pytest.raises(CheckConfigError, match="check 'error-ratio': could not start measuring: KeyError: 'snapshot'"):
        analysis([check()], clock).run()
