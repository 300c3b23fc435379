"""A whole canary release on fleetsim through the real Ansible module machinery, capacity watched.

canary -> every step of the method (one pod at a time) -> finish, with check mode, idempotent
re-runs and release_info along the way; the capacity watcher must see 0 instants below N.
"""

import pytest

from ansible_collections.progressive.delivery.tests.support.capacity_watcher import CapacityWatcher
from ansible_collections.progressive.delivery.tests.support.release_fleet import ReleaseFleet

CLUSTER = "app-dev-us-east1"
N = 4
APP = {"namespace": "default", "app": "web", "wait_timeout": 120}


@pytest.fixture
def rf(fleetsim_fleet, tmp_path):
    fleet = fleetsim_fleet(clock_speed=5, pod_ready_delay="2s")
    release_fleet = ReleaseFleet(fleet, CLUSTER, tmp_path)
    release_fleet.deploy(replicas=N)
    return release_fleet


def test_release_one_pod_at_a_time_then_finish(rf):
    with CapacityWatcher.in_process(rf.fleet, CLUSTER, "default", "web", floor=N) as watcher:
        planned = rf.run("canary", check=True, version="2", image="registry.example.com/web:2", **APP)
        assert planned["changed"] is True and planned["plan"] == ["create Deployment web-2", "create Service web-2"]
        assert rf.deployment("web-2") is None

        created = rf.run("canary", version="2", image="registry.example.com/web:2", **APP)
        assert created["changed"] is True and created["canary"]["ready_replicas"] == 1
        assert rf.client.get("v1", "Service", "default", "web-2")["spec"]["selector"] == {"app": "web", "version": "2"}
        assert rf.run("canary", version="2", image="registry.example.com/web:2", **APP)["changed"] is False

        info = rf.run("release_info", namespace="default", app="web")
        assert info["phase"] == "Created" and info["canary"]["name"] == "web-2" and info["stable"]["name"] == "web"
        assert info["lock"]["owner"] and info["total_replicas"] == N

        splits = []
        for expected_step in range(1, N + 1):
            result = rf.run("scale_step", version="2", next_step=True, **APP)
            assert result["changed"] is True and result["step"] == expected_step, result
            assert result["after"]["canary"]["ready_replicas"] == result["target"]["canary"]
            splits.append(rf.replicas("web", "web-2"))
        assert splits == [(3, 1), (2, 2), (1, 3), (0, 4)]

        again = rf.run("scale_step", version="2", weight=100, **APP)
        assert again["changed"] is False

        finished = rf.run("release_finish", version="2", **APP)
        assert finished["changed"] is True and finished["phase"] == "Completed"
        assert rf.deployment("web") is None and rf.client.get("v1", "Service", "default", "web-2") is None
        assert rf.run("release_finish", version="2", **APP)["changed"] is False

        info = rf.run("release_info", namespace="default", app="web")
        assert info["stable"]["name"] == "web-2" and info["stable"]["version"] == "2"
        assert info["canary"] is None and info["phase"] == "Completed" and info["lock"] is None
        assert info["ready_replicas"] == N
    report = watcher.report
    assert report.violations == [], report.describe()
    assert report.changes, "the watcher saw no readiness change at all"


def test_weight_schedule_with_diff_and_a_next_release(rf):
    with CapacityWatcher.in_process(rf.fleet, CLUSTER, "default", "web", floor=N) as watcher:
        rf.run("canary", version="2", image="registry.example.com/web:2", **APP)
        seen = []
        for weight in (10, 25, 50, 100):
            result = rf.run("scale_step", weight=weight, **APP)
            seen.append((weight, result["target"]["stable"], result["target"]["canary"]))
        # N=4: 10% -> 1 pod (at least one), 25% -> 1, 50% -> 2, 100% -> 4 (Argo Rollouts rounding)
        assert seen == [(10, 3, 1), (25, 3, 1), (50, 2, 2), (100, 0, 4)]
        rf.run("release_finish", keep_stable=True, **APP)
        assert rf.replicas("web") == (0,) and rf.annotations("web")["progressive.delivery/role"] == "retired"
        # The next release finds the finished canary as its stable.
        third = rf.run("canary", version="3", image="registry.example.com/web:3", **APP)
        assert third["stable"] == "web-2" and third["total_replicas"] == N
    assert watcher.report.violations == [], watcher.report.describe()


def test_down_first_dips_to_the_allowed_floor_and_no_lower(rf):
    with CapacityWatcher.in_process(rf.fleet, CLUSTER, "default", "web", floor=N - 1) as watcher:
        rf.run("canary", version="2", image="registry.example.com/web:2", replicas=0, **APP)
        for k in range(1, N + 1):
            rf.run("scale_step", canary_replicas=k, order="down_first", max_unavailable=1, **APP)
        assert rf.replicas("web", "web-2") == (0, N)
    report = watcher.report
    assert report.violations == [], report.describe()
    assert report.min_ready == N - 1, "down_first removes a stable pod before its replacement is Ready"
