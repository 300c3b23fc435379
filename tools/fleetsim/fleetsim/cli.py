"""``fleetsim``: start, inspect, fault and stop a simulated fleet.

    fleetsim up --fleet FILE [--state-dir DIR] [--prometheus] [--clock-speed X]
    fleetsim status [--state-dir DIR] [--json]
    fleetsim fault --cluster NAME [--error-500 0.2] [--error-409 0.1] [--latency 2s]
                   [--unreachable | --reachable] [--clear] [--state-dir DIR]
    fleetsim down [--state-dir DIR]
    fleetsim run --fleet FILE [--state-dir DIR]      # the fleet in the foreground (what up starts)

``up`` validates the fleet file first (a mistake is reported and nothing starts), starts the fleet
as one background process (log ``DIR/fleetsim.log``, pid ``DIR/fleetsim.pid``) and returns once
every cluster answers ``/readyz``, leaving ``DIR/kubeconfig`` and ``DIR/fleet.json``.
The state directory defaults to ``$FLEETSIM_STATE_DIR`` or ``.state/fleetsim``.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import shutil
import signal
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from .fleet import FleetFileError, FleetSpec

PID_FILE = "fleetsim.pid"
LOG_FILE = "fleetsim.log"
FLEET_JSON = "fleet.json"
KUBECONFIG = "kubeconfig"
KUBECONFIG_X509 = "kubeconfig-x509"
CA_FILE = "ca.crt"
PROMETHEUS_PID = "prometheus.pid"
DEFAULT_STATE_DIR = ".state/fleetsim"
STOP_TIMEOUT_S = 15.0


class CliError(Exception):
    """A user-facing failure: printed as one line, exit code 1 (2 for a bad fleet file)."""

    def __init__(self, message: str, code: int = 1):
        super().__init__(message)
        self.code = code


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return args.func(args) or 0
    except FleetFileError as exc:
        print(f"fleetsim: invalid fleet file: {exc}", file=sys.stderr)
        return 2
    except CliError as exc:
        print(f"fleetsim: {exc}", file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fleetsim", description="Simulated Kubernetes fleet")
    sub = parser.add_subparsers(dest="command", required=True)
    state = argparse.ArgumentParser(add_help=False)
    state.add_argument("--state-dir", type=Path,
                       default=Path(os.environ.get("FLEETSIM_STATE_DIR", DEFAULT_STATE_DIR)),
                       help="where kubeconfig, fleet.json, the pid and the log live "
                            "(default: $FLEETSIM_STATE_DIR or .state/fleetsim)")

    up = sub.add_parser("up", parents=[state], help="start a fleet in the background")
    up.add_argument("--fleet", type=Path, required=True, help="the fleet file (YAML)")
    up.add_argument("--clock-speed", type=float, help="override simulation.clock_speed")
    up.add_argument("--prometheus", action="store_true",
                    help="also start a real Prometheus scraping the fleet metrics every second")
    up.add_argument("--timeout", type=float, default=120.0,
                    help="seconds to wait for every cluster to answer (default 120)")
    up.set_defaults(func=cmd_up)

    run = sub.add_parser("run", parents=[state], help="run a fleet in the foreground")
    run.add_argument("--fleet", type=Path, required=True)
    run.add_argument("--clock-speed", type=float)
    run.set_defaults(func=cmd_run)

    down = sub.add_parser("down", parents=[state], help="stop the fleet (and its Prometheus)")
    down.set_defaults(func=cmd_down)

    status = sub.add_parser("status", parents=[state], help="show the running fleet")
    status.add_argument("--json", action="store_true", help="machine-readable output")
    status.set_defaults(func=cmd_status)

    fault = sub.add_parser("fault", parents=[state], help="inject or clear faults on a cluster")
    fault.add_argument("--cluster", required=True)
    fault.add_argument("--error-500", type=float, metavar="SHARE",
                       help="share of API requests answered 500 (0..1)")
    fault.add_argument("--error-409", type=float, metavar="SHARE",
                       help="share of API requests answered 409 (0..1)")
    fault.add_argument("--latency", metavar="DURATION", help="added latency, e.g. 250ms or 2s")
    reach = fault.add_mutually_exclusive_group()
    reach.add_argument("--unreachable", action="store_true",
                       help="close the cluster's API port (connection refused)")
    reach.add_argument("--reachable", action="store_true", help="open it again")
    fault.add_argument("--clear", action="store_true",
                       help="back to normal (applied before the other options)")
    fault.set_defaults(func=cmd_fault)
    return parser


# -- up / run -------------------------------------------------------------------------------------
def _overrides(args) -> dict[str, Any]:
    if args.clock_speed is None:
        return {}
    return {"clock_speed": args.clock_speed}


def _load(args) -> FleetSpec:
    return FleetSpec.load(args.fleet, overrides=_overrides(args))


def cmd_up(args) -> int:
    spec = _load(args)  # a bad fleet file stops here: nothing starts
    state_dir = args.state_dir.resolve()
    state_dir.mkdir(parents=True, exist_ok=True)
    running = _running_pid(state_dir / PID_FILE)
    if running:
        raise CliError(f"a fleet is already running from {state_dir} (pid {running}); "
                       f"run 'fleetsim down --state-dir {args.state_dir}' first")
    _clean_state(state_dir)
    command = [sys.executable, "-m", "fleetsim.cli", "run", "--fleet",
               str(args.fleet.resolve()), "--state-dir", str(state_dir)]
    if args.clock_speed is not None:
        command += ["--clock-speed", str(args.clock_speed)]
    started = time.monotonic()
    with open(state_dir / LOG_FILE, "ab") as log:
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                   start_new_session=True, cwd=state_dir)
    try:
        description = _wait_for_fleet(process, state_dir, args.timeout)
        _wait_for_clusters(description, max(5.0, args.timeout - (time.monotonic() - started)))
    except (CliError, KeyboardInterrupt):  # never leave a half-started fleet behind
        _stop_process(process.pid)
        _clean_state(state_dir)
        raise
    if args.prometheus:
        description = _start_prometheus(state_dir, description)
    elapsed = time.monotonic() - started
    print(f"fleet up in {elapsed:.1f}s: {len(spec.clusters)} clusters (pid {process.pid})")
    print(f"  kubeconfig: {state_dir / KUBECONFIG}   (export KUBECONFIG={state_dir / KUBECONFIG})")
    print(f"  fleet.json: {state_dir / FLEET_JSON}")
    print(f"  metrics:    {description['metrics_url']}")
    if description.get("prometheus_url"):
        print(f"  prometheus: {description['prometheus_url']}")
    return 0


def _wait_for_fleet(process: subprocess.Popen, state_dir: Path, timeout: float) -> dict:
    deadline = time.monotonic() + timeout
    fleet_json = state_dir / FLEET_JSON
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise CliError(f"the fleet process exited with code {process.returncode} before it "
                           f"was up; the end of {state_dir / LOG_FILE}:\n{_tail(state_dir / LOG_FILE)}")
        if fleet_json.exists():
            description = json.loads(fleet_json.read_text())
            if description.get("pid") == process.pid:
                return description
        time.sleep(0.1)
    raise CliError(f"the fleet was not up after {timeout:.0f}s; see {state_dir / LOG_FILE}")


def _tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _wait_for_clusters(description: dict, timeout: float) -> None:
    """Every cluster answers GET /readyz with its token."""
    deadline = time.monotonic() + timeout
    waiting = list(description["clusters"])
    context = _tls_context(description)
    while waiting:
        waiting = [c for c in waiting if not _ready(c, context)]
        if not waiting:
            return
        if time.monotonic() > deadline:
            names = ", ".join(c["name"] for c in waiting)
            raise CliError(f"clusters not answering /readyz after {timeout:.0f}s: {names}")
        time.sleep(0.1)


def _tls_context(description: dict) -> ssl.SSLContext:
    """Trusts the fleet's CA: the clusters serve HTTPS (see apiserver/tls.py)."""
    return ssl.create_default_context(cafile=description["ca_file"])


