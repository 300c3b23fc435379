"""progressive.delivery.fleet through Ansible's inventory machinery: groups, order, host vars, errors."""

import json
import os
import sys

import pytest

FLEET = """\
simulation: {clock_speed: 10}
environment_sets:
  services:
    environments: [dev, staging, prod]
    regions: [us-east1, europe-west1, asia-east1]
  batch:
    environments: [qa, live]
    regions: [us-central1]
"""


@pytest.fixture
def fleet_config(write_config):
    write_config(FLEET, name="fleets/demo.yml")
    return write_config("""\
        plugin: progressive.delivery.fleet
        fleet_file: fleets/demo.yml
        kubeconfig: state/kubeconfig
        """)


def children(inventory, group):
    return [g.name for g in inventory.groups[group].child_groups]


def test_promotion_order_is_the_fleet_files(fleet_config, load_inventory):
    inventory = load_inventory(fleet_config)
    assert children(inventory, "services") == ["services_dev", "services_staging", "services_prod"]
    assert children(inventory, "batch") == ["batch_qa", "batch_live"]
    # a play on the set walks environments in promotion order, regions in wave order inside each
    assert [h.name for h in inventory.get_hosts("services")] == [
        "services-%s-%s" % (env, region) for env in ("dev", "staging", "prod")
        for region in ("us-east1", "europe-west1", "asia-east1")]
    services = inventory.groups["services"].get_vars()
    assert services["fleet_set_environment_groups"] == ["services_dev", "services_staging", "services_prod"]
    assert inventory.groups["all"].get_vars()["fleet_sets"] == ["services", "batch"]


def test_host_vars_place_and_connect_each_cluster(fleet_config, load_inventory, tmp_path):
    inventory = load_inventory(fleet_config)
    host_vars = inventory.get_host("services-staging-europe-west1").get_vars()
    placement = ("fleet_set", "fleet_environment", "fleet_region", "fleet_role", "fleet_config_cluster", "fleet_wave",
                 "fleet_environment_index", "fleet_previous_environment_group", "fleet_next_environment_group")
    assert {k: host_vars[k] for k in placement} == {
        "fleet_set": "services", "fleet_environment": "staging", "fleet_region": "europe-west1",
        "fleet_role": "member", "fleet_config_cluster": "services-staging-config", "fleet_wave": 2,
        "fleet_environment_index": 1, "fleet_previous_environment_group": "services_dev",
        "fleet_next_environment_group": "services_prod"}
    assert host_vars["k8s_auth"] == {"kubeconfig": str(tmp_path / "state" / "kubeconfig"),
                                     "context": "services-staging-europe-west1"}
    # the same connection as the separate variables the release roles read
    assert (host_vars["fleet_context"], host_vars["fleet_kubeconfig"]) == (
        "services-staging-europe-west1", str(tmp_path / "state" / "kubeconfig"))
    assert host_vars["ansible_connection"] == "local"
    assert host_vars["ansible_python_interpreter"] == sys.executable
    first = inventory.get_host("services-dev-us-east1").get_vars()
    assert first["fleet_previous_environment_group"] is None


def test_config_clusters_stay_out_of_the_environment_groups(fleet_config, load_inventory):
    inventory = load_inventory(fleet_config)
    assert "services-dev-config" not in [h.name for h in inventory.get_hosts("services_dev")]
    assert [h.name for h in inventory.get_hosts("config_clusters")] == [
        "services-dev-config", "services-staging-config", "services-prod-config", "batch-qa-config",
        "batch-live-config"]
    config_vars = inventory.get_host("batch-live-config").get_vars()
    assert config_vars["fleet_role"] == "config"
    assert config_vars["fleet_member_clusters"] == ["batch-live-us-central1"]
    assert config_vars["k8s_auth"]["context"] == "batch-live-config"


def test_region_groups_span_sets_and_environments(fleet_config, load_inventory):
    inventory = load_inventory(fleet_config)
    assert [h.name for h in inventory.get_hosts("region_us_central1")] == ["batch-qa-us-central1",
                                                                           "batch-live-us-central1"]
    assert len(inventory.get_hosts("region_us_east1")) == 3


def test_waves_reorder_members_inside_an_environment(write_config, load_inventory):
    path = write_config("""\
        plugin: progressive.delivery.fleet
        environment_sets:
          web: {environments: [prod], regions: [r1, r2, r3]}
        clusters:
          web-prod-r3: {wave: 1}
          web-prod-r1: {wave: 2, vars: {tier: gold}}
          web-prod-r2: {wave: 2}
        """)
    inventory = load_inventory(path)
    assert [h.name for h in inventory.get_hosts("web_prod")] == ["web-prod-r3", "web-prod-r1", "web-prod-r2"]
    r1 = inventory.get_host("web-prod-r1").get_vars()
    assert (r1["fleet_wave"], r1["tier"]) == (2, "gold")
    # no kubeconfig option: the modules read K8S_AUTH_KUBECONFIG (an AWX credential) instead
    assert r1["k8s_auth"] == {"context": "web-prod-r1"}


