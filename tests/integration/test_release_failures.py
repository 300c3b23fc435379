"""Failing canaries on fleetsim: fail fast with the pod's own reason, roll back, reject the version."""

import time

import pytest

from ansible_collections.progressive.delivery.tests.support.capacity_watcher import CapacityWatcher
from ansible_collections.progressive.delivery.tests.support.release_fleet import ReleaseFleet

CLUSTER = "app-dev-us-east1"
N = 4
APP = {"namespace": "default", "app": "web", "wait_timeout": 300}


@pytest.fixture
def rf(fleetsim_fleet, tmp_path):
    fleet = fleetsim_fleet(clock_speed=5, pod_ready_delay="2s")
    release_fleet = ReleaseFleet(fleet, CLUSTER, tmp_path)
    release_fleet.deploy(replicas=N)
    return release_fleet


def test_crash_looping_canary_fails_fast_then_rolls_back_and_is_rejected(rf):
    crash = {"metadata": {"annotations": {"fleetsim.io/crash-loop": "true"}}}
    with CapacityWatcher.in_process(rf.fleet, CLUSTER, "default", "web", floor=N) as watcher:
        started = time.monotonic()
        failed = rf.run("canary", version="2", image="registry.example.com/web:2", template_overrides=crash, **APP)
        elapsed = time.monotonic() - started
        assert failed.get("failed") is True
        assert "CrashLoopBackOff" in failed["msg"] and "exit code" in failed["msg"], failed["msg"]
        assert elapsed < 60, "failed after %.0fs: not fast (wait_timeout is 300s)" % elapsed

        info = rf.run("release_info", namespace="default", app="web")
        assert info["phase"] == "Failed" and "CrashLoopBackOff" in info["release"]["last_error"]

        rolled = rf.run("release_rollback", version="2", reason="canary crash-looping", **APP)
        assert rolled["changed"] is True and rolled["after"]["stable"]["ready_replicas"] == N
        assert rf.deployment("web-2") is None
        assert rolled["rejected_versions"]["2"]["reason"] == "canary crash-looping"

        refused = rf.run("canary", version="2", image="registry.example.com/web:2", **APP)
        assert refused.get("failed") is True and refused["field"] == "version" and "reject list" in refused["msg"]
    assert watcher.report.violations == [], watcher.report.describe()


def test_a_step_to_an_unpullable_image_fails_with_the_pull_error_and_keeps_capacity(rf):
    with CapacityWatcher.in_process(rf.fleet, CLUSTER, "default", "web", floor=N) as watcher:
        rf.run("canary", version="2", image="registry.example.com/web:2-does-not-exist", wait=False, **APP)
        result = rf.run("scale_step", canary_replicas=2, **APP)
        assert result.get("failed") is True
        assert "ErrImagePull" in result["msg"] or "ImagePullBackOff" in result["msg"], result["msg"]
        # The canary's first pod already fails to pull: the step stops before moving anything.
        assert rf.replicas("web", "web-2") == (N, 1)
        rolled = rf.run("release_rollback", **APP)
        assert rolled["changed"] is True and rf.replicas("web") == (N,)
    assert watcher.report.violations == [], watcher.report.describe()


def test_rollback_mid_release_restores_the_stable_before_removing_the_canary(rf):
    with CapacityWatcher.in_process(rf.fleet, CLUSTER, "default", "web", floor=N) as watcher:
        rf.run("canary", version="2", image="registry.example.com/web:2", **APP)
        rf.run("scale_step", canary_replicas=3, **APP)
        assert rf.replicas("web", "web-2") == (1, 3)
        planned = rf.run("release_rollback", check=True, **APP)
        assert planned["plan"][0] == "scale Deployment web (stable) to 4" and rf.replicas("web") == (1,)
        rolled = rf.run("release_rollback", reason="error rate gate failed", **APP)
        assert rolled["changed"] is True and rf.replicas("web") == (N,) and rf.deployment("web-2") is None
        assert rf.run("release_rollback", **APP)["changed"] is False
    report = watcher.report
    assert report.violations == [], report.describe()
    assert any(c["version"] == "2" and not c["ready"] for c in report.changes)


def test_a_never_ready_canary_fails_at_its_progress_deadline_with_the_probe_message(rf):
    never_ready = {"metadata": {"annotations": {"fleetsim.io/never-ready": "true"}}}
    with CapacityWatcher.in_process(rf.fleet, CLUSTER, "default", "web", floor=N) as watcher:
        started = time.monotonic()
        failed = rf.run("canary", version="2", image="registry.example.com/web:2", template_overrides=never_ready,
                        progress_deadline_seconds=30, **APP)
        elapsed = time.monotonic() - started
        assert failed.get("failed") is True
        assert "progress deadline" in failed["msg"] and "Readiness probe failed" in failed["msg"], failed["msg"]
        assert elapsed < 90, "failed after %.0fs: the deadline (30 simulated s) did not end the wait" % elapsed
        rf.run("release_rollback", reason=failed["msg"][:200], **APP)
        assert rf.replicas("web") == (N,) and rf.deployment("web-2") is None
    assert watcher.report.violations == [], watcher.report.describe()


def test_a_finished_release_rolls_back_through_the_kept_stable(rf):
    with CapacityWatcher.in_process(rf.fleet, CLUSTER, "default", "web", floor=N) as watcher:
        rf.run("canary", version="2", image="registry.example.com/web:2", **APP)
        rf.run("release_finish", version="2", keep_stable=True, **APP)
        assert rf.replicas("web", "web-2") == (0, N)
        rolled = rf.run("release_rollback", version="2", reason="errors after finish", **APP)
        assert rolled["changed"] is True, rolled
        assert rf.replicas("web") == (N,) and rf.deployment("web-2") is None
        info = rf.run("release_info", namespace="default", app="web")
        assert info["stable"]["name"] == "web" and info["stable"]["ready_replicas"] == N
        assert "2" in info["rejected_versions"]
    assert watcher.report.violations == [], watcher.report.describe()
