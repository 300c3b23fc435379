import pytest

from ansible_collections.progressive.delivery.plugins.module_utils.release.context import ReleaseContext

from ansible_collections.progressive.delivery.tests.unit.module_utils.release.fake_cluster import FakeCluster, app_service, stable_deployment


@pytest.fixture
def cluster():
    c = FakeCluster()
    c.add(stable_deployment())
    c.add(app_service())
    return c


@pytest.fixture
def make_ctx(cluster):
    def make(**kwargs):
        kwargs.setdefault("lock_owner", "tester@here")
        kwargs.setdefault("wait_timeout", 2)
        kwargs.setdefault("wait_sleep", 1)
        return ReleaseContext(cluster, "default", "web", **kwargs)
    return make
