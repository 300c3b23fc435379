"""Job and CronJob controllers against the real ones' behaviour: a Job runs `parallelism` pods
until `completions` succeeded (Indexed: one per index), fails after `backoffLimit`, and shows
the conditions `kubectl wait` and kubernetes.core's wait read; a CronJob creates a Job
`<name>-<minutes since epoch>` at each scheduled time and keeps its history limits."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import FleetKubectl

JOB = """\
apiVersion: batch/v1
kind: Job
metadata: {name: migrate, namespace: shop}
spec:
  completions: 3
  parallelism: 2
  template:
    metadata: {annotations: {fleetsim.io/run-for: 2s}}
    spec:
      restartPolicy: Never
      containers: [{name: migrate, image: "example/migrate:1.0"}]
"""


def job(k, name="migrate"):
    return k.cluster.store.get("jobs.batch", "shop", name)


def test_job_runs_its_completions_with_the_parallelism(fleet_kubectl):
    k = fleet_kubectl
    running: list[int] = []

    def on(event_type, rt, obj, old):
        if rt == "jobs.batch" and obj["metadata"]["name"] == "migrate":
            running.append((obj.get("status") or {}).get("active", 0))
    k.call(lambda: k.cluster.api.subscribe(on))
    k.apply(JOB)
    k("-n", "shop", "wait", "--for=condition=complete", "job/migrate", "--timeout=90s", timeout=120)
    status = job(k)["status"]
    assert status["succeeded"] == 3 and "active" not in status and status["ready"] == 0
    assert status["uncountedTerminatedPods"] == {} and status["startTime"] <= status["completionTime"]
    assert [c["type"] for c in status["conditions"]] == ["SuccessCriteriaMet", "Complete"]
    assert status["conditions"][1]["reason"] == "CompletionsReached"
    assert max(running) == 2  # never more than parallelism at once
    pods = k.cluster.store.items("pods", "shop")
    assert len(pods) == 3 and all(p["status"]["phase"] == "Succeeded" for p in pods)
    assert all(p["metadata"]["labels"]["batch.kubernetes.io/job-name"] == "migrate" for p in pods)
    table = k("-n", "shop", "get", "job", "migrate").stdout.splitlines()[1].split()
    assert table[:3] == ["migrate", "Complete", "3/3"]
    log = k("-n", "shop", "logs", "job/migrate").stdout
    assert "INFO  work done: exiting with status 0" in log


def test_failing_job_stops_at_the_backoff_limit(fleet_kubectl):
    k = fleet_kubectl
    k.apply(JOB.replace("completions: 3", "completions: 1").replace("parallelism: 2", "backoffLimit: 1")
            .replace("fleetsim.io/run-for: 2s", "fleetsim.io/run-for: 1s, fleetsim.io/exit-code: '3'"))
    k("-n", "shop", "wait", "--for=condition=failed", "job/migrate", "--timeout=120s", timeout=150)
    status = job(k)["status"]
    assert status["failed"] == 2 and "succeeded" not in status
    failed = next(c for c in status["conditions"] if c["type"] == "Failed")
    assert (failed["reason"], failed["message"]) == ("BackoffLimitExceeded",
                                                     "Job has reached the specified backoff limit")
    pods = sorted(k.cluster.store.items("pods", "shop"), key=lambda p: p["metadata"]["creationTimestamp"])
    assert [p["status"]["containerStatuses"][0]["state"]["terminated"]["exitCode"] for p in pods] == [3, 3]
    # The replacement came after the 10 s pod failure back-off.
    from fleetsim.clock import parse_time
    gap = parse_time(pods[1]["metadata"]["creationTimestamp"]) - parse_time(
        pods[0]["status"]["containerStatuses"][0]["state"]["terminated"]["finishedAt"])
    assert gap.total_seconds() >= 10


def test_indexed_job_completes_every_index(fleet_kubectl):
    k = fleet_kubectl
    k.apply(JOB.replace("parallelism: 2", "parallelism: 3\n  completionMode: Indexed"))
    k("-n", "shop", "wait", "--for=condition=complete", "job/migrate", "--timeout=90s", timeout=120)
    assert job(k)["status"]["completedIndexes"] == "0-2"
    indexes = sorted(p["metadata"]["annotations"]["batch.kubernetes.io/job-completion-index"]
                     for p in k.cluster.store.items("pods", "shop"))
    assert indexes == ["0", "1", "2"]


PLAYBOOK = """
- hosts: localhost
  gather_facts: false
  tasks:
    - kubernetes.core.k8s:
        kubeconfig: "{{ lookup('env', 'KC') }}"
        context: app-dev-us-east1
        src: "{{ lookup('env', 'MANIFEST') }}"
        wait: true
        wait_condition: {type: Complete, status: "True"}
        wait_timeout: 90
      register: applied
    - ansible.builtin.copy:
        dest: "{{ lookup('env', 'RESULT_FILE') }}"
        content: "{{ applied.result.status | to_json }}"
