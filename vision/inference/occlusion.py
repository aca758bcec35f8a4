"""How much of a detected logo is in view, judged against the sponsor's own artwork.

A detector boxes a logo whole even where a player stands in front of it: the box spans the board,
the player included, and the logo counts as fully visible. Where the sponsor's artwork is known (the
catalogue's ``artwork``, else the model card's), each detection is compared with it:

1. the detection's polygon is warped, at its own aspect, to :data:`CANON_H` pixels high, with room
   around it for the whole artwork at that height (a box may cover only the part in view, or more
   than the logo);
2. the artwork is aligned: scaled by each of :data:`SCALES_X` x :data:`SCALES_Y` and placed where
   its edges correlate best with the picture's (``cv2.matchTemplate``; edges do not depend on the
   board's colour). It is then composited on the board colour around its marks (per strip, the
   median where the artwork is transparent), smeared horizontally like the camera's motion (the
   one of :data:`SMEARS` pixels that agrees best) and aligned again, in colour, at nearby scales;
3. the aligned picture and artwork are cut into vertical strips :data:`STRIP_H` logo heights wide,
   one every :data:`HOP` columns (the occluders in front of boards are players, upright), and
   each strip's colour correlation is taken (absolute, so inverted colours agree too; a strip
   without marks agrees when the picture there is flat and of the board's colour);
4. the board colour is taken again where the marks correlate best (no player is there), and each
   strip is *in view* when it correlates at least :data:`IN_VIEW` on that board, or its mean colour
   is within :data:`COLOUR_TOL` of the artwork's on it (blurred, low-contrast lettering). Where no
   strip correlates at least :data:`TRUSTED`, there is no sure board: the strips are scored again on
   the one colour, of those behind them, under which the whole artwork agrees best (behind the strips
   a player hides, his own colours would be taken for the board), and only a strip that correlates
   is in view.

When the strips in view do not settle (below), the artwork is tried again at the box's own height
against either end of the box (a player's outline can draw the first alignment away from the logo).

``visible share = alpha mass of the artwork in columns in view / its whole alpha mass``, in [0, 1]
(a column takes the score of the strip centred nearest). Where it is judged, the detection's polygon
is also cut along its length to the logo in view: columns beyond the aligned artwork that are plain
board colour go (but :data:`HALO` of them beside a mark), and so does an end of the artwork hidden
over at least one logo height, so that its screen share is that of the logo's part in view. It is
NaN, "not judged", when the polygon touches the frame border (:mod:`measure.frame_edge` judges
those) or is under :data:`MIN_SIDE_PX` pixels high; when the strips whose marks correlate do so on
average less than :data:`SETTLED` (the artwork is misaligned, or not the lockup on screen); and
while the sponsor's artwork is not yet trusted in the run: no strip of :data:`TRUST_AFTER` of its
detections agreed at least :data:`TRUSTED`. :func:`measure.quality.detection_quality` lowers a
detection's ``visible_fraction`` to it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import cv2
import numpy as np

from measure.methodology import VIEW_CANON_H as CANON_H
from measure.methodology import VIEW_COLOUR_TOL as COLOUR_TOL
from measure.methodology import VIEW_CORRELATION as IN_VIEW
from measure.methodology import VIEW_HOP_PX as HOP
from measure.methodology import VIEW_MIN_SIDE_PX as MIN_SIDE_PX
from measure.methodology import VIEW_SCALES_X as SCALES_X
from measure.methodology import VIEW_SCALES_Y as SCALES_Y
from measure.methodology import VIEW_SETTLED as SETTLED
from measure.methodology import VIEW_SMEARS_PX as SMEARS
from measure.methodology import VIEW_STRIP_H as STRIP_H
from measure.methodology import VIEW_TRUST_AFTER as TRUST_AFTER
from measure.methodology import VIEW_TRUSTED as TRUSTED

if TYPE_CHECKING:
    from vision.inference.detections import Detections

__all__ = ["ArtworkOcclusion", "Template", "in_view", "template", "visible_share"]

#: Margin around the detection's polygon searched for the artwork, as a fraction of its sides.
PAD = 0.2
#: Colour spread (standard deviation, 0..255) below which a strip is flat.
FLAT = 8.0
#: Gaussian blur (canonical pixels) applied to both sides before comparing (pixel-level misalignment).
SIGMA = 1.6
#: Alpha below which an artwork pixel is transparent (the board shows through).
CLEAR_ALPHA = 0.1
#: Canonical pixels of plain board kept beside a mark when a box is cut to it: a mark's soft edge
#: (blur, anti-aliasing) is not plain board.
HALO = 2


class _Placement(NamedTuple):
    """One placement of the artwork judged (:func:`_placed`)."""

    share: float  #: visible share (0..1), NaN where not judged
    mean: float  #: mean agreement of all strips (0..1)
    trusted: bool  #: a strip agreed at least :data:`TRUSTED`
    keep: tuple[float, float] | None  #: the box's part in view, fractions of its length; None: not judged
    agreement: float  #: mean agreement of the strips in view (0..1)


@dataclass(frozen=True, eq=False)
class Template:
    """One artwork at the canonical height: ``colour`` (BGR premultiplied by alpha, float32) and
    ``alpha`` (0..1), both ``CANON_H`` x width pixels; ``mass`` is the alpha mass of each column."""

    colour: np.ndarray
    alpha: np.ndarray
    mass: np.ndarray

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) in canonical pixels."""
        return int(self.alpha.shape[1]), int(self.alpha.shape[0])


