# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: fleet
short_description: Kubernetes fleet (environment sets, environments, regional clusters) as inventory
version_added: "0.1.0"
author:
  - progressive.delivery contributors (@progressive-delivery)
description:
  - Builds the inventory of a fleet of Kubernetes clusters from a fleet file, the same file the fleet
    simulator reads (see docs/fleetsim.md), plus per-cluster connection data.
  - "Every cluster is a host reached through the connection C(local): modules run on the controller and
    talk to the cluster's API. The host variable C(k8s_auth) holds its connection (C(kubeconfig), C(context)
    or C(host)) for C(module_defaults), for example
    C(module_defaults: {group/progressive.delivery.delivery: '{{ k8s_auth }}'})."
  - "Clusters: one member cluster per (set, environment, region) named C(<set>-<environment>-<region>) and
    one config cluster per (set, environment) named C(<set>-<environment>-config), the cluster holding the
    environment's MultiClusterService and MultiClusterIngress."
  - "Groups, in the order of the fleet file: C(<set>) with children C(<set>_<environment>) in promotion
    order; C(<set>_<environment>) with the environment's member clusters in wave order; C(region_<region>);
    C(config_clusters). A C(-) in a name becomes C(_) in group names."
  - "Host variables: C(fleet_cluster), C(fleet_set), C(fleet_environment), C(fleet_environment_index),
    C(fleet_environment_group), C(fleet_previous_environment_group), C(fleet_next_environment_group),
    C(fleet_region), C(fleet_region_index), C(fleet_role) (C(member) or C(config)), C(fleet_config_cluster),
    C(fleet_wave) (0 for config clusters), C(fleet_member_clusters) (config clusters), C(k8s_auth),
    the same connection as C(fleet_context), C(fleet_kubeconfig) and C(fleet_host) (when set),
    C(ansible_connection) and C(ansible_python_interpreter)."
  - "Variables recording order: C(fleet_sets) and C(fleet_set_groups) on C(all),
    C(fleet_set_environments) and C(fleet_set_environment_groups) on every set group."
  - Any mistake (unknown keys, a cluster in two environments, an environment missing its config cluster,
    a cluster entry that is not in the fleet) fails parsing with one message naming the entry and the fix.
    Set C(ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED=true) so that such a message stops the run instead of
    becoming a warning and an empty inventory.
  - The inventory configuration file name must end with C(fleet.yml) or C(fleet.yaml).
extends_documentation_fragment:
  - constructed
