"""The rollout predicate must say what `kubectl rollout status` says for real Deployment bodies."""

import copy

from ansible_collections.progressive.delivery.plugins.module_utils.k8s.predicates import (
    Verdict,
    condition_is,
    deployment_rollout_status,
    object_gone,
)
from ansible_collections.progressive.delivery.tests.unit.module_utils.k8s.samples import (
    deployment_from_sequence_line,
    load_fixture,
)


def test_ready_deployment_is_rolled_out():
    verdict = deployment_rollout_status(load_fixture("deploy_after_ready.json"))
    assert verdict == Verdict(True, False, 'deployment "web-v1" successfully rolled out')


def test_scaled_up_deployment_waits_for_the_new_replica():
    # Real body right after scaling 3 -> 4: generation observed, only 3 of 4 replicas updated yet.
    verdict = deployment_rollout_status(load_fixture("deploy_just_after_scale.json"))
    assert not verdict.done and not verdict.failed
    assert verdict.message == 'Waiting for deployment "web-v1" rollout to finish: 3 out of 4 new replicas have been updated...'
    assert deployment_rollout_status(load_fixture("deploy_after_scale_ready.json")).done


def test_unobserved_generation_is_never_done_even_if_replicas_look_ready():
    # The PATCH response of an image change: generation 3, status still from generation 2 and all green.
    verdict = deployment_rollout_status(load_fixture("deploy_patch_image.json"))
    assert verdict == Verdict(False, False, "Waiting for deployment spec update to be observed...")


def test_real_rolling_update_sequence_matches_kubectl():
    lines = load_fixture("deploy_rolling_update_status_sequence.jsonl")
    verdicts = [deployment_rollout_status(deployment_from_sequence_line(line)) for line in lines]
    assert verdicts[0].message == "Waiting for deployment spec update to be observed..."
    # Surge pod running: 5 replicas, 4 updated -> one old replica still to go.
    assert verdicts[1].message == 'Waiting for deployment "web-v1" rollout to finish: 1 old replicas are pending termination...'
    assert [v.done for v in verdicts] == [False, False, True, True, True, True, True, True]
    assert not any(v.failed for v in verdicts)


def test_updated_but_unavailable_replicas_keep_waiting():
    obj = copy.deepcopy(load_fixture("deploy_after_scale_ready.json"))
    obj["status"]["availableReplicas"] = 2
    verdict = deployment_rollout_status(obj)
    assert not verdict.done
    assert "2 of 4 updated replicas are available" in verdict.message


def _with_progressing(status, reason, message="ReplicaSet \"web-v1-abc\" has timed out progressing."):
    obj = copy.deepcopy(load_fixture("deploy_just_after_scale.json"))
    for cond in obj["status"]["conditions"]:
        if cond["type"] == "Progressing":
            cond.update(status=status, reason=reason, message=message)
    return obj


def test_progress_deadline_exceeded_fails_fast():
    verdict = deployment_rollout_status(_with_progressing("False", "ProgressDeadlineExceeded"))
    assert verdict.failed and not verdict.done
    assert 'deployment "web-v1" exceeded its progress deadline' in verdict.message


def test_progressing_false_for_another_reason_fails_fast():
    verdict = deployment_rollout_status(_with_progressing("False", "ReplicaSetCreateError", "exceeded quota: pods"))
    assert verdict.failed
    assert "ReplicaSetCreateError" in verdict.message and "exceeded quota" in verdict.message


def test_deadline_on_an_unobserved_generation_is_not_judged_yet():
    # kubectl only trusts conditions once the controller has seen the current spec.
    obj = _with_progressing("False", "ProgressDeadlineExceeded")
    obj["metadata"]["generation"] = 3
    assert deployment_rollout_status(obj) == Verdict(False, False, "Waiting for deployment spec update to be observed...")


def test_paused_deployment_says_so():
    obj = copy.deepcopy(load_fixture("deploy_just_after_scale.json"))
    obj["spec"]["paused"] = True
    assert "paused" in deployment_rollout_status(obj).message


def test_missing_deployment_is_waited_for():
    assert deployment_rollout_status(None) == Verdict(False, False, "Waiting for the deployment to be created...")


def test_object_gone():
    assert object_gone(None).done
    obj = copy.deepcopy(load_fixture("deploy_after_ready.json"))
    assert not object_gone(obj).done
    obj["metadata"]["deletionTimestamp"] = "2026-11-26T09:31:00Z"
    obj["metadata"]["finalizers"] = ["foregroundDeletion"]
    verdict = object_gone(obj)
    assert not verdict.done and "foregroundDeletion" in verdict.message


def test_condition_is():
    obj = load_fixture("deploy_after_ready.json")
    assert condition_is("Available")(obj).done
    assert not condition_is("Available", "False")(obj).done
    assert condition_is("Available", True)(obj).done
    missing = condition_is("Established")(obj)
    assert not missing.done and "not reported" in missing.message
    assert not condition_is("Available")(None).done
