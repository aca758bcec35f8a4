"""The ambush radar's input: the lines whole-frame reads found that name no sponsor.

:class:`OtherReads` collects them during the analysis, compactly (one shared string per distinct
text, numbers in typed arrays: about 60 bytes a line), with the time of every whole-frame read (a read
with no line still ends the previous read's standing). :class:`MatcherRules` gives
:func:`measure.ambush.other_brands` the text rules of the catalogue's matcher
(:mod:`vision.inference.text_match`).
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence

import numpy as np
import pandas as pd

from measure.ambush import READ_COLUMNS, empty_reads
from vision.inference.reader import TextLine
from vision.inference.text_match import SponsorMatcher, confusable_key, levenshtein, max_edits, normalise


class OtherReads:
    """The unmatched lines of whole-frame reads, and the times of every whole-frame read."""

    def __init__(self) -> None:
        self._strings: dict[str, str] = {}  # one shared object per distinct text
        self._text: list[str] = []
        self._score = array("f")
        self._frame = array("q")
        self._t = array("d")
        self._poly = array("f")  # 8 numbers a line: x0, y0, x1, y1, ... clockwise from the top-left
        self._read_t = array("d")

    def add(self, lines: Sequence[TextLine], frame: int, t: float) -> None:
        """Record one whole-frame read of ``frame`` at ``t`` seconds and its unmatched ``lines``."""
        self._read_t.append(float(t))
        for line in lines:
            text = line.text.strip()
            self._text.append(self._strings.setdefault(text, text))
            self._score.append(float(line.score))
            self._frame.append(int(frame))
            self._t.append(float(t))
            self._poly.extend(np.asarray(line.polygon, dtype=np.float32).reshape(8).tolist())

    def __len__(self) -> int:
        return len(self._text)

    @property
    def read_times(self) -> np.ndarray:
        """Seconds of every whole-frame read, in reading order."""
        return np.frombuffer(self._read_t, dtype=np.float64).copy()

    def table(self) -> pd.DataFrame:
        """Return the reads as :data:`measure.ambush.READ_COLUMNS` (one row per unmatched line)."""
        if not self._text:
            return empty_reads()
        poly = np.frombuffer(self._poly, dtype=np.float32).reshape(-1, 8)
        data: dict[str, pd.Series] = {
            "text": pd.Series(self._text, dtype=object),
            "score": pd.Series(np.frombuffer(self._score, dtype=np.float32)),
            "frame": pd.Series(np.frombuffer(self._frame, dtype=np.int64)),
            "t": pd.Series(np.frombuffer(self._t, dtype=np.float64)),
        }
        for i in range(4):
            data[f"px{i}"] = pd.Series(poly[:, 2 * i])
            data[f"py{i}"] = pd.Series(poly[:, 2 * i + 1])
        return pd.DataFrame(data)[list(READ_COLUMNS)]


class MatcherRules:
    """:class:`measure.ambush.TextRules` from a catalogue's :class:`SponsorMatcher`."""

    def __init__(self, matcher: SponsorMatcher) -> None:
        self.matcher = matcher

    def normalise(self, text: str) -> str:
        """Return :func:`vision.inference.text_match.normalise` of ``text``."""
        return normalise(text)

    def key(self, text: str) -> str:
        """Return :func:`vision.inference.text_match.confusable_key` of ``text``."""
        return confusable_key(text)

    def names_sponsor(self, text: str) -> bool:
        """Return True when the matcher names a sponsor in ``text``, cut names (prefix, suffix) included."""
        return bool(self.matcher.match_all(text, at_edge=True))

    def is_common(self, word: str) -> bool:
        """Return True when ``word`` is one of the matcher's common words (OCR confusions included)."""
        return self.matcher.is_common(word)

    def distance(self, a: str, b: str) -> int:
        """Return the Levenshtein distance between ``a`` and ``b``."""
        return levenshtein(a, b)

    def max_edits(self, length: int) -> int:
        """Return the matcher's edits for a name of ``length`` characters."""
        return max_edits(length)
