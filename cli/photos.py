"""``sponsorlens photos PATH... --out DIR``: per-sponsor statistics of an event-photo archive."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import pandas as pd
import typer

from cli.analyze import CHECK_HELP, READ_PHOTOS_HELP, SPONSORS_HELP, WEIGHTS_HELP
from cli.app import app
from cli.errors import UserError, user_errors, warn
from measure.errors import InputError
from measure.paths import valid_text
from measure.photos import PHOTO_COLUMNS, PhotoStats, photo_stats
from measure.settings import Config
from measure.store import (
    atomic_dir,
    check_disjoint,
    check_output_dir,
    records,
    sha256_file,
    tool_info,
    write_json,
    write_parquet,
)

if TYPE_CHECKING:
    from vision.detector import LogoDetector


@dataclass
class PhotoOutput:
    """Everything a photo analysis directory holds: the report dict and its tables.

    ``sponsors``, ``photos`` and ``appearances`` are those of :class:`measure.photos.PhotoStats`;
    ``detections`` has the photo detection columns plus ``qualifies``; ``failures`` has ``photo``
    and ``error`` (one row per photo that could not be read).
    """

    report: dict[str, Any]
    stats: PhotoStats
    failures: pd.DataFrame


def photo_settings(cfg: Config, detector: LogoDetector, batch: int) -> dict[str, Any]:
    """Return the ``settings`` block of a photo report (thresholds, rate card, run options)."""
    from cli.analysis import settings_block

    return settings_block(cfg, conf=detector.conf, imgsz=detector.imgsz, device=detector.device, batch=batch)


def analyse_photo_files(
    photos: Sequence[str | Path],
    detector: LogoDetector,
    cfg: Config,
    batch_size: int = 8,
    inputs: Sequence[str | Path] | None = None,
    on_photo: Callable[[int], None] | None = None,
    duplicates: Sequence[tuple[Path, Path]] = (),
) -> PhotoOutput:
    """Analyse the photo files ``photos`` (in this order) and return the report and tables.

    ``inputs`` are the paths the user named (recorded in the report; default ``photos``).
    ``duplicates`` are ``(copy, first)`` pairs of byte-identical files left out of ``photos``
    (:func:`collect_photos`); the report lists them under ``source.duplicates``.
    ``on_photo(1)`` is called after each photo (for progress bars). Photos that cannot be read
    are listed in ``failures`` and left out of every statistic.
    """
    from measure.paths import display_path
    from vision.photo_analysis import PhotoFailure, detect_photos, empty_photo_detections

    cfg.check_sponsors(detector.names)
    wanted = list(cfg.sponsors or detector.names)
    parts: list[pd.DataFrame] = []
    sizes: list[tuple[str, int, int]] = []
    failures: list[tuple[str, str]] = []
    for res in detect_photos(photos, detector, batch_size=batch_size):
        if isinstance(res, PhotoFailure):
            failures.append((display_path(res.path), res.error))
        else:
            sizes.append((display_path(res.path), res.width, res.height))
            if len(res.detections):
                parts.append(res.detections)
        if on_photo is not None:
            on_photo(1)
    dets = pd.concat(parts, ignore_index=True) if parts else empty_photo_detections()
    table = pd.DataFrame(sizes, columns=["photo", "width", "height"])
    stats = photo_stats(dets, table, cfg.measure, sponsors=wanted)
    fail = pd.DataFrame(failures, columns=["photo", "error"])
    named = [display_path(p) for p in (inputs if inputs is not None else photos)]
    p = stats.photos
    summary = {
        "photos": len(p),
        "photos_with_any_sponsor": int((p["sponsors"] > 0).sum()),
        "mean_sponsors_per_photo": float(p["sponsors"].mean()) if len(p) else 0.0,
        "detections": int(p["detections"].sum()),
        "qualifying_detections": int(p["qualifying"].sum()),
    }
    report = {
        "source": {
            "kind": "photos",
            "path": _common_path(named),
            "paths": named,
            "photos": len(p),
            "failed": len(fail),
            "duplicates": [{"photo": display_path(c), "same_as": display_path(f)} for c, f in duplicates],
        },
        "model": detector.info(),
        "settings": photo_settings(cfg, detector, batch_size),
        "tool": tool_info(),
        "stopped": None,
        "sponsors": records(stats.sponsors),
        "segments": [],
        "photos": summary,
        "failures": records(fail),
        "reading": photo_reading(detector),
    }
    return PhotoOutput(report, stats, fail)


def photo_reading(detector: Any) -> dict[str, Any] | None:
    """Return the ``reading`` block of a photo report: ``mode`` (``reader`` when the text reader was
    the detector, ``model+reader`` beside a model), the check of the model's detections (every
    detection is its own track) and whether whole photos were read; None without a reader."""
    from vision.checking import CheckedDetector
    from vision.reader import TextReader

    if isinstance(detector, TextReader):
        return {"mode": "reader", "checking": None, "whole_photo_reads": True}
    if isinstance(detector, CheckedDetector):
        checking = detector.checker.summary() if detector.check else None
        return {"mode": "model+reader", "checking": checking, "whole_photo_reads": detector.read}
    return None


def _common_path(paths: Sequence[str]) -> str:
    if len(paths) == 1:
        return paths[0]
    try:
        return os.path.commonpath([os.path.abspath(p) for p in paths])
    except ValueError:  # paths on different drives
        return paths[0]


def collect_photos(paths: Sequence[Path]) -> tuple[list[Path], list[tuple[Path, Path]]]:
    """Return ``(photos, duplicates)``: every image file under ``paths`` (recursively, symlinked
    folders followed, sorted per path), each content once.

    A file whose bytes are identical to an earlier one (a copy in another folder, the same file
    reached twice) is counted once, as ``batch`` does: it goes to ``duplicates`` as
    ``(copy, first)``. Raises ImageError naming a path that does not exist, and UserError when no
    image is found.
    """
    from vision.discovery import IMAGE_SUFFIXES
    from vision.images import iter_images

    found = list(dict.fromkeys(iter_images(paths)))
    if not found:
        kinds = ", ".join(s.lstrip(".") for s in IMAGE_SUFFIXES)
        raise UserError(f"no images ({kinds}) under {', '.join(map(str, paths))}")
    first: dict[tuple[int, str], Path] = {}
    unique: list[Path] = []
    duplicates: list[tuple[Path, Path]] = []
    for path in found:
        try:
            key = (path.stat().st_size, sha256_file(path))
        except OSError:  # unreadable: analysed, and reported as a failure there
            unique.append(path)
            continue
        if key in first:
            duplicates.append((path, first[key]))
        else:
            first[key] = path
            unique.append(path)
    return unique, duplicates


def write_photo_tables(out: Path, result: PhotoOutput) -> None:
    """Write ``report.json``, ``sponsors.csv``, ``photos.csv``, ``appearances.csv`` and
    ``detections.parquet`` into ``out``."""
    write_json(out / "report.json", result.report)
    result.stats.sponsors.to_csv(out / "sponsors.csv", index=False)
    result.stats.photos[list(PHOTO_COLUMNS)].to_csv(out / "photos.csv", index=False)
    result.stats.appearances.to_csv(out / "appearances.csv", index=False)
    write_parquet(result.stats.detections.reset_index(drop=True), out / "detections.parquet")


def print_photo_summary(sponsors: pd.DataFrame, n_photos: int) -> None:
    """Print the per-sponsor archive table to the terminal."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"Sponsor presence in {n_photos} photos")
    cols = ["sponsor", "photos", "rate", "solo", "mean share", "max share", "clarity", "best photo"]
    for c in cols:
        table.add_column(c, justify="left" if c in ("sponsor", "best photo") else "right")
    for row in sponsors.sort_values("photos_with_sponsor", ascending=False, kind="stable").itertuples():
        table.add_row(
            str(row.sponsor),
            str(int(row.photos_with_sponsor)),
            f"{row.photo_rate:.1%}",
            str(int(row.solo_photos)),
            f"{row.mean_screen_share:.2%}",
            f"{row.max_screen_share:.2%}",
            f"{row.mean_clarity:.2f}",
            Path(str(row.best_photo)).name if pd.notna(row.best_photo) else "-",
        )
    Console().print(table)


