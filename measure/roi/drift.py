"""Population stability index (PSI) of features against the data a model was trained on.

For each feature the training values are cut into up to 10 quantile bins (fewer when values tie),
plus one bin for missing values. For new data,

    PSI = sum over bins of (p_new - p_train) * ln(p_new / p_train)

with empty bins counted as a proportion of 1e-4. The usual reading: below 0.1 stable, 0.1 to 0.25
moderate shift, above 0.25 a major shift.

PSI grows with sampling noise alone: for two samples of sizes n1 and n2 of the *same* distribution
with B bins it is about chi-square(B-1) * (1/n1 + 1/n2), i.e. 0.45 on average for 40 against 40
events and 10 bins. A feature is therefore flagged ``high`` only when its PSI is above 0.25 *and*
above what sampling noise exceeds 1% of the time. Event-level features (the audience, for
instance, is the same for every sponsor of an event) count one value per event, not per row.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import chi2

PSI_MODERATE = 0.1
PSI_HIGH = 0.25
#: Probability that sampling noise alone exceeds the noise threshold.
NOISE_ALPHA = 0.01
_EPS = 1e-4


class DriftWarning(UserWarning):
    """Issued when a feature's distribution has shifted far from the training data."""


def reference_bins(values: Sequence[float] | np.ndarray | pd.Series, n_bins: int = 10) -> dict[str, Any]:
    """Return the PSI reference of one feature: interior bin edges and the training proportions.

    The dict is JSON-able: ``edges`` (ascending, len B-1 for B value bins), ``proportions`` (len B,
    then the missing-value share as the last entry) and ``n`` (values counted).
    """
    x = np.asarray(values, dtype=float)
    finite = x[~np.isnan(x)]
    if len(finite):
        qs = np.quantile(finite, np.linspace(0, 1, n_bins + 1)[1:-1])
        edges = np.unique(qs)
    else:
        edges = np.zeros(0)
    counts = _counts(x, edges)
    return {"edges": edges.tolist(), "proportions": (counts / max(len(x), 1)).tolist(), "n": len(x)}


def _counts(x: np.ndarray, edges: np.ndarray) -> np.ndarray:
    missing = np.isnan(x)
    bins = np.searchsorted(edges, x[~missing], side="right")
    counts = np.bincount(bins, minlength=len(edges) + 1).astype(float)
    return np.append(counts, missing.sum())


def psi(reference: Mapping[str, Any], values: Sequence[float] | np.ndarray | pd.Series) -> float:
    """Return the PSI (dimensionless, >= 0) of ``values`` against a :func:`reference_bins` reference."""
    x = np.asarray(values, dtype=float)
    if len(x) == 0:
        return math.nan
    edges = np.asarray(reference["edges"], dtype=float)
    expected = np.maximum(np.asarray(reference["proportions"], dtype=float), _EPS)
    actual = np.maximum(_counts(x, edges) / len(x), _EPS)
    return float(np.sum((actual - expected) * np.log(actual / expected)))


def noise_threshold(reference: Mapping[str, Any], n_new: int) -> float:
    """PSI that sampling noise alone exceeds with probability :data:`NOISE_ALPHA` (no drift).

    Uses the chi-square approximation PSI ~ chi2(B - 1) * (1/n_train + 1/n_new), B = occupied bins.
    """
    n_ref = int(reference["n"])
    if n_ref == 0 or n_new == 0:
        return math.inf
    occupied = int(np.sum(np.asarray(reference["proportions"]) > 0))
    dof = max(occupied - 1, 1)
    return float(chi2.ppf(1 - NOISE_ALPHA, dof) * (1 / n_ref + 1 / n_new))


def drift_report(
    references: Mapping[str, Mapping[str, Any]],
    df: pd.DataFrame,
    event_level: Sequence[str] = (),
    event_column: str = "event_id",
) -> pd.DataFrame:
    """Return one row per feature: ``feature``, ``psi``, ``noise_psi``, ``n``, ``level``.

    ``references`` maps feature names to :func:`reference_bins` dicts; features in ``event_level``
    take one value per ``event_column``. ``level`` is ``stable`` (PSI < 0.1), ``moderate``
    (< 0.25), ``high`` (>= 0.25 and above ``noise_psi``) or ``noisy`` (>= 0.25 but within what
    sampling noise gives at these sample sizes).
    """
    rows = []
    for feature, ref in references.items():
        if feature in event_level and event_column in df.columns:
            values = df.drop_duplicates(event_column)[feature]
        else:
            values = df[feature]
        value = psi(ref, values)
        noise = noise_threshold(ref, len(values))
        if not math.isfinite(value) or value < PSI_MODERATE:
            level = "stable"
        elif value < PSI_HIGH:
            level = "moderate"
        else:
            level = "high" if value > noise else "noisy"
        rows.append({"feature": feature, "psi": value, "noise_psi": noise, "n": len(values), "level": level})
    return pd.DataFrame(rows, columns=["feature", "psi", "noise_psi", "n", "level"])
