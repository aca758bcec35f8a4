"""Analyses, start to finish: one video (decode, detect, track, measure) or a set of photos, and the
report that records it all.

``analyze``, ``demo`` and ``batch`` all go through :func:`analyse_video_file`, and ``photos`` and
``batch`` through :func:`analyse_photo_files`, so every front end computes the same numbers the same
way. Writing an analysis folder (tables, thumbnails, rendered reports) is the command line's job.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from measure.errors import InputError
from measure.exposure import aggregate
from measure.hashing import sha256_file
from measure.jsonable import records
from measure.paths import common_path, display_path
from measure.photos import PhotoStats, photo_stats
from measure.settings import Config
from measure.store import tool_info
from vision.inference.checking import CheckedDetector, combined_names
from vision.inference.detector import LogoDetector
from vision.inference.occlusion import ArtworkOcclusion
from vision.inference.photo_analysis import PhotoFailure, detect_photos, empty_photo_detections
from vision.inference.pipeline import VideoAnalysis, analyse_video
from vision.inference.reader import TextReader
from vision.io.discovery import IMAGE_SUFFIXES
from vision.io.images import iter_images
from vision.io.sources import open_video


@dataclass
class AnalysisOutput:
    """Everything an analysis directory holds: the report dict and its three tables."""

    report: dict[str, Any]
    sponsors: pd.DataFrame
    segments: pd.DataFrame
    detections: pd.DataFrame
    analysis: VideoAnalysis
    categories: pd.DataFrame | None = None  # measure.categories.CATEGORY_COLUMNS; None without categories
    context: pd.DataFrame | None = None  # measure.context.CONTEXT_TABLE_COLUMNS (video)
    other_brands: pd.DataFrame | None = None  # measure.ambush.OTHER_BRAND_COLUMNS; None: no whole-frame reads


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


def sponsor_categories(detector: Any, reader: TextReader | None, names: Sequence[str]) -> dict[str, str]:
    """Return ``{sponsor: category}`` of the sponsors ``names`` that the catalogue (the reader's: the
    one given, the one inside a checked detector, or the detector itself when the reader is the
    detector) gives a category, by name or alias; ``{}`` without a catalogue."""
    source = reader if reader is not None else getattr(detector, "reader", None) or detector
    catalogue = getattr(source, "catalogue", None)
    if catalogue is None:
        return {}
    found = {n: catalogue.named(n) for n in names}
    return {n: e.category for n, e in found.items() if e is not None and e.category}


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
    anonymise: bool = True,
    replays: bool = True,
    unread: str = "auto",
    occlusion: ArtworkOcclusion | None = None,
) -> AnalysisOutput:
    """Analyse one video and return its report and tables.

    ``detector`` is the YOLO model or the text reader alone; ``reader``, ``check``, ``unread`` and
    ``read_fps`` add the text reader to a model; ``occlusion`` judges hidden logos against their
    artwork (see :func:`vision.inference.pipeline.analyse_video`).
    ``progress(total_frames, 0)`` may return a callback that receives decoded-frame increments.
    ``anonymise`` is recorded in the settings: whether the pictures written from it blur faces.
    ``replays`` finds the shots that are replays (recorded in the settings; see :mod:`vision.inference.replay`).
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
            replays=replays,
            unread=unread,
            occlusion=occlusion,
        )
    dets = analysis.detections
    wanted = cfg.sponsors or model["classes"]
    if cfg.sponsors:
        dets = dets[dets["sponsor"].isin(cfg.sponsors)]
    categories = sponsor_categories(detector, reader, wanted)
    exposure = aggregate(
        dets, analysis.timeline, cfg.measure, cfg.rate_card, sponsors=wanted, categories=categories
    )
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
            unread=unread if reader is not None and reader is not detector and check else None,
            read_fps=read_fps if reader is not None and reader is not detector else None,
            anonymise=anonymise,
            replays=replays,
        ),
        "reading": reading_block(detector, reader, analysis),
        "tool": tool_info(),
        "stopped": None if analysis.stopped is None else vars(analysis.stopped),
        "sponsors": exposure.sponsors,
        "segments": exposure.segments,
    }
    cats = exposure.categories if len(exposure.categories) else None
    if cats is not None:
        report["categories"] = records(cats)
    others = radar(detector, reader, analysis)
    if others is not None:
        report["other_brands"] = records(others)
    return AnalysisOutput(
        report,
        exposure.sponsors,
        exposure.segments,
        exposure.detections,
        analysis,
        categories=cats,
        context=exposure.context,
        other_brands=others,
    )


def radar(
    detector: LogoDetector | TextReader, reader: TextReader | None, analysis: VideoAnalysis
) -> pd.DataFrame | None:
    """Return the "other brands seen" table (:func:`measure.ambush.other_brands`) of the lines the
    whole-frame reads found that name no sponsor of the reader's catalogue; None when no whole-frame
    read was made (the radar did not run)."""
    from measure.ambush import other_brands
    from vision.inference.other_reads import MatcherRules

    whole = detector if isinstance(detector, TextReader) else reader
    if analysis.other_reads is None or whole is None:
        return None
    others = analysis.other_reads
    return other_brands(others.table(), others.read_times, analysis.timeline, MatcherRules(whole.matcher))


