"""TLS options of the prometheus and http providers against a local HTTPS server with its own CA."""

from __future__ import annotations

import datetime
import ipaddress
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from ansible_collections.progressive.delivery.plugins.module_utils.gates.gate import run_gate
from ansible_collections.progressive.delivery.plugins.module_utils.gates.providers.base import GateContext

BODY = b'{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"0.001"]}]}}'


def _cert(tmp_path):
    """A CA and a server certificate for 127.0.0.1 signed by it; returns (ca path, cert path, key path)."""
    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "gate test CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(1).not_valid_before(now - datetime.timedelta(hours=1))
          .not_valid_after(now + datetime.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                       content_commitment=False, key_encipherment=False, data_encipherment=False,
                                       key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(2)
            .not_valid_before(now - datetime.timedelta(hours=1)).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .sign(ca_key, hashes.SHA256()))
    paths = tmp_path / "ca.pem", tmp_path / "server.pem", tmp_path / "server.key"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return [str(p) for p in paths]


@pytest.fixture
def https_server(tmp_path):
    ca, cert, key = _cert(tmp_path)
    seen = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            seen.append(dict(self.headers))
            self.send_response(200)
            self.send_header("Content-Length", str(len(BODY)))
            self.end_headers()
            self.wfile.write(BODY)

        def log_message(self, *args):
            return None

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield "https://127.0.0.1:%d" % httpd.server_address[1], ca, seen
    httpd.shutdown()
    httpd.server_close()


def prometheus_gate(clock, url, **connection):
    check = {"name": "errors", "provider": "prometheus", "query": "x", "success_condition": "result < 0.01"}
    return run_gate([check], GateContext(prometheus=dict(url=url, **connection)), clock=clock)


def test_untrusted_certificate_is_a_tls_error_never_a_pass(https_server, clock):
    url, _ca, _seen = https_server
    result = prometheus_gate(clock, url)
    assert result.verdict == "inconclusive"
    assert "TLS handshake" in result.reason and "CERTIFICATE_VERIFY_FAILED" in result.reason


def test_ca_cert_makes_the_certificate_trusted(https_server, clock):
    url, ca, seen = https_server
    result = prometheus_gate(clock, url, ca_cert=ca, bearer_token="tls-token")
    assert result.verdict == "pass"
    assert seen[0]["Authorization"] == "Bearer tls-token"


def test_validate_certs_false_skips_verification(https_server, clock):
    url, _ca, _seen = https_server
    assert prometheus_gate(clock, url, validate_certs=False).verdict == "pass"


def test_http_provider_tls_options(https_server, clock):
    url, ca, _seen = https_server
    check = {"name": "smoke", "provider": "http", "url": url + "/healthz", "body_regex": "success"}
    assert run_gate([check], GateContext(), clock=clock).verdict == "inconclusive"
    assert run_gate([dict(check, ca_cert=ca)], GateContext(), clock=clock).verdict == "pass"
    assert run_gate([dict(check, validate_certs=False)], GateContext(), clock=clock).verdict == "pass"


def test_missing_ca_file_is_a_clear_error(https_server, clock, tmp_path):
    url, _ca, _seen = https_server
    result = prometheus_gate(clock, url, ca_cert=str(tmp_path / "missing.pem"))
    assert result.verdict == "inconclusive"
    assert "cannot load ca_cert %s" % (tmp_path / "missing.pem") in result.reason
