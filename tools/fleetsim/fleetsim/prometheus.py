"""A real Prometheus (the Debian package's /usr/bin/prometheus) scraping fleet metrics endpoints.

Targets are given through a file_sd file, so one Prometheus can follow fleets that come and go
(the pytest fixture keeps one per test session). Every target carries the label
``fleetsim_fleet`` (the fleet id) so queries can tell fleets apart.
"""
from __future__ import annotations

import atexit
import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

DEBIAN_BINARY = "/usr/bin/prometheus"
SCRAPE_INTERVAL = "1s"


class PrometheusError(RuntimeError):
    pass


def find_binary(install: bool = True) -> str:
    """Path of the prometheus binary; installs the Debian package with apt-get when missing
    (needs root), otherwise explains how to get it."""
    found = shutil.which("prometheus") or (DEBIAN_BINARY if os.path.exists(DEBIAN_BINARY) else None)
    if found:
        return found
    if install and os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        result = subprocess.run(["apt-get", "install", "-y", "--no-install-recommends",
                                 "prometheus"], env=env, capture_output=True, text=True,
                                timeout=900)
        if result.returncode == 0 and os.path.exists(DEBIAN_BINARY):
            return DEBIAN_BINARY
        raise PrometheusError("installing the Debian package 'prometheus' failed "
                              f"(apt-get exit {result.returncode}): "
                              f"{(result.stderr or result.stdout).strip()[-500:]}")
    raise PrometheusError("Prometheus is not installed: run 'sudo apt-get install prometheus' "
                          "(Debian package, provides /usr/bin/prometheus)")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PrometheusServer:
    def __init__(self, workdir: str | Path, scrape_interval: str = SCRAPE_INTERVAL):
        self.workdir = Path(workdir)
        self.scrape_interval = scrape_interval
        self.config_path = self.workdir / "prometheus.yml"
        self.targets_path = self.workdir / "prometheus-targets.json"
        self.data_dir = self.workdir / "prometheus-data"
        self.log_path = self.workdir / "prometheus.log"
        self.process: subprocess.Popen | None = None
        self.port: int | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # -- targets --------------------------------------------------------------------------------
    def set_targets(self, targets: dict[str, str]) -> None:
        """``{fleet_id: "127.0.0.1:PORT"}``; written atomically, Prometheus picks it up itself."""
        groups = [{"targets": [address], "labels": {"fleetsim_fleet": fleet_id}}
                  for fleet_id, address in sorted(targets.items())]
        tmp = self.targets_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(groups, indent=2))
        os.replace(tmp, self.targets_path)

    def _write_config(self, static: dict[str, str] | None = None) -> None:
        """Static targets are scraped at once; file_sd targets wait for the discovery manager's
        next update (up to 5 s), so a fixed fleet (the CLI) uses static ones."""
        lines = [
            "global:",
            f"  scrape_interval: {self.scrape_interval}",
            # scrape_timeout must not exceed the interval; metrics render in milliseconds.
            f"  scrape_timeout: {self.scrape_interval}",
            f"  evaluation_interval: {self.scrape_interval}",
            "scrape_configs:",
            "  - job_name: fleetsim",
        ]
        if static:
            lines.append("    static_configs:")
            for fleet_id, address in sorted(static.items()):
                lines += [f"      - targets: ['{address}']",
                          f"        labels: {{fleetsim_fleet: '{fleet_id}'}}"]
        else:
            lines += ["    file_sd_configs:",
                      f"      - files: ['{self.targets_path}']",
                      "        refresh_interval: 1s"]
        self.config_path.write_text("\n".join(lines) + "\n")

    # -- lifecycle ------------------------------------------------------------------------------
    def start(self, targets: dict[str, str] | None = None, detach: bool = False,
              static: bool = False, timeout: float = 60.0) -> None:
        """Start and wait until /-/ready answers. ``targets``: ``{fleet_id: "host:port"}``;
        ``static`` fixes them in the config (no ``set_targets`` later). ``detach`` starts it in
        its own session so it outlives this process (the CLI); otherwise it is a child that
        ``stop`` (or the end of this process) ends."""
        binary = find_binary()
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.data_dir.mkdir(exist_ok=True)
        if static:
            self._write_config(static=targets or {})
        else:
            if not self.targets_path.exists() or targets is not None:
                self.set_targets(targets or {})
            self._write_config()
        last_error = ""
        for _ in range(3):  # the free port can be taken between probe and bind: retry
            self.port = free_port()
            with open(self.log_path, "ab") as log:
                self.process = subprocess.Popen(
                    [binary, f"--config.file={self.config_path}",
                     f"--storage.tsdb.path={self.data_dir}",
                     f"--web.listen-address=127.0.0.1:{self.port}",
                     "--storage.tsdb.retention.time=1d", "--log.level=warn"],
                    stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                    start_new_session=detach)
            if not detach:  # a child must not outlive a crashed test session
                atexit.register(self.stop)
            try:
                self._wait_ready(timeout)
                return
            except PrometheusError as exc:
                last_error = str(exc)
                self.stop()
        raise PrometheusError(last_error)

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise PrometheusError(f"prometheus exited with {self.process.returncode}; "
                                      f"see {self.log_path}: {self._log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}/-/ready", timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.2)
        raise PrometheusError(f"prometheus not ready after {timeout:.0f}s; see {self.log_path}")

    def _log_tail(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-800:].strip()
        except OSError:
            return ""

    def stop(self, timeout: float = 10.0) -> None:
        if self.process is None:
            return
        stop_pid(self.process.pid, timeout, process=self.process)
        self.process = None
        atexit.unregister(self.stop)

    # -- queries --------------------------------------------------------------------------------
    def query(self, expr: str) -> list[dict[str, Any]]:
        """Instant query; returns the result vector ([{metric: {...}, value: [t, "v"]}])."""
        url = f"{self.url}/api/v1/query?" + urllib.parse.urlencode({"query": expr})
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                body = json.load(response)
        except urllib.error.HTTPError as exc:
            raise PrometheusError(f"query {expr!r} failed: {exc.read().decode()[:500]}") from None
        if body.get("status") != "success":
            raise PrometheusError(f"query {expr!r} failed: {body}")
        return body["data"]["result"]

    def query_values(self, expr: str, by: str) -> dict[str, float]:
        """Instant query reduced to ``{label value of `by`: float}``."""
        return {item["metric"].get(by, ""): float(item["value"][1]) for item in self.query(expr)}

    def wait_for_scrape(self, fleet_id: str, timeout: float = 30.0) -> None:
        """Until the fleet's target has been scraped successfully."""
        deadline = time.monotonic() + timeout
        expr = f'up{{fleetsim_fleet="{fleet_id}"}} == 1'
        while time.monotonic() < deadline:
            if self.query(expr):
                return
            time.sleep(0.3)
        raise PrometheusError(f"prometheus did not scrape fleet {fleet_id} within {timeout:.0f}s")


def stop_pid(pid: int, timeout: float = 10.0, process: subprocess.Popen | None = None) -> bool:
    """SIGTERM, wait up to ``timeout``, then SIGKILL. Returns False if it was not running."""
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return False
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _alive(pid, process):
            return True
        time.sleep(0.1)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        return True
    for _ in range(50):
        if not _alive(pid, process):
            break
        time.sleep(0.1)
    return True


def _alive(pid: int, process: subprocess.Popen | None) -> bool:
    if process is not None:
        return process.poll() is None
    try:
        waited, _ = os.waitpid(pid, os.WNOHANG)  # reap if it is our child
        if waited == pid:
            return False
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie that is not our child still answers kill(0): check its state.
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False
