"""The run's ``index.html``: the manager's one page, and ``summary.json``, the same figures for machines.

The page says, in the report language: the data source and the as-of date in words; per chapter
3-5 key figures (with their change since the previous run on the same data, when there is one
beside this run folder) and the top actions, each linking to its section; then the chapters with a
one-line description; then the tables grouped by chapter, each with a one-line description.

Key figures are read from the tables the chapters wrote (``tables/*.csv``); actions from the
"What to do with this" section of each executed notebook; the as-of date from the note that
:func:`crm_analysis.app.report.prepare` shows (output metadata ``crm_analysis_as_of``).
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import nbformat
import pandas as pd

from crm_analysis.app import fonts
from crm_analysis.app.runjson import ChapterResult, RunResult
from crm_analysis.core import i18n
from crm_analysis.core.formatting import format_number

N_ = i18n.N_

#: One line per chapter (by its number), for the index.
CHAPTER_LINES = {
    "01": N_("Is the customer information complete, valid and recorded once? The records to fix, by channel."),
    "02": N_("Who the customers are: RFM segments, ABC tiers (80/20), clusters and how customers move between them."),
    "03": N_("Who was lost and why: stated and inferred reasons, the revenue each reason cost, "
             "churn risk per customer."),
    "04": N_("What each customer is worth and will be worth (CLV), the service level each gets, the value at risk."),
    "05": N_("Who is contacted as planned and who is overdue, how complaints are answered and resolved, "
             "and this week's care calls."),
}

#: Which chapter writes each table, and what it holds (tables not listed go under "other").
TABLES = {
    "load_report": ("01", N_("How each file was read (encoding, separator, dates), given or detected.")),
    "row_accounting": ("01", N_("Rows read, kept and set aside, per table.")),
    "quarantine": ("01", N_("Every row set aside in cleaning, with its reason.")),
    "quality_checks": ("01", N_("Each quality check: records checked and flagged.")),
    "quality_scorecard": ("01", N_("Completeness and validity of each field, weighted by importance.")),
    "channel_quality": ("01", N_("Data quality and value of the customers of each acquisition channel.")),
    "fix_list": ("01", N_("The records to fix, with the problems found (personal data masked).")),
    "defect_detection": ("01", N_("Precision and recall of each check against the known defects.")),
    "segments": ("02", N_("One row per customer: RFM values and segment, ABC tier, cluster.")),
    "segment_profiles": ("02", N_("Each cluster: size, revenue share, medians, name.")),
    "segment_truth_check": ("02", N_("How well the clusters match the true segments (teaching data).")),
    "segment_migration_rfm": ("02", N_("Customers moving between RFM segments since the earlier date.")),
    "segment_migration_abc": ("02", N_("Customers moving between ABC tiers since the earlier date.")),
    "churn_scores": ("03", N_("One row per customer: churn risk, status and main reasons.")),
    "churn_reasons": ("03", N_("Lost customers and revenue lost per reason.")),
    "churn_model_metrics": ("03", N_("How well the churn model ranks customers (AUC, lift).")),
    "reason_accuracy": ("03", N_("How often the inferred reason matches the stated one.")),
    "revenue_bridge": ("03", N_("Revenue from one period to the next: new, lost, up, down.")),
    "customer_value": ("04", N_("One row per customer: historical value, CLV, value tier, service level.")),
    "model_fit": ("04", N_("Fitted CLV model parameters with standard errors and status.")),
    "value_at_risk": ("04", N_("CLV times churn risk, per segment.")),
    "value_backtest": ("04", N_("Predicted against realised purchases and value, by decile.")),
    "value_tracking": ("04", N_("Weekly purchases, actual against predicted.")),
    "value_holdout_by_frequency": ("04", N_("Holdout purchases by number of repeat purchases.")),
    "value_alive_auc": ("04", N_("How well P(alive) separates customers who bought again.")),
    "value_paper_check": ("04", N_("CDNOW parameters against the published ones.")),
    "value_alive_calibration": ("04", N_("Predicted P(alive) against the share who bought again, by band.")),
    "value_alive_vs_lost": ("04", N_("P(alive) of the customers chapter 3 calls active and lost.")),
    "value_model_choice": ("04", N_("Each CLV model's fit, tracking error and holdout accuracy, side by side.")),
    "care_visit_plan": ("05", N_("Each value tier's contact plan: customers contacted on time and overdue.")),
    "care_overdue": ("05", N_("Customers overdue for a planned contact, largest value at risk first.")),
    "care_call_list": ("05", N_("This week's care calls: unresolved complaints, then overdue customers.")),
    "care_contacts_by_month": ("05", N_("Contacts in the service log per month, by kind.")),
    "care_contacts_per_tier": ("05", N_("Contacts per customer of each value tier, by kind.")),
    "care_log_gaps": ("05", N_("What the service log misses: buyers never contacted, contacts without a customer.")),
    "care_service_standards": ("05", N_("First response and resolution against the service standards.")),
    "care_standards_by_topic": ("05", N_("The service standards per complaint topic.")),
    "care_standards_by_channel": ("05", N_("The service standards per contact channel.")),
    "care_standards_by_month": ("05", N_("The service standards per month.")),
    "care_breaches": ("05", N_("Each matter answered or resolved late, or not resolved.")),
    "care_complaint_pareto": ("05", N_("Complaints per topic, largest first, with the cumulative share.")),
    "care_complaint_topics": ("05", N_("Topics found in the complaint text, with their words.")),
    "care_topic_match": ("05", N_("Topics found in the text against the recorded topics.")),
    "care_recovery": ("05", N_("Customers kept after a complaint resolved in time, late or not at all.")),
    "care_recovery_truth": ("05", N_("The same against the teaching data's known churn.")),
    "care_satisfaction_by_month": ("05", N_("Satisfaction ratings per month: mean score and share of low scores.")),
    "care_loyalty_funnel": ("05", N_("Satisfaction, loyalty and recommendation stages.")),
    "care_truth_checks": ("05", N_("Teaching data: the chapter's figures against the generator's truth.")),
}

_WORDS = {
    "title": N_("Customer analysis report"),
    "data": N_("Data"),
    "as_of": N_("Analysis date"),
    "status_ok": N_("All chapters ran."),
    "status_failed": N_("{n} chapter(s) failed: {names}."),
    "summary": N_("Summary"),
    "actions": N_("What to do"),
    "chapters": N_("Chapters"),
    "tables": N_("Tables"),
    "other": N_("Other"),
    "run": N_("The run"),
    "notebook": N_("notebook"),
    "since": N_("since the previous run of {date}"),
    "failed": N_("failed"),
    "teaching": N_("the embedded teaching data (synthetic customers with known truth)"),
    "cdnow": N_("CDNOW (the 1997 cohort of a CD retailer, Fader & Hardie)"),
    "file": N_("the file or folder {name}"),
}


_CHAPTER = re.compile(r"^Chapter\s+(\d+)\s*[—-]\s*")
_CJK_PART = re.compile(r"\(([^()]*[\u4e00-\u9fff][^()]*)\)")


def heading_in(text: str, lang: str) -> str:
    """A bilingual heading ``"English (中文)"`` in the report language.

    Examples
    --------
    >>> heading_in("2. RFM scoring (RFM 评分)", "zh"), heading_in("2. RFM scoring (RFM 评分)", "en")
    ('2. RFM 评分', '2. RFM scoring (RFM 评分)')
    >>> heading_in("Chapter 2 — Customer segmentation (客户细分)", "zh")
    '第 2 章 客户细分'
    >>> heading_in("3. Predicted value (预测价值): BG/NBD + Gamma-Gamma", "zh")
    '3. 预测价值'
    """
    if lang != "zh":
        return text
    chinese = _CJK_PART.search(text)
    if chinese is None:
        return text
    rest = text[: chinese.start()].strip()
    number = re.match(r"^(\d+\.)\s", rest)
    chapter = _CHAPTER.match(rest)
    prefix = f"第 {chapter.group(1)} 章 " if chapter else (number.group(1) + " " if number else "")
    return prefix + chinese.group(1).strip()


def _table(out_dir: Path, name: str) -> pd.DataFrame | None:
    path = out_dir / "tables" / f"{name}.csv"
    return pd.read_csv(path) if path.is_file() else None


def _figures_01(t: Callable[[str], pd.DataFrame | None]) -> list[tuple[str, Any, str]]:
    rows = []
    if (fix := t("fix_list")) is not None:
        rows.append((N_("records to fix"), len(fix), "count"))
    if (quarantine := t("quarantine")) is not None:
        rows.append((N_("rows set aside in cleaning"), len(quarantine), "count"))
    if (checks := t("quality_checks")) is not None and "share_flagged" in checks:
        worst = checks.loc[checks["share_flagged"].idxmax()]
        rows.append((N_("share flagged by the worst check"), float(worst["share_flagged"]), "share"))
    return rows


def _figures_02(t: Callable[[str], pd.DataFrame | None]) -> list[tuple[str, Any, str]]:
    segments = t("segments")
    if segments is None:
        return []
    rows = [(N_("customers"), len(segments), "count")]
    if "rfm_segment" in segments:
        rows.append((N_("champions"), int((segments["rfm_segment"] == "champions").sum()), "count"))
    if {"abc_tier", "monetary"} <= set(segments.columns):
        a_tier = segments["abc_tier"] == "A"
        total = segments["monetary"].clip(lower=0).sum()
        rows.append((N_("customers in ABC tier A"), int(a_tier.sum()), "count"))
        if total > 0:
            rows.append((N_("revenue share of ABC tier A"),
                         float(segments.loc[a_tier, "monetary"].clip(lower=0).sum() / total), "share"))
    return rows


def _figures_03(t: Callable[[str], pd.DataFrame | None]) -> list[tuple[str, Any, str]]:
    rows = []
    if (scores := t("churn_scores")) is not None and "status" in scores:
        rows.append((N_("lost customers"), int((scores["status"] == "lost").sum()), "count"))
    if (reasons := t("churn_reasons")) is not None and {"reason_category", "lost_revenue"} <= set(reasons.columns):
        by_reason = reasons.groupby("reason_category")["lost_revenue"].sum()
        rows.append((N_("revenue lost with them"), float(by_reason.sum()), "money"))
        if not by_reason.empty:
            rows.append((N_("costliest reason"), str(by_reason.idxmax()), "text"))
    return rows


def _figures_04(t: Callable[[str], pd.DataFrame | None]) -> list[tuple[str, Any, str]]:
    rows = []
    if (value := t("customer_value")) is not None:
        if "clv" in value:
            rows.append((N_("predicted customer value (CLV), all customers"), float(value["clv"].sum()), "money"))
        if "value_tier" in value:
            rows.append((N_("customers in value tier A"), int((value["value_tier"] == "A").sum()), "count"))
    if (risk := t("value_at_risk")) is not None and "value_at_risk" in risk:
        rows.append((N_("value at risk (CLV × churn risk)"), float(risk["value_at_risk"].sum()), "money"))
    return rows


def _figures_05(t: Callable[[str], pd.DataFrame | None]) -> list[tuple[str, Any, str]]:
    rows = []
    if (plan := t("care_visit_plan")) is not None and {"tier", "overdue", "on_time_share"} <= set(plan.columns):
        rows.append((N_("customers overdue for a planned contact"), int(plan["overdue"].sum()), "count"))
        tier_a = plan[plan["tier"].astype(str) == "A"]
        if len(tier_a) and pd.notna(tier_a["on_time_share"].iloc[0]):
            rows.append((N_("share of value tier A contacted on time"), float(tier_a["on_time_share"].iloc[0]),
                         "share"))
    if (standards := t("care_service_standards")) is not None and "resolution_rate" in standards:
        if len(standards) and pd.notna(standards["resolution_rate"].iloc[0]):
            rows.append((N_("share of matters resolved"), float(standards["resolution_rate"].iloc[0]), "share"))
    if (pareto := t("care_complaint_pareto")) is not None and "topic" in pareto and len(pareto):
        rows.append((N_("most frequent complaint topic"), str(pareto["topic"].iloc[0]), "text"))
    if (calls := t("care_call_list")) is not None:
        rows.append((N_("customers on this week's care-call list"), len(calls), "count"))
    return rows


_KEY_FIGURES = {"01": _figures_01, "02": _figures_02, "03": _figures_03, "04": _figures_04, "05": _figures_05}


def key_figures(out_dir: str | Path, chapter: str) -> list[dict[str, Any]]:
    """A chapter's 3-5 key figures, read from the tables it wrote.

    Parameters
    ----------
    out_dir : str or pathlib.Path
        The run folder.
    chapter : str
        Its number, ``"01"``…``"05"``.

    Returns
    -------
    list of dict
        ``label`` (English, the catalogue key), ``value`` (a number or a text) and ``kind``
        (``"count"``, ``"money"``, ``"share"`` or ``"text"``); empty when the tables are missing.

    Examples
    --------
    >>> import tempfile
    >>> out = Path(tempfile.mkdtemp()); (out / "tables").mkdir()
    >>> pd.DataFrame({"customer_id": ["a", "b"], "status": ["lost", "active"]}).to_csv(
    ...     out / "tables" / "churn_scores.csv", index=False)
    >>> key_figures(out, "03")
    [{'label': 'lost customers', 'value': 1, 'kind': 'count'}]
    """
    figures = _KEY_FIGURES.get(chapter)
    if figures is None:
        return []
    try:
        rows = figures(lambda name: _table(Path(out_dir), name))
    except (ValueError, KeyError, TypeError):  # an unexpected table shape: no figures rather than no index
        return []
    digits = {"share": 4, "money": 2}
    return [{"label": label, "value": round(value, digits[kind]) if kind in digits else value, "kind": kind}
            for label, value, kind in rows]


def _summary_heading(text: str) -> bool:
    return "what to do with this" in text.lower() or "管理建议" in text


def chapter_facts(chapter: ChapterResult) -> dict[str, Any]:
    """Title, as-of date, actions (the generated bullets of "What to do with this") of an executed chapter.

    Examples
    --------
    >>> chapter_facts(ChapterResult("01_a", Path("01_a.ipynb"), Path("no/such.ipynb")))["actions"]
    []
    """
    facts: dict[str, Any] = {"title": chapter.name, "as_of": None, "actions": [], "lang": "en"}
    if not chapter.notebook.exists():
        return facts
    nb = nbformat.read(str(chapter.notebook), as_version=4)
    facts["lang"] = str(nb.metadata.get("papermill", {}).get("parameters", {}).get("lang", "en"))
    in_summary = False
    for cell in nb.cells:
        first = cell.source.strip().splitlines()[0] if cell.source.strip() else ""
        if cell.cell_type == "markdown" and first.startswith("# ") and facts["title"] == chapter.name:
            facts["title"] = heading_in(first[2:].strip(), facts["lang"])
        if cell.cell_type == "markdown" and first.startswith("## "):
            in_summary = _summary_heading(first)
        for output in cell.get("outputs", []):
            meta = output.get("metadata", {})
            if facts["as_of"] is None and "crm_analysis_as_of" in meta:
                facts["as_of"] = meta["crm_analysis_as_of"]
            text = output.get("data", {}).get("text/markdown")
            if in_summary and cell.cell_type == "code" and text:
                facts["actions"] += [line[2:].strip() for line in str(text).splitlines() if line.startswith("- ")]
    return facts


def _summary_anchor(page: Path | None) -> str:
    if page is None or not page.is_file():
        return ""
    for match in re.finditer(r'<h2 id="([^"]+)">(.*?)</h2>', page.read_text(encoding="utf-8"), flags=re.S):
        if _summary_heading(match.group(2)):
            return "#" + match.group(1)
    return ""


def previous_summary(out_dir: Path, data_sha256: str | None) -> dict[str, Any] | None:
    """The ``summary.json`` of the latest earlier run beside ``out_dir`` on the same data, if any.

    Examples
    --------
    >>> import tempfile
    >>> previous_summary(Path(tempfile.mkdtemp()) / "run", "ab") is None
    True
    """
    if not data_sha256 or not out_dir.parent.is_dir():
        return None
    found = []
    for path in out_dir.parent.glob("*/summary.json"):
        # Hidden siblings are a run still being written (.DIR.partial) or set aside (.DIR.private).
        if path.parent.name.startswith(".") or path.parent.resolve() == out_dir.resolve():
            continue
        try:
            summary = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if summary.get("data_sha256") == data_sha256 and summary.get("finished"):
            found.append(summary)
    return max(found, key=lambda s: s["finished"]) if found else None


def _source_words(source: Any, lang: str) -> str:
    text = str(source)
    if text in ("teaching", "cdnow"):
        return i18n._(_WORDS[text], lang)
    if text == "cdnow_sample":
        return i18n._(_WORDS["cdnow"], lang)
    return i18n._(_WORDS["file"], lang).format(name=Path(text).name)


def _md_inline(text: str) -> str:
    """Escape, then render Markdown's ``**bold**`` and ```code```."""
    escaped = html.escape(text)
    escaped = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", escaped)
    return re.sub(r"`(.+?)`", r"<code>\1</code>", escaped)