options:
  plugin:
    description: The name of this plugin; it selects this plugin through the C(auto) inventory plugin.
    type: str
    required: true
    choices: [progressive.delivery.fleet]
  fleet_file:
    description:
      - Path of the fleet file (relative paths are relative to the inventory configuration file).
      - Give either this or O(environment_sets).
    type: str
  environment_sets:
    description:
      - The fleet inline, in the fleet file's shape, a mapping of set name to its C(environments), C(regions)
        and optional C(simulation).
      - Environments are listed in promotion order, regions in wave order.
    type: dict
  simulation:
    description:
      - Simulator knobs when the fleet is given inline; accepted so a fleet file can be pasted as is, not used.
    type: dict
  kubeconfig:
    description:
      - Kubeconfig file of every cluster (relative paths are relative to the inventory configuration file).
      - When not set, C(k8s_auth) has no C(kubeconfig) and the modules read E(K8S_AUTH_KUBECONFIG),
        E(KUBECONFIG) or C(~/.kube/config), which is how an AWX credential reaches them.
    type: str
  context:
    description:
      - Kubeconfig context of each cluster, a template with the placeholders C({cluster}), C({set}),
        C({environment}) and C({region}), for example C(gke_my-project_{region}_{cluster}).
      - Set it to an empty string to require O(clusters) to name every cluster's context or host.
      - Config clusters have no region; a template using C({region}) needs their context in O(clusters).
    type: str
    default: "{cluster}"
  clusters:
    description:
      - Per-cluster settings, by cluster name. Keys C(context), C(kubeconfig), C(host) (API server URL; with a
        bearer token from E(K8S_AUTH_API_KEY)), C(wave) (members; default the region's position, 1-based),
        C(vars) (more host variables).
      - Two clusters of different environments may not share a connection. A config cluster may share its
        context with a member cluster of its own environment (in GKE the config cluster is often a member).
    type: dict
    default: {}
  fleetsim_state_dir:
    description:
      - State directory of a running fleet simulator (C(fleetsim up --state-dir DIR)); relative paths are relative to
        the inventory configuration file.
      - Its C(kubeconfig) is the default of O(kubeconfig); when its C(fleet.json) exists, every cluster gets
        C(fleet_front_url) (the cluster's HTTP front, for smoke tests) and C(all) gets C(fleet_prometheus_url)
        (when the simulator runs Prometheus). A fleet that is not running adds nothing.
    type: str
  python_interpreter:
    description:
      - C(ansible_python_interpreter) of every cluster host. Defaults to the Python running Ansible, which has the
        C(kubernetes) library the modules need.
    type: str
notes:
  - The same model can be written as a static YAML inventory; inventories/example-gke/ shows one.
seealso:
  - name: Fleet progression
    description: Promotion across environments and platform upgrades with this inventory.
    link: https://github.com/progressive-delivery/progressive.delivery/blob/main/docs/fleet-progression.md
"""

EXAMPLES = r"""
# inventories/local/fleet.yml: the simulated fleet, fleet file shared with the simulator
plugin: progressive.delivery.fleet
fleet_file: ../fleetsim/demo.yml
fleetsim_state_dir: ../../.state/fleetsim

---
# a GKE fleet: contexts as gcloud names them, kubeconfig from an AWX credential (K8S_AUTH_KUBECONFIG)
plugin: progressive.delivery.fleet
environment_sets:
  services:
    environments: [dev, prod]
    regions: [us-east1, europe-west1]
context: gke_acme-{environment}_{region}_{cluster}
clusters:
  services-dev-config: {context: gke_acme-dev_us-east1_services-dev-us-east1}
  services-prod-config: {context: gke_acme-prod_us-east1_services-prod-us-east1}
  services-prod-europe-west1: {wave: 1}
"""

import json
import os
import sys

import yaml

from ansible.errors import AnsibleParserError
from ansible.module_utils.common.text.converters import to_native
from ansible.plugins.inventory import BaseInventoryPlugin, Constructable

from ansible_collections.progressive.delivery.plugins.plugin_utils.fleet.errors import FleetError
from ansible_collections.progressive.delivery.plugins.plugin_utils.fleet.inventory import build_inventory
from ansible_collections.progressive.delivery.plugins.plugin_utils.fleet.model import parse_fleet

CONSTRUCTED_OPTIONS = ("compose", "groups", "keyed_groups", "leading_separator", "strict", "use_extra_vars")


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that rejects duplicate keys: YAML keeps the last silently, which would drop an environment."""

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(None, None, "duplicate key %r" % (key,), key_node.start_mark)
            seen.add(key)
        return super(_UniqueKeyLoader, self).construct_mapping(node, deep=deep)


class InventoryModule(BaseInventoryPlugin, Constructable):

    NAME = "progressive.delivery.fleet"

    def verify_file(self, path):
        return super(InventoryModule, self).verify_file(path) and path.endswith(("fleet.yml", "fleet.yaml"))

    def parse(self, inventory, loader, path, cache=True):
        super(InventoryModule, self).parse(inventory, loader, path, cache)
        config = self._read_config_data(path)
        base_dir = os.path.dirname(os.path.abspath(path))
        try:
            self._check_keys(config)
            fleet = self._load_fleet(config, base_dir)
            state_dir = self.get_option("fleetsim_state_dir")
            if state_dir:
                state_dir = os.path.normpath(os.path.join(base_dir, state_dir))
            groups, hosts = build_inventory(
                fleet,
                context=self.get_option("context"),
                kubeconfig=self.get_option("kubeconfig") or (os.path.join(state_dir, "kubeconfig") if state_dir else None),
                clusters=_plain(self.get_option("clusters")),
                base_dir=base_dir,
                python_interpreter=self.get_option("python_interpreter") or sys.executable,
            )
        except FleetError as err:
            raise AnsibleParserError("%s: %s" % (path, err))
        self._populate(groups, hosts)
        if state_dir:
            self._add_simulator_endpoints(state_dir)

    def _add_simulator_endpoints(self, state_dir):
        """Front and Prometheus URLs of a running fleet simulator (fleet.json exists only while it runs)."""
        try:
            with open(os.path.join(state_dir, "fleet.json"), encoding="utf-8") as handle:
                running = json.load(handle)
        except (OSError, IOError, ValueError):
            return
        for cluster in running.get("clusters") or []:
            if cluster.get("name") in self.inventory.hosts and cluster.get("front_url"):
                self.inventory.set_variable(cluster["name"], "fleet_front_url", cluster["front_url"])
        if running.get("prometheus_url"):
            self.inventory.set_variable("all", "fleet_prometheus_url", running["prometheus_url"])

    def _check_keys(self, config):
        allowed = set(self._options) | {"plugin"}
        for key in config:
            if key not in allowed:
                raise FleetError(str(key), "unknown key; allowed here: %s" % ", ".join(sorted(allowed)))
        if ("fleet_file" in config) == ("environment_sets" in config):
            raise FleetError("fleet_file", "give either fleet_file (the fleet file the simulator reads) or the fleet "
                             "inline as environment_sets, exactly one of them")

    def _load_fleet(self, config, base_dir):
        if "environment_sets" in config:
            return parse_fleet({key: _plain(config[key]) for key in ("environment_sets", "simulation") if key in config})
        fleet_file = self.get_option("fleet_file")
        if not os.path.isabs(fleet_file):
            fleet_file = os.path.join(base_dir, fleet_file)
        try:
            with open(fleet_file, encoding="utf-8") as handle:
                data = yaml.load(handle, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
        except (OSError, IOError) as err:
            raise FleetError("fleet_file", "cannot read %s: %s" % (fleet_file, to_native(err.strerror or err)))
        except yaml.YAMLError as err:
            raise FleetError("fleet_file", "%s is not valid YAML: %s" % (fleet_file, to_native(err)))
        try:
            return parse_fleet(data)
        except FleetError as err:
            raise FleetError("", "fleet file %s: %s" % (fleet_file, err))

    def _populate(self, groups, hosts):
        for group in groups:
            self.inventory.add_group(group.name)
            if group.parent:
                self.inventory.add_child(group.parent, group.name)
            for key, value in group.vars.items():
                self.inventory.set_variable(group.name, key, value)
        strict = self.get_option("strict")
        for host in hosts:
            self.inventory.add_host(host.name)
            for group in host.groups:
                self.inventory.add_child(group, host.name)
            for key, value in host.vars.items():
                self.inventory.set_variable(host.name, key, value)
            host_vars = self.inventory.get_host(host.name).get_vars()
            self._set_composite_vars(self.get_option("compose"), host_vars, host.name, strict=strict)
            self._add_host_to_composed_groups(self.get_option("groups"), host_vars, host.name, strict=strict)
            self._add_host_to_keyed_groups(self.get_option("keyed_groups"), host_vars, host.name, strict=strict)


def _plain(value):
    """Ansible hands option values over as tagged types; the fleet model wants plain dicts, lists and str."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, str):
        return str(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return int(value)
    return value
