# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    """How the canary of a release is made and what is checked before its first write, for every module that makes
    or dry-runs it (plugins/module_utils/release/module_support.py CANARY_ARG_SPEC)."""

    DOCUMENTATION = r"""
options:
  image:
    description:
      - Image of the new version, for O(container) or, when the pod has a single container, for that one.
      - Mutually exclusive with O(images).
    type: str
  container:
    description: Container that gets O(image); needed when the stable pod has several containers.
    type: str
  images:
    description: Images per container name, for pods with several containers (C(*) means every container).
    type: dict
  template_overrides:
    description:
      - Merged into the canary's pod template (C(spec.template)) after copying the stable's; mappings merge key by
        key, lists of named items (containers, env, ports, volumes) merge by C(name), C(null) removes a key.
    type: dict
  force:
    description: Release a version even though it is on the app's reject list.
    type: bool
    default: false
  check_permissions:
    description:
      - Before the first write, ask the API server (one SelfSubjectRulesReview, then a SelfSubjectAccessReview for
        anything it does not show) whether the credentials may do everything the whole release does (C(get list
        create patch delete) Deployments, C(get list create delete) Services, C(get create update) ConfigMaps), and
        fail naming each missing permission when they may not, so a release never stops half-way for want of one.
        Runs in check mode too.
      - The rules are in C(docs/rbac/member-cluster.yaml). Turn off only for an API server without
        C(authorization.k8s.io) reviews.
    type: bool
    default: true
  extra_permissions:
    description:
      - More permissions for O(check_permissions) to require, in C(kubectl auth can-i) words (C(<verb> <resource>[.<api
        group>])), e.g. C(list pods) for a pod-health gate that runs between steps.
    type: list
    elements: str
    default: []
"""