def run_status(result: RunResult, info: Mapping[str, Any], lang: str = "en") -> str:
    """One sentence on how the run ended (all ran, failed chapters, interrupted, environment error).

    Examples
    --------
    >>> import tempfile
    >>> run_status(RunResult(out_dir=Path(tempfile.mkdtemp())), {"interrupted": "SIGINT", "not_run": ["03"]})
    'run interrupted by SIGINT, results incomplete; interrupted before 03'
    """
    if result.ok:
        status = i18n._(_WORDS["status_ok"], lang)
    else:
        status = i18n._(_WORDS["status_failed"], lang).format(
            n=len(result.failed), names=", ".join(c.name for c in result.failed))
    if info.get("interrupted"):
        during = f" during {info['interrupted_chapter']}" if info.get("interrupted_chapter") else ""
        status = f"run interrupted by {info['interrupted']}{during}, results incomplete"
    if info.get("environment_error"):
        status = f"run stopped by an environment error ({info['environment_error']})"
    if info.get("not_run"):
        status += f"; interrupted before {', '.join(info['not_run'])}"
    return status


def build_summary(result: RunResult, info: Mapping[str, Any]) -> dict[str, Any]:
    """What ``summary.json`` holds: source, as-of date, and per chapter title, status, key figures,
    their change since the previous run on the same data, actions and the page's link.

    Examples
    --------
    >>> import tempfile
    >>> info = {"data_source": "teaching", "data_sha256": "ab", "as_of": None, "started": "t0",
    ...         "finished": "t1", "seconds": 1.0}
    >>> build_summary(RunResult(out_dir=Path(tempfile.mkdtemp())), info)["chapters"]
    []
    """
    previous = previous_summary(result.out_dir, info.get("data_sha256"))
    before = {c["name"]: {f["label"]: f for f in c["key_figures"]} for c in (previous or {}).get("chapters", [])}
    chapters, as_of, lang = [], info.get("as_of"), str(dict(info.get("parameters") or {}).get("lang", "en"))
    for chapter in result.chapters:
        facts = chapter_facts(chapter)
        as_of = as_of or facts["as_of"]
        number = chapter.name[:2]
        figures = key_figures(result.out_dir, number)
        for figure in figures:
            old = before.get(chapter.name, {}).get(figure["label"])
            if old is not None and figure["kind"] != "text" and isinstance(old.get("value"), int | float):
                figure["change"] = figure["value"] - old["value"]
        chapters.append({
            "name": chapter.name, "title": facts["title"], "status": chapter.status, "error": chapter.error,
            "description": CHAPTER_LINES.get(number), "key_figures": figures, "actions": facts["actions"][:3],
            "page": chapter.html.name if chapter.html else None,
            "actions_link": (chapter.html.name + _summary_anchor(chapter.html)) if chapter.html else None,
        })
    return {"data_source": str(info.get("data_source")), "data_sha256": info.get("data_sha256"),
            "as_of": as_of, "lang": lang, "started": info.get("started"), "finished": info.get("finished"),
            "ok": result.ok, "previous_run": (previous or {}).get("finished"), "chapters": chapters}


