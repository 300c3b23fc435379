"""K8sModule: shared options, lazy client, one-line failures with structured details."""

import json

import pytest

from ansible.module_utils.testing import patch_module_args

from ansible_collections.progressive.delivery.plugins.module_utils.k8s import client as client_mod
from ansible_collections.progressive.delivery.plugins.module_utils.k8s.core import K8sModule
from ansible_collections.progressive.delivery.plugins.module_utils.k8s.errors import error_from_status
from ansible_collections.progressive.delivery.plugins.module_utils.k8s.waiter import WaitTimeoutError
from ansible_collections.progressive.delivery.tests.unit.module_utils.k8s.samples import load_fixture


def _run(args, capsys, body, **module_kwargs):
    """Build a K8sModule with ``args``, run ``body(module)``; return the JSON the module printed."""
    with patch_module_args(args):
        with pytest.raises(SystemExit):
            module = K8sModule(**module_kwargs)
            body(module)
    return json.loads(capsys.readouterr().out)


def test_auth_and_wait_options_are_merged(capsys):
    def body(module):
        names = ("host", "validate_certs", "wait", "wait_timeout", "wait_sleep", "name")
        module.exit_json(params={k: module.params[k] for k in names})

    out = _run({"host": "https://h", "verify_ssl": False, "name": "web"}, capsys, body,
               argument_spec={"name": {"type": "str", "required": True}}, with_wait=True)
    assert out["params"] == {"host": "https://h", "validate_certs": False, "wait": True, "wait_timeout": 600,
                             "wait_sleep": 2, "name": "web"}


def test_without_wait_the_wait_options_are_rejected(capsys):
    out = _run({"wait_timeout": 5}, capsys, lambda m: m.exit_json())
    assert out["failed"] and "wait_timeout" in out["msg"]


def test_api_key_is_never_echoed(capsys):
    out = _run({"host": "https://h", "api_key": "s3cr3t-token"}, capsys, lambda m: m.exit_json(echo=m.params))
    assert "s3cr3t-token" not in json.dumps(out)


def test_api_errors_fail_with_one_line_and_details(capsys):
    err = error_from_status(422, load_fixture("deploy_patch_422_invalid.json"), "prod-eu", "Deployment shop/web-v1",
                            "patch")
    out = _run({}, capsys, lambda m: m.fail_from_error(err, name="web-v1"))
    assert out["failed"] and "\n" not in out["msg"] and "spec.replicas" in out["msg"]
    assert out["error"]["status"] == 422 and out["error"]["reason"] == "Invalid" and out["name"] == "web-v1"


def test_wait_errors_and_plain_exceptions_fail_cleanly(capsys):
    out = _run({}, capsys, lambda m: m.fail_from_error(WaitTimeoutError("timed out after 600s", None, 600.0, "3 of 4")))
    assert out["msg"] == "timed out after 600s" and out["error"]["last_status"] == "3 of 4"
    out = _run({}, capsys, lambda m: m.fail_from_error(ValueError("bad\nvalue")))
    assert out["msg"] == "ValueError: bad value" and out["error"]["reason"] == "ValueError"


def test_unusable_connection_settings_fail_the_task_not_crash(capsys, tmp_path):
    client_mod._CLIENTS.clear()
    missing = str(tmp_path / "kubeconfig")
    out = _run({"kubeconfig": missing}, capsys, lambda m: m.client)
    assert out["failed"] and missing in out["msg"] and out["error"]["reason"] == "KubeconfigMissing"


def test_client_and_waiter_use_the_task_options(capsys):
    client_mod._CLIENTS.clear()

    def body(module):
        waiter = module.waiter()
        module.exit_json(context=module.client.context, timeout=waiter.timeout, sleep=waiter.sleep,
                         same=module.client is waiter.client)

    out = _run({"host": "https://10.1.2.3:6443", "wait_timeout": 42, "wait_sleep": 1}, capsys, body, with_wait=True)
    assert out["context"] == "10.1.2.3:6443" and out["timeout"] == 42 and out["sleep"] == 1 and out["same"]


def test_missing_kubernetes_library_says_how_to_install_it(capsys, monkeypatch):
    from ansible_collections.progressive.delivery.plugins.module_utils.k8s import core

    monkeypatch.setattr(core, "HAS_KUBERNETES", False)
    monkeypatch.setattr(core, "KUBERNETES_IMPORT_ERROR", "ModuleNotFoundError: No module named 'kubernetes'")
    out = _run({}, capsys, lambda m: m.exit_json())
    assert out["failed"] and "(kubernetes)" in out["msg"] and "pip install 'kubernetes>=24.2.0'" in out["msg"]


def test_old_kubernetes_library_warns(capsys, monkeypatch):
    from ansible_collections.progressive.delivery.plugins.module_utils.k8s import core

    warned = []
    # Record the warning where it is raised: ansible's warning collection is process-global.
    monkeypatch.setattr(K8sModule, "warn", lambda self, msg: warned.append(msg))
    monkeypatch.setattr(core, "installed_kubernetes_version", lambda: "12.0.1")
    _run({}, capsys, lambda m: m.exit_json())
    assert len(warned) == 1 and "12.0.1 is older than 24.2.0" in warned[0]
    assert "pip install 'kubernetes>=24.2.0'" in warned[0]
    # Numbers, not strings, are compared: 9 is older than 24, 24.10 is newer than 24.2.
    monkeypatch.setattr(core, "installed_kubernetes_version", lambda: "9.0.0")
    _run({}, capsys, lambda m: m.exit_json())
    assert len(warned) == 2 and "9.0.0 is older than 24.2.0" in warned[1]
    for newer in ("37.0.2", "24.10.0", "32.0.0b1", "not-a-version"):
        monkeypatch.setattr(core, "installed_kubernetes_version", lambda newer=newer: newer)
        _run({}, capsys, lambda m: m.exit_json())
    assert len(warned) == 2, warned


def test_the_installed_version_is_read_from_the_dist_info_beside_the_package(tmp_path, monkeypatch):
    import importlib.metadata
    import importlib.util

    from ansible_collections.progressive.delivery.plugins.module_utils.k8s import core

    (tmp_path / "kubernetes").mkdir()
    (tmp_path / "kubernetes" / "__init__.py").write_text("")
    (tmp_path / "kubernetes-31.0.0.dist-info").mkdir()
    spec = importlib.util.spec_from_file_location("kubernetes", str(tmp_path / "kubernetes" / "__init__.py"))
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: spec)
    assert core.installed_kubernetes_version() == "31.0.0"
    # No dist-info beside it (an egg, a vendored copy): the metadata search decides.
    (tmp_path / "kubernetes-31.0.0.dist-info").rmdir()
    monkeypatch.setattr(importlib.metadata, "version", lambda name: "30.1.0")
    assert core.installed_kubernetes_version() == "30.1.0"
