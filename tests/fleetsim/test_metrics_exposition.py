"""The fleet metrics endpoint speaks the Prometheus text format exactly."""
from __future__ import annotations

import shutil
import subprocess

import pytest

from fleetsim.metrics import DEFAULT_BUCKETS, RequestLabels, RequestMetrics, parse_exposition

POD = RequestLabels("web-dev-us-east1", "shop", "cart", "v2", "cart-b-7f9c-x1", "200")


def samples(metrics):
    return {(name, tuple(sorted(labels.items()))): value
            for name, labels, value in parse_exposition(metrics.render())}


def test_histogram_buckets_are_cumulative_with_inf_sum_and_count():
    metrics = RequestMetrics()
    for seconds in (0.004, 0.005, 0.02, 0.3, 12.0):
        metrics.observe(POD, seconds)
    text = metrics.render()
    base = ('cluster="web-dev-us-east1",namespace="shop",service="cart",version="v2",'
            'pod="cart-b-7f9c-x1",code="200"')
    assert f"http_requests_total{{{base}}} 5\n" in text
    assert f'http_request_duration_seconds_bucket{{{base},le="0.005"}} 2\n' in text  # le is <=
    assert f'http_request_duration_seconds_bucket{{{base},le="0.025"}} 3\n' in text
    assert f'http_request_duration_seconds_bucket{{{base},le="0.5"}} 4\n' in text
    assert f'http_request_duration_seconds_bucket{{{base},le="10.0"}} 4\n' in text
    assert f'http_request_duration_seconds_bucket{{{base},le="+Inf"}} 5\n' in text
    assert f"http_request_duration_seconds_count{{{base}}} 5\n" in text
    parsed = samples(metrics)
    total = [v for (name, _), v in parsed.items() if name == "http_request_duration_seconds_sum"]
    assert total == [pytest.approx(12.329)]
    bucket_lines = [line for line in text.splitlines() if "_bucket{" in line]
    assert len(bucket_lines) == len(DEFAULT_BUCKETS) + 1


def test_help_and_type_lines_precede_each_family_once():
    metrics = RequestMetrics()
    metrics.observe(POD, 0.01)
    metrics.observe(POD._replace(code="500", pod="cart-b-7f9c-x2"), 0.01)
    lines = metrics.render().splitlines()
    assert lines[:2] == ["# HELP http_requests_total Requests answered by simulated pods.",
                         "# TYPE http_requests_total counter"]
    assert lines.count("# TYPE http_request_duration_seconds histogram") == 1
    type_at = lines.index("# TYPE http_request_duration_seconds histogram")
    assert all(line.startswith("http_requests_total{") for line in lines[2:type_at - 1])
    assert all(line.startswith("http_request_duration_seconds_") for line in lines[type_at + 1:])


def test_batches_add_up_and_counters_never_go_backwards():
    metrics = RequestMetrics()
    counts = [0] * (len(DEFAULT_BUCKETS) + 1)
    counts[1], counts[3] = 7, 3
    metrics.record(POD, counts, 0.4)
    metrics.record(POD, [0] * len(counts), 0.0)  # an empty batch changes nothing
    first = samples(metrics)
    metrics.record(POD, counts, 0.4)
    second = samples(metrics)
    for key, value in first.items():
        assert second[key] >= value, key
    assert metrics.total(service="cart") == 20
    with pytest.raises(ValueError, match="expected 15 bucket counts"):
        metrics.record(POD, [1, 2], 0.1)


def test_label_values_are_escaped():
    metrics = RequestMetrics()
    metrics.observe(POD._replace(version='a"b\\c\nd'), 0.01)
    text = metrics.render()
    assert 'version="a\\"b\\\\c\\nd"' in text
    ((_, labels, _),) = [s for s in parse_exposition(text) if s[0] == "http_requests_total"]
    assert labels["version"] == 'a"b\\c\nd'


@pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool (Debian prometheus) missing")
def test_promtool_accepts_the_exposition():
    metrics = RequestMetrics()
    metrics.observe(POD, 0.03)
    metrics.observe(POD._replace(code="500"), 2.0)
    result = subprocess.run(["promtool", "check", "metrics"], input=metrics.render(),
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stdout + result.stderr
