"""Upper bounds on what one run may ask for, defined once; the options are checked before any work starts.

Each bound keeps a single option or file from exhausting memory or time: without them ``--imgsz
100000`` grows to tens of gigabytes before the process is killed. A value past a bound is refused with
one line naming the option, the value and the limit (:class:`~measure.errors.InputError`, exit 3).
The docs' *Inputs and errors* page lists the same numbers.

=============================== ==================================================================
:data:`MAX_IMAGE_PIXELS`        pixels of one photo (width x height), 150 megapixels
:data:`MAX_FRAME_PIXELS`        pixels of one video frame (width x height), 40 megapixels (8K is 33-35)
:data:`MAX_HELD_PHOTO_PIXELS`   pixels of the photos of one batch held at once, 300 megapixels
:data:`MIN_IMGSZ`               smallest inference size, 32 pixels
:data:`MAX_IMGSZ`               largest inference (or training, or export) size, 4096 pixels
:data:`MAX_BATCH`               most frames or photos in one inference batch, 256
:data:`MAX_BATCH_PIXELS`        batch x imgsz x imgsz at most 4096 x 4096 (e.g. 8 at 1280, 40 at 640)
:data:`MAX_FPS`                 most frames per second sampled (``--sample-fps``) or read (``--read-fps``)
:data:`MAX_CONFIG_BYTES`        size of a config or sponsor catalogue file, 4 MB
:data:`MAX_CONFIG_DEPTH`        nesting of a config or catalogue (tables in tables, lists in lists), 32
:data:`MAX_CONFIG_VALUES`       values in a config or catalogue (YAML aliases counted each time), 200,000
=============================== ==================================================================
"""

from __future__ import annotations

import math
from collections.abc import Callable

from measure.errors import InputError

#: Largest photo accepted, in pixels (width x height). 150 megapixels is above any camera's output;
#: larger files are refused as possible decompression bombs (a few KB of PNG can claim gigapixels).
MAX_IMAGE_PIXELS = 150_000_000
#: Most pixels of decoded photos held at once for one inference batch: a batch is cut short when its
#: photos reach it (8 photos of 150 MP would take 3.6 GB), so ``--batch`` never multiplies the
#: largest photo's memory. 300 megapixels are 900 MB in BGR.
MAX_HELD_PHOTO_PIXELS = 2 * MAX_IMAGE_PIXELS
#: Largest video frame accepted, in pixels (width x height): above 8K (7680 x 4320 = 33.2 MP,
#: 8192 x 4320 = 35.4 MP). A frame decoded in BGR takes 3 bytes per pixel.
MAX_FRAME_PIXELS = 40_000_000
#: Smallest inference size, pixels (long side).
MIN_IMGSZ = 32
#: Largest inference, training or export size, pixels (long side). The detector's letterboxed input
#: and activations grow with its square: 4096 already needs gigabytes per image.
MAX_IMGSZ = 4096
#: Most frames or photos in one inference batch.
MAX_BATCH = 256
#: Most pixels in one inference batch: ``batch * imgsz * imgsz`` (one 4096 image, 10 at 1280, 40 at
#: 640). Memory for the detector's activations grows with it.
MAX_BATCH_PIXELS = 4096 * 4096
#: Most frames per second sampled or read: above any camera's frame rate but slow-motion's; to
#: analyse every frame leave ``--sample-fps`` out.
MAX_FPS = 1000.0
#: Largest config or sponsor catalogue file, bytes.
MAX_CONFIG_BYTES = 4_000_000
#: Deepest nesting of tables and lists in a config or catalogue (the real ones need 3).
MAX_CONFIG_DEPTH = 32
#: Most values (tables, lists, scalars) in a config or catalogue, each YAML alias counted every time
#: it is used (so a "billion laughs" file is refused at once).
MAX_CONFIG_VALUES = 200_000


def check_imgsz(imgsz: int, option: str = "--imgsz") -> int:
    """Return ``imgsz`` (pixels) when it lies in [:data:`MIN_IMGSZ`, :data:`MAX_IMGSZ`]; else raise
    :class:`InputError` naming ``option``."""
    if not MIN_IMGSZ <= imgsz <= MAX_IMGSZ:
        raise InputError(
            f"{option} must be between {MIN_IMGSZ} and {MAX_IMGSZ} pixels, got {imgsz} "
            "(larger sizes exhaust memory)"
        )
    return imgsz


def check_batch(batch: int, imgsz: int | None = None, option: str = "--batch") -> int:
    """Return ``batch`` (frames or photos per inference batch) when it is in [1, :data:`MAX_BATCH`]
    and, with ``imgsz`` (pixels), ``batch * imgsz**2 <= MAX_BATCH_PIXELS``; else raise
    :class:`InputError`."""
    if batch < 1:
        raise InputError(f"{option} must be at least 1, got {batch}")
    if batch > MAX_BATCH:
        raise InputError(f"{option} must be at most {MAX_BATCH}, got {batch}")
    if imgsz is not None and batch * imgsz * imgsz > MAX_BATCH_PIXELS:
        most = max(1, MAX_BATCH_PIXELS // (imgsz * imgsz))
        raise InputError(
            f"{option} {batch} at --imgsz {imgsz} is {batch * imgsz * imgsz / 1e6:.1f} megapixels per "
            f"batch (limit {MAX_BATCH_PIXELS / 1e6:.1f}); use --batch {most} or less"
        )
    return batch


def check_fps(fps: float | None, option: str) -> float | None:
    """Return ``fps`` (frames per second; None passes) when it is a finite number in (0,
    :data:`MAX_FPS`]; else raise :class:`InputError` naming ``option``."""
    if fps is None:
        return None
    if not math.isfinite(fps) or fps <= 0:
        raise InputError(f"{option} must be a positive, finite number of frames per second, got {fps}")
    if fps > MAX_FPS:
        raise InputError(f"{option} must be at most {MAX_FPS:g} frames per second, got {fps:g}")
    return fps


def check_frame_pixels(
    display: str, width: int, height: int, error: Callable[[str], InputError] = InputError
) -> None:
    """Raise ``error`` (an :class:`InputError`) naming ``display`` when a ``width`` x ``height`` video
    frame has more than :data:`MAX_FRAME_PIXELS` pixels."""
    if width * height > MAX_FRAME_PIXELS:
        raise error(
            f"{display}: video frames too large: {width}x{height} = {width * height / 1e6:.1f} megapixels "
            f"(limit {MAX_FRAME_PIXELS / 1e6:g})"
        )
