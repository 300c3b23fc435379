"""The API verbs for one cluster. Both the HTTP handlers and the in-process controllers write
through here, so strategies (defaulting, validation, generation, finalizers, dry run) and the
watch events are the same whoever the client is."""
from __future__ import annotations

import base64
import json
import random
import uuid
from datetime import datetime, timezone
from typing import Any, Callable

from . import errors
from .errors import ApiError
from .resources import ResourceRegistry, ResourceType
from .selectors import LabelSelector, FieldSelector, format_label_selector, parse_field_selector, \
    parse_label_selector
from .store import Store, Watcher, clone
from .strategies import strategy_for

# Characters of generateName suffixes (k8s.io/apiserver/pkg/storage/names: no vowels, no 0/1/3).
_NAME_CHARS = "bcdfghjklmnpqrstvwxz2456789"
TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


class _SystemClock:
    def now(self) -> datetime:
        return datetime.now(timezone.utc)


def _meta(obj: dict) -> dict:
    meta = obj.get("metadata")
    if not isinstance(meta, dict):
        meta = obj["metadata"] = {}
    return meta


class Api:
    """The verbs of one cluster's API (see DESIGN.md for the contract)."""

    def __init__(self, registry: ResourceRegistry | None = None, store: Store | None = None, clock=None,
                 rng: random.Random | None = None):
        self.registry = registry or ResourceRegistry()
        self.store = store or Store()
        self.clock = clock or _SystemClock()
        self.rng = rng or random.Random()
        self._subscribers: list[Callable] = []
        # Per-cluster state strategies need (cluster IP allocator and the like).
        self.allocations: dict[str, Any] = {}
        # Seconds without events after which a watch that allows bookmarks gets one.
        self.bookmark_interval = 60.0
        # Writes strategies schedule to run after the current one (CRD status after create).
        self._deferred: list[Callable[[], Any]] = []
        self._draining = False

    # -- helpers --------------------------------------------------------------------------------
    def now_str(self) -> str:
        return self.clock.now().astimezone(timezone.utc).strftime(TIME_FORMAT)

    def resource(self, resource: str | ResourceType) -> ResourceType:
        if isinstance(resource, ResourceType):
            return resource
        rt = self.registry.find(resource)
        if rt is None:
            raise ApiError(404, "NotFound", "the server could not find the requested resource",
                           {})
        return rt

    def subscribe(self, callback: Callable) -> Callable[[], None]:
        """callback(event_type, resource_type, obj, old_obj) after every committed change, in
        commit order. Returns a function that unsubscribes."""
        self._subscribers.append(callback)
        return lambda: self._subscribers.remove(callback) if callback in self._subscribers else None

    def defer(self, fn: Callable[[], Any]) -> None:
        """Run fn after the write in progress has returned its result (never inside a commit)."""
        self._deferred.append(fn)

    def _run_deferred(self) -> None:
        if self._draining:
            return
        self._draining = True
        try:
            while self._deferred:
                fn = self._deferred.pop(0)
                try:
                    fn()
                except ApiError:
                    # A follow-up write lost a race (object gone or changed): the next event retries.
                    pass
        finally:
            self._draining = False

    def _commit(self, event_type: str, rt: ResourceType, obj: dict, old: dict | None) -> dict:
        _meta(obj)["resourceVersion"] = str(self.store.next_rv())
        if rt.is_crd:
            obj["metadata"] = dict(sorted(obj["metadata"].items()))
        self.store.commit(event_type, rt.name, obj, old)
        for cb in list(self._subscribers):
            cb(event_type, rt, clone(obj), clone(old) if old is not None else None)
        hook = getattr(strategy_for(rt), "after_commit", None)
        if hook is not None:
            hook(event_type, obj, old, self)
        return obj

    def _namespace_check(self, rt: ResourceType, namespace: str | None, name: str, creating: bool) -> None:
        if not rt.namespaced:
            return
        if not namespace:
            raise errors.bad_request("the server could not find the requested resource")
        ns = self.store.get("namespaces", None, namespace)
        if ns is None:
            raise errors.namespace_not_found(namespace)
        if creating and ns.get("metadata", {}).get("deletionTimestamp"):
            raise errors.namespace_terminating(rt, name, namespace)

    def _check_type(self, rt: ResourceType, obj: dict) -> None:
        if not isinstance(obj, dict):
            raise errors.bad_request("the object provided is not a JSON object")
        self._check_decodable(rt, obj)
        av, kind = obj.get("apiVersion"), obj.get("kind")
        if av and av != rt.api_version:
            raise errors.bad_request(f"the API version in the data ({av}) does not match the expected API "
                                     f"version ({rt.api_version})")
        if kind and kind != rt.kind:
            raise errors.bad_request(f"the kind in the data ({kind}) does not match the expected kind ({rt.kind})")
        obj["apiVersion"] = rt.api_version
        obj["kind"] = rt.kind

    @staticmethod
    def _check_decodable(rt: ResourceType, obj: dict) -> None:
        """What the real server's JSON decoder refuses (400) before any validation: a value of the
        wrong JSON type for its Go field (a string for replicas, a list for spec, ...)."""
        from . import openapi
        if rt.is_crd:
            node = None
        else:
            node = openapi.root_for(rt.api_version, rt.kind)
        where = None
        if node is not None:
            where = openapi.type_error(obj, node)
            if where is None:
                openapi.drop_nulls(obj, node)
        else:
            # No schema (kinds without a recorded document, custom resources): the envelope at least.
            for key in (("metadata",) if rt.is_crd else ("metadata", "spec", "status")):
                if key in obj and obj[key] is None:
                    del obj[key]
                if key in obj and not isinstance(obj[key], dict):
                    where = (key, type(obj[key]).__name__, "struct")
                    break
            meta = obj.get("metadata") or {}
            for key in ("labels", "annotations"):
                value = meta.get(key) if isinstance(meta, dict) else None
                if value is not None and not (isinstance(value, dict) and
                                              all(isinstance(v, str) for v in value.values())):
                    where = (f"metadata.{key}", "object", "map[string]string")
        if where is not None:
            path, got, want = where
            raise errors.bad_request(f'{rt.kind} in version "{rt.version}" cannot be handled as a {rt.kind}: '
                                     f'json: cannot unmarshal {got} into Go struct field {rt.kind}.{path} '
                                     f'of type {want}')

    @staticmethod
    def _ordered(rt: ResourceType, obj: dict) -> dict:
        """kind, apiVersion, metadata first as the real server's JSON encoding writes them;
        custom resources are unstructured maps, which Go encodes with sorted keys."""
        if rt.is_crd:
            from .strategies.custom import _sorted
            return _sorted(obj)
        out = {"kind": obj.get("kind", rt.kind), "apiVersion": obj.get("apiVersion", rt.api_version),
               "metadata": obj.get("metadata", {})}
        for k, v in obj.items():
            if k not in out:
                out[k] = v
        return out

    def _invalid_if(self, rt: ResourceType, name: str, causes: list) -> None:
        if causes:
            raise errors.invalid(rt, name or "", causes)

    # -- get / list -----------------------------------------------------------------------------
    def get(self, resource, namespace: str | None, name: str) -> dict:
        rt = self.resource(resource)
        if rt.extra.get("view_of"):
            return self._view(rt).to_view(self.get(rt.extra["view_of"], namespace, name))
        obj = self.store.get(rt.name, namespace if rt.namespaced else None, name)
        if obj is None:
            raise errors.not_found(rt, name)
        return clone(obj)

    def exists(self, resource, namespace: str | None, name: str) -> bool:
        rt = self.resource(resource)
        if rt.extra.get("view_of"):
            rt = self.resource(rt.extra["view_of"])
        return self.store.get(rt.name, namespace if rt.namespaced else None, name) is not None

    def _selectors(self, rt: ResourceType, label_selector, field_selector) -> tuple[LabelSelector, FieldSelector]:
        ls = label_selector if isinstance(label_selector, LabelSelector) else parse_label_selector(label_selector)
        fs = field_selector if isinstance(field_selector, FieldSelector) else \
            parse_field_selector(field_selector, rt.name)
        return ls, fs

    def list(self, resource, namespace: str | None = None, label_selector=None, field_selector=None,
             limit: int | None = None, continue_token: str | None = None, resource_version: str | None = None
             ) -> dict:
        rt = self.resource(resource)
        if rt.extra.get("view_of"):
            view = self._view(rt)
            out = self.list(rt.extra["view_of"], namespace, label_selector,
                            view.field_selector(field_selector), limit, continue_token, resource_version)
            out["kind"], out["apiVersion"] = rt.list_kind, rt.api_version
            out["items"] = [view.to_view_item(i) for i in out["items"]]
            return out
        ls, fs = self._selectors(rt, label_selector, field_selector)
        ns = namespace if rt.namespaced else None
        start = None
        if continue_token:
            start = self._decode_continue(continue_token)
        items = []
        for obj in self.store.items(rt.name, ns):
            meta = obj["metadata"]
            key = f"{meta.get('namespace', '')}/{meta['name']}"
            if start is not None and key < start:
                continue
            if ls.matches(meta.get("labels")) and fs.matches(obj):
                items.append(obj)
        rv = str(self.store.resource_version)
        list_meta: dict[str, Any] = {"resourceVersion": rv}
        if limit and limit > 0 and len(items) > limit:
            nxt = items[limit]["metadata"]
            list_meta["continue"] = self._encode_continue(f"{nxt.get('namespace', '')}/{nxt['name']}", rv)
            list_meta["remainingItemCount"] = len(items) - limit
            items = items[:limit]
        out_items = []
        for obj in items:
            item = clone(obj)
            # Items of a JSON list carry no kind/apiVersion on a real server.
            item.pop("kind", None)
            item.pop("apiVersion", None)
            out_items.append(item)
        return {"kind": rt.list_kind, "apiVersion": rt.api_version, "metadata": list_meta, "items": out_items}

    @staticmethod
    def _encode_continue(start_key: str, rv: str) -> str:
        raw = json.dumps({"v": "meta.k8s.io/v1", "rv": int(rv), "start": start_key}, separators=(",", ":"))
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @staticmethod
    def _decode_continue(token: str) -> str:
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            data = json.loads(raw)
            if data.get("v") != "meta.k8s.io/v1":
                raise ValueError
            return data["start"]
        except Exception:  # noqa: BLE001 - any decoding problem is the client's bad token
            raise errors.bad_request("continue key is not valid: incorrect encoded start resourceVersion "
                                     "(version meta.k8s.io/v1)")

    # -- watch ----------------------------------------------------------------------------------
    def watch(self, resource, namespace: str | None = None, resource_version: str | None = None,
              label_selector=None, field_selector=None, allow_bookmarks: bool = False,
              send_initial_events: bool | None = None) -> Watcher:
        """Events after resource_version; unset or "0" first lists the current objects as ADDED.
        ApiError 410 Expired when resource_version is older than the kept history."""
        rt = self.resource(resource)
        if rt.extra.get("view_of"):
            view = self._view(rt)
            watcher = self.watch(rt.extra["view_of"], namespace, resource_version, label_selector,
                                 view.field_selector(field_selector), allow_bookmarks, send_initial_events)
            watcher.convert = view.to_view
            return watcher
        ls, fs = self._selectors(rt, label_selector, field_selector)
        ns = namespace if rt.namespaced else None

        def matches(obj: dict) -> bool:
            meta = obj["metadata"]
            if ns is not None and meta.get("namespace") != ns:
                return False
            return ls.matches(meta.get("labels")) and fs.matches(obj)

        def bookmark(rv: int) -> dict:
            return {"kind": rt.kind, "apiVersion": rt.api_version, "metadata": {"resourceVersion": str(rv)}}

        watcher = Watcher(self.store, rt.name, matches, allow_bookmarks=allow_bookmarks,
                          bookmark_interval=self.bookmark_interval, bookmark_object=bookmark)
        if resource_version in (None, "", "0"):
            for obj in self.store.items(rt.name, ns):
                if matches(obj):
                    watcher.queue_initial("ADDED", obj)
            if send_initial_events and allow_bookmarks:
                bm = bookmark(self.store.resource_version)
                bm["metadata"]["annotations"] = {"k8s.io/initial-events-end": "true"}
                watcher.queue_initial("BOOKMARK", bm)
        else:
            try:
                rv = int(resource_version)
            except ValueError:
                raise errors.bad_request(f'resourceVersion: Invalid value: "{resource_version}": '
                                         f'must be a valid resource version')
            oldest = self.store.oldest_available(rt.name)
            if rv < oldest:
                raise errors.gone(f"too old resource version: {rv} ({oldest + 1})")
            for ev in self.store.events_since(rt.name, rv):
                watcher.offer(ev)
        self.store.add_watcher(rt.name, watcher)
        return watcher

    # -- create ---------------------------------------------------------------------------------
    def create(self, resource, obj: dict, namespace: str | None = None, dry_run: bool = False,
               field_manager: str | None = None, validation_hook: Callable | None = None,
               _operation: str = "Update", _applied_paths: set | None = None,
               subresource: str | None = None, name: str | None = None) -> dict:
        rt = self.resource(resource)
        if subresource is not None or rt.name == "bindings":
            # Create on a subresource of object `name` (pods/binding, pods/eviction,
            # serviceaccounts/token) or on the bindings resource: acts on an existing object.
            from .subresource_create import create_on_subresource
            return create_on_subresource(self, rt, subresource, clone(obj), namespace, name, dry_run,
                                         field_manager or "unknown")
        obj = clone(obj)
        self._check_type(rt, obj)
        if rt.extra.get("view_of"):
            view = self._view(rt)
            return view.to_view(self.create(rt.extra["view_of"], view.to_storage(obj), namespace, dry_run,
                                            field_manager, validation_hook, _operation, _applied_paths))
        meta = _meta(obj)
        if rt.namespaced:
            body_ns = meta.get("namespace")
            if namespace and body_ns and body_ns != namespace:
                raise errors.bad_request("the namespace of the provided object does not match the namespace "
                                         "sent on the request")
            namespace = namespace or body_ns
            meta["namespace"] = namespace
        else:
            meta.pop("namespace", None)
            namespace = None
        admit = getattr(strategy_for(rt), "admit", None)
        if admit is not None and not rt.extra.get("view_of"):
            # Validating admission runs before the name is generated (messages show generateName).
            admit(obj, self)
        if not meta.get("name") and meta.get("generateName"):
            meta["name"] = meta["generateName"] + "".join(self.rng.choice(_NAME_CHARS) for _ in range(5))
        name = meta.get("name") or ""
        strategy = strategy_for(rt)
        # Server-owned metadata a client cannot set on create.
        for k in ("uid", "resourceVersion", "creationTimestamp", "deletionTimestamp",
                  "deletionGracePeriodSeconds", "generation", "selfLink"):
            meta.pop(k, None)
        if rt.namespaced and not namespace:
            self._invalid_if(rt, name, strategy.validate_meta(obj, True))
        if validation_hook is not None:
            validation_hook(rt, obj)
        strategy.default(obj, self)
        from .patch import update_managed_fields
        # The field manager sees the defaulted request, before the strategy resets fields.
        update_managed_fields(rt, obj, None, field_manager or "unknown", _operation, self.now_str(), None,
                              applied_paths=_applied_paths)
        strategy.prepare_for_create(obj, self)
        meta = _meta(obj)  # strategies may have rebuilt the object (custom resources are re-sorted)
        causes = strategy.validate_meta(obj, rt.namespaced) + strategy.validate(obj, self)
        self._invalid_if(rt, name, causes)
        self._namespace_check(rt, namespace, name, creating=True)
        if self.store.get(rt.name, namespace, name) is not None:
            raise errors.already_exists(rt, name)
        # (a strategy that needs the uid before validation, like the Job's selector, set it already)
        meta.setdefault("uid", str(uuid.UUID(int=self.rng.getrandbits(128), version=4)))
        meta["creationTimestamp"] = self.now_str()
        if strategy.has_generation or rt.is_crd:
            meta["generation"] = 1
        allocate = getattr(strategy, "allocate", None)
        if allocate is not None:
            allocate(obj, self, dry_run)
        obj = self._ordered(rt, obj)
        if dry_run:
            return clone(obj)
        self._commit("ADDED", rt, obj, None)
        result = clone(obj)
        self._run_deferred()
        return result

    # -- update ---------------------------------------------------------------------------------
    def update(self, resource, obj: dict, subresource: str | None = None, dry_run: bool = False,
               field_manager: str | None = None, namespace: str | None = None, name: str | None = None,
               validation_hook: Callable | None = None, _operation: str = "Update",
               _applied_paths: set | None = None) -> dict:
        rt = self.resource(resource)
        obj = clone(obj)
        if subresource == "scale":
            return self._update_scale(rt, obj, namespace, name, dry_run, field_manager)
        self._check_type(rt, obj)
        if rt.extra.get("view_of"):
            view = self._view(rt)
            return view.to_view(self.update(rt.extra["view_of"], view.to_storage(obj), subresource, dry_run,
                                            field_manager, namespace, name, validation_hook, _operation,
                                            _applied_paths))
        meta = _meta(obj)
        if rt.namespaced:
            body_ns = meta.get("namespace")
            if namespace and body_ns and body_ns != namespace:
                raise errors.bad_request("the namespace of the provided object does not match the namespace "
                                         "sent on the request")
            namespace = namespace or body_ns
            meta["namespace"] = namespace
        else:
            meta.pop("namespace", None)
            namespace = None
        if name and meta.get("name") and meta["name"] != name:
            raise errors.bad_request("the name of the object (%s) does not match the name on the URL (%s)"
                                     % (meta["name"], name))
        name = meta.get("name") or name
        if not name:
            raise errors.bad_request("name is required")
        meta["name"] = name
        strategy = strategy_for(rt)
        old = self.store.get(rt.name, namespace, name)
        if old is None:
            if strategy.allow_create_on_update and subresource is None:
                meta.pop("resourceVersion", None)
                return self.create(rt, obj, namespace, dry_run=dry_run, field_manager=field_manager,
                                   validation_hook=validation_hook)
            if rt.namespaced:
                self._namespace_check(rt, namespace, name, creating=False)
            raise errors.not_found(rt, name)
        rv = meta.get("resourceVersion")
        if rv and rv != old["metadata"]["resourceVersion"]:
            raise errors.conflict(rt, name)
        if validation_hook is not None:
            validation_hook(rt, obj)
        # managedFields written explicitly (and differently) by the request replace the stored ones,
        # as the real field manager allows (kubectl's client-side -> server-side apply migration).
        given = meta.get("managedFields")
        stored = old["metadata"].get("managedFields") or []
        base_entries = None
        if given is not None and subresource is None and _operation != "Apply" and given != stored:
            base_entries = [e for e in given if isinstance(e, dict) and e.get("manager")]
        new = self._merge_update(rt, strategy, obj, old, subresource)
        return self._finish_update(rt, strategy, new, old, subresource, dry_run, field_manager or "unknown",
                                   _operation, _applied_paths, base_entries=base_entries)

    def _merge_update(self, rt, strategy, obj: dict, old: dict, subresource: str | None) -> dict:
        """The object to store: status-only for /status, everything but status for the main resource."""
        if subresource == "status":
            new = clone(old)
            if "status" in obj:
                new["status"] = obj["status"]
            else:
                new.pop("status", None)
            # Like the real status strategies: spec, labels and the rest of metadata stay as they
            # were, annotations may change (the deployment controller's revision annotation).
            if "annotations" in (obj.get("metadata") or {}):
                if obj["metadata"]["annotations"]:
                    new["metadata"]["annotations"] = obj["metadata"]["annotations"]
                else:
                    new["metadata"].pop("annotations", None)
            return new
        if subresource == "binding" and rt.name == "pods":
            # Binding storage (pkg/registry/core/pod/storage): nodeName, the Binding's annotations
            # and PodScheduled=True in one write.
            new = clone(old)
            new["spec"]["nodeName"] = obj["spec"]["nodeName"]
            if obj["metadata"].get("annotations"):
                new["metadata"].setdefault("annotations", {}).update(obj["metadata"]["annotations"])
            status = new.setdefault("status", {})
            conditions = status.setdefault("conditions", [])
            scheduled = {"type": "PodScheduled", "status": "True", "lastProbeTime": None,
                         "lastTransitionTime": self.now_str()}
            at = next((i for i, c in enumerate(conditions) if c.get("type") == "PodScheduled"), None)
            if at is None:
                conditions.append(scheduled)
            else:
                conditions[at] = scheduled
            return new
        if subresource == "ephemeralcontainers" and rt.name == "pods":
            # Only spec.ephemeralContainers changes (what `kubectl debug` patches); they may be added,
            # never changed or removed.
            new = clone(old)
            wanted = (obj.get("spec") or {}).get("ephemeralContainers") or []
            have = {c.get("name"): c for c in (old.get("spec") or {}).get("ephemeralContainers") or []}
            for c in wanted:
                if c.get("name") in have and c != have[c.get("name")]:
                    raise errors.invalid(rt, old["metadata"]["name"], [errors.field_forbidden(
                        "spec.ephemeralContainers", "existing ephemeral containers may not be changed")])
            if len(wanted) < len(have):
                raise errors.invalid(rt, old["metadata"]["name"], [errors.field_forbidden(
                    "spec.ephemeralContainers", "existing ephemeral containers may not be removed")])
            if wanted:
                for c in wanted:
                    c.setdefault("terminationMessagePath", "/dev/termination-log")
                    c.setdefault("terminationMessagePolicy", "File")
                    if c.get("image"):
                        from .strategies.pods import image_pull_policy
                        c.setdefault("imagePullPolicy", image_pull_policy(c["image"]))
                new["spec"]["ephemeralContainers"] = wanted
            return new
        if subresource == "resize" and rt.name == "pods":
            # In-place resize: only the containers' resources (and resizePolicy) change.
            new = clone(old)
            by_name = {c.get("name"): c for c in (obj.get("spec") or {}).get("containers") or []}
            for c in new["spec"].get("containers") or []:
                wanted = by_name.get(c.get("name"))
                if wanted is not None:
                    for key in ("resources", "resizePolicy"):
                        if key in wanted:
                            c[key] = wanted[key]
            return new
        if subresource == "finalize" and rt.name == "namespaces":
            new = clone(old)
            new.setdefault("spec", {})["finalizers"] = list((obj.get("spec") or {}).get("finalizers") or [])
            return new
        if subresource:
            raise ApiError(404, "NotFound", "the server could not find the requested resource", {})
        new = obj
        old_meta = old["metadata"]
        meta = new["metadata"]
        # Immutable / server-owned metadata.
        for k in ("uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation"):
            if k in old_meta:
                meta[k] = old_meta[k]
            else:
                meta.pop(k, None)
        if "status" in rt.subresources:
            if "status" in old:
                new["status"] = clone(old["status"])
            else:
                new.pop("status", None)
        strategy.prepare_for_update(new, old, self)
        return new

    def _finish_update(self, rt, strategy, new: dict, old: dict, subresource, dry_run: bool, manager: str,
                       operation: str, applied_paths: set | None = None, mf_subresource: str | None = None,
                       base_entries: list | None = None) -> dict:
        name = new["metadata"]["name"]
        strategy.default(new, self)
        if subresource is None:
            causes = strategy.validate_meta(new, rt.namespaced) + strategy.validate_update(new, old, self)
        else:
            causes = strategy.validate_status(new, old, self)
        self._invalid_if(rt, name, causes)
        meta = new["metadata"]
        old_meta = old["metadata"]
        if old_meta.get("deletionTimestamp"):
            # New finalizers may not be added once deletion started (real: only removal allowed).
            added = set(meta.get("finalizers") or []) - set(old_meta.get("finalizers") or [])
            if added:
                self._invalid_if(rt, name, [errors.field_forbidden(
                    "metadata.finalizers", f"no new finalizers can be added if the object is being deleted, "
                                           f"found new finalizers {json.dumps(sorted(added))}")])
        if (strategy.has_generation or rt.is_crd) and subresource is None:
            gen = old_meta.get("generation", 1)
            if strategy.spec_of(new) != strategy.spec_of(old) or (
                    meta.get("deletionTimestamp") and not old_meta.get("deletionTimestamp")):
                gen += 1
            meta["generation"] = gen
        meta["resourceVersion"] = old_meta["resourceVersion"]
        from .patch import update_managed_fields
        update_managed_fields(rt, new, old, manager, operation, self.now_str(), mf_subresource or subresource,
                              applied_paths=applied_paths, base_entries=base_entries)
        new = self._ordered(rt, new)
        if _same_ignoring_times(new, old):
            # A no-op write: the real server neither bumps resourceVersion nor emits an event.
            return clone(old)
        if dry_run:
            return clone(new)
        if self._finalized(rt, new):
            self._remove(rt, strategy, new, old)
            result = clone(new)
        else:
            if subresource is None:
                allocate = getattr(strategy, "allocate", None)
                if allocate is not None:
                    allocate(new, self, False)
            self._commit("MODIFIED", rt, new, old)
            result = clone(new)
        self._run_deferred()
        return result

    def _remove(self, rt: ResourceType, strategy, new: dict, old: dict) -> None:
        before = getattr(strategy, "before_delete", None)
        if before is not None:
            before(old, self)
        self._commit("DELETED", rt, new, old)
        strategy.after_delete(new, self)

    @staticmethod
    def _finalized(rt: ResourceType, obj: dict) -> bool:
        """Being deleted and no finalizer left: the object goes away now."""
        meta = obj["metadata"]
        if not meta.get("deletionTimestamp") or meta.get("finalizers"):
            return False
        if rt.name == "namespaces" and (obj.get("spec") or {}).get("finalizers"):
            return False
        if meta.get("deletionGracePeriodSeconds"):
            # Graceful pod deletion: the kubelet finishes it with a delete of grace period 0.
            return False
        return True

    # -- scale subresource -----------------------------------------------------------------------
    def get_scale(self, resource, namespace: str | None, name: str) -> dict:
        rt = self.resource(resource)
        if "scale" not in rt.subresources:
            raise ApiError(404, "NotFound", "the server could not find the requested resource", {})
        return self._scale_of(rt, self.get(rt, namespace, name))

    def _scale_of(self, rt: ResourceType, obj: dict) -> dict:
        meta = obj["metadata"]
        paths = rt.scale_paths or {"spec": "spec.replicas", "status": "status.replicas",
                                   "selector": None}
        spec_replicas = _get_path(obj, paths["spec"])
        status_replicas = _get_path(obj, paths["status"]) or 0
        smeta = {k: meta[k] for k in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")
                 if k in meta}
        status: dict[str, Any] = {"replicas": status_replicas}
        if rt.scale_paths is not None:
            sel_path = rt.scale_paths.get("selector")
            if sel_path:
                sel = _get_path(obj, sel_path)
                if sel:
                    status["selector"] = sel
        else:
            sel = (obj.get("spec") or {}).get("selector")
            if sel is not None and rt.name == "replicationcontrollers":
                sel = {"matchLabels": sel}  # a ReplicationController's selector is a plain label map
            if sel is not None:
                status["selector"] = format_label_selector(sel)
        return {"kind": "Scale", "apiVersion": "autoscaling/v1", "metadata": smeta,
                "spec": {"replicas": spec_replicas or 0} if spec_replicas else {}, "status": status}

    def _update_scale(self, rt: ResourceType, scale: dict, namespace, name, dry_run, field_manager) -> dict:
        if "scale" not in rt.subresources:
            raise ApiError(404, "NotFound", "the server could not find the requested resource", {})
        smeta = scale.get("metadata") or {}
        name = name or smeta.get("name")
        namespace = namespace or smeta.get("namespace")
        old = self.store.get(rt.name, namespace if rt.namespaced else None, name)
        if old is None:
            raise errors.not_found(rt, name)
        if smeta.get("resourceVersion") and smeta["resourceVersion"] != old["metadata"]["resourceVersion"]:
            raise errors.conflict(rt, name)
        replicas = (scale.get("spec") or {}).get("replicas", 0)
        if not isinstance(replicas, int) or isinstance(replicas, bool) or replicas < 0:
            raise ApiError(422, "Invalid", f'Scale.autoscaling "{name}" is invalid: spec.replicas: Invalid value: '
                                           f'{replicas}: must be greater than or equal to 0',
                           {"name": name, "group": "autoscaling", "kind": "Scale", "causes": [
                               {"reason": "FieldValueInvalid", "message": f"Invalid value: {replicas}: must be "
                                                                          f"greater than or equal to 0",
                                "field": "spec.replicas"}]})
        new = clone(old)
        _set_path(new, (rt.scale_paths or {}).get("spec", "spec.replicas"), replicas)
        strategy = strategy_for(rt)
        out = self._finish_update(rt, strategy, new, old, None, dry_run, field_manager or "unknown", "Update",
                                  mf_subresource="scale")
        return self._scale_of(rt, out)

    # -- patch ----------------------------------------------------------------------------------
    def patch(self, resource, namespace: str | None, name: str, patch, patch_type: str,
              subresource: str | None = None, dry_run: bool = False, field_manager: str | None = None,
              force: bool = False, validation_hook: Callable | None = None) -> dict:
        from .patch import apply_patch, server_side_apply
        rt = self.resource(resource)
        ns = namespace if rt.namespaced else None
        if isinstance(patch, (bytes, str)):
            patch = _decode_patch(patch, patch_type)
        if patch_type == "apply":
            return server_side_apply(self, rt, ns, name, patch, subresource=subresource, dry_run=dry_run,
                                     field_manager=field_manager, force=force, validation_hook=validation_hook)
        if subresource == "scale":
            current = self.get_scale(rt, ns, name)
        else:
            current = self.get(rt, ns, name)
        patched = apply_patch(current, patch, patch_type, rt, self)
        pmeta = patched.setdefault("metadata", {}) if isinstance(patched, dict) else {}
        if isinstance(patched, dict) and pmeta.get("name") not in (None, name):
            raise errors.bad_request("metadata.name: Invalid value: %r: field is immutable" % pmeta.get("name"))
        # A patch only conflicts when it names a resourceVersion itself.
        patch_rv = None
        if isinstance(patch, dict):
            patch_rv = (patch.get("metadata") or {}).get("resourceVersion")
        if patch_rv is None:
            pmeta["resourceVersion"] = current["metadata"]["resourceVersion"]
        if subresource == "scale":
            return self._update_scale(rt, patched, ns, name, dry_run, field_manager)
        return self.update(rt, patched, subresource=subresource, dry_run=dry_run, field_manager=field_manager,
                           namespace=ns, name=name, validation_hook=validation_hook, _operation="Update")

    # -- delete ---------------------------------------------------------------------------------
    def delete(self, resource, namespace: str | None, name: str, propagation_policy: str | None = None,
               preconditions: dict | None = None, dry_run: bool = False,
               grace_period_seconds: int | None = None, orphan_dependents: bool | None = None) -> dict:
        """Delete at once (-> Status Success), or mark deleted (-> the object) when finalizers,
        graceful pod termination or a Foreground/Orphan propagation policy keep it."""
        rt = self.resource(resource)
        if rt.extra.get("view_of"):
            out = self.delete(rt.extra["view_of"], namespace, name, propagation_policy, preconditions, dry_run,
                              grace_period_seconds, orphan_dependents)
            if out.get("kind") == "Status":
                out["details"].update({"group": rt.group, "kind": rt.plural})
                out["details"] = {k: out["details"][k] for k in ("name", "group", "kind", "uid")}
                return out
            return self._view(rt).to_view(out)
        ns = namespace if rt.namespaced else None
        old = self.store.get(rt.name, ns, name)
        if old is None:
            raise errors.not_found(rt, name)
        old_meta = old["metadata"]
        pre = preconditions or {}
        if pre.get("uid") and pre["uid"] != old_meta.get("uid"):
            raise errors.precondition_failed_uid(rt, name, pre["uid"], old_meta.get("uid"))
        if pre.get("resourceVersion") and pre["resourceVersion"] != old_meta.get("resourceVersion"):
            raise errors.precondition_failed_rv(rt, name, pre["resourceVersion"], old_meta.get("resourceVersion"))
        if propagation_policy not in (None, "Foreground", "Background", "Orphan"):
            cause = errors.field_not_supported("propagationPolicy", propagation_policy,
                                               ["Foreground", "Background", "Orphan"])
            raise ApiError(422, "Invalid", f'DeleteOptions.meta.k8s.io "" is invalid: {cause}',
                           {"group": "meta.k8s.io", "kind": "DeleteOptions", "causes": [cause.as_dict()]})
        if orphan_dependents is not None and propagation_policy is None:
            propagation_policy = "Orphan" if orphan_dependents else "Background"
        strategy = strategy_for(rt)
        new = clone(old)
        meta = new["metadata"]
        finalizers = list(meta.get("finalizers") or [])
        if propagation_policy == "Orphan" and "orphan" not in finalizers:
            finalizers.append("orphan")
        elif propagation_policy == "Foreground" and "foregroundDeletion" not in finalizers:
            finalizers.append("foregroundDeletion")
        if propagation_policy in ("Background", "Foreground"):
            finalizers = [f for f in finalizers if f != "orphan" or propagation_policy == "Orphan"]
        if propagation_policy == "Background":
            finalizers = [f for f in finalizers if f != "foregroundDeletion"]
        if finalizers:
            meta["finalizers"] = finalizers
        grace = strategy.graceful_delete(old, grace_period_seconds)
        namespace_pending = rt.name == "namespaces" and (old.get("spec") or {}).get("finalizers")
        already_deleting = bool(old_meta.get("deletionTimestamp"))
        if not finalizers and not grace and not namespace_pending:
            if dry_run:
                return self._delete_status(rt, old) if not strategy_returns_object(rt) else clone(old)
            # An immediate delete leaves the last stored state as it was (the DELETED event carries
            # it with the deletion's resourceVersion), as etcd's delete does.
            self._remove(rt, strategy, new, old)
            self._run_deferred()
            if strategy_returns_object(rt):
                return clone(new)
            return self._delete_status(rt, new)
        # Graceful / finalizer-held deletion: mark and return the object.
        if not already_deleting:
            meta["deletionTimestamp"] = self.now_str()
            meta["deletionGracePeriodSeconds"] = grace or 0
            if (strategy.has_generation or rt.is_crd) and "generation" in meta:
                meta["generation"] += 1
            if rt.name == "namespaces":
                new.setdefault("status", {})["phase"] = "Terminating"
        else:
            shorter = grace_period_seconds if grace_period_seconds is not None else grace
            if shorter is not None and shorter < (old_meta.get("deletionGracePeriodSeconds") or 0):
                meta["deletionGracePeriodSeconds"] = shorter
        if new == old:
            return clone(old)
        if dry_run:
            return clone(new)
        if self._finalized(rt, new):
            self._remove(rt, strategy, new, old)
            self._run_deferred()
            return self._delete_status(rt, new)
        self._commit("MODIFIED", rt, new, old)
        result = clone(new)
        self._run_deferred()
        return result

    @staticmethod
    def _view(rt: ResourceType):
        """The conversion of a type served from another type's storage: events.k8s.io Events, or a
        CRD version other than the storage version (extra["view"])."""
        view = rt.extra.get("view")
        if view is None:
            from .strategies.events_view import EventsView
            view = EventsView
        return view

    @staticmethod
    def _delete_status(rt: ResourceType, obj: dict) -> dict:
        details: dict[str, Any] = {"name": obj["metadata"]["name"]}
        if rt.group:
            details["group"] = rt.group
        details["kind"] = rt.plural
        details["uid"] = obj["metadata"].get("uid")
        return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "details": details}

    def delete_collection(self, resource, namespace: str | None, label_selector=None, field_selector=None,
                          propagation_policy: str | None = None, dry_run: bool = False,
                          grace_period_seconds: int | None = None) -> dict:
        rt = self.resource(resource)
        listed = self.list(rt, namespace, label_selector=label_selector, field_selector=field_selector)
        items = []
        for item in listed["items"]:
            m = item["metadata"]
            try:
                res = self.delete(rt, m.get("namespace"), m["name"], propagation_policy=propagation_policy,
                                  dry_run=dry_run, grace_period_seconds=grace_period_seconds)
            except ApiError as e:
                if e.code == 404:
                    continue
                raise
            obj = res if res.get("kind") != "Status" else item
            obj = clone(obj)
            obj.pop("kind", None)
            obj.pop("apiVersion", None)
            items.append(obj)
        return {"kind": rt.list_kind, "apiVersion": rt.api_version,
                "metadata": {"resourceVersion": str(self.store.resource_version)}, "items": items}


