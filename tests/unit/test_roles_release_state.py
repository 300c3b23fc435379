"""Release state is decided in plugins/module_utils/release only: the roles and playbooks call the modules and
branch on what they return; they never read or write the release's annotations themselves (issue 15)."""

import pathlib
import re

from ansible_collections.progressive.delivery.plugins.module_utils.release import lock, reject_list
from ansible_collections.progressive.delivery.plugins.module_utils.release import state as st

REPO = pathlib.Path(__file__).resolve().parents[2]
CONTENT = [p for d in ("roles", "playbooks") for p in sorted((REPO / d).rglob("*.yml"))]

# Every annotation and record key the release keeps on a cluster.
RELEASE_KEYS = sorted({value for name, value in vars(st).items() if name.isupper() and isinstance(value, str)
                       and value.startswith(st.PREFIX)} | {lock.ANNOTATION, reject_list.DATA_KEY})
# The approval_gate role waits for an annotation a person writes (its default key lives under the same prefix): an
# operator's input, not release state, so it is the one prefix use allowed, in that role only.
APPROVAL_INPUT = "progressive.delivery/approved-version"


def test_the_release_keys_are_known():
    assert "progressive.delivery/frozen" in RELEASE_KEYS and "progressive.delivery/lock" in RELEASE_KEYS
    assert len(RELEASE_KEYS) > 15


def test_no_role_or_playbook_reads_or_writes_a_release_annotation():
    found = []
    for path in CONTENT:
        for number, line in enumerate(path.read_text().splitlines(), 1):
            for key in re.findall(r"progressive\.delivery/[a-z-]+", line):
                if key == APPROVAL_INPUT and path.relative_to(REPO).parts[:2] == ("roles", "approval_gate"):
                    continue
                found.append("%s:%d: %s" % (path.relative_to(REPO), number, key))
            if reject_list.DATA_KEY in line:
                found.append("%s:%d: %s" % (path.relative_to(REPO), number, reject_list.DATA_KEY))
    assert found == [], "release state handled outside module_utils/release:\n" + "\n".join(found)


def test_release_roles_use_no_kubernetes_core_for_release_state():
    release_roles = ("canary_release", "multicluster_release", "environment_promotion", "fleet_status")
    found = [str(p.relative_to(REPO)) for p in CONTENT
             if p.relative_to(REPO).parts[0] == "playbooks" or p.relative_to(REPO).parts[1] in release_roles
             if "kubernetes.core." in p.read_text()]
    assert found == []