def _ready(cluster: dict, context: ssl.SSLContext) -> bool:
    request = urllib.request.Request(f"{cluster['api_url']}/readyz",
                                     headers={"Authorization": f"Bearer {cluster['token']}"})
    try:
        with urllib.request.urlopen(request, timeout=2, context=context) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def _start_prometheus(state_dir: Path, description: dict) -> dict:
    from .prometheus import PrometheusError, PrometheusServer

    server = PrometheusServer(state_dir)
    address = description["metrics_url"].removeprefix("http://").removesuffix("/metrics")
    try:
        server.start(targets={description["id"]: address}, detach=True, static=True)
        (state_dir / PROMETHEUS_PID).write_text(f"{server.process.pid}\n")
        server.wait_for_scrape(description["id"])
    except PrometheusError as exc:
        server.stop()
        raise CliError(f"the fleet is up but Prometheus failed: {exc}") from None
    description["prometheus_url"] = server.url
    tmp = state_dir / (FLEET_JSON + ".tmp")
    tmp.write_text(json.dumps(description, indent=2) + "\n")
    os.chmod(tmp, 0o600)
    os.replace(tmp, state_dir / FLEET_JSON)
    return description


def cmd_run(args) -> int:
    spec = _load(args)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    state_dir = args.state_dir.resolve()
    state_dir.mkdir(parents=True, exist_ok=True)
    asyncio.run(_run(spec, state_dir))
    return 0


