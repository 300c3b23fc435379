"""Load the visibility callbacks through Ansible's plugin loader (so their documented options apply), and
fake the few Ansible objects a callback reads: host, task, task result, stats."""

import os
import sys

import pytest


@pytest.fixture(scope="session")
def callback_loader():
    from ansible.plugins.loader import callback_loader as loader
    from ansible.plugins.loader import init_plugin_loader

    # Same dance as the inventory tests: Ansible's collection loader needs its own package objects.
    for name in ("ansible_collections", "ansible_collections.progressive", "ansible_collections.progressive.delivery"):
        module = sys.modules.get(name)
        if module is not None and not hasattr(module, "_collection_meta"):
            del sys.modules[name]
    init_plugin_loader([os.environ["ANSIBLE_COLLECTIONS_PATH"]])
    return loader


class FakeHost(object):
    def __init__(self, name, **hostvars):
        self.name = name
        self.vars = hostvars

    def get_name(self):
        return self.name

    def get_vars(self):
        return dict(self.vars, inventory_hostname=self.name)


class FakeTask(object):
    def __init__(self, action, args, name="task"):
        self.resolved_action = action
        self.action = action
        self.args = args
        self.name = name
        self._uuid = "%s-%s" % (action, id(self))
        self.check_mode = False

    def get_name(self):
        return self.name


class FakeResult(object):
    def __init__(self, host, task, result):
        self.host = host
        self.task = task
        self.result = result


class FakeStats(object):
    def __init__(self, summary):
        self.processed = dict((host, 1) for host in summary)
        self._summary = summary

    def summarize(self, host):
        return self._summary[host]


class FakePlaybook(object):
    _file_name = "/somewhere/playbooks/release.yml"


@pytest.fixture
def drive():
    """drive(callback, samples, host) plays module results (rollout_samples tuples) through the callback hooks."""

    def run(callback, samples, host=None, stats=None, finish=True):
        host = host or FakeHost("shop-dev-us-east1", fleet_set="shop", fleet_environment="dev", fleet_region="us-east1")
        callback.v2_playbook_on_start(FakePlaybook())
        for module, args, result, failed in samples:
            action = module if "." in module else "progressive.delivery." + module
            task = FakeTask(action, args, name="run " + module)
            callback.v2_runner_on_start(host, task)
            if failed:
                callback.v2_runner_on_failed(FakeResult(host, task, result))
            else:
                callback.v2_runner_on_ok(FakeResult(host, task, result))
        if finish:
            callback.v2_playbook_on_stats(FakeStats(stats or {host.get_name(): {"failures": 0, "unreachable": 0}}))

    return run


class Display(object):
    """Collects what a callback prints."""

    def __init__(self):
        self.lines = []
        self.warnings = []
        self.verbosity = 0

    def display(self, msg, **kwargs):
        self.lines.append(msg)

    def warning(self, msg, **kwargs):
        self.warnings.append(msg)


@pytest.fixture
def display():
    return Display()
