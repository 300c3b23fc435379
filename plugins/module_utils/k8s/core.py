# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""K8sModule: the AnsibleModule every module of the collection is built on.

It adds the shared auth options (and optionally the wait options), checks the ``kubernetes``
library, builds the API client lazily and turns every failure into a one-line ``msg``.
"""

from __future__ import annotations

import copy
import importlib.util
import os
import re

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.progressive.delivery.plugins.module_utils.k8s.args import AUTH_ARG_SPEC, WAIT_ARG_SPEC
from ansible_collections.progressive.delivery.plugins.module_utils.k8s.client import (
    HAS_KUBERNETES,
    KUBERNETES_IMPORT_ERROR,
    get_client,
)
from ansible_collections.progressive.delivery.plugins.module_utils.k8s.errors import K8sApiError, one_line
from ansible_collections.progressive.delivery.plugins.module_utils.k8s.waiter import WaitError, Waiter

# The oldest kubernetes client release the collection is tested with (requirements.txt pins the same).
MIN_KUBERNETES_VERSION = "24.2.0"


def merged_argument_spec(argument_spec=None, with_wait=False):
    spec = copy.deepcopy(AUTH_ARG_SPEC)
    if with_wait:
        spec.update(copy.deepcopy(WAIT_ARG_SPEC))
    spec.update(argument_spec or {})
    return spec


def installed_kubernetes_version():
    """The kubernetes distribution's version from its metadata (importing it would load every API model).

    Every module process asks, so the dist-info directory beside the package is looked up first (one directory
    listing); importlib.metadata, which searches the whole path, only when it is not there.
    """
    try:
        spec = importlib.util.find_spec("kubernetes")
        site = os.path.dirname(os.path.dirname(spec.origin)) if spec and spec.origin else None
        if site and os.path.isdir(site):
            for name in os.listdir(site):
                if name.startswith("kubernetes-") and name.endswith(".dist-info"):
                    return name[len("kubernetes-"):-len(".dist-info")]
        from importlib.metadata import version as distribution_version  # pylint: disable=import-outside-toplevel
        return distribution_version("kubernetes")
    except Exception:  # no metadata (e.g. a vendored copy): nothing to compare
        return None


def release_numbers(version):
    """The numeric release of a version string, to compare with a minimum: '31.0.0' -> (31, 0, 0), '32.0.0b1' ->
    (32, 0, 0), None when it does not start with a number. (ansible.module_utils.compat.version would be 13 KB
    more source for every module process to compile.)"""
    found = re.match(r"\d+(?:\.\d+)*", version or "")
    return tuple(int(number) for number in found.group().split(".")) if found else None


class K8sModule(AnsibleModule):
    """AnsibleModule + shared auth/wait options + a lazily built K8sClient + one-line error reporting."""

    def __init__(self, argument_spec=None, with_wait=False, **kwargs):
        self._raw_params = None
        self._validating = True
        super(K8sModule, self).__init__(argument_spec=merged_argument_spec(argument_spec, with_wait), **kwargs)
        self._validating = False
        self.with_wait = with_wait
        self._client = None
        if not HAS_KUBERNETES:
            self.fail_json(msg="%s Install it with: pip install 'kubernetes>=%s'" % (
                missing_required_lib("kubernetes", reason="to talk to the Kubernetes API"), MIN_KUBERNETES_VERSION),
                exception=KUBERNETES_IMPORT_ERROR)
        self._check_kubernetes_version()

    def _load_params(self):
        super(K8sModule, self)._load_params()
        self._raw_params = copy.deepcopy(self.params)

    def fail_json(self, msg=None, **kwargs):
        if self._validating:
            msg = self._name_the_list_option(msg)
        super(K8sModule, self).fail_json(msg=msg, **kwargs)

    def _name_the_list_option(self, msg):
        """Ansible reports a list-of-mappings option given as a scalar without the option's name
        ('dictionary requested, ...'); name the option and the fix instead."""
        for name, spec in self.argument_spec.items():
            value = (self._raw_params or {}).get(name)
            if spec.get("type") == "list" and spec.get("elements") == "dict" and isinstance(value, (str, int, float)):
                options = sorted(spec.get("options") or {})
                shown = [o for o in ("name", "provider") if o in options] or options[:2]
                return ("%s: must be a list of mappings, got %s %r; write each item as a mapping, e.g. "
                        "%s: [{%s}]" % (name, type(value).__name__, value, name,
                                        ", ".join("%s: ..." % o for o in shown)))
        return msg

    def _check_kubernetes_version(self):
        version = installed_kubernetes_version()
        installed = release_numbers(version)
        if installed is None:  # not known, or not a release number: nothing to compare
            return
        if installed < release_numbers(MIN_KUBERNETES_VERSION):
            self.warn("kubernetes Python library %s is older than %s, the oldest version this collection is tested "
                      "with; upgrade it (pip install 'kubernetes>=%s')." % (version, MIN_KUBERNETES_VERSION,
                                                                            MIN_KUBERNETES_VERSION))

    @property
    def client(self):
        """The K8sClient for this task's (kubeconfig, context, host, credentials)."""
        if self._client is None:
            try:
                self._client = get_client(self.params)
            except K8sApiError as err:
                self.fail_from_error(err)
        return self._client

    def waiter(self, timeout=None, sleep=None):
        """A Waiter using wait_timeout / wait_sleep unless given."""
        timeout = self.params.get("wait_timeout") if timeout is None else timeout
        sleep = self.params.get("wait_sleep") if sleep is None else sleep
        kwargs = {}
        if timeout is not None:
            kwargs["timeout"] = timeout
        if sleep is not None:
            kwargs["sleep"] = sleep
        return Waiter(self.client, **kwargs)

    def run(self, operation, input_errors=(), **fail_extra):
        """The one entry point of every module: check the wait options, run operation(), and exit_json with its
        result (its ``diff`` kept only in diff mode and when something changed), or fail_json in one line (also
        with the whole result when it says ``failed``, with its ``msg``).

        input_errors: the caller's exception classes for bad input (message, field, details, blame); an API or
        wait failure blames the evidence (the API server, the cluster), never the input or a version.
        """
        for option in ("wait_timeout", "wait_sleep"):
            if self.params.get(option) is not None and self.params[option] < 1:
                self.fail_json(msg="%s: must be 1 second or more" % option, field=option)
        try:
            result = operation()
        except tuple(input_errors) as err:
            details = dict((k, v) for k, v in (getattr(err, "details", None) or {}).items()
                           if k not in ("msg", "field", "changed", "blame"))
            self.fail_json(msg=err.message, field=err.field, blame=getattr(err, "blame", None), **details)
        except (K8sApiError, WaitError) as err:
            self.fail_from_error(err, blame="evidence", **fail_extra)
        diff = result.pop("diff", None)
        if self._diff and diff is not None and result.get("changed"):
            result["diff"] = diff
        if result.pop("failed", False):  # e.g. a step whose gate failed after the move: its result, failed
            self.fail_json(**result)
        self.exit_json(**result)

    def fail_from_error(self, err, **extra):
        """fail_json with a one-line msg and a structured ``error`` for any exception."""
        if hasattr(err, "to_dict") and getattr(err, "message", None):
            msg, error = err.message, err.to_dict()
        else:
            text = one_line(str(err)) or "(no message)"
            msg = "%s: %s" % (type(err).__name__, text)
            error = {"reason": type(err).__name__, "message": text}
        self.fail_json(msg=msg, error=error, **extra)
