"""Helpers shared by the benchmark scripts: generated inputs, child-process measurement, tables.

Not part of the package and not a test: the scripts import it as a sibling module.

- :func:`generated` makes (once, cached) a data set with ``crm-analysis generate`` and returns its folder.
- :func:`measure_command` runs a command as a child process and returns wall seconds and, by
  polling ``/proc`` every 0.2 s, each process's own high-water mark (``VmHWM``), the largest of
  them, and the peak of the whole process tree's summed resident memory. No psutil needed.
  (Not ``getrusage(RUSAGE_CHILDREN)`` / ``wait4``: on Linux a child's ``ru_maxrss`` includes
  the parent's size at fork, so a child of a big benchmark process looks as big as its parent.)
  Child scripts that can, report their own exact peak with :func:`self_peak_mb`.
- :func:`load_average` and :func:`print_table` for the reports.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
LIFETIMES_PYTHON_DEFAULT = "/work/venvs/lifetimes/bin/python"
CACHE_DIR = Path(os.environ.get("CRM_BENCH_CACHE", Path(tempfile.gettempdir()) / "crm-analysis-bench"))


def load_average() -> str:
    """The 1/5/15-minute load averages, as text (the machine may be shared)."""
    try:
        return "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())
    except OSError:
        return "n/a"


def machine() -> str:
    """CPU count, memory and load average, for the header of every table."""
    mem = "?"
    try:
        with open("/proc/meminfo") as handle:
            kib = int(handle.readline().split()[1])
        mem = f"{kib / 2**20:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return f"{os.cpu_count()} CPUs, {mem} RAM, load average {load_average()}"


def cli_command() -> list[str]:
    """``crm-analysis`` if installed as a console script, else ``python -m crm_analysis.app.cli``."""
    exe = shutil.which("crm-analysis")
    return [exe] if exe else [sys.executable, "-m", "crm_analysis.app.cli"]


def lifetimes_python(path: str | None) -> str | None:
    """The interpreter that has lifetimes: ``path`` if given (``"none"`` disables), else the default venv.

    Says so, and returns None, when it is missing: the benchmarks then carry on without lifetimes.
    """
    if path and path.lower() == "none":
        return None
    candidate = path or LIFETIMES_PYTHON_DEFAULT
    if not Path(candidate).exists():
        print(f"lifetimes: interpreter {candidate} not found; the lifetimes comparison is skipped "
              f"(pass --lifetimes-python PATH to an interpreter with lifetimes 0.11 installed)")
        return None
    probe = subprocess.run([candidate, "-c", "import lifetimes"], capture_output=True, text=True, check=False)
    if probe.returncode != 0:
        print(f"lifetimes: {candidate} cannot import lifetimes; the lifetimes comparison is skipped")
        return None
    return candidate


def generated(customers: int, *, seed: int = 20230101, fmt: str = "parquet", quiet: bool = False) -> Path:
    """Folder of a data set made by ``crm-analysis generate`` (cached in ``CACHE_DIR`` between runs).

    The default seed is the generator's own (``crm_analysis.data.synth.DEFAULT_SEED``). Set
    ``CRM_BENCH_CACHE`` to put the cache elsewhere; delete the folder to regenerate.
    """
    out = CACHE_DIR / f"generated-{customers}-seed{seed}-{fmt}"
    done = out / ".complete"
    if done.exists():
        return out
    if out.exists():
        shutil.rmtree(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    cmd = [*cli_command(), "generate", "--customers", str(customers), "--format", fmt, "--seed", str(seed),
           "--out", str(out)]
    if not quiet:
        print(f"generating {customers:,} customers ({fmt}) into {out} ...", flush=True)
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    done.write_text(json.dumps({"command": cmd}) + "\n")
    return out


def summary_sql(source: str, as_of: str, *, completed_only: bool) -> str:
    """The customer summary as a plain DuckDB GROUP BY: the near-the-limit reference of issue 7.

    ``source`` is a table name or a ``read_parquet('...')`` call; the aggregates are the ones
    ``features.rfm_summary`` computes with ``time_unit="D"``.
    """
    status = "status = 'completed' AND " if completed_only else ""
    return f"""
