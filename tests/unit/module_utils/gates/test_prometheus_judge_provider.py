"""The prometheus_judge provider through the analysis engine, against a scripted /api/v1/query_range."""

from __future__ import annotations

import pytest

from ansible_collections.progressive.delivery.plugins.module_utils.gates.gate import prepare_gate
from ansible_collections.progressive.delivery.plugins.module_utils.gates.measurement import CheckConfigError
from ansible_collections.progressive.delivery.plugins.module_utils.gates.providers.base import GateContext

END = 1764156000.0
P50 = 'histogram_quantile(0.5, sum by (pod, le) (rate(d_bucket{version="{version}"}[{interval}])))'
ERRORS = 'sum by (pod) (rate(e{version="{version}"}[{interval}]))'


def matrix(series):
    """series: {pod: [values]} -> a range answer, one point per value."""
    return {"status": "success", "data": {"resultType": "matrix", "result": [
        {"metric": {"pod": pod}, "values": [[END - 30 * i, str(v)] for i, v in enumerate(values)]}
        for pod, values in series.items()]}}


def answers(samples):
    """A route answering each query with samples[(metric prefix, version)]."""
    def answer(request):
        query = request["query"]["query"]
        for (prefix, version), series in samples.items():
            if query.startswith(prefix) and 'version="%s"' % version in query:
                return 200, {}, matrix(series)
        return 200, {}, matrix({})
    return answer


def judge_check(**options):
    check = {"name": "judge", "provider": "prometheus_judge", "canary_version": "v2", "baseline_version": "v1",
             "window": "5m", "step": "30s", "group_weights": {"latency": 50, "errors": 50},
             "metrics": [{"name": "latency-p50", "group": "latency", "query": P50},
                         {"name": "error-ratio", "group": "errors", "query": ERRORS, "critical": True}]}
    check.update(options)
    return check


def run(server, clock, samples, **options):
    server.route("/api/v1/query_range", answers(samples))
    analysis = prepare_gate([judge_check(**options)], GateContext(prometheus={"url": server.url}), clock=clock)
    analysis.runs[0].provider.now = lambda: END
    return analysis.run()


STABLE = {"a": [0.020, 0.021, 0.019, 0.022, 0.020, 0.018], "b": [0.021, 0.020, 0.019, 0.020, 0.022, 0.021]}
SLOW = {pod: [v * 1.5 for v in values] for pod, values in STABLE.items()}
NO_ERRORS = {"a": [0.0] * 6, "b": [0.0] * 6}


def test_identical_versions_pass_with_score_100_and_per_metric_evidence(server, clock):
    result = run(server, clock, {("histogram", "v1"): STABLE, ("histogram", "v2"): STABLE,
                                 ("sum", "v1"): NO_ERRORS, ("sum", "v2"): NO_ERRORS})
    assert result.verdict == "pass"
    measurement = result.measurements[0].as_dict()
    assert measurement["value"] == 100.0
    p50 = measurement["metrics"][0]
    assert (p50["name"], p50["classification"], p50["canary_samples"], p50["baseline_samples"]) == \
        ("latency-p50", "pass", 12, 12)
    assert p50["u_statistic"] == 72.0 and p50["effect_size"] == 1.0
    query = server.requests[0]["query"]
    assert query["query"] == 'histogram_quantile(0.5, sum by (pod, le) (rate(d_bucket{version="v2"}[30s])))'
    assert (float(query["start"]), float(query["end"]), query["step"]) == (END - 270, END, "30")


def test_a_slower_canary_fails_on_latency_and_blames_the_version(server, clock):
    result = run(server, clock, {("histogram", "v1"): STABLE, ("histogram", "v2"): SLOW,
                                 ("sum", "v1"): NO_ERRORS, ("sum", "v2"): NO_ERRORS})
    assert (result.verdict, result.blame) == ("fail", "version")
    assert "score 50 meets failure condition" in result.measurements[0].message
    assert "latency-p50 high" in result.measurements[0].message


