# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every gate provider implements, and the shared context providers are built with."""

from __future__ import annotations


class GateContext(object):
    """Task-level settings providers share.

    ``prometheus``: the task's ``prometheus`` connection options (dict or None).
    ``k8s_client``: a callable returning the shared core's K8sClient, built only when a
    kubernetes check needs it (so other checks need no cluster credentials).
    """

    def __init__(self, prometheus=None, k8s_client=None):
        self.prometheus = prometheus or {}
        self.k8s_client = k8s_client


class Provider(object):
    """A source of measurements for one check.

    Class attributes: ``name`` (the ``provider:`` value), ``options`` (check options only this
    provider uses), ``requires_condition`` (a check without success/failure condition is
    an error). ``validate``/``condition_names`` run while checks are parsed, before any wait.
    """

    name = None
    options = {}
    required = ()  # options a check of this provider cannot do without
    requires_condition = False

    def __init__(self, spec, context):
        self.spec = spec
        self.context = context

    @classmethod
    def validate(cls, spec):
        """Raise spec.error(...) for provider options that cannot work."""
        if spec.per_series:
            raise spec.error("per_series applies to prometheus checks only; a %s check has one result"
                             % cls.name)

    @classmethod
    def condition_names(cls, spec):
        """Names a condition of this check may use (``vars`` keys are added by the spec)."""
        return {"result"}

    def default_condition(self, spec):
        """The success condition used when the check gives none (None: conditions required)."""
        return None

    def default_failure_condition(self, spec):
        """The failure condition that goes with default_condition (None: not meeting it fails)."""
        return None

    def start(self):
        """Called once when the analysis starts, before any wait (snapshots, preflight queries).

        Raise CheckConfigError for a check that cannot work; a provider that cannot be reached
        now must not raise (its measurements record that on schedule)."""
        return None

    def measure(self):
        """Return an Observation; raise ProviderError (retry later) or CheckConfigError (give up)."""
        raise NotImplementedError("%s does not implement measure()" % type(self).__name__)
