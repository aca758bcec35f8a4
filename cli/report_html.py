"""``sponsorlens report DIR``: the analysis directory as one self-contained HTML page (and a PDF).

Everything the page shows is inline: charts are SVG data URIs drawn by :mod:`cli.charts`,
thumbnails (``DIR/frames/best_<sponsor>.jpg``, see :mod:`cli.evidence`) are base64 JPEGs and the
CSS is in the page, so the file opens from disk with no network. The methodology appendix is
:data:`measure.methodology.METRICS`, the text docs/methodology.md is made from.

Video reports and photo-archive reports share the page; sections whose data a report does not
have (segments, detections, thumbnails) are left out. Reading the folder is
:func:`measure.folder.read_analysis`'s; this module only renders.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
import numpy as np
import pandas as pd

from cli.draw import sponsor_colors
from cli.evidence import best_frame_file, other_brand_file
from measure.categories import COMPETITOR_KEYS
from measure.errors import OutputError
from measure.folder import Analysis, read_analysis
from measure.metrics import CATEGORY_REGISTRY, REGISTRY, Metric
from measure.store import write_bytes_atomic, write_text_atomic

TEMPLATES = Path(__file__).resolve().parent / "templates"


class PdfUnavailable(OutputError):
    """WeasyPrint (the ``pdf`` extra) is not installed or cannot load its system libraries."""


def require_pdf_engine() -> None:
    """Raise :class:`PdfUnavailable`, with a one-line install hint, when WeasyPrint cannot be imported.

    Commands call it before any work, so a missing PDF engine fails in a second, not after the
    analysis.
    """
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError) as e:
        first = str(e).splitlines()[0] if str(e) else ""
        raise PdfUnavailable(
            f"PDF output needs WeasyPrint: pip install 'sponsorlens[pdf]' ({type(e).__name__}: {first})"
        ) from None


def sponsor_colours(a: Analysis) -> dict[str, str]:
    """Sponsor colours (hex) in the model's class order, as in thumbnails and the annotated video."""
    return sponsor_colors(a.classes + [str(s) for s in a.sponsors.get("sponsor", [])])


# ----------------------------------------------------------------------------------------- formatting


def fmt_seconds(v: Any) -> str:
    """``12.3 s``, or ``m:ss.s`` from a minute."""
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "–"
    v = float(v)
    if v < 60:
        return f"{v:.1f} s"
    m, s = divmod(v, 60)
    return f"{int(m)}:{s:04.1f}"


