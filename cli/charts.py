"""The report's charts, drawn with matplotlib (Agg) and returned as self-contained SVG data URIs.

Text is converted to paths, so the charts need no font at viewing time and look the same in any
browser and in the PDF. Each function returns ``data:image/svg+xml;base64,...`` or None when there
is nothing to draw.
"""

from __future__ import annotations

import base64
import io
import math
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.colors import LinearSegmentedColormap, to_rgb
from matplotlib.figure import Figure
from matplotlib.ticker import MultipleLocator

INK = "#1f2937"
MUTED = "#6b7280"
GRID = "#e5e7eb"
#: Up to this many camera cuts are drawn as lines across the timeline; more become axis ticks.
MAX_CUT_LINES = 40

STYLE = {
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.edgecolor": "#9ca3af",
    "axes.labelcolor": INK,
    "axes.titlesize": 10,
    "axes.titleweight": "bold",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "xtick.color": MUTED,
    "ytick.color": INK,
    "svg.fonttype": "path",
    "svg.hashsalt": "sponsorlens",
}


def svg_uri(fig: Figure) -> str:
    """Return the figure as an SVG data URI (no date or other metadata, so output is reproducible)."""
    buf = io.BytesIO()
    fig.savefig(
        buf,
        format="svg",
        bbox_inches="tight",
        pad_inches=0.06,
        transparent=False,
        metadata={"Date": None, "Creator": None, "Type": None, "Format": None},
    )
    plt.close(fig)
    return "data:image/svg+xml;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def mmss(seconds: float, _pos: object = None) -> str:
    """Format seconds as ``m:ss`` (``h:mm:ss`` from an hour)."""
    seconds = max(float(seconds), 0.0)
    h, rem = divmod(round(seconds), 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def time_step(duration_s: float, max_ticks: int = 10) -> float:
    """Return a round tick step (seconds: 1, 2, 5, 10, 15, 30 s, 1, 2, 5, 10, 15, 30 min, 1 h...)."""
    for step in (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600):
        if duration_s / step <= max_ticks:
            return float(step)
    return 3600.0 * math.ceil(duration_s / 3600 / max_ticks)


def timeline(
    segments: pd.DataFrame,
    order: Sequence[str],
    colors: dict[str, str],
    duration_s: float,
    cuts_s: Sequence[float] = (),
    stopped_s: float | None = None,
) -> str | None:
    """Gantt chart: one lane per sponsor (``order``, top first), a bar per segment over match time.

    Camera cuts are thin grey ticks; time after ``stopped_s`` (damaged video) is hatched.
    """
    if not order or duration_s <= 0:
        return None
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(11, 0.9 + 0.36 * len(order)))
        lanes = {s: i for i, s in enumerate(order)}
        for sponsor, seg in segments.groupby("sponsor", sort=False):
            if sponsor not in lanes:
                continue
            spans = list(
                zip(seg["start_s"].astype(float), (seg["end_s"] - seg["start_s"]).astype(float), strict=True)
            )
            ax.broken_barh(spans, (lanes[sponsor] - 0.32, 0.64), facecolors=colors[sponsor], edgecolor="none")
        if len(cuts_s) <= MAX_CUT_LINES:
            for c in cuts_s:
                ax.axvline(c, color="#9ca3af", lw=0.6, alpha=0.55, zorder=0)
        else:  # many cuts: ticks along the time axis instead of lines through every lane
            ax.plot(
                list(cuts_s),
                [len(order) - 0.5] * len(cuts_s),
                ls="none",
                marker="|",
                ms=7,
                mew=0.6,
                color="#6b7280",
                clip_on=False,
                zorder=3,
            )
        if stopped_s is not None and stopped_s < duration_s:
            ax.axvspan(stopped_s, duration_s, facecolor="none", hatch="///", edgecolor="#d97706", lw=0)
            ax.text(stopped_s, -0.7, " not analysed (damaged)", color="#b45309", fontsize=8, va="bottom")
        ax.set_yticks(range(len(order)), list(order))
        ax.set_ylim(len(order) - 0.5, -0.5)
        ax.set_xlim(0, duration_s)
        ax.xaxis.set_major_locator(MultipleLocator(time_step(duration_s)))
        ax.xaxis.set_major_formatter(mmss)
        ax.set_xlabel("match time (m:ss)" + ("; grey ticks: camera cuts" if len(cuts_s) else ""), color=MUTED)
        ax.grid(axis="x", color=GRID, lw=0.8)
        ax.set_axisbelow(True)
        ax.tick_params(axis="y", length=0)
        fig.tight_layout()
        return svg_uri(fig)


