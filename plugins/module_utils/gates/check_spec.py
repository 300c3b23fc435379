# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Turn the task's ``checks`` list into validated ``CheckSpec`` objects.

Everything that can be wrong with a check is found here, before any measurement or wait:
unknown options for the provider, conditions that do not parse, names a condition uses
that the check does not define, limits that make no sense.
"""

from __future__ import annotations

import re

from ansible_collections.progressive.delivery.plugins.module_utils.gates.conditions import (
    Condition,
    ConditionError,
)
from ansible_collections.progressive.delivery.plugins.module_utils.gates.measurement import CheckConfigError

ON_NO_DATA = ("inconclusive", "fail", "pass")

# Options every check has, whatever its provider (the analysis schedule and conditions).
# The options every check has, as the module's argument spec declares them; each provider declares its own
# (Provider.options), and providers/registry.check_argument_spec() puts them together for gate_check.
COMMON_OPTIONS = {
    "name": {"type": "str", "required": True},
    "provider": {"type": "str", "required": True},
    "success_condition": {"type": "str"},
    "failure_condition": {"type": "str"},
    "per_series": {"type": "bool", "default": False},
    "vars": {"type": "dict"},
    "interval": {"type": "str"},
    "count": {"type": "int", "default": 1},
    "initial_delay": {"type": "str", "default": "0"},
    "failure_limit": {"type": "int", "default": 0},
    "inconclusive_limit": {"type": "int", "default": 0},
    "consecutive_error_limit": {"type": "int", "default": 4},
    "dry_run": {"type": "bool", "default": False},
    "on_no_data": {"type": "str", "default": "inconclusive", "choices": ["inconclusive", "fail", "pass"]},
}

# Argo Rollouts' defaults.
DEFAULTS = {
    "per_series": False,
    "count": 1,
    "interval": None,
    "initial_delay": 0,
    "failure_limit": 0,
    "inconclusive_limit": 0,
    "consecutive_error_limit": 4,
    "dry_run": False,
    "on_no_data": "inconclusive",
}

_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h)")
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_NUMBER = re.compile(r"^\s*[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*$")


def parse_duration(value, field):
    """Seconds from ``30``, ``"30"``, ``"30s"``, ``"500ms"``, ``"5m"``, ``"1h"`` or ``"1m30s"``."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError("%s: expected a duration such as 30s or 5m, got %r" % (field, value))
    if isinstance(value, (int, float)):
        seconds = float(value)
    else:
        text = str(value).strip()
        if _NUMBER.match(text):
            seconds = float(text)
        else:
            parts = _DURATION_PART.findall(text)
            if not parts or "".join(n + u for n, u in parts) != text:
                raise ValueError(
                    "%s: '%s' is not a duration; write seconds (30) or a Go-style duration "
                    "(500ms, 30s, 5m, 1h, 1m30s)" % (field, value)
                )
            seconds = sum(float(number) * _UNIT_SECONDS[unit] for number, unit in parts)
    if seconds < 0:
        raise ValueError("%s: a duration cannot be negative (got %r)" % (field, value))
    return seconds


def _coerce_var(value):
    """Ansible templating hands numbers over as strings ("0.01"); conditions compare numbers."""
    if isinstance(value, str) and _NUMBER.match(value):
        number = float(value)
        return int(number) if number.is_integer() and "." not in value and "e" not in value.lower() else number
    if isinstance(value, list):
        return [_coerce_var(v) for v in value]
    return value


