"""The fleet file: which simulated clusters exist and how they behave.

Shape (YAML)::

    simulation:                    # optional, fleet-wide defaults
      clock_speed: 1               # simulated seconds per real second
      nodes_per_cluster: 3
      pod_ready_delay: 2s          # Pending -> Ready takes delay +- jitter
      pod_ready_jitter: 1s
      requests_per_second: 10      # simulated user traffic per Service
      namespaces: [default]        # created in every cluster at start
    environment_sets:
      services:
        environments: [dev, staging, prod]
        regions: [us-east1, europe-west1]
        simulation: {requests_per_second: 50}   # optional per-set overrides (not clock_speed)

One member cluster per (set, environment, region) named ``<set>-<environment>-<region>`` and one
config cluster per (set, environment) named ``<set>-<environment>-config`` (the cluster that
holds multi-cluster resources, as a GKE fleet's config cluster does).

Any mistake raises one ``FleetFileError`` naming the field path and the fix; nothing is started.
"""
from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

import yaml

NAME_RE = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$")
NAME_RULE = "lowercase letters, digits and '-'"
# Cluster names become kubeconfig contexts and metric label values; keep them DNS labels.
MAX_CLUSTER_NAME = 63
DURATION_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$")
DURATION_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, None: 1.0}

ROLE_MEMBER = "member"
ROLE_CONFIG = "config"


class FleetFileError(ValueError):
    """A fleet file is malformed. ``field`` is the dotted path of the offending field."""

    def __init__(self, field: str, message: str, source: str | None = None):
        self.field = field
        self.source = source
        self.problem = message
        prefix = f"{source}: " if source else ""
        where = f"{field}: " if field else ""
        super().__init__(f"{prefix}{where}{message}")


@dataclasses.dataclass(frozen=True)
class SimulationSettings:
    """Knobs of the simulation (fleet-wide, overridable per environment set)."""

    clock_speed: float = 1.0
    nodes_per_cluster: int = 3
    pod_ready_delay_s: float = 2.0
    pod_ready_jitter_s: float = 1.0
    requests_per_second: float = 10.0
    namespaces: tuple[str, ...] = ("default",)


@dataclasses.dataclass(frozen=True)
class ClusterSpec:
    name: str
    set: str
    environment: str
    region: str | None  # None for a config cluster
    role: str  # ROLE_MEMBER or ROLE_CONFIG
    simulation: SimulationSettings


@dataclasses.dataclass(frozen=True)
class EnvironmentSetSpec:
    name: str
    environments: tuple[str, ...]
    regions: tuple[str, ...]
    simulation: SimulationSettings
    # Knobs the set's own `simulation` block sets (the rest follow the top-level block).
    own_knobs: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True)
