"""The text reader checks the model: every model detection of a sponsor that reads is read on its crop.

A track of the model (one sponsor, one shot, one ByteTrack id) gets a verdict from the reads of its
crops (recognition only, no text detection, so a read costs a few milliseconds):

- ``confirmed``: at least one crop reads as the track's sponsor (its name or an alias);
- ``rejected``: no crop reads as the sponsor and at least one reads as *another* word or another
  sponsor with a recognition score of at least :data:`REJECT_SCORE`: the model boxed something
  legible that is not its sponsor (a read holding a part of the sponsor's own name, at least 60 %
  of it, is not another word);
- ``unread``: neither (blurred, tiny or icon-like crops). What happens to unread tracks is the
  ``unread`` policy (:data:`UNREAD_POLICIES`): ``count`` counts them, as a model's detections count
  with no reader; ``drop`` counts only what a read confirmed; ``auto`` (the default) decides at the
  end of a video from the run's own reads: it drops them when the model is unreliable on this
  footage, i.e. its :meth:`TrackChecker.reliability` (confirmed / (confirmed + rejected)) is below
  :data:`~measure.report.RELIABILITY_ADVICE` over at least
  :data:`~measure.report.RELIABILITY_MIN_TRACKS` judged tracks: most tracks the reader could judge
  named something else, so the ones it could not judge are more likely wrong than right too. A photo
  archive decides once every photo is read (:meth:`CheckedDetector.final_keep`); ``batch`` stores
  each photo on its own, so there ``auto`` counts them. Sponsors that never read (``reads = false``)
  are never judged: every policy counts them.

Rejected tracks do not count toward any number. A detection the tracker did not claim is its own
track. A track is read at its 1st, 2nd, 4th, 8th ... detection, at most :data:`MAX_READS` times, and
no more once confirmed, so checking costs a bounded number of reads per track however long it lasts.
A track (or untracked detection) that starts where a confirmed track of the same sponsor was seen in
the same shot, within :data:`PLACE_FRAMES` checked frames and overlapping its last box by an IoU of at
least :data:`PLACE_IOU`, continues that track's logo and is confirmed without a read: trackers split
one logo into several ids when it is occluded or fades, and reading every fragment again would
double the cost of checking for nothing.
A confirmed track that the tracker *re-finds* (it was missing from at least one analysed frame) is
read again at its 1st, 2nd, 4th ... detection after the gap, at most :data:`MAX_READS` times: a
tracker that lost a board may hand its id to the next board along. A detection whose re-read names
another word or sponsor (the rule of ``rejected``) is dropped, and so is every later detection of the
track until a read names its sponsor again; the detections before the gap keep their verdict. The
report counts the dropped detections as ``dropped_after_refind``.
Sponsors whose catalogue entry says ``reads = false`` (icon-only marks) are never read. In a video,
only detections that qualify (clarity and size thresholds) are read: the others count toward no
number, whatever their verdict.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Any

import numpy as np
import pandas as pd

from measure.geometry import box_iou
from measure.report import unreliable
from vision.inference.detections import Detections
from vision.inference.reader import TextReader, crop_polygon
from vision.inference.text_match import confusable_key

#: Verdicts of a track, in report order.
VERDICTS: tuple[str, ...] = ("confirmed", "rejected", "unread")
#: What happens to unread tracks: decided from the run's reads (the default), counted or dropped.
UNREAD_POLICIES: tuple[str, ...] = ("auto", "count", "drop")

#: Reads at most this many crops of one track.
MAX_READS = 4
#: A crop read as another word rejects only with at least this recognition score, [0, 1].
REJECT_SCORE = 0.8
#: A new track inherits a confirmed track's verdict when its box overlaps the confirmed box by this IoU.
PLACE_IOU = 0.3
#: ... and the confirmed track was seen at most this many checked frames before.
PLACE_FRAMES = 10

TrackKey = tuple[int, str, int]
"""(shot, sponsor, track id) of a tracked detection."""


@dataclass
class _Track:
    seen: int = 0
    reads: int = 0
    matched: bool = False
    other: bool = False
    #: checked frame number of the track's last detection
    last: int = -1
    #: whether the tracker re-found the track after confirming it; detections and re-reads since then
    refound: bool = False
    since: int = 0
    rereads: int = 0
    #: a re-read since the re-find named something else: drop detections until a read names the sponsor
    vetoed: bool = False

    @property
    def verdict(self) -> str:
        return verdict(self.matched, self.other)


def verdict(matched: bool, other: bool) -> str:
    """Return the verdict of a track (or of one detection) from its reads: ``confirmed`` when one
    names the sponsor, else ``rejected`` when one names something else, else ``unread``."""
    if matched:
        return "confirmed"
    return "rejected" if other else "unread"


def read_verdict(reader: TextReader, sponsor: str, text: str, score: float) -> tuple[bool, bool]:
    """Return ``(matched, other)`` for one crop of ``sponsor`` read as ``text`` with ``score``:
    whether it names the sponsor, and whether it confidently names something else.

    A crop is already placed on the sponsor's logo, so it names the sponsor when the matcher finds it
    there, or when one of the sponsor's texts (at least 2 characters) appears anywhere in the read
    after the OCR confusions are folded: an icon beside the wordmark often reads as a stray letter
    ("AAPEXA" for the Apexa mark), which a whole frame's matcher rightly refuses for a short name.
    """
    hits = reader.matcher.match_all(text, at_edge=True)
    if any(h.sponsor == sponsor for h in hits):
        return True, False
    read = confusable_key(text)
    entry = reader.catalogue.named(sponsor)
    keys = [confusable_key(t) for t in (sponsor, *(entry.texts() if entry is not None else ()))]
    if any(len(k) >= 2 and k in read for k in keys):
        return True, False
    if score < REJECT_SCORE or any(_partly(k, read) for k in keys):
        return False, False  # a part of the sponsor's own name ("APEX" of Apexa) is no other word
    return False, bool(hits) or reader.matcher.is_other_word(text)


def _due(n: int) -> bool:
    """Whether the ``n``-th detection (from 1) is read: the 1st, 2nd, 4th, 8th ..."""
    return n & (n - 1) == 0


def _partly(name: str, read: str) -> bool:
    """Whether ``read`` holds a run of at least max(3, 60 %) of ``name``'s characters."""
    if not name or not read:
        return False
    m = SequenceMatcher(None, name, read, autojunk=False).find_longest_match(0, len(name), 0, len(read))
    return m.size >= max(3, math.ceil(0.6 * len(name)))


