"""Camera and broadcast-chain degradations applied to a finished synthetic frame.

Labels are geometric (where the logo *is*), so none of these move a label; they only make pixels look
like a real broadcast or phone photo: lighting and white balance, motion blur and defocus, sensor noise,
and JPEG / H.264-like compression (low-quality JPEG with visible 8x8 blocks and resolution loss).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np

__all__ = ["DegradeRecipe", "add_noise", "compress", "degrade", "motion_blur", "relight"]


@dataclass(frozen=True)
class DegradeRecipe:
    """Probabilities and ranges of every degradation (units in the field names)."""

    gain: tuple[float, float] = (0.65, 1.3)  # global brightness factor
    gamma: tuple[float, float] = (0.75, 1.35)
    white_balance: float = 0.12  # max per-channel factor deviation
    p_vignette: float = 0.3
    p_motion_blur: float = 0.25
    motion_blur_px: tuple[float, float] = (2.0, 14.0)  # blur length, pixels at 640 px width
    p_defocus: float = 0.2
    defocus_sigma_px: tuple[float, float] = (0.6, 2.2)
    p_noise: float = 0.6
    noise_sigma: tuple[float, float] = (1.0, 9.0)  # grey levels
    p_h264: float = 0.35  # heavy "H.264-like" pass: downscale + low-quality JPEG
    h264_quality: tuple[int, int] = (12, 35)
    h264_downscale: tuple[float, float] = (0.5, 1.0)
    jpeg_quality: tuple[int, int] = (55, 95)  # quality the dataset image is saved at


def relight(img: np.ndarray, rng: np.random.Generator, r: DegradeRecipe) -> np.ndarray:
    """Return the uint8 image with random gain, gamma, white balance and (sometimes) vignetting."""
    gain = rng.uniform(*r.gain)
    wb = 1.0 + rng.uniform(-r.white_balance, r.white_balance, 3)
    gamma = rng.uniform(*r.gamma)
    levels = np.arange(256, dtype=np.float64)[:, None] * (gain * wb)[None, :]
    lut = 255.0 * (np.clip(levels, 0, 255) / 255.0) ** gamma
    out = cv2.LUT(_to_u8(img), np.round(lut).astype(np.uint8).reshape(256, 1, 3))
    if rng.random() < r.p_vignette:
        h, w = out.shape[:2]
        yy, xx = np.ogrid[-1 : 1 : complex(0, h), -1 : 1 : complex(0, w)]
        strength = rng.uniform(0.15, 0.45)
        vig = (1.0 - strength * (xx**2 + yy**2) / 2.0).astype(np.float32)
        out = cv2.multiply(out, cv2.merge([vig, vig, vig]), dtype=cv2.CV_8U)
    return out


def _to_u8(img: np.ndarray) -> np.ndarray:
    if img.dtype == np.uint8:
        return img
    return np.clip(img + 0.5, 0, 255).astype(np.uint8)


def motion_blur(img: np.ndarray, length_px: float, angle_deg: float) -> np.ndarray:
    """Return ``img`` blurred along a line of ``length_px`` pixels at ``angle_deg`` (0 = horizontal)."""
    n = max(3, int(np.ceil(length_px)) | 1)
    k = np.zeros((n, n), np.float32)
    c = n // 2
    dx, dy = np.cos(np.radians(angle_deg)), np.sin(np.radians(angle_deg))
    half = length_px / 2.0
    cv2.line(
        k, (round(c * 16 - dx * half * 16), round(c * 16 - dy * half * 16)),
        (round(c * 16 + dx * half * 16), round(c * 16 + dy * half * 16)), 1.0, 1, cv2.LINE_AA, 4,
    )  # fmt: skip
    k /= max(k.sum(), 1e-6)
    return cv2.filter2D(img, -1, k, borderType=cv2.BORDER_REFLECT)


def compress(img: np.ndarray, quality: int, downscale: float = 1.0) -> np.ndarray:
    """Return the uint8 image after a JPEG round trip at ``quality`` (blocking, ringing, chroma loss),
    optionally at ``downscale`` of the resolution first (detail loss of a low-bitrate stream)."""
    h, w = img.shape[:2]
    src = img
    if downscale < 0.999:
        src = cv2.resize(
            img, (max(8, round(w * downscale)), max(8, round(h * downscale))), interpolation=cv2.INTER_AREA
        )
    ok, buf = cv2.imencode(".jpg", src, [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    if not ok:  # pragma: no cover - OpenCV always encodes uint8 BGR
        raise RuntimeError("JPEG encoding failed")
    out = cv2.imdecode(buf, cv2.IMREAD_COLOR)
    if out.shape[:2] != (h, w):
        out = cv2.resize(out, (w, h), interpolation=cv2.INTER_LINEAR)
    return out


@lru_cache(maxsize=1)
def _noise_tile() -> np.ndarray:
    """A fixed 1024 x 1024 x 3 float32 tile of unit Gaussian noise (luma plus half-strength chroma)."""
    g = np.random.default_rng(20240611)
    luma = g.standard_normal((_TILE, _TILE, 1), dtype=np.float32)
    chroma = (
        cv2.resize(g.standard_normal((_TILE // 2, _TILE // 2, 3), dtype=np.float32), (_TILE, _TILE)) * 0.5
    )
    return np.ascontiguousarray(luma + chroma)


_TILE = 1024


def add_noise(img: np.ndarray, rng: np.random.Generator, sigma: float) -> np.ndarray:
    """Return uint8 ``img`` plus Gaussian sensor noise of ``sigma`` grey levels (a randomly offset and
    flipped window of a fixed noise tile, tiled when the image is larger: cheap and deterministic)."""
    h, w = img.shape[:2]
    tile = _noise_tile()
    if h > _TILE or w > _TILE:
        tile = np.tile(tile, (math.ceil(h / _TILE) + 1, math.ceil(w / _TILE) + 1, 1))
    y0 = int(rng.integers(0, tile.shape[0] - h + 1))
    x0 = int(rng.integers(0, tile.shape[1] - w + 1))
    win = tile[y0 : y0 + h, x0 : x0 + w]
    if rng.random() < 0.5:
        win = win[::-1]
    return cv2.scaleAdd(win, float(sigma), img.astype(np.float32)).clip(0, 255).astype(np.uint8)


def degrade(img: np.ndarray, rng: np.random.Generator, r: DegradeRecipe | None = None) -> np.ndarray:
    """Apply the whole chain (relight, blur, noise, compression) to a BGR image; return uint8."""
    r = r or DegradeRecipe()
    out = relight(img, rng, r)
    scale = out.shape[1] / 640.0
    u = rng.random(4)
    if u[0] < r.p_motion_blur:
        angle = rng.uniform(-25.0, 25.0) + (90.0 if rng.random() < 0.2 else 0.0)  # mostly pans
        out = motion_blur(out, rng.uniform(*r.motion_blur_px) * scale, angle)
    elif u[1] < r.p_defocus:
        out = cv2.GaussianBlur(out, (0, 0), rng.uniform(*r.defocus_sigma_px) * scale)
    if u[2] < r.p_noise:
        out = add_noise(out, rng, rng.uniform(*r.noise_sigma))
    if u[3] < r.p_h264:
        out = compress(out, int(rng.integers(*r.h264_quality, endpoint=True)), rng.uniform(*r.h264_downscale))
    return out
