"""The user's own footage as training material: sample it, detect and track, sort sure from unsure.

``sponsorlens adapt`` (self-training) keeps the *sure* detections as pseudo-labels, and
``sponsorlens review`` shows the *uncertain* ones to a person. Both start with :func:`sample_footage`.
It writes the sampled frames as JPEGs to a work folder, so memory stays flat however long the
footage is. It detects at a low threshold.

Videos are sampled in **bursts**: at each sampling time, :data:`BURST_FRAMES` frames
:data:`BURST_SPACING_S` apart are detected and tracked (ByteTrack, reset for each burst), and the
middle one is kept. A burst is short enough that the camera barely moves, so tracking is reliable
whatever the sampling rate, even one frame a minute over a whole match.

A detection is **sure** when its confidence is at least ``keep_conf`` and it is consistent:

- in a video, its track is found in at least ``min_track`` frames of its burst (a logo that persists);
- in a still photo, where there is no time, the detector finds the same sponsor at a second
  inference size (3/4 of the first), overlapping at IoU >= ``confirm_iou``.

Any other detection is **uncertain**.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from measure.errors import InputError
from measure.geometry import box_iou
from vision.inference.detections import Detections
from vision.inference.detector import LogoDetector
from vision.io.discovery import walk_files

#: Sampled frames are written at this JPEG quality.
JPEG_QUALITY = 95
#: Frames per video burst, and the time between them in seconds.
BURST_FRAMES = 3
BURST_SPACING_S = 0.1


@dataclass(frozen=True)
class PseudoRule:
    """When a detection is sure (see the module docstring). Confidences in 0..1."""

    keep_conf: float = 0.5
    min_track: int = BURST_FRAMES  # frames of its burst a video track must be found in
    confirm_iou: float = 0.5  # stills: overlap with the same sponsor at the second size


def pseudo_rule(conf: float, low_conf: float, min_track: int) -> PseudoRule:
    """Return the :class:`PseudoRule` for the ``--conf``, ``--low-conf`` and ``--min-track`` options.

    Raises ValueError, naming the options, unless 0 < low_conf < conf < 1 and 1 <= min_track <=
    :data:`BURST_FRAMES`.
    """
    if not 0 < low_conf < conf < 1:
        raise InputError(f"need 0 < --low-conf < --conf < 1, got {low_conf} and {conf}")
    if not 1 <= min_track <= BURST_FRAMES:
        raise InputError(f"--min-track must be 1 to {BURST_FRAMES}, got {min_track}")
    return PseudoRule(keep_conf=conf, min_track=min_track)


@dataclass(eq=False)
class FootageFrame:
    """One sampled frame: where it was written, where it came from and what was detected.

    ``t`` is seconds into the video (0.0 for a still); ``dets`` were found at the detector's
    threshold. Per detection, ``track_frames`` (videos) is the number of burst frames its track was
    found in, and ``confirmed`` (stills) whether the second inference size found it too.
    """

    stem: str
    path: Path
    source: str
    t: float
    is_video: bool
    dets: Detections
    track_frames: np.ndarray | None = None
    confirmed: np.ndarray | None = None


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name)[:60] or "frame"


def sample_footage(
    sources: Sequence[str | Path],
    detector: LogoDetector,
    out_dir: str | Path,
    sample_fps: float = 1.0,
    max_frames: int = 300,
    progress: bool = True,
    anonymise: bool = True,
) -> list[FootageFrame]:
    """Sample, write and detect frames of videos, photos and folders of either.

    Each video gives at most ``sample_fps`` frames (bursts) per second, lowered so that all the
    footage gives about ``max_frames`` frames (a long match is sampled evenly rather than cut
    short). Photos are read in full; with more than ``max_frames`` of them (half that beside
    videos), an evenly spaced subset is used. Frames are written to ``out_dir/NAME.jpg``, with their
    faces blurred (not their logos) unless ``anonymise`` is false (:mod:`vision.inference.faces`).
    Returns the frames in source order.
    """
    if not (sample_fps > 0 and math.isfinite(sample_fps)) or max_frames < 1:
        raise InputError(f"need --sample-fps > 0 and --max-frames >= 1, got {sample_fps} and {max_frames}")
    from vision.inference.faces import anonymiser
    from vision.io.discovery import is_video_path
    from vision.io.images import iter_images, load_image
    from vision.io.sources import open_video

    blur = anonymiser(anonymise)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    videos: list[Path] = []
    stills: list[Path] = []
    for s in sources:
        p = Path(s)
        if p.is_file() and is_video_path(p):
            videos.append(p)
        elif p.is_dir():
            videos += [f for f in walk_files(p) if is_video_path(f)]
            stills += list(iter_images([p]))
        else:
            stills += list(iter_images([p]))  # raises a clear error for anything else
    if not videos and not stills:
        raise InputError(f"no videos or images in {', '.join(map(str, sources))}")
    durations = []
    for v in videos:
        with open_video(v) as src:  # a clear error for a broken video before any work is done
            durations.append(src.info.duration_s)
    total_s = sum(durations)
    n_stills = min(len(stills), max_frames // 2 if videos else max_frames)
    if len(stills) > n_stills:
        stills = [stills[i] for i in np.linspace(0, len(stills) - 1, max(1, n_stills)).round().astype(int)]
    rate = min(sample_fps, (max_frames - len(stills)) / total_s) if total_s > 0 else sample_fps
    bar = _bar(progress, len(stills) + sum(math.ceil(d * rate - 1e-9) for d in durations))
    frames: list[FootageFrame] = []
    used: Counter[str] = Counter()
    try:
        for v in videos:
            frames += _video_frames(v, detector, out, rate, used, bar, blur)
        for p in stills:
            image = load_image(p)
            frames.append(_still_frame(p, image, detector, out, used, blur))
            if bar is not None:
                bar.update(1)
    finally:
        if bar is not None:
            bar.close()
    return frames


def _bar(progress: bool, total: int) -> Any:
    if not progress:
        return None
    from tqdm import tqdm

    return tqdm(total=total, desc="reading footage", unit="frame")


def _unique(stem: str, used: Counter[str]) -> str:
    used[stem] += 1
    return stem if used[stem] == 1 else f"{stem}_{used[stem]}"


def _video_frames(
    path: Path, detector: LogoDetector, out: Path, rate: float, used: Counter[str], bar: Any, blur: Any = None
) -> list[FootageFrame]:
    """Detect and track one burst per ``1 / rate`` seconds of ``path``; return the bursts' middle frames."""
    from vision.inference.tracker import SponsorTracker
    from vision.io.sources import Frame, open_video

    frames = []
    period = 1.0 / rate
    next_start = 0.0
    burst: list[Frame] = []
    with open_video(path, sample_fps=1.0 / BURST_SPACING_S) as src:
        for f in src:
            if not burst and f.t + 1e-6 < next_start:
                continue
            burst.append(f)
            if len(burst) < BURST_FRAMES:
                continue
            tracker = SponsorTracker(
                1.0 / BURST_SPACING_S, memory_s=BURST_SPACING_S * BURST_FRAMES, names=detector.names
            )
            dets = detector.predict([b.image for b in burst], [b.index for b in burst], [b.t for b in burst])
            for b, d in zip(burst, dets, strict=True):
                tracker.update(d, b.image.shape[:2])
            seen = Counter(int(t) for d in dets for t in d.track_id if t >= 0)
            mid, d = burst[len(burst) // 2], dets[len(burst) // 2]
            lasting = np.array([seen[int(t)] if t >= 0 else 0 for t in d.track_id], np.int64)
            stem = _unique(f"{_safe(path.stem)}_{mid.index:06d}", used)
            frames.append(
                FootageFrame(stem, _write(out, stem, mid.image, blur, d), str(path), mid.t, True, d, lasting)
            )
            while next_start <= burst[-1].t + 1e-6:  # bursts start on a fixed grid of sampling times
                next_start += period
            burst = []
            if bar is not None:
                bar.update(1)
    return frames


def _still_frame(
    path: Path, image: np.ndarray, detector: LogoDetector, out: Path, used: Counter[str], blur: Any = None
) -> FootageFrame:
    first = detector.predict([image], [0], [0.0])[0]
    alt = max(32, round(detector.imgsz * 0.75 / 32) * 32)
    second = detector.predict([image], [0], [0.0], imgsz=alt)[0]
    confirmed = np.array([_found_in(first, i, second) for i in range(len(first))], bool)
    stem = _unique(_safe(path.stem), used)
    return FootageFrame(
        stem, _write(out, stem, image, blur, first), str(path), 0.0, False, first, confirmed=confirmed
    )


def _found_in(dets: Detections, i: int, other: Detections, min_iou: float = 0.5) -> bool:
    """Whether detection ``i`` of ``dets`` is in ``other`` too: same sponsor, box IoU >= ``min_iou``."""
    same = np.flatnonzero(other.sponsor == dets.sponsor[i])
    return bool(len(same)) and float(box_iou(dets.xyxy[i], other.xyxy[same]).max()) >= min_iou


def _write(out: Path, stem: str, image: np.ndarray, blur: Any = None, dets: Detections | None = None) -> Path:
    """Write the frame (faces blurred by ``blur``, an Anonymiser, except on ``dets``' logos); return its path."""
    if blur is not None:
        image = blur(image.copy(), dets.corners if dets is not None else ())
    path = out / f"{stem}.jpg"
    if not cv2.imwrite(str(path), image, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY]):
        raise OSError(f"{path}: could not write the sampled frame")
    return path


