"""Benchmark the customer summary engines from a Parquet file: pandas, DuckDB, DuckDB under 1 GB, Spark.

Usage::

    python benchmarks/bench_engines.py                      # 1,000,000 customers; Spark on 100,000
    python benchmarks/bench_engines.py --quick              # 100,000 customers, no Spark (JVM start-up alone ~20-30 s)
    python benchmarks/bench_engines.py --quick --spark-customers 20000
    python benchmarks/bench_engines.py --customers 250000 --spark-customers 0   # no Spark

The input is ``transactions.parquet`` of ``crm-analysis generate --customers N --format parquet``
(cached). Every method runs in its own child process, so its peak memory is its own:

- ``pandas``: ``pd.read_parquet`` (the four needed columns) + ``crm_analysis.features.rfm_summary``;
- ``duckdb engine``: ``crm_analysis.features.rfm_summary_duckdb`` straight from the file;
- ``duckdb engine, 1GB``: the same with ``memory_limit="1GB"`` (spilling to a temporary folder);
- ``DuckDB GROUP BY``: a plain DuckDB GROUP BY of the same aggregates (the near-the-limit reference);
- ``spark``: ``rfm_summary_spark`` on a ``local[2]`` session reading the (smaller) file; the JVM
  start-up (``getOrCreate``) is timed separately. Spark 4 cannot read the nanosecond timestamps
  pandas writes (``PARQUET_TYPE_ILLEGAL``), so the file is read with
  ``spark.sql.legacy.parquet.nanosAsLong`` and the column converted with ``timestamp_micros``.

"seconds" is the work inside the child (reading included, interpreter start-up and imports
excluded); "peak MB" is the child's peak resident memory (``VmHWM``, which includes the
interpreter and imports, about 150 MB; for Spark the summed Python + JVM tree, sampled).
Every result is compared with the pandas result (same customers, values to 1e-6).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import generated, load_average, measure_command, parquet_rows, print_table, self_peak_mb, summary_sql

COLUMNS = ["customer_id", "order_date", "amount", "status"]


# ------------------------------------------------------------------ child side: one method, timed
def _child(method: str, path: str, as_of: str, out: str) -> dict:
    import pandas as pd

    extra: dict = {}
    if method == "pandas":
        from crm_analysis.features import rfm_summary

        t0 = time.perf_counter()
        tx = pd.read_parquet(path, columns=COLUMNS)
        extra["read_seconds"] = round(time.perf_counter() - t0, 2)
        t1 = time.perf_counter()
        result = rfm_summary(tx, as_of=as_of)
        extra["summary_seconds"] = round(time.perf_counter() - t1, 2)
    elif method.startswith("duckdb_engine"):
        from crm_analysis.features import rfm_summary_duckdb

        limit = "1GB" if method.endswith("1gb") else None
        with tempfile.TemporaryDirectory(prefix="crm-bench-spill-") as spill:
            t0 = time.perf_counter()
            result = rfm_summary_duckdb(path, as_of=as_of, memory_limit=limit, temp_directory=spill)
    elif method == "duckdb_groupby":
        import duckdb

        t0 = time.perf_counter()
        with duckdb.connect() as con:
            sql = summary_sql(f"read_parquet('{path}')", as_of, completed_only=True)
            result = con.execute(sql).df().set_index("customer_id")
    elif method == "spark":
        from pyspark.sql import SparkSession
        from pyspark.sql import functions as F

        from crm_analysis.features import rfm_summary_spark

        t_jvm = time.perf_counter()
        spark = (SparkSession.builder.master("local[2]").appName("crm-bench")
                 .config("spark.ui.enabled", "false")
                 .config("spark.sql.session.timeZone", "UTC")
                 .config("spark.sql.legacy.parquet.nanosAsLong", "true")
                 .getOrCreate())
        spark.sparkContext.setLogLevel("ERROR")
        extra["jvm_start_seconds"] = round(time.perf_counter() - t_jvm, 2)
        t0 = time.perf_counter()
        frame = spark.read.parquet(path).select(*COLUMNS)
        frame = frame.withColumn("order_date", F.expr("timestamp_micros(order_date div 1000)"))
        result = rfm_summary_spark(frame, as_of=as_of)
    else:
        raise SystemExit(f"unknown method {method}")
    seconds = time.perf_counter() - t0
    if method == "spark":
        spark.stop()
    result.reset_index().to_parquet(out)
    return {"seconds": round(seconds, 2), "customers": len(result), "self_peak_mb": self_peak_mb(), **extra}


# ------------------------------------------------------------------ parent side
def _as_of(path: Path) -> str:
    """The last order day in the file (inclusive end of the observation period)."""
    import duckdb

    with duckdb.connect() as con:
        return str(con.execute(f"SELECT CAST(MAX(order_date) AS DATE) FROM read_parquet('{path}')").fetchone()[0])


def _same(a_path: Path, b_path: Path) -> bool:
    import numpy as np
    import pandas as pd

    a = pd.read_parquet(a_path).set_index("customer_id")
    b = pd.read_parquet(b_path).set_index("customer_id")
    if len(a) != len(b) or not a.index.sort_values().equals(b.index.sort_values()):
        return False
    b = b.reindex(a.index)
    cols = ["frequency", "recency", "T", "monetary_value"]
    return bool(np.allclose(a[cols].to_numpy(float), b[cols].to_numpy(float), atol=1e-6))


def run_methods(path: Path, methods: list[str], tmp: Path) -> dict[str, dict]:
    as_of = _as_of(path)
    results: dict[str, dict] = {}
    for method in methods:
        out = tmp / f"{method}-{path.parent.name}.parquet"
        load = load_average()
        m = measure_command([sys.executable, __file__, "--child", method, str(path), as_of, str(out)])
        if m.returncode != 0:
            print(f"{method} failed:\n{m.stderr[-2000:]}")
            results[method] = {"failed": True, "load": load}
            continue
        info = m.json()
        # Spark: Python driver + JVM, summed (sampled); otherwise the child's own exact VmHWM.
        peak = m.tree_peak_mb if method == "spark" else info["self_peak_mb"]
        results[method] = {**info, "peak_mb": round(peak, 0), "out": out, "load": load}
    reference = results.get("pandas", {}).get("out")
    for info in results.values():
        if "out" in info:
            info["identical"] = "reference" if info["out"] == reference else (
                _same(reference, info["out"]) if reference else "n/a")
    return results


LABELS = {
    "pandas": "pandas: read_parquet + rfm_summary",
    "duckdb_engine": "rfm_summary_duckdb (file)",
    "duckdb_engine_1gb": "rfm_summary_duckdb, memory_limit=1GB",
    "duckdb_groupby": "DuckDB GROUP BY (reference)",
    "spark": "rfm_summary_spark, local[2]",
}


def report(title: str, results: dict[str, dict]) -> None:
    rows = []
    base = results.get("duckdb_groupby", {}).get("seconds")
    for method, info in results.items():
        if info.get("failed"):
            rows.append([LABELS[method], "FAILED", None, None, None, info["load"]])
            continue
        ratio = f"{info['seconds'] / base:.2f}x" if base else None
        rows.append([LABELS[method], info["seconds"], info["peak_mb"], ratio, info["identical"], info["load"]])
    print_table(title, ["method", "seconds", "peak MB", "vs GROUP BY", "identical", "load avg"], rows)
    pandas = results.get("pandas", {})
    if "read_seconds" in pandas:
        print(f"pandas split: read_parquet {pandas['read_seconds']} s + rfm_summary {pandas['summary_seconds']} s")
    if "jvm_start_seconds" in results.get("spark", {}):
        print(f"Spark JVM start-up (SparkSession.getOrCreate), not included above: "
              f"{results['spark']['jvm_start_seconds']} s")


def main(argv: list[str] | None = None) -> dict:
    if argv is None and len(sys.argv) > 1 and sys.argv[1] == "--child":
        print(json.dumps(_child(*sys.argv[2:6])))
        return {}
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=None, help="generated customers (default 1,000,000)")
    parser.add_argument("--spark-customers", type=int, default=None,
                        help="customers for the Spark comparison (default 100,000; --quick 0; 0 = skip)")
    parser.add_argument("--quick", action="store_true", help="100,000 customers, no Spark")
    args = parser.parse_args(argv)
    n = args.customers or (100_000 if args.quick else 1_000_000)
    n_spark = args.spark_customers if args.spark_customers is not None else (0 if args.quick else 100_000)
    out: dict = {}
    with tempfile.TemporaryDirectory(prefix="crm-bench-engines-") as tmp:
        path = generated(n) / "transactions.parquet"
        title = f"customer summary from Parquet: {n:,} customers, {parquet_rows(path):,} lines"
        out["main"] = run_methods(path, ["pandas", "duckdb_engine", "duckdb_engine_1gb", "duckdb_groupby"], Path(tmp))
        report(title, out["main"])
        if n_spark:
            try:
                import pyspark  # noqa: F401
            except ImportError:
                print("Spark: pyspark is not installed; skipped (pip install 'crm-analysis[spark]')")
                return out
            path = generated(n_spark) / "transactions.parquet"
            title = f"Spark vs the others: {n_spark:,} customers, {parquet_rows(path):,} lines"
            out["spark"] = run_methods(path, ["pandas", "duckdb_engine", "duckdb_groupby", "spark"], Path(tmp))
            report(title, out["spark"])
    return out


if __name__ == "__main__":
    main()
