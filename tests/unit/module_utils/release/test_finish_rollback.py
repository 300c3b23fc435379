"""release_finish and release_rollback: capacity first, then removal; the reject list; idempotence."""

import pytest

from ansible_collections.progressive.delivery.plugins.module_utils.k8s.errors import K8sConflictError
from ansible_collections.progressive.delivery.plugins.module_utils.release import (
    canary_ops,
    finish,
    info,
    lock,
    reject_list,
    rollback,
    step,
)
from ansible_collections.progressive.delivery.plugins.module_utils.release import state as st
from ansible_collections.progressive.delivery.plugins.module_utils.release.errors import ReleaseError
from ansible_collections.progressive.delivery.tests.unit.module_utils.release.fake_cluster import CRASH


@pytest.fixture
def midway(cluster, make_ctx):
    canary_ops.ensure_canary(make_ctx(), "2", image="web:2")
    step.move_split(make_ctx(), canary_replicas=2)
    return cluster


def order_of(cluster, since):
    out = []
    for c in cluster.calls[since:]:
        if c[0] == "patch" and "spec" in c[3]:
            out.append(("scale", c[2], c[3]["spec"]["replicas"]))
        elif c[0] == "delete":
            out.append(("delete", c[1], c[2]))
    return out


def test_finish_scales_the_canary_to_n_before_removing_anything(midway, make_ctx):
    mark = len(midway.calls)
    result = finish.finish_release(make_ctx(), version="2")
    assert order_of(midway, mark) == [("scale", "web-2", 4), ("delete", "Deployment", "web"),
                                      ("delete", "Service", "web-2")]
    assert result["phase"] == st.COMPLETED
    new_stable = midway.obj("Deployment", "web-2")
    assert new_stable["metadata"]["annotations"][st.ROLE] == st.ROLE_STABLE
    assert lock.Lock.of(midway.obj("ConfigMap", "web-release")) is None


def test_finish_twice_and_later_steps_are_no_ops(midway, make_ctx):
    finish.finish_release(make_ctx(), version="2")
    assert finish.finish_release(make_ctx(), version="2")["changed"] is False
    assert step.move_split(make_ctx(), next_step=True, version="2")["changed"] is False
    assert canary_ops.ensure_canary(make_ctx(), "2", image="web:2")["changed"] is False


def test_after_finish_the_next_release_finds_the_new_stable(midway, make_ctx):
    finish.finish_release(make_ctx(), version="2")
    canary_ops.ensure_canary(make_ctx(), "3", image="web:3")
    canary = midway.obj("Deployment", "web-3")
    assert canary["metadata"]["annotations"][st.STABLE_NAME] == "web-2"
    assert canary["metadata"]["annotations"][st.TOTAL_REPLICAS] == "4"


def test_finish_can_keep_the_old_stable_at_zero(midway, make_ctx):
    finish.finish_release(make_ctx(), keep_stable=True)
    old = midway.obj("Deployment", "web")
    assert old["spec"]["replicas"] == 0 and old["metadata"]["annotations"][st.ROLE] == st.ROLE_RETIRED
    view = info.describe_app(make_ctx())
    assert view["stable"]["name"] == "web-2" and [r["name"] for r in view["retired"]] == ["web"]


def test_finish_refuses_to_remove_the_stable_when_the_canary_cannot_reach_n(midway, make_ctx):
    midway.patch("apps/v1", "Deployment", "default", "web-2",
                 {"spec": {"template": {"metadata": {"annotations": {CRASH: "true"}}}}})
    with pytest.raises(ReleaseError, match="CrashLoopBackOff"):
        finish.finish_release(make_ctx(wait_timeout=30))
    assert midway.obj("Deployment", "web") is not None


def test_rollback_restores_the_stable_first_then_removes_the_canary(midway, make_ctx):
    mark = len(midway.calls)
    result = rollback.rollback_release(make_ctx(), version="2", reason="error rate 7%")
    assert order_of(midway, mark) == [("scale", "web", 4), ("delete", "Deployment", "web-2"),
                                      ("delete", "Service", "web-2")]
    assert result["rejected_versions"]["2"]["reason"] == "error rate 7%"
    assert result["after"]["stable"]["ready_replicas"] == 4
    assert lock.Lock.of(midway.obj("ConfigMap", "web-release")) is None


def test_rollback_twice_is_a_no_op_and_the_version_is_refused_after(midway, make_ctx):
    rollback.rollback_release(make_ctx(), version="2", reason="bad")
    again = rollback.rollback_release(make_ctx(), version="2")
    assert again["changed"] is False and "already rolled back" in again["msg"]
    with pytest.raises(ReleaseError, match="reject list"):
        canary_ops.ensure_canary(make_ctx(), "2", image="web:2")


def test_rollback_without_reject(midway, make_ctx):
    rollback.rollback_release(make_ctx(), reject=False)
    assert reject_list.read(midway, make_ctx().ref) == {}


