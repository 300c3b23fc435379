# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Prometheus provider: instant PromQL queries through the HTTP API (/api/v1/query).

``result`` is the query's value (one series), the list of values (several series), or each
series' value with ``per_series: true`` (then ``labels`` names the series). ``baseline`` is the
value of ``baseline_query`` (one value), so one check can compare canary and stable:
``result <= baseline * 1.2 + 0.001``.
"""

from __future__ import annotations

import json
import re
from urllib.parse import urlencode

from ansible_collections.progressive.delivery.plugins.module_utils.gates.http_request import send
from ansible_collections.progressive.delivery.plugins.module_utils.gates.measurement import (
    CheckConfigError,
    Observation,
    ProviderError,
    Series,
)
from ansible_collections.progressive.delivery.plugins.module_utils.gates.providers.base import Provider

_BASELINE_WORD = re.compile(r"\bbaseline\b")
# Longest urlencoded query sent with GET; proxies commonly reject URLs over 8 KiB.
MAX_GET_QUERY = 4000


def _shorten(text, limit=300):
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "..."


def _to_float(raw):
    # Prometheus writes sample values as strings: "0.5", "NaN", "+Inf", "-Inf".
    return float(raw)


class PrometheusProvider(Provider):
    name = "prometheus"
    options = {"query": {"type": "str"}, "baseline_query": {"type": "str"}}
    required = ("query",)
    requires_condition = True

    @classmethod
    def validate(cls, spec):
        for field in ("query", "baseline_query"):
            value = spec.option(field)
            if value is not None and not str(value).strip():
                raise spec.error("%s is empty; give a PromQL expression" % field)
        if not spec.option("query"):
            raise spec.error("a prometheus check needs query (a PromQL expression)")
        if spec.option("baseline_query") is None:
            for field in ("success_condition", "failure_condition"):
                if _BASELINE_WORD.search(spec.option(field, "")):
                    raise spec.error("%s uses 'baseline' but the check has no baseline_query; add "
                                     "baseline_query (e.g. the stable version's query)" % field)

    @classmethod
    def condition_names(cls, spec):
        names = {"result"}
        if spec.option("baseline_query") is not None:
            names.add("baseline")
        if spec.per_series:
            names.add("labels")
        return names

    def __init__(self, spec, context):
        super(PrometheusProvider, self).__init__(spec, context)
        config = context.prometheus
        url = config.get("url")
        if not url:
            raise CheckConfigError(spec.name, "uses provider prometheus but prometheus.url is not set; "
                                   "set prometheus: {url: http://prometheus:9090}")
        self.base_url = url.rstrip("/")
        self.endpoint = self.base_url + "/api/v1/query"
        self.who = "Prometheus at %s" % url.rstrip("/")
        self.timeout = float(config.get("timeout") or 10)
        self.validate_certs = config.get("validate_certs", True) is not False
        self.ca_path = config.get("ca_cert")
        self.username = config.get("username")
        self.password = config.get("password")
        self.headers = dict(config.get("headers") or {})
        if config.get("bearer_token"):
            self.headers["Authorization"] = "Bearer %s" % config["bearer_token"]

    def start(self):
        # With an initial delay, find a query Prometheus rejects now rather than after the wait.
        if self.spec.initial_delay > 0:
            for query in (self.spec.option("query"), self.spec.option("baseline_query")):
                if query:
                    try:
                        self.query(query)
                    except ProviderError:
                        continue  # unreachable now: measurements will record it on schedule

    def query(self, promql):
        """(list of Series, no-data reason or None) for one instant query."""
        return self._parse(self.fetch(self.endpoint, promql), promql)

    def fetch(self, endpoint, promql, **params):
        """The ``data`` of a successful answer of ``endpoint`` (the range judge asks /api/v1/query_range)."""
        form = urlencode([("query", promql)] + sorted(params.items()) + [("timeout", "%gs" % self.timeout)])
        if len(form) <= MAX_GET_QUERY:
            method, url, body, headers = "GET", "%s?%s" % (endpoint, form), None, self.headers
        else:
            # Long queries go as a form POST (the API accepts both) to stay under URL length limits.
            method, url, body = "POST", endpoint, form.encode("utf-8")
            headers = dict(self.headers, **{"Content-Type": "application/x-www-form-urlencoded"})
        response = send(method, url, headers=headers, body=body, timeout=self.timeout,
                        validate_certs=self.validate_certs, ca_path=self.ca_path,
                        username=self.username, password=self.password, who=self.who)
        try:
            body = json.loads(response.text())
        except ValueError:
            body = None
        if response.status in (400, 422) and isinstance(body, dict) and body.get("status") == "error":
            error_type = body.get("errorType", "error")
            message = "%s rejected the query (HTTP %d %s: %s); query: %s" % (
                self.who, response.status, error_type, body.get("error", ""), _shorten(promql))
            if error_type == "bad_data":
                raise CheckConfigError(self.spec.name, message)
            raise ProviderError(message)
        if response.status in (401, 403):
            raise CheckConfigError(self.spec.name, "%s refused the request (HTTP %d); check "
                                   "prometheus.bearer_token or prometheus.username/password"
                                   % (self.who, response.status))
        if response.status != 200 or not isinstance(body, dict):
            raise ProviderError("%s answered HTTP %d to %s: %s" % (
                self.who, response.status, endpoint, _shorten(response.text(), 200) or "(empty body)"))
        if body.get("status") != "success":
            raise ProviderError("%s could not run the query (%s: %s); query: %s" % (
                self.who, body.get("errorType"), body.get("error"), _shorten(promql)))
        return body.get("data") or {}

    def _parse(self, data, promql):
        result_type = data.get("resultType")
        result = data.get("result")
        try:
            if result_type == "vector":
                series = [Series(item.get("metric"), _to_float(item["value"][1])) for item in result or []]
                if not series:
                    return [], "the query returned no series"
                return series, None
            if result_type == "scalar":
                return [Series({}, _to_float(result[1]))], None
        except (KeyError, IndexError, TypeError, ValueError) as exc:
            raise ProviderError("unexpected Prometheus response (%s): %s" % (exc, _shorten(json.dumps(data), 200)))
        if result_type == "matrix":
            raise CheckConfigError(self.spec.name, "the query returns a range vector (resultType matrix) but "
                                   "conditions need one value per series; wrap the range selector in a "
                                   "function such as rate(...[5m]) or avg_over_time(...[5m]); query: %s"
                                   % _shorten(promql))
        raise CheckConfigError(self.spec.name, "the query returns resultType %s; conditions need a number "
                               "(an instant vector or scalar); query: %s" % (result_type, _shorten(promql)))

    def measure(self):
        series, no_data = self.query(self.spec.option("query"))
        if no_data:
            return Observation.empty(no_data)
        baseline = None
        baseline_query = self.spec.option("baseline_query")
        if baseline_query:
            baseline_series, baseline_no_data = self.query(baseline_query)
            if baseline_no_data:
                return Observation(series=series, no_data="baseline_query returned no series")
            if len(baseline_series) > 1:
                raise CheckConfigError(self.spec.name, "baseline_query returned %d series; it must return one "
                                       "value (aggregate it, e.g. sum(...) or max(...)); query: %s"
                                       % (len(baseline_series), _shorten(baseline_query)))
            baseline = baseline_series[0].value
        return Observation(series=series, baseline=baseline)