def sure_mask(frames: Sequence[FootageFrame], rule: PseudoRule) -> list[np.ndarray]:
    """Return, per frame, a bool array marking its sure detections (module docstring)."""
    masks = []
    for f in frames:
        confident = f.dets.confidence >= rule.keep_conf
        if f.is_video:
            lasting = f.track_frames if f.track_frames is not None else np.zeros(len(f.dets), np.int64)
            masks.append(confident & (lasting >= rule.min_track))
        else:
            confirmed = f.confirmed if f.confirmed is not None else np.zeros(len(f.dets), bool)
            masks.append(confident & confirmed)
    return masks


def pseudo_labelled(
    frames: Sequence[FootageFrame], rule: PseudoRule
) -> list[tuple[FootageFrame, np.ndarray, np.ndarray]]:
    """Return the frames fit for pseudo-labels, each with the indices of its sure and uncertain detections.

    A frame qualifies when it has at least one sure detection. Its uncertain detections must be
    hidden (:func:`hide_boxes`) before it is trained on: left as they are, they would teach the model
    that a possible logo is background.
    """
    out = []
    for f, sure in zip(frames, sure_mask(frames, rule), strict=True):
        if sure.any():
            out.append((f, np.flatnonzero(sure), np.flatnonzero(~sure)))
    return out


