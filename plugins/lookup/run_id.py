# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
name: run_id
short_description: The identity of this ansible-playbook run, for the release lock
version_added: "0.1.0"
author:
  - progressive.delivery contributors (@progressive-delivery)
description:
  - Returns one id per C(ansible-playbook) run, the same in every task and play of that run and different in
    any other run, even one started at the same second by the same user on the same controller.
  - "Under AWX / Automation Controller (the C(JOB_ID), C(AWX_JOB_ID) or C(TOWER_JOB_ID) environment variable, or
    the C(awx_job_id) / C(tower_job_id) extra variables the controller passes): C(awx-job:<id>)."
  - "Elsewhere the controller process, C(process:<host>:<pid>:<start ticks>), so a re-run on the same
    controller can prove that the run holding a lock was killed and take its lock over at once."
  - The roles pass it as O(progressive.delivery.canary#module:lock_run) to every module that takes the release lock.
options:
  _terms:
    description: Not used.
    required: false
notes:
  - The id is the controller's, not a managed host's; the lookup runs on the controller.
seealso:
  - module: progressive.delivery.canary
"""

EXAMPLES = r"""
- name: Move the split as this run
  progressive.delivery.scale_step:
    namespace: shop
    app: web
    canary_replicas: 2
    lock_run: "{{ lookup('progressive.delivery.run_id') }}"
"""

RETURN = r"""
_raw:
  description: One run id.
  type: list
  elements: str
  sample: ["process:controller-1:41234:98127311"]
"""

import multiprocessing
import os

from ansible.plugins.lookup import LookupBase

from ansible_collections.progressive.delivery.plugins.module_utils.release.run_identity import process_run_id

JOB_ENVIRONMENT = ("JOB_ID", "AWX_JOB_ID", "TOWER_JOB_ID")
JOB_VARIABLES = ("awx_job_id", "tower_job_id")


def playbook_pid():
    """The pid of the ansible-playbook process: tasks are templated in its forked workers or in itself."""
    parent = multiprocessing.parent_process()
    return parent.pid if parent is not None else os.getpid()


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        for name in JOB_ENVIRONMENT:
            if os.environ.get(name):
                return ["awx-job:%s" % os.environ[name]]
        for name in JOB_VARIABLES:
            if (variables or {}).get(name):
                return ["awx-job:%s" % variables[name]]
        return [process_run_id(playbook_pid())]
