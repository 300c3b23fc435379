"""CronJob controller (pkg/controller/cronjob, cronjob_controllerv2.go).

At each scheduled time of `spec.schedule` (standard 5-field cron, names, steps, ranges and the
@hourly/@daily/... macros; `spec.timeZone` or UTC) a Job `<cronjob>-<minutes since epoch>` is
created from `jobTemplate`, unless `suspend`, or a missed start is older than
`startingDeadlineSeconds`, or `concurrencyPolicy` says otherwise (Forbid: skip while one runs;
Replace: delete the running one first). Finished Jobs beyond successfulJobsHistoryLimit /
failedJobsHistoryLimit are deleted, oldest first. Status: active (references), lastScheduleTime,
lastSuccessfulTime. Times follow the fleet's simulated clock, so a clock_speed of 10 makes a
"*/1 * * * *" CronJob fire every 6 real seconds.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from ..clock import parse_time
from ..errors import ApiError
from .base import Controller, controller_ref, deep, obj_key, owner_reference
from .job import finished

CRONJOB = "cronjobs.batch"
JOB = "jobs.batch"
COMPONENT = "cronjob-controller"
SCHEDULED_ANNOTATION = "batch.kubernetes.io/cronjob-scheduled-timestamp"

MACROS = {"@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *", "@weekly": "0 0 * * 0",
          "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *"}
FIELDS = (("minute", 0, 59, {}), ("hour", 0, 23, {}), ("day of month", 1, 31, {}),
          ("month", 1, 12, {m: i + 1 for i, m in enumerate(
              ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"])}),
          ("day of week", 0, 6, {d: i for i, d in enumerate(["sun", "mon", "tue", "wed", "thu", "fri", "sat"])}))


def _field(text: str, name: str, low: int, high: int, names: dict) -> tuple[set[int], bool]:
    values: set[int] = set()
    star = False
    for part in text.split(","):
        step = 1
        if "/" in part:
            part, step_text = part.split("/", 1)
            if not step_text.isdigit() or int(step_text) == 0:
                raise ValueError(f"invalid step in {name} field: {text!r}")
            step = int(step_text)
        if part in ("*", "?"):
            lo, hi = low, high
            star = star or step == 1
        else:
            bounds = part.split("-", 1)
            try:
                nums = [names[b.lower()] if b.lower() in names else int(b) for b in bounds]
            except ValueError:
                raise ValueError(f"failed to parse int from {part}: strconv.Atoi: parsing {part!r}: invalid syntax")
            lo = nums[0]
            hi = nums[1] if len(nums) > 1 else (high if step > 1 else lo)
            if name == "day of week" and hi == 7:
                hi = 6 if lo <= 6 else 0
                values.add(0)
            if lo < low or hi > high or lo > hi:
                raise ValueError(f"end of range ({hi}) above maximum ({high}): {part}" if hi > high else
                                 f"beginning of range ({lo}) below minimum ({low}): {part}")
        values.update(range(lo, hi + 1, step))
    return values, star


def parse_schedule(schedule: str):
    """(minutes, hours, days, months, weekdays, dom_star, dow_star, tz) or ValueError with the
    robfig/cron message the real validation shows."""
    text = schedule.strip()
    tz = None
    if text.startswith(("TZ=", "CRON_TZ=")):
        raise ValueError("cannot use TZ or CRON_TZ in schedule, use timeZone field instead")
    text = MACROS.get(text, text)
    parts = text.split()
    if len(parts) != 5:
        raise ValueError(f"expected exactly 5 fields, found {len(parts)}: {schedule}")
    parsed = [_field(p, *f) for p, f in zip(parts, FIELDS)]
    return ([v for v, _ in parsed], parsed[2][1], parsed[4][1], tz)


def next_time(schedule: str, after: datetime, tz: str | None = None) -> datetime:
    """The first scheduled time strictly after `after` (minute resolution)."""
    (minutes, hours, days, months, weekdays), dom_star, dow_star, _ = parse_schedule(schedule)
    zone = timezone.utc
    if tz:
        from zoneinfo import ZoneInfo
        zone = ZoneInfo(tz)
    t = after.astimezone(zone).replace(second=0, microsecond=0) + timedelta(minutes=1)

    def day_ok(d: datetime) -> bool:
        dom, dow = d.day in days, (d.isoweekday() % 7) in weekdays
        if dom_star or dow_star:
            return dom and dow
        return dom or dow  # both restricted: either matches (cron's rule)
    for _ in range(100000):
        if t.month not in months:
            t = (t.replace(day=1, hour=0, minute=0) + timedelta(days=32)).replace(day=1)
            continue
        if not day_ok(t):
            t = (t + timedelta(days=1)).replace(hour=0, minute=0)
            continue
        if t.hour not in hours:
            t = (t + timedelta(hours=1)).replace(minute=0)
            continue
        if t.minute not in minutes:
            t += timedelta(minutes=1)
            continue
        return t.astimezone(timezone.utc)
    raise ValueError(f"no time matches schedule {schedule!r}")


class CronJobController(Controller):
    name = COMPONENT

    def initial_keys(self):
        return [obj_key(c) for c in self.items(CRONJOB)]

    def on_change(self, event_type, resource, obj, old):
        if resource == CRONJOB and event_type != "DELETED":
            self.queue.add(obj_key(obj))
        elif resource == JOB:
            ref = controller_ref(obj)
            if ref is not None and ref.get("kind") == "CronJob":
                self.queue.add((obj["metadata"].get("namespace") or "", ref["name"]))

    def _jobs(self, cj: dict) -> list[dict]:
        uid = cj["metadata"]["uid"]
        return [j for j in self.items(JOB, cj["metadata"]["namespace"])
                if (controller_ref(j) or {}).get("uid") == uid]

    def sync(self, key):
        ns, name = key
        cj = self.lookup(CRONJOB, ns, name)
        if cj is None or cj["metadata"].get("deletionTimestamp"):
            return None
        spec = cj.get("spec") or {}
        now = self.clock.now()
        jobs = self._jobs(cj)
        status = deep(cj.get("status") or {})
        # Finished jobs leave the active list; the newest success is lastSuccessfulTime.
        active = [j for j in jobs if not finished(j) and not j["metadata"].get("deletionTimestamp")]
        for j in jobs:
            if finished(j) == "Complete":
                done = (j.get("status") or {}).get("completionTime")
                if done and (not status.get("lastSuccessfulTime") or done > status["lastSuccessfulTime"]):
                    status["lastSuccessfulTime"] = done
        self._clean_history(cj, jobs)
        requeue = None
        try:
            last = parse_time(status.get("lastScheduleTime")) or parse_time(cj["metadata"].get("creationTimestamp"))
            scheduled = next_time(spec["schedule"], last, spec.get("timeZone"))
        except (ValueError, KeyError):
            self.recorder.event(cj, "Warning", "UnparseableSchedule",
                                f"unparseable schedule: {spec.get('schedule')!r}", component=COMPONENT)
            return None
        if scheduled <= now:
            # The most recent missed time is the one that runs (earlier misses are skipped).
            while True:
                following = next_time(spec["schedule"], scheduled, spec.get("timeZone"))
                if following > now:
                    break
                scheduled = following
            deadline = spec.get("startingDeadlineSeconds")
            too_late = deadline is not None and (now - scheduled).total_seconds() > int(deadline)
            if spec.get("suspend"):
                pass
            elif too_late:
                self.recorder.event(cj, "Warning", "MissSchedule",
                                    f"Missed scheduled time to start a job: {scheduled.strftime('%Y-%m-%dT%H:%M:%SZ')}",
                                    component=COMPONENT)
            elif active and spec.get("concurrencyPolicy") == "Forbid":
                self.recorder.event(cj, "Normal", "JobAlreadyActive",
                                    "Not starting job because prior execution is running and concurrency policy "
                                    "is Forbid", component=COMPONENT)
                # look again when the running one finishes (a Job event requeues us)
            else:
                if active and spec.get("concurrencyPolicy") == "Replace":
                    for j in active:
                        self._delete_job(cj, j, "SuccessfulDelete", f"Deleted job {j['metadata']['name']}")
                    active = []
                created = self._create_job(cj, scheduled)
                if created is not None:
                    active.append(created)
                status["lastScheduleTime"] = scheduled.strftime("%Y-%m-%dT%H:%M:%SZ")
        nxt = next_time(spec["schedule"], max(now, scheduled), spec.get("timeZone"))
        requeue = max(0.1, (nxt - now).total_seconds() + 0.01)
        refs = [{"kind": "Job", "namespace": ns, "name": j["metadata"]["name"], "uid": j["metadata"]["uid"],
                 "apiVersion": "batch/v1", "resourceVersion": j["metadata"].get("resourceVersion")}
                for j in sorted(active, key=lambda j: j["metadata"].get("creationTimestamp") or "")]
        if refs:
            status["active"] = refs
        else:
            status.pop("active", None)
        if status.get("lastScheduleTime") is None:
            status.pop("lastScheduleTime", None)
        if status != (cj.get("status") or {}):
            new = deep(cj)
            new["status"] = status
            self.api.update(CRONJOB, new, subresource="status")
        return requeue

    def _create_job(self, cj: dict, scheduled: datetime) -> dict | None:
        ns, name = cj["metadata"]["namespace"], cj["metadata"]["name"]
        template = deep((cj.get("spec") or {}).get("jobTemplate") or {})
        meta = template.get("metadata") or {}
        job_name = f"{name}-{int(scheduled.timestamp() // 60)}"
        annotations = dict(meta.get("annotations") or {})
        annotations[SCHEDULED_ANNOTATION] = scheduled.strftime("%Y-%m-%dT%H:%M:%SZ")
        job = {"apiVersion": "batch/v1", "kind": "Job",
               "metadata": {"name": job_name, "namespace": ns, "labels": dict(meta.get("labels") or {}),
                            "annotations": annotations, "ownerReferences": [owner_reference(cj)]},
               "spec": template.get("spec") or {}}
        if not job["metadata"]["labels"]:
            del job["metadata"]["labels"]
        try:
            created = self.api.create(JOB, job, namespace=ns)
        except ApiError as exc:
            if exc.code == 409:
                return None
            self.recorder.event(cj, "Warning", "FailedCreate", f"Error creating job: {exc.message}",
                                component=COMPONENT)
            raise
        self.recorder.event(cj, "Normal", "SuccessfulCreate", f"Created job {job_name}", component=COMPONENT)
        return created

    def _delete_job(self, cj: dict, job: dict, reason: str, message: str) -> None:
        try:
            self.api.delete(JOB, job["metadata"]["namespace"], job["metadata"]["name"], propagation_policy="Background")
        except ApiError as exc:
            if exc.code != 404:
                raise
            return
        self.recorder.event(cj, "Normal", reason, message, component=COMPONENT)

    def _clean_history(self, cj: dict, jobs: list[dict]) -> None:
        spec = cj.get("spec") or {}
        for kind, limit in (("Complete", spec.get("successfulJobsHistoryLimit", 3)),
                            ("Failed", spec.get("failedJobsHistoryLimit", 1))):
            done = sorted((j for j in jobs if finished(j) == kind and not j["metadata"].get("deletionTimestamp")),
                          key=lambda j: (j.get("status") or {}).get("startTime") or j["metadata"]["creationTimestamp"])
            for j in done[:max(0, len(done) - int(limit if limit is not None else 0))]:
                self._delete_job(cj, j, "SuccessfulDelete",
                                 f"Deleted job {j['metadata']['name']}")