async def _run(spec: FleetSpec, state_dir: Path) -> None:
    from .fleet_runtime import Fleet

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    (state_dir / PID_FILE).write_text(f"{os.getpid()}\n")
    fleet = Fleet(spec)
    started = time.monotonic()
    try:
        await fleet.start()
        fleet.write_state(state_dir)
        logging.getLogger("fleetsim").info("fleet %s up: %d clusters in %.2fs, metrics %s",
                                           fleet.id, len(fleet.clusters),
                                           time.monotonic() - started, fleet.metrics_url)
        await stop.wait()
    finally:
        await fleet.stop()
        for name in (FLEET_JSON, KUBECONFIG, KUBECONFIG_X509, CA_FILE, PID_FILE):
            (state_dir / name).unlink(missing_ok=True)
        logging.getLogger("fleetsim").info("fleet %s stopped", fleet.id)


# -- down -----------------------------------------------------------------------------------------
def cmd_down(args) -> int:
    state_dir = args.state_dir.resolve()
    stopped = []
    prometheus = _running_pid(state_dir / PROMETHEUS_PID)
    if prometheus:
        _stop_process(prometheus)
        stopped.append(f"prometheus (pid {prometheus})")
    fleet = _running_pid(state_dir / PID_FILE)
    if fleet:
        _stop_process(fleet)
        stopped.append(f"fleet (pid {fleet})")
    _clean_state(state_dir)
    print(f"stopped {' and '.join(stopped)}" if stopped else f"no fleet running in {state_dir}")
    return 0


def _stop_process(pid: int) -> None:
    from .prometheus import stop_pid

    stop_pid(pid, STOP_TIMEOUT_S)


def _running_pid(pid_file: Path) -> int | None:
    """The pid in ``pid_file`` if that process still runs and is ours (fleetsim or prometheus:
    a pid reused by an unrelated process after a reboot or crash must never be signalled)."""
    try:
        pid = int(pid_file.read_text().strip())
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            command = handle.read().replace(b"\0", b" ")
        with open(f"/proc/{pid}/stat") as handle:
            state = handle.read().rsplit(")", 1)[1].split()[0]
    except (OSError, ValueError):
        return None
    if state == "Z" or not any(name in command for name in (b"fleetsim", b"prometheus")):
        return None
    return pid


