"""kubernetes.core's k8s, k8s_info and k8s_scale (shipped with the `ansible` package) against an
API-only cluster: create, idempotent re-apply, server-side apply, lookup by label, scale, delete."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

PLAYBOOK = """
- hosts: localhost
  gather_facts: false
  vars:
    kc: "{{ lookup('env', 'FLEETSIM_KUBECONFIG') }}"
    deploy:
      apiVersion: apps/v1
      kind: Deployment
      metadata: {name: web, namespace: kc, labels: {app: web}}
      spec:
        replicas: 2
        selector: {matchLabels: {app: web}}
        template:
          metadata: {labels: {app: web}}
          spec:
            containers: [{name: web, image: "example/web:1.0"}]
  tasks:
    - kubernetes.core.k8s:
        kubeconfig: "{{ kc }}"
        definition: {apiVersion: v1, kind: Namespace, metadata: {name: kc}}
    - kubernetes.core.k8s: {kubeconfig: "{{ kc }}", definition: "{{ deploy }}"}
      register: created
    - kubernetes.core.k8s: {kubeconfig: "{{ kc }}", definition: "{{ deploy }}"}
      register: again
    - kubernetes.core.k8s:
        kubeconfig: "{{ kc }}"
        definition: "{{ deploy }}"
        apply: true
        server_side_apply: {field_manager: ansible, force_conflicts: true}
    - kubernetes.core.k8s_info:
        kubeconfig: "{{ kc }}"
        kind: Deployment
        namespace: kc
        label_selectors: ["app=web"]
      register: found
    - kubernetes.core.k8s_scale:
        kubeconfig: "{{ kc }}"
        kind: Deployment
        name: web
        namespace: kc
        replicas: 4
        wait: false
      register: scaled
    - kubernetes.core.k8s_info: {kubeconfig: "{{ kc }}", kind: Deployment, name: web, namespace: kc}
      register: after
    - kubernetes.core.k8s: {kubeconfig: "{{ kc }}", kind: Deployment, name: web, namespace: kc, state: absent}
      register: deleted
    - kubernetes.core.k8s_info: {kubeconfig: "{{ kc }}", kind: Deployment, name: web, namespace: kc}
      register: gone
    - ansible.builtin.copy:
        dest: "{{ lookup('env', 'RESULT_FILE') }}"
        content: "{{ {'created': created.changed, 'again': again.changed, 'found': found.resources | length,
                      'scaled': scaled.changed, 'replicas': after.resources[0].spec.replicas,
                      'generation': after.resources[0].metadata.generation,
                      'deleted': deleted.changed, 'gone': gone.resources | length} | to_json }}"
"""


def test_kubernetes_core_modules_work_unchanged(api_cluster, tmp_path):
    playbook = tmp_path / "play.yml"
    playbook.write_text(PLAYBOOK)
    result = tmp_path / "result.json"
    venv_bin = Path(sys.executable).parent
    env = dict(os.environ, FLEETSIM_KUBECONFIG=str(api_cluster.kubeconfig), RESULT_FILE=str(result),
               ANSIBLE_LOCALHOST_WARNING="false", ANSIBLE_INVENTORY_UNPARSED_WARNING="false")
    proc = subprocess.run([str(venv_bin / "ansible-playbook"), str(playbook)], env=env, capture_output=True,
                          text=True, timeout=300)
    if proc.returncode != 0:
        pytest.fail(f"playbook failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-2000:]}")
    assert json.loads(result.read_text()) == {"created": True, "again": False, "found": 1, "scaled": True,
                                              "replicas": 4, "generation": 2, "deleted": True, "gone": 0}
