"""``sponsorlens batch`` and ``sponsorlens totals``: seasons of footage and photo archives into DuckDB.

The commands parse their options and print; the batch itself is :func:`vision.batch.run.run_batch`
(discovery, workers, engines, the run key) and the totals :func:`measure.totals.season_totals`.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from cli.analyze import check_reading_options
from cli.app import app
from cli.errors import EXIT_PARTIAL_BATCH, user_errors, warn
from cli.options import (
    Check,
    Conf,
    ConfigFile,
    Device,
    ImgSz,
    ReadFps,
    ReadPhotos,
    Replays,
    Sponsors,
    TrustWeights,
    Unread,
    UnreadPolicy,
    Weights,
)
from measure.limits import check_batch, check_imgsz


class Engine(StrEnum):
    """Where ``batch`` runs the analysis."""

    local = "local"
    ray = "ray"


class TotalsBy(StrEnum):
    """How ``totals`` groups."""

    sponsor = "sponsor"
    source = "source"
    month = "month"
    category = "category"


@app.command()
@user_errors
def batch(
    paths: Annotated[
        list[Path], typer.Argument(help="Videos, photos, or folders of them (searched recursively).")
    ],
    db_path: Annotated[
        Path, typer.Option("--db", help="DuckDB database to add the results to (created if new).")
    ],
    engine: Annotated[Engine, typer.Option(help="local (process pool) or ray.")] = Engine.local,
    workers: Annotated[
        int | None,
        typer.Option(
            help="Worker processes / Ray actors. local: default 1 per 2 cores, 0 = in this process. "
            "ray: default 1 per GPU, else 1 per CPU."
        ),
    ] = None,
    address: Annotated[
        str | None, typer.Option(help="Ray cluster address (default: start a local Ray).")
    ] = None,
    weights: Weights = None,
    sample_fps: Annotated[
        float | None, typer.Option(help="Analyse this many video frames per second. Default: every frame.")
    ] = None,
    conf: Conf = 0.25,
    imgsz: ImgSz = 640,
    device: Device = "auto",
    config: ConfigFile = None,
    batch_size: Annotated[int, typer.Option("--batch", help="Video frames per inference batch.")] = 8,
    trust_weights: TrustWeights = False,
    retry_failed: Annotated[bool, typer.Option(help="Analyse again the sources that failed before.")] = False,
    quiet: Annotated[bool, typer.Option(help="No line per source, only the summary.")] = False,
    sponsors: Sponsors = None,
    read_fps: ReadFps = None,
    check: Check = True,
    unread: Unread = UnreadPolicy.auto,
    read_photos: ReadPhotos = True,
    replays: Replays = True,
) -> None:
    """Analyse videos and photos into a DuckDB database; resumable, each source stored once.

    Stored sources are skipped; unreadable files go to the failures table (exit code 7).
    """
    from tqdm import tqdm

    from measure.settings import load_config
    from vision.batch.jobs import WorkerSpec
    from vision.batch.run import run_batch
    from vision.inference.detector import DEFAULT_WEIGHTS

    cfg = load_config(config)
    sample_fps = check_reading_options(sample_fps, read_fps, sponsors, weights)
    check_batch(batch_size, check_imgsz(imgsz))
    reader_only = sponsors is not None and weights is None
    spec = WorkerSpec(
        None if reader_only else str(weights or DEFAULT_WEIGHTS),
        conf,
        imgsz,
        device,
        trust_weights,
        cfg.model_dump(mode="json"),
        sample_fps,
        batch_size,
        sponsors=sponsors,
        check=check,
        unread=unread.value,
        read_fps=read_fps,
        read_photos=read_photos,
        replays=replays,
    )
    bars: list[Any] = []

    def progress(total: int) -> Callable[[int], None]:
        bars.append(tqdm(total=total, desc="sources", unit="source", leave=False, dynamic_ncols=True))
        return bars[0].update

    def log(line: str) -> None:
        if not quiet:
            tqdm.write(line, file=sys.stdout)
            sys.stdout.flush()

    try:
        summary = run_batch(
            paths,
            db_path,
            spec,
            engine=engine.value,
            workers=workers,
            address=address,
            retry_failed=retry_failed,
            log=log,
            progress=progress,
            warn=warn,
        )
    finally:
        for bar in bars:
            bar.close()
    parts = [f"{summary.analysed} analysed", f"{summary.failed} failed", f"{summary.skipped} already stored"]
    if summary.duplicates:
        parts.append(f"{summary.duplicates} duplicates of other files")
    typer.echo(f"{db_path}: {', '.join(parts)} (run {summary.run_key[:12]})")
    if summary.failed_paths:
        typer.echo(
            f"error: {len(summary.failed_paths)} sources failed (see the failures table"
            f"{'' if retry_failed else '; --retry-failed tries them again'})",
            err=True,
        )
        raise typer.Exit(EXIT_PARTIAL_BATCH)


#: Numbers ``totals`` prints (labels and formats: :mod:`measure.metrics`); the CSV has them all.
VIDEO_TOTALS = ("exposure_s", "share_of_voice", "quality_s", "solo_s", "media_value")
PHOTO_TOTALS = ("photos_with_sponsor", "photo_rate", "solo_photos")
#: Numbers ``totals --by category`` prints, per catalogue category.
CATEGORY_TOTALS = ("category_s", "sponsor_s", "category_share_of_voice", "clash_s", "competitor_s")
CATEGORY_PHOTO_TOTALS = ("photos_with_category", "clash_photos", "competitor_photos")


@app.command()
@user_errors
def totals(
    db_path: Annotated[Path, typer.Option("--db", help="DuckDB database written by sponsorlens batch.")],
    by: Annotated[
        TotalsBy,
        typer.Option(help="Group by sponsor, source, month (of shooting) or catalogue category."),
    ] = TotalsBy.sponsor,
    run: Annotated[
        str | None, typer.Option(help="Run key (or its start) when the database holds several.")
    ] = None,
    csv: Annotated[Path | None, typer.Option(help="Also write every column to this CSV file.")] = None,
) -> None:
    """Print season totals per sponsor (or per source, month or catalogue category) from a batch database."""
    from rich.console import Console
    from rich.table import Table

    from cli.tables import add_metric_columns, metric_cells
    from measure.store import check_disjoint
    from measure.totals import season_totals

    if csv is not None:
        check_disjoint([("--db", db_path)], [("--csv", csv)])
    season = season_totals(db_path, by.value, run)  # type: ignore[arg-type]
    if csv is not None:
        season.to_csv(csv)
    videos, n_photos = season.videos, season.photos
    by_category = season.by == "category"
    names = ["category", "sponsors"] if by_category else [*season.keys, "sponsor"]
    out = Table(title=f"Totals by {season.by}")
    for k in names:
        out.add_column(k, justify="right" if k == "sponsors" else "left")
    if by_category:
        shown: tuple[str, ...] = (CATEGORY_TOTALS if videos or not n_photos else ()) + (
            CATEGORY_PHOTO_TOTALS if n_photos else ()
        )
    else:
        shown = (VIDEO_TOTALS if videos or not n_photos else ()) + (PHOTO_TOTALS if n_photos else ())
    add_metric_columns(out, shown, season.currency)
    for d in season.table.to_dict("records"):
        cells = [Path(str(d[k])).name if k == "path" else str(d[k]) for k in names]
        out.add_row(*cells, *metric_cells(d, shown))
    if by_category and season.table.empty:
        typer.echo("no catalogue categories in this run (give sponsors a category in the --sponsors file)")
    Console().print(out)
    note = f"; {season.failed} failed sources (see the failures table)" if season.failed else ""
    typer.echo(
        f"{videos} videos ({season.footage_s / 3600:.2f} h), {n_photos} photos, run {season.run_key[:12]}{note}"
    )
