"""The waiter follows a real rollout by watch, falls back to polling, fails fast and times out."""

import copy
import time

import pytest

from ansible_collections.progressive.delivery.plugins.module_utils.k8s.predicates import (
    deployment_rollout_status,
    object_gone,
)
from ansible_collections.progressive.delivery.plugins.module_utils.k8s.waiter import (
    Waiter,
    WaitFailedError,
    WaitTimeoutError,
)
from ansible_collections.progressive.delivery.tests.unit.module_utils.k8s.fake_apiserver import Watch, status_body
from ansible_collections.progressive.delivery.tests.unit.module_utils.k8s.samples import load_fixture

DEPLOY = "/apis/apps/v1/namespaces/shop/deployments/web-v1"
DEPLOYS = "/apis/apps/v1/namespaces/shop/deployments"
ROLLOUT_EVENTS = load_fixture("watch_deployments_stream.jsonl")


def _event_object(rv):
    return next(e["object"] for e in ROLLOUT_EVENTS if e["object"]["metadata"]["resourceVersion"] == rv)


def _wait(client, predicate=deployment_rollout_status, **kwargs):
    return Waiter(client, **kwargs).wait_for("apps/v1", "Deployment", "shop", "web-v1", predicate)


def test_follows_a_real_rollout_by_watch(apiserver, make_client):
    patched = load_fixture("deploy_patch_image.json")  # generation 3 not yet observed
    apiserver.add("GET", DEPLOY, (200, patched))
    apiserver.add("GET", DEPLOYS, Watch(ROLLOUT_EVENTS))
    obj, elapsed = _wait(make_client(), timeout=30)
    # 334..426 are intermediate (old generation observed, surge and terminating pods); 436 is the end.
    assert obj["metadata"]["resourceVersion"] == "436"
    assert 0 <= elapsed < 5
    watch = apiserver.calls("GET", DEPLOYS)[0]
    assert watch.query["resourceVersion"] == patched["metadata"]["resourceVersion"]
    assert watch.query["fieldSelector"] == "metadata.name=web-v1"
    assert len(apiserver.calls("GET", DEPLOY)) == 1


def test_falls_back_to_polling_when_watch_is_refused(apiserver, make_client):
    apiserver.add("GET", DEPLOY, (200, load_fixture("deploy_patch_image.json")), (200, _event_object("358")),
                  (200, _event_object("436")))
    apiserver.add("GET", DEPLOYS, (405, status_body(405, "MethodNotAllowed", "watch is not supported")))
    sleeps = []
    waiter = Waiter(make_client(), timeout=30, sleep=3, sleeper=sleeps.append)
    obj = waiter.wait_for("apps/v1", "Deployment", "shop", "web-v1", deployment_rollout_status)[0]
    assert obj["metadata"]["resourceVersion"] == "436"
    assert "405" in waiter.watch_failed_reason
    assert sleeps == [3, 3] and len(apiserver.calls("GET", DEPLOYS)) == 1


def test_an_api_blip_while_polling_does_not_abort_the_wait(apiserver, make_client):
    apiserver.add("GET", DEPLOY, (200, load_fixture("deploy_patch_image.json")),
                  (503, status_body(503, "ServiceUnavailable", "apiserver restarting")), (200, _event_object("436")))
    apiserver.add("GET", DEPLOYS, (405, status_body(405, "MethodNotAllowed", "no watch")))
    obj = _wait(make_client(retry_attempts=1), timeout=30, sleep=0.05)[0]
    assert obj["metadata"]["resourceVersion"] == "436"


def test_progress_deadline_exceeded_fails_at_once(apiserver, make_client):
    stuck = copy.deepcopy(_event_object("405"))
    for cond in stuck["status"]["conditions"]:
        if cond["type"] == "Progressing":
            cond.update(status="False", reason="ProgressDeadlineExceeded",
                        message='ReplicaSet "web-v1-6548c6cf9c" has timed out progressing.')
    apiserver.add("GET", DEPLOY, (200, stuck))
    with pytest.raises(WaitFailedError) as info:
        _wait(make_client(), timeout=600)
    assert "exceeded its progress deadline" in info.value.message and "'fake-ctx'" in info.value.message
    assert info.value.last_object == stuck
    assert not apiserver.calls("GET", DEPLOYS)  # no watch opened: it failed before waiting


