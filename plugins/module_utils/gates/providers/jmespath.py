# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""jmespath provider: an expression over JSON data given to the task (e.g. another task's result).

``result`` is the expression's value. Without a condition it must be truthy in JMESPath's
sense (not null/false/""/[]/{}); a null result (path not found) is "no data".
"""

from __future__ import annotations

import json

from ansible_collections.progressive.delivery.plugins.module_utils.gates.measurement import Observation
from ansible_collections.progressive.delivery.plugins.module_utils.gates.providers.base import Provider
from ansible_collections.progressive.delivery.plugins.module_utils.gates.providers.jmespath_support import (
    compile_expression,
    is_truthy,
)


def _as_json(data):
    """A JSON document passed as text (e.g. a command's stdout) is searched as JSON."""
    if isinstance(data, str):
        try:
            return json.loads(data)
        except ValueError:
            return data
    return data


class TruthyCondition(object):
    """The default jmespath condition: the result is truthy (JMESPath semantics)."""

    text = "result is truthy"

    def evaluate(self, env):
        return is_truthy(env["result"])


class JmespathProvider(Provider):
    name = "jmespath"
    options = {"data": {"type": "raw"}, "expression": {"type": "str"}}
    required = ("expression", "data")

    @classmethod
    def validate(cls, spec):
        super(JmespathProvider, cls).validate(spec)
        if spec.option("expression") is None:
            raise spec.error("a jmespath check needs expression (a JMESPath expression over data)")
        if "data" not in spec.raw or spec.raw.get("data") is None:
            raise spec.error("a jmespath check needs data (the JSON to evaluate, e.g. a registered result)")
        compile_expression(spec, "expression", spec.option("expression"))

    def default_condition(self, spec):
        return TruthyCondition()

    def __init__(self, spec, context):
        super(JmespathProvider, self).__init__(spec, context)
        self.expression = compile_expression(spec, "expression", spec.option("expression"))
        self.data = _as_json(spec.option("data"))

    def measure(self):
        value = self.expression.search(self.data)
        if value is None:
            return Observation.empty("expression '%s' returned null (path not found in data)"
                                     % self.spec.option("expression"))
        return Observation(scalar=value)
