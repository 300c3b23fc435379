"""Trust under stress (issue 15), on fleetsim with the real Prometheus, run as an operator runs it:

- a frozen release moves for nothing but a rollback;
- two identical runs started together: one is refused at preflight naming the holder, the other completes;
- a wrong Prometheus URL stops the release before any write, the cause first;
- Prometheus going away mid-release stops it safely without rejecting the version, and the re-run completes.
"""

import subprocess
import urllib.parse

from ansible_collections.progressive.delivery.tests.reliability.release_harness import ReleaseHarness
from ansible_collections.progressive.delivery.tests.support.capacity_watcher import CapacityWatcher
from ansible_collections.progressive.delivery.tests.support.release_fleet import ReleaseFleet
from ansible_collections.progressive.delivery.tests.support.tcp_switch import TcpSwitch

CLUSTER = "app-dev-us-east1"
N = 3
APP = {"namespace": "default", "app": "web", "wait_timeout": 120}
WHERE = {"namespace": "default", "app": "web"}


def output(proc):
    return proc.stdout + proc.stderr


def test_a_frozen_release_is_moved_by_nothing_but_a_rollback(fleetsim_fleet, tmp_path):
    fleet = fleetsim_fleet(clock_speed=5, pod_ready_delay="1s")
    rf = ReleaseFleet(fleet, CLUSTER, tmp_path)
    rf.deploy(replicas=N)
    requests = fleet.runtime.clusters[CLUSTER].server.requests
    with CapacityWatcher.in_process(fleet, CLUSTER, "default", "web", floor=N) as watcher:
        assert rf.run("canary", version="2", image="registry.example.com/web:2", **APP)["changed"] is True
        frozen = rf.run("release_freeze", version="2", reason="migration 42 applied; decide by hand", **WHERE)
        assert frozen.get("changed") is True, frozen.get("msg")
        assert frozen["frozen"]["reason"] == "migration 42 applied; decide by hand"
        assert frozen["frozen"]["canary"] == 1 and frozen["frozen"]["stable"] == N
        assert rf.run("release_info", namespace="default", app="web")["frozen"]["reason"].startswith("migration 42")

        requests.clear()
        refusals = {
            "scale_step": rf.run("scale_step", canary_replicas=2, **APP),
            "release_finish": rf.run("release_finish", version="2", **APP),
            "canary": rf.run("canary", version="2", image="registry.example.com/web:2", **APP),
        }
        for module, result in refusals.items():
            assert result.get("failed") is True, (module, result)
            assert "is frozen" in result["msg"] and "migration 42 applied" in result["msg"], (module, result["msg"])
            assert "release_freeze state: thawed" in result["msg"] and "release_rollback" in result["msg"]
        assert [w.rule for w in requests.writes()] == [], "a refusal wrote to the cluster"
        assert rf.replicas("web", "web-2") == (N, 1)

        # Lifted, the release moves again from where it was frozen; frozen again, a rollback is still the way out.
        assert rf.run("release_freeze", state="thawed", **WHERE)["changed"] is True
        assert rf.run("scale_step", canary_replicas=2, **APP)["changed"] is True
        assert rf.replicas("web", "web-2") == (1, 2)
        rf.run("release_freeze", reason="looks wrong", **WHERE)
        rolled = rf.run("release_rollback", reason="frozen, then rolled back by hand", **APP)
        assert rolled["changed"] is True and rf.replicas("web") == (N,) and rf.deployment("web-2") is None
    assert watcher.report.violations == [], watcher.report.describe()


def test_two_identical_runs_started_together_one_is_refused_naming_the_holder(fleetsim_fleet, prometheus, tmp_path):
    harness = ReleaseHarness(fleetsim_fleet, prometheus, tmp_path, regions=["us-east1", "europe-west1"], app="twins")
    logs = [tmp_path / "run-a.log", tmp_path / "run-b.log"]
    runs = [harness.start("2", log=str(log)) for log in logs]
    codes = [run.wait(600) for run in runs]
    texts = [log.read_text() for log in logs]
    assert codes.count(0) == 1, (codes, [t[-2000:] for t in texts])
    refused = texts[codes.index(0) ^ 1]
    assert "another run of this release is in progress" in refused, refused[-3000:]
    assert "ansible-playbook process" in refused and "nothing was changed anywhere" in refused, refused[-3000:]
    # The refused run stopped at its preflight: not one of its tasks changed anything.
    assert "changed: [" not in refused, refused[-3000:]
    for cluster in harness.clients:
        assert harness.served_versions(cluster) == ["2"], cluster
        assert harness.steps_taken(cluster, "2") == N, "steps were taken twice in %s" % cluster
    assert harness.violations() == []


def test_a_wrong_prometheus_url_stops_before_any_write_with_the_cause_first(fleetsim_fleet, prometheus, tmp_path):
    harness = ReleaseHarness(fleetsim_fleet, prometheus, tmp_path, app="wrongurl")
    servers = [harness.fleet.runtime.clusters[c.name].server.requests for c in harness.members + harness.configs]
    for requests in servers:
        requests.clear()
    proc = harness.run("2", "-e", "canary_release_prometheus_url=http://127.0.0.1:1")
    text = output(proc)
    assert proc.returncode != 0
    assert "Prometheus at http://127.0.0.1:1 refused the connection" in text, text[-3000:]
    assert "nothing was changed" in text and "canary_release_prometheus_url" in text
    assert "%7B" not in text and "query=" not in text, "the message carries a URL-encoded query"
    assert [w.rule for requests in servers for w in requests.writes()] == []
    for cluster in harness.clients:
        assert harness.served_versions(cluster) == ["1"]


def test_prometheus_gone_mid_release_rolls_back_without_rejecting_and_the_rerun_completes(
        fleetsim_fleet, prometheus, tmp_path):
    harness = ReleaseHarness(fleetsim_fleet, prometheus, tmp_path, app="outage")
    (cluster,) = list(harness.clients)
    address = urllib.parse.urlsplit(harness.prom.url)
    switch = TcpSwitch(address.hostname, address.port).on()
    try:
        via_switch = ["-e", "canary_release_prometheus_url=%s" % switch.url, "-e", "canary_release_pause_seconds=4"]
        log = tmp_path / "first.log"
        first = harness.start("2", *via_switch, log=str(log))
        deadline = 240
        waited = 0.0
        while (harness.steps_taken(cluster, "2") or 0) < 1:
            assert first.poll() is None, log.read_text()[-3000:]
            assert waited < deadline, "the first step never completed"
            subprocess.run(["sleep", "0.2"], check=True)
            waited += 0.2
        switch.off()  # Prometheus goes away during the pause after step 1
        assert first.wait(600) != 0
        text = log.read_text()
        assert "refused the connection" in text and "NOT rejected" in text, text[-3000:]
        assert harness.served_versions(cluster) == ["1"] and harness.state(cluster)["ready"] == N
        rejected = ((harness.release_record(cluster) or {}).get("data") or {}).get("rejected-versions") or "{}"
        assert '"2"' not in rejected, "version 2 was rejected for an outage of Prometheus: %s" % rejected
        switch.on()
        again = harness.run("2", "-e", "canary_release_prometheus_url=%s" % switch.url)
        assert again.returncode == 0, output(again)[-3000:]
        assert harness.served_versions(cluster) == ["2"]
    finally:
        switch.off()
    assert harness.violations() == []
