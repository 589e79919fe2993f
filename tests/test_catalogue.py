"""The measure catalogue: the shipped example validates, and mistakes name file, key path and expectation."""
from __future__ import annotations

import copy

import pytest
import yaml

from cxdash.catalogue import load_catalogue
from cxdash.errors import UserError

from .conftest import CONFIG, SAMPLE

EXAMPLE = CONFIG / "catalogue.yaml"


@pytest.fixture
def example_data():
    return yaml.safe_load(EXAMPLE.read_text())


def _write(tmp_path, data):
    path = tmp_path / "catalogue.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def test_example_catalogue_covers_goals_objectives_measures(catalogue):
    assert len(catalogue.goals) == 3
    for measure in catalogue.measures:
        assert measure.definition and measure.owner and measure.source and measure.targets
        assert measure.unit == ("percent" if measure.params.statistic == "pct_agree" else "points")
    goal, objective = catalogue.goal_of("vba-contact-trust")
    assert (goal.id, objective.id) == ("g1-trust", "o1-veterans")
    vba = catalogue.service("vba-contact-center")
    assert vba.stages == ["Learn", "Apply", "Wait", "Receive", "Follow-up"]
    assert catalogue.find_service("Veterans Benefits Administration",
                                  "Contacting  the Benefits Administration contact center ") is vba


def test_example_services_exist_in_the_sample_data(catalogue):
    import pandas as pd
    sample = pd.read_csv(SAMPLE / "hisp_a11_quarterly_fy2021_fy2023q1.csv")
    pairs = {(p, " ".join(s.split())) for p, s in zip(sample.attributes_service_provider_name, sample.attributes_service_name)}
    real = [s for s in catalogue.services if s.agency != "EXAMPLE"]
    assert real and all((s.provider, s.name) in pairs for s in real)


@pytest.mark.parametrize("mutate, path, expected", [
    (lambda d: d["services"][0]["channels"].append("carrier_pigeon"),
     "services[0].channels", "unknown channel(s) ['carrier_pigeon']"),
    (lambda d: d["goals"][0]["objectives"][0]["measures"][0]["targets"].update({"FY2023": 91}),
     "goals[0].objectives[0].measures[0]", "outside 0.0-1.0"),
    (lambda d: d["goals"][1]["objectives"][0]["measures"][1].pop("owner"),
     "goals[1].objectives[0].measures[1].owner", "Field required"),
    (lambda d: d["goals"][0]["objectives"][0]["measures"][0]["params"].update({"statistic": "median"}),
     "goals[0].objectives[0].measures[0].params.statistic", "'pct_agree' or 'mean'"),
    (lambda d: d["goals"][0]["objectives"][0]["measures"][0].update({"direction": "up"}),
     "goals[0].objectives[0].measures[0].direction", "'higher' or 'lower'"),
    (lambda d: d["goals"][0]["objectives"][0]["measures"][0].update({"services": ["no-such-service"]}),
     "(top level)", "unknown service(s) ['no-such-service']"),
    (lambda d: d["services"][1].update({"default_stage": "Nowhere"}),
     "services[1]", "default_stage 'Nowhere' is not one of stages"),
    (lambda d: d["goals"][0].update({"colour": "blue"}),
     "goals[0].colour", "Extra inputs are not permitted"),
    (lambda d: d.update({"labels": {"questions": {"q2x": "Recommend"}}}),
     "labels.questions", "unknown question(s) ['q2x']"),
    (lambda d: d.update({"labels": {"segments": {"UserGroup": {"values": {"Group1": ""}}}}}),
     "labels.segments.UserGroup.values", "value(s) ['Group1'] have an empty label"),
    (lambda d: d["goals"][0]["objectives"][0]["measures"][0].update({"counts": ""}),
     "goals[0].objectives[0].measures[0].counts", "at least 1 character"),
])
def test_mistakes_name_file_key_path_and_expectation(tmp_path, example_data, mutate, path, expected):
    data = copy.deepcopy(example_data)
    mutate(data)
    file = _write(tmp_path, data)
    with pytest.raises(UserError) as caught:
        load_catalogue(file)
    message = str(caught.value)
    assert f"{file}: {path}" in message
    assert expected in message


def test_yaml_syntax_error_names_the_line(tmp_path):
    file = tmp_path / "broken.yaml"
    file.write_text("version: 1\nagency: x\nservices:\n  - id: [unclosed\n")
    with pytest.raises(UserError, match=r"broken\.yaml: line \d+, column \d+: not valid YAML"):
        load_catalogue(file)


def test_missing_file_is_a_user_error(tmp_path):
    with pytest.raises(UserError, match="file not found"):
        load_catalogue(tmp_path / "nope.yaml")


def test_an_edited_config_file_is_read_again_and_callers_get_their_own_copy(tmp_path):
    from cxdash.catalogue import parse_yaml
    path = tmp_path / "settings.yaml"
    path.write_text("min_n: 30\n")
    first = parse_yaml(path)
    first["min_n"] = 1  # a caller changing its copy changes nothing for the next
    assert parse_yaml(path) == {"min_n": 30}
    path.write_text("min_n: 100\n")
    assert parse_yaml(path) == {"min_n": 100}
    path.write_text("min_n: [\n")
    with pytest.raises(UserError, match=f"{path}: line 2, column 1: not valid YAML"):
        parse_yaml(path)


def test_practical_change_is_optional_per_measure_with_a_default_per_unit(tmp_path, example_data, catalogue):
    """A change is a clear change only when significant AND at least this large (issue 16)."""
    assert catalogue.measure("vha-outpatient-trust").practical_change == 0.01  # written out in the example
    assert catalogue.measure("vba-contact-trust").practical_change is None
    assert catalogue.measure("vba-contact-trust").change_threshold == 0.01  # 1 percentage point
    assert catalogue.measure("irs-filing-satisfaction").change_threshold == 0.05  # on the 1-5 scale
    assert catalogue.settings.report_lag_days == 45
    data = copy.deepcopy(example_data)
    data["goals"][0]["objectives"][0]["measures"][1]["practical_change"] = 0.025
    assert load_catalogue(_write(tmp_path, data)).measure("vba-contact-trust").change_threshold == 0.025
    data["goals"][0]["objectives"][0]["measures"][1]["practical_change"] = 2.5  # meant 2.5 points
    with pytest.raises(UserError, match=r"practical_change 2.5 is larger than the whole 'percent' scale"):
        load_catalogue(_write(tmp_path, data))
    data["goals"][0]["objectives"][0]["measures"][1]["practical_change"] = 0
    with pytest.raises(UserError, match=r"practical_change: Input should be greater than 0"):
        load_catalogue(_write(tmp_path, data))


def test_every_shipped_measure_says_what_it_counts(catalogue):
    assert all(m.counts and ("4 or 5" in m.counts or "average" in m.counts or "top two" in m.counts)
               for m in catalogue.measures)
    assert catalogue.labels.questions == {} and catalogue.labels.segments == {}  # the sample's codes are unlabeled