class FleetSpec:
    environment_sets: tuple[EnvironmentSetSpec, ...]
    simulation: SimulationSettings
    clusters: tuple[ClusterSpec, ...]

    @classmethod
    def load(cls, path: str | Path, overrides: dict[str, Any] | None = None) -> FleetSpec:
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise FleetFileError("", f"cannot read the fleet file: {exc.strerror}", str(path)) from None
        return cls.from_yaml(text, source=str(path), overrides=overrides)

    @classmethod
    def from_yaml(cls, text: str, source: str | None = None,
                  overrides: dict[str, Any] | None = None) -> FleetSpec:
        try:
            data = yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
        except yaml.YAMLError as exc:
            raise FleetFileError("", f"not valid YAML: {exc}", source) from None
        return cls.from_dict(data, source=source, overrides=overrides)

    @classmethod
    def from_dict(cls, data: Any, source: str | None = None,
                  overrides: dict[str, Any] | None = None) -> FleetSpec:
        """Validate a parsed fleet file. ``overrides`` replace top-level simulation knobs."""
        try:
            return _parse_fleet(data, overrides or {})
        except FleetFileError as exc:
            if source and not exc.source:
                raise FleetFileError(exc.field, exc.problem, source) from None
            raise

    def cluster(self, name: str) -> ClusterSpec:
        for spec in self.clusters:
            if spec.name == name:
                return spec
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        """The normalised fleet file (what `from_dict` accepts), durations in seconds. A set
        lists only the knobs its own block set, so top-level overrides still reach the rest."""
        sets = {}
        for s in self.environment_sets:
            sets[s.name] = {"environments": list(s.environments), "regions": list(s.regions)}
            if s.own_knobs:
                knobs = _settings_to_dict(s.simulation, include_clock=False)
                sets[s.name]["simulation"] = {k: knobs[k] for k in s.own_knobs}
        return {"simulation": _settings_to_dict(self.simulation, include_clock=True),
                "environment_sets": sets}


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that rejects duplicate mapping keys (PyYAML silently keeps the last one)."""

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


_SETTING_FIELDS = {
    "clock_speed": "clock_speed",
    "nodes_per_cluster": "nodes_per_cluster",
    "pod_ready_delay": "pod_ready_delay_s",
    "pod_ready_jitter": "pod_ready_jitter_s",
    "requests_per_second": "requests_per_second",
    "namespaces": "namespaces",
}


def _settings_to_dict(settings: SimulationSettings, include_clock: bool) -> dict[str, Any]:
    out = {key: getattr(settings, attr) for key, attr in _SETTING_FIELDS.items()}
    out["namespaces"] = list(settings.namespaces)
    if not include_clock:
        del out["clock_speed"]
    return out


def _parse_fleet(data: Any, overrides: dict[str, Any]) -> FleetSpec:
    if data is None:
        raise FleetFileError("", "the fleet file is empty; it needs an 'environment_sets' mapping")
    _require_mapping(data, "", "the fleet file")
    _reject_unknown(data, "", {"environment_sets", "simulation"})
    defaults = SimulationSettings()
    top = _parse_settings(data.get("simulation"), "simulation", defaults, allow_clock=True)
    if overrides:
        top = _parse_settings(overrides, "overrides", top, allow_clock=True)
    if "environment_sets" not in data:
        raise FleetFileError("environment_sets", "missing; add at least one environment set, e.g. "
                             "environment_sets: {web: {environments: [dev], regions: [us-east1]}}")
    sets_data = data["environment_sets"]
    _require_mapping(sets_data, "environment_sets", "a mapping of set name to {environments, regions}")
    if not sets_data:
        raise FleetFileError("environment_sets", "is empty; add at least one environment set")

    sets: list[EnvironmentSetSpec] = []
    clusters: list[ClusterSpec] = []
    origin: dict[str, str] = {}
    for set_name, set_data in sets_data.items():
        path = f"environment_sets.{set_name}"
        _check_name(set_name, path, "environment set name")
        _require_mapping(set_data, path, "a mapping with 'environments' and 'regions'")
        _reject_unknown(set_data, path, {"environments", "regions", "simulation"})
        environments = _parse_names(set_data, path, "environments", "environment")
        regions = _parse_names(set_data, path, "regions", "region")
        settings = _parse_settings(set_data.get("simulation"), f"{path}.simulation", top,
                                   allow_clock=False)
        own = tuple(set_data.get("simulation") or ())
        sets.append(EnvironmentSetSpec(set_name, environments, regions, settings, own))
        for env_index, env in enumerate(environments):
            for region_index, region in enumerate(regions):
                name = f"{set_name}-{env}-{region}"
                field = f"{path}.regions[{region_index}]"
                _add_cluster(clusters, origin, field,
                             ClusterSpec(name, set_name, env, region, ROLE_MEMBER, settings))
            _add_cluster(clusters, origin, f"{path}.environments[{env_index}]",
                         ClusterSpec(f"{set_name}-{env}-config", set_name, env, None,
                                     ROLE_CONFIG, settings))
    return FleetSpec(tuple(sets), top, tuple(clusters))


def _add_cluster(clusters: list[ClusterSpec], origin: dict[str, str], field: str,
                 spec: ClusterSpec) -> None:
    if len(spec.name) > MAX_CLUSTER_NAME:
        raise FleetFileError(field, f'cluster name "{spec.name}" is {len(spec.name)} characters; '
                             f"cluster names are at most {MAX_CLUSTER_NAME}: shorten the set, "
                             "environment or region name")
    if spec.name in origin:
        raise FleetFileError(field, f'cluster name "{spec.name}" is also produced by '
                             f"{origin[spec.name]}; cluster names must be unique: rename a set, "
                             "environment or region")
    origin[spec.name] = field
    clusters.append(spec)


def _parse_names(set_data: dict, path: str, key: str, what: str) -> tuple[str, ...]:
    field = f"{path}.{key}"
    if key not in set_data:
        raise FleetFileError(field, f"missing; list at least one {what}, e.g. {key}: "
                             f"[{'dev' if what == 'environment' else 'us-east1'}]")
    values = set_data[key]
    if not isinstance(values, list):
        raise FleetFileError(field, f"must be a list of {what} names, got {_describe(values)}")
    if not values:
        raise FleetFileError(field, f"is empty; list at least one {what}")
    seen: set[str] = set()
    for index, value in enumerate(values):
        item = f"{field}[{index}]"
        _check_name(value, item, f"{what} name")
        if value in seen:
            raise FleetFileError(item, f'"{value}" is listed twice; each {what} once')
        seen.add(value)
    return tuple(values)


def _check_name(value: Any, field: str, what: str) -> None:
    if not isinstance(value, str):
        raise FleetFileError(field, f"{_describe(value)} is not a valid {what}: expected a string "
                             f"of {NAME_RULE} (quote it in YAML)")
    if not NAME_RE.match(value):
        hint = ""
        if re.fullmatch(r"[a-z0-9-]*", value):
            hint = "; it must start and end with a letter or digit" if value else "; it is empty"
        raise FleetFileError(field, f'"{value}" is not a valid {what} ({NAME_RULE}){hint}')


def _parse_settings(data: Any, path: str, base: SimulationSettings,
                    allow_clock: bool) -> SimulationSettings:
    if data is None:
        return base
    _require_mapping(data, path, "a mapping of simulation knobs")
    allowed = set(_SETTING_FIELDS)
    if not allow_clock:
        if "clock_speed" in data:
            raise FleetFileError(f"{path}.clock_speed", "the clock is shared by the whole fleet; "
                                 "set clock_speed in the top-level 'simulation' block")
        allowed.discard("clock_speed")
    _reject_unknown(data, path, allowed)
    changes: dict[str, Any] = {}
    for key, value in data.items():
        field = f"{path}.{key}"
        if key == "clock_speed":
            changes["clock_speed"] = _number(value, field, minimum=0.0, exclusive=True)
        elif key == "nodes_per_cluster":
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise FleetFileError(field, f"{_describe(value)} is not valid: expected a whole "
                                     "number of nodes, at least 1")
            changes["nodes_per_cluster"] = value
        elif key in ("pod_ready_delay", "pod_ready_jitter"):
            changes[_SETTING_FIELDS[key]] = _duration(value, field)
        elif key == "requests_per_second":
            changes["requests_per_second"] = _number(value, field, minimum=0.0, exclusive=False)
        elif key == "namespaces":
            if not isinstance(value, list):
                raise FleetFileError(field, f"must be a list of namespace names, got "
                                     f"{_describe(value)}")
            for index, ns in enumerate(value):
                _check_name(ns, f"{field}[{index}]", "namespace name")
                if len(ns) > MAX_CLUSTER_NAME:  # namespaces are DNS labels too
                    raise FleetFileError(f"{field}[{index}]", f'"{ns}" is {len(ns)} characters; '
                                         "namespace names are at most 63")
            changes["namespaces"] = tuple(dict.fromkeys(value))
    return dataclasses.replace(base, **changes)


def _number(value: Any, field: str, minimum: float, exclusive: bool) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise FleetFileError(field, f"{_describe(value)} is not a number")
    if value < minimum or (exclusive and value == minimum):
        bound = f"greater than {minimum:g}" if exclusive else f"at least {minimum:g}"
        raise FleetFileError(field, f"{value!r} is out of range: must be {bound}")
    return float(value)


def _duration(value: Any, field: str) -> float:
    if isinstance(value, bool):
        raise FleetFileError(field, f"{_describe(value)} is not a duration (e.g. 2s, 500ms, 1.5)")
    if isinstance(value, (int, float)):
        seconds = float(value)
    elif isinstance(value, str) and (match := DURATION_RE.match(value)):
        seconds = float(match.group(1)) * DURATION_UNITS[match.group(2)]
    else:
        raise FleetFileError(field, f"{_describe(value)} is not a duration: use seconds (1.5) or a "
                             "number with a unit: 500ms, 2s, 1m, 1h")
    if seconds < 0:
        raise FleetFileError(field, f"{value!r} is negative: durations must be 0 or more")
    return seconds


def _require_mapping(value: Any, field: str, expected: str) -> None:
    if not isinstance(value, dict):
        raise FleetFileError(field, f"must be {expected}, got {_describe(value)}")


def _reject_unknown(data: dict, path: str, allowed: set[str]) -> None:
    for key in data:
        if key not in allowed:
            field = f"{path}.{key}" if path else str(key)
            raise FleetFileError(field, f"unknown key; allowed here: {', '.join(sorted(allowed))}")


def _describe(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return f"a {'mapping' if isinstance(value, dict) else 'list'}"
    return f'"{value}"' if isinstance(value, str) else repr(value)
