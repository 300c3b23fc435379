"""The dress rehearsal's fault drills (rehearse_faults): parsed, refused naming the field, and fired on the twin."""

import json
import os
import subprocess

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.progressive.delivery.plugins.filter.rehearse_drills import FilterModule as DrillFilters
from ansible_collections.progressive.delivery.plugins.filter.rehearse_overrides import FilterModule as OverrideFilters
from ansible_collections.progressive.delivery.plugins.module_utils.twin import drill_watch
from ansible_collections.progressive.delivery.plugins.plugin_utils.twin.drills import DrillError, parse_drills

MEMBERS = {"services-dev-us-east1": "dev", "services-staging-us-east1": "staging",
           "services-staging-europe-west1": "staging", "services-prod-us-east1": "prod"}
rehearse_drills = DrillFilters().filters()["rehearse_drills"]
rehearse_overrides = OverrideFilters().filters()["rehearse_overrides"]


def test_a_drill_applies_to_the_clusters_of_its_environment_or_to_its_cluster():
    drills = parse_drills([{"environment": "staging"}, {"cluster": "services-prod-us-east1", "kind": "unreachable"},
                           {"environment": "staging", "cluster": "services-staging-europe-west1", "kind": "prometheus_down"}],
                          MEMBERS)
    assert [d["kind"] for d in drills] == ["errors", "unreachable", "prometheus_down"]  # no kind: an errors drill
    assert drills[0]["clusters"] == ["services-staging-us-east1", "services-staging-europe-west1"]
    assert drills[0]["error_rate"] == 0.5
    assert drills[1]["clusters"] == ["services-prod-us-east1"] and "error_rate" not in drills[1]
    assert drills[2]["clusters"] == ["services-staging-europe-west1"]


@pytest.mark.parametrize("given", [
    '[{"environment": "staging", "kind": "crash_loop"}]',  # JSON text, as an AWX survey gives it
    "- {environment: staging, kind: crash_loop}",  # YAML text
    {"environment": "staging", "kind": "crash_loop"},  # one drill
])
def test_drills_given_as_text_or_as_one_mapping(given):
    (drill,) = parse_drills(given, MEMBERS)
    assert drill["kind"] == "crash_loop" and len(drill["clusters"]) == 2


@pytest.mark.parametrize("empty", [None, "", [], "[]"])
def test_no_drills(empty):
    assert parse_drills(empty, MEMBERS) == []


@pytest.mark.parametrize("given, message", [
    ([{"environment": "staging", "kind": "timeout"}],
     "rehearse_faults[0].kind: 'timeout' is not a drill; use one of errors, crash_loop, unreachable, prometheus_down"),
    ([{"kind": "errors"}], "rehearse_faults[0]: names neither an environment nor a cluster"),
    ([{"environment": "dev"}, {"environment": "qa"}], "rehearse_faults[1].environment: 'qa' is not an environment of the set"),
    ([{"cluster": "services-qa-us-east1"}], "rehearse_faults[0].cluster: 'services-qa-us-east1' is not a cluster of the set"),
    ([{"environment": "dev", "cluster": "services-prod-us-east1"}],
     "rehearse_faults[0]: cluster services-prod-us-east1 is not in environment dev"),
    ([{"environment": "dev", "error_rate": 2}], "rehearse_faults[0].error_rate: 2.0 is not a share of requests"),
    ([{"environment": "dev", "error_rate": "lots"}], "rehearse_faults[0].error_rate: 'lots' is not a number"),
    ([{"environment": "dev", "kind": "unreachable", "error_rate": 0.2}],
     "rehearse_faults[0].error_rate: only an errors drill takes it"),
    ([{"environment": "dev", "when": "later"}], "rehearse_faults[0].when: unknown field"),
    (["staging"], "rehearse_faults[0]: needs a mapping"),
    (42, "rehearse_faults: needs a list of drills"),
    ("[{environment: staging", "rehearse_faults: not YAML or JSON"),
])
def test_a_bad_drill_is_refused_naming_the_field(given, message):
    with pytest.raises(DrillError) as err:
        parse_drills(given, MEMBERS)
    assert str(err.value).startswith(message), str(err.value)
    with pytest.raises(AnsibleFilterError, match=r"^rehearse_faults"):  # what the playbook shows before anything starts
        rehearse_drills(given, MEMBERS)


