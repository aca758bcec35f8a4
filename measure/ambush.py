"""The ambush radar: the "other brands seen" table, from the lines whole-frame reads found that name
no catalogue sponsor.

Pure numbers (no pixels, no vision): the reads come as a table (:data:`READ_COLUMNS`, one row per text
line read, collected by :mod:`vision.inference.other_reads`), the text rules (normalisation, OCR
confusable keys, the catalogue matcher, common words) come from the caller as a :class:`TextRules`.
The rules, thresholds and the definition of the seconds are in :mod:`measure.methodology`
(``other_brand_s`` and the radar constants); in short, a read counts toward an other brand when:

1. its text is readable (at least :data:`~measure.methodology.RADAR_MIN_CHARS` letters or digits,
   not mostly digits: clocks, scores, minute marks), is not made only of common or broadcast words
   (:data:`BROADCAST_WORDS` and the matcher's common words), and does not name a catalogue sponsor,
   even cut (the matcher's prefix and suffix rules);
2. it is not the broadcaster's own graphic: a read that stays still (to within
   :data:`~measure.methodology.RADAR_FIXED_TOL` of the frame diagonal, from its previous or next read)
   at a place where its text stays still in another shot too is dropped (boards move with the camera;
   a channel caption stays put, across cuts);
3. spelling variants group: texts with one OCR confusable key are one brand, and a smaller group
   whose key is within the matcher's edit distance of a larger brand's joins it;
4. the brand recurs at a stable place: at least :data:`~measure.methodology.RADAR_MIN_READS` of its
   reads are *placed* (a read of the same brand at its previous or next read moment of the shot, at
   most :data:`~measure.methodology.RADAR_MAX_GAP_READS` whole-frame reads away, lies within
   :data:`~measure.methodology.RADAR_PLACE_TOL` of the frame diagonal) and those span at least
   :data:`~measure.methodology.RADAR_MIN_SPAN_S` seconds.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from itertools import pairwise
from typing import Protocol

import numpy as np
import pandas as pd

from measure.methodology import (
    RADAR_CLEAR_SCORE,
    RADAR_FIXED_TOL,
    RADAR_MAX_BRANDS,
    RADAR_MAX_DIGIT_SHARE,
    RADAR_MAX_GAP_READS,
    RADAR_MIN_CHARS,
    RADAR_MIN_READS,
    RADAR_MIN_SPAN_S,
    RADAR_PLACE_TOL,
)
from measure.records import Timeline

#: The reads table: one row per text line a whole-frame read found that names no sponsor.
#: ``text`` as read, ``score`` the recognition confidence [0, 1], ``frame`` and ``t`` (seconds) of the
#: read, ``px0..py3`` the line's 4 corners in pixels, clockwise from the top-left.
READ_COLUMNS: dict[str, str] = {
    "text": "object",
    "score": "float32",
    "frame": "int64",
    "t": "float64",
    **{f"p{a}{i}": "float32" for i in range(4) for a in "xy"},
}

#: The "other brands seen" table, one row per brand, most seconds first.
OTHER_BRAND_COLUMNS: dict[str, str] = {
    "brand": "object",  # the brand's most frequent spelling, as read
    "seconds": "float64",  # other_brand_s: seconds the brand stands on screen
    "reads": "int64",  # lines read as it (after the filters)
    "spellings": "int64",  # distinct spellings grouped under it
    "shots": "int64",  # shots it was read in
    "first_t": "float64",  # seconds: its first read
    "mean_screen_share": "float64",  # fraction of the frame, seconds-weighted over its reads
    "best_frame": "int64",  # the frame of its largest clear read
    "best_t": "float64",
    "best_x1": "float64",  # pixels: the bounding box of that read's line
    "best_y1": "float64",
    "best_x2": "float64",
    "best_y2": "float64",
}

_BROADCAST_TEXT = """
    live replay replays hd uhd fhd 4k sd min mins minute minutes sec secs added injury stoppage
    aet et pen pens penalty shootout vivo directo direct direkt diretta en au dal in im am pm
    wiederholung zeitlupe repeticion repeticao ralenti moviola slow motion highlights
    exclusive exklusiv only nur watch now tonight today heute next up sponsored presented by powered
    official partner partners offizieller tickets shop store app download follow us on goal tor gol
    but fulltime halftime full half time end
