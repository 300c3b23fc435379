"""AppWatch: one watch stream serves every wait of a step; pods are read only when a slice ends undecided."""

import pytest

from ansible_collections.progressive.delivery.plugins.module_utils.k8s.errors import (
    K8sForbiddenError,
    K8sGoneError,
)
from ansible_collections.progressive.delivery.plugins.module_utils.release.app_watch import AppWatch
from ansible_collections.progressive.delivery.plugins.module_utils.release.errors import CanaryFailed, ReleaseError


def dep(name, replicas, ready, generation=2, observed=None, rv="10"):
    observed = generation if observed is None else observed
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": name, "namespace": "shop", "generation": generation, "resourceVersion": rv},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": "web", "version": name}},
                     "template": {"metadata": {"labels": {"app": "web", "version": name}}}},
            "status": {"observedGeneration": observed, "replicas": replicas, "updatedReplicas": replicas,
                       "readyReplicas": ready, "availableReplicas": ready}}


def crashing_pod():
    return {"metadata": {"name": "v2-a"}, "status": {
        "phase": "Running", "conditions": [{"type": "Ready", "status": "False"}],
        "containerStatuses": [{"name": "web", "ready": False, "restartCount": 4,
                               "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 40s"}},
                               "lastState": {"terminated": {"exitCode": 1, "reason": "Error"}}}]}}


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


class ScriptedClient:
    """Each watch() call plays the next scripted stream; a stream that runs out ends like a server timeout."""

    context = "test"

    def __init__(self, clock, streams, pods=(), gets=None):
        self.clock = clock
        self.streams = list(streams)
        self.pods = list(pods)
        self.gets = gets or {}
        self.calls = []

    def watch(self, api_version, kind, namespace=None, name=None, label_selector=None, resource_version=None,
              timeout_seconds=None):
        self.calls.append(("watch", resource_version, timeout_seconds))
        stream = self.streams.pop(0)
        if isinstance(stream, Exception):
            raise stream
        return self._play(stream, timeout_seconds)

    def _play(self, stream, timeout_seconds):
        opened = self.clock.now
        for delay, event in stream:
            self.clock.now += delay
            yield event
        self.clock.now = max(self.clock.now, opened + timeout_seconds)

    def list(self, api_version, kind, namespace=None, label_selector=None, field_selector=None):
        self.calls.append(("list", kind))
        if kind == "Pod":
            return {"items": self.pods}
        if kind == "Event":
            return {"items": []}
        return {"items": list(self.gets.values()), "metadata": {"resourceVersion": "50"}}

    def get(self, api_version, kind, namespace, name):
        self.calls.append(("get", name))
        self.clock.now += 0.1
        return self.gets.get(name)


def make(client, clock, deployments, timeout=30):
    return AppWatch(client, "shop", deployments, "7", timeout, sleep=2, clock=clock, sleeper=clock.sleep)


def test_one_stream_from_the_lists_version_serves_the_growing_and_the_shrinking_side():
    clock = Clock()
    canary_patched = dep("v2", 3, 2, generation=3, observed=2)
    stable_patched = dep("v1", 1, 2, generation=5, observed=4)
    client = ScriptedClient(clock, [[
        (0.5, ("MODIFIED", dep("v2", 3, 2, generation=3, rv="11"))),
        (2.0, ("MODIFIED", dep("v2", 3, 3, generation=3, rv="12"))),
        (0.1, ("MODIFIED", dep("v1", 1, 1, generation=5, rv="14"))),
    ]])
    watch = make(client, clock, [dep("v1", 2, 2, generation=4), dep("v2", 2, 2)])
    watch.observe(canary_patched)
    assert watch.until_rolled_out(canary_patched)["status"]["readyReplicas"] == 3
    watch.observe(stable_patched)
    assert watch.until_rolled_out(stable_patched)["status"]["readyReplicas"] == 1
    assert client.calls == [("watch", "7", 4)]
    assert watch.resource_version == "14"


def test_an_event_from_before_our_own_patch_does_not_end_the_wait():
    clock = Clock()
    patched = dep("v2", 3, 2, generation=3, observed=2)
    client = ScriptedClient(clock, [[
        (0.1, ("MODIFIED", dep("v2", 2, 2, generation=2, rv="9"))),  # rolled out, but at the old spec
        (1.0, ("MODIFIED", dep("v2", 3, 3, generation=3, rv="12"))),
    ]])
    watch = make(client, clock, [dep("v2", 2, 2)])
    watch.observe(patched)
    assert watch.until_rolled_out(patched)["spec"]["replicas"] == 3
    assert clock.now == pytest.approx(1.1)


def test_a_crash_loop_ends_the_wait_after_one_slice_with_one_pod_read():
    clock = Clock()
    patched = dep("v2", 2, 1, generation=3)
    client = ScriptedClient(clock, [[]], pods=[crashing_pod()])
    watch = make(client, clock, [patched])
    with pytest.raises(CanaryFailed, match="CrashLoopBackOff"):
        watch.until_rolled_out(patched)
    assert [c[0] for c in client.calls] == ["watch", "list"]
    assert clock.now == pytest.approx(4.0)


def test_a_slow_rollout_resumes_the_watch_from_the_last_event_after_each_slice():
    clock = Clock()
    patched = dep("v2", 2, 1, generation=3)
    client = ScriptedClient(clock, [
        [(1.0, ("MODIFIED", dep("v2", 2, 1, generation=3, rv="20")))],
        [(3.0, ("MODIFIED", dep("v2", 2, 2, generation=3, rv="21")))],
    ])
    watch = make(client, clock, [patched])
    assert watch.until_rolled_out(patched)["status"]["readyReplicas"] == 2
    assert client.calls == [("watch", "7", 4), ("list", "Pod"), ("watch", "20", 4)]


def test_a_compacted_resume_point_is_read_again_with_one_list():
    clock = Clock()
    patched = dep("v2", 2, 1, generation=3)
    client = ScriptedClient(clock, [K8sGoneError("too old resource version", 410, "Expired"),
                                    [(0.5, ("MODIFIED", dep("v2", 2, 2, generation=3, rv="51")))]],
                            gets={"v2": dep("v2", 2, 1, generation=3, rv="49")})
    watch = make(client, clock, [patched])
    assert watch.until_rolled_out(patched)["status"]["readyReplicas"] == 2
    assert client.calls == [("watch", "7", 4), ("list", "Deployment"), ("watch", "50", 4)]


def test_without_watch_permission_the_wait_polls():
    clock = Clock()
    patched = dep("v2", 2, 1, generation=3)
    client = ScriptedClient(clock, [K8sForbiddenError("watch deployments.apps is forbidden", 403, "Forbidden")],
                            gets={"v2": dep("v2", 2, 2, generation=3)})
    watch = make(client, clock, [patched])
    assert watch.until_rolled_out(patched)["status"]["readyReplicas"] == 2
    assert client.calls == [("watch", "7", 4), ("get", "v2")]
    assert "forbidden" in watch.watch_failed_reason


def test_a_rollout_that_never_completes_times_out_naming_wait_timeout():
    clock = Clock()
    patched = dep("v2", 2, 1, generation=3)
    client = ScriptedClient(clock, [[]] * 5, pods=[])
    watch = make(client, clock, [patched], timeout=10)
    with pytest.raises(ReleaseError) as err:
        watch.until_rolled_out(patched)
    assert err.value.field == "wait_timeout" and "timed out after 10s" in err.value.message
