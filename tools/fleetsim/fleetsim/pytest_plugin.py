"""pytest fixtures that run a simulated fleet in-process (loaded through the ``pytest11`` entry
point of the fleetsim package, so every test in the project can use them without imports).

Fixtures
--------
``fleetsim_fleet`` (function scope) - a factory; every fleet it starts stops after the test::

    def test_rollout(fleetsim_fleet):
        fleet = fleetsim_fleet({"environment_sets": {"web": {"environments": ["dev"],
                                                             "regions": ["us-east1"]}}},
                               clock_speed=20, pod_ready_delay="1s")
        client = kubernetes.config.new_client_from_config(str(fleet.kubeconfig),
                                                           context="web-dev-us-east1")
        fleet.api_url("web-dev-us-east1")        # http://127.0.0.1:PORT
        fleet.clusters["web-dev-us-east1"].front_url
        fleet.set_fault("web-dev-us-east1", error_500=0.2, latency_s="2s")
        fleet.set_fault("web-dev-us-east1", unreachable=True)   # connection refused
        fleet.clear_faults("web-dev-us-east1")

  Arguments: the fleet file as a dict, a path or a ``FleetSpec`` (default: one set ``app`` with
  environment ``dev`` in region ``us-east1``, i.e. clusters ``app-dev-us-east1`` and
  ``app-dev-config``); keyword knobs of the top-level ``simulation`` block (``clock_speed``,
  ``nodes_per_cluster``, ``pod_ready_delay``, ``pod_ready_jitter``, ``requests_per_second``,
  ``namespaces``) override the file's; ``seed`` makes traffic and faults reproducible.

``fleetsim_session_fleet`` (session scope) - the same factory, but fleets live for the whole
session and identical arguments return the same running fleet (start-up costs a second or two).

``prometheus`` (session scope) - a factory: ``prom = prometheus(fleet)`` starts one real
Prometheus for the session (installed with apt-get when missing), adds the fleet's metrics
endpoint as a target scraped every second and waits for the first scrape (about 5 s: target
discovery). ``rate(x[1m])`` divides by the whole minute while less data exists: compare ratios. ``prom.url``,
``prom.query(expr)`` (instant vector), ``prom.query_values(expr, by="version")``; every series
of the fleet carries ``fleetsim_fleet="<fleet.id>"`` - ``prom.selector`` is that matcher, use it
to keep other fleets of the session out of a query::

    rate(http_requests_total{%s, code=~"5.."}[1m])  %  prom.selector

The handle (``FleetHandle``): ``kubeconfig`` (Path; one context per cluster named like it),
``ca_file`` (Path of the CA the clusters' HTTPS certificates chain to), ``state_dir``, ``fleet_json`` (the same file ``fleetsim up`` writes), ``clusters``
(name -> ``ClusterInfo`` with name, set, environment, region, role, api_url, token, front_url,
context, config_cluster), ``api_url(name)``, ``metrics_url``, ``metrics_address``, ``admin_url``,
``id``, ``description`` (all of fleet.json), ``set_fault(name, **faults)``, ``clear_faults(name)``, ``metrics_text()`` and
``call(fn, *args)``, which runs ``fn`` on the fleet's event loop (awaiting it if it returns a
coroutine) for direct access to the runtime, e.g.
``fleet.call(lambda: fleet.runtime.clusters["app-dev-us-east1"].api.list("pods"))``.
Outside pytest, ``start_fleet(spec, state_dir, ...)`` returns the same handle; ``handle.stop()``.
"""
from __future__ import annotations

import asyncio
import dataclasses
import json
import threading
import urllib.request
from concurrent.futures import Future
from pathlib import Path
from typing import Any, Callable

import pytest

from .fleet import FleetSpec

DEFAULT_SPEC = {"environment_sets": {"app": {"environments": ["dev"], "regions": ["us-east1"]}}}
START_TIMEOUT_S = 120.0


@dataclasses.dataclass(frozen=True)
class ClusterInfo:
    name: str
    set: str
    environment: str
    region: str | None
    role: str
    context: str
    api_url: str
    token: str
    front_url: str
    config_cluster: str


def load_spec(spec: Any = None, **simulation: Any) -> FleetSpec:
    """A fleet file given as a dict, a path or a FleetSpec, with top-level knob overrides."""
    if spec is None:
        spec = DEFAULT_SPEC
    if isinstance(spec, (str, Path)):
        return FleetSpec.load(spec, overrides=simulation)
    data = spec.to_dict() if isinstance(spec, FleetSpec) else spec
    return FleetSpec.from_dict(data, overrides=simulation)


