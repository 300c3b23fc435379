"""scale_step: one pod at a time, capacity first, target recorded before moving, no double step."""

import pytest

from ansible_collections.progressive.delivery.plugins.module_utils.k8s.errors import K8sConflictError

from ansible_collections.progressive.delivery.plugins.module_utils.release import canary_ops, step
from ansible_collections.progressive.delivery.plugins.module_utils.release import state as st
from ansible_collections.progressive.delivery.plugins.module_utils.release.errors import (
    CanaryFailed,
    InvalidArgument,
    ReleaseError,
)
from ansible_collections.progressive.delivery.tests.unit.module_utils.release.fake_cluster import CRASH


@pytest.fixture
def started(cluster, make_ctx):
    canary_ops.ensure_canary(make_ctx(), "2", image="web:2")
    return cluster


def replicas(cluster):
    return (cluster.obj("Deployment", "web")["spec"]["replicas"], cluster.obj("Deployment", "web-2")["spec"]["replicas"])


def replica_patches(cluster, since):
    return [(c[2], c[3]["spec"]["replicas"]) for c in cluster.calls[since:]
            if c[0] == "patch" and "spec" in c[3]]


def test_next_step_walks_the_method_one_pod_at_a_time(started, make_ctx):
    seen = []
    for _attempt in range(5):
        result = step.move_split(make_ctx(), next_step=True)
        seen.append((replicas(started), result["step"], result["phase"]))
    assert seen == [((3, 1), 1, st.STEADY), ((2, 2), 2, st.STEADY), ((1, 3), 3, st.STEADY),
                    ((0, 4), 4, st.STEADY), ((0, 4), 4, st.STEADY)]


def test_canary_grows_before_the_stable_shrinks(started, make_ctx):
    step.move_split(make_ctx(), canary_replicas=1)
    mark = len(started.calls)
    result = step.move_split(make_ctx(), canary_replicas=3)
    assert replica_patches(started, mark) == [("web-2", 3), ("web", 1)]
    assert result["moves"] == [{"deployment": "canary", "replicas": 3, "wait_ready": True},
                               {"deployment": "stable", "replicas": 1, "wait_ready": False}]
    assert result["before"]["stable"]["replicas"] == 3 and result["after"]["stable"]["replicas"] == 1


def test_target_is_recorded_before_anything_moves(started, make_ctx):
    mark = len(started.calls)
    step.move_split(make_ctx(), canary_replicas=2)
    patches = [c for c in started.calls[mark:] if c[0] == "patch"]
    first = patches[0][3]["metadata"]["annotations"]
    assert first[st.PHASE] == st.SCALING and first[st.TARGET] == "2"
    last = patches[-1][3]["metadata"]["annotations"]
    assert last[st.PHASE] == st.STEADY and last[st.COMPLETED_TARGET] == "2"


def test_same_target_twice_is_not_a_change(started, make_ctx):
    step.move_split(make_ctx(), weight=50)
    mark = len(started.writes())
    result = step.move_split(make_ctx(), weight=50)
    assert result["changed"] is False
    assert [w for w in started.writes()[mark:] if w[1] == "Deployment"] == []


def test_an_interrupted_step_is_finished_not_repeated(started, make_ctx):
    step.move_split(make_ctx(), next_step=True)  # (3, 1), step 1
    # A run heading for 2 canary pods died after growing the canary, before shrinking the stable.
    started.patch("apps/v1", "Deployment", "default", "web-2", {
        "spec": {"replicas": 2}, "metadata": {"annotations": st.step_started(2)}})
    result = step.move_split(make_ctx(), next_step=True)
    assert replicas(started) == (2, 2)
    assert result["step"] == 2 and result["target"] == {"stable": 2, "canary": 2}
    # ...and the next run moves on from there.
    step.move_split(make_ctx(), next_step=True)
    assert replicas(started) == (1, 3)


def test_a_rerun_replaying_explicit_targets_does_not_step_back_or_twice(started, make_ctx):
    """The role re-runs the targets from the last completed one: [1, 2] after a kill on the way to 2."""
    step.move_split(make_ctx(), canary_replicas=1)  # (3, 1), step 1
    started.patch("apps/v1", "Deployment", "default", "web-2", {
        "spec": {"replicas": 2}, "metadata": {"annotations": st.step_started(2)}})
    mark = len(started.writes())
    replayed = step.move_split(make_ctx(), canary_replicas=1)
    assert replayed["changed"] is False and replayed["step"] == 1 and "still to finish" in replayed["msg"]
    assert started.writes()[mark:] == [] and replicas(started) == (3, 2)
    resumed = step.move_split(make_ctx(), canary_replicas=2)
    assert replicas(started) == (2, 2) and resumed["step"] == 2 and resumed["phase"] == st.STEADY


def test_interrupted_after_all_moves_only_records_completion(started, make_ctx):
    started.patch("apps/v1", "Deployment", "default", "web-2", {"metadata": {"annotations": st.step_started(1)}})
    started.patch("apps/v1", "Deployment", "default", "web", {"spec": {"replicas": 3}})
    result = step.move_split(make_ctx(), next_step=True)
    assert result["moves"] == [] and result["changed"] is True
    assert replicas(started) == (3, 1) and result["step"] == 1 and result["phase"] == st.STEADY


