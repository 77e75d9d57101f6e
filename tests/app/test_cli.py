"""Tests for the `crm-analysis` command line (the `run` command's behaviour is in test_runner.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from crm_analysis import __version__
from crm_analysis.app import cli


def test_help_and_version_return_zero(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--help"]) == 0
    assert "run" in capsys.readouterr().out
    assert cli.main(["--version"]) == 0
    assert __version__ in capsys.readouterr().out


def test_missing_or_unknown_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main([]) == 2
    assert cli.main(["dance"]) == 2
    assert "invalid choice" in capsys.readouterr().err


def test_run_options_are_parsed() -> None:
    args = cli.build_parser().parse_args(
        ["run", "--data", "x.csv", "--as-of", "2024-01-31", "--chapters", "01, 03", "-p", "a", "1", "-p", "b", "c"]
    )
    assert (args.data, args.as_of, args.chapters) == ("x.csv", "2024-01-31", ["01", "03"])
    assert args.parameter == [["a", "1"], ["b", "c"]]
    assert args.show_code is False and args.out is None
    defaults = cli.build_parser().parse_args(["run"])
    assert defaults.data == "teaching" and defaults.chapters is None and defaults.parameter == []


def test_empty_chapter_list_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["run", "--chapters", " , "]) == 2
    assert "at least one chapter" in capsys.readouterr().err


def test_generate_validates_its_options(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert cli.main(["generate", "--customers", "0", "--out", str(tmp_path)]) == 2
    assert cli.main(["generate", "--customers", "10", "--out", str(tmp_path), "--format", "xlsx"]) == 2
    assert cli.main(["generate", "--customers", "many", "--out", str(tmp_path)]) == 2
    capsys.readouterr()
    # without --customers: the teaching data's size (the README's SQLite loop relies on it)
    assert cli.build_parser().parse_args(["generate", "--out", str(tmp_path)]).customers == 5000


def test_generate_refuses_a_non_empty_folder_without_force(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("earlier work")
    assert cli.main(["generate", "--customers", "10", "--out", str(tmp_path)]) == 2
    assert "--force" in capsys.readouterr().err
    assert [p.name for p in tmp_path.iterdir()] == ["keep.txt"]


@pytest.mark.slow
def test_generate_writes_the_tables(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out = tmp_path / "gen"
    assert cli.main(["generate", "--customers", "40", "--out", str(out), "--format", "csv", "--seed", "5"]) == 0
    written = sorted(p.name for p in out.rglob("*.csv"))
    assert "customers.csv" in written and "transactions.csv" in written
    assert "wrote 40 customers" in capsys.readouterr().err
    # Writing again needs --force, and the same seed gives the same customers.
    first = (out / "customers.csv").read_bytes()
    assert cli.main(["generate", "--customers", "40", "--out", str(out), "--format", "csv", "--seed", "5"]) == 2
    assert (
        cli.main(["generate", "--customers", "40", "--out", str(out), "--format", "csv", "--seed", "5", "--force"]) == 0
    )
    assert (out / "customers.csv").read_bytes() == first


def test_a_database_password_reaches_the_run_but_does_not_stay_in_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import os

    from crm_analysis.data.sql import MAPPING_ENV, PASSWORD_ENV

    monkeypatch.delenv(PASSWORD_ENV, raising=False)
    monkeypatch.delenv(MAPPING_ENV, raising=False)
    seen = {}

    def fake_run_report(**kwargs: object) -> None:
        seen.update(source=kwargs["data_source"], password=os.environ.get(PASSWORD_ENV))
        raise cli.RunError("stopped by the test")

    monkeypatch.setattr(cli, "run_report", fake_run_report)
    url = "postgresql+psycopg://ana:Tr0ub4dor@localhost/crm"
    assert cli.main(["run", "--data", url, "--out", str(tmp_path)]) == 2
    assert seen == {"source": "postgresql+psycopg://ana@localhost/crm", "password": "Tr0ub4dor"}
    assert PASSWORD_ENV not in os.environ and MAPPING_ENV not in os.environ
    assert "Tr0ub4dor" not in capsys.readouterr().err


def test_teacher_flag_is_the_audience_parameter(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    seen: list[object] = []

    def fake_run_report(**kwargs: object) -> None:
        seen.append(dict(kwargs["parameters"]))  # type: ignore[call-overload]
        raise cli.RunError("stopped by the test")

    monkeypatch.setattr(cli, "run_report", fake_run_report)
    assert cli.main(["run", "--teacher", "--out", str(tmp_path)]) == 2
    assert cli.main(["run", "--teacher", "-p", "audience", "teacher", "--out", str(tmp_path)]) == 2
    assert cli.main(["run", "--out", str(tmp_path)]) == 2
    assert seen == [{"audience": "teacher"}, {"audience": "teacher"}, {}]
    assert cli.main(["run", "--teacher", "-p", "audience", "manager", "--out", str(tmp_path)]) == 2
    assert len(seen) == 3 and "--teacher contradicts -p audience manager" in capsys.readouterr().err


def test_screenshots_flag_saves_them_after_the_run(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    from types import SimpleNamespace

    result = SimpleNamespace(out_dir=tmp_path, index_html=tmp_path / "index.html", ok=True, failed=[], chapters=[])
    monkeypatch.setattr(cli, "run_report", lambda **kwargs: result)
    taken: list[Path] = []
    monkeypatch.setattr(cli.screenshots, "save_screenshots", lambda run_dir: taken.append(run_dir) or [])
    assert cli.main(["run", "--out", str(tmp_path)]) == 0 and taken == []
    assert cli.main(["run", "--out", str(tmp_path), "--screenshots"]) == 0 and taken == [tmp_path]

    def no_browser(run_dir: Path) -> list[Path]:
        raise RuntimeError("screenshots need the system chromium: apt-get install -y chromium")

    monkeypatch.setattr(cli.screenshots, "save_screenshots", no_browser)
    capsys.readouterr()
    assert cli.main(["run", "--out", str(tmp_path), "--screenshots"]) == 0  # the report stands
    assert capsys.readouterr().err.splitlines() == [
        "crm-analysis: warning: no screenshots: screenshots need the system chromium: apt-get install -y chromium",
        f"report: {tmp_path / 'index.html'}"]
