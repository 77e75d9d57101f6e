"""Tables are rounded by the report's formatter only, never in a notebook cell before they are shown.

A share rounded in the cell (``0.1781.round(2)`` = 0.18) was shown as "18.0%" instead of "17.8%", and a
mean of 0.0069 as "1.0%"; the formatter (``core.formatting``) shows each kind to its stated decimals.
"""

from __future__ import annotations

import json
import re

import pytest

from crm_analysis.core import paths

NOTEBOOKS = sorted(paths.NOTEBOOKS_DIR.glob("*.ipynb"))


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_cell_rounds_what_it_shows(notebook) -> None:
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    rounding = [line.strip() for c in cells if c["cell_type"] == "code"
                for line in "".join(c["source"]).splitlines() if re.search(r"\.round\(\d*\)", line)]
    assert not rounding, rounding


def test_a_share_is_shown_to_its_decimals() -> None:
    import pandas as pd

    from crm_analysis.core.formatting import style_frame

    page = style_frame(pd.DataFrame({"customer_share": [0.1781, 0.0069]})).to_html()
    assert "17.8%" in page and "0.7%" in page and "18.0%" not in page