def test_check_mode_plans_and_writes_nothing(started, make_ctx):
    mark = len(started.writes())
    result = step.move_split(make_ctx(check_mode=True), canary_replicas=2)
    assert result["plan"] == [{"deployment": "canary", "replicas": 2, "wait_ready": True},
                              {"deployment": "stable", "replicas": 2, "wait_ready": False}]
    assert started.writes()[mark:] == []


@pytest.mark.parametrize("kwargs, field", [
    ({"canary_replicas": 2, "weight": 50}, "weight"),
    ({"canary_replicas": 2, "next_step": True}, "next_step"),
    ({}, "canary_replicas"),
    ({"canary_replicas": -1}, "canary_replicas"),
    ({"canary_replicas": 5}, "canary_replicas"),
    ({"weight": 101}, "weight"),
    ({"weight": -5}, "weight"),
    ({"next_step": True, "step_size": 0}, "step_size"),
    ({"canary_replicas": 2, "order": "down_first"}, "order"),
    ({"canary_replicas": 2, "version": "3"}, "version"),
])
def test_bad_targets_are_refused_before_any_write(started, make_ctx, kwargs, field):
    mark = len(started.writes())
    with pytest.raises(InvalidArgument) as err:
        step.move_split(make_ctx(), **kwargs)
    assert err.value.field == field
    assert started.writes()[mark:] == []


def test_no_release_in_progress(cluster, make_ctx):
    with pytest.raises(ReleaseError, match="no canary release in progress"):
        step.move_split(make_ctx(), next_step=True)


def test_down_first_takes_a_stable_pod_before_adding_a_canary_pod(started, make_ctx):
    step.move_split(make_ctx(), canary_replicas=1)
    mark = len(started.calls)
    step.move_split(make_ctx(), canary_replicas=2, order="down_first", max_unavailable=1)
    assert replica_patches(started, mark) == [("web", 2), ("web-2", 2)]


def test_write_conflicts_are_sent_again_by_the_client_policy(started, make_ctx):
    started.conflicts = {"patch": 2}
    step.move_split(make_ctx(), canary_replicas=2)
    assert replicas(started) == (2, 2)
    assert not any(started.conflicts.values())


def test_a_read_answered_409_is_not_retried(started, make_ctx):
    # A real API server never answers a read with 409: it is not a transient state to wait out.
    before = replicas(started)
    started.conflicts = {"list": 1}
    with pytest.raises(K8sConflictError):
        step.move_split(make_ctx(), canary_replicas=2)
    assert replicas(started) == before


def test_a_crash_looping_canary_fails_fast_with_the_pods_reason(started, make_ctx):
    step.move_split(make_ctx(), canary_replicas=1)
    started.patch("apps/v1", "Deployment", "default", "web-2",
                  {"spec": {"template": {"metadata": {"annotations": {CRASH: "true"}}}}})
    with pytest.raises(CanaryFailed) as err:
        step.move_split(make_ctx(wait_timeout=30), canary_replicas=2)
    assert "CrashLoopBackOff" in str(err.value) and "exit code 1" in str(err.value)
    # The canary's running pod already crash-loops, so the step stops before moving anything.
    assert replicas(started) == (3, 1)
    ann = started.obj("Deployment", "web-2")["metadata"]["annotations"]
    assert ann[st.PHASE] == st.FAILED and "CrashLoopBackOff" in ann[st.LAST_ERROR]


def test_a_resumed_step_waits_for_the_interrupted_growth_before_shrinking(started, make_ctx):
    step.move_split(make_ctx(), canary_replicas=1)
    # The interrupted run grew the canary to 2, but its new pod crash-loops: never shrink the stable then.
    started.patch("apps/v1", "Deployment", "default", "web-2", {
        "spec": {"replicas": 2, "template": {"metadata": {"annotations": {CRASH: "true"}}}},
        "metadata": {"annotations": st.step_started(2)}})
    with pytest.raises(CanaryFailed):
        step.move_split(make_ctx(wait_timeout=30), next_step=True)
    assert replicas(started) == (3, 2)


def test_a_step_completed_by_a_concurrent_run_of_the_same_owner_counts_once(started, make_ctx):
    patch = started.patch

    def orphan_completes_meanwhile(api_version, kind, namespace, name, body, **kwargs):
        answer = patch(api_version, kind, namespace, name, body, **kwargs)
        if name == "web" and "spec" in body:
            # A process of an interrupted run (same lock owner) finishes this same step while we move the stable.
            canary = started.obj("Deployment", "web-2")
            patch("apps/v1", "Deployment", "default", "web-2", {"metadata": {"annotations": st.step_completed(
                st.ReleaseState.of(canary), 1)}})
        return answer

    started.patch = orphan_completes_meanwhile
    result = step.move_split(make_ctx(), canary_replicas=1)
    assert result["step"] == 1
    assert started.obj("Deployment", "web-2")["metadata"]["annotations"][st.STEP] == "1"


def test_the_gate_verdict_is_recorded_with_the_step(started, make_ctx):
    step.move_split(make_ctx(), canary_replicas=1, verdict="pass: error rate 0.1% <= 1%")
    ann = started.obj("Deployment", "web-2")["metadata"]["annotations"]
    assert ann[st.LAST_VERDICT] == "pass: error rate 0.1% <= 1%"
