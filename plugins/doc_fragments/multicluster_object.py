# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    """The options that name the object a multi-cluster module manages (module_utils/multicluster/module_support.py
    COMMON_ARG_SPEC): multicluster_service, multicluster_ingress and service_export."""

    DOCUMENTATION = r"""
options:
  name:
    description: Name of the object the module manages.
    type: str
    required: true
  namespace:
    description: Namespace of the object.
    type: str
    required: true
  state:
    description: C(present) creates or updates the object, C(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  annotations:
    description: Annotations to set on the object. Annotations it already has and the task does not list are kept.
    type: dict
"""
