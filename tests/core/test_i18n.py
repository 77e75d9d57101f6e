"""Report language: Chinese chart text renders with real glyphs, and English mode keeps figures."""

from __future__ import annotations

import re
import warnings

import matplotlib
import nbformat
import numpy as np
import pandas as pd
import pytest
from nbclient import NotebookClient

from crm_analysis.core import i18n, messages, plotting

matplotlib.use("Agg")
import matplotlib.pyplot as plt


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
            "%matplotlib inline\nimport matplotlib.pyplot as plt\nimport pandas as pd\n"
            "from crm_analysis.core import i18n",
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
            "from crm_analysis.core import i18n\ni18n.use_language('en')",
            "from matplotlib.figure import Figure\nfig = Figure()\n_ = fig.subplots().plot([1, 2])\nfig",
        ]
    )
    assert "image/png" in nb.cells[1].outputs[0]["data"]


# --------------------------------------------------------------------------- glossary and templates
CJK = re.compile(r"[\u4e00-\u9fff]")
NUMBER = re.compile(r"\d+(?:,\d{3})*(?:\.\d+)?")


def test_glossary_keys_are_normalised_so_lookups_can_find_them():
    bad = [k for k in i18n.GLOSSARY if k != re.sub(r"\s+", " ", k.strip()).lower()]
    assert not bad, bad
    assert all(CJK.search(v) or v.isascii() for v in i18n.GLOSSARY.values())


@pytest.mark.parametrize(("english", "chinese"), [
    ("Churn probability", "流失概率"),
    ("  CHURN   probability ", "流失概率"),
    ("champions", "冠军客户"),
    ("web_form", "网页表单"),
    ("Revenue share (%)", "收入占比 (%)"),
    ("window = 139 days", "判定窗口 = 139 天"),
    ("phone (n=1,069)", "电话（n=1,069）"),
    ("active high-value loyal regulars (n=843)", "活跃、高价值的忠实常客（n=843）"),
    ("3: lapsed low-value bargain hunters", "3: 已沉睡、低价值的价格敏感客户"),
    ("PC2 (18% of variance)", "主成分 2（解释 18% 的方差）"),
    ("Value at risk (风险价值) by value_tier", "按价值等级的风险价值"),
    ("can't lose\n118", "不能失去的客户\n118"),
    ("missing_value, stale_record", "缺失值、过期记录"),
    ("the next 26 weeks", "未来 26 周"),
    ("important to win back (重要挽留客户)", "重要挽留客户"),
    ("missing_value: phone is empty; stale_record: not updated for 800 days",
     "缺失值：电话为空；过期记录：800 天未更新"),
])
def test_tr_translates_labels_and_templates(english, chinese):
    assert i18n.tr(english, "zh") == chinese
    assert i18n.tr(english, "en") == english


def test_templates_keep_unknown_parts_and_need_a_known_word():
    assert i18n.tr("Nowhere (n=5)", "zh") == "Nowhere (n=5)"  # no word of its own, nothing known: unchanged
    assert i18n.tr("1,249 customers, mean CLV 4,887", "zh") == "1,249 位客户，平均客户终身价值 4,887"
    assert i18n.tr("mixed, price", "zh") == "mixed, price"  # a list translates only when every item does
    assert i18n.tr(12, "zh") == 12


def test_user_templates_can_be_added(monkeypatch):
    # The templates live in the catalogue module (i18n re-exports the same list).
    monkeypatch.setattr(messages, "PATTERNS", [*i18n.PATTERNS, ("top {n:\\d+} customers", "前 {n} 名客户")])
    assert i18n.tr("Top 10 customers", "zh") == "前 10 名客户"


def test_resolve_language_rejects_other_languages():
    with pytest.raises(ValueError, match="'fr'"):
        i18n.resolve_language("fr")


def test_translate_frame_translates_index_values_and_leaves_ids_and_numbers():
    frame = pd.DataFrame(
        {"customer_id": ["C0001", "C0002"], "rfm_segment": pd.Series(["champions", "lost"], dtype="string"),
         "monetary": [5.0, 1.0]},
    ).set_index("customer_id")
    frame.columns.name = "table"
    out = i18n.translate_frame(frame, "zh")
    assert out.index.name == "客户编号" and out.index.tolist() == ["C0001", "C0002"]
    assert out.columns.tolist() == ["RFM 细分", "消费金额"] and out.columns.name == "表"
    assert out["RFM 细分"].tolist() == ["冠军客户", "已流失客户"]
    assert out["消费金额"].tolist() == [5.0, 1.0]
    assert frame["rfm_segment"].tolist() == ["champions", "lost"]  # the original is untouched
    pivot = pd.crosstab(pd.Series(["price", "service"], name="stated"), pd.Series(["price", "price"], name="inferred"))
    out = i18n.translate_frame(pivot, "zh")
    assert out.index.tolist() == ["价格", "服务"] and out.columns.tolist() == ["价格"]
    assert (out.index.name, out.columns.name) == ("自述", "推断")