def share_of_voice(sponsors: pd.DataFrame, colors: dict[str, str]) -> str | None:
    """Horizontal bars of share of voice (fraction of all counted exposure), largest first."""
    if "share_of_voice" not in sponsors or sponsors.empty:
        return None
    df = sponsors[["sponsor", "share_of_voice"]].fillna(0.0).sort_values("share_of_voice", ascending=False)
    if float(df["share_of_voice"].sum()) <= 0:
        return None
    seconds = sponsors.set_index("sponsor").get("exposure_s")
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(5.4, 0.7 + 0.34 * len(df)))
        y = np.arange(len(df))
        vals = df["share_of_voice"].to_numpy(float)
        ax.barh(y, vals, color=[colors[s] for s in df["sponsor"]], height=0.66)
        for yi, v, s in zip(y, vals, df["sponsor"], strict=True):
            extra = f"  ({seconds[s]:.1f} s)" if seconds is not None and pd.notna(seconds.get(s)) else ""
            ax.text(v + 0.01, yi, f"{v:.1%}{extra}", va="center", fontsize=8.5, color=INK)
        ax.set_yticks(y, list(df["sponsor"]))
        ax.set_ylim(len(df) - 0.5, -0.5)
        ax.set_xlim(0, min(1.0, max(vals) * 1.45 + 0.02))
        ax.xaxis.set_major_formatter(lambda v, _p: f"{v:.0%}")
        ax.grid(axis="x", color=GRID, lw=0.8)
        ax.set_axisbelow(True)
        ax.tick_params(axis="y", length=0)
        fig.tight_layout()
        return svg_uri(fig)


def _blur(h: np.ndarray) -> np.ndarray:
    import cv2

    return cv2.GaussianBlur(h.astype(np.float32), (0, 0), sigmaX=1.2)


def heatmaps(
    detections: pd.DataFrame,
    widths: np.ndarray,
    heights: np.ndarray,
    order: Sequence[str],
    colors: dict[str, str],
    width: float,
    height: float,
    columns: int = 4,
) -> str | None:
    """Small multiples: where on screen each sponsor's counted logos sat (centroid density).

    Centroids are normalised by each detection's own frame size (``widths``/``heights``, pixels);
    panels have the aspect of a ``width`` x ``height`` frame and show the nine zones. Darker means
    a larger fraction of the sponsor's qualifying detections.
    """
    if detections.empty or not (width > 0 and height > 0):
        return None
    keep = np.isfinite(widths) & np.isfinite(heights) & (widths > 0) & (heights > 0)
    if "qualifies" in detections:
        keep &= detections["qualifies"].to_numpy(bool)
    d = detections[keep]
    cx = (d["x1"] + d["x2"]).to_numpy(float) / 2 / widths[keep]
    cy = (d["y1"] + d["y2"]).to_numpy(float) / 2 / heights[keep]
    names = d["sponsor"].astype(str).to_numpy()
    present = [s for s in order if np.any(names == s)]
    if not present:
        return None
    cols = min(columns, len(present))
    rows = math.ceil(len(present) / cols)
    aspect = height / width
    gx, gy = 48, max(8, round(48 * aspect))
    with plt.rc_context(STYLE):
        panel_w = 11 / columns
        fig, axes = plt.subplots(
            rows, cols, figsize=(panel_w * cols, rows * (panel_w * aspect + 0.45)), squeeze=False
        )
        for ax in axes.flat:
            ax.set_axis_off()
        for ax, sponsor in zip(axes.flat, present, strict=False):
            m = names == sponsor
            hist, _, _ = np.histogram2d(
                np.clip(cy[m], 0, 1 - 1e-9),
                np.clip(cx[m], 0, 1 - 1e-9),
                bins=(gy, gx),
                range=((0, 1), (0, 1)),
            )
            dens = _blur(hist)
            dens = dens / dens.max() if dens.max() > 0 else dens
            cmap = LinearSegmentedColormap.from_list(
                sponsor, ["#f8fafc", colors[sponsor], _darker(colors[sponsor])]
            )
            ax.imshow(
                dens, cmap=cmap, extent=(0, 1, 1, 0), aspect=aspect, interpolation="bilinear", vmin=0, vmax=1
            )
            for k in (1 / 3, 2 / 3):
                ax.axhline(k, color="#94a3b8", lw=0.5, ls=(0, (3, 3)))
                ax.axvline(k, color="#94a3b8", lw=0.5, ls=(0, (3, 3)))
            ax.add_patch(plt.Rectangle((0, 0), 1, 1, fill=False, ec="#94a3b8", lw=0.8))
            ax.set_xlim(0, 1)
            ax.set_ylim(1, 0)
            ax.set_title(f"{sponsor}  ·  {int(m.sum())} detections", fontsize=9, color=INK, loc="left")
        fig.tight_layout()
        return svg_uri(fig)


