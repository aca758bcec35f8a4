"""The drawing context every scene element receives: canvas, artwork, generator, palette and recipe."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from vision.training.compose import Canvas, LogoBank, project
from vision.training.scenes.palettes import BGR, Palette
from vision.training.scenes.recipe import SceneRecipe

__all__ = ["Ctx"]


@dataclass
class Ctx:
    """Everything a scene element needs: the canvas, the artwork, the generator and the look."""

    canvas: Canvas
    bank: LogoBank
    rng: np.random.Generator
    pal: Palette
    recipe: SceneRecipe
    empty: bool

    @property
    def w(self) -> int:
        """Frame width, pixels."""
        return self.canvas.width

    @property
    def h(self) -> int:
        """Frame height, pixels."""
        return self.canvas.height

    def pick(self, options: tuple[BGR, ...], jitter: float) -> np.ndarray:
        """One of the ``options`` colours, each channel moved by up to ± ``jitter`` grey levels: a (3,)
        float32 BGR array in 0..255."""
        c = np.asarray(options[int(self.rng.integers(len(options)))], np.float32)
        return np.clip(c + self.rng.uniform(-jitter, jitter, 3), 0, 255).astype(np.float32)

    def sponsor(self) -> tuple[int, int] | None:
        """A random (class, artwork variant), or None when this slot shows non-sponsor content."""
        if self.empty or self.rng.random() < self.recipe.p_distractor_content:
            return None
        cls = int(self.rng.integers(len(self.bank)))
        return cls, int(self.rng.integers(self.bank.variants(cls)))

    def loguniform(self, lo: float, hi: float) -> float:
        """Return a log-uniform draw between ``lo`` and ``hi`` (same units; ``hi`` at or below ``lo`` gives
        about ``lo``)."""
        lo, hi = max(lo, 1e-6), max(hi, lo * 1.0001)
        return float(math.exp(self.rng.uniform(math.log(lo), math.log(hi))))

    def logo(
        self,
        art: tuple[int, int],
        box: tuple[float, float, float, float],
        surface: np.ndarray,
        fill: float,
        *,
        align: float = 0.5,
        **kw: object,
    ) -> bool:
        """Paste artwork ``art`` centred in ``box`` = (u0, v0, u1, v1) of a surface whose homography to the
        frame is ``surface``; the logo's height is ``fill`` x the box height (shrunk to fit the width).
        ``align`` places it horizontally (0 left .. 1 right). Logos that would be shorter than
        ``logo_min_px`` are not drawn. Returns True if it was pasted."""
        cls, var = art
        u0, v0, u1, v1 = box
        aspect = self.bank.aspect(cls, var) * self.rng.uniform(*self.recipe.stretch)
        lh = fill * (v1 - v0)
        lw = lh * aspect
        if lw > 0.94 * (u1 - u0):
            lw = 0.94 * (u1 - u0)
            lh = lw / aspect
        ul = u0 + align * ((u1 - u0) - lw)
        vt = v0 + 0.5 * ((v1 - v0) - lh)
        return self.logo_at(art, (ul, vt, lw, lh), surface, **kw)

    def logo_at(
        self, art: tuple[int, int], rect: tuple[float, float, float, float], surface: np.ndarray, **kw: object
    ) -> bool:
        """Paste artwork ``art`` onto the surface rectangle ``rect`` = (u, v, width, height) in surface units.
        Returns True if it was pasted (False when it lies outside the frame or is under ``logo_min_px``)."""
        cls, var = art
        bh, bw = self.bank.base(cls, var).shape[:2]
        ul, vt, lw, lh = rect
        sx, sy = lw / bw, lh / bh
        a = np.array([[sx, 0, ul + 0.5 * sx], [0, sy, vt + 0.5 * sy], [0, 0, 1]])
        m = surface @ a
        q = project(m, np.array([[0, 0], [bw, 0], [bw, bh], [0, bh]], np.float64) - 0.5)
        if not np.isfinite(q).all():
            return False
        if q[:, 0].max() < -1 or q[:, 1].max() < -1 or q[:, 0].min() > self.w or q[:, 1].min() > self.h:
            return False  # entirely outside the frame
        h_px = 0.5 * (math.hypot(*(q[3] - q[0])) + math.hypot(*(q[2] - q[1])))
        if h_px < self.recipe.logo_min_px:
            return False
        self.canvas.paste_logo(self.bank, cls, var, m, **kw)  # type: ignore[arg-type]
        return True
