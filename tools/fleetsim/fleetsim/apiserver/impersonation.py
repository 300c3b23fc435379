"""User impersonation (`kubectl --as USER --as-group G`, the Impersonate-* headers), as
k8s.io/apiserver/pkg/endpoints/filters/impersonation.go: the requester needs the `impersonate`
verb on users / groups / serviceaccounts / uids / userextras, and the request then runs as the
impersonated user (a ServiceAccount user name gets the service-account groups)."""
from __future__ import annotations

from ..errors import ApiError
from . import authz

SA_PREFIX = "system:serviceaccount:"


def _check(store, requester, resource: str, name: str, namespace: str = "", subresource: str = "",
           group: str = "") -> None:
    attrs = authz.Attributes(requester, "impersonate", namespace, group, resource, subresource, name)
    if not authz.allowed(store, attrs):
        shown = f"{resource}.{group}" if group else resource
        raise ApiError(403, "Forbidden", f'{shown} "{name}" is forbidden: User "{requester.name}" cannot '
                                         f'impersonate resource "{resource}" in API group "{group}"'
                                         + (f' in the namespace "{namespace}"' if namespace else
                                            " at the cluster scope"),
                       {"name": name, **({"group": group} if group else {}), "kind": resource})


def impersonate(store, requester, headers):
    """The user a request runs as: the requester, or whom its Impersonate-* headers name."""
    name = headers.get("Impersonate-User")
    groups = headers.getall("Impersonate-Group", []) if hasattr(headers, "getall") else []
    uid = headers.get("Impersonate-Uid")
    extra = {k[len("Impersonate-Extra-"):].lower(): headers.getall(k) for k in set(headers)
             if k.lower().startswith("impersonate-extra-")}
    if not name:
        if groups or uid or extra:
            raise ApiError(500, "InternalError", "Internal error occurred: requested "
                                                 f"{'groups' if groups else 'uid' if uid else 'extra'} without "
                                                 f"impersonating a user", {})
        return requester
    from ..cluster import UserInfo
    out_groups: list[str] = []
    if name.startswith(SA_PREFIX) and name.count(":") == 3:
        namespace, sa = name[len(SA_PREFIX):].split(":", 1)
        _check(store, requester, "serviceaccounts", sa, namespace)
        if not groups:
            out_groups = ["system:serviceaccounts", f"system:serviceaccounts:{namespace}"]
    else:
        _check(store, requester, "users", name)
    for group in groups:
        _check(store, requester, "groups", group)
        out_groups.append(group)
    if uid:
        _check(store, requester, "uids", uid, group="authentication.k8s.io")
    for key, values in extra.items():
        for value in values:
            _check(store, requester, "userextras", value, subresource=key, group="authentication.k8s.io")
    if name != "system:anonymous" and "system:authenticated" not in out_groups:
        out_groups.append("system:authenticated")
    return UserInfo(name, out_groups, uid or "", extra)
