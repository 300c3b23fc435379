"""Authorization as kube-apiserver's RBAC authorizer does it: system:masters may do anything;
everyone else is allowed what the (Cluster)Roles bound to them, their groups or their service
account allow. Request attributes come from the URL and method, like the real request info."""
from __future__ import annotations

from dataclasses import dataclass

from ..errors import ApiError

RBAC = "rbac.authorization.k8s.io"


@dataclass
class Attributes:
    user: object            # cluster.UserInfo
    verb: str               # get list watch create update patch delete deletecollection
    namespace: str = ""
    api_group: str = ""
    resource: str = ""      # plural
    subresource: str = ""
    name: str = ""
    path: str = ""          # non-resource requests
    resource_request: bool = True


def _match(values, wanted: str) -> bool:
    return "*" in (values or []) or wanted in (values or [])


def _rule_allows(rule: dict, a: Attributes) -> bool:
    if not _match(rule.get("verbs"), a.verb):
        return False
    if not a.resource_request:
        return any(u == a.path or (u.endswith("*") and a.path.startswith(u[:-1]))
                   for u in rule.get("nonResourceURLs") or [])
    if not _match(rule.get("apiGroups"), a.api_group):
        return False
    resource = f"{a.resource}/{a.subresource}" if a.subresource else a.resource
    resources = rule.get("resources") or []
    if not ("*" in resources or resource in resources or
            (a.subresource and f"*/{a.subresource}" in resources)):
        return False
    names = rule.get("resourceNames")
    return not names or a.name in names


def _subject_matches(subject: dict, user, binding_ns: str) -> bool:
    kind = subject.get("kind")
    if kind == "User":
        return subject.get("name") == user.name
    if kind == "Group":
        return subject.get("name") in user.groups
    if kind == "ServiceAccount":
        ns = subject.get("namespace") or binding_ns
        return user.name == f"system:serviceaccount:{ns}:{subject.get('name')}"
    return False


def _role_rules(store, role_ref: dict, namespace: str) -> list[dict]:
    if role_ref.get("kind") == "ClusterRole":
        role = store.get(f"clusterroles.{RBAC}", None, role_ref.get("name", ""))
    else:
        role = store.get(f"roles.{RBAC}", namespace, role_ref.get("name", ""))
    return (role or {}).get("rules") or []


def allowed(store, a: Attributes) -> bool:
    user = a.user
    if "system:masters" in user.groups:
        return True
    for binding in store.items(f"clusterrolebindings.{RBAC}"):
        if any(_subject_matches(s, user, "") for s in binding.get("subjects") or []):
            if any(_rule_allows(r, a) for r in _role_rules(store, binding.get("roleRef") or {}, "")):
                return True
    if a.namespace:
        for binding in store.items(f"rolebindings.{RBAC}", a.namespace):
            if any(_subject_matches(s, user, a.namespace) for s in binding.get("subjects") or []):
                if any(_rule_allows(r, a) for r in _role_rules(store, binding.get("roleRef") or {}, a.namespace)):
                    return True
    return False


