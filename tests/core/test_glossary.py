"""One Chinese term per concept: no two concepts of the glossary share a Chinese name (issue 16).

The glossary is the catalogue's ``msgctxt "term"`` entries. Several msgids may name one concept
(a column name and its label, ``n_orders`` / ``orders``, a plural, a bilingual label with its
Chinese part, an abbreviation); those share their Chinese term by design. Any other two msgids
with the same msgstr are two concepts under one name, as "champions" (an RFM segment) and the
"important value" cell of the eight-cell RFM model were both 重要价值客户.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

from babel.messages.pofile import read_po

from crm_analysis.core import paths

CATALOGUE = paths.PACKAGE_DIR / "locale" / "zh" / "LC_MESSAGES" / "crm_analysis.po"

#: Different wordings of one concept (after :func:`concept`), each pair stated on purpose.
SYNONYMS = [
    {"monetary", "monetary value"},
    {"share of customer", "customer share"},
    {"retention", "share still a customer"},
    {"p alive", "probability alive"},
    {"forecast", "predicted"},
    {"gini coefficient", "gini"},
    {"top sale channel", "main sale channel"},
    {"top category", "main category"},
    {"return value", "returned value"},
    {"ci lower", "ci low"},
    {"ci upper", "ci high"},
    {"fm score (frequency & monetary)", "fm score (order & monetary)"},
    {"bg/nbd predicted", "bg/nbd forecast"},
    {"timely share", "response on time"},
    {"one to one", "one-to-one service"},
]


def concept(msgid: str) -> str:
    """The concept a term msgid names: lower case, words not snake_case, singular, no Chinese gloss.

    >>> concept("n_customers"), concept("Cumulative repeat purchases (累计重复购买)"), concept("avg_order_value")
    ('customer', 'cumulative repeat purchase', 'average order value')
    """
    text = re.sub(r"\s*[(（][^()（）]*[\u4e00-\u9fff][^()（）]*[)）]\s*$", "", msgid.lower())
    text = re.sub(r"^n_", "", text).replace("_", " ")
    words = ["average" if w == "avg" else re.sub(r"(?<=[a-z]{3})s$", "", w) for w in text.split()]
    return " ".join(words)


def _canonical(name: str) -> str:
    for group in SYNONYMS:
        if name in group:
            return min(group)
    return name


def terms_by_chinese(path: Path = CATALOGUE) -> dict[str, set[str]]:
    """Chinese term -> the concepts (see :func:`concept`) whose term entries use it."""
    with path.open("rb") as f:
        catalogue = read_po(f)
    by_chinese: dict[str, set[str]] = defaultdict(set)
    for message in catalogue:
        if message.context == "term" and message.string:
            by_chinese[message.string].add(_canonical(concept(message.id)))
    return by_chinese


def test_one_chinese_term_per_concept() -> None:
    shared = {zh: sorted(names) for zh, names in terms_by_chinese().items() if len(names) > 1}
    assert not shared, f"one Chinese term names several concepts in {CATALOGUE.name}: {shared}"


def test_synonyms_are_in_use() -> None:
    """A synonym pair stays only while both wordings have term entries with one Chinese term."""
    concepts = {name for names in terms_by_chinese().values() for name in names}
    unused = [sorted(group) for group in SYNONYMS if min(group) not in concepts]
    assert not unused, f"synonym pairs no longer in the catalogue: {unused}"


def test_the_check_finds_a_shared_term(tmp_path: Path) -> None:
    po = tmp_path / "x.po"
    po.write_text('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
                  'msgctxt "term"\nmsgid "champions"\nmsgstr "重要价值客户"\n\n'
                  'msgctxt "term"\nmsgid "important value"\nmsgstr "重要价值客户"\n\n'
                  'msgctxt "term"\nmsgid "n_orders"\nmsgstr "订单数"\n\n'
                  'msgctxt "term"\nmsgid "orders"\nmsgstr "订单数"\n', encoding="utf-8")
    assert {zh: len(names) for zh, names in terms_by_chinese(po).items()} == {"重要价值客户": 2, "订单数": 1}


def test_the_interactive_rfm_cells_do_not_reuse_a_segment_name() -> None:
    """The eight-cell RFM model's Chinese names (in its bilingual labels) are not another concept's term."""
    from crm_analysis.app import interactive

    taken = {zh: names for zh, names in terms_by_chinese().items()}
    for label in interactive.RFM_TYPES.values():
        english, chinese = re.match(r"^(.*?) \((.+)\)$", label).groups()
        assert chinese not in taken or taken[chinese] == {concept(english)}, (label, taken.get(chinese))
