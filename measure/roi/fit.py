"""Regression models that predict a sponsorship outcome from its exposure features.

:func:`fit_roi` joins a features table (:mod:`measure.roi.features`) with an outcomes table
(``event_id``, ``sponsor`` and one or more numeric target columns), cross-validates the candidates
of :mod:`measure.roi.candidates` with folds grouped by event (or ordered by time when every event has
a date), chooses the candidate with the lowest out-of-fold MAE, measures its permutation
importance, calibrates split-conformal prediction intervals from its out-of-fold residuals and
refits it on all rows. :class:`RoiModel` saves and loads that model (skops, no pickle) with its
feature schema, metrics, training-data fingerprints and drift reference, and predicts with
intervals and a PSI drift report (:mod:`measure.roi.drift`).
"""

from __future__ import annotations

import functools
import json
import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import numpy as np
import pandas as pd
import sklearn
from sklearn.base import clone
from threadpoolctl import threadpool_limits

from measure.errors import InputError
from measure.hashing import sha256_file
from measure.jsonable import jsonable
from measure.roi.candidates import (
    CANDIDATES,
    SplitError,
    conformal_quantile,
    from_scale,
    make_candidate,
    make_splits,
    regression_metrics,
    to_scale,
)
from measure.roi.drift import DriftWarning, drift_report, reference_bins
from measure.roi.schema import (
    COLUMNS_BY_NAME,
    DEFAULT_MODEL_FEATURES,
    FEATURE_SCHEMA_VERSION,
    KEYS,
    NUMERIC_COLUMNS,
    FeatureError,
    fingerprint,
    read_table,
    schema_doc,
    validate_features,
)
from measure.store import atomic_path

__all__ = [
    "DriftWarning",
    "RoiError",
    "RoiFit",
    "RoiModel",
    "RoiPrediction",
    "fit_roi",
    "prepare_outcomes",
    "read_outcomes",
    "save_fit",
]

MODEL_FORMAT = "sponsorlens-roi-model"
MODEL_FORMAT_VERSION = 1
MODEL_FILE = "model.skops"
META_FILE = "model.json"
METRICS_FILE = "metrics.json"
#: Types a saved model may contain beyond those skops trusts by default.
TRUSTED_TYPES: frozenset[str] = frozenset(
    {"numpy.dtype", "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor"}
)
MIN_ROWS = 10

_P = ParamSpec("_P")
_R = TypeVar("_R")


def _single_threaded(func: Callable[_P, _R]) -> Callable[_P, _R]:
    """Run ``func`` with native thread pools (OpenMP, BLAS) limited to one thread.

    The models are small; on a busy machine OpenMP threads of gradient boosting spin-wait for
    each other, which made a fit ten times slower (84 s instead of 9 s wall, 2 shared cores).
    """

    @functools.wraps(func)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        with threadpool_limits(limits=1):
            return func(*args, **kwargs)

    return wrapper


class RoiError(InputError):
    """Fitting, saving, loading or prediction failed for a reason the user can fix."""


# ---------------------------------------------------------------------------------------------
# outcomes


def read_outcomes(path: str | Path) -> pd.DataFrame:
    """Read an outcomes table (CSV or Parquet) with ``event_id``, ``sponsor`` and target columns."""
    try:
        return read_table(path, "outcomes table")
    except FeatureError as e:
        raise RoiError(str(e)) from None


