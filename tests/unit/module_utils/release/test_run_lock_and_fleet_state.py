"""A lock per run, the step schedule and the fleet-wide release state: the decisions the roles branch on."""

import datetime
import os
import socket
import subprocess
import sys

import pytest

from ansible_collections.progressive.delivery.plugins.module_utils.release import fleet_state, lock, run_identity
from ansible_collections.progressive.delivery.plugins.module_utils.release import schedule
from ansible_collections.progressive.delivery.plugins.module_utils.release.errors import InvalidArgument, LockHeld

NOW = datetime.datetime(2026, 12, 7, 12, 0, tzinfo=datetime.timezone.utc)
HOST = socket.gethostname()


def held(owner, minutes, run=None):
    expires = (NOW + datetime.timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return lock.Lock(owner, "2026-12-07T11:50:00Z", expires, run)


def live_run():
    return run_identity.process_run_id(os.getpid())


def dead_run():
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    run = run_identity.process_run_id(proc.pid)
    proc.wait()
    return run


def test_the_holding_run_renews_and_a_second_live_run_of_the_same_owner_is_refused_naming_it():
    holder = live_run()
    assert lock.decide(held("ops@ctl", 5, holder), "ops@ctl", NOW, run=holder) == lock.RENEW
    with pytest.raises(LockHeld) as err:
        lock.decide(held("ops@ctl", 5, holder), "ops@ctl", NOW, run="awx-job:2")
    assert "another run of this release is in progress" in err.value.message
    assert "ansible-playbook process %d on %s" % (os.getpid(), HOST) in err.value.message
    assert "2026-12-07T11:50:00Z" in err.value.message and err.value.field == "lock_run"
    assert err.value.blame == "lock"


def test_a_run_takes_over_the_lock_of_its_owners_dead_or_expired_run():
    assert lock.decide(held("ops@ctl", 5, dead_run()), "ops@ctl", NOW, run="awx-job:7") == lock.TAKE_OVER
    assert lock.decide(held("ops@ctl", -1, "awx-job:6"), "ops@ctl", NOW, run="awx-job:7") == lock.TAKE_OVER


def test_runs_elsewhere_or_of_awx_are_alive_until_their_lock_expires():
    elsewhere = "process:another-controller:1:1"
    assert run_identity.is_gone(elsewhere) is False and run_identity.is_gone("awx-job:5") is False
    with pytest.raises(LockHeld):
        lock.decide(held("ops@ctl", 5, "awx-job:5"), "ops@ctl", NOW, run="awx-job:6")


def test_a_caller_without_a_run_is_any_run_of_its_owner_and_another_owner_needs_take_over():
    assert lock.decide(held("ops@ctl", 5, live_run()), "ops@ctl", NOW) == lock.RENEW
    with pytest.raises(LockHeld) as err:
        lock.decide(held("other", 5, "awx-job:1"), "ops@ctl", NOW, run="awx-job:2", take_over=True)
    assert err.value.field == "lock_owner"


def test_a_reused_pid_is_not_the_old_run():
    pid, start = os.getpid(), run_identity.process_start_ticks(os.getpid())
    assert run_identity.is_gone("process:%s:%d:%d" % (HOST, pid, start)) is False
    assert run_identity.is_gone("process:%s:%d:%d" % (HOST, pid, start - 1)) is True


@pytest.mark.parametrize("total, kwargs, completed, expected", [
    (3, {}, 0, [1, 2, 3]),
    (3, {}, 2, [2, 3]),
    (10, {"step_size": 4}, 0, [4, 8, 10]),
    (10, {"strategy": "weights", "weights": [10, 25, 50, 100]}, 0, [1, 3, 5, 10]),
    (3, {"strategy": "weights", "weights": [10, 50, 100]}, 0, [1, 2, 3]),
    (4, {"strategy": "weights", "weights": [25, 50, 100]}, 2, [2, 4]),
])
def test_step_targets(total, kwargs, completed, expected):
    assert schedule.targets(total, completed=completed, **kwargs) == expected


@pytest.mark.parametrize("kwargs, field, words", [
    ({"step_size": 0}, "step_size", "must be 1 or more"),
    ({"strategy": "weights", "weights": [50, 25, 100]}, "step_weights", "must be increasing"),
    ({"strategy": "weights", "weights": [10, 50]}, "step_weights", "must end at 100"),
    ({"strategy": "weights", "weights": [0, 100]}, "step_weights", "from 1 to 100"),
    ({"strategy": "weights", "weights": []}, "step_weights", "at least one weight"),
])
def test_a_schedule_that_cannot_be_stepped_names_the_one_broken_rule(kwargs, field, words):
    with pytest.raises(InvalidArgument) as err:
        schedule.targets(4, **kwargs)
    rules = ("must be 1 or more", "must be increasing", "must end at 100", "from 1 to 100", "at least one weight")
    assert err.value.field == field and words in err.value.message
    assert [rule for rule in rules if rule in err.value.message] == [words]


def described(stable_version="2", ready=3, replicas=3, canary=None, rejected=None, since="2026-12-07T11:00:00Z"):
    stable = {"version": stable_version, "replicas": replicas, "ready_replicas": ready}
    return {"exists": True, "stable": stable, "canary": {"version": canary, "replicas": 1} if canary else None,
            "phase": "Steady" if canary else None, "step": 1 if canary else None, "stable_since": since,
            "rejected_versions": rejected or {}, "lock": None, "frozen": None, "problems": []}


def test_a_cluster_sums_up_in_the_release_s_words():
    s = fleet_state.summarize(described(), "2", now=NOW)
    assert (s["promoted"], s["healthy"], s["ready"], s["age_seconds"]) == (True, True, "3/3", 3600)
    split = fleet_state.summarize(described(stable_version="1", canary="2"), "2", now=NOW)
    assert (split["promoted"], split["canary"], split["split"]) == (False, "2", "3/1")
    refused = fleet_state.summarize(described(stable_version="1", rejected={"2": {"reason": "gate failed"}}), "2")
    assert refused["rejected"] == "gate failed"


def test_promotion_needs_all_clusters_healthy_and_counts_the_soak_from_the_last():
    states = {"eu": fleet_state.summarize(described(since="2026-12-07T11:50:00Z"), "2", now=NOW),
              "us": fleet_state.summarize(described(since="2026-12-07T11:00:00Z"), "2", now=NOW)}
    decided = fleet_state.promotion(states, "2", "all", soak_seconds=900)
    assert decided["passed"] and decided["age_seconds"] == 600 and decided["wait_seconds"] == 300
    states["us"] = fleet_state.summarize(described(ready=2), "2", now=NOW)
    refused = fleet_state.promotion(states, "2", "all", soak_seconds=900)
    assert not refused["passed"] and "us has 2/3 pods Ready" in refused["reason"]
    anyone = fleet_state.promotion(states, "2", "any", soak_seconds=900)
    assert anyone["passed"] and anyone["eligible"] == ["eu"]


def test_the_plan_starts_at_the_first_environment_not_verified_everywhere():
    ok = fleet_state.summarize(described(), "2", now=NOW)
    old = fleet_state.summarize(described(stable_version="1"), "2", now=NOW)
    states = {"dev-eu": ok, "dev-us": ok, "prod-eu": old}
    assert fleet_state.first_pending({"dev": ["dev-eu", "dev-us"], "prod": ["prod-eu"]}, states) == 1
    assert fleet_state.first_pending({"dev": ["dev-eu"]}, states) == 1
