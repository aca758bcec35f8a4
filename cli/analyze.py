"""``sponsorlens analyze VIDEO --out DIR``: measure sponsor exposure in one video."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from cli.app import app
from cli.errors import user_errors, warn
from cli.options import (
    Anonymise,
    Check,
    Conf,
    ConfigFile,
    Device,
    ImgSz,
    ReadFps,
    Replays,
    Sponsors,
    TrustWeights,
    Unread,
    UnreadPolicy,
    Weights,
)
from measure.errors import InputError
from measure.limits import check_batch, check_fps, check_imgsz


def check_reading_options(
    sample_fps: float | None, read_fps: float | None, sponsors: str | None, weights: Path | None
) -> float | None:
    """Validate ``--sample-fps`` and ``--read-fps`` (finite, positive, at most
    :data:`measure.limits.MAX_FPS`); return the sampling rate to use: the reader's
    default rate (:data:`vision.inference.detectors.READ_ONLY_FPS`) when it alone is the detector and no rate
    was given, else ``sample_fps``."""
    from vision.inference.detectors import READ_ONLY_FPS

    check_fps(sample_fps, "--sample-fps")
    check_fps(read_fps, "--read-fps")
    if sponsors is not None and weights is None and sample_fps is None:
        return READ_ONLY_FPS
    return sample_fps


def tqdm_progress(desc: str) -> Callable[[int, int], Callable[[int], None]]:
    """Return a progress factory for :func:`vision.inference.analysis.analyse_video_file` drawing a tqdm bar."""
    from tqdm import tqdm

    def start(total: int, _initial: int) -> Callable[[int], None]:
        bar = tqdm(total=total or None, desc=desc, unit="frame", leave=False, dynamic_ncols=True)
        return bar.update

    return start


#: The terminal summary lists sponsors with no exposure only when there are at most this many sponsors.
SUMMARY_ROWS = 20


#: The numbers ``analyze`` prints per sponsor (all of them are in sponsors.csv).
SUMMARY_METRICS = (
    "exposure_s",
    "exposures",
    "share_of_voice",
    "mean_screen_share",
    "mean_clarity",
    "quality_s",
    "media_value",
)


def echo_checking(checking: dict | None) -> None:
    """Print the text check's one-line summary of a report's ``checking`` block, and warn when its
    counts advise ``--unread drop`` (:func:`measure.report.describe_checking`); nothing without one."""
    if not checking:
        return
    from measure.report import describe_checking

    line, advice = describe_checking(checking)
    typer.echo(f"text check: {line}")
    if advice:
        warn(advice)


def print_summary(sponsors: pd.DataFrame, currency: str | None) -> None:
    """Print the per-sponsor KPI table to the terminal (labels and formats: :mod:`measure.metrics`)."""
    from cli.tables import add_metric_columns, metric_cells

    table = Table(title="Sponsor exposure", show_lines=False)
    table.add_column("sponsor", justify="left")
    add_metric_columns(table, SUMMARY_METRICS, currency)
    rows = sponsors.sort_values("exposure_s", ascending=False)
    unseen = rows[rows["exposure_s"] <= 0]
    if len(rows) > SUMMARY_ROWS and len(unseen):  # a long catalogue: list the sponsors seen
        rows = rows[rows["exposure_s"] > 0]
        table.caption = f"{len(unseen)} more sponsors with no exposure (all are in sponsors.csv)"
    for row in rows.to_dict("records"):
        table.add_row(str(row["sponsor"]), *metric_cells(row, SUMMARY_METRICS))
    Console(stderr=False).print(table)


#: The numbers ``analyze`` prints per catalogue category (all of them are in report.json).
CATEGORY_METRICS = ("category_s", "sponsor_s", "category_share_of_voice", "clash_s")


def print_categories(categories: pd.DataFrame | None) -> None:
    """Print the per-category table (:mod:`measure.categories`) when the catalogue gave categories."""
    from cli.tables import add_metric_columns, metric_cells

    if categories is None or categories.empty:
        return
    table = Table(title="Competitors by category", show_lines=False)
    table.add_column("category", justify="left")
    table.add_column("sponsors", justify="right")
    add_metric_columns(table, CATEGORY_METRICS)
    for row in categories.to_dict("records"):
        table.add_row(str(row["category"]), str(row["sponsors"]), *metric_cells(row, CATEGORY_METRICS))
    Console(stderr=False).print(table)


#: The terminal names at most this many other brands (all of them are in report.json).
OTHER_BRANDS_SHOWN = 5


def print_other_brands(brands: pd.DataFrame | None) -> None:
    """Print one line naming the other brands seen (the ambush radar, most seconds first), when it ran."""
    if brands is None:
        return
    if brands.empty:
        typer.echo("other brands seen: none (text read on screen names no other brand often enough)")
        return
    shown = ", ".join(f"{r.brand} {r.seconds:.1f} s" for r in brands.head(OTHER_BRANDS_SHOWN).itertuples())
    more = f" and {len(brands) - OTHER_BRANDS_SHOWN} more" if len(brands) > OTHER_BRANDS_SHOWN else ""
    typer.echo(f"other brands seen (not in the catalogue): {shown}{more}")


@app.command()
@user_errors
def analyze(
    video: Annotated[str, typer.Argument(help="Video file (mp4, mkv, mov, avi, ts...) or stream URL.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output directory (written atomically).")],
    weights: Weights = None,
    sample_fps: Annotated[
        float | None,
        typer.Option(help="Analyse this many frames per second, evenly in time. Default: every frame."),
    ] = None,
    conf: Conf = 0.25,
    imgsz: ImgSz = 640,
    device: Device = "auto",
    config: ConfigFile = None,
    batch: Annotated[int, typer.Option(help="Frames per inference batch.")] = 8,
    trust_weights: TrustWeights = False,
    html: Annotated[bool, typer.Option("--html", help="Also write DIR/report.html.")] = False,
    pdf: Annotated[bool, typer.Option("--pdf", help="Also write DIR/report.pdf (needs WeasyPrint).")] = False,
    annotate: Annotated[
        Path | None,
        typer.Option(help="Write the video with boxes, labels, track IDs and exposure clocks (.mp4)."),
    ] = None,
    evidence: Annotated[
        Path | None, typer.Option(help="Write one thumbnail per exposure segment and index.csv here.")
    ] = None,
    sponsors: Sponsors = None,
    read_fps: ReadFps = None,
    check: Check = True,
    unread: Unread = UnreadPolicy.auto,
    anonymise: Anonymise = True,
    replays: Replays = True,
) -> None:
    """Measure per-sponsor exposure seconds, screen share, clarity and media value in VIDEO."""
    from cli.analysis import write_analysis
    from cli.annotate import annotate_video, check_annotate_path
    from cli.evidence import check_evidence_dir
    from cli.report_html import require_pdf_engine
    from measure.folder import check_analysis_out
    from measure.paths import valid_text
    from measure.settings import load_config
    from measure.store import check_disjoint
    from vision.inference.analysis import analyse_video_file
    from vision.inference.detectors import open_detectors
    from vision.io.sources import is_stream_url, open_video

    cfg = load_config(config)
    sample_fps = check_reading_options(sample_fps, read_fps, sponsors, weights)
    check_batch(batch, check_imgsz(imgsz))
    if pdf:
        require_pdf_engine()  # fail before decoding, not after the analysis
    with open_video(video, sample_fps=sample_fps):
        pass  # fail fast on a bad input, before the model loads
    check_analysis_out(out)  # ... and on an output directory that cannot be written
    if evidence:
        check_evidence_dir(evidence)
    if annotate:
        check_annotate_path(annotate)
        if is_stream_url(video):  # fail now, not after the stream was analysed
            raise InputError(f"{video}: --annotate needs a video file; a live stream cannot be read twice")
    inputs = [("VIDEO", video), ("--weights", weights), ("--config", config)]
    outputs = [("--out", out), ("--evidence", evidence), ("--annotate", annotate)]
    check_disjoint([(o, p) for o, p in inputs if p is not None], outputs)
    found = open_detectors(
        weights, sponsors, conf=conf, imgsz=imgsz, device=device, trust_weights=trust_weights
    )
    result = analyse_video_file(
        video,
        found.detector,
        cfg,
        sample_fps=sample_fps,
        batch_size=batch,
        progress=tqdm_progress(Path(str(video)).name),
        reader=found.reader,
        check=check,
        unread=unread.value,
        read_fps=read_fps,
        anonymise=anonymise,
        replays=replays,
        occlusion=found.occlusion,
    )
    write_analysis(out, video, result, evidence=evidence, html=html or pdf, pdf=pdf, anonymise=anonymise)
    if annotate:
        annotate_video(
            video,
            result.detections,
            result.segments,
            annotate,
            sponsors=result.report["model"]["classes"],
            sample_fps=sample_fps,
            anonymise=anonymise,
        )
    if result.analysis.stopped is not None:
        s = result.analysis.stopped
        warn(
            f"{video}: decoding stopped early at frame {s.frame} ({s.t:.2f} s): {s.reason}; "
            "the report covers the video up to there"
        )
    print_summary(result.sponsors, cfg.rate_card.currency if cfg.rate_card else None)
    print_categories(result.categories)
    print_other_brands(result.other_brands)
    reread = (result.report.get("reading") or {}).get("reread")
    if reread and reread.get("crops"):
        typer.echo(
            f"read again where a sponsor was: {reread['found']} of {reread['crops']} places still named it"
        )
    echo_checking((result.report.get("reading") or {}).get("checking"))
    typer.echo(f"wrote {valid_text(str(out))}/report.json, sponsors.csv, segments.csv, detections.parquet")