def test_translate_figure_translates_ticks_legends_and_heatmap_annotations():
    import seaborn as sns

    plotting.setup("zh")
    fig, (left, right) = plt.subplots(1, 2)
    left.bar(["price", "service"], [2, 1], label="lost customers")
    left.legend()
    left.annotate("end of calibration", (0, 1))
    matrix = pd.DataFrame([[1, 2], [3, 4]], index=pd.Index(["price", "quality"], name="stated"),
                          columns=pd.Index(["price", "other"], name="predicted from text"))
    sns.heatmap(matrix, annot=True, ax=right)
    i18n.translate_figure(fig, "zh")
    fig.canvas.draw()
    assert [t.get_text() for t in left.get_xticklabels()] == ["价格", "服务"]
    assert [t.get_text() for t in left.get_legend().get_texts()] == ["流失客户数"]
    assert "校准期结束" in [t.get_text() for t in left.texts]
    assert [t.get_text() for t in right.get_xticklabels()] == ["价格", "其他"]
    assert [t.get_text() for t in right.get_yticklabels()] == ["价格", "质量"]
    assert (right.get_xlabel(), right.get_ylabel()) == ("文本预测类别", "自述")
    assert sorted(t.get_text() for t in right.texts) == ["1", "2", "3", "4"]  # the numbers stay
    i18n.translate_figure(fig, "zh")  # twice is harmless
    fig.canvas.draw()
    assert [t.get_text() for t in left.get_xticklabels()] == ["价格", "服务"]
    plt.close(fig)


# --------------------------------------------------------------------------- generated sentences
def _numbers(sentences: list[str]) -> list[str]:
    return sorted(n for s in sentences for n in NUMBER.findall(s))


def _assert_same_facts(english: list[str], chinese: list[str]) -> None:
    assert len(english) == len(chinese) > 0
    assert all(CJK.search(s) for s in chinese), chinese
    assert not any(CJK.search(s.split("(")[0]) for s in english[:1])
    assert _numbers(english) == _numbers(chinese)


def test_quality_manager_summary_in_chinese():
    from crm_analysis import quality

    summary = pd.DataFrame({"check": ["invalid_phone", "stale_record"],
                            "description": ["phone number is not a valid mobile number", "record not reviewed"],
                            "records_flagged": [40, 7], "share_flagged": [0.04, 0.007],
                            "dimension": ["validity", "timeliness"]})
    pairs = pd.DataFrame({c: ["x"] * 3 for c in quality.PAIR_COLUMNS})
    checks = quality.QualityChecks(pd.DataFrame(columns=quality.FINDING_COLUMNS), pairs, pd.Series(dtype="string"))
    sources = pd.DataFrame({"revenue_per_customer": [1200.0, 300.0], "repeat_share": [0.6, 0.2],
                            "quality_score": [0.9, 0.55]}, index=pd.Index(["referral", "web_form"]))
    fixes = pd.DataFrame({"record_id": range(45)})
    english = quality.manager_summary(checks, summary, fixes, sources, lang="en")
    chinese = quality.manager_summary(checks, summary, fixes, sources, lang="zh")
    _assert_same_facts(english, chinese)
    assert "电话号码不是有效的手机号" in chinese[0] and "转介绍" in chinese[2] and "网页表单" in chinese[3]
    i18n.use_language("zh")  # the default follows the report language
    assert quality.manager_summary(checks, summary, fixes, sources) == chinese


def test_segment_manager_summary_in_chinese():
    from crm_analysis import segment

    rng = np.random.default_rng(0)
    f = pd.DataFrame({"recency_days": rng.integers(1, 400, 60), "n_orders": rng.integers(1, 12, 60),
                      "monetary": rng.gamma(2.0, 300.0, 60)})
    labels = pd.Series((f["recency_days"] > 200).astype(int).to_numpy())
    profiles = segment.cluster_profiles(f, labels)
    args = (f, segment.rfm_scores(f), segment.abc_tiers(f["monetary"]), profiles, segment.name_clusters(profiles, f))
    english, chinese = segment.manager_summary(*args, lang="en"), segment.manager_summary(*args, lang="zh")
    _assert_same_facts(english, chinese)
    assert any(s.startswith("聚类“") for s in chinese)  # the cluster name, translated, in quotes


