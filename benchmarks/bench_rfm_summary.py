"""Benchmark crm_analysis.features.rfm_summary against DuckDB (and lifetimes, if available).

Usage::

    python benchmarks/bench_rfm_summary.py [--rows N] [--quick] [--lifetimes-python PATH]

Generates N random transaction lines (default 10,000,000; ``--quick`` 1,000,000) for
about N/10 customers over three years, times ``rfm_summary`` (days) with its peak
traced memory, then a plain DuckDB GROUP BY of the same aggregates, and, with
``--lifetimes-python``, lifetimes' ``summary_data_from_transaction_data`` in a
subprocess. Results are checked to be identical.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from crm_analysis.features import rfm_summary

START = np.datetime64("2022-01-01")
AS_OF = "2024-12-31"

DUCKDB_SQL = """
WITH occ AS (
    SELECT customer_id, CAST(order_date AS DATE) AS d, SUM(amount) AS amt
    FROM tx WHERE CAST(order_date AS DATE) <= DATE '{as_of}' GROUP BY 1, 2
), agg AS (
    SELECT customer_id, MIN(d) AS first_d, MAX(d) AS last_d, COUNT(*) AS n, SUM(amt) AS total,
           arg_min(amt, d) AS first_amt
    FROM occ GROUP BY 1
)
SELECT customer_id, n - 1 AS frequency, CAST(date_diff('day', first_d, last_d) AS DOUBLE) AS recency,
       CAST(date_diff('day', first_d, DATE '{as_of}') AS DOUBLE) AS "T",
       CASE WHEN n > 1 THEN (total - first_amt) / (n - 1) ELSE 0 END AS monetary_value
FROM agg ORDER BY customer_id
"""

LIFETIMES_SCRIPT = """
import sys, time
import pandas as pd
from lifetimes.utils import summary_data_from_transaction_data
import numpy as np
d = np.load(sys.argv[1])
tx = pd.DataFrame({"customer_id": d["customer_id"].astype(object),
                   "order_date": pd.to_datetime(d["order_date"], unit="ns"), "amount": d["amount"]})
t0 = time.perf_counter()
out = summary_data_from_transaction_data(tx, "customer_id", "order_date", monetary_value_col="amount",
                                         observation_period_end=sys.argv[3], freq="D")
print(time.perf_counter() - t0)
out.to_csv(sys.argv[2])
"""


def generate(rows: int, seed: int = 0) -> pd.DataFrame:
    """Random lines: ~rows/10 customers, dates over three years, gamma amounts."""
    rng = np.random.default_rng(seed)
    n_customers = max(rows // 10, 1)
    ids = np.char.add("C", np.char.zfill(np.arange(n_customers).astype(str), 7))
    customer = ids[rng.integers(0, n_customers, rows)]
    days = rng.integers(0, 3 * 365, rows)
    return pd.DataFrame({
        "customer_id": pd.array(customer, dtype="string"),
        "order_date": (START + days.astype("timedelta64[D]")).astype("datetime64[ns]"),
        "amount": rng.gamma(2.0, 25.0, rows).round(2),
    })


def timed(fn):
    """Run ``fn``; return (result, wall seconds, peak traced MB) and print its CPU seconds."""
    tracemalloc.start()
    t0, c0 = time.perf_counter(), time.process_time()
    result = fn()
    seconds = time.perf_counter() - t0
    print(f"(rfm_summary CPU time {time.process_time() - c0:.2f} s; wall well above CPU = busy machine)")
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return result, seconds, peak


def same(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    """Same customers and (to 1e-6) the same four values."""
    b = b.reindex(a.index)
    cols = ["frequency", "recency", "T", "monetary_value"]
    return len(a) == len(b) and bool(np.allclose(a[cols].to_numpy(float), b[cols].to_numpy(float), atol=1e-6))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=None, help="transaction lines (default 10,000,000)")
    parser.add_argument("--quick", action="store_true", help="1,000,000 lines")
    parser.add_argument("--lifetimes-python", default=None, help="python interpreter that has lifetimes")
    args = parser.parse_args(argv)
    rows = args.rows or (1_000_000 if args.quick else 10_000_000)
    tx = generate(rows)
    print(f"{rows:,} lines, {tx['customer_id'].nunique():,} customers\n")
    print(f"{'method':<34}{'seconds':>9}{'peak MB':>10}  identical")

    ours, seconds, peak = timed(lambda: rfm_summary(tx, as_of=AS_OF))
    print(f"{'crm_analysis.rfm_summary':<34}{seconds:>9.2f}{peak:>10.0f}  (reference)")

    con = duckdb.connect()
    con.register("tx", tx)
    t0 = time.perf_counter()
    duck = con.execute(DUCKDB_SQL.format(as_of=AS_OF)).df().set_index("customer_id")
    duck_s = time.perf_counter() - t0
    threads = con.execute("SELECT current_setting('threads')").fetchone()[0]
    label = f"DuckDB GROUP BY ({threads} threads)"
    print(f"{label:<34}{duck_s:>9.2f}{'n/a':>10}  {same(ours, duck)}")
    print(f"\nrfm_summary / DuckDB time ratio: {seconds / duck_s:.2f}")

    if args.lifetimes_python is None:
        print("lifetimes: not run (pass --lifetimes-python PATH to an interpreter with lifetimes installed)")
        return
    with tempfile.TemporaryDirectory() as tmp:
        data_path, out_path = Path(tmp) / "tx.npz", Path(tmp) / "out.csv"
        # Plain numpy arrays: the lifetimes venv has pandas 1.x and no pyarrow.
        np.savez(data_path, customer_id=tx["customer_id"].to_numpy().astype(str),
                 order_date=tx["order_date"].to_numpy().astype("datetime64[ns]").astype(np.int64),
                 amount=tx["amount"].to_numpy())
        proc = subprocess.run([args.lifetimes_python, "-c", LIFETIMES_SCRIPT, str(data_path), str(out_path), AS_OF],
                              capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            print(f"lifetimes failed:\n{proc.stderr[-2000:]}")
            return
        life = pd.read_csv(out_path, dtype={"customer_id": str}).set_index("customer_id")
    life_s = float(proc.stdout.strip().splitlines()[-1])
    print(f"{'lifetimes summary_data_from_...':<34}{life_s:>9.2f}{'n/a':>10}  {same(ours, life)}")
    print(f"lifetimes / rfm_summary time ratio: {life_s / seconds:.1f}")


if __name__ == "__main__":
    main()
