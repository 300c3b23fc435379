"""inventories/example-gke: the static inventory and the plugin configuration in its README agree."""

import os
import re

INVENTORY = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "..", "inventories", "example-gke")


def plugin_config_from_readme():
    with open(os.path.join(INVENTORY, "README.md"), encoding="utf-8") as handle:
        text = handle.read()
    return re.search(r"```yaml\n(plugin: progressive\.delivery\.fleet\n.*?)```", text, re.S).group(1)


def model(inventory):
    """Groups with their children and hosts in order, and every host's variables as a play sees them."""
    groups = {name: ([c.name for c in g.child_groups], [h.name for h in g.hosts], g.get_vars())
              for name, g in inventory.groups.items() if name != "ungrouped"}
    hosts = {}
    for host in inventory.get_hosts("all"):
        host_vars = {}
        for group in sorted(host.get_groups(), key=lambda g: g.depth):
            host_vars.update(group.get_vars())
        host_vars.update(host.get_vars())
        host_vars.pop("ansible_python_interpreter")  # the plugin pins the controller's Python, YAML templates it
        host_vars.pop("inventory_file", None)
        host_vars.pop("inventory_dir", None)
        hosts[host.name] = host_vars
    return groups, hosts


def test_static_inventory_is_the_plugin_model(write_config, load_inventory):
    from_plugin = model(load_inventory(write_config(plugin_config_from_readme(), name="gke.fleet.yml")))
    static = model(load_inventory(os.path.join(INVENTORY, "hosts.yml")))
    assert static[1] == from_plugin[1]
    # the order of the top-level groups means nothing; every other order (promotion, waves) must match
    # (the static file sets the connection on 'all', the plugin on each host: host vars above cover both)
    for groups in (static[0], from_plugin[0]):
        all_vars = {k: v for k, v in groups["all"][2].items() if not k.startswith("ansible_")}
        groups["all"] = (sorted(groups["all"][0]), groups["all"][1], all_vars)
    assert static[0] == from_plugin[0]


def test_gke_contexts_and_no_kubeconfig(load_inventory):
    inventory = load_inventory(os.path.join(INVENTORY, "hosts.yml"))
    prod_eu = inventory.get_host("services-prod-europe-west1")
    assert prod_eu.get_vars()["k8s_auth"] == {"context": "gke_acme-services-prod_europe-west1_services-prod-europe-west1"}
    assert [h.name for h in inventory.get_hosts("services")][:2] == ["services-dev-us-east1", "services-dev-europe-west1"]