def test_rollback_keeps_the_canary_when_the_stable_cannot_come_back(midway, make_ctx):
    midway.patch("apps/v1", "Deployment", "default", "web",
                 {"spec": {"template": {"metadata": {"annotations": {CRASH: "true"}}}}})
    with pytest.raises(ReleaseError):
        rollback.rollback_release(make_ctx(wait_timeout=30))
    assert midway.obj("Deployment", "web-2") is not None


def test_rollback_check_mode(midway, make_ctx):
    mark = len(midway.writes())
    result = rollback.rollback_release(make_ctx(check_mode=True))
    assert result["plan"][0] == "scale Deployment web (stable) to 4"
    assert midway.writes()[mark:] == []


def test_release_info_reports_versions_phase_step_lock_and_rejects(midway, make_ctx):
    view = info.describe_app(make_ctx())
    assert [(v["version"], v["replicas"], v["ready_replicas"]) for v in view["versions"]] == [("1", 2, 2), ("2", 2, 2)]
    assert view["stable"]["name"] == "web" and view["canary"]["name"] == "web-2"
    assert view["phase"] == st.STEADY and view["step"] == 1 and view["total_replicas"] == 4
    assert view["lock"]["owner"] == "tester@here" and view["lock"]["expired"] is False
    assert view["canary_services"] == ["web-2"] and view["services"] == ["web"]
    assert view["changed"] is False


def test_a_finish_interrupted_after_deleting_the_stable_completes_on_rerun(midway, make_ctx):
    ctx = make_ctx()
    midway.patch("apps/v1", "Deployment", "default", "web-2", {
        "spec": {"replicas": 4}, "metadata": {"annotations": {st.PHASE: st.FINISHING}}})
    midway.delete("apps/v1", "Deployment", "default", "web")
    result = finish.finish_release(ctx)
    assert result["phase"] == st.COMPLETED and midway.obj("Service", "web-2") is None
    assert midway.obj("Deployment", "web-2")["metadata"]["annotations"][st.ROLE] == st.ROLE_STABLE


def test_a_rollback_interrupted_before_deleting_the_canary_has_already_rejected(midway, make_ctx):
    midway.conflicts = {"delete": 100}  # the run dies at its first delete
    with pytest.raises(K8sConflictError):
        rollback.rollback_release(make_ctx(), reason="bad")
    midway.conflicts = {}
    assert "2" in reject_list.read(midway, make_ctx().ref)
    assert rollback.rollback_release(make_ctx())["changed"] is True
    assert midway.obj("Deployment", "web-2") is None


def test_a_fixed_canary_starts_over_after_failing_at_creation(cluster, make_ctx):
    crash = {"metadata": {"annotations": {CRASH: "true"}}}
    with pytest.raises(ReleaseError):
        canary_ops.ensure_canary(make_ctx(wait_timeout=30), "2", image="web:2", overrides=crash)
    assert cluster.obj("Deployment", "web-2")["metadata"]["annotations"][st.PHASE] == st.FAILED
    result = canary_ops.ensure_canary(make_ctx(), "2", image="web:2")
    assert result["changed"] is True and result["phase"] == st.CREATED


def test_finish_without_a_release_is_a_no_op_but_an_unknown_version_fails(cluster, make_ctx):
    assert finish.finish_release(make_ctx())["changed"] is False
    with pytest.raises(ReleaseError, match="no canary release in progress"):
        finish.finish_release(make_ctx(), version="9")


def test_a_finished_release_rolls_back_through_the_fast_rollback_window(midway, make_ctx):
    finish.finish_release(make_ctx(), keep_stable=True)
    assert rollback.rollback_release(make_ctx())["changed"] is False  # never by accident: name the version
    mark = len(midway.calls)
    result = rollback.rollback_release(make_ctx(), version="2", reason="errors after finish")
    assert order_of(midway, mark) == [("scale", "web", 4), ("delete", "Deployment", "web-2")]
    restored = midway.obj("Deployment", "web")
    assert restored["metadata"]["annotations"][st.ROLE] == st.ROLE_STABLE
    assert st.RETIRED_AT not in restored["metadata"]["annotations"]
    assert "2" in result["rejected_versions"]
    view = info.describe_app(make_ctx())
    assert view["stable"]["name"] == "web" and view["retired"] == [] and view["problems"] == []


def test_an_interrupted_window_rollback_completes_on_rerun(midway, make_ctx):
    finish.finish_release(make_ctx(), keep_stable=True)
    midway.conflicts = {"delete": 100}  # dies when removing the finished version
    with pytest.raises(K8sConflictError):
        rollback.rollback_release(make_ctx(), version="2")
    midway.conflicts = {}
    assert info.describe_app(make_ctx())["stable"]["name"] == "web"  # one stable even half-way
    assert rollback.rollback_release(make_ctx(), version="2")["changed"] is True
    assert midway.obj("Deployment", "web-2") is None
