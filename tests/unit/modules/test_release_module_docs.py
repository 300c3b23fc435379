"""The release modules list one doc fragment, progressive.delivery.release_module, for the options release_module()
gives them (module_support.py: the app, the lock and the cluster connection): the fragment documents exactly those
options, with the types and defaults the specs declare, and the text of the three fragments it is made of."""

import yaml

from ansible_collections.progressive.delivery.plugins.doc_fragments import k8s_auth, release_app, release_lock
from ansible_collections.progressive.delivery.plugins.doc_fragments.release_module import ModuleDocFragment
from ansible_collections.progressive.delivery.plugins.module_utils.k8s.args import AUTH_ARG_SPEC
from ansible_collections.progressive.delivery.plugins.module_utils.release.module_support import (
    APP_ARG_SPEC,
    LOCK_ARG_SPEC,
)

MERGED = yaml.safe_load(ModuleDocFragment.DOCUMENTATION)


def parts():
    return [yaml.safe_load(f.ModuleDocFragment.DOCUMENTATION) for f in (release_app, release_lock, k8s_auth)]


def test_the_fragment_documents_the_app_lock_and_auth_options_and_nothing_else():
    declared = dict(APP_ARG_SPEC, **LOCK_ARG_SPEC, **AUTH_ARG_SPEC)
    assert sorted(MERGED["options"]) == sorted(declared)
    mismatches = []
    for name, spec in declared.items():
        doc = MERGED["options"][name]
        if spec.get("type", "str") != doc.get("type", "str"):
            mismatches.append("%s: type %r, documented %r" % (name, spec.get("type"), doc.get("type")))
        if spec.get("default") is not None and str(spec["default"]) != str(doc.get("default")):
            mismatches.append("%s: default %r, documented %r" % (name, spec["default"], doc.get("default")))
    assert mismatches == []


def test_the_text_is_the_three_fragments_own():
    for part in parts():
        for name, doc in part["options"].items():
            assert MERGED["options"][name] == doc, name
    auth = parts()[2]
    assert MERGED["requirements"] == auth["requirements"]
    assert MERGED["notes"] == auth["notes"]
