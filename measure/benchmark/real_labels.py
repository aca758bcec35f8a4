"""Hand labels of real broadcast footage (``tests/data/real_labels.json``): load and validate.

The file lists, per labelled frame, the sponsors whose logos are legible anywhere in it, optionally
one box per legible logo instance (pixels of the stored 1280x1280 frame, xyxy), the split the frame
belongs to (``adapt``: may be used to onboard and fine-tune; ``eval``: never trained on), and for a
clip the time ranges (seconds) in which each sponsor is legible. Pure Python; no pixels.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from measure.errors import InputError

SPLITS = ("adapt", "eval")


class LabelsError(InputError):
    """The labels file is missing or malformed (message names the file and the reason)."""


@dataclass(frozen=True)
class Box:
    """One legible logo instance: sponsor name and xyxy pixels in the stored image."""

    sponsor: str
    xyxy: tuple[float, float, float, float]


@dataclass(frozen=True)
class LabelledFrame:
    """One labelled frame: ``file`` relative to the frames folder, its split, sponsors and boxes."""

    file: str
    split: str
    present: frozenset[str]
    boxes: tuple[Box, ...] = ()
    notes: str = ""

    @property
    def clip(self) -> str:
        """Source clip of the frame, from its name (``08fd33_0_10_png.rf...jpg`` -> ``08fd33_0``)."""
        stem = Path(self.file).name.split("_png")[0].split("_jpg")[0]
        return stem.rsplit("_", 1)[0]


@dataclass(frozen=True)
class RealLabels:
    """The whole labels file: definition of legibility, image size, frames and clip ranges."""

    path: Path
    legible: str
    image_size: tuple[int, int]
    sponsors: tuple[str, ...]
    frames: tuple[LabelledFrame, ...]
    clip_file: str | None = None
    clip_ranges: dict[str, list[list[float]]] = field(default_factory=dict)

    def split(self, name: str) -> list[LabelledFrame]:
        """Return the frames of split ``adapt``, ``eval`` or ``all``."""
        if name == "all":
            return list(self.frames)
        if name not in SPLITS:
            raise LabelsError(f"{self.path}: unknown split {name!r}; use adapt, eval or all")
        return [f for f in self.frames if f.split == name]

    def truth(self, split: str = "eval") -> dict[str, set[str]]:
        """Return ``{file: sponsors legible}`` for the frames of ``split``."""
        return {f.file: set(f.present) for f in self.split(split)}


def _fail(path: Path, msg: str) -> LabelsError:
    return LabelsError(f"{path}: {msg}")


def _box(path: Path, where: str, raw: Any, sponsors: set[str], size: tuple[int, int]) -> Box:
    if not isinstance(raw, dict) or "sponsor" not in raw or "xyxy" not in raw:
        raise _fail(path, f"{where}: a box needs 'sponsor' and 'xyxy'")
    xyxy = raw["xyxy"]
    if not (isinstance(xyxy, list) and len(xyxy) == 4 and all(isinstance(v, int | float) for v in xyxy)):
        raise _fail(path, f"{where}: xyxy must be 4 numbers")
    x1, y1, x2, y2 = (float(v) for v in xyxy)
    if not (0 <= x1 < x2 <= size[0] and 0 <= y1 < y2 <= size[1]):
        raise _fail(path, f"{where}: box {xyxy} is empty or outside the {size[0]}x{size[1]} image")
    if raw["sponsor"] not in sponsors:
        raise _fail(path, f"{where}: box sponsor {raw['sponsor']!r} is not in the sponsors list")
    return Box(str(raw["sponsor"]), (x1, y1, x2, y2))


def load_real_labels(path: str | Path) -> RealLabels:
    """Read and validate a real-footage labels file; raise :class:`LabelsError` naming the problem.

    Checks: known version, every frame's split is ``adapt`` or ``eval``, every sponsor used is in the
    top-level ``sponsors`` list, boxes lie inside the image and their sponsor is marked present, no
    frame is listed twice, and no source clip has frames in both splits (that would leak
    near-duplicate frames from adaptation into evaluation).
    """
    path = Path(path)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise _fail(path, "labels file not found") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise _fail(path, f"unreadable labels file: {e}") from None
    if not isinstance(raw, dict) or raw.get("version") != 1:
        raise _fail(path, "not a version 1 labels file")
    size = tuple(int(v) for v in raw.get("image_size", (0, 0)))
    if len(size) != 2 or min(size) <= 0:
        raise _fail(path, "image_size must be [width, height]")
    sponsors = tuple(raw.get("sponsors", ()))
    known = set(sponsors)
    frames: list[LabelledFrame] = []
    seen: set[str] = set()
    for i, fr in enumerate(raw.get("frames", ())):
        where = f"frames[{i}]"
        if not isinstance(fr, dict) or "file" not in fr:
            raise _fail(path, f"{where}: needs 'file'")
        where = f"frame {fr['file']}"
        if fr["file"] in seen:
            raise _fail(path, f"{where} is listed twice")
        seen.add(fr["file"])
        if fr.get("split") not in SPLITS:
            raise _fail(path, f"{where}: split must be adapt or eval, got {fr.get('split')!r}")
        present = frozenset(fr.get("present", ()))
        unknown = sorted(present - known)
        if unknown:
            raise _fail(path, f"{where}: sponsors not in the sponsors list: {', '.join(unknown)}")
        boxes = tuple(_box(path, where, b, known, size) for b in fr.get("boxes", ()))  # type: ignore[arg-type]
        stray = sorted({b.sponsor for b in boxes} - present)
        if stray:
            raise _fail(path, f"{where}: boxes of sponsors not marked present: {', '.join(stray)}")
        frames.append(LabelledFrame(fr["file"], fr["split"], present, boxes, str(fr.get("notes", ""))))
    clips: dict[str, set[str]] = {}
    for f in frames:
        clips.setdefault(f.clip, set()).add(f.split)
    leaking = sorted(c for c, s in clips.items() if len(s) > 1)
    if leaking:
        raise _fail(path, f"source clips in both splits: {', '.join(leaking)}")
    clip = raw.get("clip") or {}
    ranges = {str(k): [[float(a), float(b)] for a, b in v] for k, v in clip.get("ranges", {}).items()}
    unknown = sorted(set(ranges) - known)
    if unknown:
        raise _fail(path, f"clip ranges for sponsors not in the sponsors list: {', '.join(unknown)}")
    return RealLabels(
        path,
        str(raw.get("legible", "")),
        (size[0], size[1]),
        sponsors,
        tuple(frames),
        clip.get("file"),
        ranges,
    )