"""
#: Broadcast words that never make a brand on their own, beyond the matcher's common words: the
#: on-screen vocabulary of live sport (normalised: lower case, no accents).
BROADCAST_WORDS: frozenset[str] = frozenset(_BROADCAST_TEXT.split())


class TextRules(Protocol):
    """The text semantics the radar needs (the vision side's matcher gives them)."""

    def normalise(self, text: str) -> str:
        """Return ``text`` casefolded, without accents or punctuation, words split by single spaces."""
        ...

    def key(self, text: str) -> str:
        """Return the OCR confusable key of ``text`` (spaces removed, confusable letters mapped)."""
        ...

    def names_sponsor(self, text: str) -> bool:
        """Return True when ``text`` names a catalogue sponsor, even cut at an edge."""
        ...

    def is_common(self, word: str) -> bool:
        """Return True when the normalised ``word`` is a common word (never a name on its own)."""
        ...

    def distance(self, a: str, b: str) -> int:
        """Return the Levenshtein distance between two keys."""
        ...

    def max_edits(self, length: int) -> int:
        """Return the edits the matcher allows between names of ``length`` characters."""
        ...


def empty_reads() -> pd.DataFrame:
    """Return an empty reads table (:data:`READ_COLUMNS`)."""
    return pd.DataFrame({c: pd.Series(dtype=d) for c, d in READ_COLUMNS.items()})


def empty_brands() -> pd.DataFrame:
    """Return an empty "other brands seen" table (:data:`OTHER_BRAND_COLUMNS`)."""
    return pd.DataFrame({c: pd.Series(dtype=d) for c, d in OTHER_BRAND_COLUMNS.items()})


def brand_text(text: str, rules: TextRules) -> str | None:
    """Return the confusable key of ``text`` when it may name another brand, else None.

    None for a text with fewer than ``RADAR_MIN_CHARS`` letters or digits, one whose characters are
    more than ``RADAR_MAX_DIGIT_SHARE`` digits, one made only of numbers, common and broadcast words, and one
    that names a catalogue sponsor.
    """
    norm = rules.normalise(text)
    chars = norm.replace(" ", "")
    alnum = sum(ch.isalnum() for ch in chars)
    if alnum < RADAR_MIN_CHARS:
        return None
    if sum(ch.isdigit() for ch in chars) > RADAR_MAX_DIGIT_SHARE * alnum:
        return None
    if all(w.isdigit() or w in BROADCAST_WORDS or rules.is_common(w) for w in norm.split()):
        return None
    if rules.names_sponsor(text):
        return None
    key = rules.key(text)
    return key or None


def standing_seconds(read_times: np.ndarray, timeline: Timeline) -> np.ndarray:
    """Return the seconds each whole-frame read stands for (``read_times``: seconds, ascending,
    every whole-frame read): until the next read, the next cut or the end of the video, whichever
    comes first (``other_brand_s`` in :mod:`measure.methodology`)."""
    t = np.asarray(read_times, dtype=float)
    if len(t) == 0:
        return np.zeros(0)
    nxt = np.append(t[1:], max(timeline.duration_s, float(t[-1])))
    cuts = np.asarray(timeline.cuts_s, dtype=float)
    if len(cuts):
        i = np.searchsorted(cuts, t, side="right")
        cut_after = np.where(i < len(cuts), cuts[np.minimum(i, len(cuts) - 1)], np.inf)
        nxt = np.minimum(nxt, cut_after)
    return np.maximum(nxt - t, 0.0)


def _geometry(reads: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return each read's centre x, y and area (pixels, pixels, square pixels; shoelace)."""
    xs = reads[[f"px{i}" for i in range(4)]].to_numpy(float)
    ys = reads[[f"py{i}" for i in range(4)]].to_numpy(float)
    area = 0.5 * np.abs(
        np.sum(xs * np.roll(ys, -1, axis=1), axis=1) - np.sum(ys * np.roll(xs, -1, axis=1), axis=1)
    )
    return xs.mean(axis=1), ys.mean(axis=1), area


def _pinned(
    keys: np.ndarray, moment: np.ndarray, cx: np.ndarray, cy: np.ndarray, shot: np.ndarray, tol: float
) -> np.ndarray:
    """Return True for each read that is still (its text read within ``tol`` pixels at its previous or
    next read moment of the shot, :func:`_placed`) at a place (a grid of ``tol`` pixels and its
    neighbours) where its text is read still in another shot too: the broadcaster's graphic, fixed on
    screen across cuts. Boards move with the camera; a still camera's board in one shot is kept."""
    still = np.zeros(len(keys), dtype=bool)
    for rows in pd.Series(keys).groupby(keys, sort=False).indices.values():
        if len(rows) > 1:
            still[rows] = _placed(moment[rows], cx[rows], cy[rows], shot[rows], tol)
    idx = np.flatnonzero(still)
    cells: dict[tuple[object, int, int], set[int]] = defaultdict(set)
    gx = np.floor(cx[idx] / tol).astype(np.int64).tolist()
    gy = np.floor(cy[idx] / tol).astype(np.int64).tolist()
    rows_still = list(zip(keys[idx].tolist(), gx, gy, shot[idx].tolist(), strict=True))
    for k, x, y, s in rows_still:
        cells[(k, x, y)].add(s)
    out = np.zeros(len(keys), dtype=bool)
    for i, (k, x, y, s) in zip(idx.tolist(), rows_still, strict=True):
        out[i] = any(cells.get((k, x + dx, y + dy), set()) - {s} for dx in (-1, 0, 1) for dy in (-1, 0, 1))
    return out


def _placed(moment: np.ndarray, cx: np.ndarray, cy: np.ndarray, shot: np.ndarray, tol: float) -> np.ndarray:
    """Return True for each read of one brand with a read of it within ``tol`` pixels (centre to
    centre) at its previous or next read moment of the same shot, when that moment is at most
    ``RADAR_MAX_GAP_READS`` whole-frame reads away (``moment``: each read's index among every
    whole-frame read)."""
    out = np.zeros(len(moment), dtype=bool)
    order = np.lexsort((moment, shot))
    groups: list[tuple[int, int, list[int]]] = []  # (shot, read index, rows) per read moment
    for i in order.tolist():
        if groups and groups[-1][0] == shot[i] and groups[-1][1] == moment[i]:
            groups[-1][2].append(i)
        else:
            groups.append((int(shot[i]), int(moment[i]), [i]))
    for (s0, m0, a), (s1, m1, b) in pairwise(groups):
        if s0 != s1 or m1 - m0 > RADAR_MAX_GAP_READS:
            continue
        d = np.hypot(cx[a][:, None] - cx[b][None, :], cy[a][:, None] - cy[b][None, :]) <= tol
        out[np.asarray(a)[d.any(axis=1)]] = True
        out[np.asarray(b)[d.any(axis=0)]] = True
    return out


#: Spelling variants join only the this many keys read most often (a bound on the work: the table
#: lists at most ``RADAR_MAX_BRANDS`` brands).
MERGE_ANCHORS = 4 * RADAR_MAX_BRANDS


def _group_keys(counts: Counter[str], rules: TextRules) -> dict[str, str]:
    """Return ``{key: brand key}``: each key joins the first key read more often (an anchor: one of the
    :data:`MERGE_ANCHORS` keys read most often, with at least ``RADAR_MIN_READS`` reads) within the
    matcher's edit distance of that anchor; others stand alone. Candidates are found by length and
    bag distance (vectorised lower bounds of the edit distance) before the edit distance is computed."""
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    keys = [k for k, _ in ordered]
    out = {k: k for k in keys}
    anchors = [i for i, (k, n) in enumerate(ordered) if n >= RADAR_MIN_READS and rules.max_edits(len(k)) > 0][
        :MERGE_ANCHORS
    ]
    if not anchors:
        return out
    alphabet: dict[str, int] = {}
    for k in keys:
        for ch in k:
            alphabet.setdefault(ch, len(alphabet))
    bags = np.zeros((len(keys), len(alphabet)), dtype=np.int16)
    for i, k in enumerate(keys):
        for ch in k:
            bags[i, alphabet[ch]] += 1
    lengths = np.array([len(k) for k in keys])
    a_idx = np.asarray(anchors)
    a_bags, a_len = bags[a_idx], lengths[a_idx]
    a_edits = np.array([rules.max_edits(int(n)) for n in a_len])
    for start in range(0, len(keys), 512):
        diff = a_bags[None, :, :] - bags[start : start + 512, None, :]
        bag = np.maximum(np.clip(diff, 0, None).sum(axis=2), np.clip(-diff, 0, None).sum(axis=2))
        rows = np.arange(start, min(start + 512, len(keys)))
        near = (
            (bag <= a_edits[None, :])
            & (np.abs(lengths[rows][:, None] - a_len[None, :]) <= a_edits[None, :])
            & (a_idx[None, :] < rows[:, None])  # only an anchor read more often
        )
        for r, cand in zip(rows.tolist(), near, strict=True):
            for a in np.flatnonzero(cand).tolist():
                anchor = keys[int(a_idx[a])]
                if rules.distance(anchor, keys[r]) <= int(a_edits[a]):
                    out[keys[r]] = out[anchor]
                    break
    return out


def other_brands(
    reads: pd.DataFrame, read_times: Iterable[float], timeline: Timeline, rules: TextRules
) -> pd.DataFrame:
    """Return the "other brands seen" table (:data:`OTHER_BRAND_COLUMNS`, most seconds first, at most
    ``RADAR_MAX_BRANDS`` rows) of the unmatched ``reads`` (:data:`READ_COLUMNS`) of the whole-frame
    reads made at ``read_times`` (seconds, every whole-frame read, with or without lines) of a video
    whose analysed frames, cuts and size are ``timeline``. See the module docstring for the rules."""
    times = np.unique(np.asarray(list(read_times), dtype=float))
    if reads.empty or len(times) == 0:
        return empty_brands()
    keys = {t: brand_text(t, rules) for t in pd.unique(reads["text"])}
    key = reads["text"].map(keys)
    df = reads[key.notna()].assign(key=key[key.notna()]).reset_index(drop=True)
    if df.empty:
        return empty_brands()
    w, h = float(timeline.width or 1), float(timeline.height or 1)
    diag = float(np.hypot(w, h))
    cx, cy, area = _geometry(df)
    t = df["t"].to_numpy(float)
    shot = np.searchsorted(np.asarray(timeline.cuts_s, dtype=float), t, side="right")
    at = np.clip(np.searchsorted(times, t), 0, len(times) - 1)
    keep = ~_pinned(df["key"].to_numpy(object), at, cx, cy, shot, RADAR_FIXED_TOL * diag)
    df, cx, cy, area, t, shot, at = (
        df[keep].reset_index(drop=True),
        cx[keep],
        cy[keep],
        area[keep],
        t[keep],
        shot[keep],
        at[keep],
    )
    if df.empty:
        return empty_brands()
    home = _group_keys(Counter(df["key"]), rules)
    brand = df["key"].map(home).to_numpy(object)
    standing = standing_seconds(times, timeline)
    scores = df["score"].to_numpy(float)
    texts = df["text"].to_numpy(object)
    rows = []
    groups = pd.Series(brand).groupby(brand, sort=False).indices
    for rows_b in groups.values():
        if len(rows_b) < RADAR_MIN_READS:
            continue
        placed = _placed(at[rows_b], cx[rows_b], cy[rows_b], shot[rows_b], RADAR_PLACE_TOL * diag)
        pt = t[rows_b][placed]
        if placed.sum() < RADAR_MIN_READS or pt.max() - pt.min() < RADAR_MIN_SPAN_S:
            continue
        moments = np.unique(at[rows_b])
        seconds = float(standing[moments].sum())
        weight = standing[at[rows_b]]
        share = area[rows_b] / (w * h)
        mean_share = float(np.average(share, weights=weight)) if weight.sum() > 0 else float(share.mean())
        clear = scores[rows_b] >= RADAR_CLEAR_SCORE
        pool = rows_b[clear] if clear.any() else rows_b
        best = int(pool[np.argmax(area[pool])])
        xs = df.loc[best, [f"px{i}" for i in range(4)]].to_numpy(float)
        ys = df.loc[best, [f"py{i}" for i in range(4)]].to_numpy(float)
        spellings = Counter(texts[rows_b].tolist())
        first = texts[rows_b[np.argmin(t[rows_b])]]
        text = max(spellings, key=lambda s: (spellings[s], s == first))  # ties: the first read's
        rows.append(
            {
                "brand": str(text),
                "seconds": seconds,
                "reads": len(rows_b),
                "spellings": len(spellings),
                "shots": len(np.unique(shot[rows_b])),
                "first_t": float(t[rows_b].min()),
                "mean_screen_share": mean_share,
                "best_frame": int(df.loc[best, "frame"]),
                "best_t": float(df.loc[best, "t"]),
                "best_x1": float(xs.min()),
                "best_y1": float(ys.min()),
                "best_x2": float(xs.max()),
                "best_y2": float(ys.max()),
            }
        )
    if not rows:
        return empty_brands()
    out = pd.DataFrame(rows, columns=list(OTHER_BRAND_COLUMNS)).astype(OTHER_BRAND_COLUMNS)
    out = out.sort_values(["seconds", "reads", "brand"], ascending=[False, False, True], kind="stable")
    return out.head(RADAR_MAX_BRANDS).reset_index(drop=True)
