"""ServiceAccount tokens: serviceaccounts/token (TokenRequest), their authentication and TokenReview.

Tokens are RS256 JWTs with the claims kube-apiserver's issuer writes (pkg/serviceaccount/claims.go):
iss, sub `system:serviceaccount:<ns>:<name>`, aud, exp, iat, nbf, jti and the `kubernetes.io`
private claim (namespace, serviceaccount name/uid, the bound pod/secret/node). Each cluster signs
with its own key (made on the first request), so a token of one cluster is refused by another.
A token authenticates while it has not expired, one of its audiences is the API server's, and the
ServiceAccount (and bound object) it names still exists with the same uid — as the real
authenticator checks (pkg/serviceaccount/jwt.go, legacy.go's lookup validator).
"""
from __future__ import annotations

import base64
import hashlib
import json
import uuid
from datetime import timedelta

from . import errors
from .errors import ApiError, field_invalid

ISSUER = "https://kubernetes.default.svc.cluster.local"
API_AUDIENCES = (ISSUER,)
DEFAULT_EXPIRATION_S = 3600
MIN_EXPIRATION_S = 600
MAX_EXPIRATION_S = 1 << 32
# kube-apiserver's --service-account-max-token-expiration default on kubeadm/kind: unset (no cap).


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Issuer:
    """One cluster's signing key (RSA 2048, as kubeadm's sa.key)."""

    def __init__(self):
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        der = self.key.public_key().public_bytes(serialization.Encoding.DER,
                                                 serialization.PublicFormat.SubjectPublicKeyInfo)
        # The key id the real issuer writes: base64url(sha256(DER public key)).
        self.kid = _b64(hashlib.sha256(der).digest())

    def sign(self, claims: dict) -> str:
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding
        header = _b64(json.dumps({"alg": "RS256", "kid": self.kid}, separators=(",", ":")).encode())
        payload = _b64(json.dumps(claims, separators=(",", ":")).encode())
        signature = self.key.sign(f"{header}.{payload}".encode(), padding.PKCS1v15(), hashes.SHA256())
        return f"{header}.{payload}.{_b64(signature)}"

    def verify(self, token: str) -> dict | None:
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding
        parts = token.split(".")
        if len(parts) != 3:
            return None
        try:
            header = json.loads(_unb64(parts[0]))
            if header.get("alg") != "RS256" or header.get("kid") != self.kid:
                return None
            self.key.public_key().verify(_unb64(parts[2]), f"{parts[0]}.{parts[1]}".encode(), padding.PKCS1v15(),
                                         hashes.SHA256())
            return json.loads(_unb64(parts[1]))
        except (ValueError, InvalidSignature, TypeError):
            return None


def issuer_of(api) -> Issuer:
    issuer = api.allocations.get("token-issuer")
    if issuer is None:
        issuer = api.allocations["token-issuer"] = Issuer()
    return issuer


def _invalid(name: str, causes) -> ApiError:
    details = {"name": name, "group": "authentication.k8s.io", "kind": "TokenRequest",
               "causes": [c.as_dict() for c in causes]}
    return ApiError(422, "Invalid", f'TokenRequest.authentication.k8s.io "{name}" is invalid: '
                                    + ", ".join(str(c) for c in causes), details)


def request_token(api, req: dict, namespace: str, name: str, dry_run: bool) -> dict:
    """POST serviceaccounts/{name}/token (pkg/registry/core/serviceaccount/storage/token.go)."""
    av, kind = req.get("apiVersion"), req.get("kind")
    if kind and kind != "TokenRequest":
        raise errors.bad_request(f"the kind in the data ({kind}) does not match the expected kind (TokenRequest)")
    if av and av != "authentication.k8s.io/v1":
        raise errors.bad_request(f"the API version in the data ({av}) does not match the expected API version "
                                 f"(authentication.k8s.io/v1)")
    meta = dict(req.get("metadata") or {})
    if meta.get("name") and meta["name"] != name:
        raise _invalid(name, [field_invalid("metadata.name", meta["name"],
                                            "must match the service account name if specified")])
    if meta.get("namespace") and meta["namespace"] != namespace:
        raise _invalid(name, [field_invalid("metadata.namespace", meta["namespace"],
                                            "must match the service account namespace if specified")])
    sa = api.get("serviceaccounts", namespace, name)
    spec = dict(req.get("spec") or {})
    audiences = list(spec.get("audiences") or API_AUDIENCES)
    expiration = spec.get("expirationSeconds")
    if expiration is None:
        expiration = DEFAULT_EXPIRATION_S
    if not isinstance(expiration, int) or isinstance(expiration, bool):
        raise errors.bad_request(f'TokenRequest in version "v1" cannot be handled as a TokenRequest: json: cannot '
                                 f'unmarshal {type(expiration).__name__} into Go struct field '
                                 f'TokenRequestSpec.spec.expirationSeconds of type int64')
    if expiration < MIN_EXPIRATION_S:
        raise _invalid(name, [field_invalid("spec.expirationSeconds", expiration,
                                            "may not specify a duration less than 10 minutes")])
    if expiration > MAX_EXPIRATION_S:
        raise _invalid(name, [field_invalid("spec.expirationSeconds", expiration,
                                            "may not specify a duration larger than 2^32 seconds")])
    private: dict = {"namespace": namespace,
                     "serviceaccount": {"name": name, "uid": sa["metadata"]["uid"]}}
    ref = spec.get("boundObjectRef")
    if ref:
        private.update(_bound_claims(api, ref, namespace, name))
    now = api.clock.now()
    jti = str(uuid.UUID(int=api.rng.getrandbits(128), version=4))
    iat = int(now.timestamp())
    claims = {"aud": audiences, "exp": iat + expiration, "iat": iat, "iss": ISSUER, "jti": jti,
              "kubernetes.io": private, "nbf": iat, "sub": f"system:serviceaccount:{namespace}:{name}"}
    token = issuer_of(api).sign(claims)
    stamp = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    out_spec = {"audiences": audiences, "expirationSeconds": expiration, "boundObjectRef": ref or None}
    return {"kind": "TokenRequest", "apiVersion": "authentication.k8s.io/v1",
            "metadata": {"name": name, "namespace": namespace, "creationTimestamp": stamp},
            "spec": out_spec,
            "status": {"token": token,
                       "expirationTimestamp": (now + timedelta(seconds=expiration)).strftime("%Y-%m-%dT%H:%M:%SZ")}}


