"""Scores of a detector against hand labels of real footage: per-frame sponsor presence and clip exposure.

Presence is judged per (frame, sponsor) pair: a sponsor is *present* in a frame when at least one of
its logos is legible there (see ``tests/data/real_labels.json`` for the definition used by the
benchmark). A prediction is the set of sponsors the detector reported in that frame. Scores are
micro-averaged over all (frame, sponsor) pairs, so frequent sponsors weigh more.

The clip metric compares measured exposure seconds per sponsor with the seconds of the labelled
time ranges in which that sponsor was legible.

Pure Python; no torch, no pixels.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

Truth = Mapping[str, Iterable[str]]
"""{frame id: sponsors legible in that frame}."""


@dataclass(frozen=True)
class Counts:
    """True positives, false positives and false negatives over (frame, sponsor) pairs."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(self.tp + other.tp, self.fp + other.fp, self.fn + other.fn)

    @property
    def precision(self) -> float:
        """tp / (tp + fp); 1.0 when nothing was predicted (no false claim was made)."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        """tp / (tp + fn); 1.0 when nothing was there to find."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall, from the counts: 2tp / (2tp + fp + fn); 1.0 when empty."""
        denom = 2 * self.tp + self.fp + self.fn
        return 2 * self.tp / denom if denom else 1.0

    def as_dict(self) -> dict[str, float | int]:
        """Return precision, recall, f1 (fractions) and tp, fp, fn (pair counts)."""
        return {
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
        }


@dataclass
class PresenceScores:
    """Micro-averaged presence scores plus the same counts per sponsor."""

    total: Counts
    per_sponsor: dict[str, Counts] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        """Return ``{precision, recall, f1, tp, fp, fn, per_sponsor: {sponsor: {...}}}``."""
        return {
            **self.total.as_dict(),
            "per_sponsor": {s: c.as_dict() for s, c in sorted(self.per_sponsor.items(), key=_casefold)},
        }


def _casefold(item: tuple[str, object]) -> str:
    return item[0].casefold()


def _check_frames(truth: Truth, predicted: Truth) -> None:
    unknown = sorted(set(predicted) - set(truth))
    if unknown:
        raise ValueError(f"predictions for frames that have no labels: {', '.join(unknown[:5])}")


def presence_counts(truth: Truth, predicted: Truth, sponsors: Iterable[str] | None = None) -> PresenceScores:
    """Count tp/fp/fn over (frame, sponsor) pairs, in total and per sponsor.

    ``truth`` and ``predicted`` map a frame id to sponsor names; a frame missing from ``predicted``
    counts as "nothing detected". Only sponsors in ``sponsors`` are scored when it is given (the
    onboarded sponsors, i.e. the model's classes); otherwise every name seen in either side is.
    Raises ValueError when ``predicted`` names a frame that ``truth`` lacks.
    """
    _check_frames(truth, predicted)
    keep = None if sponsors is None else set(sponsors)
    per: dict[str, Counts] = {s: Counts() for s in keep} if keep is not None else {}
    for frame, labelled in truth.items():
        t = set(labelled)
        p = set(predicted.get(frame, ()))
        if keep is not None:
            t &= keep
            p &= keep
        for s in t | p:
            c = Counts(int(s in t and s in p), int(s in p and s not in t), int(s in t and s not in p))
            per[s] = per.get(s, Counts()) + c
    total = sum(per.values(), Counts())
    return PresenceScores(total, per)


def presence_scores(
    truth: Truth, predicted: Truth, sponsors: Iterable[str] | None = None
) -> dict[str, object]:
    """Return micro-averaged presence precision, recall and F1 over (frame, sponsor) pairs.

    The dict holds ``precision``, ``recall``, ``f1`` (fractions in [0, 1]), ``tp``, ``fp``, ``fn``
    (pair counts) and ``per_sponsor`` (the same keys per sponsor). See :func:`presence_counts` for
    the arguments.
    """
    return presence_counts(truth, predicted, sponsors).as_dict()


