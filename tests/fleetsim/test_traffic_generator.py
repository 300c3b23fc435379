"""Simulated user traffic: counts per tick, spread over ready pods, error rates and latencies."""
from __future__ import annotations

import random
import types

import pytest

from fleetsim.metrics import DEFAULT_BUCKETS, RequestMetrics
from fleetsim.traffic import (ClusterTraffic, LatencyModel, PodBehaviour, ServiceDirectory,
                              TrafficGenerator, UnknownService)

SERVICES = types.SimpleNamespace(group="", plural="services")
PODS = types.SimpleNamespace(group="", plural="pods")


def service(name, selector, namespace="shop", annotations=None):
    return {"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": name, "namespace": namespace, "annotations": annotations or {}},
            "spec": {"selector": selector, "ports": [{"port": 80}]}}


def pod(name, labels, ready=True, annotations=None, namespace="shop", terminating=False):
    meta = {"name": name, "namespace": namespace, "labels": labels,
            "annotations": annotations or {}}
    if terminating:
        meta["deletionTimestamp"] = "2026-01-01T00:00:00Z"
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta,
            "status": {"phase": "Running" if ready else "Pending",
                       "conditions": [{"type": "Ready", "status": "True" if ready else "False"}]}}


def directory_with(*objects):
    directory = ServiceDirectory("web-dev-us-east1")
    for obj in objects:
        directory.on_change("ADDED", SERVICES if obj["kind"] == "Service" else PODS, obj)
    return directory


def test_only_ready_non_terminating_pods_matching_the_selector_are_endpoints():
    directory = directory_with(
        service("cart", {"app": "cart"}),
        pod("cart-a-1", {"app": "cart", "version": "v1"}),
        pod("cart-a-2", {"app": "cart", "version": "v1"}, ready=False),
        pod("cart-a-3", {"app": "cart", "version": "v1"}, terminating=True),
        pod("other-1", {"app": "other"}),
        pod("cart-x", {"app": "cart"}, namespace="elsewhere"),
    )
    assert [e.pod for e in directory.ready_endpoints("shop", "cart")] == ["cart-a-1"]
    directory.on_change("MODIFIED", PODS, pod("cart-a-2", {"app": "cart", "version": "v2"}))
    assert [(e.pod, e.version) for e in directory.ready_endpoints("shop", "cart")] == [
        ("cart-a-1", "v1"), ("cart-a-2", "v2")]
    directory.on_change("DELETED", PODS, pod("cart-a-1", {"app": "cart"}))
    assert [e.pod for e in directory.ready_endpoints("shop", "cart")] == ["cart-a-2"]
    with pytest.raises(UnknownService):
        directory.ready_endpoints("shop", "nope")


def test_round_robin_over_ready_endpoints():
    directory = directory_with(service("cart", {"app": "cart"}),
                               pod("a", {"app": "cart"}), pod("b", {"app": "cart"}))
    picks = [directory.next_endpoint("shop", "cart").pod for _ in range(4)]
    assert picks == ["a", "b", "a", "b"]
    directory.on_change("DELETED", SERVICES, service("cart", {}))
    assert not directory.has_service("shop", "cart")


def test_pod_behaviour_from_annotations_and_bad_values_fall_back_to_defaults():
    good = PodBehaviour.from_annotations({"fleetsim.io/error-rate": "0.05",
                                          "fleetsim.io/latency-ms": "80"})
    assert (good.error_rate, good.latency.mean_s) == (0.05, 0.08)
    bad = PodBehaviour.from_annotations({"fleetsim.io/error-rate": "lots",
                                         "fleetsim.io/latency-ms": "-3"})
    assert (bad.error_rate, bad.latency.mean_s) == (0.0, 0.02)


def test_latency_batches_follow_the_distribution():
    rng = random.Random(7)
    model = LatencyModel(0.08)
    counts, total = model.batch(100_000, rng)
    assert len(counts) == len(DEFAULT_BUCKETS) + 1
    assert sum(counts) == 100_000
    assert total / 100_000 == pytest.approx(0.08, rel=0.01)
    # Almost everything between 25 ms and 250 ms, half of it at or below 75 ms (the median).
    assert sum(counts[3:7]) > 99_000
    at_or_below_75ms = sum(counts[:DEFAULT_BUCKETS.index(0.075) + 1]) / 100_000
    assert at_or_below_75ms == pytest.approx(model.cdf(0.075), abs=0.01)
    assert 0.4 < at_or_below_75ms < 0.55
    single = [model.sample(rng) for _ in range(2000)]
    assert sum(single) / len(single) == pytest.approx(0.08, rel=0.05)


def test_traffic_rate_is_exact_spread_evenly_and_errors_follow_the_annotation():
    directory = directory_with(
        service("cart", {"app": "cart"}),
        pod("cart-a", {"app": "cart", "version": "v1"}),
        pod("cart-b", {"app": "cart", "version": "v2"},
            annotations={"fleetsim.io/error-rate": "0.2"}),
        service("idle", {"app": "idle"}),  # no pods: no traffic, no series
        service("headless", {}),
    )
    metrics = RequestMetrics()
    generator = TrafficGenerator(metrics, [ClusterTraffic(directory, 100.0)], random.Random(1))
    for _ in range(100):
        generator.tick(1.0)
    assert metrics.total(service="cart") == 10_000
    assert metrics.total(version="v1") == 5_000
    assert metrics.total(version="v2") == 5_000
    assert metrics.total(version="v1", code="500") == 0
    assert metrics.total(version="v2", code="500") / 5_000 == pytest.approx(0.2, abs=0.02)
    assert metrics.total(service="idle") == 0
    assert 'cluster="web-dev-us-east1"' in metrics.render()


def test_fractional_requests_carry_over_and_services_can_override_the_rate():
    directory = directory_with(
        service("slow", {"app": "slow"}),
        pod("slow-1", {"app": "slow"}),
        service("busy", {"app": "busy"}, annotations={"fleetsim.io/requests-per-second": "40"}),
        pod("busy-1", {"app": "busy"}),
    )
    metrics = RequestMetrics()
    generator = TrafficGenerator(metrics, [ClusterTraffic(directory, 0.3)], random.Random(2))
    for _ in range(10):
        generator.tick(1.0)
    assert metrics.total(service="slow") == 3  # 0.3/s over 10 s, nothing lost to rounding
    assert metrics.total(service="busy") == 400
    generator.tick(0.0)
    assert metrics.total() == 403


def test_a_baseline_pods_track_label_becomes_the_track_metric_label_and_other_pods_carry_none():
    directory = directory_with(
        service("cart", {"app": "cart"}),
        pod("cart-1", {"app": "cart", "version": "v1"}),
        pod("cart-baseline-1", {"app": "cart", "version": "v1", "progressive.delivery/track": "baseline"}),
    )
    metrics = RequestMetrics()
    TrafficGenerator(metrics, [ClusterTraffic(directory, 10.0)], random.Random(1)).tick(1.0)
    text = metrics.render()
    assert 'pod="cart-baseline-1",code="200",track="baseline"}' in text
    assert 'pod="cart-1",code="200"}' in text and 'track=""' not in text
    assert metrics.total(track="baseline") == 5 and metrics.total(version="v1") == 10
