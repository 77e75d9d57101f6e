"""The one rule: which transaction lines are purchases, returns, adjustments or ignored (交易行分类).

Every chapter and every engine (pandas here, DuckDB and Spark through :func:`line_rule_sql`) reads a
customer's history through this rule, so a sale and its reversal always count together.

========================================================  ============  ======================================
line                                                      kind          money counted in net spend
========================================================  ============  ======================================
amount 0 on an item line (a source with stock codes or     ignored       0
unit prices: a zero-price line); an order-level 0 (CDNOW)
is a purchase
adjustment: stock code in :data:`ADJUSTMENT_CODES` or an  adjustment    the amount (not a purchase occasion)
``A…`` invoice (when the source has stock codes)
status ``cancelled``, amount < 0 (Online Retail ``C…``    return        the amount (reduces net spend)
invoice: the reversal of a sale)
status ``cancelled``, amount > 0 (never charged)          ignored       0
status ``returned``                                       return        ``-|amount|``
status ``completed`` or missing, amount > 0               purchase      the amount
status ``completed`` or missing, amount < 0               return        the amount
========================================================  ============  ======================================

Purchase occasions: a customer's lines of one calendar day form one occasion; its value is the
day's purchases net of the same day's returns. A day whose purchases were returned the same day
(net ≤ 0) is not a purchase occasion (it counts neither as an order nor in RFM / BG/NBD frequency).
Returns on a later day reduce the customer's net spend in their own period.

Linking a return to its sale (:func:`link_returns`): where the lines carry ``customer_id``, ``stock_code``,
``quantity`` and ``order_date``, a return line is linked to the latest purchase line of the same customer
and stock code with the opposite quantity dated at or before it, each purchase line taken by one return
at most (``returns_line`` of :func:`classify_lines`: the index label, ``source_row`` after loading, of that
purchase). A return that matches no purchase (bought before the data starts, a partial return, a
different quantity) stays unlinked and is netted against the customer's spend on its own day.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["ADJUSTMENT_CODES", "LINE_KINDS", "classify_lines", "line_rule_sql", "link_returns", "purchase_occasions",
           "uncounted_lines"]

#: Kinds of line, in code order (``kind_codes`` returns indices into this tuple).
LINE_KINDS = ("purchase", "return", "adjustment", "ignored")

#: Stock codes of Online Retail (I and II) lines that are fees, postage or manual corrections, not goods.
ADJUSTMENT_CODES = ("POST", "DOT", "C2", "M", "D", "S", "B", "CRUK", "BANK CHARGES", "AMAZONFEE", "ADJUST",
                    "ADJUST2", "TEST001", "TEST002")

PURCHASE, RETURN, ADJUSTMENT, IGNORED = range(4)


def _text(tx: pd.DataFrame, column: str) -> pd.Series | None:
    """The column as text, a blank cell missing (a blank status is no status); None without the column."""
    if column not in tx.columns:
        return None
    text = tx[column].astype("string")
    return text.mask(text.str.strip().eq("").fillna(False))


def _adjustment(tx: pd.DataFrame) -> np.ndarray:
    stock = _text(tx, "stock_code")
    if stock is None:
        return np.zeros(len(tx), dtype=bool)
    code = stock.str.strip().str.upper()
    adjust = code.isin(ADJUSTMENT_CODES).fillna(False)
    order = _text(tx, "order_id")
    if order is not None:
        adjust |= order.str.upper().str.startswith("A").fillna(False)
    return adjust.to_numpy(dtype=bool)


def _item_lines(columns: object) -> bool:
    """Item-level lines (a stock code or unit price): a zero amount there is a zero-price line, not an order."""
    return "stock_code" in columns or "unit_price" in columns


def kind_codes(tx: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Kind code (index into :data:`LINE_KINDS`) and money counted in net spend, per line (numpy arrays)."""
    amount = tx["amount"].astype("float64").fillna(0.0).to_numpy()
    status = _text(tx, "status")
    if status is None:
        status = pd.Series(pd.NA, index=tx.index, dtype="string")
    returned = status.eq("returned").fillna(False).to_numpy(dtype=bool)
    cancelled = status.eq("cancelled").fillna(False).to_numpy(dtype=bool)
    kind = np.where(amount >= 0, PURCHASE, RETURN).astype(np.int8)
    kind[returned] = RETURN
    kind[cancelled & (amount >= 0)] = IGNORED
    kind[_adjustment(tx)] = ADJUSTMENT
    if _item_lines(tx.columns):
        kind[amount == 0] = IGNORED
    money = np.where(kind == IGNORED, 0.0, np.where(returned, -np.abs(amount), amount))
    return kind, money


