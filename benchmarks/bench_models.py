"""Time every customer-level model step of chapters 2 (segmentation) and 3 (churn) at scale.

Usage::

    python benchmarks/bench_models.py                  # 1,000,000 generated customers
    python benchmarks/bench_models.py --quick          # 100,000
    python benchmarks/bench_models.py --chapters 2     # one chapter only

The input is ``crm-analysis generate --customers N --format parquet`` (cached, see ``_common``).
Loading and cleaning it (chapter 1's work, 3 minutes at 1M) and the chapter-2 customer features
(``features.customer_features``, owned and benchmarked elsewhere) are done once and cached as
Parquet in the bench cache (``models-N/``), so re-runs time only the model work. Delete the
folder to rebuild them.

Then every step the chapter notebooks run on customers is called as the notebook calls it (same
functions, same parameters: seed 42, k = 2..6, k-means, 10 bootstrap resamples, the 90th
percentile inactivity window, price rise on 2024-07-01, ...) and timed in this process: wall
seconds, CPU seconds and the peak resident memory above the step's start (``VmHWM`` reset before
the step). Rows marked ``detail`` re-time a part of an earlier step on its own (one criterion, one
model) and are not added to the chapter totals. Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # figures are built (as in a batch run) but never shown

import matplotlib.pyplot as plt
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import CACHE_DIR, generated, load_average, print_table, reset_peak, self_peak_mb

from crm_analysis import CRMData, Truth

# The notebooks' parameter defaults (02_segmentation / 03_churn_reasons, first cell).
SEED = 42
K_MIN, K_MAX = 2, 6
CLUSTER_METHOD = "kmeans"
N_BOOTSTRAP = 10
TREND_PERIOD_DAYS = 182
ABC_A, ABC_B = 0.80, 0.95
INACTIVITY_PERCENTILE = 0.9
PRICE_RISE_DATE = "2024-07-01"
BRIDGE_PERIOD_DAYS = 365
MIN_GROUP = 20
TABLES = ("customers", "transactions", "interactions", "exit_survey")


# ------------------------------------------------------------------ cached inputs
def _write(frame: pd.DataFrame, path: Path) -> None:
    frame.to_parquet(path, index=True)


def cached_inputs(customers: int, rows: list) -> tuple[CRMData, pd.Timestamp, pd.DataFrame]:
    """Cleaned tables, the as-of date and the chapter-2 features: from the cache, or built (and timed) once."""
    from crm_analysis import clean, load
    from crm_analysis.app.report import resolve_as_of
    from crm_analysis.features import customer_features

    folder = CACHE_DIR / f"models-{customers}"
    done = folder / "meta.json"
    if not done.exists():
        folder.mkdir(parents=True, exist_ok=True)
        source = generated(customers)
        data = _timed_input(rows, "load (crm_analysis.load)", lambda: load(str(source)))
        data = _timed_input(rows, "clean (crm_analysis.clean)", lambda: clean(data))
        as_of = resolve_as_of(data)
        features = _timed_input(rows, "customer_features (chapter 2 features)", lambda: customer_features(
            data, as_of=as_of, trend_period_days=TREND_PERIOD_DAYS, engine="pandas"))
        for name, table in data.tables().items():
            _write(table, folder / f"{name}.parquet")
        # the loader reads a truth folder of CSV files; generated Parquet data has Parquet ones
        truth = (data.truth.customers if data.truth is not None
                 else pd.read_parquet(source / "truth" / "customers.parquet"))
        _write(truth, folder / "truth_customers.parquet")
        _write(features, folder / "features.parquet")
        done.write_text(json.dumps({"as_of": str(as_of.date()), "source": str(source)}) + "\n")
    meta = json.loads(done.read_text())
    tables = {name: pd.read_parquet(folder / f"{name}.parquet") for name in TABLES
              if (folder / f"{name}.parquet").exists()}
    truth = Truth(pd.read_parquet(folder / "truth_customers.parquet"), pd.DataFrame())
    data = CRMData(**tables, truth=truth, source=meta["source"])
    return data, pd.Timestamp(meta["as_of"]), pd.read_parquet(folder / "features.parquet")


def _timed_input(rows: list, name: str, fn: Callable):
    result, wall, cpu, peak = _measure(fn)
    rows.append(["input (cached)", name, wall, cpu, peak])
    print(f"  {name}: {wall:.1f} s", flush=True)
    return result


# ------------------------------------------------------------------ timing
def _measure(fn: Callable) -> tuple[object, float, float, float]:
    base = reset_peak()
    t0, c0 = time.perf_counter(), time.process_time()
    result = fn()
    return result, time.perf_counter() - t0, time.process_time() - c0, self_peak_mb() - base


class Steps:
    """Runs named steps in order, keeping their results (``ns``) and a row of figures for each."""

    def __init__(self, customers: int) -> None:
        self.customers = customers
        self.rows: list[list[object]] = []
        self.ns: dict[str, object] = {}

    def __call__(self, chapter: str, name: str, fn: Callable, *, detail: bool = False) -> object:
        try:
            result, wall, cpu, peak = _measure(fn)
        except Exception:  # a failing step is reported, and the steps that do not need it still run
            traceback.print_exc()
            self.rows.append([chapter, name, self.customers, None, None, None, "FAILED"])
            return None
        finally:
            plt.close("all")
        self.rows.append([chapter, name, self.customers, wall, cpu, peak, "detail" if detail else ""])
        print(f"  [{chapter}] {name}: {wall:.2f} s wall, {cpu:.2f} s CPU, +{peak:,.0f} MB", flush=True)
        return result

    def totals(self) -> list[list[object]]:
        out = []
        for chapter in sorted({r[0] for r in self.rows}):
            timed = [r for r in self.rows if r[0] == chapter and r[6] == "" and r[3] is not None]
            out.append([chapter, f"total ({len(timed)} steps, details excluded)", self.customers,
                        sum(r[3] for r in timed), sum(r[4] for r in timed), max(r[5] for r in timed), ""])
        return out


# ------------------------------------------------------------------ chapter 2
def chapter_2(step: Steps, data: CRMData, features: pd.DataFrame, out_dir: Path) -> None:
    """The calls of notebooks/02_segmentation.ipynb after the features, in order."""
    from sklearn.metrics import calinski_harabasz_score, davies_bouldin_score, silhouette_score

    from crm_analysis import segment
    from crm_analysis.app import interactive
    from crm_analysis.app.report import save_table

    ch = "ch2"
    ns = step.ns
    ns["scores"] = step(ch, "RFM scores + segment summary", lambda: (
        s := segment.rfm_scores(features), segment.rfm_segment_summary(features, s))[0])
    ns["tiers"] = step(ch, "ABC tiers + concentration", lambda: (
        t := segment.abc_tiers(features["monetary"], a=ABC_A, b=ABC_B),
        segment.concentration(features["monetary"]),
        segment.summarise_by(features.assign(abc_tier=t), "abc_tier"))[0])
    labelled = features.assign(rfm_segment=ns["scores"]["rfm_segment"], abc_tier=ns["tiers"])
    step(ch, "four bases: basis summaries", lambda: [
        segment.basis_summary(labelled, b) for b, cols in segment.available_bases(labelled).items() if cols])
    X = ns["X"] = step(ch, "cluster matrix", lambda: segment.cluster_matrix(features))
    k_scores = step(ch, f"model selection: select_k k={K_MIN}..{K_MAX} (all criteria)", lambda: segment.select_k(
        X, range(K_MIN, K_MAX + 1), method=CLUSTER_METHOD, random_state=SEED))
    k = ns["k"] = segment.choose_k(k_scores)
    print(f"  chosen k = {k}\n{k_scores.round(4)}", flush=True)
    seg = ns["segmenter"] = step(ch, f"final clustering fit (k={k})", lambda: segment.CustomerSegmenter(
        CLUSTER_METHOD, k, random_state=SEED).fit(X))
    Z = seg.preprocess(X)
    sample = min(len(Z), segment.SILHOUETTE_SAMPLE if hasattr(segment, "SILHOUETTE_SAMPLE") else 4000)
    step(ch, f"  silhouette (sample of {sample:,}) at k={k}", lambda: silhouette_score(
        Z, seg.labels_, sample_size=sample, random_state=SEED), detail=True)
    step(ch, f"  Davies-Bouldin (all) at k={k}", lambda: davies_bouldin_score(Z, seg.labels_), detail=True)
    step(ch, f"  Calinski-Harabasz (all) at k={k}", lambda: calinski_harabasz_score(Z, seg.labels_), detail=True)
    step(ch, f"  BIC (all) at k={k}", lambda: seg.bic(X), detail=True)
    labels = ns["labels"] = pd.Series(seg.labels_, index=X.index, name="cluster")
    stability = step(ch, f"bootstrap stability ({N_BOOTSTRAP} resamples)", lambda: segment.bootstrap_stability(
        X, k, method=CLUSTER_METHOD, n_boot=N_BOOTSTRAP, random_state=SEED))
    if stability is not None:
        print(f"  stability: mean ARI {stability['ari'].mean():.3f}, min {stability['ari'].min():.3f}")

    def profiles_and_names():
        profiles = segment.cluster_profiles(features, labels)
        names = segment.name_clusters(profiles, features)
        profiles.insert(0, "cluster_name", names)
        return profiles, names

    profiles, names = ns["profiles"], ns["names"] = step(ch, "segment profiles + names", profiles_and_names)
    step(ch, "PCA + snake plots", lambda: (
        Zf := pd.DataFrame(seg.preprocess(X), index=X.index, columns=X.columns),
        segment.plot_clusters_pca(Zf.to_numpy(), labels, names, random_state=SEED),
        segment.plot_snake(Zf, labels, names)))
    step(ch, "explore_k (batch: one static view)", lambda: interactive.explore_k(
        X, k=k, seed=SEED, k_range=(K_MIN, K_MAX), method=CLUSTER_METHOD, live=False))

    def truth_check():
        true_segments = data.truth.customers.set_index("customer_id")["segment"]
        baseline = segment.raw_rfm_kmeans(features, k, random_state=SEED)
        return segment.truth_agreement(labels, true_segments), segment.truth_agreement(baseline, true_segments)

    ari = step(ch, "truth check: ARI + raw-RFM k-means baseline", truth_check)
    if ari is not None:
        print(f"  ARI vs truth: segmenter {ari[0]:.3f}, raw RFM baseline {ari[1]:.3f}")

    def segments_out():
        table = segment.segments_table(features, ns["scores"], ns["tiers"], labels, names)
        save_table(table, "segments", out_dir)
        return segment.manager_summary(features, ns["scores"], ns["tiers"], profiles, names)

    step(ch, "segments table (CSV) + manager summary", segments_out)
    step(ch, "exercise 2: Gaussian mixture (n_init=1)", lambda: segment.CustomerSegmenter(
        "gmm", k, n_init=1, random_state=SEED).fit(X))


# ------------------------------------------------------------------ chapter 3
def chapter_3(step: Steps, data: CRMData, as_of: pd.Timestamp, out_dir: Path) -> None:
    """The calls of notebooks/03_churn_reasons.ipynb, in order (with chapter 2's segments.csv)."""
    from crm_analysis import churn
    from crm_analysis.churn.drivers import churn_estimators
    from crm_analysis.core import handoff
    from crm_analysis.core.threads import single_threaded

    ch = "ch3"
    window = step(ch, "inactivity window (inter-purchase times)", lambda: churn.choose_inactivity_window(
        data.transactions, percentile=INACTIVITY_PERCENTILE))
    days = window.days
    print(f"  window: {days} days", flush=True)
    model_input = step(ch, "churn labels + features at two cut-offs (model_data)", lambda: churn.model_data(
        data, as_of, window_days=days, price_rise_date=PRICE_RISE_DATE, trend_days=TREND_PERIOD_DAYS))
    print(churn.label_summary(model_input).to_string(), flush=True)
    classifier = step(ch, "text classifier fit", lambda: churn.fit_text_classifier(data.exit_survey))
    survey = data.exit_survey
    step(ch, "text classifier 5-fold confusion", lambda: churn.text_confusion(
        survey["reason_text"], survey["reason_category"], seed=SEED))
    segments, source = step(ch, "segments per customer", lambda: churn.customer_segments(
        data, as_of, clusters=handoff.fetch("segments", out_dir, source=data.source).frame))
    print(f"  segments from: {source}", flush=True)
    lost = step(ch, "reason inference: lost customers, features, model (explain_lost)", lambda: churn.explain_lost(
        data, as_of, window_days=days, segments=segments, price_rise_date=PRICE_RISE_DATE, seed=SEED,
        classifier=classifier))
    stated = lost.table[lost.table["source"] == "stated"]
    step(ch, "  reason model alone (infer_reasons)", lambda: churn.infer_reasons(
        lost.features, lost.table["reason_category"].where(lost.table["source"] == "stated"), seed=SEED,
        price_rise_date=PRICE_RISE_DATE), detail=True)
    step(ch, "stated reasons: Pareto + heatmaps", lambda: (
        churn.plot_pareto(churn.reason_pareto(stated)), churn.pareto_heatmap(stated, "segment"),
        churn.pareto_heatmap(stated, "acquisition_channel")))
    models = step(ch, "churn model fits: logistic regression + gradient boosting", lambda: churn.fit_churn_models(
        model_input.train, model_input.test, seed=SEED))
    X = churn.design_matrix(model_input.train.features)
    X = X.loc[:, X.notna().any().to_numpy()]
    y = model_input.train.labels.to_numpy(dtype=bool)
    for name in ("logistic_regression", "gradient_boosting"):
        step(ch, f"  {name} fit alone", single_threaded(lambda n=name: churn_estimators(SEED)[n].fit(X, y)),
             detail=True)
    evaluation = step(ch, "model evaluation (ROC/PR-AUC, lift)", lambda: churn.evaluate_models(models))
    print(evaluation.round(4).to_string(), flush=True)
    step(ch, "calibration + gains plots", lambda: churn.plot_model_checks(models))
    step(ch, "permutation drivers (n_repeats=3)", lambda: churn.plot_drivers(
        churn.permutation_drivers(models, seed=SEED, n_repeats=3)))

    def scores_table():
        active = churn.active_customer_features(data, as_of, window_days=days, price_rise_date=PRICE_RISE_DATE,
                                                trend_days=TREND_PERIOD_DAYS)
        probability = models.predict_proba(active)
        codes = churn.reason_codes(active, price_rise_date=PRICE_RISE_DATE)
        lost_codes = churn.reason_codes(lost.features, price_rise_date=PRICE_RISE_DATE)
        return churn.churn_scores_table(probability, codes, lost, lost_codes)

    step(ch, "active customers: features, scores, reason codes", scores_table)
    accuracy = step(ch, "reasons table + accuracy vs truth", lambda: (
        churn.churn_reasons_table(lost), churn.reason_accuracy(lost.table, data.truth.customers))[1])
    print(accuracy.round(4).to_string(), flush=True)
    survival = step(ch, "survival frame", lambda: churn.survival_frame(data, as_of, window_days=days))
    survival["segment"] = segments.reindex(survival.index).astype("string").fillna("unknown")
    step(ch, "Kaplan-Meier by segment and by channel", lambda: (
        churn.plot_kaplan_meier(churn.kaplan_meier(survival, "segment", min_group=MIN_GROUP), "segment"),
        churn.plot_kaplan_meier(churn.kaplan_meier(survival, "acquisition_channel", min_group=MIN_GROUP), "ch")))
    hazard = step(ch, "Cox PHReg (segment, channel, customer type)", lambda: churn.cox_hazard_ratios(
        survival, ["segment", "acquisition_channel", "customer_type"], min_level=MIN_GROUP))
    if hazard is not None:
        print(hazard.round(3).head(8).to_string(), flush=True)

    def bridges():
        p1, p2 = churn.default_periods(data.transactions, as_of, BRIDGE_PERIOD_DAYS)
        return (churn.revenue_bridge(data.transactions, p1, p2),
                churn.revenue_bridge(data.transactions, p1, p2, groups=segments),
                churn.revenue_bridge(data.transactions, p1, p2, by="product_category"))

    step(ch, "revenue bridges (total, by segment, by category)", bridges)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=None, help="generated customers (default 1,000,000)")
    parser.add_argument("--quick", action="store_true", help="100,000 customers")
    parser.add_argument("--chapters", nargs="+", choices=["2", "3"], default=["2", "3"])
    args = parser.parse_args(argv)
    customers = args.customers or (100_000 if args.quick else 1_000_000)
    print(f"models benchmark: {customers:,} generated customers; load average {load_average()}", flush=True)
    input_rows: list = []
    data, as_of, features = cached_inputs(customers, input_rows)
    print(f"  {data}; as of {as_of.date()}; {len(features):,} customers with features", flush=True)
    step = Steps(customers)
    with tempfile.TemporaryDirectory() as tmp:
        out_dir = Path(tmp)
        if "2" in args.chapters:
            chapter_2(step, data, features, out_dir)
        if "3" in args.chapters:
            chapter_3(step, data, as_of, out_dir)
    if input_rows:
        print_table("inputs (built once, then cached)", ["step", "name", "wall s", "CPU s", "peak MB"], input_rows)
    print_table(f"chapter 2 and 3 model work on {customers:,} generated customers",
                ["chapter", "step", "customers", "wall s", "CPU s", "peak MB", "note"], step.rows + step.totals())
    return 1 if any(r[6] == "FAILED" for r in step.rows) else 0


if __name__ == "__main__":
    raise SystemExit(main())
