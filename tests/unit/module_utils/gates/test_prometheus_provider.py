"""The prometheus provider against a local server speaking the /api/v1/query wire format."""

from __future__ import annotations

import base64
from urllib.parse import parse_qs

import pytest

from ansible_collections.progressive.delivery.plugins.module_utils.gates.check_spec import build_check_specs
from ansible_collections.progressive.delivery.plugins.module_utils.gates.measurement import (
    CheckConfigError,
    ProviderError,
)
from ansible_collections.progressive.delivery.plugins.module_utils.gates.providers.base import GateContext
from ansible_collections.progressive.delivery.plugins.module_utils.gates.providers.prometheus import (
    PrometheusProvider,
)
from ansible_collections.progressive.delivery.plugins.module_utils.gates.providers.registry import PROVIDERS


def vector(*samples):
    return {"status": "success", "data": {"resultType": "vector", "result": [
        {"metric": labels, "value": [1764156000.0, value]} for labels, value in samples]}}


def provider(url, prometheus=None, **options):
    raw = {"name": "error-ratio", "provider": "prometheus", "query": 'sum(rate(x{version="v2"}[1m]))',
           "success_condition": "result < 1"}
    raw.update(options)
    (spec,) = build_check_specs([raw], PROVIDERS)
    config = {"url": url}
    config.update(prometheus or {})
    return PrometheusProvider(spec, GateContext(prometheus=config))


def test_instant_vector_with_one_series(server):
    server.route("/api/v1/query", lambda r: (200, {}, vector(({"version": "v2"}, "0.25"))))
    observation = provider(server.url).measure()
    assert [(s.labels, s.value) for s in observation.series] == [({"version": "v2"}, 0.25)]
    assert observation.no_data is None
    assert server.requests[0]["query"]["query"] == 'sum(rate(x{version="v2"}[1m]))'
    assert server.requests[0]["query"]["timeout"] == "10s"


def test_prometheus_special_values_are_floats(server):
    server.route("/api/v1/query", lambda r: (200, {}, vector(({"a": "1"}, "NaN"), ({"a": "2"}, "+Inf"))))
    values = [s.value for s in provider(server.url).measure().series]
    assert values[0] != values[0] and values[1] == float("inf")


def test_scalar_result(server):
    server.route("/api/v1/query", lambda r: (200, {}, {"status": "success", "data": {
        "resultType": "scalar", "result": [1764156000.0, "3"]}}))
    assert provider(server.url).measure().series[0].value == 3.0


def test_empty_vector_is_no_data(server):
    server.route("/api/v1/query", lambda r: (200, {}, vector()))
    assert provider(server.url).measure().no_data == "the query returned no series"


def test_baseline_query_gives_baseline(server):
    def answer(request):
        value = "0.02" if "stable" in request["query"]["query"] else "0.03"
        return 200, {}, vector(({}, value))
    server.route("/api/v1/query", answer)
    observation = provider(server.url, baseline_query="q{v='stable'}",
                           success_condition="result <= baseline * 1.2").measure()
    assert (observation.series[0].value, observation.baseline) == (0.03, 0.02)


def test_baseline_with_several_series_is_a_config_error(server):
    server.route("/api/v1/query", lambda r: (200, {}, vector(({"a": "1"}, "1"), ({"a": "2"}, "1"))))
    with pytest.raises(CheckConfigError, match="baseline_query returned 2 series; it must return one value"):
        provider(server.url, baseline_query="q", success_condition="result <= baseline").measure()


def test_bad_data_400_is_a_config_error_with_prometheus_message(server):
    server.route("/api/v1/query", lambda r: (400, {}, {
        "status": "error", "errorType": "bad_data",
        "error": 'invalid parameter "query": 1:8: parse error: unexpected end of input'}))
    with pytest.raises(CheckConfigError) as err:
        provider(server.url, query="sum(rate(").measure()
    assert str(err.value) == (
        "check 'error-ratio': Prometheus at %s rejected the query (HTTP 400 bad_data: invalid parameter \"query\": "
        "1:8: parse error: unexpected end of input); query: sum(rate(" % server.url)