def classify_lines(tx: pd.DataFrame) -> pd.DataFrame:
    """Kind of each transaction line, the money it adds to net spend, and why (the rule above).

    Parameters
    ----------
    tx : pandas.DataFrame
        Canonical transactions: ``amount``; optional ``status``, ``stock_code``, ``order_id``.

    Returns
    -------
    pandas.DataFrame
        Same index: ``kind`` (one of :data:`LINE_KINDS`), ``money`` (float, signed), ``reason`` and
        ``returns_line`` (for a return linked to its sale by :func:`link_returns`, the index label of
        that purchase line; missing otherwise, and for every line when the link columns are absent).

    Examples
    --------
    >>> tx = pd.DataFrame({"amount": [10.0, -10.0, 5.0, 0.0, -4.0, 3.0],
    ...                    "status": ["completed", "cancelled", "cancelled", "completed", None, "completed"],
    ...                    "stock_code": ["85123A", "85123A", "22", "22", "22", "POST"]})
    >>> classify_lines(tx)[["kind", "money"]].values.tolist()  # doctest: +NORMALIZE_WHITESPACE
    [['purchase', 10.0], ['return', -10.0], ['ignored', 0.0], ['ignored', 0.0], ['return', -4.0],
     ['adjustment', 3.0]]
    """
    kind, money = kind_codes(tx)
    amount = tx["amount"].astype("float64").fillna(0.0).to_numpy()
    status = _text(tx, "status")
    has = status.notna().to_numpy(dtype=bool) if status is not None else np.zeros(len(tx), dtype=bool)
    reason = np.where(has, "status " + (status.fillna("") if status is not None else "").astype(str), "no status")
    reason = np.where((kind == RETURN) & (amount < 0), reason + ", " + "negative amount", reason)
    reason = np.where((kind == PURCHASE) & ~has, "no status, positive amount (inferred purchase)", reason)
    reason = np.where((kind == RETURN) & ~has, "no status, negative amount (inferred return)", reason)
    reason = np.where((kind == IGNORED) & (amount > 0), "cancelled before payment", reason)
    reason = np.where(kind == ADJUSTMENT, "adjustment line (fee, postage or manual correction)", reason)
    reason = np.where((kind == IGNORED) & (amount == 0), "zero amount on an item line (zero-price line)", reason)
    return pd.DataFrame({"kind": np.asarray(LINE_KINDS)[kind], "money": money, "reason": reason,
                         "returns_line": link_returns(tx, kind)}, index=tx.index)


