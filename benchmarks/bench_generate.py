"""Benchmark the teaching-data generator: time, rows written and peak memory.

Usage::

    python benchmarks/bench_generate.py                    # 1,000,000 customers, parquet and csv
    python benchmarks/bench_generate.py --quick            # 100,000 customers
    python benchmarks/bench_generate.py --customers 250000 --fmt parquet

Each format runs in its own child process, so the peak resident memory
(``resource.getrusage(...).ru_maxrss``) belongs to that run alone. Output goes
to a temporary folder that is removed afterwards.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import load_average, machine


def _rows_written(out_dir: Path, fmt: str) -> dict[str, int]:
    """Data rows per written file (header lines excluded)."""
    rows = {}
    for path in sorted(out_dir.rglob(f"*.{fmt}")):
        if fmt == "csv":
            with open(path, "rb") as handle:
                rows[str(path.relative_to(out_dir))] = sum(1 for _ in handle) - 1
        else:
            import pyarrow.parquet as pq

            rows[str(path.relative_to(out_dir))] = pq.ParquetFile(path).metadata.num_rows
    return rows


def _run_one(customers: int, fmt: str, seed: int) -> dict:
    """Generate into a temporary folder in this process and measure it."""
    from crm_analysis.data.synth import generate_to_dir

    with tempfile.TemporaryDirectory(prefix="crm-bench-") as tmp:
        start = time.perf_counter()
        generate_to_dir(tmp, n_customers=customers, seed=seed, fmt=fmt)
        seconds = time.perf_counter() - start
        rows = _rows_written(Path(tmp), fmt)
        size = sum(p.stat().st_size for p in Path(tmp).rglob("*") if p.is_file())
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    return {
        "format": fmt,
        "customers": customers,
        "seconds": round(seconds, 1),
        "rows": rows,
        "total_rows": sum(rows.values()),
        "megabytes_written": round(size / 1e6, 1),
        "peak_rss_mb": round(peak_kib / 1024, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000, help="customers to generate")
    parser.add_argument("--quick", action="store_true", help="use 100,000 customers")
    parser.add_argument("--fmt", choices=["parquet", "csv", "both"], default="both")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    customers = 100_000 if args.quick else args.customers

    if args.child:
        print(json.dumps(_run_one(customers, args.fmt, args.seed)))
        return 0

    formats = ["parquet", "csv"] if args.fmt == "both" else [args.fmt]
    print(f"### generator: crm_analysis.data.synth.generate_to_dir\n({machine()})")
    for fmt in formats:
        cmd = [
            sys.executable,
            __file__,
            "--customers",
            str(customers),
            "--fmt",
            fmt,
            "--seed",
            str(args.seed),
            "--child",
        ]
        done = subprocess.run(cmd, capture_output=True, text=True, check=True)
        result = json.loads(done.stdout.strip().splitlines()[-1])
        print(
            f"{fmt:8s} {result['customers']:>10,} customers  {result['seconds']:>7.1f} s  "
            f"{result['total_rows']:>11,} rows  {result['megabytes_written']:>8.1f} MB written  "
            f"peak RSS {result['peak_rss_mb']:>7.1f} MB  (load average after: {load_average()})"
        )
        for name, count in result["rows"].items():
            print(f"    {name:28s} {count:>11,}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