@dataclass
class TrackChecker:
    """Reads model detections' crops and keeps one verdict per track (see the module doc).

    ``readable`` are the sponsors that may read as text; detections of other sponsors are not read.
    ``unread`` is the policy for unread tracks (:data:`UNREAD_POLICIES`).
    """

    reader: TextReader
    readable: set[str]
    unread: str = "auto"
    #: per detection of the last :meth:`check_mask` call: an untracked detection kept though unread
    last_unread: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    tracks: dict[TrackKey, _Track] = field(default_factory=dict)
    single: dict[str, int] = field(default_factory=lambda: dict.fromkeys(VERDICTS, 0))
    crops_read: int = 0
    #: (shot, sponsor) -> {track id: (last box xyxy pixels, checked frame number)} of confirmed tracks
    places: dict[tuple[int, str], dict[int, tuple[np.ndarray, int]]] = field(default_factory=dict)
    checked_frames: int = 0
    inherited: int = 0
    dropped: int = 0

    def __post_init__(self) -> None:
        if self.unread not in UNREAD_POLICIES:
            raise ValueError(
                f"unread policy must be one of {', '.join(UNREAD_POLICIES)}, got {self.unread!r}"
            )

    def check(self, image: np.ndarray, dets: Detections, shot: int) -> Detections:
        """Read the crops of ``dets`` (one frame, tracked) that need a read; return ``dets`` without
        the untracked detections whose own crop was rejected (see :meth:`check_mask`)."""
        keep = self.check_mask(image, dets, shot)
        return dets if keep.all() else dets[keep]

    def check_mask(
        self, image: np.ndarray, dets: Detections, shot: int, worth: np.ndarray | None = None
    ) -> np.ndarray:
        """Read the crops of ``dets`` (one frame, tracked) that need a read; return a boolean mask,
        False for untracked detections whose own crop was rejected (or is unread, under the ``drop``
        policy; under ``auto`` they are kept and flagged in :attr:`last_unread`, for the caller to drop
        at the end when :meth:`drops_unread`). Tracked verdicts are applied at the end (:meth:`keep`),
        when every read of the track is in. ``worth`` (optional mask) limits reading to the detections
        that can count (those that qualify): the others are neither read nor counted as a track's
        detection."""
        self.checked_frames += 1
        todo: list[int] = []
        keys: list[TrackKey | None] = []
        sponsors = dets.sponsor
        for i in range(len(dets)):
            if (
                dets.source[i] != "model"
                or sponsors[i] not in self.readable
                or (worth is not None and not worth[i])
            ):
                keys.append(None)
                continue
            tid = int(dets.track_id[i])
            if tid < 0:
                keys.append(None)
                if self._at_confirmed_place(shot, sponsors[i], dets.xyxy[i]):
                    self.single["confirmed"] += 1
                    self.inherited += 1
                else:
                    todo.append(i)
                continue
            key = (shot, sponsors[i], tid)
            keys.append(key)
            track = self.tracks.get(key)
            if track is None:
                track = self.tracks[key] = _Track()
                if self._at_confirmed_place(shot, sponsors[i], dets.xyxy[i]):
                    track.matched = True
                    self.inherited += 1
            elif track.matched and self.checked_frames - track.last > 1:  # re-found after a gap
                track.refound, track.since, track.rereads = True, 0, 0
            track.seen += 1
            track.since += 1
            track.last = self.checked_frames
            if not track.matched:
                if _due(track.seen) and track.reads < MAX_READS:
                    todo.append(i)
            elif track.refound and _due(track.since) and track.rereads < MAX_READS:
                todo.append(i)  # a re-found confirmed track: re-read (see the module doc)
        keep = np.ones(len(dets), dtype=bool)
        self.last_unread = np.zeros(len(dets), dtype=bool)
        if todo:
            crops = [crop_polygon(image, dets.corners[i]) for i in todo]
            reads = self.reader.recognise(crops)
            self.crops_read += len(crops)
        else:
            reads = []
        for i, (text, score) in zip(todo, reads, strict=True):
            matched, other = read_verdict(self.reader, sponsors[i], text, score)
            key = keys[i]
            if key is None:
                judged = verdict(matched, other)
                self.single[judged] += 1
                keep[i] = judged == "confirmed" or (judged == "unread" and self.unread != "drop")
                self.last_unread[i] = judged == "unread" and keep[i]
                continue
            track = self.tracks[key]
            if track.matched:  # a re-read of a re-found track
                track.rereads += 1
                track.vetoed = (track.vetoed or other) and not matched
                continue
            track.reads += 1
            track.matched |= matched
            track.other |= other
        for i, key in enumerate(keys):
            if key is not None and self.tracks[key].vetoed:
                keep[i] = False
                self.dropped += 1
        self._remember(dets, keys, keep)
        return keep

    def _at_confirmed_place(self, shot: int, sponsor: str, box: np.ndarray) -> bool:
        """Whether ``box`` (xyxy pixels) overlaps, by IoU >= :data:`PLACE_IOU`, the last box of a
        confirmed track of ``sponsor`` seen in ``shot`` within :data:`PLACE_FRAMES` checked frames."""
        recent = [
            last
            for last, when in self.places.get((shot, sponsor), {}).values()
            if self.checked_frames - when <= PLACE_FRAMES
        ]
        return bool(recent) and float(box_iou(box, np.stack(recent)).max()) >= PLACE_IOU

    def _remember(self, dets: Detections, keys: Sequence[TrackKey | None], keep: np.ndarray) -> None:
        """Record the boxes of this frame's kept detections of confirmed tracks as their last seen place."""
        for i, key in enumerate(keys):
            if key is not None and keep[i] and self.tracks[key].matched:
                shot, sponsor, tid = key
                self.places.setdefault((shot, sponsor), {})[tid] = (dets.xyxy[i], self.checked_frames)

    def drops_unread(self) -> bool:
        """Whether unread tracks do not count: under ``drop``, and under ``auto`` when the reads so far
        judge the model unreliable (:func:`measure.report.unreliable`)."""
        if self.unread != "auto":
            return self.unread == "drop"
        counts = self.verdict_counts()
        return unreliable(counts["confirmed"], counts["rejected"])

    def dropped_tracks(self) -> set[TrackKey]:
        """Return the keys of the tracks that do not count: the rejected ones, and the unread ones
        when :meth:`drops_unread`."""
        drop = {"rejected", "unread"} if self.drops_unread() else {"rejected"}
        return {k for k, t in self.tracks.items() if t.verdict in drop}

    def reliability(self) -> float | None:
        """Return confirmed / (confirmed + rejected) over every track and untracked detection judged so
        far: the share of the model's judged detections that named their sponsor, a fraction in [0, 1];
        None before any was judged."""
        counts = self.verdict_counts()
        judged = counts["confirmed"] + counts["rejected"]
        return counts["confirmed"] / judged if judged else None

    def verdict_counts(self) -> dict[str, int]:
        """Return the number of tracks per verdict (untracked detections count as one-detection tracks)."""
        counts = dict(self.single)
        for t in self.tracks.values():
            counts[t.verdict] += 1
        return counts

    def keep(self, shots: np.ndarray, sponsors: Sequence[str], track_ids: np.ndarray) -> np.ndarray:
        """Return a boolean mask over detection rows (their shot, sponsor, track id): False for rows
        of the tracks that do not count (:meth:`dropped_tracks`)."""
        bad = self.dropped_tracks()
        if not bad:
            return np.ones(len(track_ids), dtype=bool)
        return np.fromiter(
            ((int(s), str(p), int(t)) not in bad for s, p, t in zip(shots, sponsors, track_ids, strict=True)),
            dtype=bool,
            count=len(track_ids),
        )

    def summary(self) -> dict[str, object]:
        """Return the ``checking`` block of a report: tracks per verdict (untracked detections count
        as one-detection tracks), the unread policy, the :meth:`reliability`, crops read, and rejected
        tracks per sponsor."""
        counts = self.verdict_counts()
        per_sponsor: dict[str, int] = {}
        for (_, sponsor, _), t in self.tracks.items():
            if t.verdict == "rejected":
                per_sponsor[sponsor] = per_sponsor.get(sponsor, 0) + 1
        return {
            "tracks": sum(counts.values()),
            **counts,
            "unread_policy": self.unread,
            "unread_counted": not self.drops_unread(),
            "reliability": self.reliability(),
            "crops_read": self.crops_read,
            "confirmed_by_place": self.inherited,
            "dropped_after_refind": self.dropped,
            "rejected_by_sponsor": dict(sorted(per_sponsor.items())),
        }


