# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fleet: environment sets -> environments -> regional clusters, read from a fleet file.

The shape is the one the fleet simulator reads (docs/fleetsim.md), so one file describes both the
simulated fleet and its inventory::

    simulation: {...}                 # simulator knobs; accepted here, not used
    environment_sets:
      services:
        environments: [dev, staging, prod]     # promotion order
        regions: [us-east1, europe-west1]      # wave order inside an environment
        simulation: {...}

One member cluster per (set, environment, region) named ``<set>-<environment>-<region>`` and one
config cluster per (set, environment) named ``<set>-<environment>-config`` (where the
MultiClusterService/MultiClusterIngress of that environment live). Order is kept everywhere: sets,
environments and regions come out in the order of the file.
"""

from __future__ import annotations

import collections
import re

from .errors import FleetError  # relative: fleetsim loads this package by path (tools/fleetsim)

NAME_RE = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$")
NAME_RULE = "lowercase letters, digits and '-'"
MAX_CLUSTER_NAME = 63  # cluster names become kubeconfig contexts and DNS labels

ROLE_MEMBER = "member"
ROLE_CONFIG = "config"

# The simulator's knobs (tools/fleetsim/fleetsim/fleet.py): known so a typo is still an error.
SIMULATION_KEYS = ("clock_speed", "namespaces", "nodes_per_cluster", "pod_ready_delay", "pod_ready_jitter",
                   "requests_per_second")

Cluster = collections.namedtuple("Cluster", "name set environment region role region_index field")
Environment = collections.namedtuple("Environment", "set name index clusters config_cluster")
EnvironmentSet = collections.namedtuple("EnvironmentSet", "name environments regions")


class Fleet(object):
    """A parsed fleet: `sets` in file order, each with its `environments` in promotion order."""

    def __init__(self, sets):
        self.sets = tuple(sets)

    @property
    def environments(self):
        return [env for fleet_set in self.sets for env in fleet_set.environments]

    @property
    def clusters(self):
        """Every cluster: per set, per environment, the config cluster first, then members in region order."""
        out = []
        for env in self.environments:
            out.append(env.config_cluster)
            out.extend(env.clusters)
        return out

    def cluster(self, name):
        for cluster in self.clusters:
            if cluster.name == name:
                return cluster
        raise KeyError(name)


def parse_fleet(data):
    """Validate a parsed fleet file (a dict) and return a `Fleet`; raise `FleetError` naming the entry."""
    if data is None:
        raise FleetError("", "the fleet is empty; it needs an 'environment_sets' mapping")
    _require_mapping(data, "", "the fleet")
    _reject_unknown(data, "", ("environment_sets", "simulation"))
    _check_simulation(data.get("simulation"), "simulation", allow_clock=True)
    if "environment_sets" not in data:
        raise FleetError("environment_sets", "missing; add at least one environment set, e.g. "
                         "environment_sets: {web: {environments: [dev], regions: [us-east1]}}")
    sets_data = data["environment_sets"]
    _require_mapping(sets_data, "environment_sets", "a mapping of set name to {environments, regions}")
    if not sets_data:
        raise FleetError("environment_sets", "is empty; add at least one environment set")

    sets = []
    produced_by = {}  # cluster name -> the entry that produced it
    for set_name, set_data in sets_data.items():
        path = "environment_sets.%s" % set_name
        _check_name(set_name, path, "environment set name")
        _require_mapping(set_data, path, "a mapping with 'environments' and 'regions'")
        _reject_unknown(set_data, path, ("environments", "regions", "simulation"))
        env_names = _parse_names(set_data, path, "environments", "environment")
        regions = _parse_names(set_data, path, "regions", "region")
        _check_simulation(set_data.get("simulation"), path + ".simulation", allow_clock=False)
        environments = []
        for env_index, env_name in enumerate(env_names):
            env_field = "%s.environments[%d]" % (path, env_index)
            members = []
            for region_index, region in enumerate(regions):
                members.append(_claim(produced_by, Cluster(
                    "%s-%s-%s" % (set_name, env_name, region), set_name, env_name, region, ROLE_MEMBER,
                    region_index, "%s.regions[%d]" % (path, region_index)), env_field))
            config = _claim(produced_by, Cluster(
                "%s-%s-config" % (set_name, env_name), set_name, env_name, None, ROLE_CONFIG, None, env_field),
                env_field)
            environments.append(Environment(set_name, env_name, env_index, tuple(members), config))
        sets.append(EnvironmentSet(set_name, tuple(environments), regions))
    return Fleet(sets)


def _claim(produced_by, cluster, env_field):
    """Record which entry produced a cluster name: the same name from two entries would put one
    cluster in two environments (e.g. set 'a-b' env 'c' and set 'a' env 'b-c')."""
    if len(cluster.name) > MAX_CLUSTER_NAME:
        raise FleetError(cluster.field, 'cluster name "%s" is %d characters; cluster names are at most %d: '
                         "shorten the set, environment or region name"
                         % (cluster.name, len(cluster.name), MAX_CLUSTER_NAME))
    if cluster.name in produced_by:
        other = produced_by[cluster.name]
        if (other.set, other.environment) == (cluster.set, cluster.environment):
            raise FleetError(other.field, 'region "%s" makes member cluster "%s", the name of the config cluster of '
                             "environment %s/%s: rename the region"
                             % (other.region, cluster.name, cluster.set, cluster.environment))
        raise FleetError(cluster.field, 'cluster "%s" would belong to environment %s/%s and also to %s/%s '
                         "(%s); a cluster belongs to exactly one environment: rename a set, environment "
                         "or region" % (cluster.name, cluster.set, cluster.environment, other.set,
                                        other.environment, other.field))
    produced_by[cluster.name] = cluster
    return cluster


def _parse_names(set_data, path, key, what):
    field = "%s.%s" % (path, key)
    if key not in set_data:
        raise FleetError(field, "missing; list at least one %s, e.g. %s: [%s]"
                         % (what, key, "dev" if what == "environment" else "us-east1"))
    values = set_data[key]
    if not isinstance(values, list):
        raise FleetError(field, "must be a list of %s names, got %s" % (what, describe(values)))
    if not values:
        raise FleetError(field, "is empty; list at least one %s" % what)
    seen = set()
    for index, value in enumerate(values):
        item = "%s[%d]" % (field, index)
        _check_name(value, item, "%s name" % what)
        if value in seen:
            raise FleetError(item, '"%s" is listed twice; list each %s once' % (value, what))
        seen.add(value)
    return tuple(values)


def _check_name(value, field, what):
    if not isinstance(value, str):
        raise FleetError(field, "%s is not a valid %s: expected a string of %s (quote it in YAML)"
                         % (describe(value), what, NAME_RULE))
    if not NAME_RE.match(value):
        raise FleetError(field, '"%s" is not a valid %s (%s, starting and ending with a letter or digit)'
                         % (value, what, NAME_RULE))


def _check_simulation(data, path, allow_clock):
    """Simulator knobs are the simulator's business; only their names are checked here."""
    if data is None:
        return
    _require_mapping(data, path, "a mapping of simulation knobs")
    if not allow_clock and "clock_speed" in data:
        raise FleetError(path + ".clock_speed", "the clock is shared by the whole fleet; "
                         "set clock_speed in the top-level 'simulation' block")
    allowed = [key for key in SIMULATION_KEYS if allow_clock or key != "clock_speed"]
    _reject_unknown(data, path, allowed)


def _require_mapping(value, field, expected):
    if not isinstance(value, dict):
        raise FleetError(field, "must be %s, got %s" % (expected, describe(value)))


def _reject_unknown(data, path, allowed):
    for key in data:
        if key not in allowed:
            field = "%s.%s" % (path, key) if path else str(key)
            raise FleetError(field, "unknown key; allowed here: %s" % ", ".join(sorted(allowed)))


def describe(value):
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return '"%s"' % value if isinstance(value, str) else repr(value)
