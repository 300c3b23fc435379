"""Bad input: every case of tests/reliability/corpus gets a clear error naming the field, and the
cluster sees 0 write requests (fleetsim counts every request by verb, any user).

Module arguments and role variables run in one playbook (a block/rescue per case, so one case's
failure does not stop the others) against a fleetsim cluster that holds the app; inventory files go
through ``ansible-inventory --list``; fleet files through ``fleetsim up``.
"""

import json
import os
import shutil
import subprocess
import sys

import pytest
import yaml

from ansible_collections.progressive.delivery.tests.reliability import results
from ansible_collections.progressive.delivery.tests.support.release_fleet import ReleaseFleet

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")
BIN = os.path.dirname(sys.executable)
CLUSTER = "app-dev-us-east1"
# Role cases run with the gates off unless the case is about them: the error must come from the
# variable under test, not from a missing Prometheus.
ROLE_DEFAULTS = {"canary_release_metric_gate_enabled": False, "canary_release_smoke_enabled": False}


def load(name):
    with open(os.path.join(CORPUS, name)) as handle:
        return yaml.safe_load(handle)


def expected(folder):
    with open(os.path.join(CORPUS, folder, "expect.json")) as handle:
        return json.load(handle)


def case_playbook(module_cases, role_cases, kubeconfig, context):
    """One play; each case is a block whose rescue stores the error under the case's name."""
    tasks = []
    for case in module_cases:
        task = {"name": case["name"], "progressive.delivery.%s" % case["module"]: case["args"]}
        tasks.append(_guarded(case["name"], task))
    for case in role_cases:
        role_vars = dict(ROLE_DEFAULTS, canary_release_kubeconfig=kubeconfig, canary_release_context=context)
        role_vars.update(case["vars"])
        task = {"name": case["name"], "ansible.builtin.include_role": {"name": "progressive.delivery.%s" % case["role"]},
                "vars": role_vars}
        tasks.append(_guarded(case["name"], task))
    tasks.append({"name": "Report", "ansible.builtin.copy": {
        "content": "{{ corpus_errors | default({}) | to_json }}", "dest": "{{ corpus_report }}", "mode": "0600"}})
    return [{"name": "Bad input corpus", "hosts": "localhost", "gather_facts": False, "tasks": tasks}]


def _guarded(name, task):
    return {"block": [task,
                      {"name": "Passed", "ansible.builtin.set_fact": {
                          "corpus_errors": "{{ corpus_errors | default({}) | combine({%s: 'NO ERROR'}) }}" % json.dumps(name)}}],
            "rescue": [{"name": "Record", "ansible.builtin.set_fact": {
                "corpus_errors": "{{ corpus_errors | default({}) | combine({%s: ansible_failed_result.msg | default('') | string}) }}"
                                 % json.dumps(name)}}]}


def check_cases(cases, errors):
    """The problems (error missing or not naming the field) and the known gaps still open."""
    bad, gaps = [], []
    for case in cases:
        name, expect = case["name"], case["expect"]
        message = errors.get(name)
        if message is None or message == "NO ERROR":
            bad.append("%s: no error at all" % name)
            continue
        names_field = all(e.lower() in message.lower() for e in expect)
        if case.get("known_gap"):
            if names_field:
                bad.append("%s: fixed, the error now names %s: remove known_gap from the corpus" % (name, expect))
            gaps.append("%s (%s)" % (name, case["known_gap"]))
        elif not names_field:
            bad.append("%s: expected an error naming %s, got %r" % (name, expect, message))
    return bad, gaps


