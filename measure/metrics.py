"""The registry of per-sponsor numbers: each one's key, unit, labels, format and definition, once.

The terminal tables (``analyze``, ``photos``, ``totals``), the HTML report, ``compare`` and the
methodology's glossary all read it, so a number is called, shown and explained the same way
everywhere. The full definition of each is :data:`measure.methodology.METRICS` (and the docs'
Methodology page); ``summary`` is its one-line version for tooltips.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from measure.methodology import METRICS

#: Units a metric may have: seconds, a count, a fraction in [0, 1] (shown as %), a score, money.
UNITS = ("s", "count", "fraction", "score", "currency")


@dataclass(frozen=True)
class Metric:
    """One per-sponsor number: ``key`` (its column in sponsors.csv and report.json), ``label``
    (report heading), ``short`` (terminal column), ``unit`` (one of :data:`UNITS`), ``digits``
    (decimals shown; for a fraction, of the percentage) and ``summary`` (one line)."""

    key: str
    label: str
    short: str
    unit: str
    digits: int
    summary: str

    def __post_init__(self) -> None:
        if self.unit not in UNITS:
            raise ValueError(f"{self.key}: unknown unit {self.unit!r}")
        if self.key not in METRICS:
            raise ValueError(f"{self.key}: no definition in measure.methodology.METRICS")

    @property
    def definition(self) -> str:
        """Return the full plain-text definition (:data:`measure.methodology.METRICS`)."""
        return METRICS[self.key]

    def format(self, value: Any) -> str:
        """Return ``value`` as shown in a table: ``12.3`` seconds, ``4.5%`` for a fraction, ``1,234``
        for money and counts; ``–`` for a missing or non-finite value."""
        try:
            x = float(value)
        except (TypeError, ValueError):
            return "–"
        if not math.isfinite(x):
            return "–"
        if self.unit == "fraction":
            return f"{x:.{self.digits}%}"
        if self.unit == "count":
            return f"{round(x):,}"
        return f"{x:,.{self.digits}f}"


#: Every per-sponsor number a report may hold, in display order.
REGISTRY: tuple[Metric, ...] = (
    Metric(
        "exposure_s", "Exposure", "seconds", "s", 1, "Seconds the sponsor was visibly on screen (counted)."
    ),
    Metric(
        "exposures",
        "Exposures",
        "exposures",
        "count",
        0,
        "Continuous on-screen runs lasting at least the minimum exposure.",
    ),
    Metric(
        "share_of_voice",
        "Share of voice",
        "voice",
        "fraction",
        1,
        "This sponsor's exposure / all sponsors' exposure.",
    ),
    Metric("photos_with_sponsor", "Photos", "photos", "count", 0, "Photos in which the sponsor appears."),
    Metric("photo_rate", "Photo rate", "rate", "fraction", 1, "Photos with the sponsor / photos analysed."),
    Metric(
        "mean_screen_share",
        "Mean screen share",
        "share",
        "fraction",
        2,
        "Mean fraction of the frame the logo covered.",
    ),
    Metric(
        "max_screen_share",
        "Max screen share",
        "max share",
        "fraction",
        2,
        "Largest fraction of the frame the logo covered.",
    ),
    Metric(
        "mean_clarity", "Clarity", "clarity", "score", 2, "Mean legibility, 0 (illegible) to 1 (perfect)."
    ),
    Metric(
        "quality_s",
        "Quality sec",
        "quality s",
        "s",
        1,
        "Seconds weighted by size, clarity, position and clutter.",
    ),
    Metric("solo_s", "Solo", "solo s", "s", 1, "Seconds visible with no other sponsor on screen."),
    Metric("solo_photos", "Solo photos", "solo", "count", 0, "Photos in which no other sponsor appears."),
    Metric(
        "competitor_s",
        "Competitor",
        "rival s",
        "s",
        1,
        "Seconds visible while another sponsor of its category was visible too.",
    ),
    Metric(
        "competitor_photos",
        "Competitor photos",
        "rival",
        "count",
        0,
        "Photos in which another sponsor of its category appears too.",
    ),
    Metric(
        "mean_clutter",
        "Clutter",
        "clutter",
        "score",
        2,
        "Mean number of other sponsors on screen at the same time.",
    ),
    Metric("media_value", "Media value", "value", "currency", 0, "Quality seconds x the rate card's rate."),
)

#: Every per-category number (:mod:`measure.categories`, the ``categories`` table of a report), in
#: display order.
CATEGORY_REGISTRY: tuple[Metric, ...] = (
    Metric(
        "category_s",
        "On screen",
        "seconds",
        "s",
        1,
        "Seconds at least one sponsor of the category was visible.",
    ),
    Metric(
        "sponsor_s", "Sponsor seconds", "sponsor s", "s", 1, "Sum of the exposure of the category's sponsors."
    ),
    Metric(
        "category_share_of_voice",
        "Share of voice",
        "voice",
        "fraction",
        1,
        "The category's sponsor seconds / all sponsors' exposure.",
    ),
    Metric(
        "clash_s",
        "Clash",
        "clash s",
        "s",
        1,
        "Seconds two or more sponsors of the category were visible at once.",
    ),
    Metric(
        "photos_with_category",
        "Photos",
        "photos",
        "count",
        0,
        "Photos in which at least one sponsor of the category appears.",
    ),
    Metric(
        "clash_photos",
        "Clash photos",
        "clash",
        "count",
        0,
        "Photos in which two or more sponsors of the category appear.",
    ),
)

_BY_KEY = {m.key: m for m in (*REGISTRY, *CATEGORY_REGISTRY)}


def metric(key: str) -> Metric:
    """Return the :class:`Metric` of ``key``, per sponsor or per category (KeyError naming it when
    there is none)."""
    try:
        return _BY_KEY[key]
    except KeyError:
        raise KeyError(f"no metric {key!r} in measure.metrics.REGISTRY or CATEGORY_REGISTRY") from None
