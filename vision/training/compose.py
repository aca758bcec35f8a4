"""Compositing with exact bookkeeping: paste warped artwork into a frame and know its visible pixels.

Every logo instance is warped **once**, straight from its artwork to the frame (a homography, optionally
followed by a smooth cloth/flag displacement), so the pixels it changes are exactly its warped alpha.
The :class:`Canvas` keeps, per instance, the alpha that is still visible: every later layer (another
logo, a player, a graphic) multiplies it by ``1 - alpha_of_the_layer`` where they overlap. Labels are
then read off those masks.

Coordinates: warps use OpenCV's pixel-centre convention (pixel ``i`` is centred at ``i``). Labels and
polygons returned by :meth:`Canvas.labels` use *edge* coordinates (pixel ``i`` covers ``[i, i+1)``),
the convention of YOLO label files, so a full-frame box is ``(0, 0, W, H)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from vision.io.artwork import Logo

__all__ = [
    "ALPHA_BOX",
    "Canvas",
    "Displacement",
    "Field",
    "Instance",
    "Label",
    "LogoBank",
    "clip_polygon",
    "plane_homography",
    "polygon_area",
    "quad_to_4",
    "rect_homography",
]

#: Pixels whose visible alpha exceeds this count toward an instance's box (fraction 0..1).
ALPHA_BOX = 0.25


@dataclass(frozen=True)
class Label:
    """One labelled sponsor instance in a rendered image.

    ``polygon`` is the (4, 2) warped quad of the artwork's alpha bounding box, clipped to the frame (and
    to the board it is shown on), in pixels (edge coordinates). ``xyxy`` is the bounding box of the
    instance's visible alpha (> ``ALPHA_BOX``) in pixels. ``visible_fraction`` is the visible alpha mass
    divided by the alpha mass the instance would have unoccluded and untruncated (0..1).
    """

    cls: int
    sponsor: str
    polygon: np.ndarray
    xyxy: tuple[float, float, float, float]
    visible_fraction: float

    @property
    def short_side_px(self) -> float:
        """Short side of the minimum-area rectangle around ``polygon``, pixels."""
        (_, _), (w, h), _ = cv2.minAreaRect(self.polygon.astype(np.float32))
        return float(min(w, h))


@dataclass
class Instance:
    """Bookkeeping of one pasted logo: ``alpha`` is its still-visible alpha (0..1) over the frame region
    starting at ``(x0, y0)``; ``full_mass`` its alpha mass (pixels) if nothing hid or truncated it."""

    cls: int
    sponsor: str
    x0: int
    y0: int
    alpha: np.ndarray
    full_mass: float
    polygon: np.ndarray  # (K, 2) clipped polygon, edge coordinates


@dataclass
class Field:
    """A float32 array over the frame region whose top-left pixel is ``(x0, y0)``; ``fill`` outside."""

    x0: int
    y0: int
    data: np.ndarray
    fill: float = 0.0

    def window(self, x0: int, y0: int, w: int, h: int) -> np.ndarray:
        """The field over the frame window ``(x0, y0, w, h)`` as a new (h, w) float32 array."""
        out = np.full((h, w), self.fill, np.float32)
        fh, fw = self.data.shape
        ax0, ay0 = max(x0, self.x0), max(y0, self.y0)
        ax1, ay1 = min(x0 + w, self.x0 + fw), min(y0 + h, self.y0 + fh)
        if ax0 < ax1 and ay0 < ay1:
            out[ay0 - y0 : ay1 - y0, ax0 - x0 : ax1 - x0] = self.data[
                ay0 - self.y0 : ay1 - self.y0, ax0 - self.x0 : ax1 - self.x0
            ]
        return out

    def at(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Nearest-pixel values at frame points (``fill`` outside)."""
        fh, fw = self.data.shape
        xi = np.round(np.asarray(x)).astype(int) - self.x0
        yi = np.round(np.asarray(y)).astype(int) - self.y0
        ok = (xi >= 0) & (yi >= 0) & (xi < fw) & (yi < fh)
        out = np.full(xi.shape, self.fill, np.float64)
        out[ok] = self.data[yi[ok], xi[ok]]
        return out


