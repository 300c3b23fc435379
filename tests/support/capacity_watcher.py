"""Capacity watcher: records every readiness change of an app's pods and reports capacity violations.

The release modules promise that the ready pods of an app, all versions together, never drop below
``floor`` (N - max_unavailable) during a step, a finish or a rollback. This watcher checks that
promise independently of the code under test: it follows the pods of the app on a fleetsim cluster
and evaluates the ready count after every single change, in the order the API server committed them.

A pod counts as ready when its Ready condition is True and it is not terminating (a pod with a
deletionTimestamp is already being removed from the Service's endpoints, like in a real cluster).

Two sources, same ledger:

- ``CapacityWatcher.in_process(fleet, cluster, namespace, app, floor)`` subscribes to the fleetsim
  cluster's commit stream (``Api.subscribe``): every committed change, no gaps, immune to the API
  faults a test injects.
- ``CapacityWatcher.over_http(client, namespace, app, floor)`` follows a watch on the API server
  with any ``K8sClient`` (for a fleet started with ``fleetsim up``); a relist after a lost watch is
  recorded in ``report.gaps``.

    with CapacityWatcher.in_process(fleet, "app-dev-us-east1", "default", "web", floor=4) as watcher:
        ...run the release...
    report = watcher.report
    assert report.violations == [], report.describe()
"""

import threading
import time

TERMINAL_PHASES = ("Succeeded", "Failed")


def pod_is_ready(pod):
    meta = pod.get("metadata") or {}
    if meta.get("deletionTimestamp"):
        return False
    status = pod.get("status") or {}
    if status.get("phase") in TERMINAL_PHASES:
        return False
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in status.get("conditions") or [])


class CapacityReport:
    def __init__(self, floor, initial_ready, min_ready, changes, violations, gaps):
        self.floor = floor
        self.initial_ready = initial_ready
        self.min_ready = min_ready
        self.changes = changes
        self.violations = violations
        self.gaps = gaps

    def describe(self):
        lines = ["floor %d, ready at start %s, lowest %s, %d readiness changes, %d violations"
                 % (self.floor, self.initial_ready, self.min_ready, len(self.changes), len(self.violations))]
        for v in self.violations[:10]:
            lines.append("  at +%.3fs ready=%d < %d after %s %s (%s)"
                         % (v["t"], v["ready"], self.floor, v["event"], v["pod"], v["version"]))
        return "\n".join(lines)


class ReadinessLedger:
    """Ready pods of one app, updated change by change; thread-safe."""

    def __init__(self, namespace, app, floor, app_label="app", version_label="version", clock=time.monotonic):
        self.namespace = namespace
        self.app = app
        self.floor = floor
        self.app_label = app_label
        self.version_label = version_label
        self.clock = clock
        self.ready = {}  # pod name -> version, for ready pods only
        self.changes = []
        self.violations = []
        self.gaps = []
        self.initial_ready = None
        self.min_ready = None
        self.started_at = None
        self._lock = threading.Lock()

    def selects(self, pod):
        meta = pod.get("metadata") or {}
        return meta.get("namespace") == self.namespace and (meta.get("labels") or {}).get(self.app_label) == self.app

    def seed(self, pods, gap=False):
        """The full current set of pods (a list or a relist after a lost watch)."""
        with self._lock:
            if self.started_at is None:
                self.started_at = self.clock()
            before = len(self.ready)
            self.ready = dict((p["metadata"]["name"], self._version(p)) for p in pods
                              if self.selects(p) and pod_is_ready(p))
            if gap:
                self.gaps.append({"t": self._t(), "ready_before": before, "ready_after": len(self.ready)})
            if self.initial_ready is None:
                self.initial_ready = len(self.ready)
            self._check("seed", "-", "-")

    def apply(self, event_type, pod):
        if not self.selects(pod):
            return
        name = pod["metadata"]["name"]
        now_ready = event_type != "DELETED" and pod_is_ready(pod)
        with self._lock:
            was_ready = name in self.ready
            if was_ready == now_ready:
                return
            if now_ready:
                self.ready[name] = self._version(pod)
            else:
                self.ready.pop(name, None)
            self.changes.append({"t": self._t(), "pod": name, "version": self._version(pod),
                                 "ready": now_ready, "event": event_type, "total_ready": len(self.ready)})
            self._check(event_type, name, self._version(pod))

    def _version(self, pod):
        return ((pod.get("metadata") or {}).get("labels") or {}).get(self.version_label)

    def _t(self):
        return round(self.clock() - (self.started_at or self.clock()), 3)

    def _check(self, event, pod, version):
        count = len(self.ready)
        self.min_ready = count if self.min_ready is None else min(self.min_ready, count)
        if count < self.floor:
            self.violations.append({"t": self._t(), "ready": count, "event": event, "pod": pod, "version": version,
                                    "by_version": self.by_version()})

    def by_version(self):
        out = {}
        for version in self.ready.values():
            out[version] = out.get(version, 0) + 1
        return out

    def report(self):
        with self._lock:
            return CapacityReport(self.floor, self.initial_ready, self.min_ready, list(self.changes),
                                  list(self.violations), list(self.gaps))