#: Width of a strip, canonical pixels.
STRIP_PX = max(2, round(STRIP_H * CANON_H))


def _starts(width: int, hop: int | None) -> range:
    """Return the first column of each strip across ``width`` columns: one every ``hop`` columns,
    all of them whole, or side by side (the last one cut short) when ``hop`` is None."""
    step = hop or STRIP_PX
    return range(0, max(1, width - STRIP_PX + step), step)


def template(rgba: np.ndarray) -> Template:
    """Return the :class:`Template` of an RGBA artwork (uint8, straight alpha, e.g. from
    :func:`vision.io.artwork.load_artwork`)."""
    h, w = rgba.shape[:2]
    width = max(STRIP_PX, round(CANON_H * w / h))
    small = cv2.resize(rgba, (width, CANON_H), interpolation=cv2.INTER_AREA).astype(np.float32)
    alpha = small[..., 3] / 255.0
    colour = cv2.cvtColor(np.ascontiguousarray(small[..., :3]), cv2.COLOR_RGB2BGR) * alpha[..., None]
    return Template(colour.astype(np.float32), alpha.astype(np.float32), alpha.sum(axis=0).astype(float))


def _blur(x: np.ndarray, smear: int) -> np.ndarray:
    x = cv2.GaussianBlur(x, (0, 0), SIGMA)
    return cv2.blur(x, (smear, 1)) if smear > 1 else x


def _strip_scores(crop: np.ndarray, art: np.ndarray, flat: np.ndarray, hop: int | None = None) -> np.ndarray:
    """Return the agreement in [0, 1] of two same-size BGR float images in each strip (see the module
    doc), strips starting every ``hop`` columns (default: side by side). A flat strip of ``art`` is
    compared in colour with ``flat`` (the artwork on the board colour of the whole box)."""
    step = STRIP_PX
    out = []
    for s in _starts(crop.shape[1], hop):
        a = crop[:, s : s + step].reshape(-1, 3)
        b = art[:, s : s + step].reshape(-1, 3)
        mean_a = a.mean(0)
        a, b = a - mean_a, b - b.mean(0)
        spread_a, spread_b = float(np.sqrt((a * a).mean())), float(np.sqrt((b * b).mean()))
        if spread_b < FLAT:  # no marks to compare: the crop must be flat and of the board's colour
            board = flat[:, s : s + step].reshape(-1, 3).mean(0)
            out.append(float(spread_a < 2 * FLAT and np.linalg.norm(mean_a - board) < COLOUR_TOL))
        elif spread_a < FLAT / 2:
            out.append(0.0)
        else:
            out.append(abs(float((a * b).mean()) / (spread_a * spread_b)))
    return np.asarray(out)


