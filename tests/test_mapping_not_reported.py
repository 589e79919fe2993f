"""Every mapped kind with a channel accepts not_reported (a fixed value, a value map's target or
the value of blank cells): contacts, feedback and survey responses, as cases do."""
from __future__ import annotations

import pandas as pd
import yaml
from sqlalchemy import select

from cxdash import paths
from cxdash.db.models import ContactInterval, FeedbackItem, SurveyResponse
from cxdash.loaders import contacts, feedback, survey_responses

from .conftest import SAMPLE


def _mapping(tmp_path, name: str, **changes):
    data = yaml.safe_load((paths.default_config_dir() / "mappings" / f"{name}.yaml").read_text())
    data.update(changes)
    path = tmp_path / f"{name}-changed.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def _channels(engine, model) -> set:
    with engine.connect() as conn:
        return set(conn.execute(select(model.channel)).scalars())


def test_contact_intervals_can_say_their_channel_is_not_reported(engine, tmp_path):
    path = _mapping(tmp_path, "example-contact-centre", channel={"value": "not_reported"})
    report = contacts.load(engine, SAMPLE / "contact_centre_SYNTHETIC.csv", path)
    assert report.rows_loaded > 0 and _channels(engine, ContactInterval) == {"not_reported"}


def test_feedback_with_a_blank_channel_cell_is_kept_as_not_reported(engine, tmp_path):
    frame = pd.read_csv(SAMPLE / "complaints_SYNTHETIC.csv", dtype=str, keep_default_na=False).head(40)
    frame.loc[frame.index[:4], "Channel"] = ""
    frame.to_csv(tmp_path / "complaints.csv", index=False)
    data = yaml.safe_load((paths.default_config_dir() / "mappings" / "example-complaints.yaml").read_text())
    path = _mapping(tmp_path, "example-complaints", channel={**data["channel"], "blank": "not_reported"})
    report = feedback.load(engine, tmp_path / "complaints.csv", path)
    assert report.rows_loaded > 0 and all(r.field != "Channel" for r in report.rejections)
    with engine.connect() as conn:
        kept = dict(conn.execute(select(FeedbackItem.item_key, FeedbackItem.channel)).all())
    blanked = [k for k in frame["Complaint ID"].iloc[:4] if k in kept]
    assert blanked and {kept[k] for k in blanked} == {"not_reported"}
    without = _mapping(tmp_path, "example-complaints")  # without blank: the rows are rejected, saying how to fix it
    again = feedback.load(engine, tmp_path / "complaints.csv", without, source="strict")
    assert any(r.field == "Channel" and "blank:" in r.reason for r in again.rejections)


def test_survey_responses_can_say_their_channel_is_not_reported(engine, tmp_path, catalogue):
    path = _mapping(tmp_path, "touchpoints-form-a11", channel={"value": "not_reported"})
    report = survey_responses.load(engine, SAMPLE / "a11_v2_response_level_SYNTHETIC.csv", catalogue, path)
    assert report.rows_loaded > 0 and _channels(engine, SurveyResponse) == {"not_reported"}
