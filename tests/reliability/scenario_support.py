"""Shared pieces of the rollout scenarios: trial counts, the end-state invariant, fault timelines."""

import os
import re
import threading
import time

from ansible_collections.progressive.delivery.plugins.module_utils.release import state as release_state

# `make reliability` runs every scenario with these counts; override to explore (e.g. more trials).
SIGKILL_TRIALS = int(os.environ.get("RELIABILITY_SIGKILL_TRIALS", "20"))
SIGKILL_REGIONS = int(os.environ.get("RELIABILITY_SIGKILL_CLUSTERS", "9"))
SIGKILL_STREAMS = int(os.environ.get("RELIABILITY_SIGKILL_STREAMS", "2"))
SIGKILL_PODS = int(os.environ.get("RELIABILITY_SIGKILL_PODS", "2"))
FAULT_REGIONS = int(os.environ.get("RELIABILITY_FAULT_CLUSTERS", "3"))
FAULT_TRIALS = int(os.environ.get("RELIABILITY_FAULT_TRIALS", "2"))
REGIONS = ["us-east1", "us-west1", "us-central1", "europe-west1", "europe-west4", "asia-east1", "asia-south1",
           "southamerica-east1", "australia-southeast1", "northamerica-northeast1"]


ROLE_ANNOTATION, PHASE_ANNOTATION = release_state.ROLE, release_state.PHASE
# A release in progress is recorded on its canary; once finished the canary is the stable.
RECORDED_ROLES = (release_state.ROLE_CANARY, release_state.ROLE_STABLE)


def regions(count):
    assert 1 <= count <= len(REGIONS), "between 1 and %d clusters" % len(REGIONS)
    return REGIONS[:count]


def end_state_problems(harness, version="2"):
    """The end-state invariant after a successful run: every member cluster serves only `version`
    with N ready pods, and no canary is left."""
    problems = []
    for cluster in harness.members:
        state = harness.state(cluster.name)
        served = harness.served_versions(cluster.name)
        if served != [version] or state["ready"] < harness.replicas or len(state["deployments"]) != 1:
            problems.append("%s: %s" % (cluster.name, state))
    return problems


def consistent_state_problems(harness, skip=(), old="1", new="2"):
    """After a run that stopped: each cluster fully at `old` (untouched or rolled back), fully at
    `new` (promoted), or in between with the split recorded on the cluster: the Deployment of `new`
    carries the release's role and phase annotations, which a re-run continues from."""
    problems = []
    for cluster in harness.members:
        if cluster.name in skip:
            continue
        served = harness.served_versions(cluster.name)
        state = harness.state(cluster.name)
        if served in ([old], [new]) and state["ready"] >= harness.replicas:
            continue
        recorded = harness.release_annotations(cluster.name, new)
        if recorded.get(ROLE_ANNOTATION) not in RECORDED_ROLES or recorded.get(PHASE_ANNOTATION) not in release_state.PHASES:
            problems.append("%s: %s between %s and %s with no release state on the %s Deployment (annotations %s)"
                            % (cluster.name, state, old, new, new, sorted(recorded)))
    return problems


def names_a_cluster(output, harness):
    """The failure message names the cluster it happened in."""
    names = [c.name for c in harness.fleet.clusters.values()]
    failure_lines = [line for line in output.splitlines() if re.search(r"fatal|failed|error", line, re.I)]
    return any(name in line for line in failure_lines for name in names)


class FaultTimeline(object):
    """Runs fault changes on a background thread while a playbook runs: each step is
    (condition, action(harness)); the condition is a predicate on the harness, or a number of
    seconds after the previous step (or the start)."""

    def __init__(self, harness, steps, finish=False):
        self.harness = harness
        self.finish = finish  # on exit, let the remaining (timed) steps happen, e.g. the end of an outage
        self.steps = steps
        self.stop = threading.Event()
        self.log = []
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        started = previous = time.monotonic()
        for condition, action in self.steps:
            while not self.stop.is_set():
                ready = (time.monotonic() - previous >= condition) if isinstance(condition, (int, float)) \
                    else condition(self.harness)
                if ready:
                    break
                self.stop.wait(0.5)
            if self.stop.is_set():
                return
            self.log.append((round(time.monotonic() - started, 1), action.__name__ if hasattr(action, "__name__") else str(action)))
            action(self.harness)
            previous = time.monotonic()

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        if self.finish:
            self.thread.join(300)
        self.stop.set()
        self.thread.join(60)
        for cluster in self.harness.fleet.clusters:
            self.harness.fleet.clear_faults(cluster)
        return False
