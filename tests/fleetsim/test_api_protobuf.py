"""kubectl's typed commands (create namespace/deployment/configmap/secret/service/...) send
protobuf bodies. The server must read exactly what kubectl meant: each decoded body is compared
with kubectl's own JSON rendering of the same object (--dry-run=client -o json)."""
from __future__ import annotations

import json

import pytest

import fleetsim.apiserver.protobuf as protobuf

COMMANDS = [
    ["create", "namespace", "pb-ns"],
    ["create", "deployment", "pb-deploy", "--image=example/web:1.0", "--replicas=3", "--port=8080", "-n", "pb"],
    ["create", "deployment", "pb-zero", "--image=example/web:1.0", "--replicas=0", "-n", "pb"],
    ["create", "configmap", "pb-cm", "--from-literal=a=1", "--from-literal=b=two", "-n", "pb"],
    ["create", "secret", "generic", "pb-secret", "--from-literal=password=s3cr3t", "-n", "pb"],
    ["create", "service", "clusterip", "pb-svc", "--tcp=80:8080", "-n", "pb"],
    ["create", "service", "nodeport", "pb-np", "--tcp=81:http", "-n", "pb"],
    ["create", "serviceaccount", "pb-sa", "-n", "pb"],
    ["create", "job", "pb-job", "--image=example/job:1", "-n", "pb", "--", "sh", "-c", "echo hi"],
    ["create", "role", "pb-role", "--verb=get,list", "--resource=pods", "-n", "pb"],
    ["create", "rolebinding", "pb-rb", "--role=pb-role", "--serviceaccount=pb:pb-sa", "-n", "pb"],
]


def _clean(value):
    """Drop what JSON omits or the server ignores on create (empty values, nulls, status)."""
    if isinstance(value, dict):
        out = {k: _clean(v) for k, v in value.items() if k != "status"}
        return {k: v for k, v in out.items() if v not in ({}, [], "", None)}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


@pytest.fixture(scope="module")
def pb_namespace(api_cluster):
    api_cluster.kubectl("apply", "-f", "-", stdin="apiVersion: v1\nkind: Namespace\nmetadata: {name: pb}\n")


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: "-".join(c[1:3]))
def test_protobuf_body_decodes_to_what_kubectl_meant(api_cluster, pb_namespace, monkeypatch, command):
    received = []
    real_decode = protobuf.decode

    def spy(body):
        obj = real_decode(body)
        received.append(obj)
        return obj
    monkeypatch.setattr(protobuf, "decode", spy)
    split = command.index("--") if "--" in command else len(command)
    dry = command[:split] + ["--dry-run=client", "-o", "json"] + command[split:]
    expected = json.loads(api_cluster.kubectl(*dry).stdout)
    api_cluster.kubectl(*command)
    assert len(received) == 1, "kubectl was expected to send one protobuf body"
    assert _clean(received[0]) == _clean(expected)
    kind = expected["kind"].lower()
    name = expected["metadata"]["name"]
    args = ["get", kind, name, "-o", "json"] + (["-n", "pb"] if kind != "namespace" else [])
    stored = json.loads(api_cluster.kubectl(*args).stdout)
    assert stored["metadata"]["name"] == name


def test_unknown_protobuf_kinds_are_refused_not_dropped():
    body = protobuf.MAGIC + bytes([0x0a, 0x0e, 0x0a, 0x02]) + b"v1" + bytes([0x12, 0x08]) + b"Whatever"
    with pytest.raises(Exception) as err:
        protobuf.decode(body)
    assert err.value.code == 415 and "send application/json" in err.value.message


def test_kubectl_run_creates_a_pod(api_cluster, pb_namespace):
    # `kubectl run` sends JSON; it is here so every kubectl create path is covered.
    api_cluster.kubectl("run", "pb-pod", "--image=example/web:1.0", "--labels=app=pb", "--env=A=1", "-n", "pb")
    pod = json.loads(api_cluster.kubectl("get", "pod", "pb-pod", "-n", "pb", "-o", "json").stdout)
    container = pod["spec"]["containers"][0]
    assert container["env"] == [{"name": "A", "value": "1"}] and pod["status"]["phase"] == "Pending"