def test_context_template_and_explicit_config_cluster(write_config, load_inventory):
    path = write_config("""\
        plugin: progressive.delivery.fleet
        environment_sets:
          shop: {environments: [dev, prod], regions: [us-east1, europe-west1]}
        context: gke_acme-{environment}_{region}_{cluster}
        clusters:
          # GKE: the config cluster is one of the environment's members
          shop-dev-config: {context: gke_acme-dev_us-east1_shop-dev-us-east1}
          shop-prod-config: {context: gke_acme-prod_us-east1_shop-prod-us-east1}
        """)
    inventory = load_inventory(path)
    assert inventory.get_host("shop-prod-europe-west1").get_vars()["k8s_auth"] == {
        "context": "gke_acme-prod_europe-west1_shop-prod-europe-west1"}
    assert inventory.get_host("shop-dev-config").get_vars()["k8s_auth"] == {
        "context": "gke_acme-dev_us-east1_shop-dev-us-east1"}


def test_compose_and_keyed_groups_from_constructed(write_config, load_inventory):
    path = write_config("""\
        plugin: progressive.delivery.fleet
        environment_sets:
          web: {environments: [dev, prod], regions: [r1]}
        compose:
          tier: "'critical' if fleet_environment == 'prod' else 'normal'"
        keyed_groups:
          - key: fleet_environment
            prefix: env
        """)
    inventory = load_inventory(path)
    assert inventory.get_host("web-prod-r1").get_vars()["tier"] == "critical"
    assert [h.name for h in inventory.get_hosts("env_prod")] == ["web-prod-r1", "web-prod-config"] or \
        sorted(h.name for h in inventory.get_hosts("env_prod")) == ["web-prod-config", "web-prod-r1"]


def parse_error(parse_with_plugin, path):
    # Imported late: importing Ansible's controller side at collection time changes how other unit tests'
    # modules report warnings.
    from ansible.errors import AnsibleParserError

    with pytest.raises(AnsibleParserError) as err:
        parse_with_plugin(path)
    return str(err.value.message)


def test_unknown_key_in_the_configuration(write_config, parse_with_plugin):
    path = write_config("""\
        plugin: progressive.delivery.fleet
        environment_sets:
          web: {environments: [dev], regions: [r1]}
        kubeconfig_path: /tmp/kubeconfig
        """)
    message = parse_error(parse_with_plugin, path)
    assert message.startswith(path + ": kubeconfig_path: unknown key; allowed here:")
    assert "kubeconfig" in message


def test_unknown_key_in_the_fleet_file_names_the_file(write_config, parse_with_plugin):
    fleet_file = write_config("""\
        environment_sets:
          web: {environments: [dev], regions: [r1], region: [r2]}
        """, name="web.yml")
    path = write_config("plugin: progressive.delivery.fleet\nfleet_file: web.yml\n")
    message = parse_error(parse_with_plugin, path)
    assert "fleet file %s: environment_sets.web.region: unknown key" % fleet_file in message


def test_unknown_key_in_a_cluster_entry(write_config, parse_with_plugin):
    path = write_config("""\
        plugin: progressive.delivery.fleet
        environment_sets:
          web: {environments: [dev], regions: [r1]}
        clusters:
          web-dev-r1: {contxt: other}
        """)
    assert "clusters.web-dev-r1.contxt: unknown key; allowed here: context, host, kubeconfig, vars, wave" in \
        parse_error(parse_with_plugin, path)


def test_a_cluster_entry_not_in_the_fleet(write_config, parse_with_plugin):
    path = write_config("""\
        plugin: progressive.delivery.fleet
        environment_sets:
          web: {environments: [dev], regions: [r1]}
        clusters:
          web-dev-r2: {wave: 2}
        """)
    message = parse_error(parse_with_plugin, path)
    assert "clusters.web-dev-r2: not a cluster of the fleet" in message
    assert "web-dev-r1" in message


def test_one_cluster_in_two_environments(write_config, parse_with_plugin):
    path = write_config("""\
        plugin: progressive.delivery.fleet
        environment_sets:
          web: {environments: [dev, prod], regions: [r1]}
        clusters:
          web-prod-r1: {context: web-dev-r1}
        """)
    message = parse_error(parse_with_plugin, path)
    assert "clusters.web-prod-r1: connects to the same cluster as web-dev-r1" in message
    assert "two environments, web/prod and web/dev" in message


