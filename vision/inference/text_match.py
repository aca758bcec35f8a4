"""Match text read by an OCR engine on a broadcast frame to sponsor names.

Pure Python (no cv2, no torch). Text is compared in three stages of normalisation:

* :func:`normalise`: case, accents, German transliteration and punctuation removed;
* :func:`squash`: the same without spaces, so ``"SEKA BET"`` equals ``"SekaBET"``;
* :func:`confusable_key`: the squashed text with characters OCR confuses mapped to one character
  (table :data:`CONFUSIONS`), so ``"181"`` equals ``"1&1"`` and ``"Ernirates"`` equals ``"Emirates"``.

:class:`SponsorMatcher` applies the matching rules:

* a short name (squashed length <= :data:`SHORT_MAX`) matches only a whole word of the line (or a run of
  consecutive words) with an equal confusable key: never fuzzily, never inside a longer word, except
  a word that is the name repeated or glued to a common word (:data:`GLUED_MIN_NAME`);
* a longer name matches a window of the line within a Levenshtein distance that grows with its length
  (:data:`MAX_EDITS`), also inside a longer line (``"WWW.SANTANDER.DE"``);
* a name of at least :data:`EDGE_MIN_NAME` chars cut by the frame edge matches on a prefix or suffix of at
  least ``max(EDGE_MIN_CHARS, EDGE_MIN_SHARE * length)`` chars at the end or start of the line, only when
  the caller says the line touches the edge;
* where two sponsors match overlapping parts of a line, the one whose match is wider wins
  (:func:`_claims`);
* common words (:data:`COMMON_WORDS` plus the caller's stopwords) never name a sponsor: a line made only
  of them matches nothing, a fuzzy window must cover a word that is not common, and a catalogue text that
  is itself a common word matches only as an exact whole word.

:meth:`SponsorMatcher.near_miss` says when a line that names nothing is close enough to a name to be
worth reading again on a wider crop, and :meth:`SponsorMatcher.fragment` when it is so short that it
may be a piece of one (:meth:`vision.inference.reader.TextReader.read_lines`).

Each :class:`TextMatch` also says where the name sits in the line (``span``, fractions of the line's
characters), so a reader can box a name read inside a longer line as its part of that line.
"""

from __future__ import annotations

import math
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

#: OCR confusions: every character on the left is read as the canonical character on the right.
#: ``"rn"`` (two characters) reads as ``"m"`` and is replaced first. ``"|"`` and ``"&"`` only matter
#: where they survive :func:`squash` (``"&"`` does; ``"|"`` is punctuation and is already gone).
CONFUSIONS: dict[str, str] = {
    "rn": "m",
    "0": "o",
    "o": "o",
    "1": "l",
    "l": "l",
    "i": "l",
    "|": "l",
    "8": "b",
    "&": "b",
    "b": "b",
    "5": "s",
    "s": "s",
    "2": "z",
    "z": "z",
    "6": "g",
    "g": "g",
}

_SINGLE = str.maketrans({k: v for k, v in CONFUSIONS.items() if len(k) == 1})
_MULTI = [(k, v) for k, v in CONFUSIONS.items() if len(k) > 1]