@app.command()
@user_errors
def photos(
    paths: Annotated[list[Path], typer.Argument(help="Photos or folders of photos (searched recursively).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output directory (written atomically).")],
    weights: Annotated[Path | None, typer.Option(help=WEIGHTS_HELP)] = None,
    conf: Annotated[float, typer.Option(help="Detector confidence threshold, 0-1.")] = 0.25,
    imgsz: Annotated[int, typer.Option(help="Inference size, pixels (long side).")] = 640,
    device: Annotated[str, typer.Option(help="auto, cpu or cuda:N. auto picks CUDA when present.")] = "auto",
    config: Annotated[Path | None, typer.Option(help="TOML/YAML/JSON config: thresholds, rate card.")] = None,
    batch: Annotated[int, typer.Option(help="Photos per inference batch (held in memory together).")] = 8,
    trust_weights: Annotated[bool, typer.Option(help="Load weights even if their checksum fails.")] = False,
    sponsors: Annotated[str | None, typer.Option(help=SPONSORS_HELP)] = None,
    check: Annotated[bool, typer.Option(help=CHECK_HELP)] = True,
    read: Annotated[bool, typer.Option(help=READ_PHOTOS_HELP)] = True,
) -> None:
    """Count the photos each sponsor appears in, with screen share, clarity and solo photos.

    Searches PATHS for jpg, png, webp, tiff and bmp; unreadable photos are listed and skipped.
    """
    from tqdm import tqdm

    from measure.settings import load_config
    from vision.detectors import open_detectors

    cfg = load_config(config)
    if batch < 1:
        raise InputError(f"--batch must be at least 1, got {batch}")
    files, duplicates = collect_photos(paths)
    check_output_dir(out)  # fail now, not after the archive is analysed
    inputs = [*(("PATHS", p) for p in paths), ("--weights", weights), ("--config", config)]
    check_disjoint([(o, p) for o, p in inputs if p is not None], [("--out", out)])
    if duplicates:
        warn(f"{len(duplicates)} photos are byte-identical copies of others and are counted once")
    found = open_detectors(
        weights, sponsors, conf=conf, imgsz=imgsz, device=device, trust_weights=trust_weights
    )
    detector = found.for_stills(check=check, read=read)
    with tqdm(total=len(files), desc="photos", unit="photo", leave=False, dynamic_ncols=True) as bar:
        result = analyse_photo_files(
            files, detector, cfg, batch_size=batch, inputs=paths, on_photo=bar.update, duplicates=duplicates
        )
    if len(result.stats.photos) == 0:
        first = result.failures["error"].iloc[0]
        raise UserError(f"none of the {len(files)} photos could be read (first: {first})")
    for error in result.failures["error"]:
        warn(f"skipped {error}")
    with atomic_dir(out) as tmp:
        write_photo_tables(tmp, result)
    print_photo_summary(result.stats.sponsors, len(result.stats.photos))
    skipped = f"; {len(result.failures)} unreadable photos skipped" if len(result.failures) else ""
    tables = "sponsors.csv, photos.csv, appearances.csv, detections.parquet"
    typer.echo(f"wrote {valid_text(str(out))}/report.json, {tables}{skipped}")
