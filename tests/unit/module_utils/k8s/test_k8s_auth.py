"""Connection settings: module argument > K8S_AUTH_* environment > kubeconfig."""

import pytest
import yaml

from ansible_collections.progressive.delivery.plugins.module_utils.k8s import client as client_mod
from ansible_collections.progressive.delivery.plugins.module_utils.k8s.client import (
    build_configuration,
    get_client,
    resolve_auth,
)
from ansible_collections.progressive.delivery.plugins.module_utils.k8s.errors import K8sConfigError
from ansible_collections.progressive.delivery.tests.unit.module_utils.k8s.fake_apiserver import FakeApiServer
from ansible_collections.progressive.delivery.tests.unit.module_utils.k8s.samples import load_fixture

DEPLOY = "/apis/apps/v1/namespaces/shop/deployments/web-v1"


def kubeconfig_dict(servers):
    """A kubeconfig with one context (and token user) per cluster name -> server URL."""
    return {
        "apiVersion": "v1", "kind": "Config", "current-context": next(iter(servers)),
        "clusters": [{"name": n, "cluster": {"server": url}} for n, url in servers.items()],
        "users": [{"name": n + "-admin", "user": {"token": "token-" + n}} for n in servers],
        "contexts": [{"name": n, "context": {"cluster": n, "user": n + "-admin"}} for n in servers],
    }


@pytest.fixture
def two_clusters(tmp_path):
    servers = {"eu": FakeApiServer(), "us": FakeApiServer()}
    for name, server in servers.items():
        body = load_fixture("deploy_after_ready.json")
        body["metadata"]["labels"]["cluster"] = name
        server.add("GET", DEPLOY, (200, body))
    path = tmp_path / "kubeconfig"
    path.write_text(yaml.safe_dump(kubeconfig_dict({n: s.url for n, s in servers.items()})))
    client_mod._CLIENTS.clear()
    yield servers, str(path)
    for server in servers.values():
        server.close()
    client_mod._CLIENTS.clear()


def _cluster_answering(params, environ):
    client = get_client(params, environ=environ)
    obj = client.get("apps/v1", "Deployment", "shop", "web-v1")
    return client, obj["metadata"]["labels"]["cluster"]


def test_kubeconfig_current_context_is_the_default(two_clusters):
    servers, path = two_clusters
    client, cluster = _cluster_answering({"kubeconfig": path}, environ={})
    assert (client.context, cluster) == ("eu", "eu")
    assert servers["eu"].requests[0].headers["Authorization"] == "Bearer token-eu"


def test_context_argument_selects_the_cluster_and_its_credentials(two_clusters):
    servers, path = two_clusters
    client, cluster = _cluster_answering({"kubeconfig": path, "context": "us"}, environ={})
    assert (client.context, cluster) == ("us", "us")
    assert servers["us"].requests[0].headers["Authorization"] == "Bearer token-us"


def test_environment_is_used_when_arguments_are_absent(two_clusters):
    _servers, path = two_clusters
    env = {"K8S_AUTH_KUBECONFIG": path, "K8S_AUTH_CONTEXT": "us"}
    assert _cluster_answering({}, env)[1] == "us"


def test_argument_beats_environment(two_clusters):
    _servers, path = two_clusters
    env = {"K8S_AUTH_KUBECONFIG": "/nonexistent/kubeconfig", "K8S_AUTH_CONTEXT": "us"}
    assert _cluster_answering({"kubeconfig": path, "context": "eu"}, env)[1] == "eu"


def test_environment_host_and_token_beat_the_kubeconfig(two_clusters):
    servers, path = two_clusters
    env = {"K8S_AUTH_HOST": servers["us"].url, "K8S_AUTH_API_KEY": "from-env"}
    client, cluster = _cluster_answering({"kubeconfig": path, "context": "eu"}, env)
    assert cluster == "us" and client.context == "eu"
    assert servers["us"].requests[0].headers["Authorization"] == "Bearer from-env"
    # ...and an explicit argument beats the environment again.
    _client, cluster = _cluster_answering({"kubeconfig": path, "context": "eu", "host": servers["eu"].url,
                                           "api_key": "from-arg"}, env)
    assert cluster == "eu" and servers["eu"].requests[-1].headers["Authorization"] == "Bearer from-arg"


