"""Each pod's latency distribution (mean and spread from annotations) reaches the exported histogram."""
from __future__ import annotations

import random

import pytest

from fleetsim.metrics import RequestMetrics, parse_exposition
from fleetsim.traffic import ClusterTraffic, LatencyModel, PodBehaviour, TrafficGenerator

from test_traffic_generator import directory_with, pod, service


def test_latency_sigma_annotation_sets_the_spread_and_bad_values_fall_back():
    tight = PodBehaviour.from_annotations({"fleetsim.io/latency-ms": "40", "fleetsim.io/latency-sigma": "0.05"})
    assert (tight.latency.mean_s, tight.latency.sigma) == (0.04, 0.05)
    for bad in ("0", "-1", "wide", "9"):
        assert PodBehaviour.from_annotations({"fleetsim.io/latency-sigma": bad}).latency.sigma == 0.3
    # A tighter spread puts more of the answers near the mean.
    assert (LatencyModel(0.04, 0.05).cdf(0.044) - LatencyModel(0.04, 0.05).cdf(0.036)
            > LatencyModel(0.04, 0.3).cdf(0.044) - LatencyModel(0.04, 0.3).cdf(0.036))


def histogram(text, version):
    """Cumulative bucket counts by le, the sum and the count of one version's 200 answers."""
    buckets, total, count = {}, None, None
    for name, labels, value in parse_exposition(text):
        if labels.get("version") != version or labels.get("code") != "200":
            continue
        if name == "http_request_duration_seconds_bucket":
            buckets[labels["le"]] = value
        elif name == "http_request_duration_seconds_sum":
            total = value
        elif name == "http_request_duration_seconds_count":
            count = value
    return buckets, total, count


def test_each_version_exports_its_own_latency_histogram():
    directory = directory_with(
        service("cart", {"app": "cart"}),
        pod("cart-stable", {"app": "cart", "version": "v1"}, annotations={"fleetsim.io/latency-ms": "20"}),
        pod("cart-canary", {"app": "cart", "version": "v2"},
            annotations={"fleetsim.io/latency-ms": "60", "fleetsim.io/latency-sigma": "0.1"}),
    )
    metrics = RequestMetrics()
    generator = TrafficGenerator(metrics, [ClusterTraffic(directory, 200.0)], random.Random(3))
    for _ in range(50):
        generator.tick(1.0)
    text = metrics.render()
    stable, stable_sum, stable_count = histogram(text, "v1")
    canary, canary_sum, canary_count = histogram(text, "v2")
    assert stable_count == canary_count == 5_000
    assert stable["+Inf"] == stable_count and canary["+Inf"] == canary_count
    # Cumulative buckets never go down.
    bounds = sorted((b for b in stable if b != "+Inf"), key=float)
    assert all(stable[a] <= stable[b] for a, b in zip(bounds, bounds[1:]))
    assert stable_sum / stable_count == pytest.approx(0.02, rel=0.05)
    assert canary_sum / canary_count == pytest.approx(0.06, rel=0.05)
    # Most stable answers within 25 ms; the canary's (60 ms, sigma 0.1) almost all between 50 and 75 ms.
    assert stable["0.025"] / stable_count > 0.7
    assert (canary["0.075"] - canary["0.05"]) / canary_count > 0.9
