"""The fleet file as the inventory reads it: the simulator's shape, its order, its errors."""

import os

import pytest
import yaml

from ansible_collections.progressive.delivery.plugins.plugin_utils.fleet.errors import FleetError
from ansible_collections.progressive.delivery.plugins.plugin_utils.fleet.model import ROLE_CONFIG, parse_fleet

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
DEMO_FLEET = os.path.join(REPO, "inventories", "fleetsim", "demo.yml")


def fleet(**sets):
    return {"environment_sets": sets}


def error_of(data):
    with pytest.raises(FleetError) as err:
        parse_fleet(data)
    return err.value


def test_environments_and_regions_keep_the_file_order():
    parsed = parse_fleet(fleet(web={"environments": ["qa", "canary", "live"], "regions": ["zz-1", "aa-1"]},
                               api={"environments": ["prod"], "regions": ["eu-1"]}))
    assert [s.name for s in parsed.sets] == ["web", "api"]
    assert [e.name for e in parsed.sets[0].environments] == ["qa", "canary", "live"]
    assert [c.name for c in parsed.sets[0].environments[2].clusters] == ["web-live-zz-1", "web-live-aa-1"]
    assert parsed.sets[0].environments[1].config_cluster.name == "web-canary-config"
    assert parsed.sets[0].environments[1].config_cluster.role == ROLE_CONFIG


def test_same_clusters_as_the_simulator_for_the_demo_fleet():
    fleetsim = pytest.importorskip("fleetsim.fleet")
    with open(DEMO_FLEET, encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    simulated = fleetsim.FleetSpec.load(DEMO_FLEET)
    ours = parse_fleet(data)
    assert sorted((c.name, c.set, c.environment, c.region, c.role) for c in ours.clusters) == sorted(
        (c.name, c.set, c.environment, c.region, c.role) for c in simulated.clusters)


def test_simulation_knobs_are_accepted_but_a_misspelt_one_is_not():
    parse_fleet({"simulation": {"clock_speed": 10, "namespaces": ["shop"]},
                 "environment_sets": {"web": {"environments": ["dev"], "regions": ["r1"],
                                              "simulation": {"requests_per_second": 2}}}})
    err = error_of({"simulation": {"clock_sped": 10},
                    "environment_sets": {"web": {"environments": ["dev"], "regions": ["r1"]}}})
    assert err.field == "simulation.clock_sped"
    assert "unknown key" in err.problem and "clock_speed" in err.problem


@pytest.mark.parametrize("data, field, words", [
    ({"environment_sets": {"web": {"environments": ["dev"], "regions": ["r1"], "region": ["r2"]}}},
     "environment_sets.web.region", "unknown key; allowed here: environments, regions, simulation"),
    ({"environment_set": {}}, "environment_set", "unknown key"),
    ({"environment_sets": {"web": {"regions": ["r1"]}}}, "environment_sets.web.environments", "missing"),
    ({"environment_sets": {"web": {"environments": "dev", "regions": ["r1"]}}},
     "environment_sets.web.environments", 'must be a list of environment names, got "dev"'),
    ({"environment_sets": {"web": {"environments": ["dev", "prod", "dev"], "regions": ["r1"]}}},
     "environment_sets.web.environments[2]", '"dev" is listed twice'),
    ({"environment_sets": {"web": {"environments": ["dev"], "regions": ["US East"]}}},
     "environment_sets.web.regions[0]", "not a valid region name"),
    ({"environment_sets": {"web": {"environments": ["dev"], "regions": ["r1"], "simulation": {"clock_speed": 2}}}},
     "environment_sets.web.simulation.clock_speed", "the clock is shared by the whole fleet"),
    ({"environment_sets": {}}, "environment_sets", "is empty"),
])
def test_malformed_fleet_names_the_entry(data, field, words):
    err = error_of(data)
    assert err.field == field
    assert words in err.problem


def test_a_cluster_name_made_by_two_environments_is_refused():
    # set "a-b" env "c" and set "a" env "b-c" would both make cluster a-b-c-r1
    err = error_of(fleet(**{"a-b": {"environments": ["c"], "regions": ["r1"]},
                            "a": {"environments": ["b-c"], "regions": ["r1"]}}))
    assert err.field == "environment_sets.a.regions[0]"
    assert 'cluster "a-b-c-r1" would belong to environment a/b-c and also to a-b/c' in err.message
    assert "exactly one environment" in err.message


def test_a_region_named_config_collides_with_the_config_cluster():
    err = error_of(fleet(web={"environments": ["dev"], "regions": ["r1", "config"]}))
    assert err.field == "environment_sets.web.regions[1]"
    assert 'config cluster of environment web/dev' in err.message
