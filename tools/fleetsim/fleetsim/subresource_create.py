"""Creates that act on an existing object: a Binding (pods/binding and the bindings resource, the
scheduler's API), an Eviction (pods/eviction) and a TokenRequest (serviceaccounts/token).

Each follows its registry in kube-apiserver (pkg/registry/core/pod/storage/storage.go BindingREST,
eviction.go, pkg/registry/core/serviceaccount/storage/token.go)."""
from __future__ import annotations

from . import errors
from .errors import ApiError, field_not_supported, field_required


def create_on_subresource(api, rt, subresource: str | None, obj: dict, namespace: str | None, name: str | None,
                          dry_run: bool, field_manager: str) -> dict:
    if rt.name == "bindings" or (rt.name == "pods" and subresource == "binding"):
        return bind(api, obj, namespace, name, dry_run, field_manager)
    if rt.name == "pods" and subresource == "eviction":
        from .eviction import evict
        return evict(api, obj, namespace, name, dry_run)
    if rt.name == "serviceaccounts" and subresource == "token":
        from .tokens import request_token
        return request_token(api, obj, namespace, name, dry_run)
    raise ApiError(405, "MethodNotAllowed", "the server does not allow this method on the requested resource", {})


def _check_kind(obj: dict, api_versions: tuple[str, ...], kind: str) -> None:
    av, k = obj.get("apiVersion"), obj.get("kind")
    if k and k != kind:
        raise errors.bad_request(f"the kind in the data ({k}) does not match the expected kind ({kind})")
    if av and av not in api_versions:
        raise errors.bad_request(f"the API version in the data ({av}) does not match the expected API version "
                                 f"({api_versions[0]})")


def bind(api, binding: dict, namespace: str | None, url_name: str | None, dry_run: bool,
         field_manager: str) -> dict:
    """Assign a pod to a node: spec.nodeName, the Binding's annotations and PodScheduled=True in one
    write; 409 when the pod is already bound or being deleted."""
    _check_kind(binding, ("v1",), "Binding")
    meta = binding.get("metadata") or {}
    name = meta.get("name") or ""
    if url_name is not None and url_name != name:
        raise errors.bad_request("name in URL does not match name in Binding object")
    target = binding.get("target") or {}
    causes = []
    if target.get("kind") not in (None, "", "Node"):
        causes.append(field_not_supported("target.kind", target.get("kind"), ["Node", "<empty>"]))
    if not target.get("name"):
        causes.append(field_required("target.name"))
    if causes:
        raise errors.invalid(api.resource("bindings"), name, causes)
    pod = api.get("pods", namespace, name)
    uid = meta.get("uid")
    if uid and uid != pod["metadata"].get("uid"):
        raise errors.precondition_failed_uid(api.resource("pods"), name, uid, pod["metadata"].get("uid"))
    bindings = api.resource("bindings")
    if pod["metadata"].get("deletionTimestamp"):
        raise errors.conflict(bindings, name, f"pod {name} is being deleted, cannot be assigned to a host")
    if (pod.get("spec") or {}).get("nodeName"):
        raise errors.conflict(bindings, name, f'pod {name} is already assigned to node '
                                              f'"{pod["spec"]["nodeName"]}"')
    pod["spec"]["nodeName"] = target["name"]
    pod["metadata"]["annotations"] = meta.get("annotations") or {}
    api.update("pods", pod, subresource="binding", dry_run=dry_run, field_manager=field_manager,
               namespace=namespace, name=name)
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201}

