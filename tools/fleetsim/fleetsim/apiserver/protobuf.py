"""Decoding of Kubernetes protobuf request bodies (application/vnd.kubernetes.protobuf).

client-go's typed clientsets send built-in objects as protobuf, so `kubectl create namespace`,
`kubectl create deployment`, `kubectl run` and friends do. fleetsim answers JSON always, but it
must read those bodies. This decodes the envelope (magic "k8s\\0" + runtime.Unknown) and the
kinds kubectl's imperative commands produce, from a table of their protobuf field numbers (as in
the k8s.io/api generated.proto files). A field or kind outside the table is refused with 415
rather than silently dropped.
"""
from __future__ import annotations

import base64
import json
from datetime import datetime, timezone

from ..errors import ApiError

MAGIC = b"k8s\x00"

# Field tables: message -> {field number: (json name, type, flags)}.
# Types: "string", "int", "bool", "bytes", "map", "bytesmap", "quantitymap", "intorstring", "time",
# "raw", a message name; a leading "[]" marks a repeated field. Flag "ptr": a pointer field whose
# zero value is meaningful (kept); other zero values are omitted as Go's omitempty does.
M: dict[str, dict[int, tuple]] = {
    "TypeMeta": {1: ("apiVersion", "string"), 2: ("kind", "string")},
    "Unknown": {1: ("typeMeta", "TypeMeta"), 2: ("raw", "bytes"), 3: ("contentEncoding", "string"),
                4: ("contentType", "string")},
    "ObjectMeta": {1: ("name", "string"), 2: ("generateName", "string"), 3: ("namespace", "string"),
                   4: ("selfLink", "string"), 5: ("uid", "string"), 6: ("resourceVersion", "string"),
                   7: ("generation", "int"), 8: ("creationTimestamp", "time"), 9: ("deletionTimestamp", "time"),
                   10: ("deletionGracePeriodSeconds", "int", "ptr"), 11: ("labels", "map"),
                   12: ("annotations", "map"), 13: ("ownerReferences", "[]OwnerReference"),
                   14: ("finalizers", "[]string")},
    "OwnerReference": {1: ("kind", "string"), 3: ("name", "string"), 4: ("uid", "string"),
                       5: ("apiVersion", "string"), 6: ("controller", "bool", "ptr"),
                       7: ("blockOwnerDeletion", "bool", "ptr")},
    "LabelSelector": {1: ("matchLabels", "map"), 2: ("matchExpressions", "[]LabelSelectorRequirement")},
    "LabelSelectorRequirement": {1: ("key", "string"), 2: ("operator", "string"), 3: ("values", "[]string")},
    # core/v1
    "Namespace": {1: ("metadata", "ObjectMeta"), 2: ("spec", "NamespaceSpec"), 3: ("status", "skip")},
    "NamespaceSpec": {1: ("finalizers", "[]string")},
    "ConfigMap": {1: ("metadata", "ObjectMeta"), 2: ("data", "map"), 3: ("binaryData", "bytesmap"),
                  4: ("immutable", "bool", "ptr")},
    "Secret": {1: ("metadata", "ObjectMeta"), 2: ("data", "bytesmap"), 3: ("type", "string"),
               4: ("stringData", "map"), 5: ("immutable", "bool", "ptr")},
    "ServiceAccount": {1: ("metadata", "ObjectMeta"), 2: ("secrets", "[]ObjectReference"),
                       3: ("imagePullSecrets", "[]LocalObjectReference"),
                       4: ("automountServiceAccountToken", "bool", "ptr")},
    "ObjectReference": {1: ("kind", "string"), 2: ("namespace", "string"), 3: ("name", "string"),
                        4: ("uid", "string"), 5: ("apiVersion", "string"), 6: ("resourceVersion", "string"),
                        7: ("fieldPath", "string")},
    "LocalObjectReference": {1: ("name", "string")},
    "Service": {1: ("metadata", "ObjectMeta"), 2: ("spec", "ServiceSpec"), 3: ("status", "skip")},
    "ServiceSpec": {1: ("ports", "[]ServicePort"), 2: ("selector", "map"), 3: ("clusterIP", "string"),
                    4: ("type", "string"), 5: ("externalIPs", "[]string"), 7: ("sessionAffinity", "string"),
                    10: ("externalName", "string")},
    "ServicePort": {1: ("name", "string"), 2: ("protocol", "string"), 3: ("port", "int"),
                    4: ("targetPort", "intorstring"), 5: ("nodePort", "int"), 6: ("appProtocol", "string", "ptr")},
    "PodTemplateSpec": {1: ("metadata", "ObjectMeta"), 2: ("spec", "PodSpec")},
    "PodSpec": {2: ("containers", "[]Container"), 3: ("restartPolicy", "string"),
                4: ("terminationGracePeriodSeconds", "int", "ptr"), 5: ("activeDeadlineSeconds", "int", "ptr"),
                6: ("dnsPolicy", "string"), 7: ("nodeSelector", "map"), 8: ("serviceAccountName", "string"),
                9: ("serviceAccount", "string"), 10: ("nodeName", "string"), 11: ("hostNetwork", "bool"),
                12: ("hostPID", "bool"), 13: ("hostIPC", "bool"), 14: ("securityContext", "empty"),
                15: ("imagePullSecrets", "[]LocalObjectReference"), 16: ("hostname", "string"),
                17: ("subdomain", "string"), 19: ("schedulerName", "string"), 20: ("initContainers", "[]Container"),
                21: ("automountServiceAccountToken", "bool", "ptr"), 24: ("priorityClassName", "string"),
                25: ("priority", "int", "ptr"), 29: ("runtimeClassName", "string", "ptr"),
                30: ("enableServiceLinks", "bool", "ptr"), 31: ("preemptionPolicy", "string", "ptr")},
    "Container": {1: ("name", "string"), 2: ("image", "string"), 3: ("command", "[]string"),
                  4: ("args", "[]string"), 5: ("workingDir", "string"), 6: ("ports", "[]ContainerPort"),
                  7: ("env", "[]EnvVar"), 8: ("resources", "ResourceRequirements"),
                  13: ("terminationMessagePath", "string"), 14: ("imagePullPolicy", "string"),
                  16: ("stdin", "bool"), 17: ("stdinOnce", "bool"), 18: ("tty", "bool"),
                  20: ("terminationMessagePolicy", "string")},
    "ContainerPort": {1: ("name", "string"), 2: ("hostPort", "int"), 3: ("containerPort", "int"),
                      4: ("protocol", "string"), 5: ("hostIP", "string")},
    "EnvVar": {1: ("name", "string"), 2: ("value", "string")},
    "ResourceRequirements": {1: ("limits", "quantitymap"), 2: ("requests", "quantitymap")},
    # apps/v1
    "Deployment": {1: ("metadata", "ObjectMeta"), 2: ("spec", "DeploymentSpec"), 3: ("status", "skip")},
    "DeploymentSpec": {1: ("replicas", "int", "ptr"), 2: ("selector", "LabelSelector"),
                       3: ("template", "PodTemplateSpec"), 4: ("strategy", "DeploymentStrategy"),
                       5: ("minReadySeconds", "int"), 6: ("revisionHistoryLimit", "int", "ptr"),
                       7: ("paused", "bool"), 9: ("progressDeadlineSeconds", "int", "ptr")},
    "DeploymentStrategy": {1: ("type", "string"), 2: ("rollingUpdate", "RollingUpdateDeployment")},
    "RollingUpdateDeployment": {1: ("maxUnavailable", "intorstring"), 2: ("maxSurge", "intorstring")},
    # batch/v1
    "Job": {1: ("metadata", "ObjectMeta"), 2: ("spec", "JobSpec"), 3: ("status", "skip")},
    "JobSpec": {1: ("parallelism", "int", "ptr"), 2: ("completions", "int", "ptr"),
                3: ("activeDeadlineSeconds", "int", "ptr"), 4: ("selector", "LabelSelector"),
                5: ("manualSelector", "bool", "ptr"), 6: ("template", "PodTemplateSpec"),
                7: ("backoffLimit", "int", "ptr"), 8: ("ttlSecondsAfterFinished", "int", "ptr"),
                9: ("completionMode", "string", "ptr"), 10: ("suspend", "bool", "ptr"),
                14: ("podReplacementPolicy", "string", "ptr"), 15: ("managedBy", "string", "ptr")},
    # kubectl create cronjob
    "CronJob": {1: ("metadata", "ObjectMeta"), 2: ("spec", "CronJobSpec"), 3: ("status", "skip")},
    "CronJobSpec": {1: ("schedule", "string"), 8: ("timeZone", "string", "ptr"),
                    2: ("startingDeadlineSeconds", "int", "ptr"), 3: ("concurrencyPolicy", "string"),
                    4: ("suspend", "bool", "ptr"), 5: ("jobTemplate", "JobTemplateSpec"),
                    6: ("successfulJobsHistoryLimit", "int", "ptr"), 7: ("failedJobsHistoryLimit", "int", "ptr")},
    "JobTemplateSpec": {1: ("metadata", "ObjectMeta"), 2: ("spec", "JobSpec")},
    # rbac.authorization.k8s.io/v1
    "Role": {1: ("metadata", "ObjectMeta"), 2: ("rules", "[]PolicyRule")},
    "ClusterRole": {1: ("metadata", "ObjectMeta"), 2: ("rules", "[]PolicyRule")},
    "PolicyRule": {1: ("verbs", "[]string"), 2: ("apiGroups", "[]string"), 3: ("resources", "[]string"),
                   4: ("resourceNames", "[]string"), 5: ("nonResourceURLs", "[]string")},
    "RoleBinding": {1: ("metadata", "ObjectMeta"), 2: ("subjects", "[]Subject"), 3: ("roleRef", "RoleRef")},
    "ClusterRoleBinding": {1: ("metadata", "ObjectMeta"), 2: ("subjects", "[]Subject"), 3: ("roleRef", "RoleRef")},
    "Subject": {1: ("kind", "string"), 2: ("apiGroup", "string"), 3: ("name", "string"), 4: ("namespace", "string")},
    "RoleRef": {1: ("apiGroup", "string"), 2: ("kind", "string"), 3: ("name", "string")},
    # authorization.k8s.io/v1 and authentication.k8s.io/v1 (kubectl auth can-i / whoami)
    "SelfSubjectAccessReview": {1: ("metadata", "ObjectMeta"), 2: ("spec", "SelfSubjectAccessReviewSpec"),
                                3: ("status", "skip")},
    "SelfSubjectAccessReviewSpec": {1: ("resourceAttributes", "ResourceAttributes"),
                                    2: ("nonResourceAttributes", "NonResourceAttributes")},
    "ResourceAttributes": {1: ("namespace", "string"), 2: ("verb", "string"), 3: ("group", "string"),
                           4: ("version", "string"), 5: ("resource", "string"), 6: ("subresource", "string"),
                           7: ("name", "string")},
    "NonResourceAttributes": {1: ("path", "string"), 2: ("verb", "string")},
    "SelfSubjectReview": {1: ("metadata", "ObjectMeta"), 2: ("status", "skip")},
    "SelfSubjectRulesReview": {1: ("metadata", "ObjectMeta"), 2: ("spec", "SelfSubjectRulesReviewSpec"),
                               3: ("status", "skip")},
    "SelfSubjectRulesReviewSpec": {1: ("namespace", "string")},
    # kubectl create token (authentication.k8s.io/v1 TokenRequest), kubectl drain (policy/v1 Eviction)
    "TokenRequest": {1: ("metadata", "ObjectMeta"), 2: ("spec", "TokenRequestSpec"), 3: ("status", "skip")},
    "TokenRequestSpec": {1: ("audiences", "[]string"), 4: ("expirationSeconds", "int", "ptr"),
                         3: ("boundObjectRef", "BoundObjectReference")},
    "BoundObjectReference": {1: ("kind", "string"), 2: ("apiVersion", "string"), 3: ("name", "string"),
                             4: ("uid", "string")},
    "Eviction": {1: ("metadata", "ObjectMeta"), 2: ("deleteOptions", "DeleteOptions")},
    "DeleteOptions": {1: ("gracePeriodSeconds", "int", "ptr"), 2: ("preconditions", "Preconditions"),
                      3: ("orphanDependents", "bool", "ptr"), 4: ("propagationPolicy", "string", "ptr"),
                      5: ("dryRun", "[]string")},
    "Preconditions": {1: ("uid", "string", "ptr"), 2: ("resourceVersion", "string", "ptr")},
    "Binding": {1: ("metadata", "ObjectMeta"), 2: ("target", "ObjectReference")},
}

