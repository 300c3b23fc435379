"""In-process Api semantics the controllers rely on: resourceVersion and generation rules,
no-op writes, finalizers and propagation policies, graceful pod deletion, namespace termination,
generateName, dry run and subscriber order."""
from __future__ import annotations

import pytest

from fleetsim.api import Api
from fleetsim.errors import ApiError


@pytest.fixture
def api():
    a = Api()
    a.create("namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "ns"}})
    return a


def deploy(name="web", replicas=1):
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": name, "namespace": "ns", "labels": {"app": name}},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}},
                                  "spec": {"containers": [{"name": "c", "image": "img:1"}]}}}}


def pod(name, node=None, finalizers=None):
    meta = {"name": name, "namespace": "ns"}
    if finalizers:
        meta["finalizers"] = finalizers
    spec = {"containers": [{"name": "c", "image": "img:1"}]}
    if node:
        spec["nodeName"] = node
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec}


def test_resource_versions_increase_and_generation_tracks_spec_only(api):
    d = api.create("deployments.apps", deploy())
    rv1 = int(d["metadata"]["resourceVersion"])
    d["metadata"]["labels"]["extra"] = "1"
    d2 = api.update("deployments.apps", d)
    assert int(d2["metadata"]["resourceVersion"]) > rv1 and d2["metadata"]["generation"] == 1
    d2["spec"]["replicas"] = 3
    d3 = api.update("deployments.apps", d2)
    assert d3["metadata"]["generation"] == 2
    st = api.patch("deployments.apps", "ns", "web", {"status": {"replicas": 3}}, "merge", subresource="status")
    assert st["metadata"]["generation"] == 2 and st["status"]["replicas"] == 3


def test_no_op_update_neither_bumps_resource_version_nor_notifies(api):
    seen = []
    api.subscribe(lambda t, rt, obj, old: seen.append((t, rt.name)))
    d = api.create("deployments.apps", deploy())
    same = api.update("deployments.apps", d)
    assert same["metadata"]["resourceVersion"] == d["metadata"]["resourceVersion"]
    assert seen == [("ADDED", "deployments.apps")]


def test_stale_update_conflicts_and_unconditional_update_does_not(api):
    d = api.create("deployments.apps", deploy())
    api.patch("deployments.apps", "ns", "web", {"spec": {"replicas": 2}}, "merge")
    with pytest.raises(ApiError) as err:
        api.update("deployments.apps", d)
    assert err.value.code == 409 and err.value.reason == "Conflict"
    d["metadata"].pop("resourceVersion")
    assert api.update("deployments.apps", d)["spec"]["replicas"] == 1


def test_create_errors_name_the_problem(api):
    with pytest.raises(ApiError) as err:
        api.create("deployments.apps", {**deploy(), "metadata": {"name": "Bad_Name", "namespace": "ns"}})
    assert err.value.code == 422 and "metadata.name: Invalid value: \"Bad_Name\"" in err.value.message
    bad = deploy()
    bad["spec"]["template"]["metadata"]["labels"] = {"app": "other"}
    with pytest.raises(ApiError) as err:
        api.create("deployments.apps", bad)
    assert err.value.message == ('Deployment.apps "web" is invalid: spec.template.metadata.labels: Invalid value: '
                                 'map[string]string{"app":"other"}: `selector` does not match template `labels`')
    with pytest.raises(ApiError) as err:
        api.create("configmaps", {"metadata": {"name": "x", "namespace": "nope"}})
    assert (err.value.code, err.value.message) == (404, 'namespaces "nope" not found')


def test_selector_is_immutable(api):
    api.create("deployments.apps", deploy())
    with pytest.raises(ApiError) as err:
        api.patch("deployments.apps", "ns", "web", {"spec": {"selector": {"matchLabels": {"app": "web", "v": "2"}}}},
                  "merge")
    assert err.value.code == 422
    assert ("spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{\"app\":\"web\", \"v\":\"2\"}"
            ", MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable") in err.value.message


def test_generate_name_and_dry_run(api):
    made = api.create("configmaps", {"metadata": {"generateName": "cfg-", "namespace": "ns"}})
    assert made["metadata"]["name"].startswith("cfg-") and len(made["metadata"]["name"]) == 9
    dry = api.create("configmaps", {"metadata": {"name": "dry", "namespace": "ns"}}, dry_run=True)
    assert dry["metadata"]["name"] == "dry" and not api.exists("configmaps", "ns", "dry")


