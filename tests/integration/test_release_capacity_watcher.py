"""The capacity watcher on a live fleetsim cluster: it must catch a real drop, or its 0 means nothing."""

import pytest

from ansible_collections.progressive.delivery.tests.support.capacity_watcher import CapacityWatcher
from ansible_collections.progressive.delivery.tests.support.release_fleet import ReleaseFleet

CLUSTER = "app-dev-us-east1"
N = 4


@pytest.fixture
def rf(fleetsim_fleet, tmp_path):
    fleet = fleetsim_fleet(clock_speed=5, pod_ready_delay="2s")
    release_fleet = ReleaseFleet(fleet, CLUSTER, tmp_path)
    release_fleet.deploy(replicas=N)
    return release_fleet


@pytest.mark.parametrize("source", ["in_process", "over_http"])
def test_scaling_down_without_replacement_is_caught(rf, source):
    if source == "in_process":
        watcher = CapacityWatcher.in_process(rf.fleet, CLUSTER, "default", "web", floor=N)
    else:
        watcher = CapacityWatcher.over_http(rf.client, "default", "web", floor=N)
    with watcher:
        assert watcher.ledger.initial_ready == N
        rf.client.patch("apps/v1", "Deployment", "default", "web", {"spec": {"replicas": N - 1}})
        rf.wait_for(lambda: watcher.ledger.violations, timeout=30, what="the watcher to see the drop")
    report = watcher.report
    assert report.violations and report.violations[0]["ready"] == N - 1 and report.min_ready == N - 1
    assert report.violations[0]["version"] == "1"