def uncounted_lines(tx: pd.DataFrame) -> pd.DataFrame:
    """The lines not counted as purchases, by kind and reason, counted (交易行：未计为购买的行).

    What a reader sees next to the customer features: returns (with how many are linked to their
    sale), adjustments (fees, postage, manual corrections) and ignored lines (zero-price lines,
    orders cancelled before payment), each with its number of lines and the money it adds to net
    spend. Nothing is dropped silently: every line of ``tx`` is a purchase or in this table.

    Parameters
    ----------
    tx : pandas.DataFrame
        Canonical transactions (as :func:`classify_lines`).

    Returns
    -------
    pandas.DataFrame
        One row per (kind, reason), kinds in the order of :data:`LINE_KINDS`: ``kind``, ``reason``,
        ``lines`` (int), ``amount`` (the lines' ``amount``, currency units) and ``net_effect`` (what
        they add to net spend: negative for returns, 0 for ignored lines); empty when every line is
        a purchase.

    Examples
    --------
    >>> tx = pd.DataFrame({"amount": [10.0, -10.0, 0.0, 3.0], "status": ["completed", "cancelled", "completed",
    ...                    "completed"], "stock_code": ["22", "22", "23", "POST"]})
    >>> uncounted_lines(tx)[["kind", "lines", "amount"]].values.tolist()
    [['return', 1, -10.0], ['adjustment', 1, 3.0], ['ignored', 1, 0.0]]
    """
    lines = classify_lines(tx).assign(amount=tx["amount"].astype("float64").fillna(0.0))
    lines = lines.loc[lines["kind"].ne("purchase").to_numpy(dtype=bool)]
    linked = lines["returns_line"].notna()
    lines["reason"] = lines["reason"].where(~linked, lines["reason"] + ", " + "linked to its sale")
    table = (lines.groupby(["kind", "reason"], sort=False)
             .agg(lines=("money", "size"), amount=("amount", "sum"), net_effect=("money", "sum")).reset_index())
    order = {kind: i for i, kind in enumerate(LINE_KINDS)}
    table = table.sort_values(["kind", "lines"], key=lambda c: c.map(order) if c.name == "kind" else -c,
                              kind="stable", ignore_index=True)
    table["lines"] = table["lines"].astype("int64")
    return table


#: Columns :func:`link_returns` needs to match a return with its sale.
LINK_COLUMNS = ("customer_id", "stock_code", "quantity", "order_date")


def link_returns(tx: pd.DataFrame, kind: np.ndarray | None = None) -> pd.Series:
    """The purchase line each return line reverses, where it can be matched.

    A return line (kind ``return`` under the rule) is matched with a purchase line of the same
    customer and stock code whose quantity is the return's quantity with the sign turned
    (``quantity_purchase == -quantity_return``; a return marked ``returned`` with a positive quantity
    matches the same positive quantity), dated at or before the return. Among several candidates the
    latest is taken; each purchase line is taken by one return at most (returns are served in date
    order). Online Retail's ``C…`` cancellation of a whole order line is the typical match.

    Parameters
    ----------
    tx : pandas.DataFrame
        Transaction lines with ``amount`` and the columns of :data:`LINK_COLUMNS` (``order_date``
        datetime); optional ``status``, ``order_id``.
    kind : numpy.ndarray, optional
        Kind codes of the lines (:func:`kind_codes`); computed when not given.

    Returns
    -------
    pandas.Series
        Same index as ``tx``, the index label of the matched purchase line for linked returns, missing
        (``<NA>``) elsewhere; all missing when a column of :data:`LINK_COLUMNS` is absent.

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "a", "b"], "stock_code": ["X", "X", "X", "X"],
    ...                    "quantity": [2.0, 5.0, -2.0, -1.0], "amount": [4.0, 10.0, -4.0, -2.0],
    ...                    "order_date": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-03"])},
    ...                   index=pd.Index([11, 12, 13, 14], name="source_row"))
    >>> link_returns(tx).tolist()
    [<NA>, <NA>, 11, <NA>]
    """
    if not set(LINK_COLUMNS) <= set(tx.columns):
        return pd.Series(pd.NA, index=tx.index, dtype="object", name="returns_line")
    if kind is None:
        kind = kind_codes(tx)[0]
    quantity = tx["quantity"].astype("float64").to_numpy()
    lines = pd.DataFrame({
        "customer": tx["customer_id"].astype("string").to_numpy(),
        "stock": tx["stock_code"].astype("string").str.strip().str.upper().to_numpy(),
        "qty": np.round(np.abs(quantity), 6),
        "date": tx["order_date"].to_numpy(),
        "pos": np.arange(len(tx)),
    })
    usable = lines[["customer", "stock", "date"]].notna().all(axis=1).to_numpy() & np.isfinite(quantity)
    buys = lines.loc[usable & (kind == PURCHASE) & (quantity > 0)]
    rets = lines.loc[usable & (kind == RETURN)]
    keys = ["customer", "stock", "qty"]
    buys = buys.loc[buys.set_index(keys).index.isin(rets.set_index(keys).index)]
    linked = np.full(len(tx), -1, dtype=np.int64)
    if len(buys) and len(rets):
        # Within each (customer, stock code, quantity), returns in date order each take the latest purchase at
        # or before them that no earlier return took.
        buy_groups = {key: g.sort_values("date", kind="stable") for key, g in buys.groupby(keys, sort=False)}
        for key, group in rets.sort_values("date", kind="stable").groupby(keys, sort=False):
            pool = buy_groups.get(key)
            if pool is None:
                continue
            dates, positions = pool["date"].to_numpy(), list(pool["pos"].to_numpy())
            taken = np.zeros(len(positions), dtype=bool)
            for date, pos in zip(group["date"].to_numpy(), group["pos"].to_numpy(), strict=True):
                last = int(np.searchsorted(dates, date, side="right")) - 1
                while last >= 0 and taken[last]:
                    last -= 1
                if last >= 0:
                    taken[last] = True
                    linked[pos] = positions[last]
    labels = tx.index.to_numpy()
    out = pd.Series(pd.NA, index=tx.index, dtype="object", name="returns_line")
    out.iloc[np.flatnonzero(linked >= 0)] = labels[linked[linked >= 0]]
    return out