def fmt_duration(v: Any) -> str:
    """``h:mm:ss`` or ``m:ss`` of a duration in seconds."""
    if v is None:
        return "–"
    v = max(float(v), 0.0)
    h, rem = divmod(round(v), 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def _num(v: Any) -> float | None:
    if v is None:
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def _pct(digits: int) -> Callable[[Any], str]:
    def f(v: Any) -> str:
        x = _num(v)
        return "–" if x is None else f"{x:.{digits}%}"

    return f


def _fixed(digits: int) -> Callable[[Any], str]:
    def f(v: Any) -> str:
        x = _num(v)
        return "–" if x is None else f"{x:,.{digits}f}"

    return f


def _int(v: Any) -> str:
    x = _num(v)
    return "–" if x is None else f"{round(x):,}"


@dataclass(frozen=True)
class Column:
    """One KPI column: report key, header, formatter, and the tooltip explaining it."""

    key: str
    label: str
    fmt: Callable[[Any], str]
    help: str
    bar: bool = False  # draw an inline bar (value is a fraction)


#: Columns drawn with an inline bar (their value is a fraction of a whole).
BAR_KEYS = frozenset({"share_of_voice", "photo_rate"})


def _column(m: Metric) -> Column:
    """The report column of a registry metric: seconds (unit ``s``) as ``12.3 s`` or ``m:ss.s``, the
    rest as the registry formats them."""
    return Column(
        m.key,
        m.label,
        fmt_seconds if m.unit == "s" else m.format,
        m.summary,
        bar=m.key in BAR_KEYS,
    )


#: Every per-sponsor KPI a report may hold, in display order (:data:`measure.metrics.REGISTRY`); a
#: report shows those it has.
KPI_COLUMNS: tuple[Column, ...] = tuple(_column(m) for m in REGISTRY)
#: Every per-category number (:data:`measure.metrics.CATEGORY_REGISTRY`), in display order.
CATEGORY_COLUMNS: tuple[Column, ...] = tuple(_column(m) for m in CATEGORY_REGISTRY)


# ------------------------------------------------------------------------------------------- content


def _data_uri(path: Path, mime: str = "image/jpeg") -> str | None:
    try:
        return f"data:{mime};base64," + base64.b64encode(path.read_bytes()).decode("ascii")
    except OSError:
        return None


def _kpi_table(a: Analysis, currency: str | None) -> dict[str, Any]:
    cols = [
        c for c in KPI_COLUMNS if c.key in a.sponsors and (a.has_categories or c.key not in COMPETITOR_KEYS)
    ]
    by = a.sponsors.set_index("sponsor") if not a.sponsors.empty else pd.DataFrame()
    colors = sponsor_colours(a)
    rows = []
    for s in a.order():
        rec = by.loc[s] if s in by.index else pd.Series(dtype=object)
        if isinstance(rec, pd.DataFrame):
            rec = rec.iloc[0]
        cells = []
        for c in cols:
            v = rec.get(c.key)
            text = c.fmt(v)
            if c.key == "media_value" and currency and text != "–":
                text = f"{text} {currency}"
            cells.append({"text": text, "bar": (_num(v) or 0.0) if c.bar else None})
        seen = (_num(rec.get("exposure_s")) or _num(rec.get("photos_with_sponsor")) or 0) > 0
        rows.append({"sponsor": s, "color": colors[s], "cells": cells, "seen": seen})
    return {"columns": cols, "rows": rows, "help": {c.key: _definition(c) for c in cols}}


def _category_table(a: Analysis) -> dict[str, Any] | None:
    """Return the categories table (one row per catalogue category: its sponsors and the numbers of
    :data:`measure.metrics.CATEGORY_REGISTRY`), or None when the report has no categories."""
    if not a.has_categories:
        return None
    cats = a.categories
    cols = [c for c in CATEGORY_COLUMNS if c.key in cats]
    members: dict[str, list[str]] = {}
    if "category" in a.sponsors:
        for s, c in zip(a.sponsors["sponsor"], a.sponsors["category"], strict=True):
            if isinstance(c, str):
                members.setdefault(c, []).append(str(s))
    rows = [
        {
            "category": str(r["category"]),
            "sponsors": ", ".join(members.get(str(r["category"]), [])),
            "cells": [c.fmt(r.get(c.key)) for c in cols],
        }
        for r in cats.to_dict("records")
    ]
    return {"columns": cols, "rows": rows, "help": {c.key: _definition(c) for c in cols}}


def _context_table(a: Analysis) -> dict[str, Any] | None:
    """Return the context table: one row per sponsor seen, one column per context value that any
    sponsor had (placement, shot type, live/replay), each cell ``seconds (share of the sponsor's
    exposure)``; None when the report has no context table (photos, reports before schema 3)."""
    from measure.methodology import METRICS

    if not a.has_context:
        return None
    ctx = a.context
    had = ctx.groupby(["dimension", "value"], sort=False)["exposure_s"].sum()
    columns = [(str(d), str(v)) for (d, v), total in had.items() if total > 0]
    by = {(str(r["sponsor"]), str(r["dimension"]), str(r["value"])): r for r in ctx.to_dict("records")}
    seen = ctx[ctx["exposure_s"] > 0]["sponsor"].astype(str).unique()
    colors = sponsor_colours(a)
    rows = []
    for s in (s for s in a.order() if s in seen):
        cells = []
        for d, v in columns:
            rec = by.get((s, d, v))
            sec, share = (
                (_num(rec.get("exposure_s")), _num(rec.get("share_of_exposure"))) if rec else (None, None)
            )
            cells.append("–" if sec is None else f"{fmt_seconds(sec)} ({_pct(0)(share)})")
        rows.append({"sponsor": s, "color": colors.get(s, "#94a3b8"), "cells": cells})
    if not columns or not rows:
        return None
    heads = [{"dimension": d.replace("_", " "), "value": v.replace("_", " ")} for d, v in columns]
    return {"columns": heads, "rows": rows, "help": METRICS["context"]}


def _definition(c: Column) -> str:
    """The column's tooltip: the methodology's definition where it has one."""
    from measure.methodology import METRICS

    return str(METRICS.get(c.key, c.help))


def _summary_cards(a: Analysis, currency: str | None) -> list[dict[str, str]]:
    sp, src = a.sponsors, a.source
    cards: list[dict[str, str]] = []
    if a.kind == "photos":
        cards.append({"label": "Photos analysed", "value": _int(src.get("photos")), "note": ""})
    else:
        frames = src.get("analysed_frames")
        note = f"{_int(frames)} frames analysed" if frames is not None else ""
        cards.append(
            {"label": "Broadcast analysed", "value": fmt_duration(src.get("duration_s")), "note": note}
        )
    key = (
        "exposure_s" if "exposure_s" in sp else "photos_with_sponsor" if "photos_with_sponsor" in sp else None
    )
    if key:
        seen = int((sp[key].fillna(0) > 0).sum())
        cards.append({"label": "Sponsors seen", "value": f"{seen} of {len(sp)}", "note": ""})
    if "exposure_s" in sp:
        total = float(sp["exposure_s"].fillna(0).sum())
        cards.append(
            {"label": "Total sponsor exposure", "value": fmt_seconds(total), "note": "summed over sponsors"}
        )
    lead_key = "share_of_voice" if "share_of_voice" in sp else key
    if lead_key and not sp.empty and float(sp[lead_key].fillna(0).max()) > 0:
        top = sp.loc[sp[lead_key].fillna(0).idxmax()]
        val = _pct(1)(top[lead_key]) if lead_key == "share_of_voice" else _int(top[lead_key])
        what = "share of voice" if lead_key == "share_of_voice" else "photos"
        cards.append({"label": "Most visible", "value": str(top["sponsor"]), "note": f"{val} {what}"})
    if "media_value" in sp and currency:
        cards.append(
            {
                "label": "Media value",
                "value": f"{sp['media_value'].fillna(0).sum():,.0f} {currency}",
                "note": "from the rate card",
            }
        )
    return cards


def _best_frames(a: Analysis) -> list[dict[str, str]]:
    out = []
    by = a.sponsors.set_index("sponsor") if not a.sponsors.empty else pd.DataFrame()
    for s in a.order():
        uri = _data_uri(a.directory / "frames" / best_frame_file(s))
        if uri is None:
            continue
        rec = by.loc[s]
        if isinstance(rec, pd.DataFrame):
            rec = rec.iloc[0]
        parts = []
        if _num(rec.get("best_t")) is not None:
            parts.append(f"at {fmt_duration(rec['best_t'])} (frame {_int(rec.get('best_frame'))})")
        elif rec.get("best_photo"):
            parts.append(Path(str(rec["best_photo"])).name)
        if _num(rec.get("max_screen_share")) is not None:
            parts.append(f"max share {_pct(2)(rec['max_screen_share'])}")
        out.append({"sponsor": s, "uri": uri, "caption": " · ".join(parts), "color": sponsor_colours(a)[s]})
    return out


#: The columns of the "Other brands seen" table: (key, label, methodology key, format).
OTHER_BRAND_CELLS: tuple[tuple[str, str, str, Callable[[Any], str]], ...] = (
    ("seconds", "Seconds", "other_brand_s", fmt_seconds),
    ("reads", "Reads", "other_brand_reads", _int),
    ("first_t", "First seen", "other_brand_first_t", fmt_duration),
    ("mean_screen_share", "Mean screen share", "other_brand_screen_share", _pct(2)),
)


def _other_brands(a: Analysis) -> dict[str, Any] | None:
    """Return the "Other brands seen" section: ``ran`` (whether the radar ran), the table's columns and
    rows (with each brand's thumbnail as a data URI); None for a photo archive."""
    from measure.methodology import METRICS

    if a.kind == "photos":
        return None
    columns = [{"label": label, "help": METRICS[m]} for _, label, m, _ in OTHER_BRAND_CELLS]
    rows = []
    for r in a.other_brands.to_dict("records"):
        brand = str(r["brand"])
        caption = f"at {fmt_duration(r.get('best_t'))} (frame {_int(r.get('best_frame'))})"
        rows.append(
            {
                "brand": brand,
                "cells": [fmt(r.get(k)) for k, _, _, fmt in OTHER_BRAND_CELLS],
                "uri": _data_uri(a.directory / "frames" / other_brand_file(brand)),
                "caption": caption,
            }
        )
    return {"ran": a.radar_ran, "columns": columns, "rows": rows}


def _settings_items(a: Analysis) -> list[tuple[str, str]]:
    st = dict(a.settings)
    items: list[tuple[str, str]] = []
    labels = {
        "min_clarity": "Minimum clarity",
        "min_side_px": "Minimum logo side (px)",
        "max_gap_s": "Bridged track gap (s)",
        "min_exposure_s": "Minimum exposure (s)",
        "sample_fps": "Sampled frames per second",
        "conf": "Detector confidence",
        "imgsz": "Inference size (px)",
        "device": "Device",
        "track_memory_s": "Track memory (s)",
    }
    for k, label in labels.items():
        if k in st:
            v = st.pop(k)
            items.append((label, "every frame" if k == "sample_fps" and v is None else _plain(v)))
    rc = st.pop("rate_card", None)
    if rc:
        rates = ", ".join(f"{k} {v:g}" for k, v in (rc.get("rates") or {}).items())
        items.append(
            (
                "Rate card",
                f"{rc.get('currency', '')} per quality-second; default "
                f"{rc.get('default_per_s', 0):g}" + (f"; {rates}" if rates else ""),
            )
        )
    else:
        items.append(("Rate card", "none (media value is 0)"))
    sponsors = st.pop("sponsors", None)
    items.append(("Sponsors", ", ".join(map(str, sponsors)) if sponsors else "all classes of the model"))
    items += [(k.replace("_", " ").capitalize(), _plain(v)) for k, v in st.items()]
    return items


def _plain(v: Any) -> str:
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:g}"
    if isinstance(v, list | tuple):
        return ", ".join(map(str, v)) if v else "–"
    if isinstance(v, dict):
        return ", ".join(f"{k}: {_plain(x)}" for k, x in v.items()) or "–"
    return str(v)