def test_execution_error_422_is_a_measurement_error(server):
    server.route("/api/v1/query", lambda r: (422, {}, {
        "status": "error", "errorType": "execution", "error": "many-to-many matching not allowed"}))
    with pytest.raises(ProviderError, match="HTTP 422 execution: many-to-many matching not allowed"):
        provider(server.url).measure()


def test_range_vector_query_is_a_config_error_with_advice(server):
    server.route("/api/v1/query", lambda r: (200, {}, {"status": "success", "data": {
        "resultType": "matrix", "result": [{"metric": {}, "values": [[1, "1"]]}]}}))
    with pytest.raises(CheckConfigError, match=r"range vector .* wrap the range selector"):
        provider(server.url, query="x[5m]").measure()


def test_server_error_is_a_measurement_error(server):
    server.route("/api/v1/query", lambda r: (503, {}, b"Service Unavailable"))
    with pytest.raises(ProviderError, match="answered HTTP 503 to .*/api/v1/query: Service Unavailable"):
        provider(server.url).measure()


def test_wrong_path_is_a_measurement_error_naming_the_endpoint(server):
    with pytest.raises(ProviderError, match=r"^Prometheus at http://\S+/prefix answered HTTP 404 to \S+/prefix/api/v1/query"):
        provider(server.url + "/prefix/").measure()


def test_unreachable_prometheus_is_a_measurement_error(closed_port_url):
    with pytest.raises(ProviderError, match="refused the connection"):
        provider(closed_port_url).measure()


def test_bearer_token_is_sent(server):
    server.route("/api/v1/query", lambda r: (200, {}, vector(({}, "1"))))
    provider(server.url, prometheus={"bearer_token": "s3cret"}).measure()
    assert server.requests[0]["headers"]["Authorization"] == "Bearer s3cret"


def test_basic_auth_is_sent(server):
    server.route("/api/v1/query", lambda r: (200, {}, vector(({}, "1"))))
    provider(server.url, prometheus={"username": "gate", "password": "pw"}).measure()
    expected = "Basic " + base64.b64encode(b"gate:pw").decode()
    assert server.requests[0]["headers"]["Authorization"] == expected


def test_rejected_credentials_are_a_config_error(server):
    server.route("/api/v1/query", lambda r: (401, {}, b"Unauthorized"))
    with pytest.raises(CheckConfigError, match="refused the request \\(HTTP 401\\); check prometheus.bearer_token"):
        provider(server.url).measure()


def test_initial_delay_sends_the_query_once_at_start_to_catch_bad_promql(server):
    server.route("/api/v1/query", lambda r: (400, {}, {"status": "error", "errorType": "bad_data", "error": "x"}))
    with pytest.raises(CheckConfigError):
        provider(server.url, initial_delay="10m").start()


def test_start_tolerates_unreachable_prometheus(closed_port_url):
    assert provider(closed_port_url, initial_delay="10m").start() is None


def test_missing_prometheus_url_is_a_config_error():
    (spec,) = build_check_specs([{"name": "e", "provider": "prometheus", "query": "up",
                                  "success_condition": "result == 1"}], PROVIDERS)
    with pytest.raises(CheckConfigError, match="prometheus.url is not set"):
        PrometheusProvider(spec, GateContext(prometheus=None))


def test_long_queries_are_posted_as_a_form(server):
    server.route("/api/v1/query", lambda r: (200, {}, vector(({}, "1"))))
    long_query = "sum(" + " + ".join('rate(x{pod="pod-%04d"}[1m])' % n for n in range(300)) + ")"
    provider(server.url, query=long_query).measure()
    sent = server.requests[0]
    assert sent["method"] == "POST" and sent["headers"]["Content-Type"] == "application/x-www-form-urlencoded"
    assert parse_qs(sent["body"].decode())["query"] == [long_query]
