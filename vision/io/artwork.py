"""Load sponsor artwork (the logos a detector is trained on) from a folder.

``LOGOS_DIR`` holds one file per sponsor (``SPONSOR.png|jpg|jpeg|webp|bmp|svg``) and/or one folder per
sponsor (``SPONSOR/``) with several artworks of that sponsor (wordmark, icon, white-on-colour variants).
The sponsor name (file stem or folder name) becomes the detector's class name.

Every artwork is turned into a straight-alpha RGBA array cropped to the bounding box of its visible
pixels: transparent PNG/WebP/SVG keep their alpha; opaque artwork has its flat background keyed out
(background colour = median of the border pixels, alpha rises smoothly with the colour distance to it).
Artwork whose border is not flat (a photo, a gradient) is kept as an opaque rectangle.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from measure.errors import InputError
from vision.io.demo_artwork import DEMO_SPONSORS, make_demo_artwork
from vision.io.images import pil_open

__all__ = [
    "DEMO_SPONSORS",
    "RASTER_SUFFIXES",
    "SUFFIXES",
    "ArtworkError",
    "Logo",
    "key_background",
    "load_artwork",
    "load_logos",
    "make_demo_artwork",
    "valid_sponsor_name",
]

RASTER_SUFFIXES: tuple[str, ...] = (".png", ".jpg", ".jpeg", ".webp", ".bmp")
SUFFIXES: tuple[str, ...] = (*RASTER_SUFFIXES, ".svg")

#: Longest side (pixels) artwork is kept at; larger artwork is downscaled (area interpolation).
MAX_SIDE = 1024
#: SVGs are rendered so that their longest side is this many pixels.
SVG_SIDE = 768
#: Colour distance (0..441, RGB euclidean) below which a pixel is pure background (alpha 0) ...
KEY_LOW = 18.0
#: ... and above which it is pure artwork (alpha 255); linear in between (soft, anti-aliased edges).
KEY_HIGH = 60.0
#: Border pixels must be this close (colour distance) to their median for the border to count as flat ...
FLAT_TOL = 30.0
#: ... for at least this fraction of the border pixels.
FLAT_SHARE = 0.9
#: Pixels with alpha at or below this are treated as empty when cropping.
CROP_ALPHA = 8

_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _.&'+-]{0,63}$")


class ArtworkError(InputError):
    """Sponsor artwork is missing, unreadable or badly named (message names the file and the reason)."""


@dataclass(frozen=True, eq=False)
class Logo:
    """One artwork of one sponsor.

    ``rgba`` is an (H, W, 4) uint8 array in **RGBA** channel order with straight (not premultiplied)
    alpha, cropped to the bounding box of the pixels with alpha > ``CROP_ALPHA``.
    """

    sponsor: str
    path: Path
    rgba: np.ndarray

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) in pixels."""
        return int(self.rgba.shape[1]), int(self.rgba.shape[0])


def valid_sponsor_name(name: str) -> bool:
    """Return True if ``name`` can be a class name: 1-64 characters, starting with a letter or digit,
    then letters, digits, spaces and ``_ . & ' + -``."""
    return bool(_NAME_RE.match(name)) and name == name.strip()


def load_logos(logos_dir: str | Path) -> dict[str, list[Logo]]:
    """Load every sponsor's artwork from ``logos_dir``.

    Returns ``{sponsor: [Logo, ...]}`` sorted by sponsor name (the order is the class index order).
    Hidden files (starting with ``.``) are skipped. Raises :class:`ArtworkError` if the folder does not
    exist or holds no artwork, if a file cannot be read or has an unsupported suffix, if a sponsor name
    is not a valid class name, or if two sponsor names differ only in letter case.
    """
    root = Path(logos_dir)
    if not root.is_dir():
        raise ArtworkError(f"{root}: logos folder does not exist")
    found: dict[str, list[Path]] = {}
    for entry in sorted(root.iterdir()):
        if entry.name.startswith("."):
            continue
        if entry.is_dir():
            sponsor = entry.name
            files = [p for p in sorted(entry.iterdir()) if p.is_file() and not p.name.startswith(".")]
            if not files:
                raise ArtworkError(f"{entry}: sponsor folder is empty (put one or more artworks in it)")
        else:
            sponsor = entry.stem
            files = [entry]
        for f in files:
            if f.suffix.lower() not in SUFFIXES:
                raise ArtworkError(f"{f}: unsupported artwork type {f.suffix!r} (use {', '.join(SUFFIXES)})")
        if not valid_sponsor_name(sponsor):
            raise ArtworkError(
                f"{entry}: sponsor name {sponsor!r} is not a valid class name "
                "(1-64 characters: letters, digits, space, _ . & ' + -, starting with a letter or digit)"
            )
        found.setdefault(sponsor, []).extend(files)
    if not found:
        raise ArtworkError(
            f"{root}: no sponsor artwork found (expected SPONSOR.png|jpg|svg or SPONSOR/ folders)"
        )
    lower: dict[str, str] = {}
    for sponsor in found:
        other = lower.setdefault(sponsor.lower(), sponsor)
        if other != sponsor:
            raise ArtworkError(f"{root}: sponsor names {other!r} and {sponsor!r} differ only in letter case")
    return {s: [Logo(s, p, load_artwork(p)) for p in found[s]] for s in sorted(found)}


