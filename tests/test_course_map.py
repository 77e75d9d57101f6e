"""docs/course-map.md points only at notebook sections and package functions that exist."""

from __future__ import annotations

import importlib
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ROW = re.compile(
    r"^\| (?P<concept>[^|]+) \| `(?P<notebook>\d\d_\w+\.ipynb)` § (?P<section>[^|]+?) \| `(?P<target>[\w.]+)` \|$"
)


def _rows() -> list[re.Match]:
    text = (ROOT / "docs" / "course-map.md").read_text(encoding="utf-8")
    return [m for line in text.splitlines() if (m := ROW.match(line))]


def _headings(notebook: str) -> list[str]:
    cells = json.loads((ROOT / "notebooks" / notebook).read_text(encoding="utf-8"))["cells"]
    text = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    return [line.lstrip("#").strip() for line in text.splitlines() if line.startswith("#")]


def test_the_map_covers_the_course():
    concepts = " ".join(m["concept"] for m in _rows())
    for term in ("客户资料卡", "收集渠道", "客户源的质量", "信息管理误区", "ABC", "二八定律", "细分的四个依据", "RFM",
                 "每一位流失客户", "采购额", "满意 → 忠诚 → 推荐", "服务等级", "动态客户数据库", "保密"):
        assert term in concepts, f"course concept {term!r} is not mapped"


@pytest.mark.parametrize("row", _rows(), ids=lambda m: m["concept"][:40])
def test_each_concept_points_at_a_real_section_and_function(row):
    assert any(h.startswith(row["section"]) for h in _headings(row["notebook"])), (
        f"{row['notebook']} has no section starting {row['section']!r}"
    )
    module, _, name = row["target"].rpartition(".")
    assert hasattr(importlib.import_module(module), name), f"{row['target']} does not exist"