@dataclass
class Displacement:
    """A smooth displacement over part of the frame (cloth, flags): the pixel at ``(x, y)`` shows what an
    undisplaced warp would show at ``(x + dx, y + dy)``; ``pad`` bounds ``|dx|, |dy|`` (pixels)."""

    dx: Field
    dy: Field
    pad: int = 0

    def inverse(self, pts: np.ndarray) -> np.ndarray:
        """Frame points that the displaced warp sends ``pts`` (undisplaced positions) to."""
        p = np.asarray(pts, np.float64).copy()
        for _ in range(6):
            p = pts - np.stack([self.dx.at(p[:, 0], p[:, 1]), self.dy.at(p[:, 0], p[:, 1])], axis=1)
        return p


# --------------------------------------------------------------------------------------------- geometry
def rect_homography(w: float, h: float, quad: np.ndarray) -> np.ndarray:
    """Homography mapping the rectangle ``(0,0)-(w,h)`` corners (clockwise from top-left) onto ``quad``."""
    src = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
    return cv2.getPerspectiveTransform(src, np.asarray(quad, np.float32)).astype(np.float64)


def plane_homography(
    w: float,
    h: float,
    center: tuple[float, float],
    height_px: float,
    yaw_deg: float = 0.0,
    pitch_deg: float = 0.0,
    roll_deg: float = 0.0,
    focal: float = 2.5,
) -> np.ndarray:
    """Homography that maps a ``w`` x ``h`` plane (its own units) into the frame as if seen by a pinhole
    camera: the plane is rotated by yaw/pitch/roll (degrees) about its centre, which lands at ``center``
    (pixels), and its height there is about ``height_px`` pixels. ``focal`` is the focal length in plane
    heights (smaller = stronger perspective)."""
    y, p, r = (math.radians(a) for a in (yaw_deg, pitch_deg, roll_deg))
    ry = np.array([[math.cos(y), 0, math.sin(y)], [0, 1, 0], [-math.sin(y), 0, math.cos(y)]])
    rx = np.array([[1, 0, 0], [0, math.cos(p), -math.sin(p)], [0, math.sin(p), math.cos(p)]])
    rz = np.array([[math.cos(r), -math.sin(r), 0], [math.sin(r), math.cos(r), 0], [0, 0, 1]])
    rot = rz @ rx @ ry
    corners = np.array([[-w / 2, -h / 2, 0], [w / 2, -h / 2, 0], [w / 2, h / 2, 0], [-w / 2, h / 2, 0]]) / h
    cam = corners @ rot.T + np.array([0, 0, focal])
    proj = cam[:, :2] / cam[:, 2:3] * focal * height_px + np.asarray(center)
    return rect_homography(w, h, proj)


def project(m: np.ndarray, pts: np.ndarray) -> np.ndarray:
    """Apply homography ``m`` to (N, 2) points."""
    p = np.asarray(pts, np.float64)
    q = p @ m[:, :2].T + m[:, 2]
    return q[:, :2] / q[:, 2:3]


def polygon_area(poly: np.ndarray) -> float:
    """Area (pixels^2) of a simple polygon given as (K, 2) points."""
    return abs(_signed_area(poly))


def _signed_area(poly: np.ndarray) -> float:
    p = np.asarray(poly, np.float64)
    if len(p) < 3:
        return 0.0
    x, y = p[:, 0], p[:, 1]
    return float((np.dot(x[:-1], y[1:]) - np.dot(y[:-1], x[1:]) + x[-1] * y[0] - y[-1] * x[0]) / 2.0)


