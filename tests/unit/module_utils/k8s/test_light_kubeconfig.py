"""The light kubeconfig loader gives the same connection as the kubernetes loader, without importing it."""

import base64
import os
import subprocess
import sys

import pytest
import yaml

from ansible_collections.progressive.delivery.plugins.module_utils.k8s import client, kubeconfig

CA = b"-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n"
CERT = b"-----BEGIN CERTIFICATE-----\nMIIBclient\n-----END CERTIFICATE-----\n"
KEY = b"-----BEGIN PRIVATE KEY-----\nMIIBkey\n-----END PRIVATE KEY-----\n"


def b64(data):
    return base64.b64encode(data).decode()


def write_kubeconfig(tmp_path, user, cluster_extra=None, name="prod"):
    cluster = {"server": "https://10.0.0.1:6443/"}
    cluster.update(cluster_extra or {})
    config = {"apiVersion": "v1", "kind": "Config", "current-context": name,
              "clusters": [{"name": name, "cluster": cluster}],
              "users": [{"name": name, "user": user}],
              "contexts": [{"name": name, "context": {"cluster": name, "user": name, "namespace": "shop"}}]}
    path = tmp_path / "kubeconfig"
    path.write_text(yaml.safe_dump(config))
    return str(path)


def kubernetes_view(configuration):
    """What a request is made with, whichever loader built the configuration."""
    def content(path):
        if not path:
            return None
        with open(path, "rb") as handle:
            return handle.read()
    return {"host": configuration.host.rstrip("/"), "verify": configuration.verify_ssl,
            "auth": dict((k, v["value"]) for k, v in configuration.auth_settings().items()),
            "ca": content(configuration.ssl_ca_cert), "cert": content(configuration.cert_file),
            "key": content(configuration.key_file)}


def both(path, context=None):
    from kubernetes import client as k8s_client, config as k8s_config
    theirs = k8s_client.Configuration()
    k8s_config.load_kube_config(config_file=path, context=context, client_configuration=theirs, persist_config=False)
    ours, label = client.build_configuration({"kubeconfig": path, "context": context}, environ={})
    assert isinstance(ours, kubeconfig.Connection), "the light loader did not take this kubeconfig"
    return kubernetes_view(ours), kubernetes_view(theirs), label


@pytest.mark.parametrize("user,cluster", [
    ({"token": "t0ken"}, {"certificate-authority-data": b64(CA)}),
    ({"client-certificate-data": b64(CERT), "client-key-data": b64(KEY)}, {"certificate-authority-data": b64(CA)}),
    ({"token": "t0ken"}, {"insecure-skip-tls-verify": True}),
    ({"username": "admin", "password": "s3cret"}, {"certificate-authority-data": b64(CA)}),
])
def test_same_connection_as_the_kubernetes_loader(tmp_path, user, cluster):
    ours, theirs, label = both(write_kubeconfig(tmp_path, user, cluster))
    assert ours == theirs and label == "prod"


def test_relative_files_resolve_against_the_kubeconfig(tmp_path, monkeypatch):
    (tmp_path / "certs").mkdir()
    (tmp_path / "certs" / "ca.pem").write_bytes(CA)
    (tmp_path / "token").write_text("from-file\n")
    path = write_kubeconfig(tmp_path, {"tokenFile": "token"}, {"certificate-authority": "certs/ca.pem"})
    monkeypatch.chdir("/")
    ours, _label = client.build_configuration({"kubeconfig": path}, environ={})
    assert ours.ssl_ca_cert == str(tmp_path / "certs" / "ca.pem")
    assert ours.auth_settings()["BearerToken"]["value"] == "Bearer from-file"


def test_exec_plugins_are_left_to_the_kubernetes_loader(tmp_path):
    path = write_kubeconfig(tmp_path, {"exec": {"apiVersion": "client.authentication.k8s.io/v1", "command": "true"}})
    with pytest.raises(kubeconfig.Unsupported):
        kubeconfig.connection_from(kubeconfig.read_file(path), None, str(tmp_path))


def test_a_missing_file_named_by_the_kubeconfig_is_reported(tmp_path):
    path = write_kubeconfig(tmp_path, {"token": "x"}, {"certificate-authority": "nowhere/ca.pem"})
    with pytest.raises(client.K8sConfigError) as err:
        client.build_configuration({"kubeconfig": path}, environ={})
    assert "nowhere/ca.pem" in err.value.message and "does not exist" in err.value.message


def test_an_unknown_context_lists_the_others(tmp_path):
    path = write_kubeconfig(tmp_path, {"token": "x"})
    with pytest.raises(client.K8sConfigError) as err:
        client.build_configuration({"kubeconfig": path, "context": "staging"}, environ={})
    assert err.value.reason == "UnknownContext" and "contexts in it: prod" in err.value.message


def test_tls_server_name_and_proxy_reach_the_pool(tmp_path):
    path = write_kubeconfig(tmp_path, {"token": "x"}, {"certificate-authority-data": b64(CA),
                                                       "tls-server-name": "api.internal",
                                                       "proxy-url": "http://proxy:3128"})
    configuration, _label = client.build_configuration({"kubeconfig": path}, environ={})
    pool = client._pool_manager(configuration)
    assert type(pool).__name__ == "ProxyManager" and pool.proxy.host == "proxy"
    assert pool.connection_pool_kw["server_hostname"] == "api.internal"


def test_modules_do_not_import_kubernetes_for_a_plain_kubeconfig(tmp_path):
    """Every module process would pay ~0.13 s and ~18 MB for it."""
    path = write_kubeconfig(tmp_path, {"token": "x"}, {"certificate-authority-data": b64(CA)})
    code = ("import sys; from ansible_collections.progressive.delivery.plugins.module_utils.k8s import client; "
            "c = client.get_client({'kubeconfig': %r}); print('kubernetes' in sys.modules, c.host)" % path)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True).stdout
    assert out.split() == ["False", "https://10.0.0.1:6443"]


def test_an_exec_plugin_kubeconfig_still_works_through_the_kubernetes_loader(tmp_path):
    plugin = tmp_path / "credential-plugin"
    plugin.write_text("#!/bin/sh\necho '{\"apiVersion\": \"client.authentication.k8s.io/v1\", "
                      "\"kind\": \"ExecCredential\", \"status\": {\"token\": \"from-exec\"}}'\n")
    plugin.chmod(0o755)
    path = write_kubeconfig(tmp_path, {"exec": {"apiVersion": "client.authentication.k8s.io/v1",
                                                "command": str(plugin), "interactiveMode": "Never"}},
                            {"certificate-authority-data": b64(CA)})
    configuration, label = client.build_configuration({"kubeconfig": path}, environ={})
    assert not isinstance(configuration, kubeconfig.Connection) and label == "prod"
    assert configuration.auth_settings()["BearerToken"]["value"] == "Bearer from-exec"