class CheckSpec(object):
    """One validated check: schedule, limits, conditions and provider options."""

    def __init__(self, raw, position):
        self.position = position
        self.name = raw.get("name")
        self.provider = raw.get("provider")
        self.raw = raw
        self.label = "checks[%d] '%s'" % (position, self.name)

        def get(key):
            value = raw.get(key)
            return DEFAULTS.get(key) if value is None else value

        self.per_series = bool(get("per_series"))
        self.dry_run = bool(get("dry_run"))
        self.on_no_data = get("on_no_data")
        if self.on_no_data not in ON_NO_DATA:
            raise self.error("on_no_data must be one of %s, got '%s'" % (", ".join(ON_NO_DATA), self.on_no_data))
        self.count = self._non_negative_int(get("count"), "count", minimum=1)
        self.failure_limit = self._non_negative_int(get("failure_limit"), "failure_limit")
        self.inconclusive_limit = self._non_negative_int(get("inconclusive_limit"), "inconclusive_limit")
        self.consecutive_error_limit = self._non_negative_int(
            get("consecutive_error_limit"), "consecutive_error_limit")
        try:
            self.interval = parse_duration(raw.get("interval"), "interval")
            self.initial_delay = parse_duration(get("initial_delay"), "initial_delay")
        except ValueError as exc:
            raise self.error(str(exc))
        if self.count > 1 and not self.interval:
            raise self.error("count is %d but no interval is set; set interval (e.g. 30s) so measurements "
                             "are spread over time" % self.count)
        self.interval = self.interval or 0.0

        self.vars = {}
        for key, value in (raw.get("vars") or {}).items():
            if not _IDENTIFIER.match(str(key)) or key in ("result", "baseline", "labels"):
                raise self.error("vars key '%s' cannot be used in conditions; use a name like error_budget "
                                 "(letters, digits, _; not result/baseline/labels)" % key)
            self.vars[key] = _coerce_var(value)
        self.success_condition = None
        self.failure_condition = None

    def error(self, message):
        """The error to raise for a bad option of this check, naming it."""
        return CheckConfigError(None, "%s: %s" % (self.label, message))

    def _non_negative_int(self, value, field, minimum=0):
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise self.error("%s must be an integer, got %r" % (field, value))
        if number < minimum:
            raise self.error("%s must be >= %d, got %d" % (field, minimum, number))
        return number

    def option(self, key, default=None):
        value = self.raw.get(key)
        return default if value is None else value

    def compile_conditions(self, names):
        """Parse success/failure conditions with the names the provider defines."""
        allowed = set(names) | set(self.vars)
        for field in ("success_condition", "failure_condition"):
            text = self.raw.get(field)
            if text is None:
                continue
            try:
                condition = Condition(text, allowed)
            except ConditionError as exc:
                raise self.error("%s %s" % (field, exc))
            setattr(self, field, condition)


def build_check_specs(checks, providers):
    """Validate every check; ``providers`` maps provider name -> provider class."""
    if not checks:
        raise CheckConfigError(None, "checks is empty: give at least one check")
    specs = []
    seen = set()
    for position, raw in enumerate(checks):
        if not isinstance(raw, dict):
            raise CheckConfigError(None, "checks[%d] must be a dict with name, provider and options, got %r"
                                   % (position, raw))
        name = raw.get("name")
        if not name:
            raise CheckConfigError(None, "checks[%d] has no name; every check needs a unique name" % position)
        if name in seen:
            raise CheckConfigError(None, "checks[%d]: the name '%s' is used by two checks; names must be "
                                   "unique so measurements can be told apart" % (position, name))
        seen.add(name)
        provider_class = providers.get(raw.get("provider"))
        if provider_class is None:
            raise CheckConfigError(None, "checks[%d] '%s': unknown provider '%s'; use one of %s"
                                   % (position, name, raw.get("provider"), ", ".join(sorted(providers))))
        spec = CheckSpec(raw, position)
        foreign = sorted(
            key for key, value in raw.items()
            if value is not None and key not in COMMON_OPTIONS and key not in provider_class.options
        )
        if foreign:
            raise spec.error("option(s) %s do not apply to provider %s (its options: %s)"
                             % (", ".join(foreign), spec.provider, ", ".join(provider_class.options)))
        provider_class.validate(spec)
        spec.compile_conditions(provider_class.condition_names(spec))
        if provider_class.requires_condition and not (spec.success_condition or spec.failure_condition):
            raise spec.error("a %s check needs success_condition and/or failure_condition, e.g. "
                             "success_condition: \"result <= 0.01\"" % spec.provider)
        specs.append(spec)
    return specs
