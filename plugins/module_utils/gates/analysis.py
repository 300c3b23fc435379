# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The analysis engine: measure every check on its schedule and decide the gate's verdict.

Semantics follow Argo Rollouts' AnalysisRun (count, interval, initial_delay, failure_limit,
inconclusive_limit, consecutive_error_limit, dry-run) with the gaps its users report fixed:
a check whose measurements all errored, or that never had a successful measurement, is
never Successful; a check that errored out (unreachable provider) makes the gate
inconclusive, or failed with ``on_no_data: fail``, never passed.
"""

from __future__ import annotations

from ansible_collections.progressive.delivery.plugins.module_utils.gates.clock import (
    SystemClock,
    iso_timestamp,
)
from ansible_collections.progressive.delivery.plugins.module_utils.gates.evaluation import (
    Judgement,
    judge,
)
from ansible_collections.progressive.delivery.plugins.module_utils.gates.measurement import (
    BLAME_EVIDENCE,
    BLAME_VERSION,
    ERROR,
    FAIL,
    FAILED,
    INCONCLUSIVE,
    PASS,
    RUNNING,
    SUCCESSFUL,
    VERDICT_INCONCLUSIVE,
    CheckConfigError,
    Measurement,
    ProviderError,
)


class CheckRun(object):
    """The measurements and running counts of one check."""

    def __init__(self, spec, provider):
        self.spec = spec
        self.provider = provider
        self.default_condition = provider.default_condition(spec)
        self.default_failure_condition = provider.default_failure_condition(spec)
        self.measurements = []
        self.counts = {SUCCESSFUL: 0, FAILED: 0, INCONCLUSIVE: 0, ERROR: 0}
        self.consecutive_errors = 0
        # Failed measurements whose values breached a condition: only these blame the version.
        self.breaches = 0
        self.phase = RUNNING
        self.next_due = None
        self.stopped_by = None

    @property
    def taken(self):
        return len(self.measurements)

    @property
    def decisive(self):
        return not self.spec.dry_run

    def measure(self, clock):
        """Take one measurement now and update the check's phase."""
        started = clock.monotonic()
        timestamp = iso_timestamp(clock.now())
        try:
            observation = self.provider.measure()
            judgement = judge(self.spec, observation, self.default_condition, observation.names,
                              self.default_failure_condition)
        except CheckConfigError:
            raise
        except ProviderError as exc:
            judgement = _error_judgement(str(exc))
        except Exception as exc:  # pylint: disable=broad-except
            # A provider bug must surface as an Error measurement, never a traceback or a pass.
            judgement = _error_judgement("unexpected %s: %s" % (type(exc).__name__, exc))
        measurement = Measurement(
            check=self.spec.name,
            provider=self.spec.provider,
            index=self.taken,
            timestamp=timestamp,
            phase=judgement.phase,
            message=judgement.message,
            value=judgement.value,
            baseline=judgement.baseline,
            series=judgement.series,
            dry_run=self.spec.dry_run,
            elapsed_ms=(clock.monotonic() - started) * 1000.0,
            metrics=judgement.metrics,
        )
        self.measurements.append(measurement)
        self.counts[measurement.phase] += 1
        if measurement.phase == FAILED and not judgement.no_data:
            self.breaches += 1
        self.consecutive_errors = self.consecutive_errors + 1 if measurement.phase == ERROR else 0
        self.phase = self._assess()
        return measurement

    def _assess(self):
        spec = self.spec
        if self.counts[FAILED] > spec.failure_limit:
            return FAILED
        if self.counts[INCONCLUSIVE] > spec.inconclusive_limit:
            return INCONCLUSIVE
        if self.consecutive_errors > spec.consecutive_error_limit:
            return ERROR
        if self.taken < spec.count:
            return RUNNING
        # Complete. Success needs at least one successful measurement: all-errors, or
        # failures/inconclusives within their limits and nothing else, never pass.
        if self.counts[SUCCESSFUL]:
            return SUCCESSFUL
        if self.counts[FAILED]:
            return FAILED
        if self.counts[INCONCLUSIVE]:
            return INCONCLUSIVE
        return ERROR

    def last_message(self, phase=None):
        for measurement in reversed(self.measurements):
            if phase is None or measurement.phase == phase:
                return measurement.message
        return "no measurement taken"

    def explanation(self, with_last=True):
        """Why the check is in its phase, one line (with_last: ending with the last error's text)."""
        spec = self.spec
        counts = self.counts
        if self.phase == FAILED:
            return "%d of %d measurements failed (failure_limit %d); last failure: %s" % (
                counts[FAILED], self.taken, spec.failure_limit, self.last_message(FAILED))
        if self.phase == INCONCLUSIVE:
            return "%d of %d measurements inconclusive (inconclusive_limit %d); last: %s" % (
                counts[INCONCLUSIVE], self.taken, spec.inconclusive_limit, self.last_message(INCONCLUSIVE))
        if self.phase == ERROR:
            if self.consecutive_errors > spec.consecutive_error_limit:
                head = "%d consecutive measurement errors (consecutive_error_limit %d)" % (
                    self.consecutive_errors, spec.consecutive_error_limit)
            else:
                head = "all %d measurements errored" % self.taken
            return "%s; last error: %s" % (head, self.last_message(ERROR)) if with_last else head
        if self.phase == SUCCESSFUL:
            return "%d of %d measurements successful; last: %s" % (
                counts[SUCCESSFUL], self.taken, self.last_message(SUCCESSFUL))
        if self.stopped_by:
            return "stopped after %d of %d measurements because check '%s' decided the gate" % (
                self.taken, spec.count, self.stopped_by)
        return "%d of %d measurements taken" % (self.taken, spec.count)

    def summary(self):
        return {
            "name": self.spec.name,
            "provider": self.spec.provider,
            "phase": self.phase,
            "dry_run": self.spec.dry_run,
            "completed": self.phase != RUNNING,
            "measurements": self.taken,
            "count": self.spec.count,
            "successful": self.counts[SUCCESSFUL],
            "failed": self.counts[FAILED],
            "inconclusive": self.counts[INCONCLUSIVE],
            "errors": self.counts[ERROR],
            "consecutive_errors": self.consecutive_errors,
            "message": self.explanation(),
        }


