"""Writing a video's analysis folder from the command line: the tables and report
(:func:`measure.folder.write_analysis`) plus best frames, evidence thumbnails and the rendered reports.
The analysis itself is :mod:`vision.inference.analysis`.
"""

from __future__ import annotations

from pathlib import Path

from measure.folder import write_analysis as write_folder
from vision.inference.analysis import AnalysisOutput


def write_analysis(
    out: str | Path,
    video: str | Path,
    result: AnalysisOutput,
    evidence: Path | None = None,
    html: bool = False,
    pdf: bool = False,
    anonymise: bool = True,
) -> None:
    """Write an analysis directory atomically: report.json, CSVs, detections.parquet, best frames.

    ``evidence`` also writes one thumbnail per segment there; ``html``/``pdf`` render the report;
    ``anonymise`` blurs the faces on the pictures.
    """
    from cli.evidence import write_thumbnails
    from cli.report_html import render_pdf, render_report

    def extra(tmp: Path) -> None:
        write_thumbnails(
            tmp,
            video,
            result.sponsors,
            result.segments,
            result.detections,
            evidence,
            classes=result.report["model"]["classes"],
            anonymise=anonymise,
            other_brands=result.other_brands,
        )
        if html:
            render_report(tmp)
        if pdf:
            render_pdf(tmp)

    write_folder(
        out,
        result.report,
        result.sponsors,
        result.detections,
        segments=result.segments,
        context=result.context,
        extra=extra,
    )