def test_finalizers_hold_deletion_until_removed(api):
    api.create("configmaps", {"metadata": {"name": "held", "namespace": "ns", "finalizers": ["example.com/x"]}})
    marked = api.delete("configmaps", "ns", "held")
    assert marked["metadata"]["deletionTimestamp"] and api.exists("configmaps", "ns", "held")
    marked["metadata"]["finalizers"] = []
    api.update("configmaps", marked)
    assert not api.exists("configmaps", "ns", "held")


def test_propagation_policies_set_gc_finalizers(api):
    api.create("deployments.apps", deploy("fg"))
    fg = api.delete("deployments.apps", "ns", "fg", propagation_policy="Foreground")
    assert fg["metadata"]["finalizers"] == ["foregroundDeletion"] and fg["metadata"]["deletionTimestamp"]
    api.create("deployments.apps", deploy("or"))
    orphan = api.delete("deployments.apps", "ns", "or", propagation_policy="Orphan")
    assert orphan["metadata"]["finalizers"] == ["orphan"]
    api.create("deployments.apps", deploy("bg"))
    status = api.delete("deployments.apps", "ns", "bg", propagation_policy="Background")
    assert status["kind"] == "Status" and status["status"] == "Success"


def test_delete_preconditions(api):
    made = api.create("configmaps", {"metadata": {"name": "pre", "namespace": "ns"}})
    with pytest.raises(ApiError) as err:
        api.delete("configmaps", "ns", "pre", preconditions={"uid": "other"})
    assert err.value.code == 409 and "Precondition failed: UID in precondition: other" in err.value.message
    api.delete("configmaps", "ns", "pre", preconditions={"uid": made["metadata"]["uid"]})
    assert not api.exists("configmaps", "ns", "pre")


def test_scheduled_pods_terminate_gracefully_until_the_kubelet_confirms(api):
    api.create("pods", pod("unscheduled"))
    assert api.delete("pods", "ns", "unscheduled")["kind"] == "Pod"
    assert not api.exists("pods", "ns", "unscheduled")
    api.create("pods", pod("running", node="node-1"))
    terminating = api.delete("pods", "ns", "running")
    assert terminating["metadata"]["deletionGracePeriodSeconds"] == 30
    assert api.exists("pods", "ns", "running")
    api.delete("pods", "ns", "running", grace_period_seconds=0)
    assert not api.exists("pods", "ns", "running")


def test_namespace_terminates_and_refuses_new_content(api):
    ns = api.delete("namespaces", None, "ns")
    assert ns["status"]["phase"] == "Terminating" and ns["spec"]["finalizers"] == ["kubernetes"]
    with pytest.raises(ApiError) as err:
        api.create("configmaps", {"metadata": {"name": "late", "namespace": "ns"}})
    assert err.value.code == 403 and "because it is being terminated" in err.value.message
    ns["spec"]["finalizers"] = []
    api.update("namespaces", ns, subresource="finalize")
    assert not api.exists("namespaces", None, "ns")


def test_subscribers_see_commits_in_order_with_old_objects(api):
    seen = []
    api.subscribe(lambda t, rt, obj, old: seen.append((t, obj["metadata"]["name"],
                                                       old["metadata"]["resourceVersion"] if old else None)))
    a = api.create("configmaps", {"metadata": {"name": "a", "namespace": "ns"}})
    api.patch("configmaps", "ns", "a", {"data": {"k": "v"}}, "merge")
    api.delete("configmaps", "ns", "a")
    assert [s[0] for s in seen] == ["ADDED", "MODIFIED", "DELETED"]
    assert seen[1][2] == a["metadata"]["resourceVersion"]


def test_json_patch_test_operation_guards_changes(api):
    api.create("deployments.apps", deploy())
    with pytest.raises(ApiError) as err:
        api.patch("deployments.apps", "ns", "web", [{"op": "test", "path": "/spec/replicas", "value": 5},
                                                     {"op": "replace", "path": "/spec/replicas", "value": 9}], "json")
    assert err.value.code == 422
    out = api.patch("deployments.apps", "ns", "web", [{"op": "test", "path": "/spec/replicas", "value": 1},
                                                       {"op": "replace", "path": "/spec/replicas", "value": 9}], "json")
    assert out["spec"]["replicas"] == 9


