"""`fleetsim up / status / fault / down`: one background process, kubeconfig and fleet.json."""
from __future__ import annotations

import json
import os
import socket
import ssl
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
import yaml

FLEET = """
simulation: {clock_speed: 5, namespaces: [default, shop]}
environment_sets:
  web:
    environments: [dev]
    regions: [us-east1, europe-west1]
"""
CLUSTERS = ["web-dev-us-east1", "web-dev-europe-west1", "web-dev-config"]


def fleetsim(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "fleetsim.cli", *args], capture_output=True,
                          text=True, timeout=timeout)


def get(url: str, token: str | None = None, ca_file: str | None = None) -> tuple[int, dict]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    context = ssl.create_default_context(cafile=ca_file) if ca_file else None
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers),
                                    timeout=5, context=context) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as exc:
        return exc.code, json.load(exc)


def alive(pid: int) -> bool:
    """Running, and not a zombie (an exited daemon nobody has reaped yet)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def refused(url: str) -> bool:
    host, port = url.split("://")[1].split(":")
    try:
        socket.create_connection((host, int(port)), timeout=2).close()
    except ConnectionRefusedError:
        return True
    return False


@pytest.fixture
def running(tmp_path):
    fleet_file = tmp_path / "fleet.yaml"
    fleet_file.write_text(FLEET)
    state = tmp_path / "state"
    try:
        result = fleetsim("up", "--fleet", str(fleet_file), "--state-dir", str(state))
        assert result.returncode == 0, result.stdout + result.stderr
        yield state, fleet_file
    finally:  # also when `up` failed half-way: never leave a daemon behind
        fleetsim("down", "--state-dir", str(state))


@pytest.mark.timeout(240)
def test_up_writes_kubeconfig_and_fleet_json_and_down_stops_everything(running):
    state, fleet_file = running
    description = json.loads((state / "fleet.json").read_text())
    pid = int((state / "fleetsim.pid").read_text())
    assert description["pid"] == pid and os.getpgid(pid) == pid  # own session: a daemon
    assert [c["name"] for c in description["clusters"]] == CLUSTERS
    assert [c["role"] for c in description["clusters"]] == ["member", "member", "config"]

    kubeconfig = yaml.safe_load((state / "kubeconfig").read_text())
    assert kubeconfig["current-context"] == "web-dev-us-east1"
    assert [c["name"] for c in kubeconfig["contexts"]] == CLUSTERS
    tokens = {u["user"]["token"] for u in kubeconfig["users"]}
    assert len(tokens) == 3  # a token per cluster
    ca = description["ca_file"]
    assert kubeconfig["clusters"][0]["cluster"]["server"].startswith("https://127.0.0.1:")
    for cluster in description["clusters"]:
        status, body = get(f"{cluster['api_url']}/api/v1/namespaces", cluster["token"], ca)
        assert status == 200
        assert {"default", "shop"} <= {ns["metadata"]["name"] for ns in body["items"]}
        status, body = get(f"{cluster['api_url']}/api/v1/namespaces", None, ca)
        assert (status, body["kind"], body["reason"]) == (401, "Status", "Unauthorized")
    other = description["clusters"][1]["token"]
    assert get(f"{description['clusters'][0]['api_url']}/api/v1/namespaces", other, ca)[0] == 401
    assert "# TYPE http_requests_total counter" in urllib.request.urlopen(
        description["metrics_url"], timeout=5).read().decode()

    again = fleetsim("up", "--fleet", str(fleet_file), "--state-dir", str(state))
    assert again.returncode == 1 and "already running" in again.stderr

    status = fleetsim("status", "--state-dir", str(state), "--json")
    assert status.returncode == 0, status.stderr
    assert [(c["name"], c["ready"]) for c in json.loads(status.stdout)["clusters"]] == [
        (name, True) for name in CLUSTERS]

    down = fleetsim("down", "--state-dir", str(state))
    assert down.returncode == 0 and f"fleet (pid {pid})" in down.stdout
    assert not alive(pid)
    assert not (state / "fleet.json").exists() and not (state / "kubeconfig").exists()
    assert not (state / "fleetsim.pid").exists() and not (state / "ca.crt").exists()
    assert refused(description["clusters"][0]["api_url"])
    assert (state / "fleetsim.log").exists()


@pytest.mark.timeout(240)
def test_fault_makes_a_cluster_fail_or_unreachable_and_clear_restores_it(running):
    state, _ = running
    description = json.loads((state / "fleet.json").read_text())
    target = description["clusters"][0]
    url = f"{target['api_url']}/api/v1/namespaces"
    ca = description["ca_file"]

    result = fleetsim("fault", "--state-dir", str(state), "--cluster", target["name"],
                      "--error-500", "1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"{target['name']}: error_500=1.0"
    assert get(url, target["token"], ca)[0] == 500
    healthy = description["clusters"][1]
    assert get(f"{healthy['api_url']}/api/v1/namespaces", healthy["token"], ca)[0] == 200

    result = fleetsim("fault", "--state-dir", str(state), "--cluster", target["name"],
                      "--clear", "--unreachable")
    assert result.returncode == 0, result.stderr
    assert refused(target["api_url"])

    result = fleetsim("fault", "--state-dir", str(state), "--cluster", target["name"], "--clear")
    assert result.stdout.strip() == f"{target['name']}: no faults"
    assert get(url, target["token"], ca)[0] == 200  # same port as before

    bad = fleetsim("fault", "--state-dir", str(state), "--cluster", "nope", "--clear")
    assert bad.returncode == 1 and 'no cluster named "nope"' in bad.stderr
    bad = fleetsim("fault", "--state-dir", str(state), "--cluster", target["name"],
                   "--error-409", "7")
    assert bad.returncode == 1 and "error_409: 7.0 is not a share" in bad.stderr


def test_a_malformed_fleet_file_is_reported_and_nothing_starts(tmp_path):
    fleet_file = tmp_path / "fleet.yaml"
    fleet_file.write_text("environment_sets:\n  services:\n    environments: [dev]\n"
                          "    regions: [us-east1, US East]\n")
    state = tmp_path / "state"
    result = fleetsim("up", "--fleet", str(fleet_file), "--state-dir", str(state))
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"fleetsim: invalid fleet file: {fleet_file}: environment_sets.services.regions[1]: "
        "\"US East\" is not a valid region name (lowercase letters, digits and '-', starting and ending with "
        "a letter or digit)")
    assert not state.exists()


def test_commands_without_a_running_fleet_explain_what_to_do(tmp_path):
    state = tmp_path / "nothing"
    result = fleetsim("status", "--state-dir", str(state))
    assert result.returncode == 1 and "no fleet running in" in result.stderr
    result = fleetsim("down", "--state-dir", str(state))
    assert result.returncode == 0 and "no fleet running in" in result.stdout


@pytest.mark.timeout(240)
def test_up_with_prometheus_scrapes_the_fleet_and_down_stops_it(tmp_path):
    fleet_file = tmp_path / "fleet.yaml"
    fleet_file.write_text("environment_sets: {web: {environments: [dev], regions: [us-east1]}}\n")
    state = tmp_path / "state"
    try:
        result = fleetsim("up", "--fleet", str(fleet_file), "--state-dir", str(state),
                          "--prometheus")
        assert result.returncode == 0, result.stdout + result.stderr
        description = json.loads((state / "fleet.json").read_text())
        prometheus_pid = int((state / "prometheus.pid").read_text())
        query = urllib.parse.urlencode({"query": f'up{{fleetsim_fleet="{description["id"]}"}}'})
        with urllib.request.urlopen(f"{description['prometheus_url']}/api/v1/query?{query}",
                                    timeout=10) as response:
            (sample,) = json.load(response)["data"]["result"]
        assert sample["value"][1] == "1"  # up returned after the first successful scrape
        assert sample["metric"]["instance"] == description["metrics_url"].split("/")[2]
    finally:
        down = fleetsim("down", "--state-dir", str(state))
    assert "prometheus (pid" in down.stdout
    assert not alive(prometheus_pid)
    assert refused(description["prometheus_url"])
    assert not (state / "prometheus-data").exists()


def test_a_stale_pid_file_never_signals_an_unrelated_process(tmp_path):
    state = tmp_path / "state"
    state.mkdir()
    bystander = subprocess.Popen(["sleep", "30"])
    try:
        (state / "fleetsim.pid").write_text(f"{bystander.pid}\n")
        result = fleetsim("down", "--state-dir", str(state))
        assert result.returncode == 0 and "no fleet running" in result.stdout
        assert bystander.poll() is None
        assert not (state / "fleetsim.pid").exists()
    finally:
        bystander.kill()
        bystander.wait()


def test_up_reports_the_log_tail_when_the_fleet_process_dies_before_it_is_up(tmp_path):
    from fleetsim.cli import CliError, _wait_for_fleet

    with open(tmp_path / "fleetsim.log", "wb") as log:
        process = subprocess.Popen([sys.executable, "-c", "import sys; print('port exhausted', "
                                    "file=sys.stderr); sys.exit(3)"], stderr=log)
    with pytest.raises(CliError) as caught:
        _wait_for_fleet(process, tmp_path, timeout=30)
    message = str(caught.value)
    assert message.startswith("the fleet process exited with code 3 before it was up")
    assert message.endswith("port exhausted")