def _clean_state(state_dir: Path) -> None:
    """Forget a stopped fleet: pid files, fleet.json, kubeconfig, Prometheus data (logs stay)."""
    for name in (FLEET_JSON, FLEET_JSON + ".tmp", KUBECONFIG, KUBECONFIG_X509, CA_FILE, PID_FILE, PROMETHEUS_PID,
                 "prometheus.yml", "prometheus-targets.json"):
        (state_dir / name).unlink(missing_ok=True)
    shutil.rmtree(state_dir / "prometheus-data", ignore_errors=True)


# -- status / fault -------------------------------------------------------------------------------
def _description(state_dir: Path) -> dict:
    fleet_json = state_dir.resolve() / FLEET_JSON
    if not fleet_json.exists() or not _running_pid(state_dir.resolve() / PID_FILE):
        raise CliError(f"no fleet running in {state_dir} (start one with 'fleetsim up --fleet "
                       f"FILE --state-dir {state_dir}')")
    return json.loads(fleet_json.read_text())


def _admin(description: dict, method: str, path: str, body: dict | None = None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        f"{description['admin_url']}{path}", data=data, method=method,
        headers={"Authorization": f"Bearer {description['admin_token']}",
                 "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.load(response)
    except urllib.error.HTTPError as exc:
        try:
            message = json.load(exc).get("error", "")
        except ValueError:
            message = exc.reason
        raise CliError(message) from None
    except urllib.error.URLError as exc:
        raise CliError(f"the fleet's admin endpoint does not answer: {exc.reason}") from None


def cmd_status(args) -> int:
    description = _description(args.state_dir)
    clusters = _admin(description, "GET", "/clusters")["clusters"]
    context = _tls_context(description)
    for cluster in clusters:
        cluster["ready"] = _ready(cluster, context)
        cluster.pop("token", None)
    if args.json:
        out = {k: v for k, v in description.items() if k not in ("clusters", "admin_token")}
        print(json.dumps({**out, "clusters": clusters}, indent=2))
        return 0
    print(f"fleet {description['id']} (pid {description['pid']}), clock speed "
          f"{description['clock_speed']:g}, metrics {description['metrics_url']}")
    if description.get("prometheus_url"):
        print(f"prometheus {description['prometheus_url']}")
    width = max(len(c["name"]) for c in clusters)
    for cluster in clusters:
        faults = {k: v for k, v in cluster["faults"].items() if v}
        fault_text = " ".join(f"{k}={v}" for k, v in faults.items()) or "-"
        print(f"  {cluster['name']:<{width}}  {cluster['role']:<6}  "
              f"{'ready' if cluster['ready'] else 'DOWN ':<5}  {cluster['api_url']}  "
              f"front {cluster['front_url']}  faults: {fault_text}")
    return 0


def cmd_fault(args) -> int:
    description = _description(args.state_dir)
    changes: dict[str, Any] = {}
    if args.error_500 is not None:
        changes["error_500"] = args.error_500
    if args.error_409 is not None:
        changes["error_409"] = args.error_409
    if args.latency is not None:
        changes["latency_s"] = args.latency
    if args.unreachable or args.reachable:
        changes["unreachable"] = args.unreachable
    if not changes and not args.clear:
        raise CliError("nothing to do: give --error-500, --error-409, --latency, --unreachable, "
                       "--reachable or --clear")
    path = f"/clusters/{args.cluster}/faults"
    result = None
    if args.clear:
        result = _admin(description, "DELETE", path)
    if changes:
        result = _admin(description, "PUT", path, changes)
    faults = {k: v for k, v in result.items() if k != "cluster" and v}
    print(f"{args.cluster}: " + (", ".join(f"{k}={v}" for k, v in faults.items()) or "no faults"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
