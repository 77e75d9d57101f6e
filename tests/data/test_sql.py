"""Reading the canonical tables from SQL databases (crm_analysis.data.sql): SQLite and a throwaway PostgreSQL."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from crm_analysis.core import paths
from crm_analysis.core.errors import CRMDataError
from crm_analysis.data import synth
from crm_analysis.data.loading import load
from crm_analysis.data.sql import is_sql_url, load_sql, mask_url, read_mapping, rows_sha256

TABLES = ("customers", "transactions", "interactions", "exit_survey")

# Every table and every column renamed, as a CRM's own schema would name them.
RENAMED_TABLES = {"customers": "kunden", "transactions": "bestellungen", "interactions": "kontakte",
                  "exit_survey": "austritte"}


def _renamed(column: str) -> str:
    return "x_" + column.upper()


def _assert_same(got, want) -> None:
    for table in TABLES:
        pd.testing.assert_frame_equal(getattr(got, table), getattr(want, table), obj=table)
    pd.testing.assert_frame_equal(got.issues, want.issues, obj="issues")
    assert (got.quarantine is None) == (want.quarantine is None)


@pytest.fixture(scope="module")
def csv_data():
    if not (paths.TEACHING_DIR / "transactions.csv").is_file():
        pytest.skip("data/teaching/ is not generated yet")
    return load("teaching")


@pytest.fixture(scope="module")
def teaching_sqlite(tmp_path_factory) -> Path:
    """``crm-analysis generate --format sqlite``: the teaching data (same seed and size) as one database."""
    return synth.generate_to_dir(tmp_path_factory.mktemp("db") / "crm.db", fmt="sqlite")


def _write_renamed(engine: sa.Engine) -> dict:
    """The teaching CSV files, as text, under other table and column names (line number as primary key);
    returns the mapping that undoes the renaming."""
    mapping = {}
    with engine.begin() as connection:
        for table in TABLES:
            raw = pd.read_csv(paths.TEACHING_DIR / f"{table}.csv", dtype=str, keep_default_na=False)
            raw = raw.rename(columns=_renamed)
            raw.insert(0, "line_no", range(2, len(raw) + 2))
            raw.to_sql(RENAMED_TABLES[table], connection, index=False, if_exists="replace")
            connection.execute(sa.text(f'ALTER TABLE {RENAMED_TABLES[table]} ADD PRIMARY KEY (line_no)')) \
                if engine.dialect.name == "postgresql" else None
            columns = {c: _renamed(c) for c in pd.read_csv(paths.TEACHING_DIR / f"{table}.csv", nrows=0).columns}
            # the row numbers come from the database's line column (mapped to source_row)
            mapping[table] = {"table": RENAMED_TABLES[table], "columns": {"source_row": "line_no", **columns}}
    return mapping


def test_teaching_data_through_sqlite_equals_the_csv_folder(teaching_sqlite, csv_data) -> None:
    got = load(f"sqlite:///{teaching_sqlite}")
    _assert_same(got, csv_data)
    pd.testing.assert_frame_equal(got.truth.customers, csv_data.truth.customers)
    pd.testing.assert_frame_equal(got.truth.defects, csv_data.truth.defects)
    assert got.source == f"database sqlite:///{teaching_sqlite}"
    assert [f.lines_read for f in got.load_report.files[:4]] == [len(getattr(csv_data, t)) for t in TABLES]
    with sqlite3.connect(teaching_sqlite) as db:  # indexes on the keys
        indexes = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert {"ix_customers_customer_id", "ix_transactions_customer_id", "ix_transactions_order_date"} <= indexes


def test_teaching_data_through_postgresql_with_every_name_mapped(postgresql_url, csv_data, tmp_path) -> None:
    mapping = _write_renamed(sa.create_engine(postgresql_url))
    toml = tmp_path / "crm_mapping.toml"
    lines = []
    for table, entry in mapping.items():
        lines.append(f'[{table}]\ntable = "{entry["table"]}"\n[{table}.columns]')
        lines += [f'{c} = "{d}"' for c, d in entry["columns"].items()]
    toml.write_text("\n".join(lines) + "\n", encoding="utf-8")
    got = load(postgresql_url, mapping=toml)
    _assert_same(got, csv_data)
    assert got.truth is None
    assert "Tr0ub4dor" not in got.source and "***" in got.source


def test_sqlite_mapping_with_a_query_and_renamed_columns(tmp_path, csv_data) -> None:
    mapping = _write_renamed(sa.create_engine(f"sqlite:///{tmp_path / 'crm.db'}"))
    tx = mapping.pop("transactions")
    select = ", ".join(f"{d} AS {c}" for c, d in tx["columns"].items())
    mapping["transactions"] = f"SELECT {select} FROM bestellungen ORDER BY line_no"
    got = load_sql(f"sqlite:///{tmp_path / 'crm.db'}", mapping=mapping)
    _assert_same(got, csv_data)
    assert got.load_report.files[1].settings["source"] == ("query", "given")


@pytest.fixture()
def small_db(tmp_path) -> str:
    """A hostile little CRM: a bad amount, a blank row, a Chinese header, an extra column."""
    path = tmp_path / "small.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE orders (id INTEGER, member TEXT, paid_on TEXT, 金额 TEXT, note TEXT)")
        db.executemany("INSERT INTO orders VALUES (?, ?, ?, ?, ?)", [
            (1, "M1", "2024-01-05", "10.5", "x"), (2, "M1", "2024-02-01", "abc", None),
            (None, None, None, None, None), (4, "M2", "2024-03-01", "7", "y")])
    return f"sqlite:///{path}"


def test_values_log_quarantine_and_row_accounting(small_db) -> None:
    data = load_sql(small_db, mapping={"transactions": {"table": "orders", "columns": {
        "order_id": "id", "customer_id": "member", "order_date": "paid_on"}}})
    tx = data.transactions
    assert tx.index.tolist() == [2, 3, 5]  # the blank row (row 4) is quarantined, not dropped silently
    assert data.quarantine[["table", "source_row"]].values.tolist() == [["transactions", 4]]
    assert data.issues[["source_row", "column"]].values.tolist() == [[3, "amount"]]
    assert tx["amount"].tolist()[::2] == [10.5, 7.0] and "note" in tx.columns
    report = data.load_report.files[0]
    assert (report.lines_read, report.rows_quarantined) == (4, 1)


def test_errors_name_database_table_and_column(small_db) -> None:
    with pytest.raises(CRMDataError, match=r"table orders \(transactions\).*'paid_at'.*lacks"):
        load_sql(small_db, mapping={"transactions": {"table": "orders", "columns": {"order_date": "paid_at"}}})
    with pytest.raises(CRMDataError, match=r"table orders \(transactions\).*needs column\(s\) customer_id"):
        load_sql(small_db, mapping={"transactions": "orders"})
    bad = r"query \(transactions\): column 'amount'.*2 of 2 values are not a number \(row 2: 'x', row 5: 'y'\)"
    with pytest.raises(CRMDataError, match=bad):
        load_sql(small_db, mapping={"transactions": {"query": "SELECT member AS customer_id, paid_on AS order_date, "
                                                              "note AS amount FROM orders"}})
    with pytest.raises(CRMDataError, match="has no table or view 'no_such_table'"):
        load_sql(small_db, mapping={"customers": "no_such_table"})
    with pytest.raises(CRMDataError, match=r"query \(transactions\): the database refused the read: no such column"):
        load_sql(small_db, mapping={"transactions": "SELECT nope FROM orders"})
    with pytest.raises(CRMDataError, match="no customers or transactions table"):
        load_sql(small_db)
    with pytest.raises(CRMDataError, match="'orders' is not a canonical table"):
        read_mapping({"orders": "x"})
    with pytest.raises(CRMDataError, match="exactly one of 'table' or 'query'"):
        read_mapping({"customers": {"columns": {}}})


def test_an_unreachable_server_is_named_without_its_password(tmp_path) -> None:
    url = f"postgresql+psycopg://ana:Pa55-w0rd@/nodb?host={tmp_path}&port=1"
    with pytest.raises(CRMDataError) as error:
        load(url)
    assert "cannot read the database" in str(error.value)
    assert "Pa55-w0rd" not in str(error.value) and "ana:***@" in str(error.value)


@pytest.mark.parametrize(("url", "shown"), [
    ("postgresql+psycopg://ana:p%40ss@db:5432/crm", "postgresql+psycopg://ana:***@db:5432/crm"),
    ("mysql+pymysql://root:toor@localhost/crm?charset=utf8", "mysql+pymysql://root:***@localhost/crm?charset=utf8"),
    ("sqlite:////srv/crm.db", "sqlite:////srv/crm.db"),
])
def test_mask_url(url: str, shown: str) -> None:
    assert mask_url(url) == shown and is_sql_url(url)


def test_the_data_hash_of_a_database_is_that_of_its_rows(small_db, tmp_path) -> None:
    mapping = {"transactions": {"table": "orders", "columns": {"order_id": "id", "customer_id": "member",
                                                               "order_date": "paid_on", "amount": "金额"}}}
    digest = rows_sha256(load_sql(small_db, mapping=mapping).load_report.to_dict())
    assert len(digest) == 64 and digest == rows_sha256(load_sql(small_db, mapping=mapping).load_report.to_dict())
    copy = tmp_path / "copy.db"
    copy.write_bytes(Path(small_db.removeprefix("sqlite:///")).read_bytes())
    with sqlite3.connect(copy) as db:  # the same rows under another table name, in another file
        db.execute("ALTER TABLE orders RENAME TO bestellungen")
    moved = {"transactions": {**mapping["transactions"], "table": "bestellungen"}}
    assert rows_sha256(load_sql(f"sqlite:///{copy}", mapping=moved).load_report.to_dict()) == digest
    for change in ("UPDATE bestellungen SET 金额 = '7.01' WHERE id = 4", "DELETE FROM bestellungen WHERE id = 1",
                   "INSERT INTO bestellungen VALUES (5, 'M3', '2024-04-01', '1', NULL)"):
        with sqlite3.connect(copy) as db:
            db.execute(change)
        changed = rows_sha256(load_sql(f"sqlite:///{copy}", mapping=moved).load_report.to_dict())
        assert changed != digest, change
        digest = changed
