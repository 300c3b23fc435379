"""The AWX / Automation Controller assets in docs/awx/ against the collection, offline.

docs/awx/progressive-delivery.yml is an `awx import` document (the format `awx export` writes). It is read with
awxkit's own loader (awxkit.yaml_file.Loader, what `awx import --format yaml` uses) and checked against awxkit's
resource list and natural keys, then against this checkout: every playbook a job template names exists, every
variable a survey, extra_vars or a workflow node sets is a variable of that playbook (an option of the argument
spec of a role it runs, or a name the playbook itself reads), each survey question fits the role argument spec
of its variable (type, choices, default, required), the inventory source's file and variables are options of the
progressive.delivery.fleet plugin and give the groups the workflow limits its nodes to, the workflow runs the
environment sets side by side and each set's environments in the fleet's order with an approval node before
every prod environment, and the credential type injects exactly the K8S_AUTH_* variables the modules read.
"""

import json
import os
import re
import subprocess
import sys

import pytest
import yaml
from awxkit import yaml_file
from awxkit.api.pages import credentials, inventory, job_templates, projects, workflow_job_template_nodes
from awxkit.api.pages import workflow_job_templates
from awxkit.api.pages.api import EXPORTABLE_RESOURCES

from ansible_collections.progressive.delivery.plugins.module_utils.k8s.args import AUTH_ENV_VARS

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ASSETS = os.path.join(REPO, "docs", "awx", "progressive-delivery.yml")
BIN = os.path.dirname(sys.executable)
COLLECTION = "progressive.delivery."

# awxkit's page class of every natural-key type the document uses (their NATURAL_KEY is what import resolves by).
PAGES = {
    "credential_type": credentials.CredentialType,
    "project": projects.Project,
    "inventory": inventory.Inventory,
    "inventory_source": inventory.InventorySource,
    "job_template": job_templates.JobTemplate,
    "workflow_job_template": workflow_job_templates.WorkflowJobTemplate,
    "workflow_job_template_node": workflow_job_template_nodes.WorkflowJobTemplateNode,
}
# What an AWX install has before the import (the document references it, never defines it).
BUILT_IN = [{"name": "Default", "type": "organization"}]


@pytest.fixture(scope="module")
def assets():
    with open(ASSETS, encoding="utf-8") as stream:  # a named stream: the loader resolves !include beside it
        return yaml.load(stream, Loader=yaml_file.Loader)  # nosec - awxkit's SafeLoader subclass


def objects(assets):
    """(resource, object) for every top-level object and every workflow node."""
    for resource, items in assets.items():
        for item in items:
            yield resource, item
            for node in (item.get("related") or {}).get("workflow_nodes") or []:
                yield "workflow_nodes", node


