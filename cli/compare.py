"""``sponsorlens compare DIR_A DIR_B``: the per-sponsor KPI deltas of :mod:`measure.compare`, rendered as
a terminal table and a self-contained HTML page.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from cli.report_html import CATEGORY_COLUMNS, KPI_COLUMNS, Column, environment
from measure.compare import Comparison, compare_reports
from measure.store import write_text_atomic


def fmt_delta(col: Column, v: float) -> str:
    """Signed delta in the KPI's own format (``+1.5 s``, ``-2.0%``); ``0`` when equal, ``≈0`` when the
    change is too small to show at the KPI's precision."""
    if v is None or not math.isfinite(v):
        return "–"
    if v == 0:
        return "0"
    text = col.fmt(abs(v))
    if text == col.fmt(0.0):
        return "≈0"
    return ("+" if v > 0 else "-") + text


def delta_class(col: Column, v: float) -> str:
    """``up``, ``down`` or ``same`` (also for a change too small to show)."""
    text = fmt_delta(col, v)
    return "same" if text in ("0", "≈0", "–") else "up" if v > 0 else "down"


def _columns(kpis: list[str]) -> list[Column]:
    by_key = {c.key: c for c in (*KPI_COLUMNS, *CATEGORY_COLUMNS)}
    return [by_key[k] for k in kpis]


def print_comparison(cmp: Comparison) -> None:
    """Print the comparison as a rich table: one row per sponsor and KPI with A, B, B - A and the change
    in percent (narrow enough for any terminal)."""
    from rich.console import Console
    from rich.table import Table

    console = Console()
    table = Table(
        title=f"Per-sponsor deltas (B - A)\nA: {cmp.label_a}\nB: {cmp.label_b}", title_justify="left"
    )
    for name, justify in (
        ("sponsor", "left"),
        ("KPI", "left"),
        ("A", "right"),
        ("B", "right"),
        ("B - A", "right"),
        ("change", "right"),
    ):
        table.add_column(name, justify=justify, overflow="fold")  # type: ignore[arg-type]
    _add_delta_rows(table, cmp.table, "sponsor", _columns(cmp.kpis), cmp.only_a, cmp.only_b)
    console.print(table)
    if not cmp.categories.empty:
        cats = Table(title="Per-category deltas (B - A)", title_justify="left")
        for name, justify in (
            ("category", "left"),
            ("KPI", "left"),
            ("A", "right"),
            ("B", "right"),
            ("B - A", "right"),
            ("change", "right"),
        ):
            cats.add_column(name, justify=justify, overflow="fold")  # type: ignore[arg-type]
        _add_delta_rows(cats, cmp.categories, "category", _columns(cmp.category_kpis), [], [])
        console.print(cats)
    print_other_brands(cmp, console)


#: What the comparison says of a side whose ambush radar did not run.
RADAR_OFF = "radar off: no whole-frame reading"


def print_other_brands(cmp: Comparison, console: Any) -> None:
    """Print the other brands seen in A and B (seconds each, B - A); say so when neither radar ran."""
    from rich.table import Table

    from cli.report_html import fmt_seconds

    if not (cmp.radar_a or cmp.radar_b):
        console.print(
            f"Other brands seen: {RADAR_OFF} in either analysis (--sponsors, or --read-fps with weights)"
        )
        return
    table = Table(title="Other brands seen (not in the catalogue)", title_justify="left")
    for name, justify in (("brand", "left"), ("A", "right"), ("B", "right"), ("B - A", "right")):
        table.add_column(name, justify=justify, overflow="fold")  # type: ignore[arg-type]
    for r in cmp.other_brands.to_dict(orient="records"):
        table.add_row(
            str(r["brand"]),
            fmt_seconds(r["seconds_a"]) if cmp.radar_a else RADAR_OFF,
            fmt_seconds(r["seconds_b"]) if cmp.radar_b else RADAR_OFF,
            fmt_seconds_delta(r["seconds_delta"]),
        )
    if cmp.other_brands.empty:
        table.caption = "none listed in either analysis"
    console.print(table)


def fmt_seconds_delta(v: float) -> str:
    """Return a signed seconds delta (``+1.5 s``), ``0`` when equal, ``–`` when unknown."""
    from cli.report_html import fmt_seconds

    if v is None or not math.isfinite(v):
        return "–"
    return "0" if v == 0 else ("+" if v > 0 else "-") + fmt_seconds(abs(v))