def test_strategic_merge_directives(api):
    d = deploy()
    d["spec"]["template"]["spec"]["containers"][0]["env"] = [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]
    api.create("deployments.apps", d)
    patch = {"spec": {"template": {"spec": {"containers": [
        {"name": "c", "env": [{"name": "B", "$patch": "delete"}, {"name": "C", "value": "3"}]}]}},
        "strategy": {"$retainKeys": ["type"], "type": "Recreate"}}}
    out = api.patch("deployments.apps", "ns", "web", patch, "strategic")
    env = out["spec"]["template"]["spec"]["containers"][0]["env"]
    assert env == [{"name": "A", "value": "1"}, {"name": "C", "value": "3"}]
    assert out["spec"]["strategy"] == {"type": "Recreate"}
    replaced = api.patch("deployments.apps", "ns", "web", {"metadata": {"labels": {"$patch": "replace", "only": "x"}}},
                         "strategic")
    assert replaced["metadata"]["labels"] == {"only": "x"}


def test_watch_resumes_from_a_resource_version_and_reports_selection_changes(api):
    api.create("configmaps", {"metadata": {"name": "w", "namespace": "ns", "labels": {"sel": "yes"}}})
    rv = api.list("configmaps", "ns")["metadata"]["resourceVersion"]
    watcher = api.watch("configmaps", "ns", resource_version=rv, label_selector="sel=yes")
    api.patch("configmaps", "ns", "w", {"data": {"a": "1"}}, "merge")
    api.patch("configmaps", "ns", "w", {"metadata": {"labels": {"sel": "no"}}}, "merge")
    api.patch("configmaps", "ns", "w", {"metadata": {"labels": {"sel": "yes"}}}, "merge")
    events = [watcher.next_nowait()["type"] for _ in range(watcher.pending())]
    assert events == ["MODIFIED", "DELETED", "ADDED"]
    watcher.close()
    fresh = api.watch("configmaps", "ns")
    assert fresh.next_nowait()["type"] == "ADDED"


def test_events_are_one_storage_seen_through_both_event_apis(api):
    core = {"apiVersion": "v1", "kind": "Event", "metadata": {"name": "e1", "namespace": "ns"},
            "involvedObject": {"kind": "Pod", "name": "p", "namespace": "ns"}, "reason": "Pulled",
            "message": "pulled image", "type": "Normal", "source": {"component": "kubelet"}, "count": 2}
    api.create("events", core)
    ev = api.get("events.events.k8s.io", "ns", "e1")
    assert (ev["apiVersion"], ev["regarding"]["name"], ev["note"], ev["deprecatedCount"]) == \
        ("events.k8s.io/v1", "p", "pulled image", 2)
    listed = api.list("events.events.k8s.io", "ns", field_selector="regarding.name=p")
    assert listed["kind"] == "EventList" and [i["metadata"]["name"] for i in listed["items"]] == ["e1"]
    api.patch("events.events.k8s.io", "ns", "e1", {"note": "pulled again"}, "merge")
    assert api.get("events", "ns", "e1")["message"] == "pulled again"
    api.delete("events.events.k8s.io", "ns", "e1")
    assert not api.exists("events", "ns", "e1")


def test_watch_history_is_bounded_by_age_too():
    from fleetsim.store import Store
    api = Api(store=Store(retention_s=0.0))
    api.create("namespaces", {"metadata": {"name": "ns"}})
    first = api.create("configmaps", {"metadata": {"name": "a", "namespace": "ns"}})
    api.patch("configmaps", "ns", "a", {"data": {"x": "1"}}, "merge")
    api.patch("configmaps", "ns", "a", {"data": {"x": "2"}}, "merge")
    with pytest.raises(ApiError) as err:
        api.watch("configmaps", "ns", resource_version=first["metadata"]["resourceVersion"])
    assert err.value.code == 410 and err.value.reason == "Expired"


def test_strategic_delete_from_primitive_list_and_set_element_order(api):
    api.create("configmaps", {"metadata": {"name": "f", "namespace": "ns", "finalizers": ["a.io/x", "b.io/y", "c.io/z"]}})
    out = api.patch("configmaps", "ns", "f", {"metadata": {"$deleteFromPrimitiveList/finalizers": ["b.io/y"],
                                                           "$setElementOrder/finalizers": ["c.io/z", "a.io/x"]}},
                    "strategic")
    assert out["metadata"]["finalizers"] == ["c.io/z", "a.io/x"]