def test_only_pod_drills_become_twin_host_variables():
    drills = parse_drills([{"cluster": "services-dev-us-east1", "error_rate": 0.9},
                           {"cluster": "services-prod-us-east1", "kind": "crash_loop"},
                           {"environment": "staging", "kind": "unreachable"}], MEMBERS)
    hosts = rehearse_overrides(drills)
    assert hosts == {
        "services-dev-us-east1": {"vars": {"canary_release_template_overrides": {
            "metadata": {"annotations": {"fleetsim.io/error-rate": "0.9"}}}}},
        "services-prod-us-east1": {"vars": {"canary_release_template_overrides": {
            "metadata": {"annotations": {"fleetsim.io/crash-loop": "true"}}}}},
    }


# --- the watcher of a timed drill ----------------------------------------------------------------------------


class FakeClock(object):
    def __init__(self):
        self.now = 0.0

    def monotonic(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


class FakeClient(object):
    def __init__(self, started_at, clock):
        self.started_at, self.clock, self.selectors = started_at, clock, []

    def list(self, api_version, kind, namespace, label_selector=None):
        self.selectors.append((kind, namespace, label_selector))
        return {"items": [{}] if self.clock.now >= self.started_at else []}


@pytest.fixture
def twin(tmp_path, monkeypatch):
    (tmp_path / "fleet.json").write_text(json.dumps({"admin_url": "http://admin", "admin_token": "t"}))
    clock = FakeClock()
    clients = {"a": FakeClient(started_at=99, clock=clock), "b": FakeClient(started_at=3, clock=clock)}
    monkeypatch.setattr(drill_watch, "get_client", lambda auth: clients[auth["context"]])
    fired = []
    monkeypatch.setattr(drill_watch, "fire", lambda kind, state_dir, cluster: fired.append((kind, cluster)) or {})
    return tmp_path, clock, clients, fired


def auths(*names):
    return dict((name, {"context": name}) for name in names)


def test_the_drill_fires_in_the_first_cluster_where_the_canary_starts(twin):
    state_dir, clock, clients, fired = twin
    result = drill_watch.watch(auths("a", "b"), "shop", "app=web,version=2", "unreachable", str(state_dir), clock=clock)
    assert result["fired"] and result["cluster"] == "b" and result["after_seconds"] == 3.0
    assert fired == [("unreachable", "b")]
    assert clients["a"].selectors[0] == ("Deployment", "shop", "app=web,version=2")


def test_the_watcher_gives_up_on_the_stop_file_the_twin_stopping_or_the_timeout(twin):
    state_dir, clock, clients, fired = twin
    stop = state_dir / "drills.stop"
    stop.write_text("ended\n")
    result = drill_watch.watch(auths("a"), "shop", "app=web", "prometheus_down", str(state_dir), stop_file=str(stop), clock=clock)
    assert not result["fired"] and "ended before the canary started in a" in result["reason"]
    result = drill_watch.watch(auths("a"), "shop", "app=web", "prometheus_down", str(state_dir), timeout=5, clock=clock)
    assert not result["fired"] and "within 5 s" in result["reason"]
    os.remove(str(state_dir / "fleet.json"))
    assert drill_watch.watch(auths("b"), "shop", "app=web", "unreachable", str(state_dir), clock=clock)["reason"] == \
        "the twin stopped first"
    assert fired == []


def test_prometheus_down_stops_only_a_prometheus(tmp_path, monkeypatch):
    other = subprocess.Popen(["sleep", "30"])  # a pid file left pointing at a process that is not a Prometheus
    killed = []
    try:
        monkeypatch.setattr(drill_watch.os, "kill", lambda pid, sig: killed.append(pid))
        (tmp_path / "prometheus.pid").write_text(str(other.pid))
        with pytest.raises(drill_watch.DrillWatchError, match="is not a Prometheus; left alone"):
            drill_watch.stop_prometheus(str(tmp_path))
        with pytest.raises(drill_watch.DrillWatchError, match="no running Prometheus"):
            drill_watch.stop_prometheus(str(tmp_path / "missing"))
        assert killed == []
    finally:
        monkeypatch.undo()  # os.kill is the real one again for the cleanup
        other.kill()
        other.wait()
