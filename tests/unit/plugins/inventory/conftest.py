"""Load the fleet inventory plugin through Ansible's own plugin loader, as ansible-inventory does."""

import os
import sys
import textwrap

import pytest


REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))


@pytest.fixture(scope="session")
def fleet_plugin_loader():
    # Imported here, not at collection time: loading Ansible's plugin machinery changes how other unit tests'
    # modules report warnings.
    from ansible.plugins.loader import init_plugin_loader, inventory_loader

    # tests/conftest.py made the collection importable as a plain package; Ansible's collection loader
    # needs its own package objects (they carry the collection metadata). Dropping only the three package
    # levels lets it recreate them while every module already imported stays the same object.
    for name in ("ansible_collections", "ansible_collections.progressive", "ansible_collections.progressive.delivery"):
        module = sys.modules.get(name)
        if module is not None and not hasattr(module, "_collection_meta"):
            del sys.modules[name]
    init_plugin_loader([os.environ["ANSIBLE_COLLECTIONS_PATH"]])
    return inventory_loader


@pytest.fixture
def write_config(tmp_path):
    """write_config(text, name="fleet.yml") -> path of an inventory configuration file in tmp_path."""

    def write(text, name="fleet.yml"):
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return str(path)

    return write


@pytest.fixture
def load_inventory(fleet_plugin_loader):
    """load_inventory(path) -> InventoryManager with the sources parsed (what playbooks see)."""

    from ansible.inventory.manager import InventoryManager
    from ansible.parsing.dataloader import DataLoader

    def load(path):
        return InventoryManager(loader=DataLoader(), sources=[path])

    return load


@pytest.fixture
def parse_with_plugin(fleet_plugin_loader):
    """parse_with_plugin(path) -> InventoryData, raising the plugin's own error (the manager would warn)."""

    from ansible.inventory.data import InventoryData
    from ansible.parsing.dataloader import DataLoader

    def parse(path):
        plugin = fleet_plugin_loader.get("progressive.delivery.fleet")
        assert plugin.verify_file(path), "%s is not a fleet inventory file name" % path
        data = InventoryData()
        plugin.parse(data, DataLoader(), path, cache=False)
        return data

    return parse
