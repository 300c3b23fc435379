"""A provider that replays a script of observations and errors, for engine tests."""

from __future__ import annotations

from ansible_collections.progressive.delivery.plugins.module_utils.gates.analysis import Analysis, CheckRun
from ansible_collections.progressive.delivery.plugins.module_utils.gates.check_spec import build_check_specs
from ansible_collections.progressive.delivery.plugins.module_utils.gates.measurement import (
    Observation,
    ProviderError,
    Series,
)
from ansible_collections.progressive.delivery.plugins.module_utils.gates.providers.base import (
    GateContext,
    Provider,
)

EMPTY = "EMPTY"
NAN = float("nan")
ERR = ProviderError("GET http://prom/api/v1/query: cannot connect: [Errno 111] Connection refused")


class Scripted(Provider):
    """Each measurement takes the next script item: a number, EMPTY, a list of (labels, value), or an exception."""

    name = "scripted"
    options = ("script", "baseline_script", "measure_seconds")
    requires_condition = True

    @classmethod
    def validate(cls, spec):
        return None  # per_series is allowed: the script can return several series

    @classmethod
    def condition_names(cls, spec):
        return {"result", "baseline", "labels"}

    def __init__(self, spec, context):
        super().__init__(spec, context)
        self.script = list(spec.option("script"))
        self.baselines = list(spec.option("baseline_script", []))
        self.started = False
        self.clock = context.clock

    def start(self):
        self.started = True

    def measure(self):
        if self.spec.option("measure_seconds"):
            self.clock.now_s += self.spec.option("measure_seconds")
        item = self.script.pop(0)
        baseline = self.baselines.pop(0) if self.baselines else None
        if isinstance(item, Exception):
            raise item
        if item == EMPTY:
            return Observation.empty("the query returned no series")
        if isinstance(item, list):
            return Observation(series=[Series(labels, value) for labels, value in item], baseline=baseline)
        return Observation(series=[Series({}, item)], baseline=baseline)


def analysis(checks, clock):
    context = GateContext()
    context.clock = clock
    specs = build_check_specs(checks, {"scripted": Scripted})
    return Analysis([CheckRun(spec, Scripted(spec, context)) for spec in specs], clock=clock)


def check(name="error-ratio", script=(0.001,), **options):
    raw = {"name": name, "provider": "scripted", "script": list(script),
           "success_condition": "result <= 0.01"}
    raw.update(options)
    return raw
