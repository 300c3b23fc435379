"""The list-variable filters: lists as the command line gives them, parsed or refused in one line."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.progressive.delivery.plugins.filter.list_var import FilterModule as ListVarFilters
from ansible_collections.progressive.delivery.plugins.filter.waves import FilterModule as WavesFilters

waves = WavesFilters().filters()["waves"]
list_var = ListVarFilters().filters()["list_var"]

WAVES_MESSAGE = """multicluster_release_waves needs a list, e.g. -e '{"multicluster_release_waves": [1, "100%"]}' (got """


@pytest.mark.parametrize("given, expected", [
    ([1, "100%"], [1, "100%"]),
    ([1, "50%", "100%"], [1, "50%", "100%"]),
    (["1", "100%"], [1, "100%"]),
    ("1,100%", [1, "100%"]),
    ("1, 50%,100%", [1, "50%", "100%"]),
    (" 2 , 100 % ", [2, "100%"]),
    ('[1, "100%"]', [1, "100%"]),
    ("[1, '50%', 100%]", [1, "50%", "100%"]),
    ("3", [3]),
    (2, [2]),
    # Ranges are the preflight's business (it names the wave that is wrong): the form is all that counts here.
    ("0,150%", [0, "150%"]),
])
def test_waves_parse_what_serial_takes(given, expected):
    assert waves(given) == expected


@pytest.mark.parametrize("given, shown", [
    ("banana", "'banana'"),
    ("1,,100%", "'1,,100%'"),
    ("1,", "'1,'"),
    ("1.5%", "'1.5%'"),
    ("[1, 100%", "'[1, 100%'"),
    ('{"a": 1}', """'{"a": 1}'"""),
    ({"wave": 1}, """'{"wave": 1}'"""),
    ([1, None], "'[1, null]'"),
    ([True], "'[true]'"),
    (None, "'null'"),
    (1.5, "'1.5'"),
])
def test_anything_else_is_one_line_naming_the_form_that_works(given, shown):
    with pytest.raises(AnsibleFilterError) as err:
        waves(given)
    assert err.value.message == WAVES_MESSAGE + shown + ")"
    assert "\n" not in err.value.message


@pytest.mark.parametrize("given, expected", [
    ([25, 50, 100], [25, 50, 100]),
    ("25,50,100", [25, 50, 100]),
    ("25, 50, 100", [25, 50, 100]),
    ("[25, 50, 100]", [25, 50, 100]),
    (["25", 100], [25, 100]),
    ("100", [100]),
    ("", []),
    ([], []),
])
def test_int_lists(given, expected):
    assert list_var(given, "canary_release_weights", [10, 25, 50, 100], "int") == expected


@pytest.mark.parametrize("given", ["banana", "25,fifty,100", "[25, 50.5]", [True], 25, {"a": 1}, "25,,100"])
def test_int_lists_refused(given):
    with pytest.raises(AnsibleFilterError) as err:
        list_var(given, "canary_release_weights", [10, 25, 50, 100], "int")
    message = err.value.message
    assert message.startswith("canary_release_weights needs a list of whole numbers, e.g. "
                              """-e '{"canary_release_weights": [10, 25, 50, 100]}' (got """), message
    assert "\n" not in message


def test_strings_dicts_and_raw():
    assert list_var("kube-system, monitoring", "ns", ["kube-system"], "str") == ["kube-system", "monitoring"]
    assert list_var([1, "a"], "ns", ["kube-system"], "str") == ["1", "a"]
    ports = '[{"name": "http", "port": 80, "target_port": 8080}]'
    assert list_var(ports, "multicluster_release_ports", [], "dict") == [{"name": "http", "port": 80, "target_port": 8080}]
    assert list_var("[{name: http, port: 80}]", "p", [], "dict") == [{"name": "http", "port": 80}]
    assert list_var("200,a", "x", [200]) == [200, "a"]
    assert list_var(["200"], "x", [200]) == ["200"]  # raw keeps a real list's elements as they are
    with pytest.raises(AnsibleFilterError) as err:
        list_var("http:80", "multicluster_release_ports", [{"name": "http", "port": 80}], "dict")
    assert err.value.message == ("multicluster_release_ports needs a list of dictionaries, e.g. -e "
                                 """'{"multicluster_release_ports": [{"name": "http", "port": 80}]}' (got 'http:80')""")


def test_a_long_value_is_cut_in_the_message():
    with pytest.raises(AnsibleFilterError) as err:
        list_var("x" * 500, "v", [1], "int")
    assert err.value.message.endswith("...')") and len(err.value.message) < 250


def test_unknown_element_kind():
    with pytest.raises(AnsibleFilterError) as err:
        list_var([1], "v", [1], "float")
    assert "elements must be one of raw, int, str, dict, wave" in err.value.message
