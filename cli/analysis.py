"""One video, start to finish: decode, detect, track, measure, and the report that records it all.

``analyze``, ``demo`` and ``batch`` all go through :func:`analyse_video_file`, so every front end
computes the same numbers the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from measure.exposure import aggregate
from measure.settings import Config
from measure.store import atomic_dir, records, tool_info, write_tables
from vision.checking import combined_names
from vision.detector import LogoDetector
from vision.pipeline import VideoAnalysis, analyse_video
from vision.reader import TextReader
from vision.sources import open_video


@dataclass
class AnalysisOutput:
    """Everything an analysis directory holds: the report dict and its three tables."""

    report: dict[str, Any]
    sponsors: pd.DataFrame
    segments: pd.DataFrame
    detections: pd.DataFrame
    analysis: VideoAnalysis


def settings_block(cfg: Config, **run: Any) -> dict[str, Any]:
    """Return the ``settings`` block of a report: thresholds, rate card and run options."""
    return {
        **cfg.measure.model_dump(),
        **run,
        "rate_card": cfg.rate_card.model_dump() if cfg.rate_card else None,
        "sponsors": cfg.sponsors,
    }


def model_block(detector: LogoDetector | TextReader, reader: TextReader | None) -> dict[str, Any]:
    """Return the ``model`` block of a report: the detector's, with ``classes`` every sponsor that
    can be found and ``reader`` the text reader's block when one reads alongside the model."""
    block = detector.info()
    if reader is not None and reader is not detector:
        block["classes"] = combined_names(detector.names, reader)
        block["reader"] = reader.info()
    return block


def analyse_video_file(
    video: str | Path,
    detector: LogoDetector | TextReader,
    cfg: Config,
    sample_fps: float | None = None,
    batch_size: int = 8,
    track_memory_s: float = 1.0,
    progress: Callable[[int, int], Callable[[int], None]] | None = None,
    reader: TextReader | None = None,
    check: bool = True,
    read_fps: float | None = None,
) -> AnalysisOutput:
    """Analyse one video and return its report and tables.

    ``detector`` is the YOLO model or the text reader alone; ``reader``, ``check`` and ``read_fps``
    add the text reader to a model (see :func:`vision.pipeline.analyse_video`).
    ``progress(total_frames, 0)`` may return a callback that receives decoded-frame increments.
    """
    model = model_block(detector, reader)
    cfg.check_sponsors(model["classes"])
    with open_video(video, sample_fps=sample_fps) as source:
        on_frames = progress(source.info.frames, 0) if progress else None
        analysis = analyse_video(
            source,
            detector,
            batch_size=batch_size,
            track_memory_s=track_memory_s,
            on_frames=on_frames,
            reader=reader,
            check=check,
            read_fps=read_fps,
            settings=cfg.measure,
        )
    dets = analysis.detections
    wanted = cfg.sponsors or model["classes"]
    if cfg.sponsors:
        dets = dets[dets["sponsor"].isin(cfg.sponsors)]
    exposure = aggregate(dets, analysis.timeline, cfg.measure, cfg.rate_card, sponsors=wanted)
    info = analysis.info
    report = {
        "source": {
            "path": str(video),
            "kind": "video",
            "duration_s": analysis.timeline.duration_s,
            "fps": info.fps,
            "width": info.width,
            "height": info.height,
            "frames": info.frames,
            "analysed_frames": len(analysis.timeline.times),
            "cuts_s": list(analysis.timeline.cuts_s),
        },
        "model": model,
        "settings": settings_block(
            cfg,
            sample_fps=sample_fps,
            conf=detector.conf,
            imgsz=detector.imgsz,
            device=detector.device,
            track_memory_s=track_memory_s,
            check=bool(reader is not None and reader is not detector and check),
            read_fps=read_fps if reader is not None and reader is not detector else None,
        ),
        "reading": reading_block(detector, reader, analysis),
        "tool": tool_info(),
        "stopped": None if analysis.stopped is None else vars(analysis.stopped),
        "sponsors": exposure.sponsors,
        "segments": exposure.segments,
    }
    return AnalysisOutput(report, exposure.sponsors, exposure.segments, exposure.detections, analysis)


def reading_block(
    detector: LogoDetector | TextReader, reader: TextReader | None, analysis: VideoAnalysis
) -> dict[str, Any] | None:
    """Return the ``reading`` block of a report: how the text reader took part (``mode`` ``reader``
    when it was the detector, ``model+reader`` beside a model), the check of the model's tracks
    (:meth:`vision.checking.TrackChecker.summary`) and the number of whole-frame reads; None
    without a reader. Detections found by reading have ``source`` ``text`` in ``detections.parquet``."""
    if isinstance(detector, TextReader):
        return {"mode": "reader", "checking": None, "frame_reads": len(analysis.timeline.times)}
    if reader is None:
        return None
    return {"mode": "model+reader", "checking": analysis.checking, "frame_reads": analysis.reads}


def write_analysis(
    out: str | Path,
    video: str | Path,
    result: AnalysisOutput,
    evidence: Path | None = None,
    html: bool = False,
    pdf: bool = False,
) -> None:
    """Write an analysis directory atomically: report.json, CSVs, detections.parquet, best frames.

    ``evidence`` also writes one thumbnail per segment there; ``html``/``pdf`` render the report.
    """
    from cli.evidence import write_thumbnails
    from cli.report_html import render_pdf, render_report

    report = {**result.report, "sponsors": records(result.sponsors), "segments": records(result.segments)}
    with atomic_dir(out) as tmp:
        write_tables(tmp, report, result.sponsors, result.segments, result.detections)
        write_thumbnails(
            tmp,
            video,
            result.sponsors,
            result.segments,
            result.detections,
            evidence,
            classes=result.report["model"]["classes"],
        )
        if html:
            render_report(tmp)
        if pdf:
            render_pdf(tmp)
