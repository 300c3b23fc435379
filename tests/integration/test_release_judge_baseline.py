"""The canary_release role with the statistical judge against a fresh baseline (issue 20), on fleetsim with the
real Prometheus: the baseline runs (and takes traffic under its track label) during the analysis, is gone
after the release, and the app's ready pods never drop below N."""

import os
import subprocess
import sys
import threading

import yaml

from ansible_collections.progressive.delivery.tests.support.capacity_watcher import CapacityWatcher
from ansible_collections.progressive.delivery.tests.support.release_fleet import ReleaseFleet

CLUSTER = "app-dev-us-east1"
N = 2
PLAYBOOK = """
- name: Release web with the judge against a baseline
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Canary release
      ansible.builtin.include_role:
        name: progressive.delivery.canary_release
"""


def release_vars(fleet, prom):
    return {
        "canary_release_kubeconfig": str(fleet.kubeconfig), "canary_release_context": fleet.clusters[CLUSTER].context,
        "canary_release_app": "web", "canary_release_version": "2", "canary_release_namespace": "default",
        "canary_release_image": "registry.example.com/web:2", "canary_release_smoke_enabled": False,
        "canary_release_strategy": "weights", "canary_release_weights": [100],
        "canary_release_prometheus_url": prom.url,
        "canary_release_metric_selector": '%s, namespace="default", service="web"' % prom.selector,
        "canary_release_metric_window": "10s",
        "canary_release_metric_gate": "judge", "canary_release_judge_baseline": True,
        "canary_release_judge_window": "12s", "canary_release_judge_step": "3s",
        "canary_release_judge_min_samples": 4,
        "canary_release_gate_initial_delay": "12s", "canary_release_gate_interval": "1s",
        "canary_release_gate_count": 1, "canary_release_gate_inconclusive_limit": 1,
        "canary_release_wait_timeout": 120,
    }


class BaselineSpy:
    """Polls the cluster during the run: the most baseline pods Ready at once."""

    def __init__(self, rf):
        self.rf, self.most_ready, self._stop = rf, 0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.wait(0.3):
            baseline = self.rf.deployment("web-baseline") or {}
            self.most_ready = max(self.most_ready, (baseline.get("status") or {}).get("readyReplicas") or 0)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(5)


def test_the_judge_compares_the_canary_with_a_fresh_baseline_that_is_gone_after(fleetsim_fleet, prometheus, tmp_path):
    fleet = fleetsim_fleet(clock_speed=5, pod_ready_delay="1s", requests_per_second=20)
    prom = prometheus(fleet)
    rf = ReleaseFleet(fleet, CLUSTER, tmp_path)
    rf.deploy(replicas=N)
    (tmp_path / "release.yml").write_text(PLAYBOOK)
    (tmp_path / "vars.yml").write_text(yaml.safe_dump(release_vars(fleet, prom)))
    env = dict(rf.env, ANSIBLE_STDOUT_CALLBACK="default", ANSIBLE_INVENTORY_UNPARSED_WARNING="0")
    command = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", "localhost,", "-c", "local",
               "-e", "ansible_python_interpreter=%s" % sys.executable, "-e", "@vars.yml", "release.yml"]
    with CapacityWatcher.in_process(fleet, CLUSTER, "default", "web", floor=N) as watcher, BaselineSpy(rf) as spy:
        proc = subprocess.run(command, env=env, cwd=str(tmp_path), capture_output=True, text=True, timeout=300,
                              check=False)
    text = proc.stdout + proc.stderr
    assert proc.returncode == 0, text[-4000:]
    assert "Start or resize the baseline" in text and "Remove the baseline" in text
    # The baseline ran during the analysis, sized like the canary (1 pod, then N after the step to 100%, when the
    # stable has no pod left: only the baseline can give the judge its samples, so the pass proves they were used).
    assert spy.most_ready == N, spy.most_ready
    # It took user traffic under its track label (the judge's baseline samples) and it is gone now.
    baseline_traffic = prom.query('sum(http_requests_total{%s, service="web", version="1", track="baseline"})'
                                  % prom.selector)
    assert baseline_traffic and float(baseline_traffic[0]["value"][1]) > 0, baseline_traffic
    assert rf.deployment("web-baseline") is None
    assert rf.replicas("web-2") == (N,) and rf.deployment("web") is None
    assert watcher.report.violations == [], watcher.report.describe()