def references(value):
    """Every natural-key reference (a dict with a type) inside a field's value."""
    if isinstance(value, dict):
        if "type" in value and isinstance(value["type"], str):
            yield value
        else:
            for inner in value.values():
                yield from references(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from references(inner)


def test_document_has_only_resources_awx_import_takes(assets):
    assert assets and set(assets) <= set(EXPORTABLE_RESOURCES), set(assets) - set(EXPORTABLE_RESOURCES)


def test_every_object_has_the_natural_key_awxkit_resolves_it_by(assets):
    for resource, item in objects(assets):
        key = item["natural_key"]
        page = PAGES[key["type"]]
        fields = set(key) - {"type"}
        assert fields <= set(page.NATURAL_KEY), (resource, key)
        for field in fields:
            assert key[field] == item.get(field, key[field]), (resource, field, key)
        assert ("name" in fields) != ("identifier" in fields), key


def test_every_reference_is_to_an_object_of_the_document_or_built_in(assets):
    known = [item["natural_key"] for resource, item in objects(assets)] + BUILT_IN
    for resource, item in objects(assets):
        for field, value in item.items():
            if field == "natural_key":
                continue
            for ref in references(value):
                if ref.get("type") in ("organization",) or "identifier" in ref or "name" in ref:
                    assert ref in known, (resource, item.get("name") or item.get("identifier"), field, ref)


# --- the collection's side -------------------------------------------------------------------------------


def load_yaml(path):
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def role_specs():
    """role -> {option: spec} over all entry points of its meta/argument_specs.yml."""
    specs = {}
    for role in os.listdir(os.path.join(REPO, "roles")):
        path = os.path.join(REPO, "roles", role, "meta", "argument_specs.yml")
        options = {}
        if os.path.isfile(path):
            for entry in (load_yaml(path).get("argument_specs") or {}).values():
                options.update(entry.get("options") or {})
        specs[role] = options
    return specs


def roles_named_in(text):
    return set(re.findall(r"progressive\.delivery\.([a-z_]+)", text))


def playbook_scope(playbook):
    """(the text of a playbook with what it imports, every role it runs directly or through other roles)."""
    texts, roles, todo, seen = [], set(), [os.path.join(REPO, playbook)], set()
    all_roles = set(os.listdir(os.path.join(REPO, "roles")))
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
        texts.append(text)
        for imported in re.findall(r"import_playbook:\s*([\w./-]+\.yml)", text):
            todo.append(os.path.join(os.path.dirname(path), imported))
        for role in roles_named_in(text) & all_roles:
            if role not in roles:
                roles.add(role)
                for base, dirs, files in os.walk(os.path.join(REPO, "roles", role)):
                    todo.extend(os.path.join(base, f) for f in files if f.endswith((".yml", ".yaml")))
    return "\n".join(texts), roles


@pytest.fixture(scope="module")
def specs():
    return role_specs()


def variable_spec(playbook, variable, specs):
    """The argument spec of `variable` for `playbook` ({} when the playbook reads it itself); fails when neither."""
    text, roles = playbook_scope(playbook)
    for role in sorted(roles):
        if variable in specs.get(role, {}):
            return specs[role][variable]
    assert re.search(r"\b%s\b" % re.escape(variable), text), \
        "%s sets %s, which no role of it takes and it does not read" % (playbook, variable)
    return {}


SURVEY_TYPES = {  # argument spec type -> survey question types that deliver a value of it
    "str": {"text", "textarea", "password", "multiplechoice"},
    "int": {"integer"},
    "float": {"float", "integer"},
    "bool": {"multiplechoice"},
    "list": {"text", "textarea", "multiselect"},  # validate_argument_spec splits "a,b" into a list
    "raw": {"text", "textarea", "multiselect", "multiplechoice"},
    "path": {"text"},
}


def check_question(playbook, question, specs):
    spec = variable_spec(playbook, question["variable"], specs)
    where = "%s: survey question %s" % (playbook, question["variable"])
    kind = spec.get("type", "str")
    assert question["type"] in SURVEY_TYPES[kind], "%s is %s, the argument spec says %s" % (where, question["type"], kind)
    default = question.get("default")
    if spec.get("choices"):
        assert question["type"] == "multiplechoice", where
        assert set(question["choices"]) <= set(spec["choices"]), where
    if question["type"] == "multiplechoice":
        assert default in ("", None) or default in question["choices"], where
        if kind == "bool":
            assert {str(c).lower() for c in question["choices"]} <= {"true", "false"}, where
    if kind == "int" and default not in ("", None):
        assert isinstance(default, int), where
    if spec.get("required") and spec.get("default") is None:
        assert question.get("required"), "%s: the argument spec requires it" % where
    if question.get("required") and question["type"] in ("text", "textarea"):
        assert question.get("min", 0) >= 1 or default, where


def job_templates_by_key(assets):
    return {json.dumps(t["natural_key"], sort_keys=True): t for t in assets.get("job_templates", [])}


def test_job_templates_run_playbooks_of_the_project(assets):
    project = assets["projects"][0]
    assert project["scm_url"].rstrip("/").endswith("progressive.delivery.git")
    for template in assets["job_templates"]:
        assert template["project"] == project["natural_key"]
        assert os.path.isfile(os.path.join(REPO, template["playbook"])), template["playbook"]
        assert template["playbook"].startswith("playbooks/")


def test_surveys_and_extra_vars_name_variables_of_the_playbook_with_fitting_questions(assets, specs):
    checked = 0
    for template in assets["job_templates"]:
        playbook = template["playbook"]
        for variable in yaml.safe_load(template.get("extra_vars") or "{}") or {}:
            variable_spec(playbook, variable, specs)
        survey = (template.get("related") or {}).get("survey_spec")
        assert template.get("survey_enabled") == bool(survey), template["name"]
        for question in (survey or {}).get("spec", []):
            check_question(playbook, question, specs)
            checked += 1
    assert checked >= 10


def test_the_credential_type_injects_the_k8s_auth_variables_the_modules_read(assets):
    (ctype,) = assets["credential_types"]
    fields = {f["id"]: f for f in ctype["inputs"]["fields"]}
    env = ctype["injectors"]["env"]
    assert set(env) <= set(AUTH_ENV_VARS.values()), set(env) - set(AUTH_ENV_VARS.values())
    # the connection of a fleet (kubeconfig + context) and of one API server (host + token) are both covered
    assert {"K8S_AUTH_KUBECONFIG", "K8S_AUTH_CONTEXT", "K8S_AUTH_HOST", "K8S_AUTH_API_KEY"} <= set(env)
    files = {key.split(".", 1)[1] for key in ctype["injectors"].get("file", {})}
    for value in list(env.values()) + list(ctype["injectors"].get("file", {}).values()):
        for name in re.findall(r"tower\.filename\.(\w+)", value):
            assert name in files, value
        for name in re.findall(r"(?:{{|{%\s*if)\s*(\w+)", value):
            assert name == "tower" or name in fields, value
    for secret in ("kubeconfig", "api_key"):
        assert fields[secret].get("secret") is True


@pytest.fixture(scope="module")
def fleet_plugin_options():
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.environ.get("ANSIBLE_COLLECTIONS_PATH", ""))
    proc = subprocess.run([os.path.join(BIN, "ansible-doc"), "-t", "inventory", "--json", COLLECTION + "fleet"],
                          capture_output=True, text=True, env=env, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)[COLLECTION + "fleet"]["doc"]["options"]