def negative_frames(truth: Truth, sponsors: Iterable[str]) -> list[str]:
    """Return the frames in which none of ``sponsors`` (the onboarded ones) is legible."""
    keep = set(sponsors)
    return [f for f, labelled in truth.items() if not set(labelled) & keep]


def false_positives_per_frame(
    truth: Truth, predicted: Truth, sponsors: Iterable[str]
) -> dict[str, float | int]:
    """False sponsor claims per frame, on the frames that show none of the onboarded ``sponsors``.

    Those frames hold only crowd, pitch, graphics and boards of other sponsors, so every onboarded
    sponsor reported there is false. Returns ``{frames, false_positives, fp_per_frame}``;
    ``fp_per_frame`` (false (frame, sponsor) pairs / frames) is NaN when there is no such frame.
    """
    _check_frames(truth, predicted)
    keep = set(sponsors)
    frames = negative_frames(truth, keep)
    fps = sum(len(set(predicted.get(f, ())) & keep) for f in frames)
    return {
        "frames": len(frames),
        "false_positives": fps,
        "fp_per_frame": fps / len(frames) if frames else float("nan"),
    }


def ranges_seconds(ranges: Iterable[Iterable[float]]) -> float:
    """Return the seconds covered by ``[[start_s, end_s], ...]``, overlaps counted once.

    Raises ValueError for a range whose end is before its start.
    """
    spans = []
    for r in ranges:
        start, end = (float(v) for v in r)
        if end < start:
            raise ValueError(f"time range [{start}, {end}] ends before it starts")
        spans.append((start, end))
    total, cur_start, cur_end = 0.0, None, None
    for start, end in sorted(spans):
        if cur_end is None or start > cur_end:
            if cur_end is not None:
                total += cur_end - cur_start
            cur_start, cur_end = start, end
        else:
            cur_end = max(cur_end, end)
    if cur_end is not None:
        total += cur_end - cur_start
    return total


def exposure_errors(
    truth_ranges: Mapping[str, Iterable[Iterable[float]]],
    measured_s: Mapping[str, float],
    sponsors: Iterable[str] | None = None,
) -> dict[str, object]:
    """Compare measured exposure seconds with labelled legible time ranges, per sponsor.

    ``truth_ranges`` is ``{sponsor: [[start_s, end_s], ...]}``, ``measured_s`` is
    ``{sponsor: exposure_s}`` from an analysis. Only sponsors in ``sponsors`` are compared when it is
    given (the onboarded ones). Returns ``{per_sponsor: {sponsor: {truth_s, measured_s, rel_error}},
    median_rel_error, spurious: {sponsor: measured_s}}`` where ``rel_error`` = |measured - truth| /
    truth (a fraction) over sponsors with truth_s > 0, ``median_rel_error`` their median (NaN when
    there is none), and ``spurious`` the sponsors measured > 0 s that were never legible.
    """
    keep = None if sponsors is None else set(sponsors)
    per: dict[str, dict[str, float]] = {}
    for sponsor, ranges in truth_ranges.items():
        if keep is not None and sponsor not in keep:
            continue
        truth_s = ranges_seconds(ranges)
        if truth_s <= 0:
            continue
        got = float(measured_s.get(sponsor, 0.0))
        per[sponsor] = {"truth_s": truth_s, "measured_s": got, "rel_error": abs(got - truth_s) / truth_s}
    spurious = {
        s: float(v)
        for s, v in measured_s.items()
        if float(v) > 0 and s not in per and (keep is None or s in keep)
    }
    errors = [v["rel_error"] for v in per.values()]
    return {
        "per_sponsor": dict(sorted(per.items(), key=_casefold)),
        "median_rel_error": statistics.median(errors) if errors else float("nan"),
        "spurious": spurious,
    }