def clip_polygon(poly: np.ndarray, clip: np.ndarray) -> np.ndarray:
    """Intersection of polygon ``poly`` with the convex polygon ``clip`` (Sutherland-Hodgman); (K, 2)."""
    p = np.asarray(poly, np.float64).reshape(-1, 2)
    c = np.asarray(clip, np.float64)
    if inside_convex(p, c):  # fast path: nothing to clip
        return p.copy()
    sign = 1.0 if _signed_area(c) > 0 else -1.0
    edges = np.roll(c, -1, axis=0) - c
    out = [(float(a), float(b)) for a, b in p]
    for i in range(len(c)):
        ax, ay = c[i]
        ex, ey = edges[i]
        inp, out = out, []
        if not inp:
            break
        prev = inp[-1]
        sp = sign * (ex * (prev[1] - ay) - ey * (prev[0] - ax))
        for cur in inp:
            sc = sign * (ex * (cur[1] - ay) - ey * (cur[0] - ax))
            if sc >= 0:
                if sp < 0:
                    t = sp / (sp - sc)
                    out.append((prev[0] + t * (cur[0] - prev[0]), prev[1] + t * (cur[1] - prev[1])))
                out.append(cur)
            elif sp >= 0:
                t = sp / (sp - sc)
                out.append((prev[0] + t * (cur[0] - prev[0]), prev[1] + t * (cur[1] - prev[1])))
            prev, sp = cur, sc
    return np.array(out, np.float64).reshape(-1, 2)


def inside_convex(pts: np.ndarray, poly: np.ndarray) -> bool:
    """True if every point of ``pts`` (N, 2) lies inside (or on) the convex polygon ``poly`` (K, 2)."""
    c = np.asarray(poly, np.float64)
    p = np.asarray(pts, np.float64)
    e = np.roll(c, -1, axis=0) - c
    cross = e[:, 0][None] * (p[:, 1][:, None] - c[:, 1][None]) - e[:, 1][None] * (
        p[:, 0][:, None] - c[:, 0][None]
    )
    sign = 1.0 if _signed_area(c) > 0 else -1.0
    return bool(np.all(sign * cross >= 0))


def quad_to_4(poly: np.ndarray, width: int, height: int) -> np.ndarray:
    """Reduce a clipped polygon to 4 points: itself if it has 4, else its minimum-area rectangle with the
    corners clamped to the frame ``[0, width] x [0, height]``. Returns (4, 2) float64 (clockwise)."""
    p = np.asarray(poly, np.float64)
    if len(p) != 4:
        rect = cv2.minAreaRect(p.astype(np.float32))
        p = cv2.boxPoints(rect).astype(np.float64)
    p[:, 0] = np.clip(p[:, 0], 0, width)
    p[:, 1] = np.clip(p[:, 1], 0, height)
    # clockwise on screen (y down) = positive shoelace sum
    if _signed_area(p) < 0:
        p = p[::-1].copy()
    return p


def fill_mask(
    shape: tuple[int, int], polys: list[np.ndarray], offset: tuple[float, float] = (0, 0)
) -> np.ndarray:
    """Anti-aliased float32 (0..1) mask of ``shape`` (h, w) covered by polygons given in pixel-centre
    coordinates, shifted by ``-offset``."""
    m = np.zeros(shape, np.uint8)
    pts = [np.round((np.asarray(p, np.float64) - offset) * 16).astype(np.int32) for p in polys]
    cv2.fillPoly(m, pts, 255, cv2.LINE_AA, shift=4)
    return m.astype(np.float32) * (1.0 / 255.0)