def _strip_distances(crop: np.ndarray, art: np.ndarray, hop: int) -> np.ndarray:
    """Return the distance (0..441, RGB euclidean) between the mean colours of two same-size BGR
    float images in each strip, strips starting every ``hop`` columns."""
    step = STRIP_PX
    starts = _starts(crop.shape[1], hop)
    return np.array(
        [
            float(np.linalg.norm(crop[:, s : s + step].mean((0, 1)) - art[:, s : s + step].mean((0, 1))))
            for s in starts
        ]
    )


def _boards(crop: np.ndarray, alpha: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the board colour behind each strip of the artwork and behind the whole box (BGR, one
    row per canonical column): the median of the strip's (box's) pixels where the artwork is
    transparent, else black. Per strip, so that a player hiding one part does not colour the board of
    the others' marks; the whole box's for flat strips, so that a player is not taken for the board."""
    clear = alpha < CLEAR_ALPHA
    whole = np.median(crop[clear], axis=0) if clear.sum() >= 20 else np.zeros(3, np.float32)
    step, out = STRIP_PX, np.empty((1, crop.shape[1], 3), np.float32)
    for s in range(0, crop.shape[1], step):
        c = clear[:, s : s + step]
        out[0, s : s + step] = np.median(crop[:, s : s + step][c], axis=0) if c.sum() >= 20 else whole
    return out, np.broadcast_to(whole.astype(np.float32), out.shape)


def _align(
    big: np.ndarray, art: np.ndarray, near: tuple[int, int, int, int] | None = None
) -> tuple[int, int, int, int] | None:
    """Return the box ``(x, y, w, h)`` in ``big`` where ``art`` (scaled by each of :data:`SCALES_X` x
    :data:`SCALES_Y`, or only by those next to the scale of the box ``near``) correlates best; None
    when no scale fits."""
    width, height = art.shape[1], art.shape[0]
    scales_x, scales_y = SCALES_X, SCALES_Y
    if near is not None:
        scales_x = tuple(s for s in SCALES_X if abs(s - near[2] / width) < 0.1)
        scales_y = tuple(s for s in SCALES_Y if abs(s - near[3] / height) < 0.17)
    best, box = -2.0, None
    for sx in scales_x:
        for sy in scales_y:
            w2, h2 = round(width * sx), round(height * sy)
            if w2 > big.shape[1] or h2 > big.shape[0]:
                continue
            t = cv2.resize(art, (w2, h2), interpolation=cv2.INTER_LINEAR)
            if float(t.std()) < 1e-3:  # a flat template correlates with nothing
                continue
            _, score, _, (x0, y0) = cv2.minMaxLoc(cv2.matchTemplate(big, t, cv2.TM_CCOEFF_NORMED))
            if score > best:
                best, box = score, (x0, y0, w2, h2)
    return box


def _edges(image: np.ndarray, alpha: np.ndarray | None = None) -> np.ndarray:
    """Return the gradient magnitude of a BGR float image (the largest over its channels, and over
    ``alpha`` x 255 when given: the marks' outline whatever the board), blurred by 1 pixel."""
    planes = [*cv2.split(image), *([alpha * 255.0] if alpha is not None else [])]
    mags = [cv2.magnitude(cv2.Sobel(p, cv2.CV_32F, 1, 0), cv2.Sobel(p, cv2.CV_32F, 0, 1)) for p in planes]
    return cv2.GaussianBlur(np.max(mags, axis=0), (0, 0), 1.0)


def _cut(big: np.ndarray, box: tuple[int, int, int, int], tpl: Template) -> np.ndarray:
    """Return ``box`` of ``big`` resized to the template's canonical size."""
    x0, y0, w, h = box
    return cv2.resize(big[y0 : y0 + h, x0 : x0 + w], tpl.size, interpolation=cv2.INTER_AREA)


def _plain_ends(
    band: np.ndarray, board: np.ndarray, span: tuple[int, int], artwork: tuple[int, int]
) -> tuple[int, int]:
    """Return the columns ``(start, end)`` of the box to keep: the box spans columns ``span`` of
    ``band`` (the warped picture, one logo high) and the aligned artwork ``artwork``; the box's
    columns outside the artwork that are plain ``board`` colour (flat, within :data:`COLOUR_TOL`),
    from each end inwards, are not the logo."""
    plain = (band.std(axis=0).mean(axis=1) < FLAT) & (
        np.linalg.norm(band.mean(axis=0) - board, axis=1) < COLOUR_TOL
    )
    left, right = span
    while left < min(artwork[0], right) and plain[left]:
        left += 1
    while right > max(artwork[1], left) and plain[right - 1]:
        right -= 1
    return max(span[0], left - HALO), min(span[1], right + HALO)


def _hidden_ends(seen: np.ndarray, alpha: np.ndarray) -> tuple[float, float]:
    """Return the artwork's columns ``(start, end)`` from its first to its last mark in view, given
    which of its columns are ``seen``. Only an end hidden over at least one logo height of marks is
    limited (strips are half a logo height wide, so a shorter run may hide a visible tail); the other
    ends are not (-inf, inf: the lockup on screen may run on past the artwork), nor are both when no
    mark is in view."""
    inked = (alpha >= CLEAR_ALPHA).any(axis=0)
    marks, ends = np.flatnonzero(inked & seen), np.flatnonzero(inked)
    if not len(marks):  # nothing in view: the share (0) says so
        return -np.inf, np.inf
    run = alpha.shape[0]  # one logo height, canonical pixels
    start = float(marks[0]) if marks[0] - ends[0] >= run else -np.inf
    end = float(marks[-1] + 1) if ends[-1] - marks[-1] >= run else np.inf
    return start, end


def _judge(
    image: np.ndarray, poly: np.ndarray, tpl: Template
) -> tuple[float, float, bool, tuple[float, float] | None]:
    """Return ``(visible share, mean strip agreement, trusted, keep)`` of one template on one polygon
    (clockwise from the top-left); trusted when a strip agrees at least :data:`TRUSTED`; ``keep`` is
    the part of the polygon's length that is the logo in view, ``(start, end)`` fractions from its
    left side, None where the share is not judged.

    The artwork is aligned where it correlates best (:func:`_align`); when the strips in view then
    do not settle (a player's outline, say, drew the alignment), it is tried at the box's own height
    against either end of the box instead, and the settled placement whose strips in view agree best
    is judged."""
    width, height = tpl.size
    sides = np.linalg.norm(np.roll(poly, -1, axis=0) - poly, axis=1)  # top, right, bottom, left
    box_w = max(STRIP_PX, round(height * (sides[0] + sides[2]) / max(sides[1] + sides[3], 1e-6)))
    # the searched region holds the whole logo even where the box covers only its visible part
    region_w = max(box_w, round(width * max(SCALES_X))) + 2 * round(PAD * max(box_w, width))
    px, py = (region_w - box_w) // 2, round(PAD * height)
    dst = np.float32([[px, py], [px + box_w, py], [px + box_w, py + height], [px, py + height]])
    warp = cv2.getPerspectiveTransform(np.float32(poly), dst)
    big = cv2.warpPerspective(
        image, warp, (region_w, height + 2 * py), flags=cv2.INTER_AREA, borderMode=cv2.BORDER_REPLICATE
    ).astype(np.float32)
    where = (px, py, box_w, height)  # the detection's box in the warped region
    # the box is warped at its own aspect, the artwork searched in it at its own: a loose box's extra
    # board is not taken for a hidden part. First on edges, which do not depend on the board's colour.
    big_blur = _blur(big, 1)
    box = _align(_edges(big_blur), _edges(_blur(tpl.colour, SMEARS[1]), _blur(tpl.alpha, SMEARS[1])))
    judged = None if box is None else _placed(big, big_blur, box, tpl, where, realign=True)
    if judged is None or np.isnan(judged.share):
        ends = [(px, py, width, height), (px + box_w - width, py, width, height)]
        tries = [_placed(big, big_blur, b, tpl, where, realign=False) for b in ends if b[0] >= 0]
        settled = [j for j in tries if j.agreement >= SETTLED]  # marks in view, and they agree
        judged = max(settled, key=lambda j: j.agreement) if settled else judged
    if judged is None:
        return float("nan"), 0.0, False, None
    return judged.share, judged.mean, judged.trusted, judged.keep


def _placed(
    big: np.ndarray,
    big_blur: np.ndarray,
    box: tuple[int, int, int, int],
    tpl: Template,
    where: tuple[int, int, int, int],
    realign: bool,
) -> _Placement:
    """Return the :class:`_Placement` of the artwork placed at ``box`` (x, y, w, h) of the warped
    region ``big`` (``big_blur`` its blurred copy), where the detection's box is ``where``; with
    ``realign``, it is aligned again in colour at nearby scales once composited and smeared. The
    share is NaN and ``keep`` None when the strips in view agree less than :data:`SETTLED` on
    average."""
    width = tpl.size[0]
    local, whole = _boards(_cut(big, box, tpl), tpl.alpha)
    art, flat = _on_board(tpl, local), _on_board(tpl, whole)
    first = _cut(big_blur, box, tpl)
    smear = max(SMEARS, key=lambda n: float(_strip_scores(first, _blur(art, n), flat).mean()))
    art = _blur(art, smear)
    if realign:
        box = _align(big_blur, art, near=box) or box
    aligned = _cut(big_blur, box, tpl)
    scores = _strip_scores(aligned, art, flat, HOP)
    trusted = bool((scores >= TRUSTED).any())
    # each column takes the score of the strip centred nearest it: a hidden edge found to HOP columns
    centres = np.arange(len(scores)) * HOP + STRIP_PX / 2
    nearest = np.abs(np.arange(width)[:, None] + 0.5 - centres[None, :]).argmin(axis=1)
    # the board's colour, taken where the marks correlate best (neither a player nor the next
    # advert on a scrolling board can be there); then every strip is judged on that board
    board = (tpl.alpha < CLEAR_ALPHA) & (scores[nearest] >= TRUSTED)[None, :]
    if board.sum() >= 20:
        colour = np.median(aligned[board], axis=0)
        ref = _on_board(tpl, colour, smear)
        scores = _strip_scores(aligned, ref, ref, HOP)
        # marks that do not correlate are hidden only if the colour is not the logo's either (blur, glare)
        seen = (scores >= IN_VIEW) | (_strip_distances(aligned, ref, HOP) < COLOUR_TOL)
    else:  # no strip is sure: the colour behind a strip under which the whole artwork agrees best
        colour, scores = _likeliest_board(aligned, local[0, ::STRIP_PX], tpl, smear)
        seen = scores >= IN_VIEW
    share = float((tpl.mass * seen[nearest]).sum() / max(tpl.mass.sum(), 1e-9))
    matched = scores[scores >= IN_VIEW]
    agreement = float(matched.mean()) if len(matched) else 0.0
    if len(matched) and agreement < SETTLED:  # the marks in view only half agree: the
        # artwork is misaligned or not this lockup, so nothing is judged hidden
        return _Placement(float("nan"), float(scores.mean()), trusted, None, agreement)
    # the box, less its plain board outside the artwork and the artwork's hidden ends
    x, y, w, h = where
    left, right = _plain_ends(big[y : y + h], colour, (x, x + w), (box[0], box[0] + box[2]))
    start, end = _hidden_ends(seen[nearest], tpl.alpha)
    scale = box[2] / width
    left, right = max(left, box[0] + start * scale), min(right, box[0] + end * scale)
    keep = ((left - x) / w, (right - x) / w) if right > left else (0.0, 1.0)
    return _Placement(share, float(scores.mean()), trusted, keep, agreement)


def _on_board(tpl: Template, board: np.ndarray, smear: int | None = None) -> np.ndarray:
    """Return the artwork composited on ``board`` (BGR, one colour or one per canonical column),
    blurred and smeared by ``smear`` columns with :func:`_blur` (not at all when None)."""
    art = tpl.colour + (1.0 - tpl.alpha[..., None]) * board
    return art if smear is None else _blur(art, smear)


def _likeliest_board(
    aligned: np.ndarray, colours: np.ndarray, tpl: Template, smear: int
) -> tuple[np.ndarray, np.ndarray]:
    """Return the board colour (BGR) among ``colours`` (those behind the artwork's strips, one per
    row) under which the artwork, composited on it and smeared by ``smear`` columns, agrees best with
    ``aligned`` (the sum of its strips' agreement), and its strips' agreement (0..1, one every
    :data:`HOP` columns); a colour within half :data:`COLOUR_TOL` of one already tried is skipped. A
    player in front of part of a logo puts his colours behind some strips: on them, the artwork's
    marks and board agree less than on the board's own colour."""
    tried: list[np.ndarray] = []
    for c in colours:
        if all(np.linalg.norm(c - t) >= COLOUR_TOL / 2 for t in tried):
            tried.append(c)
    refs = [_on_board(tpl, c, smear) for c in tried]
    scored = [(c, _strip_scores(aligned, ref, ref, HOP)) for c, ref in zip(tried, refs, strict=True)]
    return max(scored, key=lambda cs: float(cs[1].sum()))


def _clockwise(poly: np.ndarray) -> np.ndarray:
    """Return the 4 corners clockwise on screen, from the one nearest the top-left."""
    centre = poly.mean(0)
    ring = poly[np.argsort(np.arctan2(poly[:, 1] - centre[1], poly[:, 0] - centre[0]))]
    return np.roll(ring, -int(np.argmin(ring.sum(1))), axis=0)


def visible_share(
    image: np.ndarray, poly: np.ndarray, templates: Sequence[Template]
) -> tuple[float, bool, np.ndarray | None]:
    """Return ``(share, trusted, extent)``: the fraction (0..1) of the logo in ``poly`` (4 x 2 frame
    pixels, any corner order) in view in the BGR ``image``, judged with the template that agrees best;
    whether a strip agreed at least :data:`TRUSTED` (the artwork is recognisably what is shown); and
    the polygon's part that is the logo in view (4 x 2 frame pixels, clockwise from the top-left):
    ``poly`` less, along its length, the plain board outside the aligned artwork and the artwork's
    hidden ends. The share is NaN and the extent None when the polygon touches the frame border, is
    under :data:`MIN_SIDE_PX` pixels high, the sponsor has no template or nothing is judged."""
    h, w = image.shape[:2]
    poly = _clockwise(np.asarray(poly, dtype=float).reshape(4, 2))
    if poly[:, 0].min() < 1 or poly[:, 1].min() < 1 or poly[:, 0].max() > w - 1 or poly[:, 1].max() > h - 1:
        return float("nan"), False, None
    side = min(np.linalg.norm(poly[3] - poly[0]), np.linalg.norm(poly[2] - poly[1]))
    if side < MIN_SIDE_PX or not templates:
        return float("nan"), False, None
    if image.ndim == 2:
        image = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    share, _, trusted, keep = max((_judge(image, poly, t) for t in templates), key=lambda j: (j[2], j[1]))
    if keep is None:
        return share, trusted, None
    (start, end), (tl, tr, br, bl) = keep, poly
    extent = np.array(
        [tl + start * (tr - tl), tl + end * (tr - tl), bl + end * (br - bl), bl + start * (br - bl)]
    )
    return share, trusted, extent


class ArtworkOcclusion:
    """The visible share of detections of the sponsors whose artwork is given.

    ``artwork`` maps a sponsor to its artwork files (:func:`vision.io.artwork.load_artwork` reads them);
    files that cannot be read are skipped, as the text reader skips them.

    A sponsor's shares count once its artwork has been *trusted* (recognised, :func:`visible_share`)
    on :data:`TRUST_AFTER` of its detections in the run: from then on the artwork is known to be how
    the sponsor looks in this footage, and a logo where no strip agrees is hidden, not another form of
    the mark. Before that, untrusted shares are NaN (not judged). :meth:`start` begins a new run.
    """

    def __init__(self, artwork: Mapping[str, Sequence[str | Path]]) -> None:
        from vision.io.artwork import ArtworkError, load_artwork

        self.templates: dict[str, list[Template]] = {}
        self.files: dict[str, list[str]] = {}
        for sponsor, paths in artwork.items():
            for f in paths:
                try:
                    tpl = template(load_artwork(f))
                except ArtworkError:
                    continue
                self.templates.setdefault(sponsor, []).append(tpl)
                self.files.setdefault(sponsor, []).append(str(f))
        self.trusted: dict[str, int] = {}

    def start(self) -> None:
        """Begin a new run (a video, a photo archive): no sponsor's artwork is trusted yet."""
        self.trusted = {}

    def __bool__(self) -> bool:
        return bool(self.templates)

    def fingerprint(self) -> dict[str, list[str]]:
        """Return what identifies the judge in a run key: the sha256 of each sponsor's artwork files."""
        from measure.hashing import sha256_path

        return {s: [sha256_path(f) for f in fs] for s, fs in sorted(self.files.items())}

    def __call__(
        self, image: np.ndarray, polys: np.ndarray, sponsors: Sequence[str]
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return the visible share (0..1, NaN when not judged) of each of ``polys`` (``(N, 4, 2)``
        frame pixels) of ``sponsors`` (N names) in the BGR ``image``, and the part of each polygon
        that is the logo in view (``(N, 4, 2)`` frame pixels; the polygon itself where not judged;
        :func:`visible_share`)."""
        polys = np.asarray(polys, dtype=float).reshape(-1, 4, 2)
        shares, extents = np.full(len(polys), np.nan), polys.copy()
        for i, (p, s) in enumerate(zip(polys, map(str, sponsors), strict=True)):
            share, trusted, extent = visible_share(image, p, self.templates.get(s, []))
            if trusted:
                self.trusted[s] = self.trusted.get(s, 0) + 1
            if trusted or self.trusted.get(s, 0) >= TRUST_AFTER:
                shares[i] = share
                if extent is not None:
                    extents[i] = extent
        return shares, extents


def in_view(
    occlusion: ArtworkOcclusion | None, image: np.ndarray, dets: Detections
) -> tuple[Detections, np.ndarray | None]:
    """Return one frame's ``dets`` judged against the sponsors' artwork in the BGR ``image``: each
    detection's polygon cut to the logo's part in view where judged (:func:`visible_share`), and the
    share in view of each (fractions, NaN where not judged; None without a judge or detections)."""
    if not occlusion or not len(dets):
        return dets, None
    shares, extents = occlusion(image, dets.corners, [str(s) for s in dets.sponsor])
    cut = np.abs(extents - dets.corners).max(axis=(1, 2)) > 1e-6
    if cut.any():
        xyxy = dets.xyxy.copy()
        xyxy[cut] = np.concatenate([extents[cut].min(axis=1), extents[cut].max(axis=1)], axis=1)
        polygon = None
        if dets.polygon is not None:
            polygon = dets.polygon.copy()
            polygon[cut] = extents[cut]
        dets = replace(dets, xyxy=xyxy, polygon=polygon)
    return dets, shares