def test_kubeconfig_as_a_dict(two_clusters):
    servers, _path = two_clusters
    kubeconfig = kubeconfig_dict({n: s.url for n, s in servers.items()})
    client, cluster = _cluster_answering({"kubeconfig": kubeconfig, "context": "us"}, environ={})
    assert (client.context, cluster) == ("us", "us")


def test_one_client_per_cluster(two_clusters):
    _servers, path = two_clusters
    eu = get_client({"kubeconfig": path, "context": "eu"}, environ={})
    assert get_client({"kubeconfig": path, "context": "eu"}, environ={}) is eu
    assert get_client({"kubeconfig": path, "context": "us"}, environ={}) is not eu


def test_host_only_needs_no_kubeconfig(tmp_path):
    configuration, label = build_configuration(resolve_auth({"host": "https://10.0.0.1:6443/", "api_key": "abc"}, {}),
                                               environ={"HOME": str(tmp_path)})
    assert configuration.host == "https://10.0.0.1:6443" and label == "10.0.0.1:6443"
    assert configuration.auth_settings()["BearerToken"]["value"] == "Bearer abc"


def test_verify_ssl_from_environment():
    auth = resolve_auth({}, {"K8S_AUTH_VERIFY_SSL": "no", "K8S_AUTH_HOST": "https://h"})
    assert auth["validate_certs"] is False
    assert build_configuration(auth, environ={})[0].verify_ssl is False
    assert resolve_auth({"validate_certs": True}, {"K8S_AUTH_VERIFY_SSL": "no"})["validate_certs"] is True


def test_bad_boolean_in_environment_names_the_variable():
    with pytest.raises(K8sConfigError) as info:
        resolve_auth({}, {"K8S_AUTH_VERIFY_SSL": "maybe"})
    assert "K8S_AUTH_VERIFY_SSL='maybe' is not a boolean" in info.value.message


def test_missing_kubeconfig_file_is_named(tmp_path):
    missing = str(tmp_path / "nope.yaml")
    with pytest.raises(K8sConfigError) as info:
        build_configuration({"kubeconfig": missing}, environ={})
    assert missing in info.value.message and "does not exist" in info.value.message


def test_unknown_context_lists_the_real_ones(two_clusters):
    _servers, path = two_clusters
    with pytest.raises(K8sConfigError) as info:
        build_configuration({"kubeconfig": path, "context": "asia"}, environ={})
    assert "'asia'" in info.value.message and "eu, us" in info.value.message
    assert "\n" not in info.value.message and info.value.reason == "UnknownContext"


@pytest.mark.parametrize("content", ["clusters: [\n  - {name: a\n", "apiVersion: v1\nkind: Config\n"])
def test_broken_kubeconfig_is_one_line_naming_the_file(tmp_path, content):
    path = tmp_path / "kubeconfig"
    path.write_text(content)
    with pytest.raises(K8sConfigError) as info:
        build_configuration({"kubeconfig": str(path)}, environ={})
    assert str(path) in info.value.message and "cannot be used" in info.value.message
    assert "\n" not in info.value.message and info.value.reason == "KubeconfigInvalid"


def test_nothing_configured_says_what_to_set(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    with pytest.raises(K8sConfigError) as info:
        build_configuration({}, environ={})
    assert info.value.reason == "NoCluster" and "K8S_AUTH_KUBECONFIG" in info.value.message


def test_missing_ca_file_is_named(tmp_path):
    with pytest.raises(K8sConfigError) as info:
        build_configuration({"host": "https://h", "ca_cert": str(tmp_path / "ca.pem")}, environ={})
    assert "ca_cert file" in info.value.message and "K8S_AUTH_SSL_CA_CERT" in info.value.message
