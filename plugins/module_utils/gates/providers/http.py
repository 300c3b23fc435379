# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""HTTP smoke provider: N requests, each judged on status, latency, JMESPath and regex.

``result`` is the share of requests that passed every assertion (0.0-1.0); without a
condition the check needs ``result >= required_pass_ratio`` (default 1.0). A body that is
not JSON fails every ``json_assertions`` entry: it is never a pass.
"""

from __future__ import annotations

import json
import re
import time
from urllib.parse import urlparse

from ansible_collections.progressive.delivery.plugins.module_utils.gates.conditions import Condition
from ansible_collections.progressive.delivery.plugins.module_utils.gates.http_request import send
from ansible_collections.progressive.delivery.plugins.module_utils.gates.measurement import (
    Observation,
    ProviderError,
    Series,
    format_value,
)
from ansible_collections.progressive.delivery.plugins.module_utils.gates.providers.base import Provider
from ansible_collections.progressive.delivery.plugins.module_utils.gates.providers.jmespath_support import (
    compile_expression,
    is_truthy,
)

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


class HttpProvider(Provider):
    name = "http"
    options = {
        "url": {"type": "str"},
        "method": {"type": "str"},
        "headers": {"type": "dict"},
        "body": {"type": "raw"},
        "status_codes": {"type": "list", "elements": "int"},
        "json_assertions": {"type": "list", "elements": "str"},
        "body_regex": {"type": "str"},
        "max_latency_ms": {"type": "float"},
        "requests": {"type": "int"},
        "request_interval": {"type": "float"},
        "required_pass_ratio": {"type": "float", "no_log": False},
        "request_timeout": {"type": "float"},
        "validate_certs": {"type": "bool"},
        "ca_cert": {"type": "path"},
    }
    required = ("url",)

    @classmethod
    def validate(cls, spec):
        super(HttpProvider, cls).validate(spec)
        url = spec.option("url")
        if not url:
            raise spec.error("an http check needs url")
        parsed = urlparse(url)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise spec.error("url '%s' is not an http:// or https:// URL" % url)
        method = str(spec.option("method", "GET")).upper()
        if method not in METHODS:
            raise spec.error("method '%s' is not one of %s" % (method, ", ".join(METHODS)))
        if int(spec.option("requests", 1)) < 1:
            raise spec.error("requests must be >= 1")
        ratio = float(spec.option("required_pass_ratio", 1.0))
        if not 0.0 < ratio <= 1.0:
            raise spec.error("required_pass_ratio must be > 0 and <= 1, got %s" % ratio)
        codes = spec.option("status_codes", [200])
        if not codes or not all(100 <= int(c) <= 599 for c in codes):
            raise spec.error("status_codes must be HTTP status codes (100-599), got %s" % codes)
        pattern = spec.option("body_regex")
        if pattern is not None:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise spec.error("body_regex '%s' is not a valid regular expression: %s" % (pattern, exc))
        for expression in spec.option("json_assertions", []):
            compile_expression(spec, "json_assertions", expression)

    @classmethod
    def condition_names(cls, spec):
        return {"result", "required_pass_ratio", "requests", "passed"}

    def default_condition(self, spec):
        return Condition("result >= required_pass_ratio", self.condition_names(spec))

    def __init__(self, spec, context):
        super(HttpProvider, self).__init__(spec, context)
        self.url = spec.option("url")
        self.method = str(spec.option("method", "GET")).upper()
        self.headers = dict(spec.option("headers", {}))
        body = spec.option("body")
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
            if not any(k.lower() == "content-type" for k in self.headers):
                self.headers["Content-Type"] = "application/json"
        self.body = body.encode("utf-8") if isinstance(body, str) else body
        self.status_codes = [int(c) for c in spec.option("status_codes", [200])]
        self.assertions = [(text, compile_expression(spec, "json_assertions", text))
                           for text in spec.option("json_assertions", [])]
        pattern = spec.option("body_regex")
        self.regex = re.compile(pattern) if pattern is not None else None
        max_latency = spec.option("max_latency_ms")
        self.max_latency = float(max_latency) / 1000.0 if max_latency is not None else None
        self.requests = int(spec.option("requests", 1))
        self.request_interval = float(spec.option("request_interval", 0))
        self.required_pass_ratio = float(spec.option("required_pass_ratio", 1.0))
        self.timeout = float(spec.option("request_timeout", 10))
        self.validate_certs = spec.option("validate_certs", True) is not False
        self.ca_path = spec.option("ca_cert")

    def _problems(self, response):
        """Why one response does not pass (empty list: it passes)."""
        problems = []
        if response.status not in self.status_codes:
            problems.append("HTTP %d, expected %s" % (
                response.status, " or ".join(str(c) for c in self.status_codes)))
        if self.max_latency is not None and response.elapsed > self.max_latency:
            problems.append("took %.0f ms, max_latency_ms %.0f" % (response.elapsed * 1000, self.max_latency * 1000))
        if self.assertions:
            try:
                document = json.loads(response.text())
            except ValueError:
                problems.append("body is not JSON, so json_assertions cannot hold (body starts %r)"
                                % response.text()[:60])
            else:
                for text, expression in self.assertions:
                    value = expression.search(document)
                    if not is_truthy(value):
                        problems.append("json assertion '%s' is %s" % (text, format_value(value)))
        if self.regex is not None and not self.regex.search(response.text()):
            problems.append("body does not match body_regex '%s'" % self.regex.pattern)
        return problems

    def measure(self):
        series = []
        failures = []
        transport_errors = 0
        passed = 0
        for number in range(1, self.requests + 1):
            if number > 1 and self.request_interval:
                time.sleep(self.request_interval)
            try:
                response = send(self.method, self.url, headers=self.headers, body=self.body,
                                timeout=self.timeout, validate_certs=self.validate_certs, ca_path=self.ca_path)
            except ProviderError as exc:
                transport_errors += 1
                failures.append("request %d: %s" % (number, exc))
                series.append(Series({"request": str(number), "status": "none"}, None))
                continue
            problems = self._problems(response)
            if problems:
                failures.append("request %d: %s" % (number, "; ".join(problems)))
            else:
                passed += 1
            series.append(Series({"request": str(number), "status": str(response.status)}, response.elapsed))
        if transport_errors == self.requests:
            # Nothing answered: we learned nothing about the app, so this is an error, not a failure.
            raise ProviderError("no request got an answer: %s" % failures[0])
        detail = None
        if failures:
            detail = "%d of %d requests failed; first: %s" % (len(failures), self.requests, failures[0])
        ratio = passed / float(self.requests)
        return Observation(
            series=series, scalar=ratio, detail=detail, label="pass ratio",
            names={"required_pass_ratio": self.required_pass_ratio, "requests": self.requests, "passed": passed},
        )