def test_invalid_label_value_is_named_in_the_error(api):
    with pytest.raises(ApiError) as err:
        api.create("configmaps", {"metadata": {"name": "l", "namespace": "ns", "labels": {"app": "bad value!"}}})
    assert err.value.code == 422
    assert err.value.message.startswith('ConfigMap "l" is invalid: metadata.labels: Invalid value: "bad value!": '
                                        'a valid label must be an empty string or consist of alphanumeric')
    assert err.value.details["causes"][0]["field"] == "metadata.labels"


def test_scale_put_with_stale_resource_version_conflicts(api):
    api.create("deployments.apps", deploy())
    scale = api.get_scale("deployments.apps", "ns", "web")
    scale["spec"]["replicas"] = 4
    out = api.update("deployments.apps", scale, subresource="scale", namespace="ns", name="web")
    assert out["kind"] == "Scale" and out["spec"]["replicas"] == 4
    with pytest.raises(ApiError) as err:
        api.update("deployments.apps", scale, subresource="scale", namespace="ns", name="web")
    assert err.value.code == 409
    scale["spec"]["replicas"] = -1
    scale["metadata"].pop("resourceVersion")
    with pytest.raises(ApiError) as err:
        api.update("deployments.apps", scale, subresource="scale", namespace="ns", name="web")
    assert err.value.code == 422 and 'Scale.autoscaling "web" is invalid: spec.replicas' in err.value.message


@pytest.mark.parametrize("body, message", [
    ({"spec": {"replicas": "three"}}, 'json: cannot unmarshal string into Go struct field Deployment.spec.replicas '
                                      'of type int32'),
    ({"spec": ["not", "an", "object"]}, "json: cannot unmarshal array into Go struct field Deployment.spec of type "
                                        "struct"),
    ({"metadata": {"name": "web", "namespace": "ns", "labels": {"a": 1}}},
     "json: cannot unmarshal number into Go struct field Deployment.metadata.labels.a of type string"),
])
def test_wrongly_typed_values_are_refused_before_validation(api, body, message):
    obj = deploy()
    for key, value in body.items():
        obj[key] = value
    with pytest.raises(ApiError) as err:
        api.create("deployments.apps", obj)
    assert err.value.code == 400
    assert err.value.message == f'Deployment in version "v1" cannot be handled as a Deployment: {message}'


def test_null_structs_and_list_items_decode_to_zero_values(api):
    obj = deploy()
    obj["metadata"]["creationTimestamp"] = None
    obj["status"] = None
    obj["spec"]["template"]["spec"]["containers"][0]["ports"] = [None]
    with pytest.raises(ApiError) as err:
        api.create("deployments.apps", obj)
    # the null port became an empty ContainerPort, which validation then refuses by field
    assert err.value.code == 422
    assert "spec.template.spec.containers[0].ports[0].containerPort: Required value" in err.value.message
    obj["spec"]["template"]["spec"]["containers"][0].pop("ports")
    out = api.create("deployments.apps", obj)
    assert out["metadata"]["creationTimestamp"] and out["status"] == {}


def test_template_creation_timestamp_null_is_omitted_like_v1_36(api):
    obj = deploy()
    obj["spec"]["template"]["metadata"]["creationTimestamp"] = None
    out = api.create("deployments.apps", obj)
    assert "creationTimestamp" not in out["spec"]["template"]["metadata"]


def test_server_side_apply_through_the_events_k8s_io_view(api):
    ev = {"apiVersion": "events.k8s.io/v1", "kind": "Event", "metadata": {"name": "e2", "namespace": "ns"},
          "regarding": {"kind": "Pod", "name": "p", "namespace": "ns"}, "reason": "Started", "note": "first",
          "type": "Normal", "eventTime": "2026-11-26T11:00:00.000000Z", "action": "Start",
          "reportingController": "tester", "reportingInstance": "tester-1"}
    api.patch("events.events.k8s.io", "ns", "e2", ev, "apply", field_manager="tester")
    api.patch("events.events.k8s.io", "ns", "e2", {**ev, "note": "second"}, "apply", field_manager="tester")
    assert api.get("events", "ns", "e2")["message"] == "second"
