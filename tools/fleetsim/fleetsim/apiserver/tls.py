"""Serving certificates. Kubernetes clients only send bearer tokens over TLS, so every cluster
serves HTTPS with a certificate for 127.0.0.1/localhost signed by one fleetsim CA per process
(kubeconfigs carry the CA as certificate-authority-data). Generated once and shared."""
from __future__ import annotations

import base64
import datetime
import ipaddress
import os
import ssl
import tempfile
import threading

_LOCK = threading.Lock()
_STATE: dict = {}


def _generate() -> dict:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID, ExtendedKeyUsageOID

    now = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=5)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "fleetsim-ca")])
    ca_cert = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
               .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now).not_valid_after(now + datetime.timedelta(days=3650))
               .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
               .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                            content_commitment=False, key_encipherment=False,
                                            data_encipherment=False, key_agreement=False, encipher_only=False,
                                            decipher_only=False), critical=True)
               .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kube-apiserver")]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now).not_valid_after(now + datetime.timedelta(days=3650))
            .add_extension(x509.SubjectAlternativeName([
                x509.DNSName("localhost"), x509.DNSName("kubernetes"), x509.DNSName("kubernetes.default"),
                x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.IPAddress(ipaddress.ip_address("::1"))]),
                critical=False)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            # Python 3.13 verifies strictly (VERIFY_X509_STRICT): key identifiers must be present.
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    pem = serialization.Encoding.PEM
    ca_pem = ca_cert.public_bytes(pem)
    cert_pem = cert.public_bytes(pem)
    key_pem = key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    workdir = tempfile.mkdtemp(prefix="fleetsim-tls-")
    cert_file = os.path.join(workdir, "apiserver.crt")
    key_file = os.path.join(workdir, "apiserver.key")
    ca_file = os.path.join(workdir, "ca.crt")
    with open(cert_file, "wb") as f:
        f.write(cert_pem + ca_pem)
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(key_pem)
    with open(ca_file, "wb") as f:
        f.write(ca_pem)
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert_file, key_file)
    # x509 client-certificate authentication beside bearer tokens (kube-apiserver's --client-ca-file):
    # a certificate is asked for but optional; one not signed by the CA fails the handshake.
    ctx.verify_mode = ssl.CERT_OPTIONAL
    ctx.load_verify_locations(cadata=ca_pem.decode())
    return {"ca_pem": ca_pem.decode(), "ca_file": ca_file, "ssl": ctx, "ca_key": ca_key, "ca_cert": ca_cert}


def material() -> dict:
    with _LOCK:
        if not _STATE:
            _STATE.update(_generate())
    return _STATE


def server_context() -> ssl.SSLContext:
    return material()["ssl"]


def ca_pem() -> str:
    return material()["ca_pem"]


def ca_data() -> str:
    """The CA as kubeconfig certificate-authority-data (base64 of the PEM)."""
    return base64.b64encode(ca_pem().encode()).decode()


def ca_file() -> str:
    """A file holding the CA (for clients that want a path, e.g. requests' verify=)."""
    return material()["ca_file"]


def issue_client_certificate(common_name: str, organizations: list[str] | tuple[str, ...] = (),
                             days: int = 365) -> tuple[str, str]:
    """(certificate PEM, private key PEM) for a client: CN is the user name, each O a group, as
    kubeadm's admin.conf (CN=kubernetes-admin, O=kubeadm:cluster-admins) or kind's kubeconfig."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    state = material()
    ca_key, ca_cert = state["ca_key"], state["ca_cert"]
    now = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=5)
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, o) for o in organizations] +
                        [x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(ca_cert.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now).not_valid_after(now + datetime.timedelta(days=days))
            .add_extension(x509.KeyUsage(digital_signature=True, key_encipherment=True, content_commitment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                         crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    pem = serialization.Encoding.PEM
    return (cert.public_bytes(pem).decode(),
            key.private_bytes(pem, serialization.PrivateFormat.TraditionalOpenSSL,
                              serialization.NoEncryption()).decode())


def client_user(peercert: dict | None) -> tuple[str, list[str]] | None:
    """(user, groups) of a verified client certificate: CN and every O (x509 request authenticator)."""
    if not peercert:
        return None
    cn, orgs = None, []
    for rdn in peercert.get("subject") or ():
        for key, value in rdn:
            if key == "commonName":
                cn = value
            elif key == "organizationName":
                orgs.append(value)
    if not cn:
        return None
    return cn, orgs


def client_context() -> ssl.SSLContext:
    """An SSL context that trusts the fleetsim CA (for in-process HTTP clients)."""
    ctx = ssl.create_default_context(cafile=ca_file())
    return ctx
