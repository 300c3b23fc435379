"""The one retry policy: transient failures back off and give up clearly, only what is safe to resend is resent,
409 on a write the server did not apply is resent, never on a read; conflicting PUTs re-read and re-apply."""

import copy

import pytest

from ansible_collections.progressive.delivery.plugins.module_utils.k8s.errors import (
    K8sAlreadyExistsError,
    K8sConflictError,
    K8sInvalidError,
    K8sNotFoundError,
    K8sUnavailableError,
)
from ansible_collections.progressive.delivery.plugins.module_utils.k8s.retry import (
    RetryPolicy,
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


def quiet(attempts=5):
    return RetryPolicy(attempts, sleep=lambda s: None)


def test_transient_errors_back_off_exponentially_up_to_the_cap():
    fn, calls = _flaky(4, K8sUnavailableError("503", 503, "ServiceUnavailable"))
    sleeps = []
    assert RetryPolicy(5, base_delay=1, max_delay=3, sleep=sleeps.append).run("GET", fn) == "ok"
    assert len(calls) == 5 and sleeps == [1, 2, 3, 3]


def test_gives_up_after_the_last_attempt():
    fn, calls = _flaky(10, K8sUnavailableError("cannot reach the API server", None, "ConnectionRefused"))
    with pytest.raises(K8sUnavailableError) as info:
        quiet(3).run("GET", fn)
    assert len(calls) == 3 and info.value.message.endswith("(gave up after 3 attempts)")


def test_permanent_failures_are_not_retried():
    fn, calls = _flaky(1, K8sUnavailableError("TLS verify failed", None, "TLSVerifyFailed", transient=False))
    with pytest.raises(K8sUnavailableError):
        quiet().run("GET", fn)
    fn, calls2 = _flaky(1, K8sInvalidError("422", 422, "Invalid"))
    with pytest.raises(K8sInvalidError):
        quiet().run("PATCH", fn)
    assert len(calls) == 1 and len(calls2) == 1


def test_server_retry_after_is_honoured():
    err = K8sUnavailableError("429", 429, "TooManyRequests", {"details": {"retryAfterSeconds": 5}})
    fn = _flaky(1, err)[0]
    sleeps = []
    RetryPolicy(5, base_delay=0.5, max_delay=8, sleep=sleeps.append).run("GET", fn)
    assert sleeps == [5]


@pytest.mark.parametrize("verb, body, retried", [
    ("GET", None, False),
    ("LIST", None, False),
    ("PUT", {"metadata": {"resourceVersion": "7"}}, False),
    ("PATCH", {"metadata": {"resourceVersion": "7"}}, False),
    ("PATCH", {"spec": {"replicas": 2}}, True),
    ("DELETE", None, True),
    ("POST", {"metadata": {"name": "web"}}, True),
])
def test_a_409_is_resent_only_for_a_write_the_server_did_not_apply(verb, body, retried):
    fn, calls = _flaky(1, K8sConflictError("409", 409, "Conflict"))
    if retried:
        assert quiet().run(verb, fn, body=body) == "ok" and len(calls) == 2
    else:
        with pytest.raises(K8sConflictError):
            quiet().run(verb, fn, body=body)
        assert len(calls) == 1


def test_already_exists_is_never_resent():
    fn, calls = _flaky(1, K8sAlreadyExistsError("exists", 409, "AlreadyExists"))
    with pytest.raises(K8sAlreadyExistsError):
        quiet().run("POST", fn)
    assert len(calls) == 1


def test_a_create_after_a_5xx_is_resent_only_when_it_did_not_land():
    fn, calls = _flaky(1, K8sUnavailableError("500", 500, "InternalError"))
    assert quiet().run("POST", fn, landed=lambda: None) == "ok" and len(calls) == 2
    fn, calls = _flaky(1, K8sUnavailableError("500", 500, "InternalError"))
    with pytest.raises(K8sAlreadyExistsError) as info:
        quiet().run("POST", fn, landed=lambda: {"metadata": {"name": "web"}})
    assert len(calls) == 1 and "landed" in info.value.message
    fn, calls = _flaky(1, K8sUnavailableError("500", 500, "InternalError"))
    with pytest.raises(K8sUnavailableError):
        quiet().run("POST", fn)  # generateName: nothing can tell whether it landed
    assert len(calls) == 1


def test_a_create_that_never_reached_the_server_is_resent():
    fn, calls = _flaky(2, K8sUnavailableError("refused", None, "ConnectionRefused"))
    assert quiet().run("POST", fn) == "ok" and len(calls) == 3


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
