# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A parsed fleet plus per-cluster connection data -> inventory groups and hosts.

Every cluster is a host (connection local: the modules talk to the cluster's API from the
controller). Groups, in the fleet file's order:

    <set>                 children <set>_<env> in promotion order
    <set>_<env>           the environment's member clusters in wave order
    region_<region>       member clusters of that region, every set and environment
    config_clusters       every config cluster

``-`` becomes ``_`` in group names. Host vars say where a cluster sits (``fleet_*``) and how to
reach it (``k8s_auth``, ready for ``module_defaults``); the order of environments is also recorded
as variables (``fleet_environment_groups`` on the set group, ``fleet_previous_environment_group``
on every cluster) so playbooks take promotion order from the inventory, never from names.
"""

from __future__ import annotations

import collections
import os
import string

from ansible_collections.progressive.delivery.plugins.plugin_utils.fleet.errors import FleetError
from ansible_collections.progressive.delivery.plugins.plugin_utils.fleet.model import ROLE_CONFIG, ROLE_MEMBER, describe

CLUSTER_KEYS = ("context", "host", "kubeconfig", "vars", "wave")
CONTEXT_FIELDS = ("cluster", "set", "environment", "region")
CONFIG_CLUSTERS_GROUP = "config_clusters"

Host = collections.namedtuple("Host", "name groups vars")
Group = collections.namedtuple("Group", "name parent vars")


def group_name(*parts):
    return "_".join(parts).replace("-", "_")


def region_group(region):
    return group_name("region", region)


def build_inventory(fleet, context="{cluster}", kubeconfig=None, clusters=None, base_dir=None,
                    python_interpreter=None):
    """Return (groups, hosts) in the order to add them.

    `context` is a template with {cluster}, {set}, {environment}, {region}, or empty when every cluster
    names its own in `clusters`. `kubeconfig` (optional) is the default kubeconfig; without it the modules
    read K8S_AUTH_KUBECONFIG / KUBECONFIG as usual. `clusters` maps cluster names to overrides
    (context, host, kubeconfig, wave, vars). Relative kubeconfig paths are relative to `base_dir`.
    """
    clusters = _check_cluster_entries(fleet, clusters or {})
    _check_context_template(context)
    groups, claimed = [], {}

    def add_group(name, parent, group_vars, what):
        if name in claimed and claimed[name] != what:
            raise FleetError(what, 'makes group "%s", which %s also makes; rename one of them' % (name, claimed[name]))
        claimed[name] = what
        groups.append(Group(name, parent, group_vars))

    add_group("all", None, {
        "fleet_sets": [s.name for s in fleet.sets],
        "fleet_set_groups": [group_name(s.name) for s in fleet.sets],
    }, "all")
    add_group(CONFIG_CLUSTERS_GROUP, None, {}, CONFIG_CLUSTERS_GROUP)
    hosts = []
    connections = {}
    for fleet_set in fleet.sets:
        set_group = group_name(fleet_set.name)
        set_field = "environment_sets.%s" % fleet_set.name
        env_groups = [group_name(fleet_set.name, env.name) for env in fleet_set.environments]
        add_group(set_group, None, {
            "fleet_set": fleet_set.name,
            "fleet_set_environments": [env.name for env in fleet_set.environments],
            "fleet_set_environment_groups": env_groups,
        }, set_field)
        for env in fleet_set.environments:
            env_group = env_groups[env.index]
            env_vars = {
                "fleet_environment": env.name,
                "fleet_environment_index": env.index,
                "fleet_environment_group": env_group,
                "fleet_previous_environment_group": env_groups[env.index - 1] if env.index else None,
                "fleet_next_environment_group": env_groups[env.index + 1] if env.index + 1 < len(env_groups) else None,
                "fleet_config_cluster": env.config_cluster.name,
            }
            add_group(env_group, set_group, env_vars, "%s.environments[%d]" % (set_field, env.index))
            members = sorted(env.clusters, key=lambda c: (_wave(c, clusters), c.region_index))
            hosts.append(_host(env.config_cluster, [CONFIG_CLUSTERS_GROUP], dict(env_vars, **{
                "fleet_wave": 0,
                "fleet_member_clusters": [c.name for c in members],
            }), context, kubeconfig, clusters, base_dir, python_interpreter, connections))
            for cluster in members:
                add_group(region_group(cluster.region), None, {"fleet_region": cluster.region},
                          'region "%s"' % cluster.region)
                hosts.append(_host(cluster, [env_group, region_group(cluster.region)], dict(env_vars, **{
                    "fleet_wave": _wave(cluster, clusters),
                    "fleet_region_index": cluster.region_index,
                }), context, kubeconfig, clusters, base_dir, python_interpreter, connections))
    return _dedupe_groups(groups), hosts


def _dedupe_groups(groups):
    """Region groups are met once per environment; keep the first."""
    seen, out = set(), []
    for group in groups:
        if group.name not in seen:
            seen.add(group.name)
            out.append(group)
    return out


def _wave(cluster, clusters):
    return clusters.get(cluster.name, {}).get("wave", cluster.region_index + 1)


def _host(cluster, groups, placement, context, kubeconfig, clusters, base_dir, python_interpreter, connections):
    entry = clusters.get(cluster.name, {})
    host_vars = {
        "ansible_connection": "local",
        "fleet_cluster": cluster.name,
        "fleet_set": cluster.set,
        "fleet_region": cluster.region,
        "fleet_role": cluster.role,
    }
    if python_interpreter:
        host_vars["ansible_python_interpreter"] = python_interpreter
    host_vars.update(placement)
    auth = _connection(cluster, entry, context, kubeconfig, base_dir)
    _claim_connection(connections, cluster, auth)
    host_vars["k8s_auth"] = auth
    # The same connection as separate variables, the form the release roles read.
    for key in ("context", "kubeconfig", "host"):
        if key in auth:
            host_vars["fleet_" + key] = auth[key]
    host_vars.update(entry.get("vars") or {})
    return Host(cluster.name, groups, host_vars)


def _connection(cluster, entry, context, kubeconfig, base_dir):
    auth = {}
    path = entry.get("kubeconfig", kubeconfig)
    if path:
        auth["kubeconfig"] = path if os.path.isabs(path) or not base_dir else os.path.normpath(os.path.join(base_dir, path))
    if entry.get("host"):
        auth["host"] = entry["host"]
    if entry.get("context"):
        auth["context"] = entry["context"]
    elif context and not (entry.get("host") and "kubeconfig" not in auth):
        if cluster.region is None and "{region}" in context:
            raise FleetError("clusters.%s" % cluster.name, "environment %s/%s is missing its config cluster: the "
                             "context template '%s' needs a region and a config cluster has none; add "
                             "clusters.%s.context naming the kubeconfig context of the cluster that holds the "
                             "environment's MultiClusterService/MultiClusterIngress (in GKE, the fleet's config "
                             "cluster, often one of its member clusters)"
                             % (cluster.set, cluster.environment, context, cluster.name))
        auth["context"] = context.format(cluster=cluster.name, set=cluster.set, environment=cluster.environment,
                                         region=cluster.region)
    if not auth.get("context") and not auth.get("host"):
        if cluster.role == ROLE_CONFIG:
            raise FleetError("clusters.%s" % cluster.name, "environment %s/%s is missing its config cluster: add "
                             "clusters.%s.context (or .host) for the cluster that holds the environment's "
                             "MultiClusterService/MultiClusterIngress, or set the plugin option 'context'"
                             % (cluster.set, cluster.environment, cluster.name))
        raise FleetError("clusters.%s" % cluster.name, "member cluster of %s/%s in region %s has no connection: add "
                         "clusters.%s.context (or .host), or set the plugin option 'context'"
                         % (cluster.set, cluster.environment, cluster.region, cluster.name))
    return auth


def _claim_connection(connections, cluster, auth):
    """One real cluster belongs to one environment. A config cluster may be one of its own environment's
    members (GKE's config cluster usually is), nothing else may share."""
    key = (auth.get("kubeconfig"), auth.get("context"), auth.get("host"))
    for other in connections.setdefault(key, []):
        same_env = (other.set, other.environment) == (cluster.set, cluster.environment)
        if same_env and ROLE_CONFIG in (other.role, cluster.role) and other.role != cluster.role:
            continue
        where = _describe_connection(auth)
        if same_env:
            raise FleetError("clusters.%s" % cluster.name, "connects to the same cluster as %s (%s); each member "
                             "cluster of %s/%s needs its own context"
                             % (other.name, where, cluster.set, cluster.environment))
        raise FleetError("clusters.%s" % cluster.name, "connects to the same cluster as %s (%s), so one cluster "
                         "would be in two environments, %s/%s and %s/%s; a cluster belongs to exactly one "
                         "environment: give each its own context" % (other.name, where, cluster.set,
                                                                     cluster.environment, other.set,
                                                                     other.environment))
    connections[key].append(cluster)


def _describe_connection(auth):
    parts = []
    if auth.get("context"):
        parts.append('context "%s"' % auth["context"])
    if auth.get("host"):
        parts.append('host "%s"' % auth["host"])
    if auth.get("kubeconfig"):
        parts.append("kubeconfig %s" % auth["kubeconfig"])
    return ", ".join(parts)


def _check_context_template(context):
    if context is None:
        return
    if not isinstance(context, str):
        raise FleetError("context", "must be a string such as '{cluster}' or 'gke_my-project_{region}_{cluster}', "
                         "got %s" % describe(context))
    try:
        fields = [field for text, field, spec, conv in string.Formatter().parse(context) if field is not None]
    except ValueError as err:
        raise FleetError("context", "'%s' is not a valid template (%s); write placeholders as {cluster}" % (context, err))
    for field in fields:
        if field not in CONTEXT_FIELDS:
            raise FleetError("context", "unknown placeholder {%s} in '%s'; available: %s"
                             % (field, context, ", ".join("{%s}" % f for f in CONTEXT_FIELDS)))


def _check_cluster_entries(fleet, clusters):
    if not isinstance(clusters, dict):
        raise FleetError("clusters", "must be a mapping of cluster name to its settings, got %s" % describe(clusters))
    known = {c.name: c for c in fleet.clusters}
    for name, entry in clusters.items():
        field = "clusters.%s" % name
        if name not in known:
            raise FleetError(field, "not a cluster of the fleet; its clusters are named <set>-<environment>-<region> "
                             "and <set>-<environment>-config: %s" % ", ".join(sorted(known)))
        if entry is None:
            continue
        if not isinstance(entry, dict):
            raise FleetError(field, "must be a mapping with any of %s, got %s" % (", ".join(CLUSTER_KEYS), describe(entry)))
        for key, value in entry.items():
            if key not in CLUSTER_KEYS:
                raise FleetError("%s.%s" % (field, key), "unknown key; allowed here: %s" % ", ".join(CLUSTER_KEYS))
            if key == "wave":
                if known[name].role != ROLE_MEMBER:
                    raise FleetError("%s.wave" % field, "a config cluster has no wave (it is set up before the "
                                     "environment's members); remove it")
                if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                    raise FleetError("%s.wave" % field, "%s is not a wave: expected a whole number, 1 or more "
                                     "(members go wave 1 first, then 2, ...)" % describe(value))
            elif key == "vars":
                if not isinstance(value, dict):
                    raise FleetError("%s.vars" % field, "must be a mapping of host variables, got %s" % describe(value))
            elif not isinstance(value, str) or not value:
                raise FleetError("%s.%s" % (field, key), "must be a non-empty string, got %s" % describe(value))
    return {name: entry or {} for name, entry in clusters.items()}
