"""progressive.delivery.approval_gate on fleetsim: waits without a terminal for an approval naming the
version, recorded on the cluster; a rejection or the timeout fails it with a message that says what to do."""

import json
import os
import subprocess
import sys
import time

import pytest

from ansible_collections.progressive.delivery.plugins.module_utils.k8s.client import get_client

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PLAYBOOK_BIN = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
CLUSTER = "app-dev-us-east1"

PLAY = """
- hosts: localhost
  gather_facts: false
  roles:
    - role: progressive.delivery.approval_gate
"""


@pytest.fixture
def gate(fleetsim_session_fleet, tmp_path, request):
    fleet = fleetsim_session_fleet()
    app = "web-%s" % request.node.name.replace("_", "-")[5:40].strip("-")  # one approval ConfigMap per test
    playbook = tmp_path / "gate.yml"
    playbook.write_text(PLAY)
    client = get_client({"kubeconfig": str(fleet.kubeconfig), "context": fleet.clusters[CLUSTER].context})
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(REPO, "ansible.cfg"), ANSIBLE_FORCE_COLOR="0",
               ANSIBLE_COLLECTIONS_PATH=os.path.join(REPO, ".venv", "collections"))

    def start(**overrides):
        extra = {"approval_gate_app": app, "approval_gate_version": "2", "approval_gate_poll_interval": 1,
                 "approval_gate_timeout": 30, "approval_gate_kubeconfig": str(fleet.kubeconfig),
                 "approval_gate_context": fleet.clusters[CLUSTER].context,
                 "ansible_python_interpreter": sys.executable}
        extra.update(overrides)
        return subprocess.Popen([PLAYBOOK_BIN, "-i", "localhost,", "-c", "local", str(playbook), "-e", json.dumps(extra)],
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)

    def requested(version, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            cm = client.get("v1", "ConfigMap", "default", app + "-approval")
            if cm and (cm.get("data") or {}).get("requested-version") == version:
                return cm
            time.sleep(0.2)
        raise AssertionError("the gate never asked for the approval of %s" % version)

    def record(**data):
        client.patch("v1", "ConfigMap", "default", app + "-approval", {"data": data})

    return app, start, requested, record


def finish(proc):
    out = proc.communicate(timeout=120)[0]
    return proc.returncode, " ".join(out.split())


def test_waits_for_the_approval_of_its_version(gate):
    app, start, requested, record = gate
    proc = start()
    cm = requested("2")
    assert cm["data"]["requested-at"]
    record(**{"approved-version": "1"})  # an approval of another version does not count
    time.sleep(2.5)
    assert proc.poll() is None, "the gate passed on the approval of another version"
    record(**{"approved-version": "2"})
    rc, out = finish(proc)
    assert rc == 0, out


def test_rejection_fails_at_once(gate):
    app, start, requested, record = gate
    proc = start()
    requested("2")
    record(**{"rejected-version": "2"})
    began = time.monotonic()
    rc, out = finish(proc)
    assert rc != 0 and time.monotonic() - began < 15
    assert "approval_gate: %s 2 was rejected (ConfigMap default/%s-approval, key rejected-version)" % (app, app) in out, out


def test_timeout_says_how_to_approve(gate):
    app, start, _requested, _record = gate
    rc, out = finish(start(approval_gate_timeout=3))
    assert rc != 0
    assert "approval_gate: no decision on %s 2 within 3 s" % app in out, out
    assert """patch configmap %s-approval -p '{"data":{"approved-version":"2"}}'""" % app in out, out
