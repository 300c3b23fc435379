"""A gate's options are declared once (gates/gate_options.py: the common check options + each provider's own,
prometheus, fail_on_inconclusive) and documented once (the progressive.delivery.gate doc fragment, used by
gate_check and scale_step): the fragment must say the same, every option with its type, elements, default and
choices."""

import yaml

from ansible_collections.progressive.delivery.plugins.module_utils.gates.providers import registry
from ansible_collections.progressive.delivery.plugins.doc_fragments.gate import ModuleDocFragment
from ansible_collections.progressive.delivery.plugins.module_utils.gates.gate_options import GATE_ARG_SPEC
from ansible_collections.progressive.delivery.plugins.modules import gate_check, scale_step

FRAGMENT = yaml.safe_load(ModuleDocFragment.DOCUMENTATION)["options"]
DOCS = FRAGMENT["checks"]["suboptions"]
SPEC = registry.check_argument_spec()


def test_every_declared_option_is_documented_and_nothing_else():
    assert sorted(DOCS) == sorted(SPEC)


def test_types_defaults_and_choices_agree():
    mismatches = []
    for name, spec in SPEC.items():
        doc = DOCS[name]
        for key in ("type", "elements", "default", "choices", "required"):
            declared = spec.get(key, False if key == "required" else None)
            documented = doc.get(key, False if key == "required" else None)
            if key == "default" and declared is not None and documented is not None:
                declared, documented = str(declared), str(documented)
            if declared != documented:
                mismatches.append("%s.%s: declared %r, documented %r" % (name, key, declared, documented))
    assert mismatches == []


def test_each_provider_documents_which_options_it_needs():
    for provider, options in ((p.name, p.required) for p in registry.PROVIDERS.values()):
        for option in options:
            assert provider in " ".join(DOCS[option]["description"]) or "V(%s)" % provider in str(DOCS[option])


def test_the_gate_options_and_prometheus_suboptions_agree():
    assert sorted(FRAGMENT) == sorted(GATE_ARG_SPEC)
    documented = FRAGMENT["prometheus"]["suboptions"]
    declared = GATE_ARG_SPEC["prometheus"]["options"]
    assert sorted(documented) == sorted(declared)
    for name, spec in declared.items():
        assert documented[name]["type"] == spec["type"], name
        assert documented[name].get("required", False) == spec.get("required", False), name
        assert str(documented[name].get("default")) == str(spec.get("default")), name


def test_gate_check_requires_checks_and_scale_step_gates_only_when_given_checks():
    for module, required in ((gate_check, True), (scale_step, False)):
        doc = yaml.safe_load(module.DOCUMENTATION)
        assert "progressive.delivery.gate" in doc["extends_documentation_fragment"], module.__name__
        assert doc["options"]["checks"].get("required", False) is required, module.__name__
