"""baseline: fresh pods of the stable version, sized like the canary, adopted on a re-run, removed by
rollback and finish, never taken for the stable or the canary."""

import pytest

from ansible_collections.progressive.delivery.plugins.module_utils.release import (
    baseline,
    canary_ops,
    finish,
    info,
    rollback,
    scaling,
    step,
)
from ansible_collections.progressive.delivery.plugins.module_utils.release import state as st
from ansible_collections.progressive.delivery.plugins.module_utils.release.errors import (
    BaselineFailed,
    LockHeld,
    ReleaseError,
)
from ansible_collections.progressive.delivery.tests.unit.module_utils.release.fake_cluster import (
    CRASH,
    stable_deployment,
)


@pytest.fixture
def release(cluster, make_ctx):
    canary_ops.ensure_canary(make_ctx(), "2", image="web:2")
    return cluster


def deployments(cluster):
    return sorted(name for (kind, _ns, name) in cluster.objects if kind == "Deployment")


def test_the_baseline_runs_the_stable_template_with_the_track_label_sized_like_the_canary(release, make_ctx):
    result = baseline.ensure_baseline(make_ctx(), version="2")
    assert result["changed"] is True and result["name"] == "web-baseline" and result["replicas"] == 1
    assert (result["stable_version"], result["track_label"], result["track"]) == ("1", st.TRACK_LABEL, "baseline")
    made = release.obj("Deployment", "web-baseline")
    stable = release.obj("Deployment", "web")
    labels = made["spec"]["template"]["metadata"]["labels"]
    assert labels == {"app": "web", "version": "1", st.TRACK_LABEL: "baseline"}
    assert made["spec"]["selector"]["matchLabels"] == labels
    assert made["spec"]["template"]["spec"] == stable["spec"]["template"]["spec"]
    assert made["metadata"]["annotations"][st.ROLE] == st.ROLE_BASELINE
    assert made["metadata"]["annotations"][st.CANARY_NAME] == "web-2"
    assert result["baseline"]["ready_replicas"] == 1
    # It only adds pods: the stable and the canary are untouched.
    assert scaling.replicas_of(stable) == 4 and scaling.replicas_of(release.obj("Deployment", "web-2")) == 1


def test_the_baseline_follows_the_canary_and_a_rerun_adopts_it(release, make_ctx):
    baseline.ensure_baseline(make_ctx())
    step.move_split(make_ctx(), canary_replicas=3)
    mark = len(release.calls)
    result = baseline.ensure_baseline(make_ctx(), version="2")
    assert result["actions"] == ["scale Deployment web-baseline to 3 (like canary web-2)"]
    assert [c[0] for c in release.writes()[-1:]] == ["replace"] and deployments(release).count("web-baseline") == 1
    assert scaling.replicas_of(release.obj("Deployment", "web-baseline")) == 3
    again = baseline.ensure_baseline(make_ctx(), version="2")
    assert again["changed"] is False and again["actions"] == []
    assert [c for c in release.calls[mark:] if c[0] == "create" and c[1] == "Deployment"] == []


def test_a_leftover_baseline_of_another_stable_is_replaced(release, make_ctx):
    baseline.ensure_baseline(make_ctx())
    stale = release.objects[("Deployment", "default", "web-baseline")]
    stale["metadata"]["annotations"][st.STABLE_NAME] = "web-old"
    stale["spec"]["selector"]["matchLabels"]["version"] = "0"
    result = baseline.ensure_baseline(make_ctx())
    assert result["actions"][0].startswith("replace the leftover baseline web-baseline")
    made = release.obj("Deployment", "web-baseline")
    assert made["spec"]["selector"]["matchLabels"]["version"] == "1"
    assert made["metadata"]["annotations"][st.STABLE_NAME] == "web"


def test_the_baseline_is_never_the_stable_or_the_canary(release, make_ctx):
    baseline.ensure_baseline(make_ctx())
    view = make_ctx().view()
    assert [d["metadata"]["name"] for d in view.stable_candidates] == ["web"]
    assert view.canary["metadata"]["name"] == "web-2" and view.stable["metadata"]["name"] == "web"
    assert [d["metadata"]["name"] for d in view.baselines] == ["web-baseline"]
    # Even with its role annotation stripped, the pods' track label keeps it apart.
    del release.objects[("Deployment", "default", "web-baseline")]["metadata"]["annotations"][st.ROLE]
    assert [d["metadata"]["name"] for d in make_ctx().view().stable_candidates] == ["web"]
    described = info.describe_app(make_ctx())
    assert described["baseline"]["name"] == "web-baseline" and described["stable"]["name"] == "web"
    assert described["problems"] == []


