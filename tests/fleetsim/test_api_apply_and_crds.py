"""Server-side apply field ownership, and the CustomResourceDefinition life cycle (served at once,
validated, scaled through its scale subresource, gone with its instances when deleted)."""
from __future__ import annotations

import pytest

from fleetsim.api import Api
from fleetsim.errors import ApiError

CRD = "customresourcedefinitions.apiextensions.k8s.io"


@pytest.fixture
def api():
    a = Api()
    a.create("namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "ns"}})
    return a


def cm(labels: dict, data: dict | None = None) -> dict:
    body = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": "ns"}}
    if labels:
        body["metadata"]["labels"] = labels
    if data is not None:
        body["data"] = data
    return body


def managers(obj: dict) -> dict:
    return {(m["manager"], m["operation"]): m["fieldsV1"] for m in obj["metadata"]["managedFields"]}


def test_apply_owns_what_it_sets_and_removes_what_it_stops_setting(api):
    api.patch("configmaps", "ns", "c", cm({"a": "1", "b": "2"}), "apply", field_manager="alice")
    out = api.patch("configmaps", "ns", "c", cm({"a": "1"}), "apply", field_manager="alice")
    assert out["metadata"]["labels"] == {"a": "1"}
    assert managers(out)[("alice", "Apply")] == {"f:metadata": {"f:labels": {".": {}, "f:a": {}}}}


def test_fields_shared_with_another_manager_survive_one_managers_removal(api):
    api.patch("configmaps", "ns", "c", cm({"a": "1", "b": "2"}), "apply", field_manager="alice")
    api.patch("configmaps", "ns", "c", cm({"b": "2"}), "apply", field_manager="bob")
    out = api.patch("configmaps", "ns", "c", cm({"a": "1"}), "apply", field_manager="alice")
    assert out["metadata"]["labels"] == {"a": "1", "b": "2"}


def test_conflicting_apply_needs_force_and_then_takes_ownership(api):
    api.patch("configmaps", "ns", "c", cm({}, {"k": "alice"}), "apply", field_manager="alice")
    with pytest.raises(ApiError) as err:
        api.patch("configmaps", "ns", "c", cm({}, {"k": "bob"}), "apply", field_manager="bob")
    assert err.value.code == 409
    assert err.value.message == 'Apply failed with 1 conflict: conflict with "alice" using v1: .data.k'
    assert err.value.details["causes"] == [{"reason": "FieldManagerConflict", "field": ".data.k",
                                            "message": 'conflict with "alice" using v1'}]
    out = api.patch("configmaps", "ns", "c", cm({}, {"k": "bob"}), "apply", field_manager="bob", force=True)
    assert out["data"] == {"k": "bob"}
    # alice keeps the data map itself, bob now owns the key.
    assert managers(out)[("alice", "Apply")] == {"f:data": {}}
    assert managers(out)[("bob", "Apply")] == {"f:data": {".": {}, "f:k": {}}}


def test_update_after_apply_moves_ownership_of_changed_fields(api):
    api.patch("configmaps", "ns", "c", cm({}, {"k": "1", "j": "1"}), "apply", field_manager="alice")
    out = api.patch("configmaps", "ns", "c", {"data": {"k": "2"}}, "merge", field_manager="editor")
    m = managers(out)
    assert m[("alice", "Apply")]["f:data"] == {".": {}, "f:j": {}} and m[("editor", "Update")]["f:data"] == {"f:k": {}}


def widget_crd(scope="Namespaced") -> dict:
    return {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
            "metadata": {"name": "widgets.example.com"},
            "spec": {"group": "example.com", "scope": scope,
                     "names": {"plural": "widgets", "kind": "Widget", "shortNames": ["wd"]},
                     "versions": [{"name": "v1", "served": True, "storage": True,
                                   "subresources": {"status": {}, "scale": {
                                       "specReplicasPath": ".spec.replicas", "statusReplicasPath": ".status.replicas",
                                       "labelSelectorPath": ".status.selector"}},
                                   "schema": {"openAPIV3Schema": {"type": "object", "properties": {
                                       "spec": {"type": "object", "properties": {
                                           "replicas": {"type": "integer", "minimum": 0},
                                           "color": {"type": "string", "enum": ["red", "blue"],
                                                     "default": "red"}}},
                                       "status": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}}}}}]}}


def widget(name="w", **spec) -> dict:
    return {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": name, "namespace": "ns"},
            "spec": spec}


def test_crd_is_established_and_its_resource_served_at_once(api):
    api.create(CRD, widget_crd())
    crd = api.get(CRD, None, "widgets.example.com")
    assert {c["type"]: c["status"] for c in crd["status"]["conditions"]} == {"NamesAccepted": "True",
                                                                              "Established": "True"}
    assert crd["status"]["acceptedNames"]["listKind"] == "WidgetList"
    made = api.create("widgets.example.com", widget(replicas=2, junk="dropped"))
    assert made["spec"] == {"color": "red", "replicas": 2}  # defaulted, unknown field pruned
    assert made["metadata"]["generation"] == 1


def test_custom_resource_validation_and_status_and_scale(api):
    api.create(CRD, widget_crd())
    with pytest.raises(ApiError) as err:
        api.create("widgets.example.com", widget(color="green"))
    assert err.value.code == 422 and 'spec.color: Unsupported value: "green"' in err.value.message
    api.create("widgets.example.com", widget(replicas=1))
    api.patch("widgets.example.com", "ns", "w", {"status": {"replicas": 1, "selector": "app=w"}}, "merge",
              subresource="status")
    scale = api.get_scale("widgets.example.com", "ns", "w")
    assert scale["spec"] == {"replicas": 1} and scale["status"] == {"replicas": 1, "selector": "app=w"}
    api.patch("widgets.example.com", "ns", "w", {"spec": {"replicas": 4}}, "merge", subresource="scale")
    out = api.get("widgets.example.com", "ns", "w")
    assert out["spec"]["replicas"] == 4 and out["metadata"]["generation"] == 2
    with pytest.raises(ApiError) as err:
        api.patch("widgets.example.com", "ns", "w", {"spec": {"replicas": 5}}, "strategic")
    assert err.value.code == 415


def test_deleting_the_crd_removes_instances_and_the_api(api):
    api.create(CRD, widget_crd())
    api.create("widgets.example.com", widget("a"))
    seen = []
    api.subscribe(lambda t, rt, obj, old: seen.append((t, rt.name, obj["metadata"]["name"])))
    api.delete(CRD, None, "widgets.example.com")
    assert ("DELETED", "widgets.example.com", "a") in seen
    assert seen[-1] == ("DELETED", CRD, "widgets.example.com")
    assert api.registry.find("widgets.example.com") is None
    with pytest.raises(ApiError) as err:
        api.list("widgets.example.com")
    assert err.value.code == 404


def test_apply_without_field_manager_is_invalid_patch_options(api):
    with pytest.raises(ApiError) as err:
        api.patch("configmaps", "ns", "c", cm({"a": "1"}), "apply")
    assert err.value.code == 422
    assert err.value.message == ('PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required '
                                 'for apply patch')
