"""Interruption and concurrency of playbooks/release.yml.

- SIGKILL of ansible-playbook (and every worker under it) at random moments of a multi-cluster
  release, each followed by a re-run: every trial ends with the new version everywhere, a consistent
  state right after the kill (promoted, rolled back, or split with the release record on the
  cluster), and 0 capacity violations. Trial count and cluster count: RELIABILITY_SIGKILL_TRIALS
  (20) and RELIABILITY_SIGKILL_CLUSTERS (9); moments drawn from RELIABILITY_SEED.
- Two runs on the same app: the second stops with a message about the lock; a stale lock (its
  owner killed, expiry passed) is taken over only with take_over_lock.
"""

import datetime
import json
import os
import random
import time

import pytest

from ansible_collections.progressive.delivery.tests.reliability import results
from ansible_collections.progressive.delivery.tests.reliability.release_harness import NAMESPACE, ReleaseHarness
from ansible_collections.progressive.delivery.tests.reliability.scenario_support import (
    SIGKILL_REGIONS, SIGKILL_TRIALS, consistent_state_problems, end_state_problems, regions)
from ansible_collections.progressive.delivery.tests.support.release_fleet import ReleaseFleet

LOCK_ANNOTATION = "progressive.delivery/lock"


def test_sigkill_at_random_moments_then_rerun(fleetsim_fleet, prometheus, tmp_path):
    seed = int(os.environ.get("RELIABILITY_SEED", "20261126"))
    rng = random.Random(seed)
    name = "interruption: SIGKILL at random moments + re-run (%d clusters)" % SIGKILL_REGIONS
    harness = ReleaseHarness(fleetsim_fleet, prometheus, tmp_path, regions=regions(SIGKILL_REGIONS), seed=5)
    # An uninterrupted release measures how long one takes: the kill moments are drawn within it.
    started = time.monotonic()
    baseline = harness.run("2")
    duration = time.monotonic() - started
    assert baseline.returncode == 0, (baseline.stdout + baseline.stderr)[-4000:]
    assert [harness.steps_taken(c.name, "2") for c in harness.members] == [harness.replicas] * len(harness.members), \
        "the step counter does not count one step per pod; the double-step check would be meaningless"
    passed, failures, moments = 0, [], []
    for trial in range(SIGKILL_TRIALS):
        version = str(trial + 3)
        moment = rng.uniform(1.0, duration * 0.9)
        moments.append(round(moment, 1))
        proc = harness.start(version, log=str(tmp_path / ("killed-%s.log" % version)))
        time.sleep(moment)
        finished_before_kill = proc.poll() is not None
        if not finished_before_kill:
            ReleaseFleet.kill(proc)
        problems = consistent_state_problems(harness)
        rerun = harness.run(version)
        if rerun.returncode != 0:
            problems.append("re-run rc %d: %s" % (rerun.returncode, (rerun.stdout + rerun.stderr)[-1500:]))
        problems += end_state_problems(harness, version)
        # One pod per step: exactly N steps per cluster, none taken twice across the kill.
        problems += ["%s: %s steps for %d pods" % (c.name, harness.steps_taken(c.name, version), harness.replicas)
                     for c in harness.members if harness.steps_taken(c.name, version) != harness.replicas]
        if problems:
            failures.append("trial %d (kill at %.1fs): %s" % (trial, moment, problems))
        else:
            passed += 1
    violations = harness.violations()
    results.record(name, SIGKILL_TRIALS, passed, len(violations),
                   "release takes %.0fs; kill moments (s): %s; seed %d" % (duration, moments, seed))
    harness.close()
    assert failures == [], "\n".join(failures)
    assert violations == [], violations


def wait_for(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.3)
    raise AssertionError("timed out waiting for " + what)


def lock_owner(harness, cluster):
    record = harness.release_record(cluster) or {}
    raw = ((record.get("metadata") or {}).get("annotations") or {}).get(LOCK_ANNOTATION)
    return json.loads(raw)["owner"] if raw else None


def test_two_runs_and_the_lock(fleetsim_fleet, prometheus, tmp_path):
    """The refusals must change nothing (asserted); their messages must name the lock holder or the
    take-over option: where the role loses that message, the test ends as xfail naming the run."""
    with results.scenario("concurrency: two runs on one app, lock and stale-lock take-over") as row:
        harness = ReleaseHarness(fleetsim_fleet, prometheus, tmp_path, regions=regions(1))
        cluster = harness.members[0].name
        # Run A pauses a minute after every step so that it is surely still running when B starts.
        first = harness.start("2", "-e", "canary_release_lock_owner=run-a", "-e", "canary_release_pause_seconds=60",
                              log=str(tmp_path / "run-a.log"))
        wait_for(lambda: lock_owner(harness, cluster) == "run-a" and "web-2" in harness.state(cluster)["deployments"],
                 120, "run A to hold the lock")
        unclear = []

        def refused(label, expected_text, *extra):
            before = harness.state(cluster)["deployments"].keys()
            proc = harness.run("2", "-e", "canary_release_lock_owner=run-b", *extra)
            output = proc.stdout + proc.stderr
            assert proc.returncode != 0, "%s: run B went ahead: %s" % (label, output[-3000:])
            assert lock_owner(harness, cluster) == "run-a", "%s: run B took the lock" % label
            assert "web-2" in harness.state(cluster)["deployments"] and harness.state(cluster)["deployments"].keys() >= before
            if expected_text not in output or "lock" not in output:
                failed = [line.strip() for line in output.splitlines() if line.startswith("fatal:")]
                unclear.append("%s: no '%s' in the error: %s" % (label, expected_text, failed[-1][:300] if failed else "?"))

        refused("while run A runs", "run-a")
        assert first.poll() is None, "run A ended before run B was refused: the test proved nothing"
        # Kill run A: its lock stays behind, live until it expires.
        ReleaseFleet.kill(first)
        refused("after run A was killed", "run-a")
        # Let the lock expire (move its expiry into the past, as time would).
        record = harness.release_record(cluster)
        lock = json.loads(record["metadata"]["annotations"][LOCK_ANNOTATION])
        past = (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
        lock["expires_at"] = past
        harness.clients[cluster].patch("v1", "ConfigMap", NAMESPACE, record["metadata"]["name"],
                                       {"metadata": {"annotations": {LOCK_ANNOTATION: json.dumps(lock)}}})
        refused("stale lock, no take-over option", "take_over_lock")
        taken = harness.run("2", "-e", "canary_release_lock_owner=run-b", "-e", "canary_release_take_over_lock=true")
        assert taken.returncode == 0, (taken.stdout + taken.stderr)[-4000:]
        assert end_state_problems(harness) == []
        row.violations = len(harness.violations())
        assert harness.violations() == []
        harness.close()
        row.notes = "3 refusals changed nothing, stale lock taken over only with take_over_lock; %s" % (
            "unclear messages: %s" % unclear if unclear else "every refusal named the lock")
    if unclear:  # behaviour safe, message not: the row says so
        results.record(row.name, 1, 0, row.violations, row.notes)
        pytest.xfail("refused safely, but the lock message is lost: %s" % unclear)
