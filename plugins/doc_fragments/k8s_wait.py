# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    """Wait options of modules built with with_wait=True (plugins/module_utils/k8s/args.py WAIT_ARG_SPEC)."""

    DOCUMENTATION = r"""
options:
  wait:
    description:
      - Wait for the change to take effect (for example a Deployment rollout to complete) before returning.
      - The wait follows the object with a watch and falls back to polling when watching is not possible.
    type: bool
    default: true
  wait_timeout:
    description:
      - How many seconds to wait at most. Sized for real rollouts, not seconds.
      - A rollout that the cluster reports as failed (for example C(ProgressDeadlineExceeded)) fails at once
        instead of waiting this long.
    type: int
    default: 600
  wait_sleep:
    description:
      - Seconds between two reads when polling (used only when watching is not possible).
    type: int
    default: 2
"""
