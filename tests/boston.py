"""The shipped Boston 311 sample (real, ODC PDDL; data/sample/PROVENANCE.md) as the tests read it
on their own, without cxdash: the file, its mapping's name and, written out here rather than taken
from the project, how the mapping turns its sources and statuses into channels and stages."""
from __future__ import annotations

import pandas as pd

from .conftest import SAMPLE

BOSTON = SAMPLE / "boston_311_sample.csv"
MAPPING = "boston-311"
ROWS = 3864
FMT = "%Y-%m-%d %H:%M:%S"
CHANNELS = {"Constituent Call": "phone", "Citizens Connect App": "mobile_app", "Self Service": "website",
            "Twitter": "social_media", "City Worker App": "other_non_digital",
            "Employee Generated": "other_non_digital"}
STAGES = {"Open": "process", "Closed": "end"}
# The department with the most cases (1,834, with due dates): cases opened in FY2019 Q2 and Q3
# (January to June 2019; the fiscal year starts on 1 October).
PROVIDER = "Public Works Department"
SERVICE = "Pick up Dead Animal"  # the department's one request type in the sample


def city_catalogue(catalogue):
    """The shipped catalogue plus the Public Works service, as a city's catalogue would name it:
    the single-service pages offer only catalogue services."""
    from cxdash.catalogue import Service
    added = Service(id="boston-dead-animal", name=SERVICE, provider=PROVIDER, agency="Boston", stages=["process", "end"])
    return catalogue.model_copy(update={"services": [*catalogue.services, added]})


def source(name: str = "311") -> dict:
    """The sample as an item of a sources.yaml."""
    return {"name": name, "kind": "cases", "mapping": MAPPING, "cadence": "daily", "location": {"files": str(BOSTON)}}


def read_raw() -> pd.DataFrame:
    """The file as pandas reads it, with the columns the tests compare under common names: provider,
    service, channel and stage mapped as the mapping does, and the local dates created, due, closed."""
    frame = pd.read_csv(BOSTON, dtype=str)
    frame["provider"], frame["service"] = frame["subject"], frame["type"]
    frame["channel"], frame["stage"] = frame["source"].map(CHANNELS), frame["case_status"].map(STAGES)
    for column, name in (("open_dt", "created"), ("sla_target_dt", "due"), ("closed_dt", "closed")):
        frame[name] = pd.to_datetime(frame[column], format=FMT).dt.normalize()
    return frame