def prepare_outcomes(
    outcomes: pd.DataFrame, target: str | None = None, source: str = "outcomes table"
) -> tuple[pd.DataFrame, str]:
    """Check an outcomes table and pick the target column.

    Without ``target`` the table must have exactly one column besides ``event_id`` and
    ``sponsor``. Returns (table of event_id, sponsor, target with rows lacking a target dropped,
    target name); raises :class:`RoiError`.
    """
    missing = [k for k in KEYS if k not in outcomes.columns]
    if missing:
        raise RoiError(f"{source}: missing columns: {', '.join(missing)}")
    targets = [c for c in outcomes.columns if c not in KEYS]
    if target is None:
        if len(targets) != 1:
            listed = ", ".join(map(str, targets)) or "none"
            raise RoiError(f"{source}: choose the target column with --target (columns: {listed})")
        target = str(targets[0])
    if target not in outcomes.columns or target in KEYS:
        raise RoiError(f"{source}: no target column {target!r} (columns: {', '.join(map(str, targets))})")
    df = outcomes[[*KEYS, target]].copy()
    for k in KEYS:
        df[k] = df[k].astype("str").str.strip()
        if outcomes[k].isna().any():
            raise RoiError(f"{source}: column {k!r} has empty values")
    y = pd.to_numeric(df[target], errors="coerce")
    bad = y.isna() & df[target].notna()
    if bad.any():
        raise RoiError(f"{source}: target {target!r} has a non-numeric value {df.loc[bad, target].iloc[0]!r}")
    if np.isinf(y).any():
        raise RoiError(f"{source}: target {target!r} has an infinite value")
    df[target] = y.astype("float64")
    dup = df.duplicated(subset=list(KEYS), keep=False)
    if dup.any():
        e, s = df.loc[dup, list(KEYS)].iloc[0]
        raise RoiError(f"{source}: more than one outcome for event {e!r} and sponsor {s!r}")
    return df.dropna(subset=[target]).reset_index(drop=True), target


# ---------------------------------------------------------------------------------------------
# the model


@dataclass
class RoiPrediction:
    """Predictions with intervals, and the drift report of the features they were made from.

    ``table``: event_id, sponsor, prediction, lower, upper (target units), cost and
    prediction_per_cost (prediction / cost; NaN without a positive cost). ``drift``: one row per
    feature (see :func:`measure.roi.drift.drift_report`).
    """

    table: pd.DataFrame
    drift: pd.DataFrame
    target: str

    @property
    def drifted(self) -> list[str]:
        """Features whose drift level is ``high``."""
        return self.drift.loc[self.drift["level"] == "high", "feature"].tolist()


