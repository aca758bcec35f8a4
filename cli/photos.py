"""``sponsorlens photos PATH... --out DIR``: per-sponsor statistics of an event-photo archive."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import pandas as pd
import typer

from cli.analyze import echo_checking
from cli.app import app
from cli.errors import UserError, user_errors, warn
from cli.options import (
    Check,
    Conf,
    ConfigFile,
    Device,
    ImgSz,
    ReadPhotos,
    Sponsors,
    Unread,
    UnreadPolicy,
    Weights,
)
from measure.folder import check_analysis_out, write_analysis
from measure.limits import check_batch, check_imgsz
from measure.paths import valid_text
from measure.store import check_disjoint

if TYPE_CHECKING:
    from vision.inference.analysis import PhotoOutput


def write_photo_analysis(out: Path, result: PhotoOutput) -> None:
    """Write a photo archive's analysis folder atomically (:func:`measure.folder.write_analysis`):
    ``report.json``, ``sponsors.csv``, ``photos.csv``, ``appearances.csv`` and ``detections.parquet``."""
    write_analysis(
        out,
        result.report,
        result.stats.sponsors,
        result.stats.detections,
        photos=result.stats.photos,
        appearances=result.stats.appearances,
    )


def print_photo_summary(sponsors: pd.DataFrame, n_photos: int) -> None:
    """Print the per-sponsor archive table to the terminal (labels and formats: :mod:`measure.metrics`)."""
    from rich.console import Console
    from rich.table import Table

    from cli.tables import add_metric_columns, metric_cells

    keys = ("photos_with_sponsor", "photo_rate", "solo_photos", "mean_screen_share", "max_screen_share")
    keys += ("mean_clarity",)
    table = Table(title=f"Sponsor presence in {n_photos} photos")
    table.add_column("sponsor", justify="left")
    add_metric_columns(table, keys)
    table.add_column("best photo", justify="left")
    for row in sponsors.sort_values("photos_with_sponsor", ascending=False, kind="stable").to_dict("records"):
        best = Path(str(row["best_photo"])).name if pd.notna(row["best_photo"]) else "-"
        table.add_row(str(row["sponsor"]), *metric_cells(row, keys), best)
    Console().print(table)


@app.command()
@user_errors
def photos(
    paths: Annotated[list[Path], typer.Argument(help="Photos or folders of photos (searched recursively).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output directory (written atomically).")],
    weights: Weights = None,
    conf: Conf = 0.25,
    imgsz: ImgSz = 640,
    device: Device = "auto",
    config: ConfigFile = None,
    batch: Annotated[int, typer.Option(help="Photos per inference batch (held in memory together).")] = 8,
    trust_weights: Annotated[bool, typer.Option(help="Load weights even if their checksum fails.")] = False,
    sponsors: Sponsors = None,
    check: Check = True,
    unread: Unread = UnreadPolicy.auto,
    read: ReadPhotos = True,
) -> None:
    """Count the photos each sponsor appears in, with screen share, clarity and solo photos.

    Searches PATHS for jpg, png, webp, tiff and bmp; unreadable photos are listed and skipped.
    """
    from tqdm import tqdm

    from measure.settings import load_config
    from vision.inference.analysis import analyse_photo_files, collect_photos
    from vision.inference.detectors import open_detectors

    cfg = load_config(config)
    check_imgsz(imgsz)
    check_batch(batch, imgsz)
    files, duplicates = collect_photos(paths, warn=warn)
    check_analysis_out(out)  # fail now, not after the archive is analysed
    inputs = [*(("PATHS", p) for p in paths), ("--weights", weights), ("--config", config)]
    check_disjoint([(o, p) for o, p in inputs if p is not None], [("--out", out)])
    if duplicates:
        warn(f"{len(duplicates)} photos are byte-identical copies of others and are counted once")
    found = open_detectors(
        weights, sponsors, conf=conf, imgsz=imgsz, device=device, trust_weights=trust_weights
    )
    detector = found.for_stills(check=check, read=read, unread=unread.value)
    start = time.perf_counter()
    with tqdm(total=len(files), desc="photos", unit="photo", leave=False, dynamic_ncols=True) as bar:
        result = analyse_photo_files(
            files,
            detector,
            cfg,
            batch_size=batch,
            inputs=paths,
            on_photo=bar.update,
            duplicates=duplicates,
            occlusion=found.occlusion,
        )
    seconds = time.perf_counter() - start
    if len(result.stats.photos) == 0:
        first = result.failures["error"].iloc[0]
        raise UserError(f"none of the {len(files)} photos could be read (first: {first})")
    for error in result.failures["error"]:
        warn(f"skipped {error}")
    write_photo_analysis(out, result)
    echo_checking((result.report.get("reading") or {}).get("checking"))
    print_photo_summary(result.stats.sponsors, len(result.stats.photos))
    skipped = f"; {len(result.failures)} unreadable photos skipped" if len(result.failures) else ""
    tables = "sponsors.csv, photos.csv, appearances.csv, detections.parquet"
    rate = f"{len(files) / seconds:.1f} photos/s" if seconds > 0 else "-"
    typer.echo(f"analysed {len(files)} photos in {seconds:.1f} s ({rate})")
    typer.echo(f"wrote {valid_text(str(out))}/report.json, {tables}{skipped}")
