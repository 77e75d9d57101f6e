"""Benchmark the BG/NBD and Gamma-Gamma fits of crm_analysis.clv (and lifetimes, if available).

Usage::

    python benchmarks/bench_clv.py [--customers N] [--quick] [--lifetimes-python PATH]

Simulates N customers (default 1,000,000; ``--quick`` 100,000) from BG/NBD in whole
days (as ``rfm_summary`` produces them), with Gamma-Gamma spend, fits both models,
and prints seconds and peak memory (resident memory above the start of the fit, from
``VmHWM`` reset before it; not tracemalloc, which slows lifetimes' autograd down several
times). Then the same on the full CDNOW master (23,570 customers, weeks).
With ``--lifetimes-python`` (an interpreter that has
lifetimes 0.11, e.g. a venv with pandas<2 and numpy<2) lifetimes' BetaGeoFitter and
GammaGammaFitter run on the same data in a subprocess; parameters are compared
to 1e-3 (relative) and the speed ratio printed.
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

from crm_analysis.clv import BetaGeoModel, GammaGammaModel, simulate_bgnbd, simulate_gamma_gamma
from crm_analysis.features import rfm_summary
from crm_analysis.paths import CDNOW_DIR

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

d = np.load(sys.argv[1])
x, t_x, T, m = d["x"], d["t_x"], d["T"], d["m"]
out = {}
repeat = int(sys.argv[2])
base, times = reset_peak(), []
for _ in range(repeat):  # best of `repeat`: sub-second fits are noisy on a shared machine
    t0 = time.perf_counter()
    bg = BetaGeoFitter().fit(x, t_x, T)
    times.append(time.perf_counter() - t0)
out["bg_seconds"] = min(times)
out["bg_peak_mb"] = rss("VmHWM") - base
out["bg_params"] = {k: float(v) for k, v in bg.params_.items()}
keep = d["gg_keep"]
base, times = reset_peak(), []
for _ in range(repeat):
    t0 = time.perf_counter()
    gg = GammaGammaFitter().fit(x[keep], m[keep])
    times.append(time.perf_counter() - t0)
out["gg_seconds"] = min(times)
out["gg_peak_mb"] = rss("VmHWM") - base
out["gg_params"] = {k: float(v) for k, v in gg.params_.items()}
print(json.dumps(out))
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


def measure(fn, repeat: int = 1):
    """Run ``fn`` ``repeat`` times; return (result, best seconds, extra peak RSS MB above the start)."""
    base, times = reset_peak(), []
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return result, min(times), self_peak_mb() - base


def run_ours(data: pd.DataFrame, repeat: int) -> dict:
    x, t_x, age, m = (data[c].to_numpy(float) for c in ("frequency", "recency", "T", "monetary_value"))
    bg, bg_s, bg_mb = measure(lambda: BetaGeoModel().fit(x, t_x, age), repeat)
    # Gamma-Gamma needs positive spend; CDNOW has a few $0 repeat purchases.
    keep = m > 0
    gg, gg_s, gg_mb = measure(lambda: GammaGammaModel().fit(x[keep], m[keep]), repeat)
    return {
        "bg_seconds": bg_s, "bg_peak_mb": bg_mb, "bg_params": bg.params_.to_dict(), "bg_ok": bg.converged_,
        "gg_seconds": gg_s, "gg_peak_mb": gg_mb, "gg_params": gg.params_.to_dict(), "gg_ok": gg.converged_,
    }


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


def report(label: str, data: pd.DataFrame, lifetimes_python: str | None, repeat: int = 1) -> None:
    n = len(data)
    distinct = len(data[["frequency", "recency", "T"]].drop_duplicates())
    print(f"\n## {label}: {n:,} customers ({distinct:,} distinct (x, t_x, T) rows, "
          f"{int((data['frequency'] > 0).sum()):,} with x > 0)\n({machine()})")
    ours = run_ours(data, repeat)
    theirs = run_lifetimes(data, lifetimes_python, repeat) if lifetimes_python else None
    if repeat > 1:
        print(f"(seconds: best of {repeat} fits, for both libraries)")
    print(f"{'model':<12}{'library':<14}{'seconds':>10}{'peak MB':>10}  parameters")
    for key, name in (("bg", "BG/NBD"), ("gg", "Gamma-Gamma")):
        params = ", ".join(f"{k}={v:.4f}" for k, v in ours[f"{key}_params"].items())
        print(f"{name:<12}{'crm_analysis':<14}{ours[f'{key}_seconds']:>10.2f}{ours[f'{key}_peak_mb']:>10.0f}  "
              f"{params} (converged={ours[f'{key}_ok']})")
        if theirs is None:
            continue
        params = ", ".join(f"{k}={v:.4f}" for k, v in theirs[f"{key}_params"].items())
        print(f"{'':<12}{'lifetimes':<14}{theirs[f'{key}_seconds']:>10.2f}{theirs[f'{key}_peak_mb']:>10.0f}  {params}")
        diff = max_rel_diff(ours[f"{key}_params"], theirs[f"{key}_params"])
        ratio = theirs[f"{key}_seconds"] / ours[f"{key}_seconds"]
        verdict = "agree" if diff < 1e-3 else "DIFFER"
        print(f"{'':<12}-> parameters {verdict} (max relative difference {diff:.1e}); ours is {ratio:.1f}x faster")
    if lifetimes_python is None:
        print("lifetimes: not run (pass --lifetimes-python PATH to an interpreter with lifetimes installed)")
    print(f"(load average after: {load_average()})")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=None, help="simulated customers (default 1,000,000)")
    parser.add_argument("--quick", action="store_true", help="100,000 customers")
    parser.add_argument("--lifetimes-python", default=None,
                        help="python interpreter that has lifetimes (default: the lifetimes venv; 'none' skips)")
    args = parser.parse_args(argv)
    n = args.customers or (100_000 if args.quick else 1_000_000)
    python = lifetimes_python(args.lifetimes_python)
    print(f"true parameters: BG/NBD {TRUTH_BG} (days), Gamma-Gamma {TRUTH_GG}")
    report("simulated BG/NBD", simulate(n), python)
    report("CDNOW master", cdnow_master(), python, repeat=5)


if __name__ == "__main__":
    main()