def _source_items(a: Analysis) -> list[tuple[str, str]]:
    src = dict(a.source)
    items: list[tuple[str, str]] = []
    if "path" in src:
        items.append(("File", str(src.pop("path"))))
    src.pop("kind", None)
    if "duration_s" in src:
        d = src.pop("duration_s")
        items.append(("Duration", f"{fmt_duration(d)} ({_fixed(3)(d)} s)"))
    if "width" in src and "height" in src:
        items.append(("Frame size", f"{src.pop('width')} x {src.pop('height')} px"))
    if "fps" in src:
        items.append(("Frame rate", f"{_fixed(3)(src.pop('fps'))} fps"))
    if "frames" in src:
        items.append(("Frames", _int(src.pop("frames"))))
    if "analysed_frames" in src:
        items.append(("Frames analysed", _int(src.pop("analysed_frames"))))
    cuts = src.pop("cuts_s", None)
    if cuts is not None:
        items.append(("Camera cuts", f"{len(cuts)}"))
    items += [(k.replace("_", " ").capitalize(), _plain(v)) for k, v in src.items()]
    return items


def _model_items(a: Analysis) -> list[tuple[str, str]]:
    m = a.report.model.model_dump(exclude_unset=True)
    items = []
    for k, label in (
        ("weights", "Weights"),
        ("sha256", "SHA-256"),
        ("task", "Task"),
        ("imgsz", "Input size (px)"),
        ("device", "Device"),
        ("precision", "Arithmetic precision"),
    ):
        if k in m:
            items.append((label, _plain(m.pop(k))))
    classes = m.pop("classes", None)
    if classes is not None:
        items.append(("Classes", f"{len(classes)}: " + ", ".join(map(str, classes))))
    reader = m.pop("reader", None)
    if reader:
        items.append(("Text reader", f"{reader.get('weights', '')} ({str(reader.get('sha256', ''))[:12]})"))
    items += [(k.replace("_", " ").capitalize(), _plain(v)) for k, v in m.items()]
    reading = a.report.reading.model_dump(exclude_unset=True) if a.report.reading else {}
    checking = reading.get("checking")
    if checking:
        from measure.report import describe_checking

        line, advice = describe_checking(checking)
        items.append(("Text check", line if advice is None else f"{line}. Note: {advice}"))
    if reading.get("mode") == "model+reader" and reading.get("frame_reads"):
        items.append(("Whole-frame reads", str(reading["frame_reads"])))
    reread = reading.get("reread")
    if reread and reread.get("crops"):
        items.append(
            (
                "Read again where it was",
                f"{reread['found']} of {reread['crops']} places still named their sponsor",
            )
        )
    items.append(("Tool", _tool(a)))
    return items


