"""Benchmark whole report runs: ``crm-analysis run`` (all chapters), seconds and peak memory per chapter.

Usage::

    python benchmarks/bench_run.py                        # the teaching data (5,000 customers)
    python benchmarks/bench_run.py --customers 100000     # generated customers (Parquet), after the teaching run
    python benchmarks/bench_run.py --customers 100000 1000000 --no-teaching --timeout 1800
    python benchmarks/bench_run.py --quick                # teaching data only (same as no option)

Each run is ``crm-analysis run --data DIR --out OUT -q`` in a child process. Wall seconds per
chapter come from the run's ``run.json``; peak memory per chapter is the high-water mark
(``VmHWM``) of that chapter's Jupyter kernel, sampled from ``/proc`` every 0.2 s (papermill
starts one kernel per chapter, in chapter order). "run peak" is the largest single process
(``os.wait4`` rusage) and "tree peak" the largest summed resident memory of the runner and its
kernel seen at one time. With ``--customers N`` the data is made by
``crm-analysis generate --customers N --format parquet`` (cached, see ``_common.generated``).
A failed chapter is reported with its error from ``run.json``; the report folder of a failed
run is kept for inspection. ``--engine duckdb`` passes ``-p engine duckdb`` to every chapter.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (
    PROJECT_ROOT,
    cli_command,
    generated,
    load_average,
    measure_command,
    parquet_rows,
    print_table,
)


def run_once(data: str, label: str, *, engine: str | None, timeout: float | None, keep: bool) -> dict:
    """One ``crm-analysis run`` on ``data``; returns the measurements and the per-chapter rows."""
    out = Path(tempfile.mkdtemp(prefix="crm-bench-run-")) / "report"
    cmd = [*cli_command(), "run", "--data", data, "--out", str(out), "-q",
           "--notebooks-dir", str(PROJECT_ROOT / "notebooks")]
    if engine:
        cmd += ["-p", "engine", engine]
    load_before = load_average()
    print(f"{label}: {' '.join(cmd)}", flush=True)
    measured = measure_command(cmd, timeout=timeout)
    run_json = out / "run.json"
    info = json.loads(run_json.read_text()) if run_json.exists() else {}
    # The runner's own children only: a process forked by a kernel (multiprocessing) has the same cmdline.
    kernels = [p for p in measured.processes if "ipykernel" in p["cmdline"] and p["ppid"] == measured.root_pid]
    chapters = []
    for i, chapter in enumerate(info.get("chapters", [])):
        chapters.append({
            "chapter": chapter["name"],
            "status": chapter["status"],
            "seconds": chapter["seconds"],
            "kernel_peak_mb": round(kernels[i]["hwm_mb"], 1) if i < len(kernels) else None,
            "error": chapter.get("error"),
        })
    ok = measured.returncode == 0 and bool(info.get("ok"))
    if not ok or keep:
        print(f"  report folder kept: {out}")
    else:
        shutil.rmtree(out.parent, ignore_errors=True)
    return {
        "label": label, "data": data, "ok": ok, "returncode": measured.returncode,
        "seconds": round(measured.seconds, 1), "run_json_seconds": info.get("seconds"),
        "run_peak_mb": round(measured.maxrss_mb, 1), "tree_peak_mb": round(measured.tree_peak_mb, 1),
        "load_before": load_before, "load_after": load_average(), "chapters": chapters,
        "prepare_seconds": (info.get("data_prepared") or {}).get("seconds"),
        "not_run": info.get("not_run"), "stderr_tail": measured.stderr[-1500:] if not ok else "",
        "timed_out": timeout is not None and measured.seconds > timeout, "report_dir": str(out),
        "processes": measured.processes,
    }


def report(result: dict) -> None:
    rows = [["load and clean once (runner)", "", result["prepare_seconds"], None]]
    rows += [[c["chapter"], c["status"], c["seconds"], c["kernel_peak_mb"]] for c in result["chapters"]]
    rows.append(["whole run (wall, incl. start-up and HTML)", "ok" if result["ok"] else "FAILED",
                 result["seconds"], result["tree_peak_mb"]])
    print_table(f"crm-analysis run: {result['label']}", ["chapter", "status", "seconds", "peak MB"], rows)
    print(f"largest single process {result['run_peak_mb']:,.0f} MB; whole-tree peak {result['tree_peak_mb']:,.0f} MB;"
          f" load average before {result['load_before']}, after {result['load_after']}")
    for c in result["chapters"]:
        if c["error"]:
            print(f"  {c['chapter']} FAILED: {c['error'][:600]}")
    if result["timed_out"]:
        print(f"  TIMED OUT: interrupted after the --timeout; the executed notebooks in {result['report_dir']} "
              f"end at the cell that was running")
    if result["not_run"]:
        print(f"  not run: {', '.join(result['not_run'])}")
    if not result["ok"] and result["stderr_tail"]:
        print(f"  stderr (tail):\n{result['stderr_tail']}")


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, nargs="*", default=[], help="generated customers per run")
    parser.add_argument("--no-teaching", action="store_true", help="skip the run on the teaching data")
    parser.add_argument("--quick", action="store_true", help="teaching data only")
    parser.add_argument("--engine", default=None, help="notebook parameter engine (pandas, duckdb, spark)")
    parser.add_argument("--timeout", type=float, default=None, help="kill a run after this many seconds")
    parser.add_argument("--keep", action="store_true", help="keep the report folders")
    parser.add_argument("--json", default=None, help="also write the results to this JSON file")
    args = parser.parse_args(argv)
    results = []
    if not args.no_teaching:
        results.append(run_once("teaching", "teaching data (5,000 customers)", engine=args.engine,
                                timeout=args.timeout, keep=args.keep))
        report(results[-1])
    for n in [] if args.quick else args.customers:
        folder = generated(n)
        lines = parquet_rows(folder / "transactions.parquet")
        label = f"{n:,} generated customers, {lines:,} transaction lines (Parquet)"
        results.append(run_once(str(folder), label, engine=args.engine, timeout=args.timeout, keep=args.keep))
        report(results[-1])
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    return results


if __name__ == "__main__":
    main()
