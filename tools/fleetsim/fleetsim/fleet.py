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

The structure and the cluster names come from the collection's fleet model (fleet_model.py), the
definition the inventory plugin reads too; this module adds the simulation knobs' values.
Any mistake raises one ``FleetFileError`` naming the field path and the fix; nothing is started.
"""
from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

import yaml

from fleetsim import fleet_model

DURATION_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$")
DURATION_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, None: 1.0}

ROLE_MEMBER = fleet_model.model.ROLE_MEMBER
ROLE_CONFIG = fleet_model.model.ROLE_CONFIG


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
    """The structure (sets, environments, regions, cluster names) comes from the collection's fleet
    model, the one definition the inventory plugin reads too; the knobs' values are fleetsim's."""
    try:
        fleet = fleet_model.model.parse_fleet(data)
    except fleet_model.FleetError as exc:
        raise FleetFileError(exc.field, exc.problem) from None
    top = _parse_settings(data.get("simulation"), "simulation", SimulationSettings())
    if overrides:
        for key in overrides:
            if key not in fleet_model.model.SIMULATION_KEYS:
                raise FleetFileError(f"overrides.{key}", "unknown key; allowed here: "
                                     + ", ".join(sorted(fleet_model.model.SIMULATION_KEYS)))
        top = _parse_settings(overrides, "overrides", top)
    sets: list[EnvironmentSetSpec] = []
    clusters: list[ClusterSpec] = []
    for fleet_set in fleet.sets:
        set_data = data["environment_sets"][fleet_set.name]
        path = f"environment_sets.{fleet_set.name}"
        settings = _parse_settings(set_data.get("simulation"), f"{path}.simulation", top)
        environments = tuple(env.name for env in fleet_set.environments)
        sets.append(EnvironmentSetSpec(fleet_set.name, environments, fleet_set.regions, settings,
                                       tuple(set_data.get("simulation") or ())))
        for env in fleet_set.environments:
            for member in env.clusters:
                clusters.append(ClusterSpec(member.name, member.set, member.environment, member.region,
                                            ROLE_MEMBER, settings))
            config = env.config_cluster
            clusters.append(ClusterSpec(config.name, config.set, config.environment, None, ROLE_CONFIG, settings))
    return FleetSpec(tuple(sets), top, tuple(clusters))


def _parse_settings(data: Any, path: str, base: SimulationSettings) -> SimulationSettings:
    """The knobs' values (their names and where each may appear were checked by the fleet model)."""
    if data is None:
        return base
    changes: dict[str, Any] = {}
    for key, value in data.items():
        field = f"{path}.{key}"
        if key == "clock_speed":
            changes["clock_speed"] = _number(value, field, minimum=0.0, exclusive=True)
        elif key == "nodes_per_cluster":
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise FleetFileError(field, f"{fleet_model.model.describe(value)} is not valid: expected a whole "
                                     "number of nodes, at least 1")
            changes["nodes_per_cluster"] = value
        elif key in ("pod_ready_delay", "pod_ready_jitter"):
            changes[_SETTING_FIELDS[key]] = _duration(value, field)
        elif key == "requests_per_second":
            changes["requests_per_second"] = _number(value, field, minimum=0.0, exclusive=False)
        elif key == "namespaces":
            if not isinstance(value, list):
                raise FleetFileError(field, f"must be a list of namespace names, got "
                                     f"{fleet_model.model.describe(value)}")
            for index, ns in enumerate(value):
                if not isinstance(ns, str) or not fleet_model.model.NAME_RE.match(ns):
                    raise FleetFileError(f"{field}[{index}]", f"{fleet_model.model.describe(ns)} is not a valid "
                                         f"namespace name ({fleet_model.model.NAME_RULE})")
                if len(ns) > fleet_model.model.MAX_CLUSTER_NAME:  # namespaces are DNS labels too
                    raise FleetFileError(f"{field}[{index}]", f'"{ns}" is {len(ns)} characters; '
                                         "namespace names are at most 63")
            changes["namespaces"] = tuple(dict.fromkeys(value))
    return dataclasses.replace(base, **changes)


def _number(value: Any, field: str, minimum: float, exclusive: bool) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise FleetFileError(field, f"{fleet_model.model.describe(value)} is not a number")
    if value < minimum or (exclusive and value == minimum):
        bound = f"greater than {minimum:g}" if exclusive else f"at least {minimum:g}"
        raise FleetFileError(field, f"{value!r} is out of range: must be {bound}")
    return float(value)


def _duration(value: Any, field: str) -> float:
    if isinstance(value, bool):
        raise FleetFileError(field, f"{fleet_model.model.describe(value)} is not a duration (e.g. 2s, 500ms, 1.5)")
    if isinstance(value, (int, float)):
        seconds = float(value)
    elif isinstance(value, str) and (match := DURATION_RE.match(value)):
        seconds = float(match.group(1)) * DURATION_UNITS[match.group(2)]
    else:
        raise FleetFileError(field, f"{fleet_model.model.describe(value)} is not a duration: use seconds (1.5) or a "
                             "number with a unit: 500ms, 2s, 1m, 1h")
    if seconds < 0:
        raise FleetFileError(field, f"{value!r} is negative: durations must be 0 or more")
    return seconds