"""


def test_kubernetes_core_waits_for_a_job_to_complete(fleet_kubectl, tmp_path):
    k = fleet_kubectl
    (tmp_path / "job.yml").write_text(JOB)
    (tmp_path / "play.yml").write_text(PLAYBOOK)
    env = dict(os.environ, KC=str(k.fleet.kubeconfig), MANIFEST=str(tmp_path / "job.yml"),
               RESULT_FILE=str(tmp_path / "out.json"), ANSIBLE_LOCALHOST_WARNING="false",
               ANSIBLE_INVENTORY_UNPARSED_WARNING="false")
    proc = subprocess.run([str(Path(sys.executable).parent / "ansible-playbook"), str(tmp_path / "play.yml")],
                          env=env, capture_output=True, text=True, timeout=300)
    if proc.returncode != 0:
        pytest.fail(f"playbook failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-2000:]}")
    assert json.loads((tmp_path / "out.json").read_text())["succeeded"] == 3


CRON = """\
apiVersion: batch/v1
kind: CronJob
metadata: {name: report, namespace: shop}
spec:
  schedule: "*/1 * * * *"
  successfulJobsHistoryLimit: 1
  jobTemplate:
    spec:
      template:
        metadata: {annotations: {fleetsim.io/run-for: 5s}}
        spec:
          restartPolicy: OnFailure
          containers: [{name: report, image: "example/report:1.0"}]
"""


@pytest.fixture
def fast_fleet(fleetsim_fleet, tmp_path):
    """A clock 30x real time: one scheduled minute every 2 real seconds."""
    fleet = fleetsim_fleet(clock_speed=30, pod_ready_delay="1s", pod_ready_jitter="0.2s", namespaces=["shop"])
    return FleetKubectl(fleet, tmp_path)


def test_cronjob_creates_a_job_each_scheduled_minute_and_keeps_its_history(fast_fleet):
    k = fast_fleet
    k.apply(CRON)
    from fleetsim.clock import parse_time

    def jobs():
        return sorted((j for j in k.cluster.store.items("jobs.batch", "shop")
                       if not j["metadata"].get("deletionTimestamp")), key=lambda j: j["metadata"]["name"])
    k.wait_for(lambda: any((j.get("status") or {}).get("succeeded") for j in jobs()), timeout=60,
               what="a finished job")
    cj = k.cluster.store.get("cronjobs.batch", "shop", "report")
    first = jobs()[0]
    scheduled = parse_time(first["metadata"]["annotations"]["batch.kubernetes.io/cronjob-scheduled-timestamp"])
    assert scheduled.second == 0
    assert first["metadata"]["name"] == f"report-{int(scheduled.timestamp() // 60)}"
    assert first["metadata"]["ownerReferences"][0]["kind"] == "CronJob"
    k.wait_for(lambda: (k.cluster.store.get("cronjobs.batch", "shop", "report").get("status") or {}).get(
        "lastSuccessfulTime"), what="lastSuccessfulTime")
    # Two more schedules later only the newest finished Job is kept (successfulJobsHistoryLimit: 1).
    k.wait_for(lambda: len([j for j in k.cluster.store.items("jobs.batch", "shop")
                            if (j.get("status") or {}).get("succeeded")]) == 1 and
               first["metadata"]["name"] not in [j["metadata"]["name"] for j in jobs()], timeout=60,
               what="the history limit")
    cj = k.cluster.store.get("cronjobs.batch", "shop", "report")
    assert parse_time(cj["status"]["lastScheduleTime"]) > scheduled
    row = k("-n", "shop", "get", "cronjob", "report").stdout.splitlines()[1].split()
    assert row[:7] == ["report", "*/1", "*", "*", "*", "*", "<none>"]


def test_invalid_schedule_is_refused(fleet_kubectl):
    proc = fleet_kubectl("apply", "-f", "-", stdin=CRON.replace('"*/1 * * * *"', '"61 * * * *"'), check=False)
    assert proc.returncode != 0
    assert ('The CronJob "report" is invalid: spec.schedule: Invalid value: "61 * * * *": end of range (61) above '
            'maximum (59): 61') in proc.stderr


def test_kubectl_create_cronjob_and_a_manual_job_from_it(fleet_kubectl):
    k = fleet_kubectl
    k("-n", "shop", "create", "cronjob", "nightly", "--image=example/report:1.0", "--schedule=0 3 * * *",
      "--restart=OnFailure")
    cj = k.cluster.store.get("cronjobs.batch", "shop", "nightly")
    assert cj["spec"]["schedule"] == "0 3 * * *" and cj["spec"]["concurrencyPolicy"] == "Allow"
    k("-n", "shop", "create", "job", "nightly-now", "--from=cronjob/nightly")
    k("-n", "shop", "wait", "--for=condition=complete", "job/nightly-now", "--timeout=60s", timeout=90)
    job = k.cluster.store.get("jobs.batch", "shop", "nightly-now")
    assert job["metadata"]["annotations"]["cronjob.kubernetes.io/instantiate"] == "manual"
    assert job["metadata"]["ownerReferences"][0]["name"] == "nightly"