@dataclass
class RoiModel:
    """A fitted outcome model and everything needed to use and audit it.

    ``meta`` holds the target, features, chosen candidate, interval half-width, CV description,
    metrics, permutation importance, training fingerprints and the PSI reference.
    """

    estimator: Any
    meta: dict[str, Any]

    @property
    def target(self) -> str:
        return str(self.meta["target"])

    @property
    def features(self) -> list[str]:
        return list(self.meta["features"])

    @property
    def name(self) -> str:
        """Name of the chosen candidate."""
        return str(self.meta["chosen"])

    @property
    def level(self) -> float:
        """Nominal coverage of the prediction intervals (fraction)."""
        return float(self.meta["interval"]["level"])

    @property
    def half_width(self) -> float:
        """Half-width of the prediction intervals on the :attr:`interval_scale`."""
        hw = self.meta["interval"]["half_width"]
        return math.inf if hw is None else float(hw)

    @property
    def interval_scale(self) -> str:
        """``"log1p"`` (intervals multiply/divide the prediction) or ``"identity"`` (prediction ± width)."""
        return str(self.meta["interval"]["scale"])

    def describe_interval(self) -> str:
        """One human-readable line, e.g. ``90% intervals: prediction x/÷ 1.41`` or ``... ± 120``."""
        if self.interval_scale == "log1p":
            return f"{self.level:.0%} intervals: (1 + prediction) ×/÷ {math.exp(self.half_width):.3g}"
        return f"{self.level:.0%} intervals: prediction ± {self.half_width:.4g}"

    @property
    def importance(self) -> pd.DataFrame:
        """Permutation importance: feature, importance (MAE increase, target units), std."""
        return pd.DataFrame(self.meta["importance"], columns=["feature", "importance", "std"])

    @_single_threaded
    def predict(
        self, features: pd.DataFrame, source: str = "features table", warn: bool = True
    ) -> RoiPrediction:
        """Predict the target for every row of a features table.

        The table is validated against the feature schema and the model's features; a model
        feature that was never missing in training must not be missing here. Issues a
        :class:`DriftWarning` (when ``warn``) if any feature's drift level is ``high``. Raises
        :class:`RoiError` on schema problems.
        """
        if self.meta.get("schema_version") != FEATURE_SCHEMA_VERSION:
            raise RoiError(
                f"model was trained on feature schema {self.meta.get('schema_version')} but this "
                f"sponsorlens uses schema {FEATURE_SCHEMA_VERSION}; refit it"
            )
        try:
            df = validate_features(features, source=source)
        except FeatureError as e:
            raise RoiError(str(e)) from None
        never_missing = [f for f in self.features if self.meta["training"]["missing_fraction"].get(f, 0) == 0]
        for f in never_missing:
            n = int(df[f].isna().sum())
            if n:
                raise RoiError(
                    f"{source}: feature {f!r} is missing in {n} of {len(df)} rows, but the model was "
                    "trained only on rows that have it (e.g. photo statistics given to a video model)"
                )
        pred = np.asarray(self.estimator.predict(df[self.features]), dtype=float)
        if self.meta["training"].get("log_target"):
            pred = np.maximum(pred, 0.0)  # the target is never negative; expm1 may dip below 0
        lower, upper = _interval(pred, self.half_width, self.interval_scale == "log1p")
        cost = df["cost"].to_numpy(float)
        with np.errstate(divide="ignore", invalid="ignore"):
            per_cost = np.where(cost > 0, pred / cost, np.nan)
        table = pd.DataFrame(
            {
                "event_id": df["event_id"],
                "sponsor": df["sponsor"],
                "prediction": pred,
                "lower": lower,
                "upper": upper,
                "cost": cost,
                "prediction_per_cost": per_cost,
            }
        )
        drift = drift_report(self.meta["drift_reference"], df, event_level=_event_level(self.features))
        result = RoiPrediction(table, drift, self.target)
        if warn and result.drifted:
            top = drift.loc[drift["level"] == "high"].sort_values("psi", ascending=False)
            listed = ", ".join(f"{r.feature} (PSI {r.psi:.2f})" for r in top.itertuples())
            warnings.warn(
                f"{source}: features drifted far from the training data: {listed}; "
                "predictions for these rows are extrapolations",
                DriftWarning,
                stacklevel=3,
            )
        return result

    def save(self, out_dir: str | Path) -> dict[str, Path]:
        """Write ``model.skops``, ``model.json`` and ``metrics.json`` into ``out_dir``; return their paths.

        Each file is written atomically; OS errors raise :class:`measure.store.OutputError`.
        """
        import skops.io as sio

        out = Path(out_dir)
        paths = {"model": out / MODEL_FILE, "meta": out / META_FILE, "metrics": out / METRICS_FILE}
        with atomic_path(paths["model"]) as tmp:
            sio.dump(self.estimator, tmp)
            digest = sha256_file(tmp)
        meta = dict(self.meta, artifact_sha256=digest)
        with atomic_path(paths["meta"]) as tmp:
            text = json.dumps(jsonable(meta), indent=2, allow_nan=False)
            tmp.write_text(text + "\n", encoding="utf-8")
        with atomic_path(paths["metrics"]) as tmp:
            text = json.dumps(jsonable(meta["metrics"]), indent=2, allow_nan=False)
            tmp.write_text(text + "\n", encoding="utf-8")
        self.meta = meta
        return paths

    @classmethod
    def load(cls, model_dir: str | Path) -> RoiModel:
        """Load a model saved by :meth:`save`.

        Checks the format, that ``model.skops`` has the sha256 recorded in ``model.json`` and that
        it contains only expected types (skops never unpickles arbitrary objects). Raises
        :class:`RoiError`.
        """
        import skops.io as sio

        d = Path(model_dir)
        meta_path, model_path = d / META_FILE, d / MODEL_FILE
        if not meta_path.is_file() or not model_path.is_file():
            raise RoiError(f"{d}: not a model directory (needs {META_FILE} and {MODEL_FILE})")
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
            raise RoiError(f"{meta_path}: cannot read model metadata: {e}") from None
        if not isinstance(meta, dict) or meta.get("format") != MODEL_FORMAT:
            raise RoiError(f"{meta_path}: not a sponsorlens ROI model")
        if int(meta.get("format_version", 0)) > MODEL_FORMAT_VERSION:
            raise RoiError(
                f"{meta_path}: model format {meta.get('format_version')} is newer than this sponsorlens"
            )
        if sha256_file(model_path) != meta.get("artifact_sha256"):
            raise RoiError(f"{model_path}: sha256 does not match {META_FILE} (file modified or corrupted)")
        try:
            untrusted = set(sio.get_untrusted_types(file=model_path))
            unexpected = sorted(untrusted - TRUSTED_TYPES)
            if unexpected:
                raise RoiError(f"{model_path}: refusing to load unexpected types: {', '.join(unexpected)}")
            estimator = sio.load(model_path, trusted=sorted(untrusted))
        except RoiError:
            raise
        except Exception as e:  # skops raises many types on damaged files
            raise RoiError(f"{model_path}: cannot load model: {e}") from None
        return cls(estimator, meta)