def rules_for(store, user, namespace: str) -> tuple[list[dict], list[dict]]:
    """(resourceRules, nonResourceRules) the user has in a namespace (SelfSubjectRulesReview)."""
    if "system:masters" in user.groups:
        return ([{"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]}],
                [{"verbs": ["*"], "nonResourceURLs": ["*"]}])
    rules: list[dict] = []
    for binding in store.items(f"clusterrolebindings.{RBAC}"):
        if any(_subject_matches(s, user, "") for s in binding.get("subjects") or []):
            rules += _role_rules(store, binding.get("roleRef") or {}, "")
    if namespace:
        for binding in store.items(f"rolebindings.{RBAC}", namespace):
            if any(_subject_matches(s, user, namespace) for s in binding.get("subjects") or []):
                rules += _role_rules(store, binding.get("roleRef") or {}, namespace)
    resource_rules, non_resource_rules = [], []
    for r in rules:
        if r.get("nonResourceURLs"):
            non_resource_rules.append({"verbs": r.get("verbs") or [], "nonResourceURLs": r["nonResourceURLs"]})
        else:
            out = {"verbs": r.get("verbs") or [], "apiGroups": r.get("apiGroups") or [],
                   "resources": r.get("resources") or []}
            if r.get("resourceNames"):
                out["resourceNames"] = r["resourceNames"]
            resource_rules.append(out)
    return resource_rules, non_resource_rules


def forbidden(a: Attributes, rt=None) -> ApiError:
    """The real 403: 'deployments.apps "web" is forbidden: User "jane" cannot get resource ...'."""
    who = f'User "{a.user.name}"'
    if not a.resource_request:
        return ApiError(403, "Forbidden", f'forbidden: {who} cannot {a.verb} path "{a.path}"', {})
    resource = f"{a.resource}/{a.subresource}" if a.subresource else a.resource
    scope = f'in the namespace "{a.namespace}"' if a.namespace else "at the cluster scope"
    qualified = f"{a.resource}.{a.api_group}" if a.api_group else a.resource
    subject = f'{qualified} "{a.name}"' if a.name else qualified
    details = {}
    if a.name:
        details["name"] = a.name
    if a.api_group:
        details["group"] = a.api_group
    details["kind"] = a.resource
    return ApiError(403, "Forbidden", f'{subject} is forbidden: {who} cannot {a.verb} resource "{resource}" in '
                                      f'API group "{a.api_group}" {scope}', details)


def bootstrap_policy() -> list[tuple[str, dict]]:
    """The default roles every real cluster has that fleetsim users rely on (plus their bindings)."""
    def cr(name, rules):
        return (f"clusterroles.{RBAC}", {"apiVersion": f"{RBAC}/v1", "kind": "ClusterRole",
                                         "metadata": {"name": name, "labels": {
                                             "kubernetes.io/bootstrapping": "rbac-defaults"},
                                             "annotations": {"rbac.authorization.kubernetes.io/autoupdate": "true"}},
                                         "rules": rules})

    def crb(name, role, subjects):
        return (f"clusterrolebindings.{RBAC}", {
            "apiVersion": f"{RBAC}/v1", "kind": "ClusterRoleBinding",
            "metadata": {"name": name, "labels": {"kubernetes.io/bootstrapping": "rbac-defaults"},
                         "annotations": {"rbac.authorization.kubernetes.io/autoupdate": "true"}},
            "roleRef": {"apiGroup": RBAC, "kind": "ClusterRole", "name": role},
            "subjects": [{"apiGroup": RBAC, "kind": "Group", "name": s} for s in subjects]})
    return [
        cr("cluster-admin", [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]},
                             {"nonResourceURLs": ["*"], "verbs": ["*"]}]),
        cr("system:discovery", [{"nonResourceURLs": ["/api", "/api/*", "/apis", "/apis/*", "/healthz", "/livez",
                                                     "/openapi", "/openapi/*", "/readyz", "/version", "/version/"],
                                 "verbs": ["get"]}]),
        cr("system:basic-user", [{"apiGroups": ["authorization.k8s.io"],
                                  "resources": ["selfsubjectaccessreviews", "selfsubjectrulesreviews"],
                                  "verbs": ["create"]},
                                 {"apiGroups": ["authentication.k8s.io"], "resources": ["selfsubjectreviews"],
                                  "verbs": ["create"]}]),
        cr("system:public-info-viewer", [{"nonResourceURLs": ["/healthz", "/livez", "/readyz", "/version",
                                                              "/version/"], "verbs": ["get"]}]),
        crb("cluster-admin", "cluster-admin", ["system:masters"]),
        crb("system:discovery", "system:discovery", ["system:authenticated"]),
        crb("system:basic-user", "system:basic-user", ["system:authenticated"]),
        crb("system:public-info-viewer", "system:public-info-viewer", ["system:authenticated",
                                                                       "system:unauthenticated"]),
    ]