def load_artwork(path: str | Path) -> np.ndarray:
    """Read one artwork file and return its (H, W, 4) uint8 RGBA array, background keyed out if it was
    opaque, downscaled to at most ``MAX_SIDE`` pixels and cropped to its visible pixels.

    Raises :class:`ArtworkError` for unreadable, empty or fully transparent files.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".svg":
        rgba = _render_svg(path)
    elif suffix in RASTER_SUFFIXES:
        rgba = _read_raster(path)
    else:
        raise ArtworkError(f"{path}: unsupported artwork type {path.suffix!r} (use {', '.join(SUFFIXES)})")
    if rgba.shape[0] < 2 or rgba.shape[1] < 2:
        raise ArtworkError(f"{path}: artwork is smaller than 2x2 pixels")
    if int(rgba[..., 3].min()) >= 250:
        rgba = key_background(rgba)
    rgba = _limit_size(rgba, MAX_SIDE)
    cropped = _crop_to_alpha(rgba)
    if cropped is None:
        raise ArtworkError(f"{path}: artwork is fully transparent (nothing to detect)")
    return cropped


def key_background(rgba: np.ndarray) -> np.ndarray:
    """Key out the flat background of opaque artwork.

    The background colour is the median of the outermost 2-pixel border. If at least ``FLAT_SHARE`` of
    the border lies within ``FLAT_TOL`` of it, alpha becomes ``(d - KEY_LOW) / (KEY_HIGH - KEY_LOW)``
    clipped to 0..1, where ``d`` is each pixel's RGB distance to the background colour; otherwise the
    artwork is returned unchanged (an opaque rectangle). Returns a new RGBA uint8 array.
    """
    rgb = rgba[..., :3].astype(np.float32)
    h, w = rgb.shape[:2]
    b = max(1, min(2, h // 4, w // 4))
    border = np.concatenate(
        [
            rgb[:b].reshape(-1, 3),
            rgb[-b:].reshape(-1, 3),
            rgb[:, :b].reshape(-1, 3),
            rgb[:, -b:].reshape(-1, 3),
        ]
    )
    bg = np.median(border, axis=0)
    if np.mean(np.linalg.norm(border - bg, axis=1) <= FLAT_TOL) < FLAT_SHARE:
        return rgba.copy()
    dist = np.linalg.norm(rgb - bg, axis=2)
    alpha = np.clip((dist - KEY_LOW) / (KEY_HIGH - KEY_LOW), 0.0, 1.0)
    out = rgba.copy()
    out[..., 3] = np.round(alpha * 255.0).astype(np.uint8)
    return out


def _read_raster(path: Path) -> np.ndarray:
    try:
        with pil_open(path) as im:
            im.load()
            upright = ImageOps.exif_transpose(im)  # phone photos: apply the EXIF orientation
            return np.asarray(upright.convert("RGBA"), dtype=np.uint8).copy()
    except FileNotFoundError:
        raise ArtworkError(f"{path}: file not found") from None
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise ArtworkError(f"{path}: cannot read image ({exc.__class__.__name__}: {exc})") from None


def _render_svg(path: Path) -> np.ndarray:
    import resvg_py

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ArtworkError(f"{path}: cannot read SVG ({exc})") from None
    try:
        png = resvg_py.svg_to_bytes(svg_string=text, resources_dir=str(path.parent))
        with pil_open(io.BytesIO(bytes(png))) as im:
            w, h = im.size
        scale = SVG_SIDE / max(w, h, 1)
        png = resvg_py.svg_to_bytes(
            svg_string=text, resources_dir=str(path.parent), width=max(1, round(w * scale))
        )
        with pil_open(io.BytesIO(bytes(png))) as im:
            return np.asarray(im.convert("RGBA"), dtype=np.uint8).copy()
    except Exception as exc:  # resvg raises plain exceptions for malformed SVG
        raise ArtworkError(f"{path}: cannot render SVG ({exc})") from None


def _limit_size(rgba: np.ndarray, max_side: int) -> np.ndarray:
    h, w = rgba.shape[:2]
    if max(h, w) <= max_side:
        return rgba
    scale = max_side / max(h, w)
    # Resize premultiplied ("RGBa") so transparent pixels' colour does not bleed into the edges.
    im = (
        Image.fromarray(rgba, "RGBA")
        .convert("RGBa")
        .resize((max(1, round(w * scale)), max(1, round(h * scale))), Image.Resampling.BOX)
        .convert("RGBA")
    )
    return np.asarray(im, dtype=np.uint8).copy()


def _crop_to_alpha(rgba: np.ndarray) -> np.ndarray | None:
    mask = rgba[..., 3] > CROP_ALPHA
    if not mask.any():
        return None
    ys = np.flatnonzero(mask.any(axis=1))
    xs = np.flatnonzero(mask.any(axis=0))
    return np.ascontiguousarray(rgba[ys[0] : ys[-1] + 1, xs[0] : xs[-1] + 1])


def select_logos(logos: dict[str, list[Logo]], names: list[str], where: str | Path) -> dict[str, list[Logo]]:
    """Return the artwork of exactly the sponsors ``names`` (a catalogue's), keyed and named as
    ``names`` spells them: an artwork's sponsor matches a name case-insensitively. Raises
    :class:`ArtworkError` naming the sponsors that have no artwork in ``where`` (the logos folder)."""
    by_fold = {s.casefold(): s for s in logos}
    missing = [n for n in names if n.casefold() not in by_fold]
    if missing:
        raise ArtworkError(
            f"{where}: no artwork for {', '.join(missing)} (found: {', '.join(logos)}); "
            "add SPONSOR.png|jpg|svg or a SPONSOR/ folder for each"
        )
    bad = [n for n in names if not valid_sponsor_name(n)]
    if bad:
        raise ArtworkError(f"sponsor names {', '.join(map(repr, bad))} are not valid class names")
    out = {n: [Logo(n, lg.path, lg.rgba) for lg in logos[by_fold[n.casefold()]]] for n in names}
    return dict(sorted(out.items()))
