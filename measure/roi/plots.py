"""PNG plots of a fitted ROI model (matplotlib, Agg backend, imported only when plotting)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from measure.store import atomic_path


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_importance(importance: pd.DataFrame, path: str | Path, title: str = "", top: int = 20) -> Path:
    """Draw the permutation importance (MAE increase, target units) as horizontal bars with ±1 std.

    ``importance`` has columns feature, importance, std. Returns the PNG path written.
    """
    plt = _pyplot()
    df = importance.sort_values("importance", ascending=True).tail(top)
    fig, ax = plt.subplots(figsize=(7, 0.35 * len(df) + 1.5))
    ax.barh(df["feature"], df["importance"], xerr=df["std"], color="#3b7dd8", ecolor="#555", capsize=2)
    ax.axvline(0, color="#999", lw=0.8)
    ax.set_xlabel("increase of held-out MAE when the feature is shuffled")
    ax.set_title(title or "Permutation importance")
    fig.tight_layout()
    return _save(fig, plt, Path(path))


def plot_predicted_vs_actual(oof: pd.DataFrame, model: str, path: str | Path, target: str = "") -> Path:
    """Draw out-of-fold predicted against actual values, one panel per CV fold.

    ``oof`` has columns fold, actual and one per candidate; ``model`` names the column to plot.
    Returns the PNG path written.
    """
    plt = _pyplot()
    folds = sorted(oof["fold"].unique())
    cols = min(3, len(folds))
    rows = math.ceil(len(folds) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4 * cols, 3.8 * rows), squeeze=False)
    lo = float(min(oof["actual"].min(), oof[model].min()))
    hi = float(max(oof["actual"].max(), oof[model].max()))
    for ax, fold in zip(axes.flat, folds, strict=False):
        d = oof[oof["fold"] == fold]
        mae = float(np.mean(np.abs(d["actual"] - d[model])))
        ax.scatter(d["actual"], d[model], s=10, alpha=0.7, color="#3b7dd8")
        ax.plot([lo, hi], [lo, hi], color="#999", lw=0.8)
        ax.set_title(f"fold {fold}: {d['event_id'].nunique()} events, MAE {mae:.3g}", fontsize=9)
        ax.set_xlabel(f"actual {target}".strip())
        ax.set_ylabel(f"predicted ({model})")
    for ax in list(axes.flat)[len(folds) :]:
        ax.set_visible(False)
    fig.tight_layout()
    return _save(fig, plt, Path(path))


def _save(fig: object, plt: object, path: Path) -> Path:
    try:
        with atomic_path(path) as tmp:
            fig.savefig(tmp, format="png", dpi=110)  # type: ignore[attr-defined]
    finally:
        plt.close(fig)  # type: ignore[attr-defined]
    return path
