"""Fleet file parsing: cluster naming and one clear error naming the field for every mistake."""
from __future__ import annotations

import pytest

from fleetsim.fleet import ROLE_CONFIG, ROLE_MEMBER, FleetFileError, FleetSpec

GOOD = """
simulation:
  clock_speed: 5
  pod_ready_delay: 500ms
  requests_per_second: 20
environment_sets:
  services:
    environments: [dev, prod]
    regions: [us-east1, europe-west1]
  batch:
    environments: [dev]
    regions: [asia-east1]
    simulation: {requests_per_second: 3, nodes_per_cluster: 5, namespaces: [jobs]}
"""


def test_one_cluster_per_set_environment_region_plus_a_config_cluster_per_environment():
    spec = FleetSpec.from_yaml(GOOD)
    assert [c.name for c in spec.clusters] == [
        "services-dev-us-east1", "services-dev-europe-west1", "services-dev-config",
        "services-prod-us-east1", "services-prod-europe-west1", "services-prod-config",
        "batch-dev-asia-east1", "batch-dev-config",
    ]
    config = spec.cluster("services-prod-config")
    assert (config.role, config.set, config.environment, config.region) == (
        ROLE_CONFIG, "services", "prod", None)
    member = spec.cluster("batch-dev-asia-east1")
    assert (member.role, member.region) == (ROLE_MEMBER, "asia-east1")


def test_simulation_knobs_default_and_override_per_set():
    spec = FleetSpec.from_yaml(GOOD)
    services = spec.cluster("services-dev-us-east1").simulation
    assert services.clock_speed == 5.0
    assert services.pod_ready_delay_s == 0.5
    assert services.pod_ready_jitter_s == 1.0  # default kept
    assert services.requests_per_second == 20.0
    assert services.namespaces == ("default",)
    batch = spec.cluster("batch-dev-config").simulation
    assert (batch.requests_per_second, batch.nodes_per_cluster, batch.namespaces) == (
        3.0, 5, ("jobs",))
    assert batch.pod_ready_delay_s == 0.5  # inherited from the top-level block


def test_overrides_replace_top_level_knobs_and_round_trip_through_to_dict(tmp_path):
    spec = FleetSpec.from_yaml(GOOD)
    again = FleetSpec.from_dict(spec.to_dict(),
                                overrides={"clock_speed": 50, "requests_per_second": 99})
    assert again.simulation.clock_speed == 50.0
    assert [c.name for c in again.clusters] == [c.name for c in spec.clusters]
    batch = again.cluster("batch-dev-asia-east1").simulation
    assert (batch.nodes_per_cluster, batch.requests_per_second) == (5, 3.0)  # the set's own
    # Sets without their own value follow the overridden top level.
    assert again.cluster("services-dev-config").simulation.requests_per_second == 99.0
    path = tmp_path / "fleet.yaml"
    path.write_text(GOOD)
    loaded = FleetSpec.load(path, overrides={"pod_ready_delay": "3s"})
    assert loaded.cluster("batch-dev-config").simulation.pod_ready_delay_s == 3.0
    assert FleetSpec.from_dict(loaded.to_dict()) == loaded


