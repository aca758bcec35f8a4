"""Candidate regression models, error metrics, event-grouped splits and conformal quantiles.

Candidates (all scikit-learn):

* ``baseline``: the training median, whatever the features.
* ``ridge``: missing values imputed with the training median, ``log1p`` of every feature,
  standardised, then ridge regression (alpha 1) whose coefficients on the monotonic features
  (exposure_s, quality_s, media_value) are constrained to be >= 0. The constraint is exact: free
  features enter twice, as x and -x, and the ridge is fitted with ``positive=True``.
* ``hgb``: histogram gradient boosting (squared error) with ``monotonic_cst`` +1 on the
  monotonic features. (Not the absolute-error loss: scikit-learn re-fits its leaf values after
  growing each tree, which breaks the monotonic constraints; a test caught predictions falling.)

For targets that are never negative both learned candidates fit ``log1p(target)`` (see
:func:`make_candidate`); on the sample data that removes 47-65% of the baseline MAE instead of
22-60% for plain gradient boosting, whose fit a few outlier outcomes dominate.

So both learned candidates predict outcomes that never fall when exposure_s, quality_s or
media_value rise, all else equal.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from sklearn.base import RegressorMixin
from sklearn.compose import ColumnTransformer, TransformedTargetRegressor
from sklearn.dummy import DummyRegressor
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.impute import SimpleImputer
from sklearn.linear_model import Ridge
from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score
from sklearn.model_selection import GroupKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from measure.errors import InputError
from measure.roi.features import MONOTONIC_FEATURES

CANDIDATES: tuple[str, ...] = ("baseline", "ridge", "hgb")
CV_SCHEMES: tuple[str, ...] = ("auto", "group", "time")


class SplitError(InputError):
    """Too few events (or inconsistent dates) to cross-validate."""


def make_candidate(
    name: str, features: Sequence[str], random_state: int = 0, log_target: bool = False
) -> RegressorMixin:
    """Return an unfitted candidate model ``name`` (one of :data:`CANDIDATES`) for ``features``.

    With ``log_target`` (for targets that are never negative) ridge and gradient boosting learn
    ``log1p(target)`` and predict ``expm1`` of it: multiplicative effects become additive and a
    few very large outcomes no longer dominate the fit. The transform is increasing, so the
    monotonic constraints still hold for the predictions.
    """
    features = list(features)
    if name == "baseline":
        return DummyRegressor(strategy="median")
    model = _learner(name, features, random_state)
    if log_target:
        return TransformedTargetRegressor(model, func=np.log1p, inverse_func=np.expm1, check_inverse=False)
    return model


def _learner(name: str, features: list[str], random_state: int) -> RegressorMixin:
    mono = [f for f in features if f in MONOTONIC_FEATURES]
    if name == "ridge":
        n = len(features)
        free = [i for i, f in enumerate(features) if f not in mono]
        sign = ColumnTransformer(
            [("x", "passthrough", list(range(n))), ("minus_x", FunctionTransformer(np.negative), free)]
        )
        return Pipeline(
            [
                ("impute", SimpleImputer(strategy="median", keep_empty_features=True)),
                ("log1p", FunctionTransformer(np.log1p)),
                ("scale", StandardScaler()),
                ("sign", sign),
                ("ridge", Ridge(alpha=1.0, positive=True)),
            ]
        )
    if name == "hgb":
        return HistGradientBoostingRegressor(
            max_iter=100,
            learning_rate=0.1,
            max_leaf_nodes=15,
            min_samples_leaf=10,
            l2_regularization=1.0,
            monotonic_cst={f: 1 for f in mono} or None,
            early_stopping=False,
            random_state=random_state,
        )
    raise InputError(f"unknown candidate {name!r}; choose from {', '.join(CANDIDATES)}")


def regression_metrics(y: np.ndarray, pred: np.ndarray) -> dict[str, float]:
    """Return ``mae``, ``rmse`` (target units), ``r2`` and ``mape`` (a fraction, not percent).

    MAPE is averaged over rows whose actual value is not 0 (NaN if there are none); R² is NaN
    for fewer than two rows or a constant target.
    """
    y = np.asarray(y, dtype=float)
    pred = np.asarray(pred, dtype=float)
    if len(y) == 0:
        return {"mae": math.nan, "rmse": math.nan, "r2": math.nan, "mape": math.nan}
    nz = y != 0
    mape = float(np.mean(np.abs((y[nz] - pred[nz]) / y[nz]))) if nz.any() else math.nan
    r2 = float(r2_score(y, pred)) if len(y) >= 2 and np.ptp(y) > 0 else math.nan
    return {
        "mae": float(mean_absolute_error(y, pred)),
        "rmse": float(math.sqrt(mean_squared_error(y, pred))),
        "r2": r2,
        "mape": mape,
    }


def make_splits(
    events: pd.Series,
    dates: pd.Series | None = None,
    scheme: str = "auto",
    n_splits: int = 5,
    random_state: int = 0,
) -> tuple[str, list[tuple[np.ndarray, np.ndarray]]]:
    """Return (scheme used, [(train row indices, test row indices), ...]); no event is in both.

    ``group``: GroupKFold over events (shuffled). ``time``: events ordered by date; the earliest
    half is only ever trained on, the later half is cut into ``n_splits`` consecutive blocks and
    each block is tested by a model trained on every event before it (no test event is earlier
    than a training event). ``auto`` is ``time`` when every event has a date, else ``group``.
    """
    if scheme not in CV_SCHEMES:
        raise SplitError(f"unknown cv scheme {scheme!r}; choose from {', '.join(CV_SCHEMES)}")
    events = pd.Series(np.asarray(events, dtype=object))
    uniq = pd.unique(events)
    has_dates = dates is not None and bool(pd.Series(dates).notna().all())
    if scheme == "auto":
        scheme = "time" if has_dates else "group"
    if scheme == "time":
        if not has_dates:
            raise SplitError("cv 'time' needs a date for every event (events table column 'date')")
        d = pd.DataFrame({"event": events.to_numpy(), "date": pd.Series(dates).to_numpy()})
        per_event = d.groupby("event")["date"].nunique()
        if (per_event > 1).any():
            raise SplitError(f"event {per_event[per_event > 1].index[0]!r} has more than one date")
        order = d.drop_duplicates("event").sort_values(["date", "event"])["event"].to_numpy()
        n_test_events = len(order) - math.ceil(len(order) / 2)
        k = min(n_splits, n_test_events)
        if k < 2:
            raise SplitError(f"need at least 4 events for time-ordered cross-validation, got {len(order)}")
        start = len(order) - n_test_events
        blocks = np.array_split(order[start:], k)
        splits = []
        for i, block in enumerate(blocks):
            train_events = np.concatenate([order[:start], *blocks[:i]]) if i else order[:start]
            splits.append((np.flatnonzero(events.isin(train_events)), np.flatnonzero(events.isin(block))))
        return scheme, splits
    k = min(n_splits, len(uniq))
    if k < 2:
        raise SplitError(f"need at least 2 events to cross-validate, got {len(uniq)}")
    codes = pd.factorize(events)[0]
    gkf = GroupKFold(n_splits=k, shuffle=True, random_state=random_state)
    return scheme, [(tr, te) for tr, te in gkf.split(np.zeros(len(events)), groups=codes)]


def to_scale(values: np.ndarray, log: bool) -> np.ndarray:
    """Map outcomes to the scale conformity scores are measured on: ``log1p(max(v, 0))`` or as is."""
    v = np.asarray(values, dtype=float)
    return np.log1p(np.maximum(v, 0.0)) if log else v


def from_scale(values: np.ndarray, log: bool) -> np.ndarray:
    """Inverse of :func:`to_scale` (``expm1`` on the log scale)."""
    v = np.asarray(values, dtype=float)
    return np.expm1(v) if log else v


def conformal_quantile(abs_residuals: np.ndarray, level: float) -> float:
    """Return the split-conformal half-width: the ceil((n+1)·level)-th smallest |residual|.

    Intervals ``prediction ± q`` then cover a new exchangeable point with probability >= level.
    Returns inf when there are too few residuals for that level.
    """
    r = np.sort(np.asarray(abs_residuals, dtype=float))
    n = len(r)
    k = math.ceil((n + 1) * level)
    return math.inf if n == 0 or k > n else float(r[k - 1])