def test_a_marginal_score_is_inconclusive(server, clock):
    # Latency weighs 20: the slow p50 leaves 80, between marginal (75) and pass (95).
    result = run(server, clock, {("histogram", "v1"): STABLE, ("histogram", "v2"): SLOW,
                                 ("sum", "v1"): NO_ERRORS, ("sum", "v2"): NO_ERRORS},
                 group_weights={"latency": 20, "errors": 80})
    assert result.verdict == "inconclusive"
    assert result.measurements[0].value == 80.0


def test_a_critical_metric_fails_the_gate_on_its_own(server, clock):
    errors = {"a": [0.05, 0.06, 0.05, 0.07, 0.06, 0.05], "b": [0.06, 0.05, 0.06, 0.05, 0.07, 0.06]}
    result = run(server, clock, {("histogram", "v1"): STABLE, ("histogram", "v2"): STABLE,
                                 ("sum", "v1"): NO_ERRORS, ("sum", "v2"): errors},
                 group_weights={"latency": 90, "errors": 10})
    assert result.measurements[0].value == 90.0
    assert (result.verdict, result.blame) == ("fail", "version")


def test_too_few_samples_is_no_data_and_on_no_data_decides(server, clock):
    few = {"a": [0.02, 0.021, float("nan")]}
    samples = {("histogram", "v1"): STABLE, ("histogram", "v2"): few,
               ("sum", "v1"): NO_ERRORS, ("sum", "v2"): NO_ERRORS}
    result = run(server, clock, samples)
    assert (result.verdict, result.blame) == ("inconclusive", "evidence")
    assert "metric(s) latency-p50 had too few samples" in result.reason
    assert result.measurements[0].as_dict()["metrics"][0]["classification"] == "nodata"
    failed = run(server, clock, samples, on_no_data="fail")
    assert (failed.verdict, failed.blame) == ("fail", "evidence")


@pytest.mark.parametrize("options, message", [
    ({"metrics": [{"name": "p50", "query": "up"}]}, "query must contain {version}"),
    ({"metrics": []}, "needs metrics"),
    ({"canary_version": ""}, "needs canary_version"),
    ({"step": "10m"}, "step must be more than 0 and at most the window"),
    ({"pass_score": 50, "marginal_score": 60}, "0 <= marginal_score (60) <= pass_score (50) <= 100"),
    ({"min_samples": 2}, "min_samples must be at least 3"),
    ({"metrics": [{"name": "p50", "query": P50, "direction": "up"}]}, "direction must be one of"),
    ({"baseline_track": "baseline"}, "query must contain {track}"),
])
def test_bad_options_are_refused_before_any_query(server, options, message):
    with pytest.raises(CheckConfigError, match=None) as error:
        prepare_gate([judge_check(**options)], GateContext(prometheus={"url": server.url}))
    assert message in str(error.value)
    assert server.requests == []


TRACKED_P50 = 'histogram_quantile(0.5, sum by (pod, le) (rate(d_bucket{version="{version}", track="{track}"}[{interval}])))'


def test_a_baseline_track_judges_the_canary_against_the_fresh_baseline_pods(server, clock):
    # The stable's long-running pods are slow; the fresh baseline pods of the same version are as fast as the canary.
    def answer(request):
        query = request["query"]["query"]
        fresh = 'version="v2", track=""' in query or 'version="v1", track="baseline"' in query
        return 200, {}, matrix(STABLE if fresh else SLOW)
    server.route("/api/v1/query_range", answer)
    check = judge_check(baseline_track="baseline", group_weights={"latency": 100},
                        metrics=[{"name": "latency-p50", "group": "latency", "query": TRACKED_P50}])
    analysis = prepare_gate([check], GateContext(prometheus={"url": server.url}), clock=clock)
    analysis.runs[0].provider.now = lambda: END
    result = analysis.run()
    assert result.verdict == "pass", result.reason
    queries = [r["query"]["query"] for r in server.requests]
    assert 'rate(d_bucket{version="v2", track=""}[30s])' in queries[0]
    assert 'rate(d_bucket{version="v1", track="baseline"}[30s])' in queries[1]
