# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The providers a check can name in ``provider:``."""

from __future__ import annotations

from ansible_collections.progressive.delivery.plugins.module_utils.gates.providers.http import HttpProvider
from ansible_collections.progressive.delivery.plugins.module_utils.gates.providers.jmespath import JmespathProvider
from ansible_collections.progressive.delivery.plugins.module_utils.gates.providers.kubernetes import KubernetesProvider
from ansible_collections.progressive.delivery.plugins.module_utils.gates.providers.prometheus import PrometheusProvider

PROVIDERS = {
    cls.name: cls for cls in (PrometheusProvider, HttpProvider, KubernetesProvider, JmespathProvider)
}