def add_reads(model: Detections, text: Detections) -> Detections:
    """Return the model's detections of a frame plus the text reads of sponsors the model did not
    detect in it (after the model's): the merge of a whole-frame read with the model."""
    found = set(model.sponsor)
    extra = text[np.asarray([s not in found for s in text.sponsor], dtype=bool)]
    if len(extra) == 0:
        return model
    return Detections.merge([model, extra])


def combined_names(model_names: Sequence[str], reader: TextReader | None) -> list[str]:
    """Return the model's classes followed by the reader's sponsors the model does not know."""
    names = list(model_names)
    if reader is not None:
        names += [n for n in reader.names if n not in set(model_names)]
    return names


class CheckedDetector:
    """The model, checked by the text reader and completed by whole-image reads, for still images
    (photos, benchmark frames): the same ``predict()`` as :class:`vision.inference.detector.LogoDetector`.

    Every detection is its own track here. ``check`` reads the model's detections of readable
    sponsors and drops the rejected ones (and the unread ones, with ``unread="drop"``; with ``auto``,
    :meth:`final_keep` drops them once the whole archive is read, when the reads say so); ``read`` reads
    each whole image and adds the sponsors the model did not find (``source`` ``"text"``).
    ``checking`` counts detections per verdict.
    """

    def __init__(
        self, model: Any, reader: TextReader, check: bool = True, read: bool = True, unread: str = "auto"
    ) -> None:
        self.model = model
        self.reader = reader
        self.check = check
        self.read = read
        self.names = combined_names(model.names, reader)
        self.checker = TrackChecker(reader, set(reader.names), unread=unread)
        #: frame -> per detection returned for it: kept though unread (``auto`` only; frames with any)
        self.unread_kept: dict[int, np.ndarray] = {}
        #: frame -> per detection returned for it: a read held in reserve (see :meth:`final_keep`)
        self.held_reads: dict[int, np.ndarray] = {}
        self.conf, self.imgsz, self.device = model.conf, model.imgsz, model.device

    def info(self) -> dict[str, Any]:
        """Return the model's report block, with ``classes`` the combined names and ``reader`` the
        reader's block."""
        return {**self.model.info(), "classes": self.names, "reader": self.reader.info()}

    def predict(
        self,
        images: Sequence[np.ndarray],
        frames: Sequence[int],
        times: Sequence[float],
        imgsz: int | None = None,
    ) -> list[Detections]:
        """Detect, check and read a batch of BGR images; return one :class:`Detections` each."""
        found = self.model.predict(images, frames, times, imgsz=imgsz)
        out = []
        for image, frame, t, dets in zip(images, frames, times, found, strict=True):
            flags = np.zeros(len(dets), dtype=bool)
            if self.check:
                keep = self.checker.check_mask(image, dets, shot=0)
                flags = self.checker.last_unread[keep]
                if not keep.all():
                    dets = dets[keep]
            held_n = 0  # reads held in reserve, last: of sponsors the model found here only unread
            if self.read:
                reads = self.reader.detections(image, int(frame), float(t))
                merged = add_reads(dets, reads)
                if self.checker.unread == "auto" and flags.any():
                    only_unread = set(dets.sponsor[flags]) - set(dets.sponsor[~flags])
                    held = reads[np.isin(reads.sponsor.astype(str), sorted(only_unread))]
                    if len(held):
                        merged, held_n = Detections.merge([merged, held]), len(held)
                dets = merged
            n = len(dets)
            if self.checker.unread == "auto" and flags.any():  # only auto decides later (final_keep)
                self.unread_kept[int(frame)] = np.r_[flags, np.zeros(n - len(flags), dtype=bool)]
            if held_n:
                self.held_reads[int(frame)] = np.arange(n) >= n - held_n
            out.append(dets)
        return out

    def final_keep(self, frames: np.ndarray) -> np.ndarray:
        """Return a boolean mask over the rows of a table of this detector's output, ``frames`` their
        frame numbers (each frame's rows in the order :meth:`predict` returned them), once every image
        is read: the ``auto`` policy's decision over a whole archive. When the checker
        :meth:`TrackChecker.drops_unread`, the unread model detections are False; otherwise the
        whole-image reads :meth:`predict` held in reserve are (reads of a sponsor the model found in
        that image only unread: they stand in for it when its detections are dropped)."""
        frames = np.asarray(frames, dtype=np.int64)
        keep = np.ones(len(frames), dtype=bool)
        drop_unread = self.checker.drops_unread()
        flagged = self.unread_kept if drop_unread else self.held_reads
        if not flagged or len(frames) == 0:
            return keep
        position = pd.Series(frames).groupby(frames).cumcount().to_numpy()
        for i, (frame, at) in enumerate(zip(frames, position, strict=True)):
            flags = flagged.get(int(frame))
            if flags is not None and at < len(flags) and flags[at]:
                keep[i] = False
        return keep
