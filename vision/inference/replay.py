"""Live or replay: which camera shots are replays, from the replay caption on screen.

Broadcasters mark a replay with a caption in a corner ("REPLAY", "WIEDERHOLUNG", "REPETICIÓN",
"RALENTI", ...). :class:`ReplaySpotter` is fed every analysed frame with its shot index; it reads at most
:data:`READ_AT_S` frames of each shot (fewer once a replay word is found), and only the bands along the
top and bottom of the frame, downscaled to at most :data:`READ_WIDTH` pixels wide, so its cost is
bounded per shot, not per frame. A whole-frame read the pipeline makes anyway (``--read-fps``) is
searched too, at no cost. Reading uses the text reader's engine (RapidOCR with the PP-OCRv6 models
bundled in its wheel, :func:`vision.inference.reader.model_paths`; nothing is downloaded), on the CPU.

Words match through :class:`vision.inference.text_match.SponsorMatcher` (case, accents, OCR confusions
and a few edits for the longer words tolerated) with its common words plus near-miss words
(:data:`NEAR_MISSES`: "RELAY", "REPLY", "DISPLAY", ...) that never make a replay.

What it cannot find: a replay with no caption, or with a caption in no listed word or in the middle of
the frame. The transition around a replay (a logo wipe) is not used: see docs/benchmarks.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import cv2
import numpy as np

from vision.inference.text_match import COMMON_WORDS, SponsorMatcher

#: Words (and phrases) that say "replay" on screen, by language.
REPLAY_WORDS: dict[str, tuple[str, ...]] = {
    "en": ("REPLAY", "ACTION REPLAY", "INSTANT REPLAY", "SLOW MOTION", "SLOW-MO"),
    "de": ("WIEDERHOLUNG", "ZEITLUPE"),
    "es": ("REPETICIÓN", "RALENTÍ", "CÁMARA LENTA"),
    "fr": ("RALENTI", "REPRISE"),
    "it": ("RIPETIZIONE", "MOVIOLA", "RALLENTATORE"),
    "pt": ("REPETIÇÃO", "CÂMERA LENTA", "CÂMARA LENTA"),
    "nl": ("HERHALING",),
    "pl": ("POWTÓRKA",),
    "tr": ("TEKRAR",),
    "sv": ("REPRIS",),
    "da": ("GENTAGELSE",),
    "cs": ("OPAKOVANI",),
}
#: Ordinary words a few edits from a replay word: a line made of them (and common words) is no replay.
NEAR_MISSES: tuple[str, ...] = (
    "relay", "relays", "reply", "replies", "repay", "replan", "display", "displays", "repetition",
    "repair", "replace", "parlay", "prise", "prises", "reprises", "surprise", "surprises", "enterprise",
    "premise", "promise", "holung", "erholung", "herhalen",
)  # fmt: skip
#: Seconds after a shot's first analysed frame at which it is read (at most one read each).
READ_AT_S: tuple[float, ...] = (0.8, 2.4)
#: A shot that ends before its first read is read at its first analysed frame this many seconds in.
EARLY_S = 0.25
#: Height of the top and of the bottom band read, fraction of the frame height.
BAND = 0.2
#: The bands are read at most this many pixels wide (downscaled by pixel-area averaging).
READ_WIDTH = 960
#: Lines read with a recognition score below this are ignored, [0, 1].
MIN_SCORE = 0.6
#: onnxruntime threads of a border read: a strip is small, and one thread costs half the CPU time of
#: two (0.21 s against 0.44 s a 960x232 strip, measured on a loaded 2-core machine), leaving the
#: other cores to the model.
THREADS = 1


def replay_matcher() -> SponsorMatcher:
    """Return the matcher of :data:`REPLAY_WORDS` (one entry, ``"replay"``): the words of
    :data:`vision.inference.text_match.COMMON_WORDS` that are not replay words, plus :data:`NEAR_MISSES`,
    never make a match on their own."""
    words = [w for ws in REPLAY_WORDS.values() for w in ws]
    own = {w.casefold() for w in words}
    common = [w for w in COMMON_WORDS if w not in own]
    return SponsorMatcher({"replay": words}, stopwords=NEAR_MISSES, common=common)


_MATCHER: SponsorMatcher | None = None


def replay_word(text: str) -> str | None:
    """Return the replay word (as listed in :data:`REPLAY_WORDS`) that the OCR line ``text`` shows, or None."""
    global _MATCHER
    if _MATCHER is None:
        _MATCHER = replay_matcher()
    hit = _MATCHER.match(text)
    return hit.text if hit is not None else None


def border_strip(image: np.ndarray, band: float = BAND, width: int = READ_WIDTH) -> np.ndarray:
    """Return the top and bottom ``band`` (fraction of the height) of the BGR ``image``, shrunk to at most
    ``width`` pixels wide, stacked into one image with a grey gap between them (BGR uint8)."""
    h, w = image.shape[:2]
    if image.ndim == 2:
        image = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    rows = max(8, round(h * band))
    parts = [image[:rows], image[h - rows :]]
    if w > width:
        size = (width, max(8, round(rows * width / w)))
        parts = [cv2.resize(p, size, interpolation=cv2.INTER_AREA) for p in parts]
    gap = np.full((16, parts[0].shape[1], 3), 128, np.uint8)
    return np.ascontiguousarray(np.vstack([parts[0], gap, parts[1]]))


#: One opened engine per (threads, min_score) in this process: the models open once, not per video.
_ENGINES: dict[tuple[int, float], Any] = {}


def _open_engine(threads: int, min_score: float) -> Any:
    """Return a RapidOCR engine of the bundled models that reads a strip at its own size (never scaled up)."""
    from rapidocr import RapidOCR

    from vision.inference.reader import REC_MIN_WIDTH, ReaderError, model_paths

    paths = model_paths()
    params: dict[str, Any] = {
        "Global.log_level": "error",
        "Global.use_cls": False,
        "Global.text_score": min_score,
        "Det.model_path": str(paths["det"]),
        "Det.limit_type": "max",
        "Det.limit_side_len": READ_WIDTH,
        "Rec.model_path": str(paths["rec"]),
        "Rec.rec_img_shape": [3, 48, REC_MIN_WIDTH],
        "EngineConfig.onnxruntime.intra_op_num_threads": threads,
        "EngineConfig.onnxruntime.inter_op_num_threads": 1,
    }
    try:
        return RapidOCR(params=params)
    except Exception as e:  # onnxruntime or rapidocr failing to open a model
        raise ReaderError(f"cannot open the text reader's models: {str(e).splitlines()[0]}") from None


class BorderReader:
    """Reads the text lines of a border strip (:func:`border_strip`) with the bundled PP-OCRv6 models,
    on the CPU with ``threads`` onnxruntime threads (:data:`THREADS` by default). The models open on
    first use, once per process."""

    def __init__(self, threads: int = THREADS, min_score: float = MIN_SCORE) -> None:
        self.threads = max(1, threads)
        self.min_score = min_score

    def read(self, strip: np.ndarray) -> list[str]:
        """Return the text of every line read in ``strip`` with a score of at least ``min_score``."""
        key = (self.threads, self.min_score)
        if key not in _ENGINES:
            _ENGINES[key] = _open_engine(*key)
        out = _ENGINES[key](strip, use_cls=False)
        txts, scores = getattr(out, "txts", None), getattr(out, "scores", None)
        if txts is None or scores is None:
            return []
        return [
            str(t) for t, s in zip(txts, scores, strict=True) if float(s) >= self.min_score and str(t).strip()
        ]


class ReplaySpotter:
    """Feed every analysed frame in order (:meth:`update`); :meth:`replays` says which shots were replays.

    A shot is a replay when a replay word (:func:`replay_word`) is read on it: in the border strip of
    its frames :data:`READ_AT_S` seconds after its first analysed frame (stopping at the first word
    found), of its frame :data:`EARLY_S` seconds in when it ended before the first of those, or in the
    lines of a whole-frame read passed to :meth:`update`. ``reads`` counts the strips read.
    """

    def __init__(self, reader: BorderReader | None = None, read_at_s: Sequence[float] = READ_AT_S) -> None:
        self.reader = reader or BorderReader()
        self.read_at_s = tuple(sorted(read_at_s))
        self.reads = 0
        self.words: dict[int, str] = {}  # shot -> the replay word read on it
        self._shot = -1
        self._start = 0.0
        self._next = 0  # index into read_at_s of the next read
        self._early: np.ndarray | None = None  # strip kept for a shot too short for read_at_s

    def update(
        self, image: np.ndarray, t: float, shot: int, new_shot: bool = False, lines: Iterable[str] = ()
    ) -> None:
        """Take the analysed BGR ``image`` at ``t`` seconds of shot ``shot`` (``new_shot``: its first
        frame; a changed ``shot`` index also starts one). ``lines`` are texts a whole-frame read of this
        frame found, if any."""
        if new_shot or shot != self._shot:
            self._close()
            self._shot, self._start, self._next, self._early = shot, t, 0, None
        if shot in self.words:
            return
        self._look(lines)
        if shot in self.words:
            return
        into = t - self._start
        if self._next < len(self.read_at_s) and into >= self.read_at_s[self._next]:
            while self._next < len(self.read_at_s) and into >= self.read_at_s[self._next]:
                self._next += 1
            self._read(border_strip(image))
        elif self._next == 0 and self._early is None and into >= EARLY_S:
            self._early = border_strip(image)

    def _read(self, strip: np.ndarray) -> None:
        self.reads += 1
        self._look(self.reader.read(strip))

    def _look(self, lines: Iterable[str]) -> None:
        for text in lines:
            word = replay_word(text)
            if word is not None:
                self.words[self._shot] = word
                return

    def _close(self) -> None:
        """Finish the current shot: read its kept early strip when it was never read."""
        if self._shot >= 0 and self._shot not in self.words and self._next == 0 and self._early is not None:
            self._read(self._early)
        self._early = None

    def replays(self, n_shots: int) -> tuple[bool, ...]:
        """Finish the last shot and return one bool per shot (``n_shots`` of them), True for a replay."""
        self._close()
        self._next = len(self.read_at_s)
        return tuple(s in self.words for s in range(n_shots))