def hide_boxes(image: np.ndarray, boxes: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """Return a copy of ``image`` with each xyxy box of ``boxes`` (pixels) blurred beyond recognition.

    Pixels inside any box of ``keep`` (the sure detections) are left as they are. Blurring, not
    painting, keeps the region's colour and brightness, so no new edge is learnt.
    """
    out = image.copy()
    h, w = image.shape[:2]
    protect = np.zeros((h, w), bool)
    for x1, y1, x2, y2 in np.round(keep).astype(int):
        protect[max(0, y1) : y2, max(0, x1) : x2] = True
    for x1, y1, x2, y2 in np.round(boxes).astype(int):
        x1, y1, x2, y2 = max(0, x1), max(0, y1), min(w, x2), min(h, y2)
        if x2 - x1 < 1 or y2 - y1 < 1:
            continue
        region = out[y1:y2, x1:x2]
        sigma = max(3.0, 0.5 * max(x2 - x1, y2 - y1))
        blurred = cv2.GaussianBlur(region, (0, 0), sigma, borderType=cv2.BORDER_REPLICATE)
        mask = ~protect[y1:y2, x1:x2]
        region[mask] = blurred[mask]
    return out


def review_order(
    frames: Sequence[FootageFrame], sure: Sequence[np.ndarray], limit: int, keep_conf: float
) -> list[int]:
    """Return the indices of up to ``limit`` frames holding uncertain detections, most informative first.

    ``sure`` is :func:`sure_mask` of all ``frames``. Frames are ranked by their number of uncertain
    detections, then by how close the most borderline one is to ``keep_conf`` (closest first).
    """
    scored = []
    for i, (f, s) in enumerate(zip(frames, sure, strict=True)):
        unsure = ~s
        if unsure.any():
            margin = float(np.abs(f.dets.confidence[unsure] - keep_conf).min())
            scored.append((-int(unsure.sum()), margin, i))
    scored.sort()
    return [i for _, _, i in scored[:limit]]