#: German letters transliterated before accents are stripped (so "ü" becomes "ue", not "u").
GERMAN: dict[str, str] = {"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "ẞ": "ss"}
_GERMAN = str.maketrans(GERMAN)

#: Longest squashed name that is "short": whole-word, exact (on the confusable key) matching only.
SHORT_MAX = 5

#: A short name of at least this many squashed chars also matches a word that is the name repeated
#: along a board (``"REWEREWE"``) or glued to a common word (``"MEWAARENA"``: the text detector lost
#: the space), the latter with match score GLUED_SCORE and a common word of at least GLUED_MIN_WORD
#: chars (``"AUDIO"`` is no Audi glued to Spanish "o").
GLUED_MIN_NAME = 4
GLUED_SCORE = 0.9
GLUED_MIN_WORD = 3

#: Levenshtein edits allowed for a name, by its squashed length: ``(longest length, edits)``; names
#: longer than the last bound get :data:`MAX_EDITS_LONG`.
MAX_EDITS: tuple[tuple[int, int], ...] = ((5, 0), (8, 1), (12, 2))
MAX_EDITS_LONG = 3

#: A line is a near miss (:meth:`SponsorMatcher.near_miss`) when a catalogue text is within this many
#: edits more than allowed of a window of at least NEAR_MIN_CHARS chars of it.
NEAR_EXTRA_EDITS = 1
NEAR_MIN_CHARS = 3
#: A line of 1 to this many squashed chars that names nothing is a fragment
#: (:meth:`SponsorMatcher.fragment`).
FRAGMENT_MAX_CHARS = 3

#: Edge cuts: only names of at least this many squashed chars may match on a prefix or suffix ...
EDGE_MIN_NAME = 7
#: ... of at least this many chars ...
EDGE_MIN_CHARS = 5
#: ... and at least this share of the name.
EDGE_MIN_SHARE = 0.6

#: Minimum alphanumeric chars for :meth:`SponsorMatcher.is_other_word` to call a text a readable word.
OTHER_WORD_MIN = 3

#: Frequent English, German, Spanish, French and Italian words and football/broadcast words: they never
#: name a sponsor on their own.
_COMMON_TEXT = """
    a an the and or of to in on at by for from with without into over under up down out off is are was
    were be been it its this that these those he she we you they his her our your their my me us him
    them not no yes all any some more most less very just only also too so if then than but as about
    after before new old one two three four five six seven eight nine ten first second last next best
    good great big top day days night time today now here there what who how why when where which can
    will get go see watch follow join win
    der die das den dem des ein eine einer eines einem einen und oder von zu zum zur im am an auf aus
    bei mit nach seit vor fuer ueber unter durch gegen ohne um ist sind war nicht nur auch noch schon
    wir ihr sie er es ich du mein dein unser euer alle jetzt heute hier mehr neu neue neuen
    el la los las lo un una unos unas y o de del al en con por para sin sobre entre es son ser muy mas
    que como pero su sus mi tu hoy aqui nuevo nueva
    le les une et ou du au aux avec pour sans sur sous dans est sont pas plus tres ce cette ces qui
    quoi mais son sa ses mon ton nous vous ils elles aujourd hui ici nouveau nouvelle
    il lo gli della delle dei degli nel nella con per tra fra ed non piu questo questa che sono oggi qui
    goal goals gol tor tore but live replay home away www com net org http https html fc sv vs v min
    match matches game games team teams league liga cup pokal copa coupe coppa serie bundesliga
    season saison temporada stagione player players score half time halftime fulltime ft ht kick off
    kickoff extra stoppage penalty penalties elfmeter foul offside corner ecke free freistoss card cards
    yellow red gelb rot rote gelbe sub substitution wechsel var check review highlights highlight
    stadium stadion estadio stade arena round matchday spieltag jornada journee giornata final finale
    semi quarter group gruppe grupo groupe table tabelle clasificacion classement classifica points pts
    pkt punkte win wins draw loss lost won club verein united city real sport sports tv hd uhd news
    breaking coming up next later stream streaming channel kanal
"""
COMMON_WORDS: frozenset[str] = frozenset(_COMMON_TEXT.split())


def normalise(text: str) -> str:
    """Return ``text`` casefolded, transliterated and stripped of accents and punctuation.

    German letters become ``ae``, ``oe``, ``ue``, ``ss`` before other accents are stripped (NFKD, combining
    marks dropped: ``é`` -> ``e``, ``ñ`` -> ``n``). ``&`` is kept; every other non-alphanumeric character
    becomes a space; runs of spaces are collapsed and the ends stripped.
    """
    text = unicodedata.normalize("NFC", text).casefold().translate(_GERMAN)
    text = unicodedata.normalize("NFKD", text)
    out: list[str] = []
    for ch in text:
        if unicodedata.combining(ch):
            continue
        if ch.isalnum():
            out.append(ch.casefold())
        elif ch == "&":
            out.append("&")
        else:
            out.append(" ")
    return " ".join("".join(out).split())


def squash(text: str) -> str:
    """Return :func:`normalise` of ``text`` with the spaces removed (``"SEKA-BET"`` -> ``"sekabet"``)."""
    return normalise(text).replace(" ", "")


def _key_of_squashed(squashed: str) -> str:
    for src, dst in _MULTI:
        squashed = squashed.replace(src, dst)
    return squashed.translate(_SINGLE)


def confusable_key(text: str) -> str:
    """Return :func:`squash` of ``text`` with the OCR confusions of :data:`CONFUSIONS` mapped.

    ``"181"`` and ``"1&1"`` both give ``"lbl"``; ``"Ernirates"`` and ``"Emirates"`` both give ``"emlrates"``.
    """
    return _key_of_squashed(squash(text))


def max_edits(length: int) -> int:
    """Return the Levenshtein edits allowed for a name of ``length`` squashed chars (:data:`MAX_EDITS`)."""
    for bound, edits in MAX_EDITS:
        if length <= bound:
            return edits
    return MAX_EDITS_LONG


def levenshtein(a: str, b: str) -> int:
    """Return the Levenshtein distance (insertions, deletions, substitutions) between ``a`` and ``b``."""
    if len(a) < len(b):
        a, b = b, a
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def best_window(pattern: str, text: str, max_dist: int) -> tuple[int, int, int] | None:
    """Find the substring of ``text`` closest to ``pattern`` in Levenshtein distance.

    Returns ``(distance, start, end)`` of the best window ``text[start:end]`` (smallest distance, then the
    length closest to ``pattern``'s), or None when no window is within ``max_dist`` edits.
    """
    m, n = len(pattern), len(text)
    if m == 0:
        return None
    # Semi-global alignment: a window may start anywhere in text (row 0 is all zeros).
    dist = [0] * (n + 1)
    start = list(range(n + 1))
    for i in range(1, m + 1):
        pc = pattern[i - 1]
        new_dist = [i] + [0] * n
        new_start = [0] * (n + 1)
        for j in range(1, n + 1):
            best = dist[j - 1] + (pc != text[j - 1])
            best_start = start[j - 1]
            up = dist[j] + 1
            if up < best:
                best, best_start = up, start[j]
            left = new_dist[j - 1] + 1
            if left < best:
                best, best_start = left, new_start[j - 1]
            new_dist[j] = best
            new_start[j] = best_start
        if min(new_dist) > max_dist:
            return None
        dist, start = new_dist, new_start
    found: tuple[int, int, int] | None = None
    for j in range(n + 1):
        if dist[j] > max_dist or j == start[j]:
            continue
        cand = (dist[j], start[j], j)
        if found is None or (cand[0], abs(j - start[j] - m)) < (found[0], abs(found[2] - found[1] - m)):
            found = cand
    return found


@dataclass(frozen=True)
class TextMatch:
    """One sponsor named by an OCR line."""

    sponsor: str  # catalogue name
    text: str  # the alias/name text that matched
    score: float  # [0, 1], 1 = exact after normalisation (and OCR confusions)
    kind: str  # "exact", "fuzzy", "glued", "prefix", "suffix"
    #: where the match sits in the line: (start, end) as fractions of the line's characters (spaces
    #: and punctuation left out), (0, 1) for the whole line; not compared
    span: tuple[float, float] = field(default=(0.0, 1.0), compare=False)


@dataclass(frozen=True)
class _Text:
    """One catalogue text, prepared for matching."""

    sponsor: str
    text: str
    order: int  # catalogue order, the last tie-break
    squashed: str
    key: str
    words: tuple[str, ...]  # squashed words (for common-word names: exact whole-word matching)
    common: bool  # every word is a common word: exact whole-word match only
    counts: Counter[str]  # characters of key, for the cheap bag-distance filter


@dataclass(frozen=True)
class _Line:
    """One OCR line, prepared for matching."""

    words: tuple[str, ...]  # squashed words
    word_keys: tuple[str, ...]
    common: tuple[bool, ...]  # per word: a common word
    key: str  # confusable key of the whole line
    owner: tuple[int, ...]  # per char of key: the index of the word it comes from
    counts: Counter[str]


class SponsorMatcher:
    """Names sponsors in OCR lines, following the rules in this module's docstring."""

    def __init__(
        self,
        names: Mapping[str, Sequence[str]],
        stopwords: Iterable[str] | None = None,
        common: Iterable[str] = COMMON_WORDS,
    ) -> None:
        """names: {catalogue sponsor name: [texts that name it on screen: the name itself and its aliases]}.

        ``stopwords`` are added to ``common``, the common words (default :data:`COMMON_WORDS`). The sponsor
        name itself is always one of its texts.
        """
        self._common_squash: frozenset[str] = frozenset(common) | frozenset(
            s for s in (squash(w) for w in (stopwords or ())) if s
        )
        self._common_keys: frozenset[str] = frozenset(_key_of_squashed(w) for w in self._common_squash)
        texts: list[_Text] = []
        for order, (sponsor, aliases) in enumerate(names.items()):
            seen: set[str] = set()
            for text in (sponsor, *aliases):
                squashed = squash(text)
                if not squashed or squashed in seen:
                    continue
                seen.add(squashed)
                words = tuple(normalise(text).split())
                key = _key_of_squashed(squashed)
                texts.append(
                    _Text(
                        sponsor=sponsor,
                        text=text,
                        order=order,
                        squashed=squashed,
                        key=key,
                        words=words,
                        common=all(self._is_common(w) for w in words),
                        counts=Counter(key),
                    )
                )
        self._texts = tuple(texts)
        self._cache: dict[tuple[str, bool], tuple[TextMatch, ...]] = {}

    def _is_common(self, word: str) -> bool:
        """Return True when the squashed ``word`` is a common word, or reads as one after OCR confusions."""
        return word in self._common_squash or _key_of_squashed(word) in self._common_keys

    def is_common(self, word: str) -> bool:
        """Return True when ``word`` (one word, any case) is a common word or reads as one after OCR
        confusions: it never names a sponsor on its own."""
        return self._is_common(squash(word))

    def _line(self, text: str) -> _Line:
        words = tuple(normalise(text).split())
        word_keys = tuple(_key_of_squashed(w) for w in words)
        # The line key is built from the squashed line so that "rn" across a word boundary still reads
        # as "m", with each char remembering its word.
        chars: list[str] = []
        owner: list[int] = []
        flat = [(ch, i) for i, w in enumerate(words) for ch in w]
        pos = 0
        while pos < len(flat):
            done = False
            for src, dst in _MULTI:
                if "".join(ch for ch, _ in flat[pos : pos + len(src)]) == src:
                    chars.append(dst)
                    owner.append(flat[pos][1])
                    pos += len(src)
                    done = True
                    break
            if not done:
                chars.append(flat[pos][0].translate(_SINGLE))
                owner.append(flat[pos][1])
                pos += 1
        key = "".join(chars)
        common = tuple(
            w in self._common_squash or k in self._common_keys for w, k in zip(words, word_keys, strict=True)
        )
        return _Line(words, word_keys, common, key, tuple(owner), Counter(key))

    def _covers_content(self, line: _Line, start: int, end: int) -> bool:
        """Return True when key chars ``[start, end)`` of the line touch a word that is not common."""
        return any(not line.common[w] for w in set(line.owner[start:end]))

    def _match_text(self, t: _Text, line: _Line, only_common: bool, at_edge: bool) -> TextMatch | None:
        """Return how catalogue text ``t`` matches ``line`` (best kind), or None."""
        if t.common:
            # A common word as a name (or one that reads as a common word after OCR confusions): an exact
            # whole word or run of words on the squashed text, no OCR confusions, no edits.
            run = _word_run(line.words, t.squashed)
            if run is not None:
                return TextMatch(t.sponsor, t.text, 1.0, "exact", _words_span(line, *run))
            return None
        if only_common:
            return None
        if len(t.squashed) <= SHORT_MAX:
            run = _word_run(line.word_keys, t.key)
            if run is None:
                return self._glued_match(t, line)
            first, end = run
            if end - first == 1 and line.words[first] in self._common_squash:
                return None  # the word is a common word that only looks like the name
            return TextMatch(t.sponsor, t.text, 1.0, "exact", _words_span(line, first, end))
        best: TextMatch | None = None
        edits = max_edits(len(t.squashed))
        length = len(t.key)
        shared = sum(min(c, line.counts[ch]) for ch, c in t.counts.items())
        if shared >= length - edits:  # bag-distance filter: cheap, never drops a real match
            window = best_window(t.key, line.key, edits)
            if window is not None and self._covers_content(line, window[1], window[2]):
                dist, n = window[0], len(line.key)
                best = TextMatch(
                    t.sponsor,
                    t.text,
                    1.0 - dist / length,
                    "exact" if dist == 0 else "fuzzy",
                    (window[1] / n, window[2] / n),
                )
        if best is not None and best.score == 1.0:
            return best
        if at_edge and len(t.squashed) >= EDGE_MIN_NAME:
            edge = self._edge_match(t, line)
            if edge is not None and (best is None or edge.score > best.score):
                best = edge
        return best

    def _glued_match(self, t: _Text, line: _Line) -> TextMatch | None:
        """Return a match of short text ``t`` on one word of ``line`` that holds it glued to more, or
        None: ``t`` repeated along a board (``"REWEREWE"``, score 1), or ``t`` glued to a common word
        (``"MEWAARENA"``: the text detector lost the space; score :data:`GLUED_SCORE`; a word of at least
        :data:`GLUED_MIN_WORD` chars). A single stray letter is not enough (``"AUDIO"``, ``"SAUDI"``
        are no Audi). Names shorter than :data:`GLUED_MIN_NAME` never match so. Kind ``"glued"``."""
        n = len(t.key)
        if n < GLUED_MIN_NAME:
            return None
        for i, (word, key) in enumerate(zip(line.words, line.word_keys, strict=True)):
            if len(key) <= n or t.key not in key or self._is_common(word):
                continue
            span = _words_span(line, i, i + 1)
            if not key.replace(t.key, ""):
                return TextMatch(t.sponsor, t.text, 1.0, "glued", span)
            glued = word[n:] if key.startswith(t.key) else word[:-n] if key.endswith(t.key) else ""
            if len(glued) >= GLUED_MIN_WORD and self._is_common(glued):
                return TextMatch(t.sponsor, t.text, GLUED_SCORE, "glued", span)
        return None

    def _edge_match(self, t: _Text, line: _Line) -> TextMatch | None:
        """Return the longest prefix/suffix match of ``t`` cut by the frame edge, or None."""
        length = len(t.key)
        shortest = max(EDGE_MIN_CHARS, math.ceil(EDGE_MIN_SHARE * length - 1e-9))
        n = len(line.key)
        for m in range(min(length - 1, n), shortest - 1, -1):
            # Cut at the right edge: the name's start is the end of the line.
            if line.key.endswith(t.key[:m]) and self._covers_content(line, n - m, n):
                return TextMatch(t.sponsor, t.text, m / length, "prefix", ((n - m) / n, 1.0))
            # Cut at the left edge: the name's end is the start of the line.
            if line.key.startswith(t.key[length - m :]) and self._covers_content(line, 0, m):
                return TextMatch(t.sponsor, t.text, m / length, "suffix", (0.0, m / n))
        return None

    def match_all(self, text: str, at_edge: bool = False) -> list[TextMatch]:
        """Return every sponsor named in the OCR line ``text``, one (its best text) per sponsor.

        Best first: higher score, then longer name, then catalogue order. Empty list when none.
        """
        cache_key = (text, at_edge)
        cached = self._cache.get(cache_key)
        if cached is not None:
            return list(cached)
        line = self._line(text)
        found: dict[str, tuple[TextMatch, _Text]] = {}
        if line.words:
            only_common = all(line.common)
            for t in self._texts:
                hit = self._match_text(t, line, only_common, at_edge)
                if hit is None:
                    continue
                prev = found.get(t.sponsor)
                if prev is None or _rank(hit, t) < _rank(*prev):
                    found[t.sponsor] = (hit, t)
        ranked = tuple(hit for hit, _ in sorted(_claims(found.values()), key=lambda ht: _rank(*ht)))
        if len(self._cache) > 4096:
            self._cache.clear()
        self._cache[cache_key] = ranked
        return list(ranked)

    def match(self, text: str, at_edge: bool = False) -> TextMatch | None:
        """Best sponsor named by one OCR line ``text``, or None.

        ``at_edge``: the line's box touches the frame edge, so a long name may be cut (prefix/suffix match
        allowed). Returns the highest-scoring match (ties: the longer name); None for empty text.
        """
        hits = self.match_all(text, at_edge)
        return hits[0] if hits else None

    def near_miss(self, text: str) -> bool:
        """True when the OCR line ``text`` names no sponsor but a window of at least
        :data:`NEAR_MIN_CHARS` of it is within :data:`NEAR_EXTRA_EDITS` more edits than allowed of a
        catalogue text of at least :data:`GLUED_MIN_NAME` chars: worth reading again on a wider crop."""
        line = self._line(text)
        if len(line.key) < NEAR_MIN_CHARS or all(line.common) or self.match_all(text, at_edge=True):
            return False
        for t in self._texts:
            if t.common or len(t.key) < GLUED_MIN_NAME:
                continue
            edits = max_edits(len(t.key)) + NEAR_EXTRA_EDITS
            if sum(min(c, line.counts[ch]) for ch, c in t.counts.items()) < len(t.key) - edits:
                continue  # the bag-distance filter of _match_text
            window = best_window(t.key, line.key, edits)
            if window is not None and window[2] - window[1] >= NEAR_MIN_CHARS:
                return True
        return False

    def fragment(self, text: str) -> bool:
        """True when the OCR line ``text`` is 1 to :data:`FRAGMENT_MAX_CHARS` chars after :func:`squash`,
        names no sponsor and is no near miss: on small lettering the text detector often boxes only a
        piece of a word (``"par"`` of ``sonepar``), worth reading again on a much wider crop."""
        return (
            1 <= len(squash(text)) <= FRAGMENT_MAX_CHARS
            and not self.near_miss(text)
            and not self.match_all(text, at_edge=True)
        )

    def is_other_word(self, text: str) -> bool:
        """True when ``text`` is a confident, readable word that names no sponsor.

        Readable: at least :data:`OTHER_WORD_MIN` alphanumeric chars after :func:`squash`. Used to REJECT a
        model detection whose crop reads as another word. A text that could be a sponsor name cut by the
        crop's edge (prefix/suffix match) is not "other". Returns False for short or unreadable text.
        """
        squashed = squash(text)
        if sum(ch.isalnum() for ch in squashed) < OTHER_WORD_MIN:
            return False
        return not self.match_all(text, at_edge=True)


def _claims(hits: Iterable[tuple[TextMatch, _Text]]) -> list[tuple[TextMatch, _Text]]:
    """Return ``hits`` without those that share most of their characters with a wider one: where two
    sponsors match overlapping parts of a line, the one that explains more of it is what the line
    says ("HOME DELUXE" read as ``HOMEDELINE`` is Home Deluxe, not Delina; a "Mercedes-Benz Bank"
    line is not Mercedes-Benz). A hit is dropped when more than half of its span lies in the span of
    a kept hit that is wider (ties: the better :func:`_rank` first)."""
    kept: list[tuple[TextMatch, _Text]] = []
    for hit, t in sorted(hits, key=lambda ht: (-(ht[0].span[1] - ht[0].span[0]), _rank(*ht))):
        a, b = hit.span
        if all(min(b, kb) - max(a, ka) <= 0.5 * (b - a) for (ka, kb) in (k.span for k, _ in kept)):
            kept.append((hit, t))
    return kept


def _rank(hit: TextMatch, t: _Text) -> tuple[float, int, int]:
    """Return the sort key of a match: higher score, then longer name, then catalogue order first."""
    return (-hit.score, -len(t.squashed), t.order)


def _words_span(line: _Line, first: int, end: int) -> tuple[float, float]:
    """Return where words ``[first, end)`` of ``line`` sit in it, as fractions of its key's characters."""
    chars = [i for i, w in enumerate(line.owner) if first <= w < end]
    n = len(line.key)
    return (chars[0] / n, (chars[-1] + 1) / n) if chars and n else (0.0, 1.0)


def _word_run(words: Sequence[str], target: str) -> tuple[int, int] | None:
    """Return ``(first, end)`` of the first run of consecutive ``words`` whose concatenation is ``target``.

    Returns None when no run of whole words spells ``target`` exactly.
    """
    for first in range(len(words)):
        joined = ""
        for end in range(first, len(words)):
            joined += words[end]
            if joined == target:
                return first, end + 1
            if len(joined) >= len(target) or not target.startswith(joined):
                break
    return None