def _interval(pred: np.ndarray, half_width: float, log: bool) -> tuple[np.ndarray, np.ndarray]:
    """Return (lower, upper): ``pred ± w``, or on the log scale ``expm1(log1p(pred) ± w)`` floored at 0."""
    centre = to_scale(pred, log)
    lower, upper = from_scale(centre - half_width, log), from_scale(centre + half_width, log)
    return (np.maximum(lower, 0.0), upper) if log else (lower, upper)


def _event_level(features: Sequence[str]) -> list[str]:
    return [f for f in features if COLUMNS_BY_NAME[f].level == "event"]


# ---------------------------------------------------------------------------------------------
# fitting


@dataclass
class RoiFit:
    """What :func:`fit_roi` returns.

    ``metrics`` has the shape of ``metrics.json``; ``oof`` holds the out-of-fold predictions
    (event_id, sponsor, fold, actual, one column per candidate); ``importance`` the chosen
    model's permutation importance; ``notes`` human-readable remarks (e.g. rows left out).
    """

    model: RoiModel
    metrics: dict[str, Any]
    oof: pd.DataFrame
    importance: pd.DataFrame
    notes: list[str] = field(default_factory=list)


def _select_features(df: pd.DataFrame, requested: Sequence[str] | None) -> list[str]:
    if requested is None:
        chosen = [f for f in DEFAULT_MODEL_FEATURES if df[f].notna().any()]
        if not chosen:
            raise RoiError("no feature has any value in the training rows")
        return chosen
    chosen = list(dict.fromkeys(requested))
    bad = [f for f in chosen if f not in NUMERIC_COLUMNS]
    if bad:
        raise RoiError(
            f"not numeric feature columns: {', '.join(bad)} (choose from {', '.join(NUMERIC_COLUMNS)})"
        )
    empty = [f for f in chosen if df[f].isna().all()]
    if empty:
        raise RoiError(f"features without any value in the training rows: {', '.join(empty)}")
    return chosen