def strategy_returns_object(rt: ResourceType) -> bool:
    """Kinds whose immediate delete answers with the deleted object rather than a Status (the real
    registries set ReturnDeletedObject for pods and serviceaccounts; a namespace or a CRD is never
    gone at once on a real server, so its delete answers with the object too)."""
    return rt.name in ("pods", "serviceaccounts", "namespaces", "customresourcedefinitions.apiextensions.k8s.io")


def _same_ignoring_times(new: dict, old: dict) -> bool:
    """Equal except for managedFields timestamps: a no-op write."""
    if new.keys() != old.keys():
        return False
    for k in new:
        if k == "metadata":
            a = {kk: vv for kk, vv in new[k].items() if kk != "managedFields"}
            b = {kk: vv for kk, vv in old[k].items() if kk != "managedFields"}
            if a != b:
                return False
            fa = [{kk: vv for kk, vv in m.items() if kk != "time"} for m in new[k].get("managedFields") or []]
            fb = [{kk: vv for kk, vv in m.items() if kk != "time"} for m in old[k].get("managedFields") or []]
            if fa != fb:
                return False
        elif new[k] != old[k]:
            return False
    return True


def _get_path(obj: dict, path: str | None):
    if not path:
        return None
    cur: Any = obj
    for part in path.lstrip(".").split("."):
        if not isinstance(cur, dict):
            return None
        cur = cur.get(part)
    return cur


def _set_path(obj: dict, path: str, value) -> None:
    parts = path.lstrip(".").split(".")
    cur = obj
    for part in parts[:-1]:
        cur = cur.setdefault(part, {})
    cur[parts[-1]] = value


def _decode_patch(raw, patch_type: str):
    text = raw.decode() if isinstance(raw, bytes) else raw
    if patch_type == "apply":
        import yaml
        try:
            return yaml.safe_load(text)
        except yaml.YAMLError as e:
            raise errors.bad_request(f"error decoding YAML: {e}")
    try:
        return json.loads(text)
    except ValueError as e:
        raise errors.bad_request(f"error decoding patch: {e}")
