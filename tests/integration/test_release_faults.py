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
    """The statuses the cluster answered with from now on (to prove the faults were really served)."""
    requests = fleet.runtime.clusters[CLUSTER].server.requests
    requests.clear()
    return requests


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
    served = injected.snapshot()
    conflicts = [r for r in served if r.status == 409 and r.is_write]
    errors = [r for r in served if r.status == 500]
    # 409 goes to writes only (as from a real API server), 500 to any request.
    assert len(conflicts) >= 2, "too few conflicts were served to prove anything: %d" % len(conflicts)
    assert len(errors) >= 3, "too few 500s were served to prove anything: %d" % len(errors)
    assert watcher.report.violations == [], watcher.report.describe()
