"""gate_check's check options are declared once (common options + each provider's own); the module's
documentation must say the same: every option documented, with its type, elements, default and choices."""

import yaml

from ansible_collections.progressive.delivery.plugins.module_utils.gates.providers import registry
from ansible_collections.progressive.delivery.plugins.modules import gate_check

DOCS = yaml.safe_load(gate_check.DOCUMENTATION)["options"]["checks"]["suboptions"]
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
