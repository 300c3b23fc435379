"""Secrets never leak, TLS is verified by default.

Marker values are planted as the bearer token (kubeconfig user token), the kubeconfig's client key
data and the Prometheus bearer token; a whole release runs at -vvv with a log file; then every
output, log, file the run wrote and every object on every cluster (release records, events,
annotations) is searched for the markers: 0 hits. The markers are proven to have been used (the
API server saw the marker user, Prometheus was asked with the marker token through a recording
proxy) so the search is not vacuous.
"""

import base64
import http.server
import json
import os
import secrets
import subprocess
import threading
import urllib.request

import pytest
import yaml

from ansible_collections.progressive.delivery.tests.reliability import results
from ansible_collections.progressive.delivery.tests.reliability.release_harness import ReleaseHarness
from ansible_collections.progressive.delivery.tests.support.release_fleet import ReleaseFleet

MARKER_USER = "marker-release-bot"


class RecordingProxy(object):
    """Forwards GETs/POSTs to Prometheus and records the Authorization headers it saw."""

    def __init__(self, target):
        seen = self.authorizations = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def _forward(self):
                seen.append(self.headers.get("Authorization", ""))
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                request = urllib.request.Request(target + self.path, data=body, method=self.command)
                if self.headers.get("Content-Type"):
                    request.add_header("Content-Type", self.headers["Content-Type"])
                try:
                    with urllib.request.urlopen(request, timeout=30) as answer:
                        status, payload, ctype = answer.status, answer.read(), answer.headers.get("Content-Type")
                except urllib.error.HTTPError as err:
                    status, payload, ctype = err.code, err.read(), err.headers.get("Content-Type")
                self.send_response(status)
                self.send_header("Content-Type", ctype or "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = _forward

            def log_message(self, *args):  # keep test output clean
                return

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


def client_key_pair(harness):
    """A client key and certificate signed by the clusters' CA, as a real user's kubeconfig holds: the API
    server verifies a presented certificate (a self-signed one fails the TLS handshake, as with
    kube-apiserver's --client-ca-file). The key is a marker."""
    cluster = next(iter(harness.fleet.runtime.clusters.values()))  # one CA signs for every cluster of the fleet
    cert_pem, key_pem = cluster.client_certificate(MARKER_USER, ["system:masters"])
    return key_pem.encode(), cert_pem.encode()


def planted_kubeconfig(harness, token, key_pem, cert_pem, path):
    with open(harness.kubeconfig) as handle:
        config = yaml.safe_load(handle)
    for user in config["users"]:
        user["user"] = {"token": token,
                        "client-certificate-data": base64.b64encode(cert_pem).decode(),
                        "client-key-data": base64.b64encode(key_pem).decode()}
    with open(path, "w") as handle:
        yaml.safe_dump(config, handle)


def everything_on_the_clusters(harness):
    dumps = []
    for name, cluster in harness.fleet.runtime.clusters.items():
        store = cluster.store
        dumps.append(harness.fleet.call(lambda s=store: json.dumps(
            [obj for resource in s.resources() for obj in s.items(resource)], default=str)))
    return "\n".join(dumps)


def files_under(root, skip):
    for folder, dummy, names in os.walk(root):
        for name in names:
            path = os.path.join(folder, name)
            if path not in skip and os.path.isfile(path):
                with open(path, "rb") as handle:
                    yield path, handle.read()


def test_no_secret_in_any_output_of_a_release_at_vvv(fleetsim_fleet, prometheus, tmp_path):
    with results.scenario("security: planted secrets at -vvv, 0 hits") as row:
        harness = ReleaseHarness(fleetsim_fleet, prometheus, tmp_path, regions=["us-east1"])
        token = "pdMarkerToken" + secrets.token_hex(16)
        prom_token = "pdMarkerProm" + secrets.token_hex(16)
        key_pem, cert_pem = client_key_pair(harness)
        key_data = base64.b64encode(key_pem).decode()
        key_body = key_pem.decode().splitlines()[1]  # a line of the key itself, in case it is decoded
        markers = {"bearer token": token, "prometheus token": prom_token, "client key data": key_data,
                   "client key (decoded)": key_body}
        for cluster in harness.fleet.runtime.clusters.values():
            harness.fleet.call(lambda c=cluster: c.add_user(MARKER_USER, ["system:masters"], token=token))
        kubeconfig = str(tmp_path / "planted-kubeconfig")
        planted_kubeconfig(harness, token, key_pem, cert_pem, kubeconfig)
        harness.write_inventory(kubeconfig)
        proxy = RecordingProxy(harness.prom.url)
        extra = str(tmp_path / "prometheus-credential.yml")
        with open(extra, "w") as handle:
            yaml.safe_dump({"canary_release_prometheus_url": proxy.url,
                            "canary_release_prometheus": {"bearer_token": prom_token}}, handle)
        log = str(tmp_path / "ansible.log")
        try:
            proc = harness.run("2", "-vvv", "-e", "@" + extra, env={"ANSIBLE_LOG_PATH": log})
        finally:
            proxy.close()
        assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
        # The markers were really used.
        member = harness.members[0].name
        used = [r for r in harness.fleet.runtime.clusters[member].server.requests.snapshot() if r.user == MARKER_USER]
        assert used, "no request authenticated with the planted token"
        assert "Bearer " + prom_token in proxy.authorizations, "Prometheus was never asked with the planted credential"
        # Search everything the run produced.
        sources = {"stdout": proc.stdout.encode(), "stderr": proc.stderr.encode()}
        inputs = {kubeconfig, extra}
        for path, data in files_under(str(tmp_path), inputs):
            sources[path] = data
        for path, data in files_under(str(harness.fleet.state_dir), set()):
            sources[path] = data
        sources["objects on every cluster"] = everything_on_the_clusters(harness).encode()
        assert len(sources["objects on every cluster"]) > 1000, "the cluster dump is empty"
        hits = ["%s in %s" % (what, where) for where, data in sources.items() for what, marker in markers.items()
                if marker.encode() in data]
        row.notes = "searched %d outputs/files/cluster dumps (%d bytes of -vvv output), %d hits" % (
            len(sources), len(proc.stdout) + len(proc.stderr), len(hits))
        assert hits == [], hits
        assert harness.served_versions(member) == ["2"]
        row.violations = len(harness.violations())
        assert harness.violations() == []
        harness.close()


def untrusted_kubeconfig(fleet, workdir):
    """The fleet's kubeconfig, but trusting another CA than the one that signed the API servers."""
    key, cert = os.path.join(workdir, "other-ca.key"), os.path.join(workdir, "other-ca.crt")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                    "-subj", "/CN=some other CA", "-days", "1"], check=True, capture_output=True)
    with open(str(fleet.kubeconfig)) as handle:
        config = yaml.safe_load(handle)
    with open(cert, "rb") as handle:
        other = base64.b64encode(handle.read()).decode()
    for cluster in config["clusters"]:
        cluster["cluster"].pop("insecure-skip-tls-verify", None)
        cluster["cluster"]["certificate-authority-data"] = other
    path = os.path.join(workdir, "untrusted-kubeconfig")
    with open(path, "w") as handle:
        yaml.safe_dump(config, handle)
    return path


@pytest.mark.reliability_fast
def test_untrusted_certificate_is_refused_unless_verification_is_turned_off(fleetsim_fleet, tmp_path):
    with results.scenario("security: TLS verified by default, untrusted CA refused") as row:
        fleet = fleetsim_fleet()
        rf = ReleaseFleet(fleet, "app-dev-us-east1", tmp_path)
        rf.deploy(replicas=1)
        rf.env["K8S_AUTH_KUBECONFIG"] = untrusted_kubeconfig(fleet, str(tmp_path))
        refused = rf.run("release_info", namespace="default", app="web")
        message = refused.get("msg") or ""
        assert refused.get("failed") is True, "an untrusted certificate was accepted: %s" % refused
        assert "certificate" in message.lower() and "verif" in message.lower(), message
        assert "validate_certs" in message or "ca_cert" in message, "the error does not say how to fix it: %s" % message
        accepted = rf.run("release_info", namespace="default", app="web", validate_certs=False)
        assert accepted.get("failed") is not True, accepted.get("msg")
        assert accepted["stable"]["name"] == "web"
        row.notes = "refused with: %s" % message[:160]