WITH occ AS (
    SELECT customer_id, CAST(order_date AS DATE) AS d, SUM(amount) AS amt
    FROM {source}
    WHERE {status}CAST(order_date AS DATE) <= DATE '{as_of}'
    GROUP BY 1, 2
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


def parquet_rows(path: Path) -> int:
    """Rows of a Parquet file, from its metadata (no data read)."""
    import pyarrow.parquet as pq

    return pq.ParquetFile(path).metadata.num_rows


# ------------------------------------------------------------------ measuring child processes
def _proc_status(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (KiB) of one process; empty if it is gone."""
    out: dict[str, int] = {}
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith(("VmRSS:", "VmHWM:")):
                    out[line[:5]] = int(line.split()[1])
    except (OSError, ValueError):
        return {}
    return out


def _children(pid: int) -> list[int]:
    kids: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as handle:
                kids.extend(int(x) for x in handle.read().split())
    except OSError:
        pass
    return kids


def _cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            return handle.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


@dataclass
class Measured:
    """What :func:`measure_command` saw."""

    returncode: int
    seconds: float
    maxrss_mb: float  # largest single-process high-water mark (VmHWM) seen in the tree (sampled)
    tree_peak_mb: float  # peak of the summed RSS of the child and all its descendants (sampled)
    stdout: str
    stderr: str
    processes: list[dict] = field(default_factory=list)  # pid, ppid, cmdline, first_seen, hwm_mb; start order
    root_pid: int = 0

    def json(self) -> dict:
        """The last stdout line parsed as JSON (the child scripts print their result there)."""
        return json.loads(self.stdout.strip().splitlines()[-1])


def measure_command(cmd: list[str], *, interval: float = 0.2, env: dict | None = None,
                    timeout: float | None = None) -> Measured:
    """Run ``cmd``; return seconds, peak memory (single process and whole tree) and its output.

    After ``timeout`` seconds the child gets SIGINT every second, and SIGKILL a minute later.
    """
    start = time.perf_counter()
    out_file = tempfile.TemporaryFile(mode="w+")
    err_file = tempfile.TemporaryFile(mode="w+")
    proc = subprocess.Popen(cmd, stdout=out_file, stderr=err_file, env=env)
    seen: dict[int, dict] = {}
    tree_peak = 0
    stop = threading.Event()

    def poll() -> None:
        nonlocal tree_peak
        while not stop.is_set():
            total, stack = 0, [(proc.pid, 0)]
            while stack:
                pid, ppid = stack.pop()
                status = _proc_status(pid)
                if not status:
                    continue
                total += status.get("VmRSS", 0)
                entry = seen.get(pid)
                if entry is None:
                    entry = seen[pid] = {"pid": pid, "ppid": ppid, "cmdline": _cmdline(pid)[:300],
                                         "first_seen": round(time.perf_counter() - start, 2), "hwm_mb": 0.0}
                entry["hwm_mb"] = max(entry["hwm_mb"], status.get("VmHWM", 0) / 1024)
                stack.extend((child, pid) for child in _children(pid))
            tree_peak = max(tree_peak, total)
            stop.wait(interval)

    thread = threading.Thread(target=poll, daemon=True)
    thread.start()
    deadline = None if timeout is None else start + timeout
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if deadline is not None and time.perf_counter() > deadline:
            # Ctrl-C first (crm-analysis run then still writes run.json); kill if it lingers.
            proc.send_signal(signal.SIGINT if time.perf_counter() < deadline + 60 else signal.SIGKILL)
            time.sleep(1.0)
        time.sleep(0.05)
    seconds = time.perf_counter() - start
    stop.set()
    thread.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    out_file.seek(0)
    err_file.seek(0)
    del usage  # ru_maxrss would include the parent's size at fork (see the module docstring)
    largest = max((e["hwm_mb"] for e in seen.values()), default=0.0)
    return Measured(proc.returncode, seconds, largest, tree_peak / 1024, out_file.read(),
                    err_file.read(), sorted(seen.values(), key=lambda e: e["first_seen"]), proc.pid)


def reset_peak() -> float:
    """Reset this process's ``VmHWM`` to its current RSS (Linux ``clear_refs``); return that RSS in MB.

    Then ``self_peak_mb() - reset_peak()`` is the extra peak memory of what ran in between, measured
    without tracemalloc's overhead (tracemalloc slows allocation-heavy pandas code several times).
    """
    try:
        with open("/proc/self/clear_refs", "w") as handle:
            handle.write("5")
    except OSError:
        pass
    return _proc_status(os.getpid()).get("VmRSS", 0) / 1024


def self_peak_mb() -> float:
    """Peak resident memory of this process image so far (MB): ``VmHWM``, which starts afresh at exec."""
    return _proc_status(os.getpid()).get("VmHWM", 0) / 1024


# ------------------------------------------------------------------ printing
def print_table(title: str, header: list[str], rows: list[list[object]]) -> None:
    """A plain-text table, right-aligned numbers, with the machine line under the title."""
    cells = [[_fmt(c) for c in row] for row in rows]
    widths = [max(len(str(h)), *(len(r[i]) for r in cells)) if cells else len(str(h)) for i, h in enumerate(header)]
    print(f"\n### {title}\n({machine()})")
    for line in ([str(h) for h in header], ["-" * w for w in widths], *cells):
        pairs = enumerate(zip(line, widths, strict=True))
        print("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in pairs))
    sys.stdout.flush()


def _fmt(value: object) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, bool):
        return "yes" if value else "NO"
    if isinstance(value, float):
        return f"{value:,.2f}" if abs(value) < 100 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)
