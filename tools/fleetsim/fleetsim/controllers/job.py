"""Job controller (pkg/controller/job), reduced to what Jobs of a simulated fleet need.

Runs up to `parallelism` pods at a time until `completions` pods succeeded (NonIndexed), or one pod
per index 0..completions-1 succeeded (Indexed: `batch.kubernetes.io/job-completion-index`); with
completions unset (a work queue) the Job is done when a pod succeeded and none is active. Failed
pods count against `backoffLimit` and are replaced after the exponential back-off (10 s, 20 s, ...);
`activeDeadlineSeconds`, `suspend` and `ttlSecondsAfterFinished` behave as on a real cluster.
The status carries startTime, active, ready, succeeded, failed, terminating, completedIndexes,
uncountedTerminatedPods, completionTime and the SuccessCriteriaMet+Complete or
FailureTarget+Failed conditions, which `kubectl wait --for=condition=complete` and
kubernetes.core's wait read. (The pods are simulated: a batch container exits after
`fleetsim.io/run-for` with `fleetsim.io/exit-code`, see kubelet.py.)
"""
from __future__ import annotations

from datetime import timedelta

from ..clock import parse_time
from ..errors import ApiError
from . import podutil
from .base import Controller, controller_ref, deep, obj_key
from .replicaset import claim, pod_from_template

JOB = "jobs.batch"
COMPONENT = "job-controller"
INDEX_ANNOTATION = "batch.kubernetes.io/job-completion-index"
INDEX_LABEL = "batch.kubernetes.io/job-completion-index"
BACKOFF_S = 10.0
BACKOFF_MAX_S = 360.0


def finished(job: dict) -> str | None:
    """"Complete" / "Failed" when the Job has finished."""
    for c in (job.get("status") or {}).get("conditions") or []:
        if c.get("type") in ("Complete", "Failed") and c.get("status") == "True":
            return c["type"]
    return None


def _index(pod: dict) -> int | None:
    value = ((pod.get("metadata") or {}).get("annotations") or {}).get(INDEX_ANNOTATION)
    return int(value) if value is not None and value.isdigit() else None


def _compress(indexes: list[int]) -> str:
    """"0-2,5" as completedIndexes are written."""
    out, start, prev = [], None, None
    for i in sorted(set(indexes)):
        if start is None:
            start = prev = i
        elif i == prev + 1:
            prev = i
        else:
            out.append(f"{start}-{prev}" if prev > start else str(start))
            start = prev = i
    if start is not None:
        out.append(f"{start}-{prev}" if prev > start else str(start))
    return ",".join(out)


