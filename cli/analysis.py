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
from vision.detector import LogoDetector
from vision.pipeline import VideoAnalysis, analyse_video
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


def analyse_video_file(
    video: str | Path,
    detector: LogoDetector,
    cfg: Config,
    sample_fps: float | None = None,
    batch_size: int = 8,
    track_memory_s: float = 1.0,
    progress: Callable[[int, int], Callable[[int], None]] | None = None,
) -> AnalysisOutput:
    """Analyse one video and return its report and tables.

    ``progress(total_frames, 0)`` may return a callback that receives decoded-frame increments.
    """
    cfg.check_sponsors(detector.names)
    with open_video(video, sample_fps=sample_fps) as source:
        on_frames = progress(source.info.frames, 0) if progress else None
        analysis = analyse_video(
            source, detector, batch_size=batch_size, track_memory_s=track_memory_s, on_frames=on_frames
        )
    dets = analysis.detections
    wanted = cfg.sponsors or detector.names
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
        "model": detector.info(),
        "settings": settings_block(
            cfg,
            sample_fps=sample_fps,
            conf=detector.conf,
            imgsz=detector.imgsz,
            device=detector.device,
            track_memory_s=track_memory_s,
        ),
        "tool": tool_info(),
        "stopped": None if analysis.stopped is None else vars(analysis.stopped),
        "sponsors": exposure.sponsors,
        "segments": exposure.segments,
    }
    return AnalysisOutput(report, exposure.sponsors, exposure.segments, exposure.detections, analysis)


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