def _figure_html(figure: Mapping[str, Any], lang: str, since: str) -> str:
    value = figure["value"] if figure["kind"] == "text" else format_number(figure["value"], figure["kind"])
    if figure["kind"] == "text":
        value = i18n.tr(value, lang)
    change = ""
    if "change" in figure:
        delta = format_number(figure["change"], figure["kind"])
        change = f' <span class="change">({"+" if figure["change"] > 0 else ""}{html.escape(delta)} {since})</span>'
    return (f'<li><span class="figure">{html.escape(str(value))}</span> '
            f"{html.escape(i18n.tr(figure['label'], lang))}{change}</li>")


def index_html(result: RunResult, info: Mapping[str, Any]) -> str:
    """The run's ``index.html`` (see the module docstring); also writes ``summary.json`` beside it.

    Parameters
    ----------
    result : RunResult
        The run.
    info : mapping
        ``data_source``, ``data_sha256``, ``as_of``, ``started``, ``finished``, ``seconds``,
        optionally ``parameters`` (``lang``) and ``not_run`` (chapters an interruption prevented).

    Returns
    -------
    str
        The page.

    Examples
    --------
    >>> import tempfile
    >>> info = {"data_source": "teaching", "data_sha256": "ab", "as_of": None, "started": "t0",
    ...         "finished": "t1", "seconds": 1.0}
    >>> page = index_html(RunResult(out_dir=Path(tempfile.mkdtemp())), info)
    >>> "All chapters ran." in page and 'lang="en"' in page
    True
    """
    summary = build_summary(result, info)
    lang = summary["lang"] if summary["lang"] in i18n.LANGUAGES else "en"
    (result.out_dir / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=1), encoding="utf-8")
    w = {key: i18n._(text, lang) for key, text in _WORDS.items()}
    esc = html.escape
    status = run_status(result, info, lang)
    since = w["since"].format(date=esc(str(summary["previous_run"] or "")[:10]))
    cards, chapter_rows = [], []
    for c in summary["chapters"]:
        title = esc(c["title"])
        link = f'<a href="{esc(c["page"])}">{title}</a>' if c["page"] else title
        figures = "".join(_figure_html(f, lang, since) for f in c["key_figures"])
        actions = "".join(f"<li>{_md_inline(a)}</li>" for a in c["actions"])
        more = f' <a href="{esc(c["actions_link"])}">→</a>' if c["actions_link"] else ""
        failed = "" if c["status"] == "ok" else f'<p class="failed">{w["failed"]}: {esc(str(c["error"]))}</p>'
        todo = f"<h4>{w['actions']}{more}</h4><ol>{actions}</ol>" if actions else ""
        cards.append(f'<section class="card"><h3>{link}</h3>{failed}<ul class="figures">{figures}</ul>'
                     f"{todo}</section>")
        description = esc(i18n._(c["description"], lang)) if c["description"] else ""
        notebook = f' · <a href="{esc(c["name"])}.ipynb">{w["notebook"]}</a>'
        chapter_rows.append(f"<li>{link} — {description}{notebook}</li>")
    run_rows = []
    for c in result.chapters:  # the run's record for the analyst: status and time per chapter
        state = {"ok": "ok", "skipped": f"stopped early, too little data: {c.error}",
                 "interrupted": f"{c.error}"}.get(c.status, f"failed: {c.error}")
        page = f'<a href="{esc(c.html.name)}">{esc(c.name)}</a>' if c.html else esc(c.name)
        run_rows.append(f'<tr class="{"ok" if c.status == "ok" else "failed"}"><td>{page}</td>'
                        f"<td>{esc(state)}</td><td>{c.seconds:.1f} s</td></tr>")
    groups: dict[str, list[str]] = {}
    tables_dir = result.out_dir / "tables"
    names = {c.name[:2]: c.name for c in result.chapters}
    for path in sorted(tables_dir.glob("*.csv")) if tables_dir.is_dir() else []:
        chapter, line = TABLES.get(path.stem, ("", ""))
        groups.setdefault(chapter, []).append(
            f'<li><a href="tables/{esc(path.name)}">{esc(path.name)}</a>'
            f'{" — " + esc(i18n._(line, lang)) if line else ""}</li>')
    table_html = "".join(
        f"<h3>{esc(names.get(key, w['other']) if key else w['other'])}</h3><ul>{''.join(items)}</ul>"
        for key, items in sorted(groups.items(), key=lambda kv: kv[0] or "99"))
    as_of = summary["as_of"] or "–"
    body = f"""<h1>{w["title"]}</h1>
<p class="lead">{w["data"]}: {esc(_source_words(summary["data_source"], lang))}.
{w["as_of"]}: <strong>{esc(str(as_of))}</strong>. {esc(status)}</p>
<h2 id="summary">{w["summary"]}</h2>
<div class="cards">{"".join(cards)}</div>
<h2 id="chapters">{w["chapters"]}</h2>
<ul>{"".join(chapter_rows)}</ul>
<h2 id="tables">{w["tables"]}</h2>
{table_html or "<p>–</p>"}
<h2 id="run">{w["run"]}</h2>
<table class="run">{"".join(run_rows)}</table>
<p class="small"><a href="run.json">run.json</a> · <a href="summary.json">summary.json</a> ·
<code>{esc(str(summary["data_source"]))}</code> · SHA-256 <code>{esc(str(summary["data_sha256"]))}</code> ·
{esc(str(info.get("started")))} – {esc(str(info.get("finished")))} ({float(info.get("seconds") or 0):.0f} s)</p>"""
    css = (f"body {{ font-family: {fonts.FONT_STACK}; margin: 2em auto; max-width: 64em; padding: 0 1em;"
           " line-height: 1.45; color: #1d2733; }"
           " .cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(26em, 1fr)); gap: 1em; }"
           " .card { border: 1px solid #d5dbe1; border-radius: 8px; padding: .2em 1em 1em; }"
           " .figures { list-style: none; padding: 0; } .figure { font-weight: 700; font-size: 1.2em; }"
           " .change { color: #555; font-size: .9em; } .failed { color: #a40000; } .small { color: #555; }"
           f" code {{ overflow-wrap: anywhere; font-family: {fonts.MONO_STACK}; }}")
    css += fonts.font_face_css(re.sub("<[^>]+>", "", body))
    return (f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{w['title']}</title><style>{css}</style></head><body>\n{body}\n</body></html>\n")


__all__ = ["CHAPTER_LINES", "TABLES", "build_summary", "chapter_facts", "heading_in", "index_html", "key_figures",
           "previous_summary", "run_status"]