# ---------------------------------------------------------------------------------------------- artwork
class LogoBank:
    """Sponsor artwork prepared for warping: premultiplied float32 BGRA (colour 0..255, alpha 0..1) with a
    pyramid of downscaled copies so a warp never shrinks artwork by more than 2x (no aliasing)."""

    def __init__(self, logos: dict[str, list[Logo]]) -> None:
        if not logos or not all(logos.values()):
            raise ValueError("LogoBank needs at least one artwork per sponsor")
        self.sponsors: list[str] = list(logos)
        self.art: list[list[np.ndarray]] = []
        for sponsor in self.sponsors:
            per = []
            for logo in logos[sponsor]:
                rgba = logo.rgba.astype(np.float32)
                a = rgba[..., 3:4] / 255.0
                per.append(np.concatenate([rgba[..., 2::-1] * a, a], axis=2))
            self.art.append(per)
        self._levels: dict[tuple[int, int, int], np.ndarray] = {}

    def __len__(self) -> int:
        return len(self.sponsors)

    def variants(self, cls: int) -> int:
        return len(self.art[cls])

    def base(self, cls: int, variant: int) -> np.ndarray:
        return self.art[cls][variant]

    def aspect(self, cls: int, variant: int) -> float:
        """Width / height of the artwork."""
        h, w = self.art[cls][variant].shape[:2]
        return w / h

    def level(self, cls: int, variant: int, scale: float) -> tuple[np.ndarray, float]:
        """Return ``(artwork, s)``: the artwork downscaled by a power of two ``s`` (<= 1) that is at least
        ``scale`` (the warp's overall scale), so the warp itself shrinks it by less than 2x."""
        k = 0 if scale >= 1 else min(8, math.floor(math.log2(1.0 / max(scale, 1e-6))))
        base = self.art[cls][variant]
        while k > 0 and min(base.shape[:2]) / 2**k < 4:
            k -= 1
        if k == 0:
            return base, 1.0
        key = (cls, variant, k)
        if key not in self._levels:
            h, w = base.shape[:2]
            size = (max(1, round(w / 2**k)), max(1, round(h / 2**k)))
            self._levels[key] = cv2.resize(base, size, interpolation=cv2.INTER_AREA)
        lvl = self._levels[key]
        return lvl, lvl.shape[1] / base.shape[1]


