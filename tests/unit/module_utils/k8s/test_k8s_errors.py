"""API failures become one-line messages naming the context, the object and what to do."""

import socket

import pytest

from ansible_collections.progressive.delivery.plugins.module_utils.k8s.client import K8sClient, build_configuration
from ansible_collections.progressive.delivery.plugins.module_utils.k8s.errors import (
    K8sAlreadyExistsError,
    K8sConflictError,
    K8sForbiddenError,
    K8sInvalidError,
    K8sNotFoundError,
    K8sUnauthorizedError,
    K8sUnavailableError,
    describe_object,
    error_from_exception,
    error_from_status,
)
from ansible_collections.progressive.delivery.tests.unit.module_utils.k8s.fake_apiserver import (
    FakeApiServer,
    self_signed_tls_context,
    status_body,
)
from ansible_collections.progressive.delivery.tests.unit.module_utils.k8s.samples import load_fixture

TARGET = describe_object("Deployment", "shop", "web-v1")


def _assert_one_line(err):
    assert "\n" not in err.message and "Traceback" not in err.message
    assert "'prod-eu'" in err.message and "Deployment shop/web-v1" in err.message


def test_real_404_status():
    err = error_from_status(404, load_fixture("deploy_get_404.json"), "prod-eu", TARGET, "get")
    assert isinstance(err, K8sNotFoundError) and err.status == 404 and err.reason == "NotFound"
    _assert_one_line(err)
    assert 'deployments.apps "nope" not found' in err.message and "Check the name and namespace" in err.message


def test_real_409_conflict_status():
    err = error_from_status(409, load_fixture("deploy_put_409_conflict.json"), "prod-eu", TARGET, "replace")
    assert isinstance(err, K8sConflictError) and not isinstance(err, K8sAlreadyExistsError) and err.reason == "Conflict"
    _assert_one_line(err)
    assert "re-read the object and apply the change again" in err.message


def test_real_409_already_exists_status():
    err = error_from_status(409, load_fixture("deploy_create_409_already_exists.json"), "prod-eu", TARGET, "create")
    assert isinstance(err, K8sAlreadyExistsError) and isinstance(err, K8sConflictError)
    _assert_one_line(err)
    assert "already exists" in err.message and "replace/patch" in err.message


def test_real_422_names_the_invalid_field():
    err = error_from_status(422, load_fixture("deploy_patch_422_invalid.json"), "prod-eu", TARGET, "patch")
    assert isinstance(err, K8sInvalidError)
    _assert_one_line(err)
    assert "spec.replicas: Invalid value: -1: must be greater than or equal to 0" in err.message
    assert err.details["details"]["causes"][0]["field"] == "spec.replicas"


@pytest.mark.parametrize("code,reason,cls,hint", [
    (401, "Unauthorized", K8sUnauthorizedError, "Refresh the token"),
    (403, "Forbidden", K8sForbiddenError, "RBAC"),
    (500, "InternalError", K8sUnavailableError, "retry later"),
    (503, "ServiceUnavailable", K8sUnavailableError, "retry later"),
    (429, "TooManyRequests", K8sUnavailableError, "retry later"),
])
def test_auth_and_server_statuses(code, reason, cls, hint):
    body = status_body(code, reason, 'deployments.apps "web-v1" is forbidden: User "ci" cannot patch')
    err = error_from_status(code, body, "prod-eu", TARGET, "patch")
    assert isinstance(err, cls) and err.status == code
    _assert_one_line(err)
    assert hint in err.message


def test_non_json_error_body_is_still_one_line():
    err = error_from_status(502, b"<html>\n<h1>Bad Gateway</h1>\n</html>", "prod-eu", TARGET, "get")
    assert isinstance(err, K8sUnavailableError)
    _assert_one_line(err)
    assert "Bad Gateway" in err.message


def test_a_malformed_status_is_still_an_error_and_one_line():
    # A proxy or a broken server can answer any JSON: a list as the code, an object as the reason.
    err = error_from_status(404, b'{"kind": "Status", "code": [404], "reason": {"why": "?"}}', "prod-eu", TARGET, "get")
    assert type(err).__name__ == "K8sApiError"
    _assert_one_line(err)


def _free_port():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


def _client(host, **auth):
    configuration = build_configuration(dict(host=host, **auth), environ={})[0]
    return K8sClient(configuration, "prod-eu", retry_attempts=1)


def test_connection_refused():
    client = _client("http://127.0.0.1:%d" % _free_port())
    with pytest.raises(K8sUnavailableError) as info:
        client.get("apps/v1", "Deployment", "shop", "web-v1")
    assert info.value.reason == "ConnectionRefused" and info.value.transient
    _assert_one_line(info.value)
    assert "refused the connection" in info.value.message and "127.0.0.1" in info.value.message


def test_dns_failure():
    # .invalid never resolves (RFC 2606).
    client = _client("https://api.cluster.invalid:6443")
    with pytest.raises(K8sUnavailableError) as info:
        client.get("apps/v1", "Deployment", "shop", "web-v1")
    assert info.value.reason == "DNSFailure" and not info.value.transient
    _assert_one_line(info.value)
    assert "does not resolve" in info.value.message


def test_tls_verification_failure(tmp_path):
    ctx, cert = self_signed_tls_context(tmp_path)
    server = FakeApiServer(tls_context=ctx)
    server.add("GET", "/apis/apps/v1/namespaces/shop/deployments/web-v1", (200, load_fixture("deploy_after_ready.json")))
    try:
        with pytest.raises(K8sUnavailableError) as info:
            _client(server.url).get("apps/v1", "Deployment", "shop", "web-v1")
        assert info.value.reason == "TLSVerifyFailed"
        _assert_one_line(info.value)
        assert "ca_cert" in info.value.message
        # With the cluster CA configured the same call works: the failure was really about trust.
        obj = _client(server.url, ca_cert=str(cert)).get("apps/v1", "Deployment", "shop", "web-v1")
        assert obj["metadata"]["name"] == "web-v1"
    finally:
        server.close()


def test_unknown_exception_is_described_not_dumped():
    err = error_from_exception(RuntimeError("boom\nsecond line"), "prod-eu", "https://x", TARGET, "get")
    _assert_one_line(err)
    assert "RuntimeError: boom second line" in err.message
