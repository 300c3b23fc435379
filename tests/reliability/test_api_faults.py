"""API faults injected by fleetsim during a multi-cluster release (playbooks/release.yml):
5% and 20% of requests answered 500, 10% answered 409, 2 s latency spikes, one cluster unreachable
for 30 s mid-step, one cluster gone. The release completes, or stops safely with a message naming
the cluster, and a re-run finishes it. Capacity (N ready pods) is watched in every cluster throughout.
Each scenario runs RELIABILITY_FAULT_TRIALS (2) trials, each on a fresh fleet (fleetsim draws the
failing requests at random, so every trial fails other requests at other moments).
"""

import pytest

from ansible_collections.progressive.delivery.tests.reliability import results
from ansible_collections.progressive.delivery.tests.reliability.release_harness import ReleaseHarness
from ansible_collections.progressive.delivery.tests.reliability.scenario_support import (
    FAULT_REGIONS, FAULT_TRIALS, FaultTimeline, consistent_state_problems, end_state_problems, names_a_cluster, regions)


def on_every_cluster(**faults):
    def apply(harness):
        for name in harness.fleet.clusters:
            harness.fleet.set_fault(name, **faults)
    apply.__name__ = "set %s everywhere" % faults
    return apply


def clear_everywhere(harness):
    for name in harness.fleet.clusters:
        harness.fleet.clear_faults(name)


def canary_exists_in(index):
    def condition(harness):
        return "web-2" in harness.state(harness.members[index].name)["deployments"]
    return condition


def on_cluster(index, **faults):
    def apply(harness):
        harness.fleet.set_fault(harness.members[index].name, **faults)
    apply.__name__ = "set %s on member %d" % (faults, index)
    return apply


def clear_cluster(index):
    def apply(harness):
        harness.fleet.clear_faults(harness.members[index].name)
    apply.__name__ = "clear member %d" % index
    return apply


def spikes(count, every_s, length_s):
    steps = []
    for dummy in range(count):
        steps.append((every_s - length_s, on_every_cluster(latency_s=2)))
        steps.append((length_s, clear_everywhere))
    return steps


# name -> fault timeline (see FaultTimeline: numbers are seconds after the previous change)
SCENARIOS = {
    "api 500 at 5%": [(0, on_every_cluster(error_500=0.05))],
    "api 500 at 20%": [(0, on_every_cluster(error_500=0.2))],
    "api 409 at 10%": [(0, on_every_cluster(error_409=0.1))],
    "api 2 s latency spikes": spikes(count=6, every_s=20, length_s=6),
    "one cluster unreachable 30 s mid-step": [(canary_exists_in(1), on_cluster(1, unreachable=True)),
                                              (30, clear_cluster(1))],
    "one cluster gone": [(canary_exists_in(1), on_cluster(1, unreachable=True))],
}


def fault_trial(fleetsim_fleet, prometheus, workdir, scenario, seed, violations):
    """One release through the scenario's fault timeline on a fresh fleet; returns its notes.
    Capacity violations go into `violations` before any check."""
    harness = ReleaseHarness(fleetsim_fleet, prometheus, workdir, regions=regions(FAULT_REGIONS), seed=seed)
    try:
        # An outage lasts its full time even when the run stops early.
        with FaultTimeline(harness, SCENARIOS[scenario], finish="unreachable" in scenario) as timeline:
            first = harness.run("2")
        # Judged once the faults are cleared: they change API answers (the checks' own reads too), not the
        # state the run left on the clusters.
        stopped_problems = consistent_state_problems(
            harness, skip={harness.members[1].name} if scenario == "one cluster gone" else ())
        notes = ["first run rc %d" % first.returncode, "faults %s" % timeline.log]
        output = first.stdout + first.stderr
        if scenario == "one cluster gone":
            assert first.returncode != 0, "the release claimed success with a cluster gone"
        if first.returncode != 0:
            assert names_a_cluster(output, harness), "the failure does not name the cluster:\n" + output[-3000:]
            assert stopped_problems == [], stopped_problems
            again = harness.run("2")  # faults cleared (the gone cluster is back, e.g. repaired)
            notes.append("re-run rc %d" % again.returncode)
            assert again.returncode == 0, (again.stdout + again.stderr)[-4000:]
        problems = end_state_problems(harness)
        violations.extend(harness.violations())
        assert problems == [], problems
        assert harness.violations() == [], harness.violations()
        return notes
    finally:
        harness.close()
        harness.fleet.stop()  # each trial's fleet goes as soon as it is checked


@pytest.mark.parametrize("scenario", list(SCENARIOS), ids=lambda name: name.replace("%", "pct").replace(" ", "-"))
def test_release_through_api_faults(fleetsim_fleet, prometheus, tmp_path, scenario):
    passed, notes, failures, violations = 0, [], [], []
    for trial in range(FAULT_TRIALS):
        workdir = tmp_path / ("trial-%d" % trial)
        workdir.mkdir()
        try:
            trial_notes = fault_trial(fleetsim_fleet, prometheus, workdir, scenario, 11 + trial, violations)
        except AssertionError as error:
            failures.append("trial %d: %s" % (trial, (str(error).strip().splitlines() or ["?"])[0][:300]))
            notes.append("trial %d FAILED" % trial)
        else:
            passed += 1
            notes.append("trial %d: %s" % (trial, "; ".join(trial_notes)))
    results.record("faults: %s (%d clusters)" % (scenario, FAULT_REGIONS), FAULT_TRIALS, passed, len(violations),
                   " / ".join(notes + failures))
    assert failures == [], "\n".join(failures)
    assert violations == [], violations
