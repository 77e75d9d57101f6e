"""Report language: Chinese chart text renders with real glyphs, and English mode keeps figures."""

from __future__ import annotations

import warnings

import matplotlib
import nbformat
import pandas as pd
import pytest
from nbclient import NotebookClient

from crm_analysis import i18n, plotting

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


@pytest.fixture(autouse=True)
def _english_afterwards():
    yield
    i18n.use_language("en")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_chinese_text_renders_without_missing_glyphs(lang, tmp_path):
    i18n.use_language(lang)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig, ax = plt.subplots()
        ax.set_title(i18n.tr("Revenue share"))
        ax.bar(["价格", "服务", "quality"], [3, 2, 1])
        ax.set_xlabel("流失原因 (reason)")
        fig.savefig(tmp_path / f"{lang}.png")
        plt.close(fig)
    missing = [str(w.message) for w in caught if "missing from font" in str(w.message)]
    assert not missing, missing


def test_without_the_cjk_font_matplotlib_would_warn(tmp_path):
    # Guards the test above: the default font really lacks Chinese glyphs.
    with matplotlib.rc_context({"font.family": ["DejaVu Sans"]}), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig, ax = plt.subplots()
        ax.set_title("客户细分")
        fig.savefig(tmp_path / "plain.png")
        plt.close(fig)
    assert any("missing from font" in str(w.message) for w in caught)


def test_cjk_font_is_installed_with_the_package():
    assert plotting.cjk_font_path() is not None


def test_translate_frame_and_figure_in_chinese_only():
    frame = pd.DataFrame({"reason_category": ["price", "service"], "lost_revenue": [10.0, 5.0]})
    assert list(i18n.translate_frame(frame, "zh").columns) == ["原因类别", "流失收入"]
    assert i18n.translate_frame(frame, "zh")["原因类别"].tolist() == ["价格", "服务"]
    assert list(i18n.translate_frame(frame, "en").columns) == ["reason_category", "lost_revenue"]


def _run(cells: list[str]) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    return nb


def test_display_hooks_translate_in_chinese_and_leave_english_figures_alone():
    nb = _run(
        [
            "%matplotlib inline\nimport matplotlib.pyplot as plt\nimport pandas as pd\nfrom crm_analysis import i18n",
            "i18n.use_language('en')\nfig, ax = plt.subplots(); _ = ax.set_title('Revenue share'); plt.show()",
            "i18n.use_language('zh')\nfig, ax = plt.subplots(); _ = ax.set_title('Revenue share'); plt.show()\n"
            "print(ax.get_title())",
            "pd.DataFrame({'churn_probability': [0.5]})",
            "i18n.use_language('en')\nfig, ax = plt.subplots(); plt.show()",
        ]
    )
    outputs = [cell.outputs for cell in nb.cells]
    assert any("image/png" in o.get("data", {}) for o in outputs[1]), "English figure not shown as an image"
    assert any("收入占比" in o.get("text", "") for o in outputs[2]), "Chinese title not applied"
    assert "流失概率" in outputs[3][0]["data"]["text/html"]
    assert any("image/png" in o.get("data", {}) for o in outputs[4]), "figures lost after switching back"


def test_figures_built_without_pyplot_display_as_images():
    nb = _run(
        [
            "from crm_analysis import i18n\ni18n.use_language('en')",
            "from matplotlib.figure import Figure\nfig = Figure()\n_ = fig.subplots().plot([1, 2])\nfig",
        ]
    )
    assert "image/png" in nb.cells[1].outputs[0]["data"]