@pytest.mark.parametrize("text, field, fragment", [
    ("environment_sets: {services: {environments: [dev], regions: [us-east1, US East]}}",
     "environment_sets.services.regions[1]",
     '"US East" is not a valid region name (lowercase letters, digits and \'-\', starting and ending'),
    ("environment_sets: {services: {environments: [dev], regions: [us-east1], zones: [a]}}",
     "environment_sets.services.zones", "unknown key"),
    ("environment_sets: {services: {environments: [dev], regions: [us-east1]}}\nextra: 1",
     "extra", "unknown key"),
    ("environment_sets: {services: {environments: [dev]}}",
     "environment_sets.services.regions", "missing"),
    ("environment_sets: {services: {environments: [], regions: [a]}}",
     "environment_sets.services.environments", "is empty"),
    ("environment_sets: {services: {environments: dev, regions: [a]}}",
     "environment_sets.services.environments", "must be a list"),
    ("environment_sets: {services: {environments: [dev, dev], regions: [a]}}",
     "environment_sets.services.environments[1]", "listed twice"),
    ("environment_sets: {services: {environments: [no], regions: [a]}}",
     "environment_sets.services.environments[0]", "false is not a valid environment name"),
    ("environment_sets: {Services: {environments: [dev], regions: [a]}}",
     "environment_sets.Services", "not a valid environment set name"),
    ("environment_sets: {a-b: {environments: [c], regions: [d]}, a: {environments: [b-c], regions: [d]}}",
     "environment_sets.a.regions[0]", 'cluster "a-b-c-d" would belong to environment a/b-c and also to '
     "a-b/c (environment_sets.a-b.regions[0])"),
    ("environment_sets: {web: {environments: [dev], regions: [config]}}",
     "environment_sets.web.regions[0]", 'region "config" makes member cluster "web-dev-config", the name of '
     "the config cluster"),
    ("simulation: {clock_speed: 0}\nenvironment_sets: {web: {environments: [dev], regions: [a]}}",
     "simulation.clock_speed", "must be greater than 0"),
    ("simulation: {pod_ready_delay: soon}\nenvironment_sets: {web: {environments: [dev], regions: [a]}}",
     "simulation.pod_ready_delay", "is not a duration"),
    ("simulation: {nodes_per_cluster: 0}\nenvironment_sets: {web: {environments: [dev], regions: [a]}}",
     "simulation.nodes_per_cluster", "at least 1"),
    ("environment_sets: {web: {environments: [dev], regions: [a], simulation: {clock_speed: 2}}}",
     "environment_sets.web.simulation.clock_speed", "top-level 'simulation' block"),
    ("environment_sets: {web: {environments: [dev], regions: [a], simulation: {speed: 2}}}",
     "environment_sets.web.simulation.speed", "unknown key"),
    ("environment_sets: {}", "environment_sets", "is empty"),
    ("simulation: {namespaces: [shop, " + "n" * 64 + "]}\n"
     "environment_sets: {web: {environments: [dev], regions: [a]}}",
     "simulation.namespaces[1]", "namespace names are at most 63"),
    ("simulation: {namespaces: shop}\nenvironment_sets: {web: {environments: [dev], regions: [a]}}",
     "simulation.namespaces", "must be a list of namespace names"),
    ("simulation: {}", "environment_sets", "missing"),
    ("- a\n- b", "", "must be the fleet, got a list"),
])
def test_a_malformed_fleet_file_gets_one_error_naming_the_field(text, field, fragment):
    with pytest.raises(FleetFileError) as caught:
        FleetSpec.from_yaml(text)
    assert caught.value.field == field
    assert fragment in str(caught.value)
    if field:
        assert str(caught.value).startswith(f"{field}: ")


def test_cluster_names_longer_than_a_dns_label_are_rejected():
    long_region = "r" * 60
    with pytest.raises(FleetFileError, match=r"regions\[0\]: cluster name .* at most 63"):
        FleetSpec.from_dict({"environment_sets": {"web": {"environments": ["dev"],
                                                          "regions": [long_region]}}})


def test_duplicate_yaml_keys_and_invalid_yaml_are_errors(tmp_path):
    with pytest.raises(FleetFileError, match="duplicate key 'web'"):
        FleetSpec.from_yaml("environment_sets:\n  web: {environments: [a], regions: [b]}\n"
                            "  web: {environments: [c], regions: [d]}\n")
    bad = tmp_path / "fleet.yaml"
    bad.write_text("environment_sets: [unclosed\n")
    with pytest.raises(FleetFileError) as caught:
        FleetSpec.load(bad)
    assert str(caught.value).startswith(f"{bad}: not valid YAML")


def test_load_names_the_file_in_the_error_and_a_missing_file_is_clear(tmp_path):
    path = tmp_path / "fleet.yaml"
    path.write_text("environment_sets: {web: {environments: [dev], regions: [us_east]}}\n")
    with pytest.raises(FleetFileError) as caught:
        FleetSpec.load(path)
    assert str(caught.value) == (f'{path}: environment_sets.web.regions[0]: "us_east" is not a '
                                 "valid region name (lowercase letters, digits and '-', starting and ending "
                                 "with a letter or digit)")
    with pytest.raises(FleetFileError, match="cannot read the fleet file"):
        FleetSpec.load(tmp_path / "missing.yaml")
