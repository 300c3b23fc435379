"""Bounded retries: transient failures back off and give up clearly; 409 conflicts re-read and re-apply."""

import copy

import pytest

from ansible_collections.progressive.delivery.plugins.module_utils.k8s.errors import (
    K8sConflictError,
    K8sInvalidError,
    K8sNotFoundError,
    K8sUnavailableError,
)
from ansible_collections.progressive.delivery.plugins.module_utils.k8s.retry import (
    call_with_retries,
    update_with_conflict_retry,
)
from ansible_collections.progressive.delivery.tests.unit.module_utils.k8s.samples import load_fixture

DEPLOY = "/apis/apps/v1/namespaces/shop/deployments/web-v1"


def _flaky(failures, error):
    calls = []

    def fn():
        calls.append(1)
        if len(calls) <= failures:
            raise error
        return "ok"

    return fn, calls


def test_transient_errors_back_off_exponentially_up_to_the_cap():
    fn, calls = _flaky(4, K8sUnavailableError("503", 503, "ServiceUnavailable"))
    sleeps = []
    assert call_with_retries(fn, attempts=5, base_delay=1, max_delay=3, sleep=sleeps.append) == "ok"
    assert len(calls) == 5 and sleeps == [1, 2, 3, 3]


def test_gives_up_after_the_last_attempt():
    fn, calls = _flaky(10, K8sUnavailableError("cannot reach the API server", None, "ConnectionRefused"))
    with pytest.raises(K8sUnavailableError) as info:
        call_with_retries(fn, attempts=3, sleep=lambda s: None)
    assert len(calls) == 3 and info.value.message.endswith("(gave up after 3 attempts)")


def test_permanent_failures_are_not_retried():
    fn, calls = _flaky(1, K8sUnavailableError("TLS verify failed", None, "TLSVerifyFailed", transient=False))
    with pytest.raises(K8sUnavailableError):
        call_with_retries(fn, sleep=lambda s: None)
    fn, calls2 = _flaky(1, K8sInvalidError("422", 422, "Invalid"))
    with pytest.raises(K8sInvalidError):
        call_with_retries(fn, sleep=lambda s: None)
    assert len(calls) == 1 and len(calls2) == 1


def test_server_retry_after_is_honoured():
    err = K8sUnavailableError("429", 429, "TooManyRequests", {"details": {"retryAfterSeconds": 5}})
    fn = _flaky(1, err)[0]
    sleeps = []
    call_with_retries(fn, base_delay=0.5, max_delay=8, sleep=sleeps.append)
    assert sleeps == [5]


def _bump(obj, rv, replicas):
    obj = copy.deepcopy(obj)
    obj["metadata"]["resourceVersion"] = rv
    obj["spec"]["replicas"] = replicas
    return obj


def test_conflict_rereads_and_reapplies_on_the_fresh_object(apiserver, make_client):
    first = load_fixture("deploy_after_ready.json")
    # Between our GET and PUT someone scaled it to 5 (new resourceVersion): our PUT must carry theirs.
    theirs = _bump(first, "9001", 5)
    apiserver.add("GET", DEPLOY, (200, first), (200, theirs))
    apiserver.add("PUT", DEPLOY, (409, load_fixture("deploy_put_409_conflict.json")),
                  lambda req: (200, req.body))

    def add_label(obj):
        obj["metadata"]["labels"]["rollout"] = "canary"

    stored = update_with_conflict_retry(make_client(), "apps/v1", "Deployment", "shop", "web-v1", add_label,
                                        sleep=lambda s: None)
    puts = apiserver.calls("PUT", DEPLOY)
    assert len(puts) == 2 and len(apiserver.calls("GET", DEPLOY)) == 2
    assert puts[0].body["metadata"]["resourceVersion"] == first["metadata"]["resourceVersion"]
    assert puts[1].body["metadata"]["resourceVersion"] == "9001"
    assert stored["spec"]["replicas"] == 5 and stored["metadata"]["labels"]["rollout"] == "canary"


def test_no_change_means_no_write(apiserver, make_client):
    apiserver.add("GET", DEPLOY, (200, load_fixture("deploy_after_ready.json")))
    stored = update_with_conflict_retry(make_client(), "apps/v1", "Deployment", "shop", "web-v1", lambda obj: obj)
    assert stored["metadata"]["name"] == "web-v1" and not apiserver.calls("PUT")


def test_conflicts_forever_give_up(apiserver, make_client):
    apiserver.add("GET", DEPLOY, (200, load_fixture("deploy_after_ready.json")))
    apiserver.add("PUT", DEPLOY, (409, load_fixture("deploy_put_409_conflict.json")))
    with pytest.raises(K8sConflictError) as info:
        update_with_conflict_retry(make_client(), "apps/v1", "Deployment", "shop", "web-v1",
                                   lambda obj: _bump(obj, "1", 9), attempts=3, sleep=lambda s: None)
    assert "gave up after 3 conflicting writes" in info.value.message and len(apiserver.calls("PUT")) == 3


def test_update_of_missing_object_says_create_it(apiserver, make_client):
    apiserver.add("GET", DEPLOY, (404, load_fixture("deploy_get_404.json")))
    with pytest.raises(K8sNotFoundError) as info:
        update_with_conflict_retry(make_client(), "apps/v1", "Deployment", "shop", "web-v1", lambda obj: obj)
    assert "does not exist" in info.value.message and "'fake-ctx'" in info.value.message
