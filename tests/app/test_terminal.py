"""What ``crm-analysis run`` writes to a log file (cron, systemd): stderr is not a terminal there.

The command runs as a subprocess with stderr redirected to a file, on a small data set (300
customers' orders, written here). Without ``-q``: one status line per chapter and the final status, no
carriage-return progress bars; with ``-q``: the final status only. Neither shows the kernel's "running over TCP
without encryption" warning (the kernels talk over local IPC sockets), also not in ``kernels.log``.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytestmark = pytest.mark.slow

_TCP_WARNING = "without encryption"


@pytest.fixture(scope="module")
def small_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """300 customers with 1-8 orders each over two years (a canonical transactions.csv)."""
    rng = np.random.default_rng(11)
    n_orders = rng.integers(1, 9, 300)
    customers = np.repeat([f"C{i:04d}" for i in range(300)], n_orders)
    days = rng.integers(0, 730, len(customers))
    folder = tmp_path_factory.mktemp("small") / "data"
    folder.mkdir()
    pd.DataFrame({"customer_id": customers,
                  "order_date": (pd.Timestamp("2023-01-02") + pd.to_timedelta(days, unit="D")).strftime("%Y-%m-%d"),
                  "amount": np.round(rng.gamma(2.0, 40.0, len(customers)) + 1.0, 2)}).to_csv(
        folder / "transactions.csv", index=False)
    return folder


def _run(data: Path, out: Path, *options: str) -> tuple[int, str]:
    """Run the command with stderr to a file (as ``>> cron.log 2>&1`` does); return its code and that file."""
    log = out.parent / f"{out.name}.log"
    with open(log, "wb") as stderr:
        code = subprocess.run([sys.executable, "-m", "crm_analysis.app.cli", "run", "--data", str(data),
                               "--out", str(out), *options], stdin=subprocess.DEVNULL, stdout=stderr,
                              stderr=stderr, timeout=900, check=False).returncode
    return code, log.read_bytes().decode("utf-8")


def test_log_gets_one_line_per_chapter_and_no_progress_bars(small_data, tmp_path):
    code, text = _run(small_data, tmp_path / "run", "--chapters", "01,02")
    assert code == 0, text
    assert "\r" not in text and "\x1b[" not in text  # no bar redrawn in place, no terminal escapes
    assert _TCP_WARNING not in text
    assert _TCP_WARNING not in (tmp_path / "run" / "kernels.log").read_text(encoding="utf-8", errors="replace")
    lines = text.splitlines()
    assert [re.sub(r"[\d.]+ s$", "N s", line) for line in lines] == [
        "01_collection_quality: ok in N s", "02_segmentation: ok in N s", f"report: {tmp_path / 'run' / 'index.html'}"]


def test_quiet_prints_only_the_final_status(small_data, tmp_path):
    code, text = _run(small_data, tmp_path / "run", "--chapters", "01", "-q")
    assert code == 0, text
    assert text.splitlines() == [f"report: {tmp_path / 'run' / 'index.html'}"]
    assert _TCP_WARNING not in (tmp_path / "run" / "kernels.log").read_text(encoding="utf-8", errors="replace")


def test_a_failed_chapter_is_in_the_final_status_also_with_quiet(tmp_path):
    """A chapter that fails on this data still gives a one-line reason after the report line, no traceback."""
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "transactions.csv").write_text("customer_id,order_date,amount\nC1,not a date,x\n", encoding="utf-8")
    code, text = _run(broken, tmp_path / "run", "--chapters", "02", "-q")
    lines = text.splitlines()
    assert code == 1 and "\r" not in text and "Traceback" not in text
    assert lines[0] == f"report: {tmp_path / 'run' / 'index.html'}"
    assert lines[1].startswith("crm-analysis: chapter 02_segmentation failed: CRMDataError: ")
    assert "'order_date'" in lines[1] and "row 2" in lines[1]  # file, column and line named
    assert lines[2].startswith("crm-analysis: 1 of 1 chapters failed (02_segmentation); see ")
    assert len(lines) == 3
