"""A step interrupted by killing ansible mid-wait, then run again: right state, no double step."""

import pytest

from ansible_collections.progressive.delivery.tests.support.capacity_watcher import CapacityWatcher
from ansible_collections.progressive.delivery.tests.support.release_fleet import ReleaseFleet

CLUSTER = "app-dev-us-east1"
N = 4
APP = {"namespace": "default", "app": "web", "wait_timeout": 300}
# Canary pods take 30 simulated seconds to become Ready (6 s at clock speed 5): time to kill mid-wait.
SLOW = {"metadata": {"annotations": {"fleetsim.io/ready-after": "30s"}}}


@pytest.fixture
def rf(fleetsim_fleet, tmp_path):
    fleet = fleetsim_fleet(clock_speed=5, pod_ready_delay="2s")
    release_fleet = ReleaseFleet(fleet, CLUSTER, tmp_path)
    release_fleet.deploy(replicas=N)
    return release_fleet


def test_killed_mid_wait_then_rerun_finishes_the_same_step(rf):
    with CapacityWatcher.in_process(rf.fleet, CLUSTER, "default", "web", floor=N) as watcher:
        rf.run("canary", version="2", image="registry.example.com/web:2", template_overrides=SLOW, **APP)
        rf.run("scale_step", next_step=True, **APP)
        assert rf.replicas("web", "web-2") == (3, 1)

        proc = rf.start("scale_step", next_step=True, **APP)
        # Wait until the step recorded its target and grew the canary, then kill it while it waits.
        rf.wait_for(lambda: rf.annotations("web-2").get("progressive.delivery/phase") == "Scaling"
                    and rf.replicas("web-2") == (2,), what="the step to start")
        assert proc.poll() is None, "the step finished before it could be interrupted"
        rf.kill(proc)
        # Once the canary's new pod is Ready nobody shrinks the stable: the step really was interrupted.
        rf.wait_for(lambda: (rf.deployment("web-2").get("status") or {}).get("readyReplicas") == 2,
                    what="the canary's second pod")
        assert rf.replicas("web", "web-2") == (3, 2)
        assert rf.annotations("web-2")["progressive.delivery/phase"] == "Scaling"
        assert rf.annotations("web-2")["progressive.delivery/target-canary-replicas"] == "2"

        resumed = rf.run("scale_step", next_step=True, **APP)
        assert resumed["target"] == {"stable": 2, "canary": 2}, resumed
        assert resumed["step"] == 2 and rf.replicas("web", "web-2") == (2, 2), resumed

        following = rf.run("scale_step", next_step=True, **APP)
        assert following["step"] == 3 and rf.replicas("web", "web-2") == (1, 3)
    assert watcher.report.violations == [], watcher.report.describe()


def test_a_second_run_with_another_owner_cannot_move_the_release(rf):
    rf.run("canary", version="2", image="registry.example.com/web:2", lock_owner="pipeline-a", **APP)
    refused = rf.run("scale_step", next_step=True, lock_owner="pipeline-b", **APP)
    assert refused.get("failed") is True and refused["field"] == "lock_owner" and "pipeline-a" in refused["msg"]
    assert rf.replicas("web", "web-2") == (N, 1)
    info = rf.run("release_info", namespace="default", app="web")
    assert info["lock"]["owner"] == "pipeline-a" and info["lock"]["expired"] is False
    moved = rf.run("scale_step", next_step=True, lock_owner="pipeline-a", **APP)
    assert moved["step"] == 1 and rf.replicas("web", "web-2") == (3, 1)
    rf.run("release_finish", lock_owner="pipeline-a", **APP)
    assert rf.run("release_info", namespace="default", app="web")["lock"] is None
