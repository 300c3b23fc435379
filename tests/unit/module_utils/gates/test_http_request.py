"""gates/http_request.send as the prometheus and http providers use it: redirects, proxies from the environment,
a connection per request, and transport failures said as sentences that lead with what was observed."""

from __future__ import annotations

import time

import pytest

from ansible_collections.progressive.delivery.plugins.module_utils.gates import http_request
from ansible_collections.progressive.delivery.plugins.module_utils.gates.measurement import ProviderError


@pytest.fixture(autouse=True)
def no_proxy_from_the_machine(monkeypatch):
    for name in ("http_proxy", "https_proxy", "no_proxy", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "all_proxy",
                 "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    http_request._POOLS.clear()


def test_a_get_follows_redirects_and_a_post_gets_the_redirect_as_its_answer(server):
    server.route("/old", lambda r: (302, {"Location": "/new"}, b""))
    server.route("/new", lambda r: (200, {}, b"here"))
    followed = http_request.send("GET", server.url + "/old")
    assert followed.status == 200 and followed.body == b"here"
    assert [r["path"] for r in server.requests] == ["/old", "/new"]

    answered = http_request.send("POST", server.url + "/old", body=b"x")
    assert answered.status == 302 and answered.headers["Location"] == "/new"
    assert [r["path"] for r in server.requests] == ["/old", "/new", "/old"]


def test_each_request_asks_for_its_own_connection(server):
    server.route("/healthz", lambda r: (200, {}, b"ok"))
    http_request.send("GET", server.url + "/healthz")
    http_request.send("GET", server.url + "/healthz")
    assert [r["headers"].get("Connection") for r in server.requests] == ["close", "close"]


def test_the_proxy_of_the_environment_is_used_and_no_proxy_is_honoured(server, closed_port_url, monkeypatch):
    server.route("/api/v1/query", lambda r: (200, {}, b"via proxy"))
    monkeypatch.setenv("http_proxy", server.url)
    target = "http://prometheus.monitoring.svc:9090/api/v1/query?query=up"
    response = http_request.send("GET", target)
    assert response.status == 200 and response.body == b"via proxy"
    assert server.requests[-1]["target"] == target  # asked as a proxy: the absolute URL

    monkeypatch.setenv("no_proxy", "127.0.0.1")
    with pytest.raises(ProviderError, match="refused the connection"):
        http_request.send("GET", closed_port_url + "/api/v1/query", who="Prometheus at %s" % closed_port_url)
    assert len(server.requests) == 1


def test_a_server_that_does_not_answer_in_time_is_named_with_the_timeout(server):
    server.route("/slow", lambda r: (time.sleep(1.0), (200, {}, b"late"))[1])
    with pytest.raises(ProviderError) as info:
        http_request.send("GET", server.url + "/slow?query=secret", timeout=0.2, who="Prometheus at %s" % server.url)
    assert str(info.value) == "Prometheus at %s did not answer within 0.2s" % server.url


def test_basic_auth_is_sent_before_any_challenge(server):
    server.route("/api", lambda r: (200, {}, b"ok"))
    http_request.send("GET", server.url + "/api", username="gate", password="pw")
    assert server.requests[0]["headers"]["Authorization"] == "Basic Z2F0ZTpwdw=="


def test_a_malformed_url_is_said_as_such():
    with pytest.raises(ProviderError, match="invalid URL"):
        http_request.send("GET", "http://[::1/x")