def _error_judgement(message):
    return Judgement(ERROR, message)


class GateResult(object):
    def __init__(self, verdict, reason, runs, measurements, duration, blame=None):
        self.verdict = verdict
        self.reason = reason
        self.runs = runs
        self.measurements = measurements
        self.duration = duration
        self.blame = blame

    def as_dict(self):
        return {
            "verdict": self.verdict,
            "reason": self.reason,
            "blame": self.blame,
            "checks": [run.summary() for run in self.runs],
            "measurements": [m.as_dict() for m in self.measurements],
            "duration": round(self.duration, 3),
        }


class Analysis(object):
    """Run checks concurrently on one timeline; stop as soon as a decisive check settles badly."""

    def __init__(self, runs, clock=None):
        self.runs = runs
        self.clock = clock or SystemClock()

    def run(self):
        clock = self.clock
        start = clock.monotonic()
        for run in self.runs:
            try:
                run.provider.start()
            except CheckConfigError:
                raise
            except Exception as exc:  # pylint: disable=broad-except
                raise CheckConfigError(run.spec.name, "could not start measuring: %s: %s" % (type(exc).__name__, exc))
            run.next_due = start + run.spec.initial_delay
        measurements = []
        decider = None
        while True:
            active = [r for r in self.runs if r.phase == RUNNING]
            if not active:
                break
            run = min(active, key=lambda r: (r.next_due, r.spec.position))
            clock.sleep(run.next_due - clock.monotonic())
            measurements.append(run.measure(clock))
            # Fixed-rate schedule; a slow measurement delays the next one, never bunches them.
            run.next_due = max(run.next_due + run.spec.interval, clock.monotonic())
            if run.decisive and run.phase in (FAILED, INCONCLUSIVE, ERROR):
                decider = run
                break
        for run in self.runs:
            if run.phase == RUNNING and decider is not None:
                run.stopped_by = decider.spec.name
        verdict, reason, blame = decide(self.runs)
        return GateResult(verdict, reason, self.runs, measurements, clock.monotonic() - start, blame)


def decide(runs):
    """(verdict, one-line reason, blame) from the checks' phases (dry-run checks never decide).

    blame is BLAME_VERSION only when a measured value breached its condition; a gate that did not pass
    because nothing could be measured, or nothing was there to judge, blames the evidence (BLAME_EVIDENCE),
    and its reason leads with what was observed (Prometheus refused the connection, the query had no data).
    """
    decisive = [r for r in runs if r.decisive]
    for run in decisive:
        if run.phase == FAILED and run.breaches:
            return FAIL, "check '%s' failed: %s" % (run.spec.name, run.explanation()), BLAME_VERSION
    for run in decisive:
        if run.phase == FAILED:
            return FAIL, "%s - check '%s' had no data to judge (on_no_data=fail): %s" % (
                run.last_message(FAILED), run.spec.name, run.explanation()), BLAME_EVIDENCE
    for run in decisive:
        if run.phase == ERROR:
            verdict = FAIL if run.spec.on_no_data == "fail" else VERDICT_INCONCLUSIVE
            return verdict, "%s - check '%s' could not be measured (%s, on_no_data=%s): %s" % (
                run.last_message(ERROR), run.spec.name, verdict, run.spec.on_no_data,
                run.explanation(with_last=False)), BLAME_EVIDENCE
    for run in decisive:
        if run.phase == INCONCLUSIVE:
            return VERDICT_INCONCLUSIVE, "check '%s' inconclusive: %s" % (run.spec.name, run.explanation()), \
                BLAME_EVIDENCE
    for run in decisive:
        if run.phase != SUCCESSFUL:
            # Only reachable if the loop ended early without a decider: treat as not passed.
            return VERDICT_INCONCLUSIVE, "check '%s' did not complete: %s" % (run.spec.name, run.explanation()), \
                BLAME_EVIDENCE
    taken = sum(r.taken for r in runs)
    dry_notes = ["dry-run check '%s' %s" % (r.spec.name, r.phase) for r in runs
                 if not r.decisive and r.phase != SUCCESSFUL]
    if not decisive:
        reason = "no decisive checks: all %d checks are dry-run (%d measurements)" % (len(runs), taken)
    else:
        reason = "all %d decisive checks passed (%d measurements)" % (len(decisive), taken)
        if len(decisive) == 1:
            reason = "check '%s' passed: %s" % (decisive[0].spec.name, decisive[0].explanation())
    if dry_notes:
        reason += "; not deciding: " + ", ".join(dry_notes)
    return PASS, reason, None