def _bound_claims(api, ref: dict, namespace: str, sa_name: str) -> dict:
    kind, ref_name = ref.get("kind"), ref.get("name") or ""
    av = ref.get("apiVersion") or ""
    group = av.rsplit("/", 1)[0] if "/" in av else ""
    if group or kind not in ("Pod", "Secret", "Node"):
        gvk = f"{av}, Kind={kind}" if av else f", Kind={kind}"
        raise errors.bad_request(f"cannot bind token to object of type {gvk}")
    resource = {"Pod": "pods", "Secret": "secrets", "Node": "nodes"}[kind]
    obj = api.get(resource, namespace if kind != "Node" else None, ref_name)
    uid = obj["metadata"]["uid"]
    if kind == "Pod" and (obj.get("spec") or {}).get("serviceAccountName") != sa_name:
        raise errors.bad_request(f'cannot bind token for serviceaccount "{sa_name}" to pod running with different '
                                 f'serviceaccount name.')
    if ref.get("uid") and ref["uid"] != uid:
        raise ApiError(409, "Conflict", f'Operation cannot be fulfilled on {kind} "{ref_name}": the UID in the bound '
                                        f'object reference ({ref["uid"]}) does not match the UID in record. The '
                                        f'object might have been deleted and then recreated',
                       {"name": ref_name, "kind": kind})
    out = {kind.lower(): {"name": ref_name, "uid": uid}}
    if kind == "Pod" and (obj.get("spec") or {}).get("nodeName"):
        node = api.store.get("nodes", None, obj["spec"]["nodeName"])
        if node is not None:
            out["node"] = {"name": node["metadata"]["name"], "uid": node["metadata"]["uid"]}
    return out


def authenticate(cluster, token: str):
    """The UserInfo a ServiceAccount token stands for, or None (-> 401)."""
    if token.count(".") != 2:
        return None
    issuer = cluster.api.allocations.get("token-issuer")
    if issuer is None:
        return None
    claims = issuer.verify(token)
    if claims is None or claims.get("iss") != ISSUER:
        return None
    now = cluster.api.clock.now().timestamp()
    if not (claims.get("nbf", 0) - 60 <= now < claims.get("exp", 0) + 60):  # the real 60 s leeway
        return None
    aud = claims.get("aud") or []
    if not set(aud if isinstance(aud, list) else [aud]) & set(API_AUDIENCES):
        return None
    private = claims.get("kubernetes.io") or {}
    ns = private.get("namespace")
    sa_ref = private.get("serviceaccount") or {}
    sa = cluster.store.get("serviceaccounts", ns, sa_ref.get("name"))
    if sa is None or sa["metadata"].get("uid") != sa_ref.get("uid") or sa["metadata"].get("deletionTimestamp"):
        return None
    extra = {"authentication.kubernetes.io/credential-id": [f"JTI={claims.get('jti')}"]}
    for kind in ("pod", "secret"):
        bound = private.get(kind)
        if bound:
            obj = cluster.store.get(f"{kind}s", ns, bound.get("name"))
            if obj is None or obj["metadata"].get("uid") != bound.get("uid") or obj["metadata"].get(
                    "deletionTimestamp"):
                return None
            if kind == "pod":
                extra["authentication.kubernetes.io/pod-name"] = [bound["name"]]
                extra["authentication.kubernetes.io/pod-uid"] = [bound["uid"]]
    if private.get("node"):
        extra["authentication.kubernetes.io/node-name"] = [private["node"].get("name")]
        extra["authentication.kubernetes.io/node-uid"] = [private["node"].get("uid")]
    from .cluster import UserInfo
    return UserInfo(claims["sub"], ["system:serviceaccounts", f"system:serviceaccounts:{ns}",
                                    "system:authenticated"], sa["metadata"]["uid"], extra)


def token_review(cluster, body: dict) -> dict:
    """TokenReview: what the authenticator makes of a token (the webhook token authenticator API)."""
    spec = (body or {}).get("spec") or {}
    token = spec.get("token") or ""
    user = cluster.users.get(token) or authenticate(cluster, token)
    status: dict
    if user is None:
        status = {"user": {}, "error": "[invalid bearer token, service account token is not valid]"}
    else:
        info = {"username": user.name}
        if user.uid:
            info["uid"] = user.uid
        info["groups"] = list(user.groups)
        if getattr(user, "extra", None):
            info["extra"] = user.extra
        status = {"authenticated": True, "user": info, "audiences": list(spec.get("audiences") or API_AUDIENCES)}
    return {"kind": "TokenReview", "apiVersion": "authentication.k8s.io/v1", "metadata": {"creationTimestamp": None},
            "spec": spec, "status": status}
