"""Cluster links: shape, membership source (known_clusters, the config cluster's ConfigMap), checks."""

import pytest

from ansible_collections.progressive.delivery.plugins.module_utils.multicluster.errors import InvalidInput
from ansible_collections.progressive.delivery.plugins.module_utils.multicluster.links import (
    check_links,
    fleet_memberships,
    parse_link,
)
from ansible_collections.progressive.delivery.tests.unit.module_utils.multicluster.fake_client import (
    FakeClient,
    memberships,
)

MEMBERS = ["europe-west1/prod-europe-west1", "us-east1/prod-us-east1"]


@pytest.mark.parametrize("link, expected", [
    ("us-east1/prod-us-east1", ("us-east1", "prod-us-east1")),
    ("europe-west1-b/web", ("europe-west1-b", "web")),
])
def test_parse_link(link, expected):
    assert parse_link(link, "clusters[0]") == expected


@pytest.mark.parametrize("link, fragment", [
    ("prod-us-east1", "<region or zone>/<cluster name>"),
    ("us-east1/prod/x", "<region or zone>/<cluster name>"),
    ("US-EAST1/prod", "not a GCP region or zone"),
    ("us-east1/Prod", "not a GKE cluster name"),
    ("us-east1/", "not a GKE cluster name"),
    (7, "is not a cluster link"),
])
def test_malformed_links_name_the_field(link, fragment):
    with pytest.raises(InvalidInput) as err:
        parse_link(link, "clusters[2]")
    assert err.value.field == "clusters[2]" and fragment in err.value.message


def test_memberships_come_from_known_clusters_first():
    client = FakeClient(memberships("asia-east1/other"))
    assert fleet_memberships(client, MEMBERS) == (sorted(MEMBERS), "known_clusters")


def test_memberships_come_from_the_config_cluster_configmap():
    links, source = fleet_memberships(FakeClient(memberships(*MEMBERS)))
    assert links == sorted(MEMBERS) and source == "ConfigMap kube-public/fleet-memberships"


def test_memberships_unknown_without_either():
    assert fleet_memberships(FakeClient()) == (None, None)


def test_bad_known_cluster_is_named():
    with pytest.raises(InvalidInput) as err:
        fleet_memberships(FakeClient(), ["us-east1/a", "nope"])
    assert err.value.field == "known_clusters[1]"


def test_unknown_cluster_is_refused_with_the_members_listed():
    with pytest.raises(InvalidInput) as err:
        check_links(["us-east1/prod-us-east1", "us-west1/prod-us-west1"], sorted(MEMBERS), "known_clusters")
    assert err.value.field == "clusters[1]"
    assert "not a member cluster" in err.value.message and "prod-europe-west1" in err.value.message


def test_duplicate_link_is_refused():
    with pytest.raises(InvalidInput) as err:
        check_links([MEMBERS[0], MEMBERS[0]], None, None)
    assert err.value.field == "clusters[1]" and "twice" in err.value.message


def test_without_membership_only_the_shape_is_checked():
    check_links(["us-west1/anything"], None, None)