@pytest.mark.reliability_fast
def test_module_arguments_and_role_variables(fleetsim_fleet, tmp_path):
    module_cases, role_cases = load("module_arguments.yml.in"), load("role_variables.yml.in")
    name = "bad input: module arguments and role variables"
    with results.scenario(name) as row:
        fleet = fleetsim_fleet(clock_speed=5, pod_ready_delay="1s")
        rf = ReleaseFleet(fleet, CLUSTER, tmp_path)
        rf.deploy(replicas=2)
        requests = fleet.runtime.clusters[CLUSTER].server.requests
        requests.clear()
        playbook, report = tmp_path / "corpus.yml", tmp_path / "errors.json"
        playbook.write_text(yaml.safe_dump(case_playbook(module_cases, role_cases, str(fleet.kubeconfig),
                                                         fleet.clusters[CLUSTER].context), sort_keys=False))
        env = dict(rf.env, ANSIBLE_STDOUT_CALLBACK="default")
        proc = subprocess.run([os.path.join(BIN, "ansible-playbook"), str(playbook), "-e", "corpus_report=%s" % report],
                              env=env, cwd=str(tmp_path), capture_output=True, text=True, timeout=600, check=False)
        assert report.exists(), "the corpus playbook did not finish (rc %s):\n%s\n%s" % (
            proc.returncode, proc.stdout[-3000:], proc.stderr[-3000:])
        errors = json.loads(report.read_text())
        cases = module_cases + role_cases
        bad, gaps = check_cases(cases, errors)
        writes = [w.rule for w in requests.writes()]
        row.notes = "%d cases, %d write requests; known gaps: %s" % (len(cases), len(writes), "; ".join(gaps) or "none")
        assert bad == [], "\n".join(bad)
        assert writes == [], "bad input reached the cluster: %s" % writes
        assert rf.replicas("web") == (2,) and rf.deployment("web-2") is None


@pytest.mark.reliability_fast
def test_inventory_files(fleetsim_fleet, tmp_path):
    cases = expected("inventory")
    with results.scenario("bad input: fleet inventory files") as row:
        fleet = fleetsim_fleet()
        requests = fleet.runtime.clusters[CLUSTER].server.requests
        requests.clear()
        bad = []
        for source, expect in sorted(cases.items()):
            target = tmp_path / source[:-len(".in")]  # the plugin only reads files named *fleet.yml
            shutil.copy(os.path.join(CORPUS, "inventory", source), target)
            env = dict(os.environ, ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED="true", ANSIBLE_INVENTORY_ENABLED="progressive.delivery.fleet",
                       K8S_AUTH_KUBECONFIG=str(fleet.kubeconfig))
            proc = subprocess.run([os.path.join(BIN, "ansible-inventory"), "-i", str(target), "--list"], env=env,
                                  cwd=str(tmp_path), capture_output=True, text=True, timeout=120, check=False)
            output = proc.stdout + proc.stderr
            if proc.returncode == 0 or not all(e.lower() in output.lower() for e in expect):
                bad.append("%s: rc %s, expected %s in:\n%s" % (source, proc.returncode, expect, output[-1500:]))
        writes = [w.rule for w in requests.writes()]
        row.notes = "%d cases, %d write requests" % (len(cases), len(writes))
        assert bad == [], "\n".join(bad)
        assert writes == []


@pytest.mark.reliability_fast
def test_fleet_files(tmp_path):
    cases = expected("fleet_files")
    with results.scenario("bad input: fleetsim fleet files") as row:
        bad = []
        for source, expect in sorted(cases.items()):
            state = tmp_path / source
            proc = subprocess.run([os.path.join(BIN, "fleetsim"), "up", "--fleet", os.path.join(CORPUS, "fleet_files", source),
                                   "--state-dir", str(state)], capture_output=True, text=True, timeout=120, check=False)
            output = proc.stdout + proc.stderr
            if proc.returncode == 0 or not all(e.lower() in output.lower() for e in expect):
                bad.append("%s: rc %s, expected %s in:\n%s" % (source, proc.returncode, expect, output[-1500:]))
            if (state / "fleet.json").exists():  # a fleet started: stop it, it must not have
                subprocess.run([os.path.join(BIN, "fleetsim"), "down", "--state-dir", str(state)], timeout=60, check=False)
                bad.append("%s: fleetsim started a fleet from it" % source)
        row.notes = "%d cases, no fleet started (so 0 API requests of any kind)" % len(cases)
        assert bad == [], "\n".join(bad)


def test_corpus_has_at_least_30_cases():
    count = (len(load("module_arguments.yml.in")) + len(load("role_variables.yml.in")) + len(expected("inventory"))
             + len(expected("fleet_files")))
    assert count >= 30, count