def line_rule_sql(columns: list[str] | tuple[str, ...], text: str) -> tuple[str, str]:
    """SQL for the kind code and the money of a line: the rule of :func:`kind_codes`, for DuckDB and Spark.

    Parameters
    ----------
    columns : sequence of str
        Columns of the relation (``status``, ``stock_code`` and ``order_id`` are used when present).
    text : str
        The dialect's text type (``VARCHAR`` or ``STRING``).

    Returns
    -------
    tuple of str
        ``(kind_expression, money_expression)``; kind codes index :data:`LINE_KINDS`.

    Examples
    --------
    >>> kind, money = line_rule_sql(["amount"], "VARCHAR")
    >>> "CASE" in kind and "amount" in money
    True
    """
    amount = "COALESCE(CAST(amount AS DOUBLE), CAST(0 AS DOUBLE))"
    status = f"CAST(status AS {text})" if "status" in columns else "CAST(NULL AS " + text + ")"
    adjust = "FALSE"
    if "stock_code" in columns:
        codes = ", ".join("'" + c + "'" for c in ADJUSTMENT_CODES)
        adjust = f"COALESCE(UPPER(TRIM(CAST(stock_code AS {text}))) IN ({codes}), FALSE)"
        if "order_id" in columns:
            adjust += f" OR COALESCE(UPPER(CAST(order_id AS {text})) LIKE 'A%', FALSE)"
    zero = f"{amount} = 0" if _item_lines(columns) else "FALSE"
    kind = f"""CASE WHEN {zero} THEN {IGNORED}
            WHEN {adjust} THEN {ADJUSTMENT}
            WHEN COALESCE({status} = 'cancelled', FALSE) AND {amount} >= 0 THEN {IGNORED}
            WHEN COALESCE({status} = 'returned', FALSE) THEN {RETURN}
            WHEN {amount} >= 0 THEN {PURCHASE} ELSE {RETURN} END"""
    money = f"""CASE WHEN ({kind}) = {IGNORED} THEN CAST(0 AS DOUBLE)
            WHEN COALESCE({status} = 'returned', FALSE) THEN -ABS({amount}) ELSE {amount} END"""
    return kind, money


