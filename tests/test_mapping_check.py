"""cxdash mapping check (issue 17): what a mapping makes of a file before anything is stored; a
load says beside its result when the header has columns the mapping neither reads nor ignores,
or lacks columns it ignores."""
from __future__ import annotations

import pandas as pd
import yaml
from click.testing import CliRunner

from cxdash import paths
from cxdash.cli import main
from cxdash.db.engine import make_engine, upgrade
from cxdash.loaders import cases
from cxdash.loaders.mapping_check import NOT_USED, check

from .boston import BOSTON, MAPPING


def _mapping(tmp_path, **changes):
    data = yaml.safe_load((paths.default_config_dir() / "mappings" / f"{MAPPING}.yaml").read_text())
    data.update(changes)
    path = tmp_path / "mapping.yaml"
    path.write_text(yaml.safe_dump(data))
    return path, data


def test_every_column_of_the_sample_is_read_or_ignored_and_the_dry_run_is_the_load(tmp_path):
    frame = pd.read_csv(BOSTON, dtype=str, keep_default_na=False)
    frame.loc[frame.index[:3], "open_dt"] = "not a date"  # three rows a load would reject
    frame.to_csv(tmp_path / "cases.csv", index=False)
    report = check(tmp_path / "cases.csv", MAPPING)
    mapping = yaml.safe_load((paths.default_config_dir() / "mappings" / f"{MAPPING}.yaml").read_text())
    assert [c for c, _ in report.columns] == list(frame.columns)
    assert {c for c, what in report.columns if what == "ignored"} == set(mapping["ignore"])
    assert dict(report.columns)["open_dt"] == "read as created at"
    assert report.unused == [] and report.ok
    assert (report.rows_read, report.rows_read - report.rows_good) == (len(frame), 3)
    assert sum(report.rejected.values()) == 3 and all(r.field == "open_dt" for r in report.first_rejections)

    engine = make_engine(f"sqlite:///{tmp_path / 'cx.db'}")  # nothing stored by the check; a load agrees
    upgrade(engine)
    loaded = cases.load(engine, tmp_path / "cases.csv", MAPPING)
    assert (loaded.rows_loaded, loaded.rows_rejected) == (report.rows_good, 3)


def test_a_column_neither_read_nor_ignored_is_shown(tmp_path):
    frame = pd.read_csv(BOSTON, dtype=str, keep_default_na=False).assign(caller_type="")
    frame.to_csv(tmp_path / "cases.csv", index=False)
    result = CliRunner().invoke(main, ["mapping", "check", str(tmp_path / "cases.csv"), "--mapping", MAPPING])
    assert result.exit_code == 0, result.output
    assert any(line.split()[0] == "caller_type" and line.endswith(NOT_USED) for line in result.output.splitlines())
    assert "nothing was stored" in result.output
    upgrade(make_engine(f"sqlite:///{tmp_path / 'cx.db'}"))
    loaded = CliRunner().invoke(main, ["load", "cases", str(tmp_path / "cases.csv"), "--mapping", MAPPING,
                                       "--db", f"sqlite:///{tmp_path / 'cx.db'}"])
    assert loaded.exit_code == 0, loaded.output
    assert "note: column(s) neither read nor listed under ignore: caller_type" in loaded.output


def test_a_mapping_that_is_not_this_exports_fails_the_check_and_the_load_says_so(tmp_path):
    frame = pd.read_csv(BOSTON, dtype=str, keep_default_na=False).drop(columns=["geom_4326"])
    frame.to_csv(tmp_path / "cases.csv", index=False)
    path, _ = _mapping(tmp_path)
    result = CliRunner().invoke(main, ["mapping", "check", str(tmp_path / "cases.csv"), "--mapping", str(path)])
    assert result.exit_code != 0
    assert "listed under ignore but not in the file: geom_4326" in result.output
    engine = make_engine(f"sqlite:///{tmp_path / 'cx.db'}")
    upgrade(engine)
    loaded = CliRunner().invoke(main, ["load", "cases", str(tmp_path / "cases.csv"), "--mapping", str(path),
                                       "--db", f"sqlite:///{tmp_path / 'cx.db'}"])
    # the load goes ahead (nothing it reads is missing) and says so beside its result
    assert loaded.exit_code == 0, loaded.output
    assert "lists under ignore column(s) the file does not have: geom_4326" in loaded.output
    assert "cxdash mapping check" in loaded.output

    missing = frame.drop(columns=["open_dt"])
    missing.to_csv(tmp_path / "short.csv", index=False)
    short, _ = _mapping(tmp_path, ignore=[c for c in _mapping(tmp_path)[1]["ignore"] if c != "geom_4326"])
    result = CliRunner().invoke(main, ["mapping", "check", str(tmp_path / "short.csv"), "--mapping", str(short)])
    assert result.exit_code != 0 and "missing from the file (the mapping reads them): open_dt" in result.output
