"""progressive.delivery.release_rollback as Ansible runs it."""

from ansible_collections.progressive.delivery.plugins.module_utils.release import canary_ops, step
from ansible_collections.progressive.delivery.plugins.module_utils.release.context import ReleaseContext
from ansible_collections.progressive.delivery.plugins.modules import release_rollback
from ansible_collections.progressive.delivery.tests.unit.module_utils.release.fake_cluster import (
    FakeCluster,
    app_service,
    stable_deployment,
)
from ansible_collections.progressive.delivery.tests.unit.module_utils.release.module_harness import run_module


def test_rollback_with_reason_then_idempotent(capsys, monkeypatch):
    cluster = FakeCluster()
    cluster.add(stable_deployment())
    cluster.add(app_service())
    ctx = ReleaseContext(cluster, "default", "web", lock_owner="tester@here")
    canary_ops.ensure_canary(ctx, "2", image="web:2")
    step.move_split(ctx, canary_replicas=3)
    args = {"namespace": "default", "app": "web", "version": "2", "reason": "p99 latency gate failed",
            "wait_timeout": 5}
    out = run_module(release_rollback, args, cluster, capsys, monkeypatch, diff=True)
    assert out["changed"] is True and out["after"]["stable"]["replicas"] == 4
    assert out["diff"]["after"]["canary"] is None
    assert out["rejected_versions"]["2"]["reason"] == "p99 latency gate failed"
    again = run_module(release_rollback, args, cluster, capsys, monkeypatch)
    assert again["changed"] is False
