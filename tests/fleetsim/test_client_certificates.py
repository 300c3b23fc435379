"""x509 client-certificate authentication beside bearer tokens: kind-style kubeconfigs
(client-certificate-data) and kubeadm-style ones (client-certificate / client-key files) work with
kubectl and the Python client; the certificate's CN is the user and each O a group for RBAC."""
from __future__ import annotations

import json

import pytest
import yaml

DEV_READS_PODS = """\
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: pod-reader, namespace: shop}
rules:
- {apiGroups: [""], resources: [pods], verbs: [get, list]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: dev-reads-pods, namespace: shop}
subjects:
- {kind: Group, name: dev, apiGroup: rbac.authorization.k8s.io}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: pod-reader}
"""


def cert_kubeconfig(k, cert: str, key: str, files: bool) -> object:
    config = yaml.safe_load(k.fleet.kubeconfig.read_text())
    creds: dict
    if files:
        (k.workdir / "jane.crt").write_text(cert)
        (k.workdir / "jane.key").write_text(key)
        creds = {"client-certificate": str(k.workdir / "jane.crt"), "client-key": str(k.workdir / "jane.key")}
    else:
        import base64
        creds = {"client-certificate-data": base64.b64encode(cert.encode()).decode(),
                 "client-key-data": base64.b64encode(key.encode()).decode()}
    for user in config["users"]:
        user["user"] = creds
    path = k.workdir / ("kubeconfig-files" if files else "kubeconfig-data")
    path.write_text(yaml.safe_dump(config))
    return path


def test_the_fleets_x509_kubeconfig_is_cluster_admin(fleet_kubectl):
    kc = fleet_kubectl.fleet.state_dir / "kubeconfig-x509"
    user = yaml.safe_load(kc.read_text())["users"][0]["user"]
    assert set(user) == {"client-certificate-data", "client-key-data"}
    who = json.loads(fleet_kubectl("auth", "whoami", "-o", "json", kubeconfig=kc).stdout)["status"]["userInfo"]
    assert who == {"username": "kubernetes-admin", "groups": ["system:masters", "system:authenticated"]}
    assert len(fleet_kubectl("get", "nodes", "-o", "name", kubeconfig=kc).stdout.split()) == 3


@pytest.mark.parametrize("files", [True, False], ids=["kubeadm-files", "kind-data"])
def test_certificate_user_and_groups_are_subject_to_rbac(fleet_kubectl, files):
    k = fleet_kubectl
    k.apply(DEV_READS_PODS)
    cert, key = k.call(lambda: k.cluster.client_certificate("jane", ["dev"]))
    kc = cert_kubeconfig(k, cert, key, files)
    assert k("-n", "shop", "get", "pods", kubeconfig=kc).returncode == 0
    denied = k("-n", "shop", "get", "secrets", kubeconfig=kc, check=False)
    assert denied.returncode != 0
    assert ('secrets is forbidden: User "jane" cannot list resource "secrets" in API group "" in the namespace '
            '"shop"') in denied.stderr
    import kubernetes
    client = kubernetes.config.new_client_from_config(str(kc), context=k.context)
    v1 = kubernetes.client.CoreV1Api(client)
    assert v1.list_namespaced_pod("shop").items == []
    with pytest.raises(kubernetes.client.ApiException) as err:
        v1.list_namespaced_secret("shop")
    assert err.value.status == 403


def test_a_certificate_from_another_ca_is_refused(fleet_kubectl, tmp_path):
    import datetime
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "system:masters"),
                      x509.NameAttribute(NameOID.COMMON_NAME, "mallory")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
            .sign(key, hashes.SHA256()))
    pem = serialization.Encoding.PEM
    (tmp_path / "m.crt").write_bytes(cert.public_bytes(pem))
    (tmp_path / "m.key").write_bytes(key.private_bytes(pem, serialization.PrivateFormat.TraditionalOpenSSL,
                                                       serialization.NoEncryption()))
    import requests
    url = fleet_kubectl.fleet.api_url(fleet_kubectl.context)
    with pytest.raises(requests.exceptions.ConnectionError):  # the TLS handshake refuses it
        requests.get(f"{url}/api/v1/nodes", verify=str(fleet_kubectl.fleet.ca_file),
                     cert=(str(tmp_path / "m.crt"), str(tmp_path / "m.key")), timeout=10)
    # Without any credentials the same request is simply unauthenticated.
    anonymous = requests.get(f"{url}/api/v1/nodes", verify=str(fleet_kubectl.fleet.ca_file), timeout=10)
    assert anonymous.status_code == 401