def test_an_environment_missing_its_config_cluster(write_config, parse_with_plugin):
    path = write_config("""\
        plugin: progressive.delivery.fleet
        environment_sets:
          web: {environments: [dev], regions: [us-east1]}
        context: gke_acme_{region}_{cluster}
        """)
    message = parse_error(parse_with_plugin, path)
    assert "clusters.web-dev-config: environment web/dev is missing its config cluster" in message
    assert "add clusters.web-dev-config.context" in message


def test_explicit_contexts_only_need_every_cluster(write_config, parse_with_plugin):
    path = write_config("""\
        plugin: progressive.delivery.fleet
        environment_sets:
          web: {environments: [dev], regions: [r1]}
        context: ""
        clusters:
          web-dev-config: {context: cfg}
        """)
    assert "clusters.web-dev-r1: member cluster of web/dev in region r1 has no connection" in \
        parse_error(parse_with_plugin, path)


def test_duplicate_keys_in_the_fleet_file_are_refused(write_config, parse_with_plugin):
    write_config("""\
        environment_sets:
          web: {environments: [dev], regions: [r1]}
          web: {environments: [prod], regions: [r1]}
        """, name="dup.yml")
    path = write_config("plugin: progressive.delivery.fleet\nfleet_file: dup.yml\n")
    assert "duplicate key 'web'" in parse_error(parse_with_plugin, path)


def test_fleet_file_and_inline_fleet_are_exclusive(write_config, parse_with_plugin):
    path = write_config("""\
        plugin: progressive.delivery.fleet
        fleet_file: other.yml
        environment_sets:
          web: {environments: [dev], regions: [r1]}
        """)
    assert "fleet_file: give either fleet_file" in parse_error(parse_with_plugin, path)


def test_missing_fleet_file(write_config, parse_with_plugin):
    path = write_config("plugin: progressive.delivery.fleet\nfleet_file: nowhere.yml\n")
    assert "fleet_file: cannot read %s" % os.path.join(os.path.dirname(path), "nowhere.yml") in \
        parse_error(parse_with_plugin, path)


def test_bad_wave_and_unknown_context_placeholder(write_config, parse_with_plugin):
    path = write_config("""\
        plugin: progressive.delivery.fleet
        environment_sets:
          web: {environments: [dev], regions: [r1]}
        clusters:
          web-dev-r1: {wave: 0}
        """)
    assert "clusters.web-dev-r1.wave: 0 is not a wave" in parse_error(parse_with_plugin, path)
    path = write_config("""\
        plugin: progressive.delivery.fleet
        environment_sets:
          web: {environments: [dev], regions: [r1]}
        context: "{project}_{cluster}"
        """, name="placeholder.fleet.yml")
    assert "context: unknown placeholder {project}" in parse_error(parse_with_plugin, path)


def test_only_fleet_named_files_are_claimed(fleet_plugin_loader, write_config):
    plugin = fleet_plugin_loader.get("progressive.delivery.fleet")
    assert plugin.verify_file(write_config("plugin: progressive.delivery.fleet\n", name="prod.fleet.yaml"))
    assert not plugin.verify_file(write_config("plugin: progressive.delivery.fleet\n", name="hosts.yml"))


def test_fleetsim_state_dir_gives_kubeconfig_fronts_and_prometheus(write_config, load_inventory, tmp_path):
    path = write_config("""\
        plugin: progressive.delivery.fleet
        environment_sets:
          web: {environments: [dev], regions: [r1]}
        fleetsim_state_dir: state
        """)
    before = load_inventory(path).get_host("web-dev-r1").get_vars()
    assert before["k8s_auth"]["kubeconfig"] == str(tmp_path / "state" / "kubeconfig")
    assert "fleet_front_url" not in before  # the fleet is not running: nothing to add, no error
    (tmp_path / "state").mkdir()
    (tmp_path / "state" / "fleet.json").write_text(json.dumps({
        "prometheus_url": "http://127.0.0.1:9",
        "clusters": [{"name": "web-dev-r1", "front_url": "http://127.0.0.1:7"},
                     {"name": "web-dev-config", "front_url": "http://127.0.0.1:8"}]}))
    inventory = load_inventory(path)
    assert inventory.get_host("web-dev-r1").get_vars()["fleet_front_url"] == "http://127.0.0.1:7"
    assert inventory.groups["all"].get_vars()["fleet_prometheus_url"] == "http://127.0.0.1:9"
