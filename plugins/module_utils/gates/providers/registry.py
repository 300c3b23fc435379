# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The providers a check can name in ``provider:``."""

from __future__ import annotations

import copy

from ansible_collections.progressive.delivery.plugins.module_utils.gates.check_spec import COMMON_OPTIONS
from ansible_collections.progressive.delivery.plugins.module_utils.gates.providers.http import HttpProvider
from ansible_collections.progressive.delivery.plugins.module_utils.gates.providers.jmespath import JmespathProvider
from ansible_collections.progressive.delivery.plugins.module_utils.gates.providers.kubernetes import KubernetesProvider
from ansible_collections.progressive.delivery.plugins.module_utils.gates.providers.prometheus import PrometheusProvider
from ansible_collections.progressive.delivery.plugins.module_utils.gates.providers.prometheus_judge import (
    PrometheusJudgeProvider,
)

PROVIDERS = {
    cls.name: cls for cls in (PrometheusProvider, HttpProvider, KubernetesProvider, JmespathProvider,
                              PrometheusJudgeProvider)
}


def check_argument_spec():
    """The argument spec of one gate_check check: the common options and every provider's own, declared once."""
    spec = copy.deepcopy(COMMON_OPTIONS)
    spec["provider"]["choices"] = list(PROVIDERS)
    for provider in PROVIDERS.values():
        for name, option in provider.options.items():
            if name in spec and spec[name] != option:
                raise ValueError("option %s is declared twice with different specs" % name)
            spec[name] = copy.deepcopy(option)
    return spec


def required_options():
    """gate_check's required_if: the options each provider cannot do without."""
    return [("provider", name, provider.required) for name, provider in PROVIDERS.items()
            if provider.required]
