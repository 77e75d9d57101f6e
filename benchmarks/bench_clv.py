"""Benchmark the BG/NBD and Gamma-Gamma fits of crm_analysis.models.clv against lifetimes, in the same run.

Usage::

    python benchmarks/bench_clv.py [--customers N] [--quick] [--repeat K] [--lifetimes-python PATH]

Simulates N customers (default 1,000,000; ``--quick`` 100,000) from BG/NBD in whole
days (as ``rfm_summary`` produces them), with Gamma-Gamma spend, and fits both models;
then the same on the full CDNOW master (23,570 customers, weeks). Each fit runs K times
(default 7) after one untimed warm-up fit, and the table gives the best and the median of
the K fits in CPU seconds (``time.process_time``: all threads of the process, and what
other people's work on a shared machine disturbs least) and in wall seconds, plus the peak
memory (resident memory above the start, from ``VmHWM`` reset before the fits; not
tracemalloc, which slows lifetimes' autograd down several times).

lifetimes' ``BetaGeoFitter`` and ``GammaGammaFitter`` run on the same data in a subprocess
of ``--lifetimes-python`` (an interpreter with lifetimes 0.11, e.g. a venv with pandas<2
and numpy<2; default ``/work/venvs/lifetimes/bin/python``), which times itself the same
way. The parameters are compared (max relative difference, to agree within 1e-3) and the
ratios printed: lifetimes' seconds over ours, from the best and from the median fit.
Read the figures with the load average printed under each table.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import lifetimes_python, load_average, machine, reset_peak, self_peak_mb

from crm_analysis.core.paths import CDNOW_DIR
from crm_analysis.features import rfm_summary
from crm_analysis.models.clv import BetaGeoModel, GammaGammaModel, simulate_bgnbd, simulate_gamma_gamma

TRUTH_BG = {"r": 0.25, "alpha": 30.0, "a": 0.8, "b": 2.4}  # alpha per day
TRUTH_GG = {"p": 6.0, "q": 3.7, "v": 15.0}

LIFETIMES_SCRIPT = """
import json, sys, time
import numpy as np
from lifetimes import BetaGeoFitter, GammaGammaFitter

def rss(key):
    return int(open("/proc/self/status").read().split(key + ":")[1].split()[0]) / 1024

def reset_peak():  # VmHWM back to the current RSS; tracemalloc would slow autograd down
    open("/proc/self/clear_refs", "w").write("5")
    return rss("VmRSS")

def measure(fit, repeat):  # the same protocol as measure() in bench_clv.py
    fit()  # warm-up, untimed
    base, cpu, wall = reset_peak(), [], []
    for _ in range(repeat):
        c0, w0 = time.process_time(), time.perf_counter()
        model = fit()
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - w0)
    return model, {"cpu": cpu, "wall": wall, "peak_mb": rss("VmHWM") - base}

