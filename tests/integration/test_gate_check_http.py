"""gate_check's http smoke checks against fleetsim's Service fronts (real HTTP, simulated pods)."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.progressive.delivery.plugins.modules import gate_check

pytestmark = pytest.mark.timeout(240)

CLUSTER = "gatehttp-dev-us-east1"
SPEC = {"environment_sets": {"gatehttp": {"environments": ["dev"], "regions": ["us-east1"]}}}
# version -> (error rate, mean latency ms)
VERSIONS = {"v2": ("0", "5"), "v3": ("0.2", "5"), "v4": ("0", "300")}


def deployment(version, error_rate, latency_ms):
    labels = {"app": "cart", "version": version}
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "cart-" + version, "namespace": "default"},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels, "annotations": {"fleetsim.io/error-rate": error_rate,
                                                               "fleetsim.io/latency-ms": latency_ms}},
                "spec": {"containers": [{"name": "cart", "image": "shop/cart:" + version}]},
            },
        },
    }


def service(version):
    # One Service per version, like the canary-only Service a rollout creates for smoke tests.
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "cart-" + version, "namespace": "default"},
            "spec": {"selector": {"app": "cart", "version": version}, "ports": [{"port": 80, "targetPort": 8080}]}}


@pytest.fixture(scope="module")
def front(fleetsim_session_fleet):
    fleet = fleetsim_session_fleet(SPEC, clock_speed=10, pod_ready_delay="1s", pod_ready_jitter="0s", seed=7)
    api = fleet.runtime.clusters[CLUSTER].api
    for version, (error_rate, latency) in VERSIONS.items():
        fleet.call(api.create, "deployments.apps", deployment(version, error_rate, latency), "default")
        fleet.call(api.create, "services", service(version), "default")
    base = fleet.clusters[CLUSTER].front_url
    # Wait until every version's Service has ready endpoints (the front answers 503 until then).
    deadline = time.monotonic() + 60
    for version in VERSIONS:
        while True:
            try:
                with urllib.request.urlopen("%s/default/cart-%s/" % (base, version), timeout=5):
                    break
            except urllib.error.HTTPError as exc:
                if exc.code == 500:  # answered by a pod (simulated failure): ready
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "cart-%s never got ready endpoints" % version
            time.sleep(0.3)
    return base


def run(capsys, checks):
    with patch_module_args({"checks": checks}):
        with pytest.raises(SystemExit) as exit_info:
            gate_check.main()
    result = json.loads(capsys.readouterr().out)
    result["rc"] = exit_info.value.code
    return result


def smoke(front, version, **options):
    check = {"name": "smoke-" + version, "provider": "http", "url": "%s/default/cart-%s/healthz" % (front, version),
             "requests": 100, "required_pass_ratio": 0.95,
             "json_assertions": ["version == '%s'" % version, "code == `200`"]}
    check.update(options)
    return check


def test_good_version_passes(front, capsys):
    result = run(capsys, [smoke(front, "v2")])
    assert (result["rc"], result["verdict"]) == (0, "pass"), result["reason"]
    measurement = result["measurements"][0]
    assert measurement["value"] == 1.0
    assert len(measurement["series"]) == 100
    assert {s["labels"]["status"] for s in measurement["series"]} == {"200"}


def test_version_answering_20_percent_errors_fails(front, capsys):
    result = run(capsys, [smoke(front, "v3")])
    assert (result["rc"], result["verdict"]) == (1, "fail")
    ratio = result["measurements"][0]["value"]
    assert 0.65 < ratio < 0.95
    assert "does not meet success condition 'result >= required_pass_ratio'" in result["reason"]
    assert "HTTP 500, expected 200" in result["reason"]


def test_wrong_version_behind_the_service_fails_the_json_assertion(front, capsys):
    check = smoke(front, "v2", name="expects-v4", json_assertions=["version == 'v4'"], requests=3)
    result = run(capsys, [check])
    assert result["verdict"] == "fail"
    assert "json assertion 'version == 'v4'' is false" in result["reason"]


def test_slow_version_fails_max_latency(front, capsys):
    result = run(capsys, [smoke(front, "v4", requests=5, required_pass_ratio=1.0, max_latency_ms=150)])
    assert result["verdict"] == "fail"
    assert "max_latency_ms 150" in result["reason"]
    assert min(s["value"] for s in result["measurements"][0]["series"]) > 0.15


def test_unknown_service_fails_on_status(front, capsys):
    result = run(capsys, [{"name": "typo", "provider": "http", "url": front + "/default/crat/"}])
    assert result["verdict"] == "fail"
    assert "HTTP 404, expected 200" in result["reason"]