class JobController(Controller):
    name = COMPONENT

    def initial_keys(self):
        return [obj_key(j) for j in self.items(JOB)]

    def on_change(self, event_type, resource, obj, old):
        if resource == JOB:
            if event_type != "DELETED":
                self.queue.add(obj_key(obj))
        elif resource == "pods":
            for o in (obj, old):
                ref = controller_ref(o) if o else None
                if ref is not None and ref.get("kind") == "Job":
                    self.queue.add((o["metadata"].get("namespace") or "", ref["name"]))

    def _condition(self, ctype: str, reason: str, message: str) -> dict:
        now = self.clock.timestamp()
        return {"type": ctype, "status": "True", "lastProbeTime": now, "lastTransitionTime": now,
                "reason": reason, "message": message}

    def sync(self, key):
        ns, name = key
        job = self.lookup(JOB, ns, name)
        if job is None or job["metadata"].get("deletionTimestamp"):
            return None
        spec = job.get("spec") or {}
        old = job.get("status") or {}
        status = deep(old)
        pods = claim(self.api, self.items("pods", ns), job, spec.get("selector"), "pods")
        now = self.clock.now()
        done = finished(job)
        if done:
            for p in pods:
                if podutil.is_active(p):
                    self._delete(job, p)
            return self._ttl(job, now)
        active = [p for p in pods if podutil.is_active(p)]
        succeeded = [p for p in pods if podutil.phase(p) == "Succeeded"]
        failed = [p for p in pods if podutil.phase(p) == "Failed"]
        restarts = sum(podutil.max_restarts(p) for p in pods) if (
            ((spec.get("template") or {}).get("spec") or {}).get("restartPolicy") == "OnFailure") else 0
        indexed = spec.get("completionMode") == "Indexed"
        completions = spec.get("completions")
        parallelism = int(spec.get("parallelism", 1))
        requeue = None
        if spec.get("suspend"):
            for p in active:
                self._delete(job, p)
            status["conditions"] = self._set(status, self._condition("Suspended", "JobSuspended", "Job suspended"))
            active = []
        else:
            if not status.get("startTime"):
                status["startTime"] = self.clock.timestamp()
            status["conditions"] = [c for c in status.get("conditions") or [] if c.get("type") != "Suspended"] \
                or None
            if status["conditions"] is None:
                status.pop("conditions")
        n_succeeded = len({_index(p) for p in succeeded} if indexed else succeeded)
        n_failed = len(failed) + restarts
        deadline = spec.get("activeDeadlineSeconds")
        started = parse_time(status.get("startTime"))
        outcome = None
        if completions is not None and n_succeeded >= int(completions) or (
                completions is None and succeeded and not active):
            outcome = ("SuccessCriteriaMet", "Complete", "CompletionsReached",
                       "Reached expected number of succeeded pods")
        elif n_failed > int(spec.get("backoffLimit", 6)):
            outcome = ("FailureTarget", "Failed", "BackoffLimitExceeded", "Job has reached the specified backoff limit")
        elif deadline is not None and started is not None and not spec.get("suspend") and \
                (now - started).total_seconds() >= int(deadline):
            outcome = ("FailureTarget", "Failed", "DeadlineExceeded", "Job was active longer than specified deadline")
        elif not spec.get("suspend"):
            requeue = self._manage(job, active, succeeded, failed, n_succeeded, completions, parallelism, indexed)
            if deadline is not None and started is not None:
                left = int(deadline) - (now - started).total_seconds()
                requeue = left if requeue is None else min(requeue, left)
        if outcome is not None:
            for p in active:
                self._delete(job, p)
            target, final, reason, message = outcome
            conditions = [c for c in status.get("conditions") or [] if c.get("type") not in (target, final)]
            conditions += [self._condition(target, reason, message), self._condition(final, reason, message)]
            status["conditions"] = conditions
            if final == "Complete":
                status["completionTime"] = self.clock.timestamp()
                self.recorder.event(job, "Normal", "Completed", "Job completed", component=COMPONENT)
            else:
                self.recorder.event(job, "Warning", reason, message, component=COMPONENT)
            active = []
        pods = claim(self.api, self.items("pods", ns), job, spec.get("selector"), "pods")
        live = [p for p in pods if podutil.is_active(p)] if outcome is None else []
        self._write_status(job, status, live, pods, n_succeeded, n_failed, indexed)
        if outcome is not None:
            return self._ttl(self.lookup(JOB, ns, name) or job, now)
        return requeue

    @staticmethod
    def _set(status: dict, cond: dict) -> list[dict]:
        conditions = [c for c in status.get("conditions") or [] if c.get("type") != cond["type"]]
        existing = next((c for c in status.get("conditions") or [] if c.get("type") == cond["type"]), None)
        return conditions + [existing or cond]

    def _manage(self, job, active, succeeded, failed, n_succeeded, completions, parallelism, indexed):
        """Create pods up to parallelism (never more than completions still need)."""
        spec = job["spec"]
        if completions is None:
            wanted = 0 if succeeded else parallelism
        else:
            wanted = min(parallelism, int(completions) - n_succeeded)
        missing = wanted - len(active)
        if missing <= 0:
            return None
        if failed:
            # The pod failure back-off: 10 s doubling per failure since the last one.
            last = max((parse_time(((p.get("status") or {}).get("containerStatuses") or [{}])[0].get(
                "state", {}).get("terminated", {}).get("finishedAt")) or parse_time(
                p["metadata"].get("creationTimestamp")) for p in failed))
            delay = min(BACKOFF_S * 2 ** (len(failed) - 1), BACKOFF_MAX_S)
            wait = (last + timedelta(seconds=delay) - self.clock.now()).total_seconds() if last else 0
            if wait > 0:
                return wait
        indexes = []
        if indexed:
            taken = {_index(p) for p in active} | {_index(p) for p in succeeded}
            indexes = [i for i in range(int(completions)) if i not in taken][:missing]
            missing = len(indexes)
        for i in range(missing):
            pod = pod_from_template(spec.get("template") or {}, job, job["metadata"]["namespace"])
            if indexed:
                idx = indexes[i]
                pod["metadata"]["generateName"] = f"{job['metadata']['name']}-{idx}-"
                pod["metadata"].setdefault("annotations", {})[INDEX_ANNOTATION] = str(idx)
                pod["metadata"].setdefault("labels", {})[INDEX_LABEL] = str(idx)
                pod["spec"]["hostname"] = f"{job['metadata']['name']}-{idx}"
            try:
                created = self.api.create("pods", pod, namespace=job["metadata"]["namespace"])
            except ApiError as exc:
                self.recorder.event(job, "Warning", "FailedCreate", f"Error creating: {exc.message}",
                                    component=COMPONENT)
                raise
            self.recorder.event(job, "Normal", "SuccessfulCreate", f"Created pod: {created['metadata']['name']}",
                                component=COMPONENT)
        return None

    def _delete(self, job: dict, pod: dict) -> None:
        try:
            self.api.delete("pods", pod["metadata"]["namespace"], pod["metadata"]["name"])
            self.recorder.event(job, "Normal", "SuccessfulDelete", f"Deleted pod: {pod['metadata']['name']}",
                                component=COMPONENT)
        except ApiError as exc:
            if exc.code != 404:
                raise

    def _write_status(self, job, status, live, pods, n_succeeded, n_failed, indexed) -> None:
        out: dict = {}
        if status.get("conditions"):
            out["conditions"] = status["conditions"]
        for k in ("startTime", "completionTime"):
            if status.get(k):
                out[k] = status[k]
        if live:
            out["active"] = len(live)
        if n_succeeded:
            out["succeeded"] = n_succeeded
        if n_failed:
            out["failed"] = n_failed
        out["terminating"] = len([p for p in pods if podutil.is_terminating_active(p)])
        if indexed:
            done = [_index(p) for p in pods if podutil.phase(p) == "Succeeded" and _index(p) is not None]
            if done:
                out["completedIndexes"] = _compress(done)
        out["uncountedTerminatedPods"] = {}
        out["ready"] = len([p for p in live if podutil.is_ready(p)])
        if out != (job.get("status") or {}):
            new = deep(job)
            new["status"] = out
            self.api.update(JOB, new, subresource="status")

    def _ttl(self, job: dict, now) -> float | None:
        """The TTL-after-finished controller: delete the Job (and its pods) ttlSecondsAfterFinished after."""
        ttl = (job.get("spec") or {}).get("ttlSecondsAfterFinished")
        if ttl is None:
            return None
        finished_at = None
        for c in (job.get("status") or {}).get("conditions") or []:
            if c.get("type") in ("Complete", "Failed"):
                finished_at = parse_time(c.get("lastTransitionTime"))
        if finished_at is None:
            return None
        left = int(ttl) - (now - finished_at).total_seconds()
        if left > 0:
            return left
        try:
            self.api.delete(JOB, job["metadata"]["namespace"], job["metadata"]["name"],
                            propagation_policy="Foreground")
        except ApiError as exc:
            if exc.code != 404:
                raise
        return None
