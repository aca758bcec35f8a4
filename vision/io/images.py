"""Still photos as upright BGR uint8 arrays, and finding the photos under some folders.

Decoding is done by Pillow, which is strict about damaged files (a truncated JPEG is an error, not a
half-grey picture) and understands every colour mode photos come in. The EXIF orientation is
applied, so pictures come out the way a viewer shows them.

Mode handling (the result is always BGR, 8 bits per channel):

* grey, 1-bit and palette images are expanded to three channels;
* 16-bit images are scaled to 8 bits (value / 257);
* CMYK (JPEG, including Adobe's inverted CMYK, and TIFF) and other colour spaces are converted to RGB;
* transparency (RGBA, grey + alpha, palette with a transparent colour) is composited on black:
  fully transparent pixels become black, half transparent ones half as bright.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import warnings
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from PIL import Image, ImageOps

from measure.errors import InputError, first_line
from measure.limits import MAX_IMAGE_PIXELS
from measure.paths import display_path
from vision.io.discovery import IMAGE_SUFFIXES, is_image_path, not_regular, unreadable_file, walk_files

#: Suffixes (lower case) that :func:`iter_images` treats as images.


class ImageError(InputError):
    """An image cannot be read or decoded; the message is one line naming the file and why."""


def _too_large(display: str, width: int, height: int) -> ImageError:
    return ImageError(
        f"{display}: image too large: {width}x{height} = {width * height / 1e6:.1f} megapixels "
        f"(limit {MAX_IMAGE_PIXELS / 1e6:g}; refused as a possible decompression bomb)"
    )


def _composite_on_black(rgb: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """Return ``rgb`` (H x W x C uint8) multiplied by ``alpha`` (H x W uint8) / 255, rounded."""
    a = alpha.astype(np.uint16)[..., None]
    return ((rgb.astype(np.uint16) * a + 127) // 255).astype(np.uint8)


def _to_bgr(img: Image.Image) -> np.ndarray:
    """Return a decoded Pillow image as a contiguous BGR uint8 H x W x 3 array."""
    mode = img.mode
    if mode == "P" and "transparency" in img.info:
        img, mode = img.convert("RGBA"), "RGBA"
    if mode in ("PA", "RGBa", "LA", "La"):
        img, mode = img.convert("RGBA"), "RGBA"  # Pillow un-premultiplies RGBa/La here
    if mode == "RGBA":
        arr = np.asarray(img)
        rgb = _composite_on_black(arr[..., :3], arr[..., 3])
        return np.ascontiguousarray(rgb[..., ::-1])
    if mode.startswith("I;16") or mode == "I":
        arr = np.asarray(img)
        if mode == "I" and arr.size and int(arr.max()) <= 255:
            grey = np.clip(arr, 0, 255).astype(np.uint8)
        else:  # 16-bit data (also 32-bit integer images, read as 16-bit)
            grey = np.round(np.clip(arr.astype(np.float64), 0, 65535) / 257.0).astype(np.uint8)
        return cv2.cvtColor(grey, cv2.COLOR_GRAY2BGR)
    if mode == "F":
        arr = np.asarray(img, dtype=np.float64)
        arr = np.nan_to_num(arr, nan=0.0, posinf=255.0, neginf=0.0)
        scale = 255.0 if arr.size and arr.max() <= 1.0 else 1.0
        grey = np.round(np.clip(arr * scale, 0, 255)).astype(np.uint8)
        return cv2.cvtColor(grey, cv2.COLOR_GRAY2BGR)
    if mode in ("1", "L"):
        grey = np.asarray(img.convert("L"))
        return cv2.cvtColor(grey, cv2.COLOR_GRAY2BGR)
    if mode != "RGB":
        img = img.convert("RGB")  # P, CMYK, YCbCr, LAB, HSV, RGBX, ...
    return np.ascontiguousarray(np.asarray(img)[..., ::-1])


def load_image(path: str | os.PathLike[str], max_side: int | None = None) -> np.ndarray:
    """Read a photo and return it as a BGR uint8 H x W x 3 array, upright (EXIF orientation applied).

    ``max_side``: when given, the picture is shrunk (never enlarged) so that its longer side is at
    most ``max_side`` pixels, keeping the aspect ratio; JPEGs are then decoded at reduced size
    directly, which makes 8K photos several times faster to load.

    Raises :class:`ImageError` (one line: file and reason) for a missing, unreadable, empty,
    non-image, damaged or too large (> :data:`MAX_IMAGE_PIXELS`) file; ValueError for a bad
    ``max_side``.
    """
    if max_side is not None and (not isinstance(max_side, int) or max_side < 1):
        raise InputError(f"max_side must be a positive number of pixels, got {max_side!r}")
    name = os.fspath(path)
    display = display_path(name)
    if (why := unreadable_file(name, "image")) is not None:
        raise ImageError(f"{display}: {why}")
    try:
        fh = open(name, "rb")  # noqa: SIM115 - closed below, after Pillow has decoded
    except OSError as exc:
        raise ImageError(f"{display}: cannot read: {exc.strerror or exc}") from None
    with fh:
        if not fh.read(1):
            raise ImageError(f"{display}: empty file (0 bytes)")
        fh.seek(0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            try:
                img = pil_open(fh)
            except Image.DecompressionBombError as exc:  # Pillow's own, higher limit
                m = re.search(r"\((\d+) pixels\)", str(exc))
                size = f"{int(m.group(1)) / 1e6:.1f} megapixels" if m else "too many pixels"
                raise ImageError(
                    f"{display}: image too large: {size} (limit {MAX_IMAGE_PIXELS / 1e6:g}; "
                    "refused as a possible decompression bomb)"
                ) from None
            except Exception:  # Pillow raises many types on unknown bytes
                raise ImageError(f"{display}: not an image or unsupported format") from None
            width, height = img.size
            if width * height > MAX_IMAGE_PIXELS:
                raise _too_large(display, width, height)
            if width < 1 or height < 1:
                raise ImageError(f"{display}: image has no pixels ({width}x{height})")
            try:
                if max_side is not None and max(width, height) > max_side and img.format == "JPEG":
                    s = max_side / max(width, height)
                    img.draft(img.mode, (max(1, round(width * s)), max(1, round(height * s))))
                img.load()
                with contextlib.suppress(Exception):  # broken EXIF: keep the picture as stored
                    img = ImageOps.exif_transpose(img)
                bgr = _to_bgr(img)
            except ImageError:
                raise
            except Exception as exc:  # damaged data: Pillow's decoders raise many types
                raise ImageError(f"{display}: cannot decode image: {first_line(exc)}") from None
    if max_side is not None:
        h, w = bgr.shape[:2]
        if max(h, w) > max_side:
            s = max_side / max(h, w)
            size = (max(1, round(w * s)), max(1, round(h * s)))
            bgr = cv2.resize(bgr, size, interpolation=cv2.INTER_AREA)
    return bgr


def iter_images(
    paths: Sequence[str | os.PathLike[str]], warn: Callable[[str], None] | None = None
) -> Iterator[Path]:
    """Yield every image file under ``paths``: files given directly and, for folders, every file
    below them (recursively, sorted by path), selected by suffix (:data:`IMAGE_SUFFIXES`, any
    case). Folders are searched as :func:`vision.io.discovery.walk_files` does: symlinked folders
    followed (loops cut), hidden files and folders skipped. Each file is yielded once, in the order
    of ``paths``.

    Raises :class:`ImageError` for a path that does not exist, is not a regular file (a named pipe)
    or is a file given directly whose suffix is not an image suffix. A named pipe, socket or device
    inside a folder is skipped and named to ``warn`` (:func:`vision.io.discovery.walk_files`).
    """
    seen: set[Path] = set()
    for p in paths:
        root = Path(p)
        if root.is_dir():
            candidates = walk_files(root, warn=warn, wanted=is_image_path)
        elif root.is_file():
            if not is_image_path(root):
                raise ImageError(
                    f"{display_path(str(root))}: not an image file name (expected one of "
                    f"{', '.join(IMAGE_SUFFIXES)})"
                )
            candidates = [root]
        elif (why := not_regular(root)) is not None:
            raise ImageError(f"{display_path(str(root))}: {why}")
        else:
            raise ImageError(f"{display_path(str(root))}: file or folder not found")
        for c in candidates:
            if c not in seen:
                seen.add(c)
                yield c


def pil_open(fp: Any) -> Image.Image:
    """``PIL.Image.open`` without ultralytics' patch, which tries to pip-install a HEIF plugin on
    unidentified bytes; a file Pillow cannot identify is simply an unreadable image here."""
    patches = sys.modules.get("ultralytics.utils.patches")
    if patches is not None and Image.open is getattr(patches, "image_open", None):
        return patches._image_open(fp)
    return Image.open(fp)
