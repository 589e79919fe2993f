"""Mapping files: the shipped ones are sound, and every mistake names the file and key path."""
from __future__ import annotations

import csv

import pytest
import yaml

from cxdash.errors import UserError
from cxdash.mappings import Mapping, available_mappings, load_mapping

from .conftest import CONFIG, SAMPLE

SHIPPED = {"touchpoints-form-a11": "a11_v2_response_level_SYNTHETIC.csv",
           "touchpoints-form-a11-export2": "a11_v2_drivers_SYNTHETIC.csv"}
GOOD = {
    "name": "good", "kind": "survey-responses", "response_key": "ID",
    "submitted_at": {"column": "CreatedAt", "date_format": "iso"},
    "provider": {"value": "P"}, "service": {"value": "S"}, "channel": {"value": "computer"},
    "questions": {"satisfaction": {"column": "Satisfaction", "scale": "5pt"},
                  "trust": {"column": "Trust", "scale": "binary"}},
    "ignore": ["FreeText"],
}


def header(path):
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return next(csv.reader(handle))


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_shipped_mappings_fit_their_example_and_the_catalogue(name, catalogue):
    mapping = load_mapping(name)
    assert mapping.name == name and mapping.kind == "survey-responses"
    columns = header(SAMPLE / SHIPPED[name])
    assert set(mapping.required_columns()) <= set(columns)
    # every column of the export is accounted for: read, segment or deliberately ignored
    assert set(columns) == set(mapping.required_columns()) | set(mapping.ignore)
    assert "FreeText" in mapping.ignore and "FreeText" not in mapping.read_columns()
    assert set(mapping.questions) == {"satisfaction", "trust", "effectiveness", "ease", "efficiency",
                                      "transparency", "employee"}
    assert {q.scale for q in mapping.questions.values()} == {"5pt"}
    entry = catalogue.find_service(mapping.provider.value, mapping.service.value)
    assert entry is not None and entry.id == "example-web-form"
    assert mapping.channel.value == "computer" and mapping.stage is None
    assert mapping.submitted_at.timezone == "America/New_York"


def test_both_shipped_shapes_share_one_source():
    assert {load_mapping(n).key_source for n in SHIPPED} == {"touchpoints-form-example"}
    assert set(SHIPPED) <= set(available_mappings())


def _error(tmp_path, data) -> tuple[str, str]:
    path = tmp_path / "typo.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False) if not isinstance(data, str) else data, encoding="utf-8")
    with pytest.raises(UserError) as info:
        load_mapping(path)
    return str(path), str(info.value)


def _with(**changes):
    data = yaml.safe_load(yaml.safe_dump(GOOD))
    for dotted, value in changes.items():
        *parents, last = dotted.split("__")
        node = data
        for key in parents:
            node = node[key]
        node[last] = value
    return data


def test_good_mapping_loads(tmp_path):
    path = tmp_path / "good.yaml"
    path.write_text(yaml.safe_dump(GOOD), encoding="utf-8")
    mapping = load_mapping(path)
    assert isinstance(mapping, Mapping) and mapping.key_source == "good"
    assert mapping.read_columns() == ["ID", "CreatedAt", "Satisfaction", "Trust"]
    assert mapping.missing_values == ["null", "nan", "NA", "N/A"]


@pytest.mark.parametrize("changes,expected", [
    ({"questions__satisfaction__colum": "Sat"}, "questions.satisfaction.colum: Extra inputs are not permitted"),
    ({"questions__trust__scale": "7pt"}, "questions.trust.scale: Input should be '5pt' or 'binary'"),
    ({"questions__satisfction": {"column": "X", "scale": "5pt"}}, "questions.satisfction: unknown question 'satisfction'"),
    ({"questions__q2": {"column": "X", "scale": "5pt"}}, "questions.q2: unknown question 'q2' (q2 is named 'trust')"),
    ({"questions__q9": {"column": "Satisfaction", "scale": "5pt"}},
     "questions: column(s) ['Satisfaction'] mapped to more than one question"),
    ({"segmnts": ["Region"]}, "segmnts: Extra inputs are not permitted"),
    ({"kind": "quarterly"}, "kind: Input should be 'survey-responses'"),
    ({"submitted_at__timezone": "America/Nowhere"}, "submitted_at.timezone: unknown time zone 'America/Nowhere'"),
    ({"submitted_at__format": "iso"}, "submitted_at.format: Extra inputs are not permitted"),
    ({"channel": {"value": "web"}}, "channel: channel(s) ['web'] are not Touchpoints channels"),
    ({"channel": {"column": "Channel", "values": {"Web": "computer", "Phone": "telephone"}}},
     "channel: channel(s) ['telephone'] are not Touchpoints channels"),
    ({"service": {"value": "S", "column": "Service"}}, "service: give either value (a fixed value) or column"),
    ({"service": {"value": "S", "values": {"a": "b"}}}, "service: values (a value map) goes with column"),
    ({"stage": "end"}, "stage: Input should be a valid dictionary or instance of Source"),
    ({"ignore": ["FreeText", "Trust"]}, "column(s) ['Trust'] are both mapped and listed under ignore"),
])
def test_mistakes_name_the_file_and_key_path(tmp_path, changes, expected):
    path, message = _error(tmp_path, _with(**changes))
    assert message.startswith(f"{path}: ")
    assert expected in message


def test_missing_keys_are_named(tmp_path):
    data = {k: v for k, v in GOOD.items() if k not in ("response_key", "questions")}
    path, message = _error(tmp_path, data)
    assert f"{path}: response_key: Field required" in message
    assert f"{path}: questions: Field required" in message


def test_not_yaml_or_not_a_mapping(tmp_path):
    path, message = _error(tmp_path, "name: [unclosed\n")
    assert message.startswith(f"{path}:") and "not valid YAML" in message
    _, message = _error(tmp_path, "- just\n- a list\n")
    assert "(top level)" in message


def test_names_are_looked_up_in_the_mappings_directory(tmp_path, monkeypatch):
    monkeypatch.setenv("CXDASH_CONFIG_DIR", str(tmp_path))
    (tmp_path / "mappings").mkdir()
    (tmp_path / "mappings" / "mine.yaml").write_text(yaml.safe_dump({**GOOD, "name": "mine"}), encoding="utf-8")
    (tmp_path / "mappings" / "other.yaml").write_text(yaml.safe_dump({**GOOD, "name": "other"}), encoding="utf-8")
    assert load_mapping("mine").name == "mine"
    assert load_mapping("mine.yaml").name == "mine"
    with pytest.raises(UserError) as info:
        load_mapping("mnie")
    listed = str(info.value).split("available mappings: ")[1].split(", ")
    assert "unknown mapping 'mnie'" in str(info.value) and {"mine", "other"} <= set(listed) and listed == sorted(listed)


def test_shipped_mapping_files_live_in_config():
    assert {p.stem for p in (CONFIG / "mappings").glob("*.yaml")} >= set(SHIPPED)