def _darker(hex_color: str, f: float = 0.55) -> tuple[float, float, float]:
    r, g, b = to_rgb(hex_color)
    return r * f, g * f, b * f


def clarity(detections: pd.DataFrame, order: Sequence[str], colors: dict[str, str]) -> str | None:
    """Box plots (5th-95th percentile whiskers) of every detection's clarity per sponsor, with the
    share of its detections that counted (``qualifies``: size and clarity without its size factor, so
    no single clarity threshold line can be drawn)."""
    if detections.empty or "clarity" not in detections:
        return None
    present = [s for s in order if (detections["sponsor"] == s).any()]
    if not present:
        return None
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(5.4, 0.7 + 0.34 * len(present)))
        data = [
            detections.loc[detections["sponsor"] == s, "clarity"].dropna().to_numpy(float) for s in present
        ]
        bp = ax.boxplot(
            data,
            orientation="horizontal",
            whis=(5, 95),
            showfliers=False,
            patch_artist=True,
            widths=0.6,
            medianprops={"color": INK, "lw": 1.4},
        )
        for patch, s in zip(bp["boxes"], present, strict=True):
            patch.set_facecolor(colors[s])
            patch.set_alpha(0.85)
            patch.set_edgecolor(INK)
        ax.set_yticks(range(1, len(present) + 1), present)
        ax.set_ylim(len(present) + 0.5, 0.5)
        ax.set_xlim(0, 1.18)
        ax.set_xticks([0, 0.25, 0.5, 0.75, 1.0])
        if "qualifies" in detections:
            for i, s in enumerate(present, start=1):
                q = detections.loc[detections["sponsor"] == s, "qualifies"].astype(bool).mean()
                ax.text(1.17, i, f"{q:.0%} counted", va="center", ha="right", fontsize=8, color=MUTED)
        ax.set_xlabel("clarity (0 = illegible, 1 = perfectly legible)", color=MUTED)
        ax.grid(axis="x", color=GRID, lw=0.8)
        ax.set_axisbelow(True)
        ax.tick_params(axis="y", length=0)
        fig.tight_layout()
        return svg_uri(fig)