def reading_block(
    detector: LogoDetector | TextReader, reader: TextReader | None, analysis: VideoAnalysis
) -> dict[str, Any] | None:
    """Return the ``reading`` block of a report: how the text reader took part (``mode`` ``reader``
    when it was the detector, ``model+reader`` beside a model), the check of the model's tracks
    (:meth:`vision.inference.checking.TrackChecker.summary`), the number of whole-frame reads and, for
    the reader alone, the crops read again at a previous detection's place and the detections they
    added (``reread``: ``crops``, ``found``; :mod:`vision.inference.reread`); None without a reader.
    Detections found by reading have ``source`` ``text`` in ``detections.parquet``."""
    if isinstance(detector, TextReader):
        return {
            "mode": "reader",
            "checking": None,
            "frame_reads": len(analysis.timeline.times),
            "reread": analysis.reread,
        }
    if reader is None:
        return None
    return {"mode": "model+reader", "checking": analysis.checking, "frame_reads": analysis.reads}


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
    return settings_block(cfg, conf=detector.conf, imgsz=detector.imgsz, device=detector.device, batch=batch)


def analyse_photo_files(
    photos: Sequence[str | Path],
    detector: LogoDetector,
    cfg: Config,
    batch_size: int = 8,
    inputs: Sequence[str | Path] | None = None,
    on_photo: Callable[[int], None] | None = None,
    duplicates: Sequence[tuple[Path, Path]] = (),
    occlusion: ArtworkOcclusion | None = None,
) -> PhotoOutput:
    """Analyse the photo files ``photos`` (in this order) and return the report and tables.

    ``inputs`` are the paths the user named (recorded in the report; default ``photos``).
    ``duplicates`` are ``(copy, first)`` pairs of byte-identical files left out of ``photos``
    (:func:`collect_photos`); the report lists them under ``source.duplicates``.
    ``on_photo(1)`` is called after each photo (for progress bars). Photos that cannot be read
    are listed in ``failures`` and left out of every statistic. ``occlusion`` judges hidden logos
    against their artwork (:mod:`vision.inference.occlusion`).
    """
    cfg.check_sponsors(detector.names)
    wanted = list(cfg.sponsors or detector.names)
    parts: list[pd.DataFrame] = []
    sizes: list[tuple[str, int, int]] = []
    failures: list[tuple[str, str]] = []
    if occlusion:
        occlusion.start()
    for res in detect_photos(photos, detector, batch_size=batch_size, occlusion=occlusion):
        if isinstance(res, PhotoFailure):
            failures.append((display_path(res.path), res.error))
        else:
            sizes.append((display_path(res.path), res.width, res.height))
            if len(res.detections):
                parts.append(res.detections)
        if on_photo is not None:
            on_photo(1)
    dets = pd.concat(parts, ignore_index=True) if parts else empty_photo_detections()
    if isinstance(detector, CheckedDetector):  # the unread policy's decision over the whole archive
        keep = detector.final_keep(dets["frame"].to_numpy())
        if not keep.all():
            dets = dets[keep].reset_index(drop=True)
    table = pd.DataFrame(sizes, columns=["photo", "width", "height"])
    categories = sponsor_categories(detector, None, wanted)
    stats = photo_stats(dets, table, cfg.measure, sponsors=wanted, categories=categories)
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
            "path": common_path(named),
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
    if len(stats.categories):
        report["categories"] = records(stats.categories)
    return PhotoOutput(report, stats, fail)


def photo_reading(detector: Any) -> dict[str, Any] | None:
    """Return the ``reading`` block of a photo report: ``mode`` (``reader`` when the text reader was
    the detector, ``model+reader`` beside a model), the check of the model's detections (every
    detection is its own track) and whether whole photos were read; None without a reader."""
    if isinstance(detector, TextReader):
        return {"mode": "reader", "checking": None, "whole_photo_reads": True}
    if isinstance(detector, CheckedDetector):
        checking = detector.checker.summary() if detector.check else None
        return {"mode": "model+reader", "checking": checking, "whole_photo_reads": detector.read}
    return None


def collect_photos(
    paths: Sequence[Path], warn: Callable[[str], None] | None = None
) -> tuple[list[Path], list[tuple[Path, Path]]]:
    """Return ``(photos, duplicates)``: every image file under ``paths`` (recursively, symlinked
    folders followed, sorted per path), each content once.

    A file whose bytes are identical to an earlier one (a copy in another folder, the same file
    reached twice) is counted once, as ``batch`` does: it goes to ``duplicates`` as
    ``(copy, first)``. Raises ImageError naming a path that does not exist, and :class:`InputError` when
    no image is found. A named pipe, socket or device in a folder is skipped and named to ``warn``.
    """
    found = list(dict.fromkeys(iter_images(paths, warn=warn)))
    if not found:
        kinds = ", ".join(s.lstrip(".") for s in IMAGE_SUFFIXES)
        raise InputError(f"no images ({kinds}) under {', '.join(map(str, paths))}")
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
