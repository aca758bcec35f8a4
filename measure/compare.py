"""Per-sponsor KPI deltas between two analyses (``sponsorlens compare DIR_A DIR_B``), as a table.

Two matches, two halves, or the same match measured with two settings: every KPI both reports
hold (and those only one holds) is compared per sponsor as ``delta = B - A``. A sponsor present
in only one report counts as 0 on the other side. Rendering (terminal table, HTML page) is the
command line's.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from measure.folder import Analysis, read_analysis
from measure.metrics import REGISTRY

#: KPI keys compared, in display order (:data:`measure.metrics.REGISTRY`; those neither report has
#: are left out).
COMPARED: tuple[str, ...] = tuple(m.key for m in REGISTRY)


@dataclass
class Comparison:
    """Deltas between two analyses.

    ``table`` has one row per sponsor (union of both, A's order then B's new ones) and, for each
    compared KPI ``k``, columns ``k_a``, ``k_b`` and ``k_delta`` (= B - A, in the KPI's unit). ``kpis``
    lists the compared keys; ``only_a``/``only_b`` the sponsors present in just one report;
    ``currency`` the rate card's when both reports use the same one, else None.
    """

    table: pd.DataFrame
    kpis: list[str]
    label_a: str
    label_b: str
    only_a: list[str]
    only_b: list[str]
    currency: str | None


def _sponsor_rows(sponsors: pd.DataFrame) -> pd.DataFrame:
    if sponsors.empty:
        return pd.DataFrame(columns=["sponsor"]).set_index("sponsor")
    return sponsors.drop_duplicates("sponsor").set_index("sponsor")


def compare_reports(dir_a: str | Path, dir_b: str | Path) -> Comparison:
    """Return the per-sponsor deltas of every KPI between analysis folders A and B.

    Raises :class:`measure.errors.InputError` when either is not an analysis folder.
    """
    return compare_analyses(read_analysis(dir_a), read_analysis(dir_b))


def compare_analyses(a: Analysis, b: Analysis) -> Comparison:
    """Return the per-sponsor deltas of every KPI between two analyses read back (A the baseline)."""
    ta, tb = _sponsor_rows(a.sponsors), _sponsor_rows(b.sponsors)
    names = list(dict.fromkeys([*ta.index, *tb.index]))
    kpis = [k for k in COMPARED if k in ta.columns or k in tb.columns]
    data: dict[str, Any] = {"sponsor": names}
    for k in kpis:
        va = _side(ta, k, names)
        vb = _side(tb, k, names)
        data[f"{k}_a"] = va
        data[f"{k}_b"] = vb
        data[f"{k}_delta"] = vb - va
    rc_a, rc_b = a.report.settings.rate_card, b.report.settings.rate_card
    cur_a, cur_b = (rc.currency if rc else None for rc in (rc_a, rc_b))
    return Comparison(
        table=pd.DataFrame(data),
        kpis=kpis,
        label_a=_label(a),
        label_b=_label(b),
        only_a=[s for s in ta.index if s not in tb.index],
        only_b=[s for s in tb.index if s not in ta.index],
        currency=cur_a if cur_a == cur_b else None,
    )


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
