"""The fleet's admin server: token-protected fault injection and the open metrics endpoint."""
from __future__ import annotations

import aiohttp
import pytest
import pytest_asyncio

from fleetsim.admin import AdminServer
from fleetsim.faults import FaultState
from fleetsim.metrics import CONTENT_TYPE, RequestLabels, RequestMetrics


class Control:
    """The part of the fleet runtime the admin server talks to, over real FaultStates."""

    def __init__(self):
        self.faults = {"web-dev-us-east1": FaultState()}
        self.metrics = RequestMetrics()
        self.metrics.observe(RequestLabels("web-dev-us-east1", "shop", "cart", "v1", "p", "200"),
                             0.01)

    def render_metrics(self):
        return self.metrics.render()

    def cluster_summaries(self):
        return [{"name": name, "faults": state.to_dict()} for name, state in self.faults.items()]

    def faults_of(self, name):
        return {"cluster": name, **self.faults[name].to_dict()}

    async def set_fault(self, name, **changes):
        self.faults[name].update(**changes)
        return self.faults_of(name)

    async def clear_faults(self, name):
        self.faults[name].clear()
        return self.faults_of(name)


@pytest_asyncio.fixture
async def admin():
    control = Control()
    server = AdminServer(control, "s3cret")
    await server.start()
    async with aiohttp.ClientSession(headers={"Authorization": "Bearer s3cret"}) as session:
        yield server.url, session, control
    await server.stop()


@pytest.mark.asyncio
async def test_faults_are_set_merged_and_cleared(admin):
    url, session, control = admin
    path = f"{url}/admin/clusters/web-dev-us-east1/faults"
    async with session.put(path, json={"error_500": 0.2, "latency_s": "2s"}) as response:
        assert response.status == 200
        assert await response.json() == {"cluster": "web-dev-us-east1", "error_500": 0.2,
                                          "error_409": 0.0, "latency_s": 2.0,
                                          "unreachable": False}
    async with session.patch(path, json={"error_409": 0.1}) as response:
        assert (await response.json())["error_500"] == 0.2  # unchanged fields stay
    assert control.faults["web-dev-us-east1"].error_409 == 0.1
    async with session.delete(path) as response:
        assert not any(v for k, v in (await response.json()).items() if k != "cluster")


@pytest.mark.asyncio
async def test_bad_requests_get_clear_errors(admin):
    url, session, _ = admin
    async with session.put(f"{url}/admin/clusters/web-dev-us-east1/faults",
                           json={"error_500": 2}) as response:
        assert response.status == 422
        assert "error_500: 2 is not a share of requests between 0 and 1" in (
            await response.json())["error"]
    async with session.get(f"{url}/admin/clusters/nope/faults") as response:
        assert response.status == 404
        assert 'no cluster named "nope"' in (await response.json())["error"]
    async with session.put(f"{url}/admin/clusters/web-dev-us-east1/faults",
                           data="{not json") as response:
        assert response.status == 400


@pytest.mark.asyncio
async def test_admin_needs_the_token_but_metrics_do_not(admin):
    url, _, _ = admin
    async with aiohttp.ClientSession() as anonymous:
        async with anonymous.get(f"{url}/admin/clusters") as response:
            assert response.status == 401
        async with anonymous.get(f"{url}/admin/clusters",
                                 headers={"Authorization": "Bearer wrong"}) as response:
            assert response.status == 401
        async with anonymous.get(f"{url}/metrics") as response:
            assert response.status == 200
            assert response.headers["Content-Type"] == CONTENT_TYPE
            assert 'http_requests_total{cluster="web-dev-us-east1"' in await response.text()