def _tool(a: Analysis) -> str:
    """``sponsorlens 0.1.0``: the program and version that wrote the report."""
    return f"{a.report.tool.name} {a.report.tool.version}".strip()


def _stopped(a: Analysis) -> dict[str, Any] | None:
    """The ``stopped`` block (``frame``, ``t`` in seconds, ``reason``), or None for a whole video."""
    return a.report.stopped.model_dump() if a.report.stopped else None


def methodology() -> list[dict[str, Any]]:
    """Return the appendix, ``[{"term", "paragraphs"}]``, from :data:`measure.methodology.METRICS`."""
    from measure.methodology import METRICS

    return [
        {"term": term, "paragraphs": [p.strip() for p in str(text).split("\n\n") if p.strip()]}
        for term, text in METRICS.items()
    ]


def _charts(a: Analysis) -> dict[str, str | None]:
    from cli import charts

    order, colors = a.order(), sponsor_colours(a)
    seen = [s for s in order if s in set(a.segments.get("sponsor", []))] if not a.segments.empty else []
    stopped = _stopped(a)
    out: dict[str, str | None] = {
        "timeline": None, "sov": None, "heatmap": None, "clarity": None, "context": None,
    }  # fmt: skip
    if a.kind != "photos" and seen:
        out["timeline"] = charts.timeline(
            a.segments,
            seen,
            colors,
            float(a.source.get("duration_s") or 0),
            a.source.get("cuts_s") or (),
            _num(stopped.get("t")) if stopped else None,
        )
    out["sov"] = charts.share_of_voice(a.sponsors, colors)
    if a.has_context:
        out["context"] = charts.context_bars(a.context, order)
    if not a.detections.empty:
        w = a.frame_sizes["width"].to_numpy(float)
        h = a.frame_sizes["height"].to_numpy(float)
        aspect_w = float(np.nanmedian(w)) if len(w) else 0.0
        aspect_h = float(np.nanmedian(h)) if len(h) else 0.0
        out["heatmap"] = charts.heatmaps(a.detections, w, h, order, colors, aspect_w, aspect_h)
        out["clarity"] = charts.clarity(a.detections, order, colors)
    return out


