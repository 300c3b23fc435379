"""Fixtures for the client core tests: a scripted API server and a client pointed at it."""

import pytest

from ansible_collections.progressive.delivery.tests.unit.module_utils.k8s.fake_apiserver import FakeApiServer


@pytest.fixture
def apiserver():
    server = FakeApiServer()
    yield server
    server.close()


@pytest.fixture
def make_client(apiserver):
    """A K8sClient pointed at the fake server; retries do not really sleep."""
    from ansible_collections.progressive.delivery.plugins.module_utils.k8s.client import (
        K8sClient, build_configuration)

    def _make(**kwargs):
        configuration, _label = build_configuration({"host": apiserver.url, "api_key": "t0ken"}, environ={})
        sleeps = []
        kwargs.setdefault("sleep", sleeps.append)
        client = K8sClient(configuration, "fake-ctx", **kwargs)
        client.sleeps = sleeps
        return client

    return _make
