"""progressive.delivery.baseline as Ansible runs it: check mode, diff, idempotence, blame."""

from ansible_collections.progressive.delivery.plugins.module_utils.release import canary_ops
from ansible_collections.progressive.delivery.plugins.module_utils.release.context import ReleaseContext
from ansible_collections.progressive.delivery.plugins.modules import baseline
from ansible_collections.progressive.delivery.tests.unit.module_utils.release.fake_cluster import (
    FakeCluster,
    app_service,
    stable_deployment,
)
from ansible_collections.progressive.delivery.tests.unit.module_utils.release.module_harness import run_module

ARGS = {"namespace": "default", "app": "web", "version": "2", "lock_owner": "tester@here", "wait_timeout": 5}


def released():
    cluster = FakeCluster()
    cluster.add(stable_deployment())
    cluster.add(app_service())
    canary_ops.ensure_canary(ReleaseContext(cluster, "default", "web", lock_owner="tester@here"), "2", image="web:2")
    return cluster


def test_check_mode_then_present_then_idempotent_then_absent(capsys, monkeypatch):
    cluster = released()
    planned = run_module(baseline, ARGS, cluster, capsys, monkeypatch, check_mode=True, diff=True)
    assert planned["changed"] is True and planned["plan"] and cluster.obj("Deployment", "web-baseline") is None
    assert planned["diff"]["after"]["baseline"] == {"name": "web-baseline", "replicas": 1, "stable_version": "1"}
    made = run_module(baseline, ARGS, cluster, capsys, monkeypatch)
    assert made["changed"] is True and made["baseline"]["ready_replicas"] == 1 and made["track"] == "baseline"
    assert "replace" not in made
    assert run_module(baseline, ARGS, cluster, capsys, monkeypatch)["changed"] is False
    removed = run_module(baseline, dict(ARGS, state="absent"), cluster, capsys, monkeypatch)
    assert removed["changed"] is True and cluster.obj("Deployment", "web-baseline") is None


def test_no_release_in_progress_is_refused_naming_the_way(capsys, monkeypatch):
    cluster = FakeCluster()
    cluster.add(stable_deployment())
    out = run_module(baseline, ARGS, cluster, capsys, monkeypatch)
    assert out["failed"] is True and "no canary release in progress" in out["msg"]