def test_churn_management_summary_in_chinese():
    from crm_analysis import churn

    table = pd.DataFrame({"reason_category": ["price", "price", "service", None], "source": ["stated"] * 4,
                          "lost_revenue": [10.0, 10.0, 50.0, 5.0]})
    evaluation = pd.DataFrame({"model": ["logistic_regression", "gradient_boosting"], "roc_auc": [0.81, 0.77],
                               "top_decile_lift": [3.24, 2.9]})
    bridge = pd.DataFrame({"component": ["start", "new", "reactivated", "expansion", "contraction", "lost", "end"],
                           "amount": [1000.0, 200.0, 50.0, 80.0, -60.0, -170.0, 1100.0]})
    lost = churn.LostCustomers(table, pd.DataFrame(), "")
    english = churn.manager_summary(lost, evaluation, bridge, lang="en")
    chinese = churn.manager_summary(lost, evaluation, bridge, lang="zh")
    _assert_same_facts(english, chinese)
    assert "价格" in chinese[0] and "服务" in chinese[0] and "逻辑回归" in chinese[1]


def test_value_manager_summary_in_chinese():
    from crm_analysis import value

    v = pd.DataFrame({"clv": [900.0, 400.0, 50.0, 20.0], "churn_risk": [0.7, 0.2, 0.9, 0.1],
                      "value_tier": ["A", "B", "C", "C"],
                      "service_level": ["win_back", "proactive_gold", "let_go", "responsive_silver"]})
    concentration = pd.DataFrame({"value": [0.82]}, index=["top_20pct_value_share"])
    var_table = pd.DataFrame({"value_tier": ["A", "C"], "share_of_value_at_risk": [0.91, 0.09]})
    kwargs = {"by": "value_tier", "horizon_label": "the next 39 weeks"}
    english = value.manager_summary(v, concentration, var_table, lang="en", **kwargs)
    chinese = value.manager_summary(v, concentration, var_table, lang="zh", **kwargs)
    _assert_same_facts(english, chinese)
    assert "未来 39 周" in chinese[0] and "价值等级" in chinese[3]


# --------------------------------------------------------------------------- a whole chapter in Chinese
@pytest.fixture(scope="module")
def chapter_02_zh(tmp_path_factory):
    papermill = pytest.importorskip("papermill")
    from crm_analysis.core.paths import NOTEBOOKS_DIR, TEACHING_DIR

    if not (TEACHING_DIR / "transactions.csv").exists():
        pytest.skip("data/teaching/ not generated yet")
    out = tmp_path_factory.mktemp("ch02_zh")
    papermill.execute_notebook(
        str(NOTEBOOKS_DIR / "02_segmentation.ipynb"), str(out / "02.ipynb"), cwd=str(NOTEBOOKS_DIR),
        parameters={"lang": "zh", "output_dir": str(out)}, kernel_name="python3", progress_bar=False,
    )
    return nbformat.read(out / "02.ipynb", as_version=4)


def _outputs(nb: nbformat.NotebookNode) -> list[dict]:
    return [o for cell in nb.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]


@pytest.mark.slow
def test_chapter_in_chinese_shows_chinese_tables_and_sentences(chapter_02_zh):
    outputs = _outputs(chapter_02_zh)
    tables = [o["data"]["text/html"] for o in outputs if "text/html" in o.get("data", {}) and "<table" in
              o["data"]["text/html"]]
    headers = [h for html in tables for h in re.findall(r"<th[^>]*>(.*?)</th>", html, re.DOTALL)]
    assert tables and "RFM 细分" in headers and "客户数" in headers
    english_headers = {"rfm_segment", "customers", "revenue_share", "cluster_name", "customer_share"}
    assert not english_headers & set(headers)
    markdown = "".join(o["data"].get("text/markdown", "") for o in outputs if "data" in o)
    assert "前 20% 的客户" in markdown and "关键客户" in markdown
    assert any("image/png" in o.get("data", {}) for o in outputs)


@pytest.mark.slow
def test_chapter_in_chinese_has_no_missing_glyphs(chapter_02_zh):
    stderr = "".join(o.get("text", "") for o in _outputs(chapter_02_zh) if o.get("name") == "stderr")
    assert "missing from font" not in stderr


def test_chinese_display_survives_a_later_first_import_of_pyplot():
    # Chapter modules may import pyplot lazily, after use_language(); the hook must stay in place.
    nb = _run(
        [
            "from crm_analysis.core import i18n\ni18n.use_language('zh')",
            "import matplotlib.pyplot as plt\nfig, ax = plt.subplots(); _ = ax.set_title('Revenue share'); plt.show()\n"
            "print(ax.get_title())",
        ]
    )
    assert any("收入占比" in o.get("text", "") for o in nb.cells[1].outputs)
