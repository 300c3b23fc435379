"""Load the real kube-apiserver bodies copied into tests/unit/fixtures/apiserver."""

import copy
import json
import os

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "apiserver")


def load_fixture(name):
    with open(os.path.join(FIXTURES, name)) as f:
        if name.endswith(".jsonl"):
            return [json.loads(line) for line in f if line.strip()]
        return json.load(f)


def deployment_from_sequence_line(line):
    """Expand a compact line of deploy_rolling_update_status_sequence.jsonl onto the real Deployment body."""
    obj = copy.deepcopy(load_fixture("deploy_after_scale_ready.json"))
    obj["metadata"]["generation"] = line["gen"]
    obj["status"] = dict(line["status"])
    obj["status"]["conditions"] = [{"type": t, "status": s, "reason": r} for t, s, r in line["conds"]]
    return obj
