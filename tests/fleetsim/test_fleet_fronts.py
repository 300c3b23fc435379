"""HTTP fronts answer real requests as a pod of the Service: version, pod, latency, error rate."""
from __future__ import annotations

import random
import time
import types

import aiohttp
import pytest
import pytest_asyncio

from fleetsim.fronts import Front
from fleetsim.metrics import RequestMetrics
from fleetsim.traffic import ServiceDirectory

SERVICES = types.SimpleNamespace(group="", plural="services")
PODS = types.SimpleNamespace(group="", plural="pods")


def add_service(directory, name, selector):
    directory.on_change("ADDED", SERVICES, {
        "kind": "Service", "metadata": {"name": name, "namespace": "shop"},
        "spec": {"selector": selector}})


def add_pod(directory, name, labels, annotations=None, ready=True):
    directory.on_change("ADDED", PODS, {
        "kind": "Pod",
        "metadata": {"name": name, "namespace": "shop", "labels": labels,
                     "annotations": annotations or {}},
        "status": {"phase": "Running",
                   "conditions": [{"type": "Ready", "status": "True" if ready else "False"}]}})


@pytest_asyncio.fixture
async def front():
    directory = ServiceDirectory("web-dev-us-east1")
    add_service(directory, "cart", {"app": "cart"})
    add_pod(directory, "cart-a", {"app": "cart", "version": "v1"})
    add_pod(directory, "cart-b", {"app": "cart", "version": "v2"},
            {"fleetsim.io/latency-ms": "150", "fleetsim.io/error-rate": "1"})
    add_service(directory, "empty", {"app": "empty"})
    add_pod(directory, "empty-1", {"app": "empty"}, ready=False)
    metrics = RequestMetrics()
    server = Front("web-dev-us-east1", directory, metrics, random.Random(4))
    await server.start()
    async with aiohttp.ClientSession() as session:
        yield types.SimpleNamespace(url=server.url, metrics=metrics, session=session)
    await server.stop()


@pytest.mark.asyncio
async def test_requests_round_robin_over_ready_pods_with_their_behaviour(front):
    answers = []
    for _ in range(4):
        started = time.monotonic()
        async with front.session.get(f"{front.url}/shop/cart/api/items?x=1") as response:
            answers.append((response.status, await response.json(),
                            response.headers["X-Fleetsim-Version"], time.monotonic() - started))
    assert [(status, body["pod"], version) for status, body, version, _ in answers] == [
        (200, "cart-a", "v1"), (500, "cart-b", "v2"), (200, "cart-a", "v1"), (500, "cart-b", "v2")]
    status, body, _, _ = answers[1]
    assert body == {"cluster": "web-dev-us-east1", "namespace": "shop", "service": "cart",
                    "path": "/api/items", "version": "v2", "pod": "cart-b", "code": 500,
                    "method": "GET", "error": "simulated failure (fleetsim.io/error-rate)"}
    slow = [elapsed for status, _, _, elapsed in answers if status == 500]
    fast = [elapsed for status, _, _, elapsed in answers if status == 200]
    assert min(slow) > 0.06 and min(slow) > max(fast)  # ~150 ms vs ~20 ms
    assert front.metrics.total(version="v2", code="500") == 2
    assert front.metrics.total(version="v1", code="200") == 2


@pytest.mark.asyncio
async def test_unknown_services_get_404_and_services_without_ready_pods_503(front):
    async with front.session.get(f"{front.url}/shop/nope/") as response:
        assert response.status == 404
        assert (await response.json())["error"] == 'service "nope" not found in namespace "shop"'
    async with front.session.post(f"{front.url}/shop/empty") as response:
        assert response.status == 503
        body = await response.json()
        assert body["error"] == 'service "shop/empty" has no ready endpoints'
        assert body["path"] == "/"
    async with front.session.get(f"{front.url}/") as response:
        assert (await response.json())["services"] == ["shop/cart", "shop/empty"]
    assert front.metrics.total() == 0