def test_times_out_with_the_last_status(apiserver, make_client):
    apiserver.add("GET", DEPLOY, (200, load_fixture("deploy_patch_image.json")))
    apiserver.add("GET", DEPLOYS, Watch([]))
    started = time.monotonic()
    with pytest.raises(WaitTimeoutError) as info:
        _wait(make_client(), timeout=0.6, sleep=0.1)
    assert 0.6 <= time.monotonic() - started < 3
    assert "timed out after" in info.value.message
    assert info.value.last_status == "Waiting for deployment spec update to be observed..."
    assert info.value.to_dict()["reason"] == "WaitTimeout"


def test_expired_watch_is_reopened_from_a_fresh_read(apiserver, make_client):
    expired = {"type": "ERROR", "object": status_body(410, "Expired", "too old resource version")}
    apiserver.add("GET", DEPLOY, (200, load_fixture("deploy_patch_image.json")), (200, _event_object("402")))
    apiserver.add("GET", DEPLOYS, Watch([expired]), Watch(ROLLOUT_EVENTS[10:]))
    obj = _wait(make_client(), timeout=30)[0]
    assert obj["metadata"]["resourceVersion"] == "436"
    watches = apiserver.calls("GET", DEPLOYS)
    patched_rv = load_fixture("deploy_patch_image.json")["metadata"]["resourceVersion"]
    assert [w.query["resourceVersion"] for w in watches] == [patched_rv, "402"]


def test_waits_for_deletion_by_watch(apiserver, make_client):
    ready = load_fixture("deploy_after_ready.json")
    apiserver.add("GET", DEPLOY, (200, ready))
    apiserver.add("GET", DEPLOYS, Watch([{"type": "MODIFIED", "object": ready}, {"type": "DELETED", "object": ready}]))
    obj = _wait(make_client(), predicate=object_gone, timeout=30)[0]
    assert obj is None


def test_plain_boolean_predicates_are_accepted(apiserver, make_client):
    apiserver.add("GET", DEPLOY, (200, load_fixture("deploy_after_ready.json")))
    obj = _wait(make_client(), predicate=lambda o: o["spec"]["replicas"] == 3, timeout=5)[0]
    assert obj["metadata"]["name"] == "web-v1"


def test_returns_as_soon_as_done_even_if_the_watch_stays_open(apiserver, make_client):
    apiserver.add("GET", DEPLOY, (200, load_fixture("deploy_patch_image.json")), (200, _event_object("436")))
    apiserver.add("GET", DEPLOYS, Watch(ROLLOUT_EVENTS[-2:], hold=5))
    client = make_client()
    started = time.monotonic()
    obj = _wait(client, timeout=30)[0]
    assert obj["metadata"]["resourceVersion"] == "436"
    # The next request must not wait for (or read from) the still-open watch connection.
    assert client.get("apps/v1", "Deployment", "shop", "web-v1")["metadata"]["resourceVersion"] == "436"
    assert time.monotonic() - started < 2


def test_an_unanswered_first_read_is_not_taken_for_absence(apiserver, make_client):
    # object_gone must not succeed because the API was down when the wait began.
    ready = load_fixture("deploy_after_ready.json")
    apiserver.add("GET", DEPLOY, (503, status_body(503, "ServiceUnavailable", "apiserver restarting")), (200, ready),
                  (404, load_fixture("deploy_get_404.json")))
    apiserver.add("GET", DEPLOYS, Watch([{"type": "DELETED", "object": ready}]))
    obj = _wait(make_client(retry_attempts=1), predicate=object_gone, timeout=30, sleep=0.05)[0]
    assert obj is None
    assert len(apiserver.calls("GET", DEPLOY)) >= 2  # the 503, then a real answer before deciding
    assert apiserver.calls("GET", DEPLOYS)  # and the watch resumed once the state was known