@pytest.fixture(scope="module")
def fleet_inventory(assets, tmp_path_factory):
    """The inventory the inventory source gives: its file with its source_vars, through the plugin."""
    (source,) = assets["inventory_sources"]
    config = load_yaml(os.path.join(REPO, source["source_path"]))
    config.update(yaml.safe_load(source.get("source_vars") or "{}") or {})
    path = tmp_path_factory.mktemp("awx-inventory") / os.path.basename(source["source_path"])
    path.write_text(yaml.safe_dump(config))
    env = dict(os.environ, ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED="true")
    proc = subprocess.run([os.path.join(BIN, "ansible-inventory"), "-i", str(path), "--list"],
                          capture_output=True, text=True, env=env, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    return config, json.loads(proc.stdout)


def test_inventory_source_is_a_fleet_plugin_file_with_known_options(assets, fleet_plugin_options, fleet_inventory):
    (source,) = assets["inventory_sources"]
    assert source["source"] == "scm" and source["source_project"] == assets["projects"][0]["natural_key"]
    assert source["source_path"].endswith(("fleet.yml", "fleet.yaml"))  # the plugin only takes such files
    assert source["inventory"] == assets["inventory"][0]["natural_key"]
    config, listed = fleet_inventory
    assert config["plugin"] == COLLECTION + "fleet"
    assert set(config) <= set(fleet_plugin_options), set(config) - set(fleet_plugin_options)
    assert listed["services"]["children"] == ["services_dev", "services_staging", "services_prod"]


def workflow_graph(workflow):
    nodes = {n["identifier"]: n for n in workflow["related"]["workflow_nodes"]}
    children = {name: [ref["identifier"] for ref in (n.get("related") or {}).get("success_nodes", [])]
                for name, n in nodes.items()}
    return nodes, children


def test_workflow_sets_side_by_side_environments_in_order_approval_before_prod(assets, fleet_inventory, specs):
    config, listed = fleet_inventory
    templates = job_templates_by_key(assets)
    (workflow,) = assets["workflow_job_templates"]
    nodes, children = workflow_graph(workflow)
    for name, kids in children.items():
        assert set(kids) <= set(nodes), name
        for ref in nodes[name].get("related", {}).get("success_nodes", []):
            assert ref["workflow_job_template"] == workflow["natural_key"]
    parents = {kid for kids in children.values() for kid in kids}
    roots = [name for name in nodes if name not in parents]

    sets = {}
    for root in roots:  # every root starts one environment set's chain; the roots run side by side
        chain, name = [], root
        while True:
            chain.append(name)
            assert len(children[name]) <= 1, "%s branches: environments of a set run one after the other" % name
            if not children[name]:
                break
            name = children[name][0]
        jobs = [nodes[n] for n in chain if "unified_job_template" in nodes[n]]
        approvals = [n for n in chain if "unified_job_template" not in nodes[n]]
        env_set = {job["extra_data"]["environment_promotion_set"] for job in jobs}
        assert len(env_set) == 1, chain
        env_set = env_set.pop()
        # each job is limited to localhost (the plan) and one environment group, in the fleet's order
        groups = []
        for job in jobs:
            limit = job["limit"].split(",")
            assert limit[0] == "localhost" and len(limit) == 2, job["limit"]
            groups.append(limit[1])
        assert groups == listed[env_set]["children"], (env_set, groups)
        for approval in approvals:
            template = nodes[approval]["related"]["create_approval_template"]
            assert template["name"] and template["timeout"] > 0
            following = children[approval]
            assert following and nodes[following[0]]["limit"].endswith("_prod"), approval
        for job in jobs:  # an approval node right before every prod environment, none elsewhere
            before = [n for n in chain if children[n] == [job["identifier"]]]
            is_prod = job["limit"].endswith("_prod")
            assert bool(before and before[0] in approvals) == is_prod, job["identifier"]
        sets[env_set] = chain
    assert set(sets) == set(config["environment_sets"]), "one chain per environment set of the fleet"

    survey = workflow["related"]["survey_spec"]["spec"]
    for job in (n for n in nodes.values() if "unified_job_template" in n):
        template = templates[json.dumps(job["unified_job_template"], sort_keys=True)]
        assert template.get("ask_limit_on_launch") and template.get("ask_variables_on_launch"), template["name"]
        for variable in job.get("extra_data", {}):
            variable_spec(template["playbook"], variable, specs)
        for question in survey:
            check_question(template["playbook"], question, specs)


def test_docs_show_how_to_load_the_assets():
    with open(os.path.join(REPO, "docs", "awx.md"), encoding="utf-8") as handle:
        text = handle.read()
    assert "awx import -f yaml < docs/awx/progressive-delivery.yml" in text