# ----------------------------------------------------------------------------------------------- canvas
class Canvas:
    """A float32 BGR frame (0..255) plus the visible-alpha bookkeeping of every labelled instance."""

    def __init__(self, image: np.ndarray) -> None:
        self.image = np.ascontiguousarray(image, dtype=np.float32)
        self.height, self.width = self.image.shape[:2]
        self.instances: list[Instance] = []
        self._boxes = np.zeros((0, 4), np.int64)  # (x0, y0, x1, y1) of every instance's alpha region
        self.frame_quad = np.array(
            [[0, 0], [self.width, 0], [self.width, self.height], [0, self.height]], np.float64
        )

    # -- generic layers --------------------------------------------------------------------------------
    def composite(
        self, rgb: np.ndarray, alpha: np.ndarray, x0: int, y0: int, inst: Instance | None = None
    ) -> None:
        """Composite a premultiplied patch (``rgb`` 0..255 * alpha, ``alpha`` 0..1) at ``(x0, y0)`` (must lie
        inside the frame) and hide the covered part of every earlier instance."""
        h, w = alpha.shape
        if h == 0 or w == 0:
            return
        region = self.image[y0 : y0 + h, x0 : x0 + w]
        keep = 1.0 - alpha
        np.multiply(region, keep[..., None], out=region)
        np.add(region, rgb, out=region)
        if len(self.instances):
            b = self._boxes
            hit = np.flatnonzero((b[:, 0] < x0 + w) & (b[:, 2] > x0) & (b[:, 1] < y0 + h) & (b[:, 3] > y0))
            for i in hit.tolist():
                other = self.instances[i]
                ox0, oy0, ox1, oy1 = b[i].tolist()
                ax0, ay0, ax1, ay1 = max(x0, ox0), max(y0, oy0), min(x0 + w, ox1), min(y0 + h, oy1)
                other.alpha[ay0 - oy0 : ay1 - oy0, ax0 - ox0 : ax1 - ox0] *= keep[
                    ay0 - y0 : ay1 - y0, ax0 - x0 : ax1 - x0
                ]
        if inst is not None:
            inst.alpha = alpha.copy()
            inst.x0, inst.y0 = x0, y0
            self.instances.append(inst)
            self._boxes = np.vstack([self._boxes, [[x0, y0, x0 + w, y0 + h]]])

    def roi(self, pts: np.ndarray, pad: int = 1) -> tuple[int, int, int, int] | None:
        """Frame-clipped integer box ``(x0, y0, x1, y1)`` around points (pixel-centre coords), or None."""
        x0 = max(0, math.floor(pts[:, 0].min()) - pad)
        y0 = max(0, math.floor(pts[:, 1].min()) - pad)
        x1 = min(self.width, math.ceil(pts[:, 0].max()) + pad + 1)
        y1 = min(self.height, math.ceil(pts[:, 1].max()) + pad + 1)
        if x0 >= x1 or y0 >= y1:
            return None
        return x0, y0, x1, y1

    def fill(
        self, polys: list[np.ndarray], colour: tuple[float, float, float] | np.ndarray, opacity: float = 1.0
    ) -> None:
        """Paint polygons (pixel-centre coords) in one BGR colour, anti-aliased, as an occluding layer."""
        pts = np.concatenate([np.asarray(p, np.float64).reshape(-1, 2) for p in polys])
        box = self.roi(pts)
        if box is None:
            return
        x0, y0, x1, y1 = box
        a = fill_mask((y1 - y0, x1 - x0), polys, (x0, y0)) * opacity
        rgb = a[..., None] * np.asarray(colour, np.float32)
        self.composite(rgb, a, x0, y0)

    def fill_many(self, parts: list[tuple[np.ndarray, tuple[float, float, float] | np.ndarray]]) -> None:
        """Paint several coloured polygons (pixel-centre coords; later ones on top) as **one** occluding
        layer (e.g. a person): cheaper than one :meth:`fill` per part."""
        pts = np.concatenate([np.asarray(p, np.float64).reshape(-1, 2) for p, _ in parts])
        box = self.roi(pts)
        if box is None:
            return
        x0, y0, x1, y1 = box
        # drawn anti-aliased over black, the colour patch is already premultiplied by the coverage
        patch = np.zeros((y1 - y0, x1 - x0, 3), np.uint8)
        mask = np.zeros((y1 - y0, x1 - x0), np.uint8)
        for p, colour in parts:
            q = [np.round((np.asarray(p, np.float64) - (x0, y0)) * 16).astype(np.int32)]
            cv2.fillPoly(patch, q, [float(c) for c in colour], cv2.LINE_AA, shift=4)
            cv2.fillPoly(mask, q, 255, cv2.LINE_AA, shift=4)
        self.composite(patch.astype(np.float32), mask.astype(np.float32) * (1.0 / 255.0), x0, y0)

    def paste_patch(self, bgr: np.ndarray, alpha: np.ndarray | None, x: int, y: int) -> None:
        """Composite a straight-alpha patch (``bgr`` 0..255, ``alpha`` 0..1, None = opaque) with its top-left
        at ``(x, y)`` (may hang over the frame edge)."""
        if alpha is None:
            self._paste_opaque(bgr, x, y)
            return
        h, w = alpha.shape
        x0, y0 = max(0, x), max(0, y)
        x1, y1 = min(self.width, x + w), min(self.height, y + h)
        if x0 >= x1 or y0 >= y1:
            return
        a = np.ascontiguousarray(alpha[y0 - y : y1 - y, x0 - x : x1 - x], np.float32)
        rgb = bgr[y0 - y : y1 - y, x0 - x : x1 - x].astype(np.float32) * a[..., None]
        self.composite(rgb, a, x0, y0)

    def _paste_opaque(self, bgr: np.ndarray, x: int, y: int) -> None:
        h, w = bgr.shape[:2]
        x0, y0 = max(0, x), max(0, y)
        x1, y1 = min(self.width, x + w), min(self.height, y + h)
        if x0 >= x1 or y0 >= y1:
            return
        self.image[y0:y1, x0:x1] = bgr[y0 - y : y1 - y, x0 - x : x1 - x]
        for inst, (ox0, oy0, ox1, oy1) in zip(self.instances, self._boxes.tolist(), strict=True):
            ax0, ay0, ax1, ay1 = max(x0, ox0), max(y0, oy0), min(x1, ox1), min(y1, oy1)
            if ax0 < ax1 and ay0 < ay1:
                inst.alpha[ay0 - oy0 : ay1 - oy0, ax0 - ox0 : ax1 - ox0] = 0.0

    # -- artwork ---------------------------------------------------------------------------------------
    def paste_logo(
        self,
        bank: LogoBank,
        cls: int,
        variant: int,
        m: np.ndarray,
        *,
        label: bool = True,
        clip_quad: np.ndarray | None = None,
        disp: Displacement | None = None,
        gain: np.ndarray | None = None,
        shade: Field | None = None,
        opacity: float = 1.0,
    ) -> Instance | None:
        """Warp artwork ``(cls, variant)`` into the frame with homography ``m`` (artwork pixels -> frame
        pixels, pixel-centre convention) and composite it.

        ``clip_quad`` (frame pixel-centre coords, convex) limits it to a board; ``disp`` bends it like
        cloth; ``gain`` (BGR factors) and ``shade`` (multiplicative field, 1 outside) relight it. With
        ``label`` the instance is recorded for :meth:`labels`. Returns the instance (or None if it missed
        the frame or was not labelled).
        """
        base = bank.base(cls, variant)
        bh, bw = base.shape[:2]
        quad = self._quad(m, bw, bh, disp)
        area = polygon_area(quad)
        if area < 4.0:
            return None
        if clip_quad is not None and inside_convex(quad, clip_quad):
            clip_quad = None  # wholly on its board: nothing to clip
        art, s = bank.level(cls, variant, math.sqrt(area / (bw * bh)))
        # level pixel (u, v) sits at base pixel ((u + 0.5) / s - 0.5, ...)
        lvl = np.array([[1 / s, 0, 0.5 / s - 0.5], [0, 1 / s, 0.5 / s - 0.5], [0, 0, 1]])
        ml = m @ lvl
        rendered = self._render(art, ml, quad, disp, clip_quad, opacity, gain, shade)
        if rendered is None:
            return None
        rgb, alpha, x0, y0, full_box, mass = rendered
        if not label:
            self.composite(rgb, alpha, x0, y0)
            return None
        inside = (
            full_box[0] >= 0 and full_box[1] >= 0 and full_box[2] <= self.width and full_box[3] <= self.height
        )
        if inside:
            full = mass * opacity
        else:
            ux0, uy0, ux1, uy1 = full_box
            full = _unclipped_mass(art, ml, ux0, uy0, ux1 - ux0, uy1 - uy0, disp) * opacity
        poly = quad + 0.5
        if clip_quad is not None:
            poly = clip_polygon(poly, np.asarray(clip_quad, np.float64) + 0.5)
        poly = clip_polygon(poly, self.frame_quad)
        if full <= 0:
            self.composite(rgb, alpha, x0, y0)
            return None
        inst = Instance(cls, bank.sponsors[cls], x0, y0, alpha, full, poly)
        self.composite(rgb, alpha, x0, y0, inst)
        return inst

    def paste_texture(
        self,
        tex: np.ndarray,
        m: np.ndarray,
        *,
        clip_quad: np.ndarray | None = None,
        disp: Displacement | None = None,
        shade: Field | None = None,
        opacity: float = 1.0,
    ) -> None:
        """Warp a premultiplied float32 BGRA texture (not a sponsor: a board background, a distractor) into
        the frame with homography ``m`` (texture pixels -> frame pixels) and composite it unlabelled."""
        th, tw = tex.shape[:2]
        quad = self._quad(m, tw, th, disp)
        if polygon_area(quad) < 1.0:
            return
        rendered = self._render(tex, m, quad, disp, clip_quad, opacity, None, shade)
        if rendered is not None:
            rgb, alpha, x0, y0, _, _ = rendered
            self.composite(rgb, alpha, x0, y0)

    @staticmethod
    def _quad(m: np.ndarray, w: int, h: int, disp: Displacement | None) -> np.ndarray:
        corners = np.array([[-0.5, -0.5], [w - 0.5, -0.5], [w - 0.5, h - 0.5], [-0.5, h - 0.5]])
        quad = project(m, corners)
        return disp.inverse(quad) if disp is not None else quad

    def _render(
        self,
        art: np.ndarray,
        m: np.ndarray,
        quad: np.ndarray,
        disp: Displacement | None,
        clip_quad: np.ndarray | None,
        opacity: float,
        gain: np.ndarray | None,
        shade: Field | None,
    ) -> tuple[np.ndarray, np.ndarray, int, int, tuple[int, int, int, int], float] | None:
        """Warp, clip and relight; returns (rgb, alpha, x0, y0, unclipped box, alpha mass before clipping)."""
        pad = 1 + (disp.pad if disp is not None else 0)
        full_box = (
            math.floor(quad[:, 0].min()) - pad,
            math.floor(quad[:, 1].min()) - pad,
            math.ceil(quad[:, 0].max()) + pad + 1,
            math.ceil(quad[:, 1].max()) + pad + 1,
        )
        box = self.roi(quad, pad)
        if box is None:
            return None
        x0, y0, x1, y1 = box
        warped = self._warp(art, m, x0, y0, x1 - x0, y1 - y0, disp)
        alpha = np.ascontiguousarray(warped[..., 3])
        rgb = np.ascontiguousarray(warped[..., :3])
        mass = float(alpha.sum())
        if clip_quad is not None:
            cm = fill_mask(alpha.shape, [clip_quad], (x0, y0))
            alpha *= cm
            rgb *= cm[..., None]
        if opacity != 1.0:
            alpha *= np.float32(opacity)
            rgb *= np.float32(opacity)
        if gain is not None:
            rgb *= np.asarray(gain, np.float32)
        if shade is not None:
            rgb *= shade.window(x0, y0, x1 - x0, y1 - y0)[..., None]
        return rgb, alpha, x0, y0, full_box, mass

    @staticmethod
    def _warp(
        art: np.ndarray, m: np.ndarray, x0: int, y0: int, w: int, h: int, disp: Displacement | None
    ) -> np.ndarray:
        t = np.array([[1, 0, -x0], [0, 1, -y0], [0, 0, 1]], np.float64) @ m
        if disp is None:
            return cv2.warpPerspective(
                art, t, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0
            )
        xs, ys = np.meshgrid(np.arange(x0, x0 + w, dtype=np.float32), np.arange(y0, y0 + h, dtype=np.float32))
        xs = xs + disp.dx.window(x0, y0, w, h)
        ys = ys + disp.dy.window(x0, y0, w, h)
        inv = np.linalg.inv(m)
        den = inv[2, 0] * xs + inv[2, 1] * ys + inv[2, 2]
        mx = ((inv[0, 0] * xs + inv[0, 1] * ys + inv[0, 2]) / den).astype(np.float32)
        my = ((inv[1, 0] * xs + inv[1, 1] * ys + inv[1, 2]) / den).astype(np.float32)
        return cv2.remap(art, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)

    def crop(self, x: int, y: int, w: int, h: int) -> Canvas:
        """A new canvas showing the window ``(x, y, w, h)`` (inside this canvas) of this one, with every
        instance's bookkeeping moved along: alpha cut to the window, polygon shifted and clipped, full
        mass unchanged (so truncation by the window lowers the visible fraction)."""
        out = Canvas(self.image[y : y + h, x : x + w].copy())
        for inst, (ox0, oy0, ox1, oy1) in zip(self.instances, self._boxes.tolist(), strict=True):
            ax0, ay0, ax1, ay1 = max(x, ox0), max(y, oy0), min(x + w, ox1), min(y + h, oy1)
            if ax0 >= ax1 or ay0 >= ay1:
                continue
            alpha = inst.alpha[ay0 - oy0 : ay1 - oy0, ax0 - ox0 : ax1 - ox0].copy()
            poly = clip_polygon(inst.polygon - (x, y), out.frame_quad)
            moved = Instance(inst.cls, inst.sponsor, ax0 - x, ay0 - y, alpha, inst.full_mass, poly)
            out.instances.append(moved)
            out._boxes = np.vstack([out._boxes, [[ax0 - x, ay0 - y, ax1 - x, ay1 - y]]])
        return out

    # -- labels ----------------------------------------------------------------------------------------
    def labels(self, min_visible: float, min_box_px: float = 2.0) -> list[Label]:
        """Labels of the instances at least ``min_visible`` visible whose visible box is at least
        ``min_box_px`` pixels on each side."""
        out = []
        for inst in self.instances:
            lab = instance_label(inst, self.width, self.height)
            if lab is None or lab.visible_fraction < min_visible:
                continue
            x1, y1, x2, y2 = lab.xyxy
            if x2 - x1 < min_box_px or y2 - y1 < min_box_px:
                continue
            out.append(lab)
        return out

    def visible_mask(self, inst: Instance) -> np.ndarray:
        """Frame-sized float32 visible alpha of one instance."""
        m = np.zeros((self.height, self.width), np.float32)
        h, w = inst.alpha.shape
        m[inst.y0 : inst.y0 + h, inst.x0 : inst.x0 + w] = inst.alpha
        return m


