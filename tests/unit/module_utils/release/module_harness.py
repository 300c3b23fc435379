"""Run a release module's main() in-process against the in-memory cluster and return its JSON result."""

import json

import pytest

from ansible.module_utils import _internal
from ansible.module_utils.testing import patch_module_args

from ansible_collections.progressive.delivery.plugins.module_utils.k8s.core import K8sModule


def run_module(module, args, cluster, capsys, monkeypatch, check_mode=False, diff=False):
    monkeypatch.setattr(K8sModule, "client", property(lambda self: cluster))
    # As on a managed host: once controller code is imported in this process (a plugin's test), ansible would
    # send the module's warnings to the controller's display instead of its result.
    monkeypatch.setattr(_internal, "is_controller", False)
    args = dict(args)
    if "progressive.delivery.release_lock" in module.DOCUMENTATION:
        args.setdefault("lock_owner", "tester@here")
    if check_mode:
        args["_ansible_check_mode"] = True
    if diff:
        args["_ansible_diff"] = True
    with patch_module_args(args):
        with pytest.raises(SystemExit):
            module.main()
    return json.loads(capsys.readouterr().out)
