"""A release while the API server answers a share of requests with 409 Conflict or 500 (fleetsim faults)."""

import pytest

from ansible_collections.progressive.delivery.tests.support.capacity_watcher import CapacityWatcher
from ansible_collections.progressive.delivery.tests.support.release_fleet import ReleaseFleet

CLUSTER = "app-dev-us-east1"
N = 4
APP = {"namespace": "default", "app": "web", "wait_timeout": 120}


@pytest.fixture
def rf(fleetsim_fleet, tmp_path):
    fleet = fleetsim_fleet(clock_speed=5, pod_ready_delay="2s", seed=7)
    release_fleet = ReleaseFleet(fleet, CLUSTER, tmp_path)
    release_fleet.deploy(replicas=N)
    return release_fleet


def count_injected(fleet):
    """Record the status of every fault decision of the cluster (to prove 409s were really served)."""
    faults = fleet.runtime.clusters[CLUSTER].faults
    draw, seen = faults.draw, []

    def counting_draw():
        decision = draw()
        seen.append(decision.status)
        return decision

    faults.draw = counting_draw
    return seen


def test_conflicts_and_server_errors_are_retried_through_a_whole_release(rf):
    injected = count_injected(rf.fleet)
    with CapacityWatcher.in_process(rf.fleet, CLUSTER, "default", "web", floor=N) as watcher:
        rf.fleet.set_fault(CLUSTER, error_409=0.25, error_500=0.1)
        try:
            assert rf.run("canary", version="2", image="registry.example.com/web:2", **APP)["changed"] is True
            for weight in (25, 50, 100):
                result = rf.run("scale_step", weight=weight, **APP)
                assert result.get("failed") is not True, result.get("msg")
            finished = rf.run("release_finish", **APP)
            assert finished.get("failed") is not True, finished.get("msg")
        finally:
            rf.fleet.clear_faults(CLUSTER)
        assert rf.deployment("web") is None and rf.replicas("web-2") == (N,)
    assert injected.count(409) >= 10, "too few conflicts were injected to prove anything: %d" % injected.count(409)
    assert injected.count(500) >= 3, "too few 500s were injected to prove anything: %d" % injected.count(500)
    assert watcher.report.violations == [], watcher.report.describe()
