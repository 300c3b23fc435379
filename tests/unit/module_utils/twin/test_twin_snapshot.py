"""The twin's copy of a real cluster's objects and its fleet file (plugins/module_utils/twin)."""

from ansible_collections.progressive.delivery.plugins.module_utils.twin import fleet_file, snapshot


def test_a_copied_object_keeps_what_a_create_sends_and_drops_what_the_server_owns():
    service = {"apiVersion": "v1", "kind": "Service", "status": {"loadBalancer": {}},
               "metadata": {"name": "web", "namespace": "shop", "uid": "u1", "resourceVersion": "42", "generation": 3,
                            "creationTimestamp": "2026-01-01T00:00:00Z", "managedFields": [{}], "labels": {"app": "web"},
                            "annotations": {"note": "kept"}},
               "spec": {"clusterIP": "10.0.0.1", "clusterIPs": ["10.0.0.1"], "selector": {"app": "web"}}}
    copied = snapshot.clean(service)
    assert copied == {"apiVersion": "v1", "kind": "Service",
                      "metadata": {"name": "web", "namespace": "shop", "labels": {"app": "web"}, "annotations": {"note": "kept"}},
                      "spec": {"selector": {"app": "web"}}}
    assert service["metadata"]["uid"] == "u1", "the real object must not be changed"


def test_the_twin_fleet_keeps_the_layout_and_takes_the_slowest_pod_ready_time_of_each_set():
    sets = {"services": {"environments": ["dev", "prod"], "regions": ["us-east1", "europe-west1"],
                         "clusters": ["services-dev-us-east1", "services-prod-us-east1"]},
            "batch": {"environments": ["dev"], "regions": ["us-east1"], "clusters": ["batch-dev-us-east1"]}}
    reads = {"services-dev-us-east1": {"pod_ready": {"seconds": 2.0}}, "services-prod-us-east1": {"pod_ready": {"seconds": 3.5}},
             "batch-dev-us-east1": {"pod_ready": None}}
    fleet, delays = fleet_file.twin_fleet(sets, reads, ["shop"], clock_speed=10, pod_ready_default=5)
    assert fleet["simulation"] == {"clock_speed": 10, "pod_ready_jitter": "0s", "namespaces": ["default", "shop"]}
    assert fleet["environment_sets"]["services"] == {"environments": ["dev", "prod"], "regions": ["us-east1", "europe-west1"],
                                                     "simulation": {"pod_ready_delay": "3.5s"}}
    assert delays == {"services": {"pod_ready_seconds": 3.5, "source": "measured"},
                      "batch": {"pod_ready_seconds": 5, "source": "default"}}