# Top-level kinds by apiVersion/kind.
KINDS = {("v1", "Namespace"), ("v1", "ConfigMap"), ("v1", "Secret"), ("v1", "ServiceAccount"), ("v1", "Service"),
         ("apps/v1", "Deployment"), ("batch/v1", "Job"), ("batch/v1", "CronJob"),
         ("rbac.authorization.k8s.io/v1", "Role"), ("rbac.authorization.k8s.io/v1", "ClusterRole"),
         ("rbac.authorization.k8s.io/v1", "RoleBinding"), ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"),
         ("authorization.k8s.io/v1", "SelfSubjectAccessReview"), ("authorization.k8s.io/v1", "SelfSubjectRulesReview"),
         ("authentication.k8s.io/v1", "SelfSubjectReview"), ("authentication.k8s.io/v1", "TokenRequest"),
         ("policy/v1", "Eviction"), ("v1", "Binding")}


def _unsupported(detail: str) -> ApiError:
    return ApiError(415, "UnsupportedMediaType",
                    f"fleetsim reads protobuf bodies only for the objects kubectl's create/run commands send "
                    f"({detail}); send application/json instead (e.g. `kubectl apply -f`)", {})


def _varint(buf: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(buf):
            raise _unsupported("truncated varint")
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, pos
        shift += 7


def _fields(buf: bytes):
    """Yield (field number, wire type, value) of one message."""
    pos = 0
    while pos < len(buf):
        key, pos = _varint(buf, pos)
        num, wire = key >> 3, key & 7
        if wire == 0:
            val, pos = _varint(buf, pos)
        elif wire == 2:
            length, pos = _varint(buf, pos)
            val = buf[pos:pos + length]
            pos += length
        elif wire == 1:
            val = buf[pos:pos + 8]
            pos += 8
        elif wire == 5:
            val = buf[pos:pos + 4]
            pos += 4
        else:
            raise _unsupported(f"wire type {wire}")
        yield num, wire, val


def _signed(v: int) -> int:
    return v - (1 << 64) if v >= 1 << 63 else v


def _map_entry(buf: bytes) -> tuple[str, bytes]:
    key, value = "", b""
    for num, _, val in _fields(buf):
        if num == 1:
            key = val.decode()
        elif num == 2:
            value = val
    return key, value


def _scalar(typ: str, wire: int, val):
    if typ == "string":
        return val.decode()
    if typ == "int":
        return _signed(val)
    if typ == "bool":
        return bool(val)
    if typ == "bytes":
        return base64.b64encode(val).decode()
    if typ == "time":
        seconds = 0
        for num, _, v in _fields(val):
            if num == 1:
                seconds = _signed(v)
        return datetime.fromtimestamp(seconds, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ") if seconds else None
    if typ == "intorstring":
        kind, ival, sval = 0, 0, ""
        for num, _, v in _fields(val):
            if num == 1:
                kind = v
            elif num == 2:
                ival = _signed(v)
            elif num == 3:
                sval = v.decode()
        return sval if kind == 1 else ival
    raise _unsupported(f"type {typ}")


def decode_message(name: str, buf: bytes) -> dict:
    table = M[name]
    out: dict = {}
    for num, wire, val in _fields(buf):
        spec = table.get(num)
        if spec is None:
            # gogo-protobuf writes every non-pointer field, set or not: an empty unknown field says
            # nothing and is skipped; one with content would be lost, so it is refused.
            if (wire == 0 and val == 0) or (wire == 2 and not val):
                continue
            raise _unsupported(f"{name} field {num}")
        field, typ = spec[0], spec[1]
        ptr = len(spec) > 2 and spec[2] == "ptr"
        if typ == "skip":
            continue
        if typ == "empty":
            if val:
                raise _unsupported(f"{name}.{field} with content")
            continue
        if typ in ("map", "bytesmap", "quantitymap"):
            k, v = _map_entry(val)
            if typ == "map":
                value = v.decode()
            elif typ == "bytesmap":
                value = base64.b64encode(v).decode()
            else:
                value = next((x.decode() for n, _, x in _fields(v) if n == 1), "")
            out.setdefault(field, {})[k] = value
            continue
        repeated = typ.startswith("[]")
        base = typ[2:] if repeated else typ
        if base in M:
            value = decode_message(base, val)
            if not value and not repeated:
                continue
        else:
            value = _scalar(base, wire, val)
            if not repeated and not ptr and value in ("", 0, False, None) and not (
                    isinstance(value, int) and not isinstance(value, bool) and base == "intorstring"):
                continue
            if value is None:
                continue
        if repeated:
            out.setdefault(field, []).append(value)
        else:
            out[field] = value
    return out


def decode(body: bytes) -> dict:
    """A protobuf request body as the JSON object it stands for."""
    if not body.startswith(MAGIC):
        raise _unsupported("missing the k8s protobuf envelope")
    unknown = decode_message("Unknown", body[len(MAGIC):])
    tm = unknown.get("typeMeta") or {}
    api_version, kind = tm.get("apiVersion", ""), tm.get("kind", "")
    if (api_version, kind) not in KINDS:
        raise _unsupported(f"not {api_version}/{kind}")
    raw = base64.b64decode(unknown.get("raw", ""))
    obj = {"apiVersion": api_version, "kind": kind}
    obj.update(decode_message(kind, raw))
    return obj


def as_json_bytes(body: bytes) -> bytes:
    return json.dumps(decode(body)).encode()