d = np.load(sys.argv[1])
x, t_x, T, m, keep = d["x"], d["t_x"], d["T"], d["m"], d["gg_keep"]
repeat = int(sys.argv[2])
bg, out_bg = measure(lambda: BetaGeoFitter().fit(x, t_x, T), repeat)
gg, out_gg = measure(lambda: GammaGammaFitter().fit(x[keep], m[keep]), repeat)
out_bg["params"] = {k: float(v) for k, v in bg.params_.items()}
out_gg["params"] = {k: float(v) for k, v in gg.params_.items()}
print(json.dumps({"bg": out_bg, "gg": out_gg}))
"""


def simulate(n: int, seed: int = 42) -> pd.DataFrame:
    """BG/NBD customers observed for 1-365 days, recency and T in whole days, with spend."""
    rng = np.random.default_rng(seed)
    ages = rng.integers(1, 366, n).astype(float)
    data = simulate_bgnbd(ages, **TRUTH_BG, seed=seed + 1)
    data["recency"] = np.floor(data["recency"])
    data["monetary_value"] = simulate_gamma_gamma(data["frequency"], **TRUTH_GG, seed=seed + 2)
    return data


def cdnow_master() -> pd.DataFrame:
    """Summary of the full CDNOW master (weeks, whole period to 1998-06-30)."""
    raw = pd.read_csv(CDNOW_DIR / "CDNOW_master.txt", sep=r"\s+", skiprows=1, header=None,
                      names=["customer_id", "date", "cds", "amount"], dtype={"customer_id": str, "date": str})
    tx = pd.DataFrame({
        "customer_id": raw["customer_id"].astype("string"),
        "order_date": pd.to_datetime(raw["date"], format="%Y%m%d"),
        "amount": raw["amount"].astype(float),
    })
    return rfm_summary(tx, as_of="1998-06-30", time_unit="W")


def measure(fit, repeat: int) -> tuple[object, dict]:
    """One untimed warm-up fit, then ``repeat`` timed fits: the model and the CPU / wall seconds and peak MB."""
    fit()
    base, cpu, wall = reset_peak(), [], []
    for _ in range(repeat):
        c0, w0 = time.process_time(), time.perf_counter()
        model = fit()
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - w0)
    return model, {"cpu": cpu, "wall": wall, "peak_mb": self_peak_mb() - base}


def run_ours(data: pd.DataFrame, repeat: int) -> dict:
    x, t_x, age, m = (data[c].to_numpy(float) for c in ("frequency", "recency", "T", "monetary_value"))
    bg, out_bg = measure(lambda: BetaGeoModel().fit(x, t_x, age), repeat)
    # Gamma-Gamma needs positive spend; CDNOW has a few $0 repeat purchases.
    keep = m > 0
    gg, out_gg = measure(lambda: GammaGammaModel().fit(x[keep], m[keep]), repeat)
    out_bg.update(params=bg.params_.to_dict(), ok=bg.converged_)
    out_gg.update(params=gg.params_.to_dict(), ok=gg.converged_)
    return {"bg": out_bg, "gg": out_gg}


def run_lifetimes(data: pd.DataFrame, python: str, repeat: int) -> dict | None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "rfm.npz"
        m = data["monetary_value"].to_numpy(float)
        # Gamma-Gamma rows: positive spend (drops x = 0 and CDNOW's few $0 repeat purchases), as in run_ours.
        np.savez(path, x=data["frequency"].to_numpy(float), t_x=data["recency"].to_numpy(float),
                 T=data["T"].to_numpy(float), m=m, gg_keep=(m > 0))
        proc = subprocess.run([python, "-c", LIFETIMES_SCRIPT, str(path), str(repeat)], capture_output=True, text=True,
                              check=False)
    if proc.returncode != 0:
        print(f"  lifetimes failed:\n{proc.stderr[-2000:]}")
        return None
    return json.loads(proc.stdout.strip().splitlines()[-1])


def max_rel_diff(a: dict, b: dict) -> float:
    return max(abs(a[k] - b[k]) / abs(b[k]) for k in a)


def timing_cells(result: dict) -> list[str]:
    """Best and median CPU and wall seconds, and peak MB, formatted for the table."""
    cells = [f"{f(result[kind]):.4f}" for kind in ("cpu", "wall") for f in (min, np.median)]
    return [*cells, f"{result['peak_mb']:.0f}"]


def report(label: str, data: pd.DataFrame, lifetimes_python: str | None, repeat: int) -> list[dict]:
    """Fit both libraries on ``data``, print the table and return one row of ratios per model."""
    n = len(data)
    distinct = len(data[["frequency", "recency", "T"]].drop_duplicates())
    print(f"\n## {label}: {n:,} customers ({distinct:,} distinct (x, t_x, T) rows, "
          f"{int((data['frequency'] > 0).sum()):,} with x > 0)\n({machine()})")
    ours = run_ours(data, repeat)
    theirs = run_lifetimes(data, lifetimes_python, repeat) if lifetimes_python else None
    print(f"(seconds over {repeat} fits after a warm-up fit, for both libraries; CPU = time.process_time)")
    header = ["model", "library", "CPU best", "CPU median", "wall best", "wall median", "peak MB"]
    widths = [12, 13, 10, 11, 10, 12, 8]
    print("".join(h.ljust(w) if i < 2 else h.rjust(w) for i, (h, w) in enumerate(zip(header, widths, strict=True)))
          + "  parameters")
    ratios = []
    for key, name in (("bg", "BG/NBD"), ("gg", "Gamma-Gamma")):
        for library, result in (("crm_analysis", ours[key]), ("lifetimes", theirs and theirs[key])):
            if result is None:
                continue
            params = ", ".join(f"{k}={v:.4f}" for k, v in result["params"].items())
            cells = timing_cells(result)
            extra = f" (converged={result['ok']})" if "ok" in result else ""
            print(f"{name if library == 'crm_analysis' else '':<12}{library:<13}"
                  + "".join(c.rjust(w) for c, w in zip(cells, widths[2:], strict=True)) + f"  {params}{extra}")
        if theirs is None:
            continue
        mine, other = ours[key], theirs[key]
        diff = max_rel_diff(mine["params"], other["params"])
        ratio = {f"{kind} {stat}": f(other[kind]) / f(mine[kind])
                 for kind in ("cpu", "wall") for stat, f in (("best", min), ("median", np.median))}
        verdict = "agree" if diff < 1e-3 else "DIFFER"
        print(f"{'':<12}-> parameters {verdict} (max relative difference {diff:.1e}); lifetimes / ours: "
              + ", ".join(f"{k} {v:.1f}x" for k, v in ratio.items()))
        ratios.append({"data": label, "model": name, "diff": diff, **ratio})
    if lifetimes_python is None:
        print("lifetimes: not run (pass --lifetimes-python PATH to an interpreter with lifetimes installed)")
    print(f"(load average after: {load_average()})")
    return ratios


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=None, help="simulated customers (default 1,000,000)")
    parser.add_argument("--quick", action="store_true", help="100,000 customers")
    parser.add_argument("--repeat", type=int, default=7, help="timed fits per model and library (default 7)")
    parser.add_argument("--lifetimes-python", default=None,
                        help="python interpreter that has lifetimes (default: the lifetimes venv; 'none' skips)")
    args = parser.parse_args(argv)
    n = args.customers or (100_000 if args.quick else 1_000_000)
    python = lifetimes_python(args.lifetimes_python)
    print(f"true parameters: BG/NBD {TRUTH_BG} (days), Gamma-Gamma {TRUTH_GG}")
    ratios = report("simulated BG/NBD", simulate(n), python, args.repeat)
    ratios += report("CDNOW master", cdnow_master(), python, args.repeat)
    if ratios:
        print(f"\n## Speed-up over lifetimes (lifetimes seconds / ours; {args.repeat} fits each)\n({machine()})")
        print(f"{'data':<18}{'model':<13}{'CPU best':>10}{'CPU median':>12}{'wall best':>11}{'wall median':>13}"
              f"{'max rel diff':>14}")
        for row in ratios:
            print(f"{row['data']:<18}{row['model']:<13}{row['cpu best']:>9.1f}x{row['cpu median']:>11.1f}x"
                  f"{row['wall best']:>10.1f}x{row['wall median']:>12.1f}x{row['diff']:>14.1e}")


if __name__ == "__main__":
    main()