class CapacityWatcher:
    def __init__(self, ledger, start, stop):
        self.ledger = ledger
        self._start = start
        self._stop = stop
        self.report = None

    @classmethod
    def in_process(cls, fleet, cluster, namespace, app, floor, app_label="app", version_label="version"):
        """Follow the commit stream of a cluster of a fleet started by the fleetsim pytest fixture."""
        ledger = ReadinessLedger(namespace, app, floor, app_label, version_label)
        api = fleet.runtime.clusters[cluster].api
        handle = {}

        def on_commit(event_type, resource_type, obj, old_obj):
            if getattr(resource_type, "kind", None) == "Pod":
                ledger.apply(event_type, obj)

        def subscribe():
            # List and subscribe in one turn of the fleet's loop: no commit can fall between the two.
            ledger.seed(api.list("pods", namespace).get("items") or [])
            handle["unsubscribe"] = api.subscribe(on_commit)

        def start():
            fleet.call(subscribe)

        def stop():
            if "unsubscribe" in handle:
                fleet.call(handle.pop("unsubscribe"))

        return cls(ledger, start, stop)

    @classmethod
    def over_http(cls, client, namespace, app, floor, app_label="app", version_label="version"):
        """Follow a watch with a K8sClient (pods of the app's label); relists after errors are recorded as gaps."""
        ledger = ReadinessLedger(namespace, app, floor, app_label, version_label)
        selector = "%s=%s" % (app_label, app)
        stopping = threading.Event()
        started = threading.Event()

        def relist(gap):
            while not stopping.is_set():
                try:
                    body = client.list("v1", "Pod", namespace, label_selector=selector)
                    ledger.seed(body.get("items") or [], gap=gap)
                    return body["metadata"]["resourceVersion"]
                except Exception:  # injected faults hit the watcher too: try again
                    time.sleep(0.05)
            return None

        def run():
            rv = relist(gap=False)
            started.set()
            while rv is not None and not stopping.is_set():
                try:
                    for event_type, pod in client.watch("v1", "Pod", namespace, label_selector=selector,
                                                        resource_version=rv, timeout_seconds=1):
                        rv = (pod.get("metadata") or {}).get("resourceVersion") or rv
                        if event_type in ("ADDED", "MODIFIED", "DELETED"):
                            ledger.apply(event_type, pod)
                except Exception as err:
                    if getattr(err, "status", None) == 410:
                        rv = relist(gap=True)
                    else:
                        time.sleep(0.05)

        thread = threading.Thread(target=run, daemon=True, name="capacity-watcher")

        def start():
            thread.start()
            started.wait(30)

        def stop():
            stopping.set()
            thread.join(10)

        return cls(ledger, start, stop)

    def start(self):
        self._start()
        return self

    def stop(self):
        self._stop()
        self.report = self.ledger.report()
        return self.report

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False