@_single_threaded
def fit_roi(
    features: pd.DataFrame,
    outcomes: pd.DataFrame,
    target: str | None = None,
    *,
    feature_names: Sequence[str] | None = None,
    cv: str = "auto",
    n_splits: int = 5,
    level: float = 0.9,
    candidates: Sequence[str] = CANDIDATES,
    n_repeats: int = 5,
    random_state: int = 0,
    features_source: str = "features table",
    outcomes_source: str = "outcomes table",
) -> RoiFit:
    """Cross-validate the candidates, choose one, and fit it on all rows.

    ``features`` is a features table (validated here; it needs ``attrs["schema_version"]``),
    ``outcomes`` has event_id, sponsor and the ``target`` column. ``feature_names`` defaults to
    every default model feature with at least one value. ``level`` is the interval coverage
    (fraction). Returns a :class:`RoiFit`; raises :class:`RoiError`.
    """
    if not 0 < level < 1:
        raise RoiError(f"interval level must be between 0 and 1, got {level}")
    unknown = [c for c in candidates if c not in CANDIDATES]
    if unknown or not candidates:
        raise RoiError(
            f"unknown candidates: {', '.join(unknown) or 'none given'} (choose from {', '.join(CANDIDATES)})"
        )
    candidates = ["baseline", *[c for c in candidates if c != "baseline"]]
    try:
        feats = validate_features(features, source=features_source)
    except FeatureError as e:
        raise RoiError(str(e)) from None
    outs, target = prepare_outcomes(outcomes, target, outcomes_source)
    if target in feats.columns:
        raise RoiError(f"target {target!r} is also a feature column; rename it in {outcomes_source}")

    data = feats.merge(outs, on=list(KEYS), how="inner", validate="one_to_one")
    notes = []
    unmatched_out = len(outs) - len(data)
    if unmatched_out:
        notes.append(
            f"{unmatched_out} outcome rows have no features (event_id/sponsor not in the features table)"
        )
    unmatched_feat = len(feats) - len(data)
    if unmatched_feat:
        notes.append(f"{unmatched_feat} feature rows have no outcome and were not used")
    if len(data) < MIN_ROWS:
        raise RoiError(
            f"only {len(data)} (event, sponsor) rows have both features and a {target!r} outcome; "
            f"need at least {MIN_ROWS} (do the event_ids and sponsor names match?)"
        )
    data = data.sort_values(list(KEYS), kind="stable").reset_index(drop=True)
    names = _select_features(data, feature_names)
    X, y = data[names], data[target].to_numpy(float)

    if cv == "auto" and data["date"].notna().any() and data["date"].isna().any():
        notes.append("some events have no date, so the folds are grouped by event, not ordered by time")
    try:
        scheme, splits = make_splits(data["event_id"], data["date"], cv, n_splits, random_state)
    except SplitError as e:
        raise RoiError(str(e)) from None

    log_target = bool(np.min(y) >= 0)
    fold_of = np.full(len(data), -1)
    oof = {c: np.full(len(data), np.nan) for c in candidates}
    fold_models: dict[str, list[Any]] = {c: [] for c in candidates}
    for i, (tr, te) in enumerate(splits):
        fold_of[te] = i
        for c in candidates:
            m = clone(make_candidate(c, names, random_state, log_target)).fit(X.iloc[tr], y[tr])
            p = np.asarray(m.predict(X.iloc[te]), dtype=float)
            oof[c][te] = np.maximum(p, 0.0) if log_target else p
            fold_models[c].append(m)
    tested = fold_of >= 0

    cand_metrics: dict[str, dict[str, Any]] = {}
    base_overall = regression_metrics(y[tested], oof["baseline"][tested])
    for c in candidates:
        overall = regression_metrics(y[tested], oof[c][tested])
        folds = []
        for i, (_, te) in enumerate(splits):
            fm = regression_metrics(y[te], oof[c][te])
            fm_base = regression_metrics(y[te], oof["baseline"][te])
            folds.append(
                {"fold": i, "n_rows": len(te), "n_events": int(data["event_id"].iloc[te].nunique()), **fm,
                 "baseline_mae": fm_base["mae"]}
            )  # fmt: skip
        cand_metrics[c] = {
            **overall,
            "mae_reduction_vs_baseline": _reduction(overall["mae"], base_overall["mae"]),
            "folds": folds,
        }
    chosen = min(candidates, key=lambda c: (cand_metrics[c]["mae"], candidates.index(c)))
    if chosen == "baseline":
        notes.append("no candidate beat the median baseline; the baseline was chosen")

    # conformal interval: half-width from all out-of-fold residuals (on the log1p scale for
    # non-negative targets, so intervals grow with the prediction); coverage estimated per fold
    # with a half-width calibrated on the other folds' residuals only.
    resid = np.abs(to_scale(y, log_target) - to_scale(oof[chosen], log_target))
    half_width = conformal_quantile(resid[tested], level)
    covered = np.zeros(len(data), dtype=bool)
    for i, (_, te) in enumerate(splits):
        others = tested & (fold_of != i)
        covered[te] = resid[te] <= conformal_quantile(resid[others], level)
    coverage = float(covered[tested].mean())

    importance = _permutation_importance(fold_models[chosen], splits, X, y, n_repeats, random_state)
    final = clone(make_candidate(chosen, names, random_state, log_target)).fit(X, y)

    metrics = {
        "target": target,
        "baseline": {k: base_overall[k] for k in ("mae", "rmse", "r2", "mape")},
        "candidates": cand_metrics,
        "chosen": {"name": chosen, **{k: cand_metrics[chosen][k] for k in ("mae", "rmse", "r2", "mape")},
                   "interval_coverage": coverage},
    }  # fmt: skip
    event_level = _event_level(names)
    first_per_event = data.drop_duplicates("event_id")
    drift_ref = {
        f: reference_bins((first_per_event if f in event_level else data)[f].to_numpy(float)) for f in names
    }
    meta: dict[str, Any] = {
        "format": MODEL_FORMAT,
        "format_version": MODEL_FORMAT_VERSION,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "versions": {"scikit-learn": sklearn.__version__, "numpy": np.__version__, "pandas": pd.__version__},
        "schema_version": FEATURE_SCHEMA_VERSION,
        "feature_schema": schema_doc(),
        "target": target,
        "features": names,
        "chosen": chosen,
        "candidates": list(candidates),
        "random_state": random_state,
        "cv": {
            "scheme": scheme,
            "n_splits": len(splits),
            "test_events": [sorted(map(str, data["event_id"].iloc[te].unique())) for _, te in splits],
            "rows_tested": int(tested.sum()),
        },
        "interval": {
            "method": "split-conformal on out-of-fold absolute residuals",
            "scale": "log1p" if log_target else "identity",
            "level": level,
            "half_width": half_width,
            "estimated_coverage": coverage,
        },
        "metrics": metrics,
        "importance": importance.to_dict(orient="records"),
        "training": {
            "rows": len(data),
            "events": int(data["event_id"].nunique()),
            "sponsors": int(data["sponsor"].nunique()),
            "features_sha256": fingerprint(feats),
            "outcomes_sha256": fingerprint(outs),
            "data_sha256": fingerprint(data[[*KEYS, *names, target]]),
            "missing_fraction": {f: float(data[f].isna().mean()) for f in names},
            "target_min": float(np.min(y)),
            "log_target": log_target,
            "notes": notes,
        },
        "drift_reference": drift_ref,
    }
    oof_df = data[[*KEYS]].copy()
    oof_df["fold"] = fold_of
    oof_df["actual"] = y
    for c in candidates:
        oof_df[c] = oof[c]
    oof_df = oof_df[tested].reset_index(drop=True)
    return RoiFit(RoiModel(final, meta), metrics, oof_df, importance, notes)