def build_context(a: Analysis, for_pdf: bool = False) -> dict[str, Any]:
    """Return everything the report template shows (strings and data URIs only)."""
    rc = a.settings.get("rate_card") or None
    currency = rc.get("currency") if rc else None
    src = a.source
    name = Path(str(src.get("path", a.directory.name))).name
    stopped = _stopped(a)
    subtitle: list[str] = []
    if a.kind == "photos":
        subtitle.append(f"Photo archive · {_int(src.get('photos'))} photos")
    else:
        subtitle.append(f"Video · {fmt_duration(src.get('duration_s'))}")
        if src.get("width") and src.get("height"):
            subtitle.append(f"{src['width']}×{src['height']}")
        if _num(src.get("fps")):
            subtitle.append(f"{float(src['fps']):g} fps")
    classes = a.classes
    if classes:
        subtitle.append(f"{len(classes)} sponsors in the model")
    return {
        "title": f"Sponsor exposure report – {name}",
        "name": name,
        "subtitle": " · ".join(subtitle),
        "kind": a.kind,
        "stopped": stopped,
        "stopped_at": fmt_duration(stopped.get("t"))
        if stopped and _num(stopped.get("t")) is not None
        else None,
        "cards": _summary_cards(a, currency),
        "kpi": _kpi_table(a, currency),
        "categories": _category_table(a),
        "context": _context_table(a),
        "currency": currency,
        "charts": _charts(a),
        "best_frames": _best_frames(a),
        "other_brands": _other_brands(a),
        "source_items": _source_items(a),
        "model_items": _model_items(a),
        "settings_items": _settings_items(a),
        "methodology": methodology(),
        "tool": _tool(a),
        "sha_short": str(a.report.model.sha256 or "")[:12],
        "for_pdf": for_pdf,
    }


