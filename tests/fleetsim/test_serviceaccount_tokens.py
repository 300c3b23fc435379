"""serviceaccounts/token (TokenRequest): `kubectl create token` issues a JWT that authenticates as
system:serviceaccount:<ns>:<name> with the service-account groups, so RBAC bound to the
ServiceAccount (or its groups) decides what it may do; TokenReview reads it back."""
from __future__ import annotations

import base64
import json

import pytest
import yaml

RBAC = """\
apiVersion: v1
kind: ServiceAccount
metadata: {name: release-bot, namespace: shop}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: pod-reader, namespace: shop}
rules:
- {apiGroups: [""], resources: [pods], verbs: [get, list]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: release-bot-reads-pods, namespace: shop}
subjects:
- {kind: ServiceAccount, name: release-bot, namespace: shop}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: pod-reader}
"""
SA_USER = "system:serviceaccount:shop:release-bot"


def claims(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def token_kubeconfig(k, token: str):
    config = yaml.safe_load(k.fleet.kubeconfig.read_text())
    ctx = next(c for c in config["contexts"] if c["name"] == k.context)
    user = next(u for u in config["users"] if u["name"] == ctx["context"]["user"])
    user["user"] = {"token": token}
    path = k.workdir / "token-kubeconfig"
    path.write_text(yaml.safe_dump(config))
    return path


@pytest.fixture
def bot(fleet_kubectl):
    fleet_kubectl.apply(RBAC)
    return fleet_kubectl


def test_kubectl_create_token_authenticates_as_the_service_account_and_rbac_applies(bot):
    token = bot("-n", "shop", "create", "token", "release-bot").stdout.strip()
    c = claims(token)
    assert c["sub"] == SA_USER and c["aud"] == ["https://kubernetes.default.svc.cluster.local"]
    assert c["exp"] - c["iat"] == 3600
    assert c["kubernetes.io"]["serviceaccount"]["name"] == "release-bot"
    kc = token_kubeconfig(bot, token)
    assert bot("-n", "shop", "get", "pods", kubeconfig=kc).returncode == 0
    denied = bot("-n", "shop", "get", "secrets", kubeconfig=kc, check=False)
    assert denied.returncode != 0
    assert (f'secrets is forbidden: User "{SA_USER}" cannot list resource "secrets" in API group "" in the '
            f'namespace "shop"') in denied.stderr
    assert bot("auth", "can-i", "list", "pods", "-n", "shop", kubeconfig=kc).stdout.strip() == "yes"
    assert bot("auth", "can-i", "delete", "pods", "-n", "shop", kubeconfig=kc, check=False).stdout.strip() == "no"
    who = json.loads(bot("auth", "whoami", "-o", "json", kubeconfig=kc).stdout)["status"]["userInfo"]
    assert who["username"] == SA_USER
    assert who["groups"] == ["system:serviceaccounts", "system:serviceaccounts:shop", "system:authenticated"]
    assert who["extra"]["authentication.kubernetes.io/credential-id"] == [f"JTI={c['jti']}"]


def test_group_bindings_apply_to_service_account_tokens(bot):
    bot.apply("""\
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: all-sas-read-configmaps, namespace: shop}
subjects:
- {kind: Group, name: "system:serviceaccounts:shop", apiGroup: rbac.authorization.k8s.io}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
""")
    bot.apply("""\
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: view}
rules:
- {apiGroups: [""], resources: [configmaps], verbs: [get, list, watch]}
""")
    kc = token_kubeconfig(bot, bot("-n", "shop", "create", "token", "release-bot").stdout.strip())
    assert bot("-n", "shop", "get", "configmaps", kubeconfig=kc).returncode == 0
    assert bot("-n", "default", "get", "configmaps", kubeconfig=kc, check=False).returncode != 0


def test_duration_audiences_and_the_real_validation(bot):
    token = bot("-n", "shop", "create", "token", "release-bot", "--duration=2h", "--audience=vault").stdout.strip()
    c = claims(token)
    assert c["exp"] - c["iat"] == 7200 and c["aud"] == ["vault"]
    # A token for another audience is not accepted by the API server.
    assert bot("-n", "shop", "get", "pods", kubeconfig=token_kubeconfig(bot, token), check=False).returncode != 0
    short = bot("-n", "shop", "create", "token", "release-bot", "--duration=5m", check=False)
    assert short.returncode != 0
    assert ('TokenRequest.authentication.k8s.io "release-bot" is invalid: spec.expirationSeconds: Invalid value: '
            '300: may not specify a duration less than 10 minutes') in short.stderr
    missing = bot("-n", "shop", "create", "token", "nobody", check=False)
    assert 'serviceaccounts "nobody" not found' in missing.stderr


def test_token_stops_working_when_the_service_account_or_bound_pod_is_gone(bot):
    bot("-n", "shop", "run", "probe", "--image=example/probe:1", "--overrides",
        '{"spec": {"serviceAccountName": "release-bot"}}')
    bound = bot("-n", "shop", "create", "token", "release-bot", "--bound-object-kind=Pod",
                "--bound-object-name=probe").stdout.strip()
    assert claims(bound)["kubernetes.io"]["pod"]["name"] == "probe"
    plain = bot("-n", "shop", "create", "token", "release-bot").stdout.strip()
    kc_bound, kc_plain = token_kubeconfig(bot, bound), None
    assert bot("-n", "shop", "get", "pods", kubeconfig=kc_bound).returncode == 0
    bot("-n", "shop", "delete", "pod", "probe", "--grace-period=0", "--force")
    gone = bot("-n", "shop", "get", "pods", kubeconfig=kc_bound, check=False)
    assert gone.returncode != 0 and "Unauthorized" in gone.stderr
    kc_plain = token_kubeconfig(bot, plain)
    assert bot("-n", "shop", "get", "pods", kubeconfig=kc_plain).returncode == 0
    bot("-n", "shop", "delete", "serviceaccount", "release-bot")
    assert "Unauthorized" in bot("-n", "shop", "get", "pods", kubeconfig=kc_plain, check=False).stderr


def test_python_client_token_request_and_token_review(bot):
    import kubernetes
    client = bot.client()
    v1 = kubernetes.client.CoreV1Api(client)
    req = kubernetes.client.AuthenticationV1TokenRequest(
        spec=kubernetes.client.V1TokenRequestSpec(audiences=[], expiration_seconds=1200))
    out = v1.create_namespaced_service_account_token("release-bot", "shop", req)
    assert out.status.token and out.spec.expiration_seconds == 1200
    review = kubernetes.client.AuthenticationV1Api(client).create_token_review(
        kubernetes.client.V1TokenReview(spec=kubernetes.client.V1TokenReviewSpec(token=out.status.token)))
    assert review.status.authenticated is True and review.status.user.username == SA_USER
    bad = kubernetes.client.AuthenticationV1Api(client).create_token_review(
        kubernetes.client.V1TokenReview(spec=kubernetes.client.V1TokenReviewSpec(token="not-a-token")))
    assert not bad.status.authenticated
    sar = kubernetes.client.AuthorizationV1Api(client).create_subject_access_review(
        kubernetes.client.V1SubjectAccessReview(spec=kubernetes.client.V1SubjectAccessReviewSpec(
            user=SA_USER, groups=["system:serviceaccounts"],
            resource_attributes=kubernetes.client.V1ResourceAttributes(namespace="shop", verb="list",
                                                                        resource="pods"))))
    assert sar.status.allowed is True


def test_impersonation_checks_what_a_service_account_may_do(bot):
    # docs/rbac's check: an admin asks as the ServiceAccount, without its token.
    assert bot("auth", "can-i", "list", "pods", "-n", "shop", "--as", SA_USER).stdout.strip() == "yes"
    assert bot("auth", "can-i", "patch", "deployments.apps", "-n", "shop", "--as", SA_USER,
               check=False).stdout.strip() == "no"
    denied = bot("-n", "shop", "get", "secrets", "--as", "jane", "--as-group", "dev", check=False)
    assert 'secrets is forbidden: User "jane" cannot list resource "secrets"' in denied.stderr
    # Impersonating needs the impersonate verb: the ServiceAccount itself may not.
    kc = token_kubeconfig(bot, bot("-n", "shop", "create", "token", "release-bot").stdout.strip())
    refused = bot("-n", "shop", "get", "pods", "--as", "system:admin", kubeconfig=kc, check=False)
    assert (f'users "system:admin" is forbidden: User "{SA_USER}" cannot impersonate resource "users" in API '
            f'group "" at the cluster scope') in refused.stderr