def _add_delta_rows(
    table: Any, deltas: Any, name_key: str, cols: list[Column], only_a: list[str], only_b: list[str]
) -> None:
    """Add one row per entry of ``deltas`` (a sponsor or a category) and KPI: A, B, B - A, change."""
    records = deltas.to_dict(orient="records")
    for n, r in enumerate(records):
        for i, c in enumerate(cols):
            va, vb, d = r[f"{c.key}_a"], r[f"{c.key}_b"], r[f"{c.key}_delta"]
            style = {"up": "green", "down": "red", "same": "dim"}[delta_class(c, d)]
            rel = f"{d / abs(va):+.0%}" if math.isfinite(d) and va and math.isfinite(va) else "–"
            name = str(r[name_key]) if i == 0 else ""
            if i == 0 and r[name_key] in only_a + only_b:
                name += f" (only {'A' if r[name_key] in only_a else 'B'})"
            table.add_row(
                name,
                c.label,
                c.fmt(va),
                c.fmt(vb),
                f"[{style}]{fmt_delta(c, d)}[/]",
                rel,
                end_section=i == len(cols) - 1 and n < len(records) - 1,
            )


def _delta_cells(cols: list[Column], row: dict[str, Any]) -> list[dict[str, str]]:
    """Return the cells of one row of the HTML table: A, B, the delta and its class, per column."""
    cells = []
    for c in cols:
        d = row[f"{c.key}_delta"]
        cls = {"up": "delta-up", "down": "delta-down", "same": ""}[delta_class(c, d)]
        cells.append(
            {"a": c.fmt(row[f"{c.key}_a"]), "b": c.fmt(row[f"{c.key}_b"]), "d": fmt_delta(c, d), "cls": cls}
        )
    return cells


def compare_html(cmp: Comparison) -> str:
    """Return the comparison as a self-contained HTML page (table and exposure-delta chart)."""
    from cli import charts
    from cli.draw import sponsor_colors

    cols = _columns(cmp.kpis)
    colors = sponsor_colors(cmp.table["sponsor"])
    rows = []
    for row in cmp.table.to_dict(orient="records"):
        cells = _delta_cells(cols, row)
        rows.append(
            {
                "sponsor": row["sponsor"],
                "color": colors[row["sponsor"]],
                "cells": cells,
                "only": "A" if row["sponsor"] in cmp.only_a else "B" if row["sponsor"] in cmp.only_b else "",
            }
        )
    cat_cols = _columns(cmp.category_kpis)
    cat_rows = [
        {"category": row["category"], "cells": _delta_cells(cat_cols, row)}
        for row in cmp.categories.to_dict(orient="records")
    ]
    from cli.report_html import fmt_seconds

    brand_rows = [
        {
            "brand": r["brand"],
            "a": fmt_seconds(r["seconds_a"]) if cmp.radar_a else RADAR_OFF,
            "b": fmt_seconds(r["seconds_b"]) if cmp.radar_b else RADAR_OFF,
            "d": fmt_seconds_delta(r["seconds_delta"]),
        }
        for r in cmp.other_brands.to_dict(orient="records")
    ]
    key = next((k for k in ("exposure_s", "photos_with_sponsor") if k in cmp.kpis), None)
    chart = charts.delta_bars(cmp.table, key, colors, cmp.label_a, cmp.label_b) if key else None
    return (
        environment()
        .get_template("compare.html.j2")
        .render(
            cmp=cmp,
            columns=cols,
            rows=rows,
            category_columns=cat_cols,
            category_rows=cat_rows,
            brand_rows=brand_rows,
            radar=cmp.radar_a or cmp.radar_b,
            chart=chart,
            title=f"Comparison: {cmp.label_a} vs {cmp.label_b}",
        )
    )


def write_compare(dir_a: str | Path, dir_b: str | Path, out: str | Path) -> tuple[Comparison, Path]:
    """Compare A and B, write the HTML page to ``out`` and return the comparison and the path."""
    cmp = compare_reports(dir_a, dir_b)
    out = Path(out)
    write_text_atomic(out, compare_html(cmp))
    return cmp, out
