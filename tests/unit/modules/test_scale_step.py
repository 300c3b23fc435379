"""progressive.delivery.scale_step as Ansible runs it."""

import pytest

from ansible_collections.progressive.delivery.plugins.module_utils.release import canary_ops
from ansible_collections.progressive.delivery.plugins.module_utils.release.context import ReleaseContext
from ansible_collections.progressive.delivery.plugins.modules import scale_step
from ansible_collections.progressive.delivery.tests.unit.module_utils.release.fake_cluster import (
    FakeCluster,
    app_service,
    stable_deployment,
)
from ansible_collections.progressive.delivery.tests.unit.module_utils.release.module_harness import run_module

APP = {"namespace": "default", "app": "web", "wait_timeout": 5}


@pytest.fixture
def cluster():
    c = FakeCluster()
    c.add(stable_deployment())
    c.add(app_service())
    canary_ops.ensure_canary(ReleaseContext(c, "default", "web", lock_owner="tester@here"), "2", image="web:2")
    return c


def test_weight_step_then_idempotent(cluster, capsys, monkeypatch):
    out = run_module(scale_step, dict(APP, weight=50), cluster, capsys, monkeypatch, diff=True)
    assert out["changed"] is True and out["target"] == {"stable": 2, "canary": 2} and out["step"] == 1
    assert out["diff"]["before"]["stable"]["replicas"] == 4 and out["diff"]["after"]["stable"]["replicas"] == 2
    again = run_module(scale_step, dict(APP, weight=50), cluster, capsys, monkeypatch)
    assert again["changed"] is False


def test_check_mode_returns_the_plan(cluster, capsys, monkeypatch):
    out = run_module(scale_step, dict(APP, canary_replicas=3), cluster, capsys, monkeypatch, check_mode=True)
    assert [m["deployment"] for m in out["plan"]] == ["canary", "stable"]
    assert cluster.obj("Deployment", "web")["spec"]["replicas"] == 4


def test_two_target_forms_fail_with_the_field(cluster, capsys, monkeypatch):
    out = run_module(scale_step, dict(APP, weight=10, canary_replicas=1), cluster, capsys, monkeypatch)
    assert out["failed"] and out["field"] == "weight" and "only one of" in out["msg"]


def test_another_owner_cannot_move_the_release(cluster, capsys, monkeypatch):
    out = run_module(scale_step, dict(APP, next_step=True, lock_owner="someone@else"), cluster, capsys, monkeypatch)
    assert out["failed"] and "tester@here" in out["msg"]
    assert cluster.obj("Deployment", "web")["spec"]["replicas"] == 4


def _check(ready):
    """A gate check over given data (no provider to reach): passes when every pod is ready."""
    return {"name": "pods-ready", "provider": "jmespath", "data": {"pods": [{"ready": ready}]},
            "expression": "length(pods[?ready != `true`])", "success_condition": "result == 0"}


def test_a_gated_step_moves_then_returns_the_gate_verdict(cluster, capsys, monkeypatch):
    out = run_module(scale_step, dict(APP, canary_replicas=2, checks=[_check(True)]), cluster, capsys, monkeypatch)
    assert out.get("failed") is None and out["changed"] is True and out["target"] == {"stable": 2, "canary": 2}
    assert out["gate"]["verdict"] == "pass" and out["gate"]["measurements"][0]["check"] == "pods-ready"


def test_a_failed_gate_fails_the_step_after_the_move_with_the_gates_blame(cluster, capsys, monkeypatch):
    out = run_module(scale_step, dict(APP, canary_replicas=2, checks=[_check(False)]), cluster, capsys, monkeypatch)
    assert out["failed"] is True and out["msg"].startswith("gate failed: ")
    assert (out["verdict"], out["blame"]) == ("fail", "version") and out["reason"] == out["gate"]["reason"]
    # The move happened (and is in the result), the gate judged it: the rescue rolls back from here.
    assert out["changed"] is True and cluster.obj("Deployment", "web")["spec"]["replicas"] == 2


def test_a_wrong_check_fails_before_anything_moves(cluster, capsys, monkeypatch):
    wrong = dict(_check(True), success_condition="result ==")
    out = run_module(scale_step, dict(APP, canary_replicas=2, checks=[wrong]), cluster, capsys, monkeypatch)
    assert out["failed"] and out["field"] == "checks" and "pods-ready" in out["msg"]
    assert "nothing was moved" in out["msg"] and out.get("blame") is None
    assert cluster.obj("Deployment", "web")["spec"]["replicas"] == 4