def _reduction(mae: float, base: float) -> float:
    return 1.0 - mae / base if base > 0 else math.nan


def _permutation_importance(
    models: list[Any],
    splits: list[tuple[np.ndarray, np.ndarray]],
    X: pd.DataFrame,
    y: np.ndarray,
    n_repeats: int,
    random_state: int,
) -> pd.DataFrame:
    """Permutation importance on held-out folds: the mean increase of the MAE (target units).

    For each fold model and feature, the feature's values in the fold's test rows are shuffled
    ``n_repeats`` times and the test MAE compared with the unshuffled MAE (the definition of
    :func:`sklearn.inspection.permutation_importance` with ``neg_mean_absolute_error``). All
    shuffled copies of a fold are predicted in one call, which is much faster on small folds.
    Returns feature, importance (mean over folds and repeats) and std, most important first.
    """
    rng = np.random.default_rng(random_state)
    n_feat = X.shape[1]
    drops = np.zeros((n_feat, 0))
    for m, (_, te) in zip(models, splits, strict=True):
        Xt, yt = X.iloc[te].reset_index(drop=True), y[te]
        base = float(np.mean(np.abs(yt - m.predict(Xt))))
        copies = []
        for j in range(n_feat):
            for _ in range(n_repeats):
                c = Xt.copy()
                c.iloc[:, j] = Xt.iloc[rng.permutation(len(Xt)), j].to_numpy()
                copies.append(c)
        pred = np.asarray(m.predict(pd.concat(copies, ignore_index=True)), dtype=float)
        mae = np.abs(pred.reshape(n_feat * n_repeats, len(Xt)) - yt).mean(axis=1)
        drops = np.hstack([drops, (mae - base).reshape(n_feat, n_repeats)])
    out = pd.DataFrame({"feature": X.columns, "importance": drops.mean(axis=1), "std": drops.std(axis=1)})
    return out.sort_values("importance", ascending=False, kind="stable").reset_index(drop=True)


def save_fit(fit: RoiFit, out_dir: str | Path) -> dict[str, Path]:
    """Save the model (see :meth:`RoiModel.save`) plus ``cv_predictions.csv`` and ``importance.csv``.

    Returns the paths written, by name.
    """
    out = Path(out_dir)
    paths = fit.model.save(out)
    for name, df in (("cv_predictions", fit.oof), ("importance", fit.importance)):
        p = out / f"{name}.csv"
        with atomic_path(p) as tmp:
            df.to_csv(tmp, index=False, float_format="%.6g", lineterminator="\n")
        paths[name] = p
    return paths
