"""Benchmark the CRM database path (issue 18): the customer summary computed in PostgreSQL (``engine="sql"``)
against reading the lines into pandas, and the write-back of one result row per customer, in one run.

Usage::

    python benchmarks/bench_sql.py --url postgresql+psycopg://user@host/db [--customers N]

Without ``--url`` a throwaway server is started with initdb/pg_ctl in a temporary folder (as the
``postgres`` user when run as root) and stopped at the end. The lines are those of
``crm-analysis generate --customers N --format parquet`` (cached, see README), loaded into the
table ``bench_transactions`` with ``COPY`` (timed, not compared). Then, side by side:

- ``rfm_summary(url, engine="sql")``: the database groups the lines, one row per customer comes back;
- ``pd.read_sql_query`` of the lines + the pandas engine (what a user without engine="sql" does);
- the same two ways for the customer features (``customer_features(url, engine="sql")``);
- ``write_back`` of N result rows: PostgreSQL ``COPY``, and SQLite ``executemany`` batches.

The two summaries are checked to be identical (rtol 1e-9).
"""

from __future__ import annotations

import argparse
import glob
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import generated, machine, print_table

from crm_analysis.app.writeback import write_back
from crm_analysis.core.crmdata import CRMData
from crm_analysis.features import customer_features, rfm_summary

AS_OF = "2026-01-01"


def start_server(root: Path) -> tuple[str, list[str], Path]:
    """initdb + pg_ctl start in ``root``; returns the URL, the command prefix and the bin folder."""
    bindir = Path(shutil.which("initdb") or sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))[-1]).resolve().parent
    prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    (root / "sock").mkdir()
    if prefix:
        subprocess.run(["chown", "-R", "postgres", str(root)], check=True)
    subprocess.run([*prefix, str(bindir / "initdb"), "-D", str(root / "data"), "-U", "bench", "-A", "trust",
                    "--no-sync"], check=True, capture_output=True)
    options = f"-k {root / 'sock'} -p 55999 -c listen_addresses='' -c fsync=off -c max_wal_size=4GB"
    subprocess.run([*prefix, str(bindir / "pg_ctl"), "-D", str(root / "data"), "-o", options, "-w", "-l",
                    str(root / "log"), "start"], check=True, capture_output=True)
    return f"postgresql+psycopg://bench@/postgres?host={root / 'sock'}&port=55999", prefix, bindir


def copy_lines(url: str, tx: pd.DataFrame) -> float:
    """Load the lines into bench_transactions with COPY; seconds."""
    engine = sa.create_engine(url)
    start = time.perf_counter()
    with engine.begin() as connection:
        connection.execute(sa.text("DROP TABLE IF EXISTS bench_transactions"))
        connection.execute(sa.text("CREATE TABLE bench_transactions (customer_id TEXT, order_id TEXT, "
                                   "order_date TIMESTAMP, amount DOUBLE PRECISION, status TEXT)"))
        raw = connection.connection.driver_connection
        with raw.cursor() as cursor, cursor.copy("COPY bench_transactions FROM STDIN") as copy:
            for part in range(0, len(tx), 500_000):
                chunk = tx.iloc[part:part + 500_000]
                for row in chunk.itertuples(index=False, name=None):
                    copy.write_row(row)
    with engine.connect() as connection:
        connection.execute(sa.text("ANALYZE bench_transactions"))
    engine.dispose()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", default=None, help="PostgreSQL URL (default: a throwaway server)")
    parser.add_argument("--customers", type=int, default=1_000_000)
    args = parser.parse_args()
    folder = generated(args.customers)
    tx = pd.read_parquet(folder / "transactions.parquet", columns=["customer_id", "order_id", "order_date", "amount",
                                                                      "status"])
    tx = tx.dropna(subset=["customer_id", "order_date", "amount"])
    tx = tx.astype({"customer_id": object, "order_id": object, "status": object, "amount": "float64"})
    root = Path(tempfile.mkdtemp(prefix="crm-bench-pg-"))
    prefix: list[str] = []
    url = args.url
    if url is None:
        url, prefix, bindir = start_server(root)
    try:
        load_s = copy_lines(url, tx)
        start = time.perf_counter()
        in_db = rfm_summary(url, engine="sql", table="bench_transactions", as_of=AS_OF)
        sql_s = time.perf_counter() - start
        start = time.perf_counter()
        engine = sa.create_engine(url)
        with engine.connect() as connection:
            lines = pd.read_sql_query("SELECT customer_id, order_id, order_date, amount, status FROM "
                                      "bench_transactions", connection)
        read_s = time.perf_counter() - start
        in_pandas = rfm_summary(lines, as_of=AS_OF)
        pandas_s = time.perf_counter() - start
        pd.testing.assert_frame_equal(in_db, in_pandas.astype(in_db.dtypes.to_dict()), check_exact=False, rtol=1e-9)
        start = time.perf_counter()
        features_db = customer_features(url, engine="sql", table="bench_transactions", as_of=AS_OF)
        features_sql_s = time.perf_counter() - start
        start = time.perf_counter()
        features_pd = customer_features(CRMData(transactions=lines), as_of=AS_OF, include_attributes=False)
        features_pandas_s = read_s + time.perf_counter() - start
        pd.testing.assert_frame_equal(features_db, features_pd.astype(features_db.dtypes.to_dict()),
                                      check_exact=False, rtol=1e-9)
        rng = np.random.default_rng(0)
        results = pd.DataFrame({"rfm_segment": rng.choice(["champions", "loyal", "at risk", "lost"], len(in_db)),
                                "clv": rng.gamma(2.0, 50.0, len(in_db)), "p_alive": rng.random(len(in_db))},
                               index=in_db.index)
        start = time.perf_counter()
        write_back(url, run_id="bench", status="ok", results=results)
        copy_s = time.perf_counter() - start
        sqlite_url = f"sqlite:///{root / 'results.db'}"
        start = time.perf_counter()
        write_back(sqlite_url, run_id="bench", status="ok", results=results)
        sqlite_s = time.perf_counter() - start
    finally:
        if args.url is None:
            subprocess.run([*prefix, str(bindir / "pg_ctl"), "-D", str(root / "data"), "-m", "fast", "stop"],
                           capture_output=True)
        shutil.rmtree(root, ignore_errors=True)
    print(machine())
    print_table(
        f"{args.customers:,} customers, {len(tx):,} lines in PostgreSQL (loaded with COPY in {load_s:.1f} s)",
        ["step", "seconds", "rows over the wire"],
        [["summary in the database (engine='sql')", round(sql_s, 1), len(in_db)],
         ["read the lines into pandas", round(read_s, 1), len(lines)],
         ["read the lines + pandas summary", round(pandas_s, 1), len(lines)],
         ["customer features in the database (engine='sql')", round(features_sql_s, 1), len(features_db)],
         ["read the lines + pandas customer features", round(features_pandas_s, 1), len(lines)],
         [f"write-back {len(results):,} rows, PostgreSQL COPY", round(copy_s, 1), len(results)],
         [f"write-back {len(results):,} rows, SQLite executemany", round(sqlite_s, 1), len(results)]],
    )
    print("identical summaries and customer features: yes")


if __name__ == "__main__":
    main()
