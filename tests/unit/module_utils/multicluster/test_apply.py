"""Present / absent: created, unchanged, updated (annotations merged, spec replaced), check mode."""

from ansible_collections.progressive.delivery.plugins.module_utils.multicluster import objects
from ansible_collections.progressive.delivery.plugins.module_utils.multicluster.apply import (
    ensure_absent,
    ensure_present,
)
from ansible_collections.progressive.delivery.tests.unit.module_utils.multicluster.fake_client import FakeClient

KEY = ("networking.gke.io/v1", "MultiClusterService", "shop", "web")


def desired(port=8080, annotations=None, clusters=None):
    return objects.multicluster_service("web", "shop", {"app": "web"}, [{"name": "http", "port": port}], clusters,
                                        annotations)


def test_create_then_no_change():
    client = FakeClient()
    first = ensure_present(client, desired(), False)
    assert (first.changed, first.action, first.before) == (True, "created", None)
    second = ensure_present(client, desired(), False)
    assert (second.changed, second.action) == (False, "none")
    assert client.writes == [("create", KEY)]


def test_status_and_foreign_annotations_do_not_count_as_changes():
    client = FakeClient(desired(annotations={"owner": "someone-else"}))
    client.set_status(*KEY, status={"observedGeneration": 1})
    outcome = ensure_present(client, desired(), False)
    assert outcome.changed is False and client.writes == []


def test_update_replaces_spec_and_merges_annotations():
    client = FakeClient(desired(annotations={"owner": "ops"}, clusters=["us-east1/a"]))
    outcome = ensure_present(client, desired(port=9090, annotations={"team": "shop"}), False)
    assert outcome.changed and outcome.action == "updated"
    stored = client.get(*KEY)
    assert stored["metadata"]["annotations"] == {"owner": "ops", "team": "shop"}
    assert "clusters" not in stored["spec"]  # no clusters option: every member cluster again
    assert stored["spec"]["template"]["spec"]["ports"][0]["port"] == 9090
    diff = outcome.diff()
    assert diff["before"]["spec"]["clusters"] == [{"link": "us-east1/a"}] and "clusters" not in diff["after"]["spec"]


def test_check_mode_writes_nothing_but_reports_the_change():
    client = FakeClient(desired())
    outcome = ensure_present(client, desired(port=9090), True)
    assert outcome.changed and outcome.after["spec"]["template"]["spec"]["ports"][0]["port"] == 9090
    assert client.writes == [] and client.get(*KEY)["spec"]["template"]["spec"]["ports"][0]["port"] == 8080
    created = ensure_present(FakeClient(), desired(), True)
    assert created.changed and created.diff()["before"] == {}


def test_absent():
    client = FakeClient(desired())
    assert ensure_absent(client, *KEY, check_mode=True).changed and client.get(*KEY) is not None
    outcome = ensure_absent(client, *KEY, check_mode=False)
    assert outcome.changed and outcome.action == "deleted" and client.get(*KEY) is None
    assert ensure_absent(client, *KEY, check_mode=False).changed is False