def occasion_lines(customer: np.ndarray, day: np.ndarray, kind: np.ndarray, money: np.ndarray) -> np.ndarray:
    """Mask of the purchase and return lines that fall on a purchase occasion.

    An occasion is a customer's calendar day with a purchase line and no return, or whose purchases net
    of that day's returns are > 0 (to the micro-unit, so a sale and its reversal on one day net to 0
    despite float error). ``customer`` and
    ``day`` are integer codes of every line; lines of other kinds are False.

    Examples
    --------
    >>> occasion_lines(np.array([0, 0, 1, 1]), np.array([5, 5, 5, 6]), np.array([0, 1, 0, 1]),
    ...                np.array([10.0, -10.0, 3.0, -1.0])).tolist()
    [False, False, True, False]
    """
    used = (kind == PURCHASE) | (kind == RETURN)
    if not used.any():
        return used
    d0 = int(day[used].min())
    span = np.int64(int(day[used].max()) - d0 + 1)
    key = np.where(used, customer.astype(np.int64) * span + (day.astype(np.int64) - d0), -1)
    codes, inverse = np.unique(key, return_inverse=True)
    net = np.bincount(inverse, weights=np.where(used, money, 0.0), minlength=len(codes))
    returns = np.bincount(inverse, weights=kind == RETURN, minlength=len(codes))
    buys = np.bincount(inverse, weights=kind == PURCHASE, minlength=len(codes))
    occasion = (np.round(net, 6) > 0) | ((buys > 0) & (returns == 0))
    return used & occasion[inverse]


def purchase_occasions(transactions: pd.DataFrame) -> pd.DataFrame:
    """A customer's purchase occasions under the one rule: one row per (customer, day), first day flagged.

    The lines are classified by :func:`classify_lines` (so exports without a ``status`` column, blank
    statuses and Online Retail cancellations count as everywhere else) and grouped by
    :func:`occasion_lines`: a day whose purchases were all returned that day is no occasion.

    Parameters
    ----------
    transactions : pandas.DataFrame
        Canonical transactions: ``customer_id``, ``order_date`` (datetime), ``amount``; optional
        ``status``, ``stock_code``, ``order_id``. Lines with a missing id, date or amount are skipped.

    Returns
    -------
    pandas.DataFrame
        ``customer_id`` (string), ``day`` (datetime64, midnight), ``value`` (the day's purchases net
        of that day's returns, currency units) and ``first_day`` (the customer's first occasion),
        sorted by customer and day.

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "a", "b"], "amount": [10.0, -10.0, 4.0, 3.0],
    ...                    "order_date": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-01-05",
    ...                                                  "2024-01-02"])})
    >>> purchase_occasions(tx)[["customer_id", "value"]].values.tolist()
    [['a', 4.0], ['b', 3.0]]
    """
    columns = ["customer_id", "day", "value", "first_day"]
    ok = transactions["customer_id"].notna() & transactions["order_date"].notna() & transactions["amount"].notna()
    tx = transactions.loc[ok.to_numpy(dtype=bool)]
    if tx.empty:
        return pd.DataFrame({c: pd.Series(dtype="string" if c == "customer_id" else "datetime64[ns]")
                             for c in columns}).assign(value=pd.Series(dtype="float64"))
    kind, money = kind_codes(tx)
    customer = tx["customer_id"].astype("string")
    day = tx["order_date"].dt.normalize()
    counted = occasion_lines(pd.factorize(customer.array)[0], day.to_numpy().astype("datetime64[D]").view("int64"),
                             kind, money)
    occ = (pd.DataFrame({"customer_id": customer.to_numpy()[counted], "day": day.to_numpy()[counted],
                         "value": money[counted]})
           .groupby(["customer_id", "day"], as_index=False, sort=True)["value"].sum())
    occ["customer_id"] = occ["customer_id"].astype("string")
    occ["first_day"] = occ.groupby("customer_id")["day"].transform("min")
    return occ[columns]
