"""``crm-analysis run --data <postgresql url with a password> --write-back``: run history, a failed run, chapter 2's
migration read from the database, and the password nowhere in the outputs."""

from __future__ import annotations

import json
import sqlite3

import pandas as pd
import pytest
import sqlalchemy as sa

from crm_analysis.app import cli
from crm_analysis.data import synth
from crm_analysis.data.sql import MAPPING_ENV, PASSWORD_ENV, RESULT_COLUMNS, read_results
from crm_analysis.segment.migration import NOT_YET, migration_matrix, previous_segments

PASSWORD = "Tr0ub4dor-s3cret"  # in the postgresql_url fixture


@pytest.fixture(scope="module")
def crm_database(postgresql_url, tmp_path_factory) -> str:
    """300 generated customers in the canonical tables of the throwaway PostgreSQL database."""
    small = synth.generate_to_dir(tmp_path_factory.mktemp("gen") / "small.db", n_customers=300, fmt="sqlite", seed=7)
    engine = sa.create_engine(postgresql_url)
    with sqlite3.connect(small) as source, engine.begin() as target:
        target.execute(sa.text("DROP TABLE IF EXISTS crm_customer_results, crm_runs"))
        for table in ("customers", "transactions", "interactions", "exit_survey"):
            pd.read_sql_query(f"SELECT * FROM {table}", source).to_sql(table, target, index=False, if_exists="replace")
    return postgresql_url


def test_two_runs_a_failed_run_and_no_password_anywhere(crm_database, tmp_path, capfd, monkeypatch) -> None:
    monkeypatch.delenv(PASSWORD_ENV, raising=False)
    monkeypatch.delenv(MAPPING_ENV, raising=False)
    assert PASSWORD in crm_database
    outs = [tmp_path / name for name in ("run-1", "run-2", "run-3")]
    common = ["run", "--data", crm_database, "--chapters", "02", "--quiet", "--write-back", "--as-of"]
    assert cli.main([*common, "2025-06-30", "--out", str(outs[0])]) == 0
    assert cli.main([*common, "2025-12-31", "--out", str(outs[1])]) == 0
    assert cli.main([*common, "2025-12-31", "--out", str(outs[2]), "-p", "engine", "nosuch"]) == 1
    printed = capfd.readouterr()

    results = read_results(crm_database)
    counts = results.groupby("run_id").size()
    assert counts.index.tolist() == ["run-1", "run-2"] and (counts > 250).all()
    assert results["rfm_segment"].notna().all() and results["abc_tier"].isin(["A", "B", "C"]).all()
    with sa.create_engine(crm_database).connect() as connection:
        runs = pd.read_sql_query("SELECT run_id, status, error, as_of FROM crm_runs ORDER BY run_id", connection)
        columns = [c["name"] for c in sa.inspect(connection).get_columns("crm_customer_results")]
    assert runs["status"].tolist() == ["ok", "ok", "failed"]
    assert "02_segmentation" in runs["error"][2] and str(runs["as_of"][0]) == "2025-06-30"
    assert not {"name", "phone", "email"} & set(columns)  # no personal data written back

    # chapter 2's migration from the previous run, read from the database
    before, run_id = previous_segments(crm_database, before_run="run-2")
    after, _ = previous_segments(crm_database)
    assert run_id == "run-1" and len(before) == counts["run-1"]
    assert migration_matrix(before, after).to_numpy().sum() == counts["run-2"]

    # the password: in no file of the three run folders (and their hidden hand-off siblings), nor in what the
    # command printed
    files = [p for out in outs for folder in (out, *out.parent.glob(f".{out.name}.*")) for p in folder.rglob("*")
             if p.is_file()]
    assert len(files) > 10
    leaked = [str(p) for p in files if PASSWORD.encode() in p.read_bytes()]
    assert not leaked
    assert PASSWORD not in printed.out + printed.err
    assert "write-back: " in printed.err and "crm:***@" not in printed.err  # the URL is shown without it


@pytest.fixture(scope="module")
def generated_sqlite(tmp_path_factory) -> str:
    """``crm-analysis generate --format sqlite``: 1,000 customers of the teaching generator in one database."""
    path = synth.generate_to_dir(tmp_path_factory.mktemp("gen") / "crm.db", n_customers=1000, fmt="sqlite", seed=7)
    return f"sqlite:///{path}"


def _note_lines(notebook) -> str:
    return "\n".join(str(output.get("text", "")) + str(output.get("data", {}).get("text/markdown", ""))
                     for cell in json.loads(notebook.read_text(encoding="utf-8"))["cells"]
                     for output in cell.get("outputs", []))


def test_sqlite_runs_fill_every_result_column_and_chapter_2_reads_the_previous_run(generated_sqlite, tmp_path,
                                                                                   monkeypatch) -> None:
    monkeypatch.delenv(MAPPING_ENV, raising=False)
    first, second, third = (tmp_path / name for name in ("run-1", "run-2", "run-3"))
    common = ["run", "--data", generated_sqlite, "--quiet", "--write-back"]
    assert cli.main([*common, "--chapters", "02,03,04", "--as-of", "2025-06-30", "--out", str(first)]) == 0
    assert cli.main([*common, "--chapters", "02", "--out", str(second)]) == 0
    assert cli.main([*common, "--chapters", "02", "--out", str(third), "-p", "engine", "nosuch"]) == 1

    results = read_results(generated_sqlite)
    one = results[results["run_id"] == "run-1"]
    # every column the issue lists is filled from the run's hand-off (chapters 2, 3 and 4); only a churn reason
    # can be missing: an active customer with no reason code and a lost one whose reason is unknown
    empty = [c for c in RESULT_COLUMNS if one[c].isna().all()]
    assert not empty and len(one) > 800
    assert one[["r_score", "f_score", "m_score"]].isin(range(1, 6)).all().all()
    assert set(one["churn_reason_source"].dropna()) <= {"stated", "inferred", "code"}
    assert {"stated", "inferred"} <= set(one["churn_reason_source"])
    assert one["service_level"].notna().all() and str(one["as_of"].iloc[0]) == "2025-06-30"

    with sa.create_engine(generated_sqlite).connect() as connection:
        runs = pd.read_sql_query("SELECT run_id, status, data_sha256 FROM crm_runs ORDER BY run_id", connection)
    assert runs["status"].tolist() == ["ok", "ok", "failed"]
    assert read_results(generated_sqlite, status="failed").empty  # the failed run left no results
    hashes = [json.loads((out / "run.json").read_text())["data_sha256"] for out in (first, second)]
    assert hashes[0] == hashes[1] == runs["data_sha256"][0] and len(hashes[0]) == 64  # the same rows read

    # chapter 2 of run-2 compared with run-1's segments read from the database, not recomputed
    text = _note_lines(second / "02_segmentation.ipynb")
    assert "Movement since the previous run written back to the database (run run-1, as of 2025-06-30" in text
    moves = pd.read_csv(second / "tables" / "segment_migration_rfm.csv").set_index("before")
    now = set(results.loc[results["run_id"] == "run-2", "customer_id"])
    assert int(moves.loc[NOT_YET].sum()) == len(now - set(one["customer_id"]))
    assert int(moves.drop(index=NOT_YET).to_numpy().sum()) == len(now & set(one["customer_id"]))