def environment() -> jinja2.Environment:
    """Return the Jinja2 environment of the report templates (autoescaping on)."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=jinja2.select_autoescape(["html", "j2"], default=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_html(directory: str | Path, for_pdf: bool = False) -> str:
    """Return the report page of an analysis directory as an HTML string."""
    a = read_analysis(directory)
    return environment().get_template("report.html.j2").render(**build_context(a, for_pdf=for_pdf))


def render_report(directory: str | Path) -> Path:
    """Write ``DIR/report.html`` (self-contained) and return its path."""
    out = Path(directory) / "report.html"
    write_text_atomic(out, render_html(directory))
    return out


def _data_only_fetcher() -> Any:
    """Return a WeasyPrint URL fetcher that serves ``data:`` URIs only: the PDF never touches the network."""
    from weasyprint import urls

    if hasattr(urls, "URLFetcher"):  # WeasyPrint >= 66
        return urls.URLFetcher(allowed_protocols={"data"})

    def fetch(url: str, *args: Any, **kwargs: Any) -> Any:  # older WeasyPrint: a plain function
        if not url.startswith("data:"):
            raise ValueError(f"refusing to fetch {url!r}: the report must be self-contained")
        return urls.default_url_fetcher(url, *args, **kwargs)

    return fetch


def html_to_pdf(html: str, out: Path) -> Path:
    """Write ``html`` (self-contained) as a PDF with WeasyPrint; return ``out``.

    Raises :class:`PdfUnavailable` when WeasyPrint cannot be imported.
    """
    require_pdf_engine()
    from weasyprint import HTML

    data = HTML(string=html, url_fetcher=_data_only_fetcher()).write_pdf()
    write_bytes_atomic(out, data)
    return out


def render_pdf(directory: str | Path) -> Path:
    """Write ``DIR/report.pdf`` (the report page, printed by WeasyPrint) and return its path."""
    return html_to_pdf(render_html(directory, for_pdf=True), Path(directory) / "report.pdf")