class FleetHandle:
    """A fleet running on its own event loop in a background thread."""

    def __init__(self, spec: FleetSpec, state_dir: Path, seed: int | None = None):
        from .fleet_runtime import Fleet  # the runtime pulls in the whole simulator

        self.spec = spec
        self.state_dir = Path(state_dir)
        self.runtime = Fleet(spec, seed=seed)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True,
                                        name=f"fleetsim-{self.runtime.id}")
        self._on_stop: list[Callable[[], None]] = []
        self.stopped = False

    def _start(self) -> None:
        self._thread.start()
        try:
            self.call(self.runtime.start, timeout=START_TIMEOUT_S)
        except BaseException:
            self._shutdown_loop()
            raise
        self.kubeconfig, self.fleet_json = self.call(self.runtime.write_state, self.state_dir)
        description = json.loads(self.fleet_json.read_text())
        self.id = description["id"]
        self.metrics_url = description["metrics_url"]
        self.admin_url = description["admin_url"]
        self.admin_token = description["admin_token"]
        self.ca_file = Path(description["ca_file"])
        self.metrics_address = self.runtime.metrics_address
        known = {f.name for f in dataclasses.fields(ClusterInfo)}
        self.clusters = {c["name"]: ClusterInfo(**{k: v for k, v in c.items() if k in known})
                         for c in description["clusters"]}
        self.description = description  # all of fleet.json, with what fleet controllers add

    def call(self, fn: Callable, *args: Any, timeout: float = 60.0) -> Any:
        """Run ``fn(*args)`` on the fleet's loop; await the result if it is a coroutine."""
        async def run():
            result = fn(*args)
            if asyncio.iscoroutine(result):
                result = await result
            return result
        future: Future = asyncio.run_coroutine_threadsafe(run(), self._loop)
        return future.result(timeout)

    def api_url(self, name: str) -> str:
        return self.clusters[name].api_url

    def set_fault(self, name: str, **faults: Any) -> dict[str, Any]:
        """error_500 / error_409 (shares 0..1), latency_s (seconds or "2s"), unreachable."""
        return self.call(lambda: self.runtime.set_fault(name, **faults))

    def clear_faults(self, name: str) -> dict[str, Any]:
        return self.call(lambda: self.runtime.clear_faults(name))

    def metrics_text(self) -> str:
        with urllib.request.urlopen(self.metrics_url, timeout=10) as response:
            return response.read().decode()

    def on_stop(self, callback: Callable[[], None]) -> None:
        self._on_stop.append(callback)

    def stop(self) -> None:
        if self.stopped:
            return
        self.stopped = True
        for callback in self._on_stop:
            callback()
        try:
            self.call(self.runtime.stop)
        finally:
            self._shutdown_loop()

    def _shutdown_loop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        if not self._thread.is_alive():
            self._loop.close()


def start_fleet(spec: Any = None, state_dir: str | Path = ".", seed: int | None = None,
                **simulation: Any) -> FleetHandle:
    handle = FleetHandle(load_spec(spec, **simulation), Path(state_dir), seed=seed)
    handle._start()
    return handle


class _FleetFactory:
    def __init__(self, make_dir: Callable[[], Path], reuse: bool):
        self._make_dir = make_dir
        self._reuse = reuse
        self._fleets: dict[str, FleetHandle] = {}
        self._all: list[FleetHandle] = []

    def __call__(self, spec: Any = None, seed: int | None = None,
                 **simulation: Any) -> FleetHandle:
        fleet_spec = load_spec(spec, **simulation)
        key = json.dumps([fleet_spec.to_dict(), seed], sort_keys=True)
        if self._reuse and key in self._fleets and not self._fleets[key].stopped:
            return self._fleets[key]
        handle = FleetHandle(fleet_spec, self._make_dir(), seed=seed)
        handle._start()
        self._fleets[key] = handle
        self._all.append(handle)
        return handle

    def stop_all(self) -> None:
        for handle in reversed(self._all):
            handle.stop()


@pytest.fixture
def fleetsim_fleet(tmp_path_factory):
    factory = _FleetFactory(lambda: tmp_path_factory.mktemp("fleetsim"), reuse=False)
    yield factory
    factory.stop_all()


@pytest.fixture(scope="session")
def fleetsim_session_fleet(tmp_path_factory):
    factory = _FleetFactory(lambda: tmp_path_factory.mktemp("fleetsim-session"), reuse=True)
    yield factory
    factory.stop_all()


class FleetPrometheus:
    """The session's Prometheus, seen from one fleet."""

    def __init__(self, server, fleet: FleetHandle):
        self.server = server
        self.fleet = fleet
        self.url = server.url
        self.selector = f'fleetsim_fleet="{fleet.id}"'

    def query(self, expr: str) -> list[dict[str, Any]]:
        return self.server.query(expr)

    def query_values(self, expr: str, by: str = "version") -> dict[str, float]:
        return self.server.query_values(expr, by)


class _PrometheusFactory:
    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.server = None
        self.targets: dict[str, str] = {}

    def __call__(self, fleet: FleetHandle, timeout: float = 60.0) -> FleetPrometheus:
        from .prometheus import PrometheusServer

        if self.server is None:
            server = PrometheusServer(self.workdir)
            server.start(targets={})
            self.server = server
        if fleet.id not in self.targets:
            self.targets[fleet.id] = fleet.metrics_address
            self.server.set_targets(self.targets)
            fleet.on_stop(lambda: self._forget(fleet.id))
            self.server.wait_for_scrape(fleet.id, timeout=timeout)
        return FleetPrometheus(self.server, fleet)

    def _forget(self, fleet_id: str) -> None:
        if self.targets.pop(fleet_id, None) is not None and self.server is not None:
            self.server.set_targets(self.targets)

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None


@pytest.fixture(scope="session")
def prometheus(tmp_path_factory):
    factory = _PrometheusFactory(tmp_path_factory.mktemp("prometheus"))
    yield factory
    factory.stop()
