"""Wait predicates: when MCS, MCI and ServiceExport count as done, waiting or failed."""

from ansible_collections.progressive.delivery.plugins.module_utils.multicluster.predicates import (
    export_ready,
    mci_ready,
    mcs_synced,
)

LINKS = ["us-east1/a", "europe-west1/b"]


def mcs_obj(generation=2, observed=2, links=tuple(LINKS), synced="True", reason="Synced", message="ok"):
    return {"metadata": {"name": "web", "generation": generation},
            "status": {"observedGeneration": observed,
                       "clusters": [{"link": link, "cluster": link.split("/")[1], "derivedService": "mci-web-svc-x"}
                                    for link in links],
                       "conditions": [{"type": "Synced", "status": synced, "reason": reason, "message": message}]}}


def test_mcs_done_when_every_expected_cluster_has_a_derived_service():
    verdict = mcs_synced(LINKS)(mcs_obj())
    assert verdict.done and not verdict.failed and "us-east1/a" in verdict.message


def test_mcs_waits_for_the_current_generation():
    verdict = mcs_synced(LINKS)(mcs_obj(generation=3, observed=2))
    assert not verdict.done and not verdict.failed and "generation 3" in verdict.message


def test_mcs_waits_for_a_drained_cluster_to_go():
    verdict = mcs_synced(LINKS[:1])(mcs_obj())
    assert not verdict.done and "still in europe-west1/b" in verdict.message


def test_mcs_fails_fast_when_not_synced():
    verdict = mcs_synced(LINKS)(mcs_obj(synced="False", reason="NamespaceNotFound", message="create it"))
    assert verdict.failed and verdict.message == "NamespaceNotFound: create it"


def test_mcs_without_known_membership_takes_what_the_status_reports():
    assert mcs_synced(None)(mcs_obj(links=LINKS[:1])).done
    assert not mcs_synced(None)(None).done


def mci_obj(vip="34.1.2.3", backends=1, negs=2):
    return {"status": {"VIP": vip, "CloudResources": {
        "BackendServices": ["mci-x-8080-shop-web"] * backends,
        "NetworkEndpointGroups": ["zones/us-east1-b/networkEndpointGroups/k8s1-%d" % i for i in range(negs)]}}}


def test_mci_done_with_vip_backends_and_negs():
    assert mci_ready(1)(mci_obj()).done


def test_mci_waits_for_each_part():
    assert "VIP" in mci_ready(1)(mci_obj(vip=None)).message
    assert "1 of 2" in mci_ready(2)(mci_obj()).message
    assert "network endpoint groups" in mci_ready(1)(mci_obj(negs=0)).message
    assert not mci_ready(1)({"metadata": {}}).done


def conditions(*items):
    return {"status": {"conditions": [{"type": t, "status": s, "reason": r, "message": m} for t, s, r, m in items]}}


def test_export_ready_and_not_valid():
    assert export_ready(conditions(("Valid", "True", "Valid", ""), ("Ready", "True", "Exported", "ok"))).done
    verdict = export_ready(conditions(("Valid", "False", "NoService", "Service shop/web not found")))
    assert verdict.failed and "NoService" in verdict.message and "shop/web" in verdict.message
    assert not export_ready(conditions(("Valid", "True", "Valid", ""), ("Ready", "False", "Pending", ""))).done
    assert not export_ready(None).done
