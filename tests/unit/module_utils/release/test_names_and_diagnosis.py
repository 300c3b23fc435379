"""Naming rules, pod diagnosis and lock decisions (pure functions)."""

import datetime

import pytest

from ansible_collections.progressive.delivery.plugins.module_utils.release import lock, names, pod_diagnosis
from ansible_collections.progressive.delivery.plugins.module_utils.release.errors import InvalidArgument, LockHeld


@pytest.mark.parametrize("value", ["2", "v2.1.0", "2024-11-26_rc1", "A" * 63])
def test_valid_label_values(value):
    assert names.check_label_value("version", value) == value


@pytest.mark.parametrize("value", ["", "2 0", "-v2", "v2-", "a" * 64, "v2/beta"])
def test_invalid_label_values_name_the_field(value):
    with pytest.raises(InvalidArgument) as err:
        names.check_label_value("version", value)
    assert err.value.field == "version"


@pytest.mark.parametrize("key, ok", [("app", True), ("app.kubernetes.io/name", True), ("", False),
                                     ("UPPER.example/x", False), ("a/b/c", False)])
def test_label_keys(key, ok):
    if ok:
        names.check_label_key("app_label", key)
    else:
        with pytest.raises(InvalidArgument):
            names.check_label_key("app_label", key)


@pytest.mark.parametrize("parts, expected", [(("web", "2"), "web-2"), (("web", "2.1.0"), "web-2-1-0"),
                                             (("web", "rc_1"), "web-rc-1")])
def test_canary_names_are_dns_labels(parts, expected):
    assert names.canary_name(*parts) == expected


def test_distinct_versions_keep_distinct_names():
    assert names.canary_name("web", "V2") != names.canary_name("web", "v2")
    long_name = names.canary_name("web", "x" * 70)
    assert len(long_name) <= 63
    names.check_object_name("service_name", long_name, dns_label=True)


def pod(name, waiting=None, ready=False, restarts=0, last=None, deleting=False):
    cs = {"name": "web", "ready": ready, "restartCount": restarts, "state": {}}
    if waiting:
        cs["state"] = {"waiting": waiting}
    else:
        cs["state"] = {"running": {}}
    if last:
        cs["lastState"] = {"terminated": last}
    meta = {"name": name}
    if deleting:
        meta["deletionTimestamp"] = "2026-11-26T12:00:00Z"
    return {"metadata": meta, "status": {"phase": "Running",
                                         "conditions": [{"type": "Ready", "status": "True" if ready else "False"}],
                                         "containerStatuses": [cs]}}


def test_crash_loop_reason_carries_the_exit_code_and_restarts():
    pods = [pod("a", ready=True),
            pod("b", waiting={"reason": "CrashLoopBackOff", "message": "back-off 20s"}, restarts=2,
                last={"exitCode": 1, "reason": "Error"})]
    text = pod_diagnosis.fatal_reason(pods)
    assert text == "pod b container web: CrashLoopBackOff: back-off 20s (last termination: exit code 1, Error), 2 restarts"


def test_image_pull_errors_are_fatal_and_container_creating_is_not():
    assert "ErrImagePull" in pod_diagnosis.fatal_reason([pod("a", waiting={"reason": "ErrImagePull"})])
    assert pod_diagnosis.fatal_reason([pod("a", waiting={"reason": "ContainerCreating"})]) is None
    assert pod_diagnosis.fatal_reason([pod("a", waiting={"reason": "CrashLoopBackOff"}, deleting=True)]) is None


def test_not_ready_summary_explains_a_failing_readiness_probe():
    text = pod_diagnosis.not_ready_summary([pod("a"), pod("b", ready=True)])
    assert text.startswith("pod a: phase Running") and "readiness probe failing" in text and "pod b" not in text


NOW = datetime.datetime(2026, 11, 26, 12, 0, tzinfo=datetime.timezone.utc)


def held(owner, minutes):
    return lock.Lock(owner, "2026-11-26T11:00:00Z", (NOW + datetime.timedelta(minutes=minutes)).strftime(
        "%Y-%m-%dT%H:%M:%SZ"))


@pytest.mark.parametrize("current, owner, take_over, expected", [
    (None, "me", False, lock.ACQUIRE),
    (held("me", 5), "me", False, lock.RENEW),
    (held("me", -5), "me", False, lock.RENEW),
    (held("other", -5), "me", True, lock.TAKE_OVER),
])
def test_lock_decisions(current, owner, take_over, expected):
    assert lock.decide(current, owner, NOW, take_over) == expected


def test_a_live_lock_is_never_taken_over():
    with pytest.raises(LockHeld) as err:
        lock.decide(held("other", 5), "me", NOW, take_over=True)
    assert "other" in str(err.value) and err.value.field == "lock_owner"


def test_a_stale_lock_needs_the_explicit_option():
    with pytest.raises(LockHeld) as err:
        lock.decide(held("other", -5), "me", NOW, take_over=False)
    assert err.value.field == "take_over_lock"