def test_the_stables_pods_never_include_the_baseline_pods(release, make_ctx):
    baseline.ensure_baseline(make_ctx(), replicas=2)
    stable_pods = scaling.pods_of(release, release.obj("Deployment", "web"))
    assert len(stable_pods) == 4
    assert all(st.TRACK_LABEL not in p["metadata"]["labels"] for p in stable_pods)
    assert len(scaling.pods_of(release, release.obj("Deployment", "web-baseline"))) == 2


def test_rollback_removes_the_baseline_after_the_stable_is_back(release, make_ctx):
    baseline.ensure_baseline(make_ctx())
    step.move_split(make_ctx(), canary_replicas=2)
    plan = rollback.rollback_release(make_ctx(check_mode=True), reason="bad")["plan"]
    assert "delete Deployment web-baseline (baseline of stable version 1)" in plan
    mark = len(release.calls)
    rollback.rollback_release(make_ctx(), reason="bad")
    writes = [c[:3] for c in release.calls[mark:] if c[0] in ("patch", "delete")]
    assert writes.index(("delete", "Deployment", "web-baseline")) > writes.index(("patch", "Deployment", "web"))
    assert deployments(release) == ["web"]


def test_finish_removes_the_baseline_once_the_canary_is_at_n(release, make_ctx):
    baseline.ensure_baseline(make_ctx())
    finish.finish_release(make_ctx(), version="2")
    assert deployments(release) == ["web-2"]


def test_a_rollback_with_nothing_in_progress_removes_a_leftover_baseline(release, make_ctx):
    baseline.ensure_baseline(make_ctx())
    # A run killed between deleting the canary and the baseline (an older order) left it alone.
    del release.objects[("Deployment", "default", "web-2")]
    result = rollback.rollback_release(make_ctx(), reason="cleanup")
    assert result["changed"] is True
    assert result["actions"] == ["delete Deployment web-baseline (baseline of stable version 1)"]
    assert deployments(release) == ["web"]


def test_state_absent_removes_only_the_baseline_and_check_mode_writes_nothing(release, make_ctx):
    baseline.ensure_baseline(make_ctx())
    mark = len(release.writes())
    planned = baseline.remove_baseline(make_ctx(check_mode=True))
    assert planned["plan"] == ["delete Deployment web-baseline (baseline of stable version 1)"]
    assert len(release.writes()) == mark
    assert baseline.remove_baseline(make_ctx())["changed"] is True
    assert deployments(release) == ["web", "web-2"]
    assert baseline.remove_baseline(make_ctx())["changed"] is False


def test_check_mode_plans_the_baseline_without_writing(release, make_ctx):
    mark = len(release.writes())
    result = baseline.ensure_baseline(make_ctx(check_mode=True))
    assert result["plan"] == ["create Deployment web-baseline: 1 pod(s) of stable version 1, track baseline"]
    assert len(release.writes()) == mark


def test_refusals_no_release_someone_elses_name_another_run(cluster, make_ctx):
    with pytest.raises(ReleaseError, match="no canary release in progress"):
        baseline.ensure_baseline(make_ctx())
    canary_ops.ensure_canary(make_ctx(), "2", image="web:2")
    foreign = stable_deployment(name="web-baseline", app="other")
    cluster.add(foreign)
    with pytest.raises(ReleaseError, match="is not the baseline of app web"):
        baseline.ensure_baseline(make_ctx())
    del cluster.objects[("Deployment", "default", "web-baseline")]
    with pytest.raises(LockHeld):
        baseline.ensure_baseline(make_ctx(lock_owner="someone-else"))


def test_baseline_pods_that_never_get_ready_blame_the_evidence(release, make_ctx):
    template = release.objects[("Deployment", "default", "web")]["spec"]["template"]
    template["metadata"]["annotations"] = {CRASH: "yes"}
    with pytest.raises(BaselineFailed) as failed:
        baseline.ensure_baseline(make_ctx())
    assert failed.value.blame == "evidence" and "did not get Ready" in failed.value.message
