"""The collection as users get it: the built tarball installs offline, ansible-doc renders every module
from the installed copy, and ansible-builder turns the execution-environment metadata into a build context
whose dependency introspection finds the collection's Python requirements."""

import json
import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.timeout(600)

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
BIN = os.path.dirname(sys.executable)
SOURCE_MODULES = sorted(
    name[:-3] for name in os.listdir(os.path.join(REPO, "plugins", "modules"))
    if name.endswith(".py") and not name.startswith("_")
) if os.path.isdir(os.path.join(REPO, "plugins", "modules")) else []


def run(*args, env=None, cwd=None):
    result = subprocess.run(args, capture_output=True, text=True, env=env, cwd=cwd, check=False)
    report = "%s failed (%d):\n%s\n%s" % (" ".join(args), result.returncode, result.stdout, result.stderr)
    assert result.returncode == 0, report
    return result


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """Build the tarball from the checkout and install it offline into an empty collections path."""
    build_dir = tmp_path_factory.mktemp("build")
    collections = tmp_path_factory.mktemp("collections")
    # Only the fresh install may be visible: not the checkout linked into .venv/collections, not ansible.cfg.
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    config = build_dir / "ansible.cfg"
    config.write_text("[defaults]\n")
    env.update(ANSIBLE_COLLECTIONS_PATH=str(collections), ANSIBLE_COLLECTIONS_SCAN_SYS_PATH="false",
               ANSIBLE_CONFIG=str(config))
    run(os.path.join(BIN, "ansible-galaxy"), "collection", "build", "--output-path", str(build_dir), REPO, env=env,
        cwd=str(build_dir))
    tarballs = [p for p in build_dir.iterdir() if p.name.startswith("progressive-delivery-")]
    assert len(tarballs) == 1
    # The tarball alone: its declared dependencies are test_collection_install.py's subject.
    run(os.path.join(BIN, "ansible-galaxy"), "collection", "install", "--offline", "--no-deps", "-p", str(collections),
        str(tarballs[0]), env=env, cwd=str(build_dir))
    root = collections / "ansible_collections" / "progressive" / "delivery"
    return {"tarball": tarballs[0], "path": collections, "root": root, "env": env}


def test_tarball_ships_the_collection_and_nothing_else(installed):
    root = installed["root"]
    manifest = json.loads((root / "MANIFEST.json").read_text())
    assert manifest["collection_info"]["namespace"] == "progressive"
    assert manifest["collection_info"]["license"] == ["GPL-3.0-or-later"]
    for shipped in ("plugins/module_utils/k8s/client.py", "plugins/doc_fragments/k8s_auth.py", "meta/runtime.yml",
                    "meta/execution-environment.yml", "requirements.txt", "bindep.txt", "README.md"):
        assert (root / shipped).is_file(), shipped
    for dev_only in ("tools", "bench", "tests", "scripts", ".venv", "Makefile", "ansible.cfg"):
        assert not (root / dev_only).exists(), dev_only
    shipped_modules = sorted(p.stem for p in (root / "plugins" / "modules").glob("*.py") if not p.stem.startswith("_"))
    assert shipped_modules == SOURCE_MODULES


@pytest.fixture(scope="module")
def rendered_docs(installed):
    """ansible-doc over every module of the installed collection, as JSON and as the text users read."""
    names = ["progressive.delivery." + m for m in SOURCE_MODULES]
    as_json = json.loads(run(os.path.join(BIN, "ansible-doc"), "-t", "module", "--json", *names,
                             env=installed["env"]).stdout)
    text = run(os.path.join(BIN, "ansible-doc"), "-t", "module", *names, env=dict(installed["env"], ANSIBLE_NOCOLOR="1"))
    return as_json, text


@pytest.mark.parametrize("module", SOURCE_MODULES)
def test_ansible_doc_renders_the_installed_module(rendered_docs, module):
    as_json, text = rendered_docs
    fqcn = "progressive.delivery." + module
    doc = as_json[fqcn]["doc"]
    assert doc["module"] == module and doc.get("short_description")
    assert doc.get("options") is not None
    assert "> MODULE " + fqcn in text.stdout
    assert fqcn not in text.stderr, text.stderr  # ansible-doc names a module whose docs it could not render


def test_every_module_is_in_the_action_group(installed):
    import yaml

    runtime = yaml.safe_load((installed["root"] / "meta" / "runtime.yml").read_text())
    group = runtime["action_groups"]["delivery"]
    assert sorted(group) == SOURCE_MODULES, "meta/runtime.yml action_groups.delivery must list every module"


def test_execution_environment_build_context(installed, tmp_path):
    run("bash", os.path.join(REPO, "scripts", "ee-context.sh"), str(tmp_path))
    context = tmp_path / "context"
    assert (context / "Containerfile").is_file()
    assert "collections/progressive-delivery-" in (context / "_build" / "requirements.yml").read_text()
    assert list((context / "_build" / "collections").glob("progressive-delivery-*.tar.gz"))
    # The image build runs this introspection over the installed collections; it must pick up
    # requirements.txt through meta/execution-environment.yml.
    result = run(sys.executable, str(context / "_build" / "scripts" / "introspect.py"), "introspect",
                 str(installed["path"]))
    assert "kubernetes>=24.2.0" in result.stdout and "jmespath" in result.stdout
    assert "progressive.delivery" in result.stdout