def instance_label(inst: Instance, width: int, height: int) -> Label | None:
    """Turn an instance's bookkeeping into a :class:`Label` (None when nothing of it is visible)."""
    vis = inst.alpha > ALPHA_BOX
    if not vis.any() or len(inst.polygon) < 3:
        return None
    rows = np.flatnonzero(vis.any(axis=1))
    cols = np.flatnonzero(vis.any(axis=0))
    xyxy = (
        float(inst.x0 + cols[0]),
        float(inst.y0 + rows[0]),
        float(inst.x0 + cols[-1] + 1),
        float(inst.y0 + rows[-1] + 1),
    )
    frac = float(min(1.0, inst.alpha.sum() / inst.full_mass))
    return Label(inst.cls, inst.sponsor, quad_to_4(inst.polygon, width, height), xyxy, frac)


def _unclipped_mass(
    art: np.ndarray, m: np.ndarray, x0: int, y0: int, w: int, h: int, disp: Displacement | None = None
) -> float:
    """Alpha mass (pixels) of the warp over a region that may extend past the frame (no board clipping);
    regions larger than 4 Mpx are evaluated at a reduced scale (displacement ignored there)."""
    s = min(1.0, math.sqrt(4e6 / max(1, w * h)))
    alpha = np.ascontiguousarray(art[..., 3])
    if disp is not None and s == 1.0:
        return float(Canvas._warp(alpha, m, x0, y0, w, h, disp).sum())
    t = np.array([[s, 0, -x0 * s], [0, s, -y0 * s], [0, 0, 1]], np.float64) @ m
    size = (max(1, math.ceil(w * s)), max(1, math.ceil(h * s)))
    a = cv2.warpPerspective(alpha, t, size, flags=cv2.INTER_LINEAR)
    return float(a.sum()) / (s * s)