def delta_bars(
    table: pd.DataFrame, key: str, colors: dict[str, str], label_a: str, label_b: str
) -> str | None:
    """Paired horizontal bars of ``key`` in A (light) and B (solid) per sponsor, with B - A written."""
    if table.empty:
        return None
    a = table[f"{key}_a"].fillna(0).to_numpy(float)
    b = table[f"{key}_b"].fillna(0).to_numpy(float)
    if max(a.max(initial=0), b.max(initial=0)) <= 0:
        return None
    order = np.argsort(-np.maximum(a, b), kind="stable")
    names = table["sponsor"].astype(str).to_numpy()[order]
    a, b = a[order], b[order]
    unit = " s" if key.endswith("_s") else ""
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(11, 0.8 + 0.5 * len(names)))
        y = np.arange(len(names))
        ax.barh(y - 0.19, a, height=0.36, color=[colors[s] for s in names], alpha=0.35, label=f"A: {label_a}")
        ax.barh(y + 0.19, b, height=0.36, color=[colors[s] for s in names], label=f"B: {label_b}")
        top = max(a.max(), b.max())
        for yi, va, vb in zip(y, a, b, strict=True):
            d = vb - va
            sign = "+" if d > 0 else "-" if d < 0 else "±"
            ax.text(
                max(va, vb) + top * 0.01,
                yi,
                f"{sign}{abs(d):.1f}{unit}",
                va="center",
                fontsize=8.5,
                color="#047857" if d > 0 else "#b91c1c" if d < 0 else MUTED,
                fontweight="bold",
            )
        ax.set_yticks(y, list(names))
        ax.set_ylim(len(names) - 0.5, -0.5)
        ax.set_xlim(0, top * 1.15)
        ax.set_xlabel(key.replace("_s", " (s)").replace("_", " "), color=MUTED)
        ax.grid(axis="x", color=GRID, lw=0.8)
        ax.set_axisbelow(True)
        ax.tick_params(axis="y", length=0)
        from matplotlib.patches import Patch

        ax.legend(
            handles=[
                Patch(color="#6b7280", alpha=0.35, label=f"A: {label_a}"),
                Patch(color="#6b7280", label=f"B: {label_b}"),
            ],
            loc="lower right",
            frameon=False,
            fontsize=8,
        )
        fig.tight_layout()
        return svg_uri(fig)


#: Colours of the context values (:mod:`measure.context`); unknown and live are the quiet ones.
CONTEXT_COLOURS: dict[str, str] = {
    "in_venue": "#2563eb",
    "overlay": "#f59e0b",
    "wide": "#0d9488",
    "tight": "#8b5cf6",
    "closeup": "#db2777",
    "live": "#64748b",
    "replay": "#dc2626",
    "unknown": "#cbd5e1",
}
#: Panel titles of the context dimensions.
CONTEXT_TITLES: dict[str, str] = {
    "placement": "Placement",
    "shot_type": "Shot type",
    "replay": "Live or replay",
}


def context_bars(context: pd.DataFrame, order: Sequence[str]) -> str | None:
    """Stacked bars: each sponsor's seconds (``order``, top first; those seen) split by placement,
    by shot type and by live/replay, one panel per dimension of the ``context`` table
    (:data:`measure.context.CONTEXT_TABLE_COLUMNS`). Values no sponsor had are left out."""
    if context.empty:
        return None
    seen = context.groupby("sponsor")["exposure_s"].sum() / max(context["dimension"].nunique(), 1)
    names = [s for s in order if seen.get(s, 0) > 0]
    dims = [d for d in CONTEXT_TITLES if d in set(context["dimension"])]
    if not names or not dims:
        return None
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(
            1, len(dims), figsize=(11, 1.3 + 0.32 * len(names)), sharey=True, squeeze=False
        )
        y = np.arange(len(names))
        for ax, dim in zip(axes[0], dims, strict=True):
            part = context[context["dimension"] == dim]
            table = part.pivot_table(
                index="sponsor", columns="value", values="exposure_s", aggfunc="sum", sort=False
            )
            table = table.reindex(index=names).fillna(0.0)
            left = np.zeros(len(names))
            values = [v for v in dict.fromkeys(part["value"]) if table[v].sum() > 0]
            for v in values:
                ax.barh(
                    y,
                    table[v],
                    left=left,
                    height=0.62,
                    color=CONTEXT_COLOURS.get(v, "#94a3b8"),
                    label=v.replace("_", " "),
                )
                left += table[v].to_numpy(float)
            ax.set_title(f"{CONTEXT_TITLES[dim]} (seconds)", loc="left")
            ax.set_yticks(y, names)
            ax.grid(axis="x", color=GRID, lw=0.6)
            ax.set_axisbelow(True)
            ax.legend(
                loc="upper center", bbox_to_anchor=(0.5, 0.0), borderaxespad=1.8, ncol=len(values),
                frameon=False, fontsize=8, handlelength=1.0, columnspacing=0.8,
            )  # fmt: skip
        axes[0][0].invert_yaxis()  # shared: the most exposed sponsor on top in every panel
        fig.tight_layout()
        return svg_uri(fig)
