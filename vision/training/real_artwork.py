"""Sponsor artwork cropped from real frames of the footage, the way an analyst would onboard.

``tests/data/real_artwork.json`` lists, per sponsor, crops (frame file + xyxy pixels of the stored
1280x1280 frame) of clean, frontal, large instances in the *adaptation* split. The media stay in
``../shared/real``; :func:`extract_artwork` cuts the crops at run time into a ``LOGOS_DIR`` layout
(``OUT/SPONSOR/crop_N.png``) that ``sponsorlens train`` reads.

The stored frames are 16:9 broadcast frames stretched to 1280x1280, so a crop is first resized
back to the 16:9 aspect (height x 720/1280) and then upscaled so that its short side is at least
:data:`MIN_SHORT_SIDE` pixels.
"""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np

from measure.errors import InputError

#: Crops are upscaled (cubic) until their short side is at least this many pixels.
MIN_SHORT_SIDE = 64
#: The stored frames are 16:9 frames stretched vertically by 1280/720; crops are squeezed back.
ASPECT_FIX = 720 / 1280


class ArtworkSpecError(InputError):
    """The artwork spec file, a frame it names, or a crop box is missing or invalid."""


def _load_spec(spec_json: Path) -> dict[str, list[dict]]:
    try:
        spec = json.loads(spec_json.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ArtworkSpecError(f"{spec_json}: artwork spec not found") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ArtworkSpecError(f"{spec_json}: unreadable artwork spec: {e}") from None
    crops = spec.get("sponsors") if isinstance(spec, dict) else None
    if not isinstance(crops, dict) or not crops:
        raise ArtworkSpecError(f"{spec_json}: needs a non-empty 'sponsors' object")
    return crops


def crop_logo(image: np.ndarray, xyxy: list[float], aspect_fix: float = ASPECT_FIX) -> np.ndarray:
    """Return the BGR crop ``xyxy`` of ``image``, squeezed to 16:9 aspect and upscaled to a 64 px short side."""
    h, w = image.shape[:2]
    x1, y1, x2, y2 = (round(v) for v in xyxy)
    x1, y1, x2, y2 = max(0, x1), max(0, y1), min(w, x2), min(h, y2)
    if x2 - x1 < 2 or y2 - y1 < 2:
        raise ArtworkSpecError(f"crop box {xyxy} is empty inside the {w}x{h} frame")
    crop = image[y1:y2, x1:x2]
    cw, ch = x2 - x1, max(1, round((y2 - y1) * aspect_fix))
    scale = max(1.0, MIN_SHORT_SIDE / min(cw, ch))
    size = (round(cw * scale), round(ch * scale))
    interp = cv2.INTER_CUBIC if scale > 1 or ch > (y2 - y1) else cv2.INTER_AREA
    return cv2.resize(crop, size, interpolation=interp)


def extract_artwork(real_dir: str | Path, spec_json: str | Path, out_dir: str | Path) -> list[Path]:
    """Cut the artwork crops listed in ``spec_json`` from the frames under ``real_dir``.

    ``real_dir`` is the folder holding ``dfl_frames/`` (e.g. ``../shared/real``); crop files are
    relative to ``dfl_frames/``. Writes ``out_dir/SPONSOR/crop_N.png`` (N from 1) and returns the
    written paths. Raises :class:`ArtworkSpecError` for a bad spec, a missing frame or an empty box.
    """
    real_dir, spec_json, out_dir = Path(real_dir), Path(spec_json), Path(out_dir)
    frames_dir = real_dir / "dfl_frames"
    if not frames_dir.is_dir():
        raise ArtworkSpecError(f"{frames_dir}: frames folder not found")
    written: list[Path] = []
    cache: dict[str, np.ndarray] = {}
    for sponsor, crops in sorted(_load_spec(spec_json).items()):
        if not isinstance(crops, list) or not crops:
            raise ArtworkSpecError(f"{spec_json}: sponsor {sponsor!r} needs a list of crops")
        target = out_dir / sponsor
        target.mkdir(parents=True, exist_ok=True)
        for n, c in enumerate(crops, start=1):
            file = c.get("file") if isinstance(c, dict) else None
            if not file or "xyxy" not in c:
                raise ArtworkSpecError(f"{spec_json}: {sponsor} crop {n} needs 'file' and 'xyxy'")
            if file not in cache:
                img = cv2.imread(str(frames_dir / file), cv2.IMREAD_COLOR)
                if img is None:
                    raise ArtworkSpecError(f"{frames_dir / file}: frame missing or unreadable")
                cache[file] = img
            try:
                crop = crop_logo(cache[file], c["xyxy"])
            except ArtworkSpecError as e:
                raise ArtworkSpecError(f"{spec_json}: {sponsor} crop {n}: {e}") from None
            path = target / f"crop_{n}.png"
            cv2.imwrite(str(path), crop)
            written.append(path)
    return written
