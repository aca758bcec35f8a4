"""Per-sponsor KPI deltas between two analyses (``sponsorlens compare DIR_A DIR_B``), as a table.

Two matches, two halves, or the same match measured with two settings: every KPI both reports
hold (and those only one holds) is compared per sponsor as ``delta = B - A``. A sponsor present
in only one report counts as 0 on the other side. Catalogue categories (:mod:`measure.categories`)
are compared the same way, per category; the competitor numbers appear only when either report has
categories. Other brands seen (the ambush radar, :mod:`measure.ambush`) are listed side by side:
seconds in A and B per brand, matched by name (case and spaces ignored). Rendering (terminal table,
HTML page) is the command line's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from measure.categories import COMPETITOR_KEYS
from measure.folder import Analysis, read_analysis
from measure.metrics import CATEGORY_REGISTRY, REGISTRY

#: KPI keys compared, in display order (:data:`measure.metrics.REGISTRY`; those neither report has
#: are left out).
COMPARED: tuple[str, ...] = tuple(m.key for m in REGISTRY)
#: Per-category keys compared (:data:`measure.metrics.CATEGORY_REGISTRY`).
CATEGORY_COMPARED: tuple[str, ...] = tuple(m.key for m in CATEGORY_REGISTRY)


@dataclass
class Comparison:
    """Deltas between two analyses.

    ``table`` has one row per sponsor (union of both, A's order then B's new ones) and, for each
    compared KPI ``k``, columns ``k_a``, ``k_b`` and ``k_delta`` (= B - A, in the KPI's unit). ``kpis``
    lists the compared keys; ``only_a``/``only_b`` the sponsors present in just one report;
    ``currency`` the rate card's when both reports use the same one, else None. ``categories`` has
    one row per catalogue category of either report (``category``, then ``k_a``, ``k_b``,
    ``k_delta`` for each key of ``category_kpis``; a category one report lacks counts as 0 there);
    empty when neither report has categories. ``other_brands`` has one row per other brand seen in
    either (``brand``, ``seconds_a``, ``seconds_b``, ``seconds_delta``: 0 where that side's radar ran
    and did not list it, NaN where it did not run); ``radar_a``/``radar_b`` say whether it ran.
    """

    table: pd.DataFrame
    kpis: list[str]
    label_a: str
    label_b: str
    only_a: list[str]
    only_b: list[str]
    currency: str | None
    categories: pd.DataFrame = field(default_factory=pd.DataFrame)
    category_kpis: list[str] = field(default_factory=list)
    other_brands: pd.DataFrame = field(default_factory=pd.DataFrame)
    radar_a: bool = False
    radar_b: bool = False


def _sponsor_rows(sponsors: pd.DataFrame, key: str = "sponsor") -> pd.DataFrame:
    if sponsors.empty:
        return pd.DataFrame(columns=[key]).set_index(key)
    return sponsors.drop_duplicates(key).set_index(key)


def _deltas(
    ta: pd.DataFrame, tb: pd.DataFrame, keys: tuple[str, ...], name: str
) -> tuple[pd.DataFrame, list[str]]:
    """Return the table of A, B and B - A per row of either side (A's order, then B's new ones) for
    the ``keys`` either side has, and those keys."""
    names = list(dict.fromkeys([*ta.index, *tb.index]))
    kpis = [k for k in keys if k in ta.columns or k in tb.columns]
    data: dict[str, Any] = {name: names}
    for k in kpis:
        va = _side(ta, k, names)
        vb = _side(tb, k, names)
        data[f"{k}_a"] = va
        data[f"{k}_b"] = vb
        data[f"{k}_delta"] = vb - va
    return pd.DataFrame(data), kpis


def compare_reports(dir_a: str | Path, dir_b: str | Path) -> Comparison:
    """Return the per-sponsor deltas of every KPI between analysis folders A and B.

    Raises :class:`measure.errors.InputError` when either is not an analysis folder.
    """
    return compare_analyses(read_analysis(dir_a), read_analysis(dir_b))


def compare_analyses(a: Analysis, b: Analysis) -> Comparison:
    """Return the per-sponsor deltas of every KPI between two analyses read back (A the baseline)."""
    ta, tb = _sponsor_rows(a.sponsors), _sponsor_rows(b.sponsors)
    with_categories = a.has_categories or b.has_categories
    keys = tuple(k for k in COMPARED if with_categories or k not in COMPETITOR_KEYS)
    table, kpis = _deltas(ta, tb, keys, "sponsor")
    if with_categories:
        ca, cb = _sponsor_rows(a.categories, "category"), _sponsor_rows(b.categories, "category")
        categories, category_kpis = _deltas(ca, cb, CATEGORY_COMPARED, "category")
    else:
        categories, category_kpis = pd.DataFrame(), []
    rc_a, rc_b = a.report.settings.rate_card, b.report.settings.rate_card
    cur_a, cur_b = (rc.currency if rc else None for rc in (rc_a, rc_b))
    return Comparison(
        table=table,
        kpis=kpis,
        label_a=_label(a),
        label_b=_label(b),
        only_a=[s for s in ta.index if s not in tb.index],
        only_b=[s for s in tb.index if s not in ta.index],
        currency=cur_a if cur_a == cur_b else None,
        categories=categories,
        category_kpis=category_kpis,
        other_brands=other_brand_deltas(a, b),
        radar_a=a.radar_ran,
        radar_b=b.radar_ran,
    )


def _brand_key(brand: str) -> str:
    """Return the name an other brand is matched by across analyses: case and spaces ignored."""
    return "".join(str(brand).casefold().split())


def other_brand_deltas(a: Analysis, b: Analysis) -> pd.DataFrame:
    """Return the other brands seen in A or B (``brand``, ``seconds_a``, ``seconds_b``,
    ``seconds_delta`` = B - A, seconds), most seconds first; a side whose radar ran without listing
    the brand counts 0, a side whose radar did not run NaN."""
    sides = []
    for an in (a, b):
        df = an.other_brands
        sides.append(
            {_brand_key(r["brand"]): (str(r["brand"]), float(r["seconds"])) for r in df.to_dict("records")}
            if not df.empty
            else {}
        )
    keys = list(dict.fromkeys([*sides[0], *sides[1]]))
    if not keys:
        return pd.DataFrame(columns=["brand", "seconds_a", "seconds_b", "seconds_delta"])
    out = pd.DataFrame(
        {
            "brand": [(sides[0].get(k) or sides[1][k])[0] for k in keys],
            "seconds_a": [sides[0][k][1] if k in sides[0] else 0.0 if a.radar_ran else np.nan for k in keys],
            "seconds_b": [sides[1][k][1] if k in sides[1] else 0.0 if b.radar_ran else np.nan for k in keys],
        }
    )
    out["seconds_delta"] = out["seconds_b"] - out["seconds_a"]
    top = out[["seconds_a", "seconds_b"]].max(axis=1).fillna(0)
    return out.iloc[np.argsort(-top.to_numpy(), kind="stable")].reset_index(drop=True)


def _side(t: pd.DataFrame, key: str, names: list[str]) -> np.ndarray:
    """Values of ``key`` for ``names``: 0 for a sponsor the report lacks, NaN if it lacks the KPI."""
    present = np.array([s in t.index for s in names])
    if key not in t.columns:
        return np.where(present, np.nan, 0.0)
    col = pd.to_numeric(t[key], errors="coerce")
    return np.array([float(col[s]) if s in t.index else 0.0 for s in names], dtype=float)


def _label(a: Analysis) -> str:
    """``folder (source file name)``, or the folder's name alone when the source has no path."""
    path = a.report.source.path
    return f"{a.directory.name} ({Path(str(path)).name})" if path else a.directory.name
