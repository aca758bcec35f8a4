"""Terminal tables of per-sponsor numbers, labelled and formatted by :data:`measure.metrics.REGISTRY`,
so ``analyze``, ``demo``, ``photos`` and ``totals`` print a number the same way."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rich.table import Table

from measure.metrics import metric


def add_metric_columns(table: Table, keys: Sequence[str], currency: str | None = None) -> None:
    """Add one right-aligned column per metric key, headed by its short label (media value headed
    by ``currency`` when there is one)."""
    for key in keys:
        label = metric(key).short
        if key == "media_value" and currency:
            label = f"{label} {currency}"
        table.add_column(label, justify="right")


def metric_cells(row: Mapping[str, Any], keys: Sequence[str]) -> list[str]:
    """Return the formatted values of ``keys`` in ``row``."""
    return [metric(key).format(row[key]) for key in keys]
