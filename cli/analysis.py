"""Writing an analysis folder: the tables, best frames and evidence thumbnails, and the rendered
reports. The analysis itself is :mod:`vision.inference.analysis`.
"""

from __future__ import annotations

from pathlib import Path

from measure.store import atomic_dir, records, write_tables
from vision.inference.analysis import AnalysisOutput


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
