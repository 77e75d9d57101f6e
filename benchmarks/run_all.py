"""Run every benchmark, one after the other, each printing its own table(s).

Usage::

    python benchmarks/run_all.py --quick        # small sizes, within about 5 minutes on 2 cores
    python benchmarks/run_all.py                # full sizes (1,000,000 customers; ~20-30 minutes)
    python benchmarks/run_all.py --only engines run --lifetimes-python /path/to/venv/bin/python

Each benchmark runs as its own process (``python benchmarks/bench_<name>.py [--quick]``), so
their memory figures do not mix. The last table lists each benchmark's wall time and the load
average after it: on a shared machine, read the figures with the load in mind.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import load_average, print_table

HERE = Path(__file__).resolve().parent

# name -> (script, extra arguments for a full run, extra arguments with --quick)
BENCHMARKS: dict[str, tuple[str, list[str], list[str]]] = {
    "generate": ("bench_generate.py", [], ["--quick", "--fmt", "parquet"]),
    "rfm_summary": ("bench_rfm_summary.py", [], ["--quick"]),
    "engines": ("bench_engines.py", [], ["--quick"]),
    "clv": ("bench_clv.py", [], ["--quick"]),
    "models": ("bench_models.py", [], ["--quick"]),
    "run": ("bench_run.py", ["--customers", "100000"], ["--quick"]),
}
TAKES_LIFETIMES = {"rfm_summary", "clv"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small sizes (about 5 minutes in total)")
    parser.add_argument("--only", nargs="+", choices=list(BENCHMARKS), default=None, help="run only these")
    parser.add_argument("--lifetimes-python", default=None,
                        help="interpreter with lifetimes (default: /work/venvs/lifetimes/bin/python if present)")
    args = parser.parse_args(argv)
    rows = []
    failed = 0
    started = time.perf_counter()
    for name in args.only or BENCHMARKS:
        script, full, quick = BENCHMARKS[name]
        cmd = [sys.executable, str(HERE / script), *(quick if args.quick else full)]
        if name in TAKES_LIFETIMES:
            from _common import lifetimes_python

            python = lifetimes_python(args.lifetimes_python)
            if python:
                cmd += ["--lifetimes-python", python]
        print(f"\n{'=' * 100}\n## {name}: {' '.join(cmd[1:])}\n(load average before: {load_average()})", flush=True)
        t0 = time.perf_counter()
        code = subprocess.run(cmd, check=False).returncode
        seconds = time.perf_counter() - t0
        failed += code != 0
        rows.append([name, "ok" if code == 0 else f"FAILED (exit {code})", seconds, load_average()])
    rows.append(["all", "ok" if not failed else f"{failed} failed", time.perf_counter() - started, load_average()])
    print_table("benchmarks run" + (" (--quick)" if args.quick else ""), ["benchmark", "status", "seconds",
                                                                          "load avg after"], rows)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
