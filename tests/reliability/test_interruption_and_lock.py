"""Interruption and concurrency of the release playbooks.

- SIGKILL of ansible-playbook (and every worker under it) at random moments of a 9-cluster rollout
  (playbooks/rollout.yml: environments dev -> staging -> prod of 3 regions each, promotion gate and
  soak between environments), each followed by a re-run. Every trial must show a consistent state
  right after the kill (each cluster at the old version, at the new one, or in between with the
  release state on the cluster), a re-run that ends rc 0 with the new version everywhere, exactly N
  steps per cluster (no step taken twice across the kill), and 0 capacity violations.
  RELIABILITY_SIGKILL_TRIALS (20) trials over RELIABILITY_SIGKILL_CLUSTERS (9) clusters of
  RELIABILITY_SIGKILL_PODS (2) pods each (N steps), kill moments from RELIABILITY_SEED. The trials
  run on RELIABILITY_SIGKILL_STREAMS (2) fleets side by side, each with its own app, because a
  rollout mostly waits on its gates: two fleets use the 2 cores a single one leaves idle.
- Two runs on the same app: the second stops with a message about the lock; a stale lock (its
  owner killed, expiry passed) is taken over only with take_over_lock.
"""

import collections
import datetime
import json
import os
import random
import re
import threading
import time

import pytest

from ansible_collections.progressive.delivery.tests.reliability import results
from ansible_collections.progressive.delivery.tests.reliability.release_harness import NAMESPACE, ReleaseHarness
from ansible_collections.progressive.delivery.tests.reliability.scenario_support import (
    SIGKILL_PODS, SIGKILL_REGIONS, SIGKILL_STREAMS, SIGKILL_TRIALS, consistent_state_problems, end_state_problems, regions)
from ansible_collections.progressive.delivery.tests.support.release_fleet import ReleaseFleet

LOCK_ANNOTATION = "progressive.delivery/lock"
ENVIRONMENTS = ["dev", "staging", "prod"]


def last_task(log_path):
    """The task the killed run was in (the last task header of its output)."""
    with open(log_path) as handle:
        headers = re.findall(r"^TASK \[(?:[\w.]+ : )?(.+?)\] \*", handle.read(), re.M)
    return headers[-1] if headers else "(before the first task)"


class KillTrials(object):
    """One fleet and its own app, taking a share of the SIGKILL trials one after the other: each trial
    releases the next version, is killed at its moment, checked, re-run and checked again."""

    def __init__(self, harness, workdir):
        self.harness = harness
        self.workdir = workdir
        self.duration = None
        self.failures = []
        self.passed = 0
        self.moments = []
        self.killed_in = []
        self.error = None

    def baseline(self):
        """An uninterrupted rollout (version 2): how long one takes (the kill moments are drawn
        within it) and proof that the step counter counts one step per pod."""
        started = time.monotonic()
        run = self.harness.run("2")
        self.duration = time.monotonic() - started
        assert run.returncode == 0, (run.stdout + run.stderr)[-4000:]
        steps = [self.harness.steps_taken(c.name, "2") for c in self.harness.members]
        assert steps == [self.harness.replicas] * len(self.harness.members), \
            "the step counter does not count one step per pod (%s); the double-step check would mean nothing" % steps

    def trial(self, version, fraction):
        harness = self.harness
        moment = 1.0 + fraction * (self.duration * 0.9 - 1.0)
        self.moments.append(round(moment, 1))
        log = os.path.join(self.workdir, "killed-%s.log" % version)
        proc = harness.start(version, log=log)
        time.sleep(moment)
        if proc.poll() is None:
            ReleaseFleet.kill(proc)
            self.killed_in.append(last_task(log))
        else:
            self.killed_in.append("(finished before the kill)")
        previous = str(int(version) - 1)
        problems = consistent_state_problems(harness, old=previous, new=version)
        rerun = harness.run(version)
        if rerun.returncode != 0:
            problems.append("re-run rc %d: %s" % (rerun.returncode, (rerun.stdout + rerun.stderr)[-1500:]))
        problems += end_state_problems(harness, version)
        # One pod per step: exactly N steps per cluster, none taken twice across the kill.
        problems += ["%s: %s steps for %d pods" % (c.name, harness.steps_taken(c.name, version), harness.replicas)
                     for c in harness.members if harness.steps_taken(c.name, version) != harness.replicas]
        if problems:
            self.failures.append("%s trial version %s (kill at %.1fs in %s): %s"
                                 % (harness.app, version, moment, self.killed_in[-1], problems))
        else:
            self.passed += 1

    def run(self, fractions):
        try:
            self.baseline()
            for index, fraction in enumerate(fractions):
                self.trial(str(index + 3), fraction)
        except Exception as error:  # reported by the test's main thread
            self.error = error


def test_sigkill_at_random_moments_then_rerun(fleetsim_fleet, prometheus, tmp_path):
    seed = int(os.environ.get("RELIABILITY_SEED", "20261126"))
    rng = random.Random(seed)
    fractions = [rng.random() for dummy in range(SIGKILL_TRIALS)]
    per_region = max(1, SIGKILL_REGIONS // len(ENVIRONMENTS))
    clusters = per_region * len(ENVIRONMENTS)
    name = "interruption: SIGKILL at random moments + re-run (%d clusters)" % clusters
    started = time.monotonic()
    streams = []
    for index in range(min(SIGKILL_STREAMS, SIGKILL_TRIALS)):
        workdir = tmp_path / ("fleet-%d" % index)
        workdir.mkdir()
        # Every region of an environment at once: the gated progression is environment by environment.
        harness = ReleaseHarness(fleetsim_fleet, prometheus, workdir, regions=regions(per_region), seed=5 + index,
                                 environments=ENVIRONMENTS, waves=["100%"], app="web%d" % index,
                                 replicas=SIGKILL_PODS)
        streams.append(KillTrials(harness, str(workdir)))
    threads = [threading.Thread(target=stream.run, args=(fractions[index::len(streams)],))
               for index, stream in enumerate(streams)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    errors = ["%s: %r" % (s.harness.app, s.error) for s in streams if s.error]
    failures = [f for s in streams for f in s.failures]
    violations = [v for s in streams for v in s.harness.violations()]
    passed = sum(s.passed for s in streams)
    killed_in = collections.Counter(task for s in streams for task in s.killed_in)
    results.record(name, SIGKILL_TRIALS, passed, len(violations), (
        "rollout.yml, 3 environments x %d regions, N=%d; one rollout takes %s s; kill moments (s): %s; "
        "killed in: %s; seed %d; %d fleets side by side; scenario took %.0f s%s")
        % (per_region, streams[0].harness.replicas, "/".join("%.0f" % s.duration for s in streams if s.duration),
           [m for s in streams for m in s.moments], dict(killed_in.most_common()), seed, len(streams),
           time.monotonic() - started, "; errors: %s" % errors if errors else ""))
    for stream in streams:
        stream.harness.close()
    assert errors == [], errors
    assert failures == [], "\n".join(failures)
    assert violations == [], violations
    assert passed == SIGKILL_TRIALS


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
