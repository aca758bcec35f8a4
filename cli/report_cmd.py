"""``sponsorlens report DIR`` and ``sponsorlens compare DIR_A DIR_B``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cli.app import app
from cli.errors import user_errors, warn


def ensure_thumbnails(directory: Path) -> int:
    """Write missing best-frame thumbnails of a video analysis from its source video, if still there.

    Returns how many sponsors lack a thumbnail afterwards (0 when all are present or none is
    needed); warns when the source video cannot be found.
    """
    from cli.evidence import best_frame_file, write_thumbnails
    from measure.folder import read_analysis

    a = read_analysis(directory)
    if a.kind == "photos" or a.sponsors.empty or "best_frame" not in a.sponsors:
        return 0
    wanted = a.sponsors[a.sponsors["best_frame"].fillna(-1).astype(int) >= 0]
    missing = [s for s in wanted["sponsor"] if not (directory / "frames" / best_frame_file(s)).exists()]
    if not missing:
        return 0
    video = a.source.get("path")
    if not video or not Path(str(video)).is_file():
        warn(
            f"{directory}: no best-frame thumbnails for {len(missing)} sponsors and the source video "
            f"{video!s} is not here; the report shows none for them"
        )
        return len(missing)
    written = write_thumbnails(
        directory,
        str(video),
        wanted[wanted["sponsor"].isin(missing)],
        a.segments,
        a.detections,
        classes=a.classes,
        anonymise=a.settings.get("anonymise") is not False,  # as the analysis did; faces blurred if unsaid
    )
    return len(missing) - len(written)


@app.command()
@user_errors
def report(
    directory: Annotated[Path, typer.Argument(help="Analysis directory written by 'sponsorlens analyze'.")],
    pdf: Annotated[
        bool, typer.Option("--pdf", help="Also write report.pdf (needs the 'pdf' extra).")
    ] = False,
) -> None:
    """Render DIR/report.html: a self-contained page with KPIs, charts and best frames."""
    from cli.report_html import render_pdf, render_report, require_pdf_engine

    if pdf:
        require_pdf_engine()  # before anything is written
    ensure_thumbnails(directory)
    out = render_report(directory)
    typer.echo(f"wrote {out}")
    if pdf:
        typer.echo(f"wrote {render_pdf(directory)}")


@app.command()
@user_errors
def compare(
    dir_a: Annotated[Path, typer.Argument(help="Analysis directory A (the baseline).")],
    dir_b: Annotated[Path, typer.Argument(help="Analysis directory B (compared with A).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="HTML comparison page to write.")] = Path(
        "compare.html"
    ),
) -> None:
    """Per-sponsor (and per-category) KPI deltas (B - A) of two analyses, as a table and an HTML page."""
    from cli.compare import print_comparison, write_compare
    from measure.store import check_disjoint

    check_disjoint([("DIR_A", dir_a), ("DIR_B", dir_b)], [("--out", out)])
    cmp, path = write_compare(dir_a, dir_b, out)
    print_comparison(cmp)
    typer.echo(f"wrote {path}")
