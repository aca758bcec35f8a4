"""Matching OCR text to sponsor names: normalisation, OCR confusions, short/long names, edges, common words."""

from __future__ import annotations

import ast
import time
from pathlib import Path

import pytest

from vision.inference import text_match
from vision.inference.text_match import (
    COMMON_WORDS,
    CONFUSIONS,
    MAX_EDITS,
    SponsorMatcher,
    TextMatch,
    best_window,
    confusable_key,
    levenshtein,
    max_edits,
    normalise,
    squash,
)


def names(*sponsors: str, **aliases: list[str]) -> dict[str, list[str]]:
    """Return a names mapping: each sponsor with no aliases, plus keyword sponsors with their aliases."""
    out: dict[str, list[str]] = {s: [] for s in sponsors}
    out.update(aliases)
    return out


def hit(matcher: SponsorMatcher, text: str, at_edge: bool = False) -> str | None:
    """Return the sponsor matched by ``text``, or None."""
    m = matcher.match(text, at_edge=at_edge)
    return m.sponsor if m else None


# --- module rules -------------------------------------------------------------------------------------


def test_no_heavy_imports() -> None:
    tree = ast.parse(Path(text_match.__file__).read_text())
    imported: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert not imported & {"cv2", "torch", "torchvision", "ultralytics", "rapidocr", "rapidfuzz"}


def test_constants_documented() -> None:
    assert 150 <= len(COMMON_WORDS) <= 400
    for word in (
        "the",
        "and",
        "der",
        "die",
        "das",
        "und",
        "von",
        "de",
        "la",
        "el",
        "le",
        "il",
        "goal",
        "tor",
    ):
        assert word in COMMON_WORDS
    for word in ("live", "replay", "home", "away", "www", "com", "fc", "sv", "vs", "min"):
        assert word in COMMON_WORDS
    assert all(w == squash(w) for w in COMMON_WORDS)
    assert CONFUSIONS["0"] == CONFUSIONS["o"] == "o"
    assert CONFUSIONS["1"] == CONFUSIONS["l"] == CONFUSIONS["i"] == CONFUSIONS["|"] == "l"
    assert CONFUSIONS["8"] == CONFUSIONS["&"] == CONFUSIONS["b"] == "b"
    assert CONFUSIONS["5"] == CONFUSIONS["s"] == "s"
    assert CONFUSIONS["rn"] == "m"
    assert CONFUSIONS["2"] == CONFUSIONS["z"] == "z"
    assert CONFUSIONS["6"] == CONFUSIONS["g"] == "g"


# --- normalise / squash / confusable_key ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("SCHÜCO", "schueco"),
        ("Schüco", "schueco"),
        ("Schu\u0308co", "schueco"),  # decomposed ü is transliterated too
        ("Straße", "strasse"),
        ("GROẞ", "gross"),
        ("Ärger Öl", "aerger oel"),
        ("Café Niño", "cafe nino"),
        ("Crédit Agricole", "credit agricole"),
        ("Müller & Söhne", "mueller & soehne"),
        ("SEKA-BET", "seka bet"),
        ("  www.santander.de  ", "www santander de"),
        ("a\t\n  b", "a b"),
        ("1&1", "1&1"),
        ("Ø¡!?", "ø"),
        ("", ""),
        ("   ", ""),
        ("---", ""),
    ],
)
def test_normalise(text: str, expected: str) -> None:
    assert normalise(text) == expected


def test_normalise_german_before_accents() -> None:
    # Transliterated (ue), never stripped to a bare vowel (u).
    assert normalise("Düsseldorf") == "duesseldorf"
    assert normalise("Köln") == "koeln"
    assert normalise("ÄÖÜ") == "aeoeue"


def test_squash() -> None:
    assert squash("SEKA BET") == squash("SekaBET") == squash("Seka-Bet") == "sekabet"
    assert squash("1 & 1") == "1&1"
    assert squash("  ") == ""


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("181", "1&1"),
        ("1 & 1", "1&1"),
        ("Ernirates", "Emirates"),
        ("0BI", "OBI"),
        ("AUD1", "Audi"),
        ("AUDl", "Audi"),
        ("5AP", "SAP"),
        ("ADIDA5", "adidas"),
        ("2ALANDO", "Zalando"),
        ("6OAL", "goal"),
        ("8ET", "bet"),
        ("SCHÜCO", "Schueco"),
    ],
)
def test_confusable_key_equal(a: str, b: str) -> None:
    assert confusable_key(a) == confusable_key(b)


def test_confusable_key_values() -> None:
    assert confusable_key("181") == "lbl"
    assert confusable_key("Emirates") == "emlrates"
    assert confusable_key("Hornbach") == "hombach"
    assert confusable_key("") == ""


def test_confusable_key_keeps_other_letters_apart() -> None:
    assert confusable_key("ALTEN") != confusable_key("ELTEN")
    assert confusable_key("Audi") != confusable_key("Aude")


# --- levenshtein / windows -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "d"),
    [
        ("", "", 0),
        ("abc", "", 3),
        ("", "ab", 2),
        ("kitten", "sitting", 3),
        ("abc", "abc", 0),
        ("ab", "ba", 2),
    ],
)
def test_levenshtein(a: str, b: str, d: int) -> None:
    assert levenshtein(a, b) == d
    assert levenshtein(b, a) == d


def test_best_window() -> None:
    assert best_window("santander", "wwwsantanderde", 0) == (0, 3, 12)
    assert best_window("santander", "wwwsantandrde", 1) == (1, 3, 11)
    assert best_window("santander", "wwwsanxxxerde", 2) is None
    assert best_window("", "abc", 1) is None


def test_max_edits_grows_with_length() -> None:
    assert MAX_EDITS == ((5, 0), (8, 1), (12, 2))
    assert [max_edits(n) for n in (1, 5, 6, 8, 9, 12, 13, 40)] == [0, 0, 1, 1, 2, 2, 3, 3]


# --- exact matching across case, accents, spacing ------------------------------------------------------


def test_case_accents_spacing() -> None:
    m = SponsorMatcher(names("Schueco", "Sekabet", "Crédit Agricole"))
    assert hit(m, "SCHÜCO") == "Schueco"
    assert hit(m, "Schüco") == "Schueco"
    assert hit(m, "schueco") == "Schueco"
    assert hit(m, "SEKA-BET") == "Sekabet"
    assert hit(m, "SEKA BET") == "Sekabet"
    assert hit(m, "credit agricole") == "Crédit Agricole"
    assert hit(m, "CREDITAGRICOLE") == "Crédit Agricole"


def test_sponsor_with_umlaut_matches_transliteration() -> None:
    m = SponsorMatcher(names("Schüco"))
    for text in ("Schueco", "SCHÜCO", "schuco"):  # "schuco": one edit on a 7-char name
        assert hit(m, text) == "Schüco", text
    found = m.match("Schueco")
    assert found == TextMatch("Schüco", "Schüco", 1.0, "exact")


def test_match_result_fields() -> None:
    m = SponsorMatcher({"Emirates": ["Fly Emirates", "Fly Better"]})
    assert m.match("FLY BETTER") == TextMatch("Emirates", "Fly Better", 1.0, "exact")
    assert m.match("Emirates") == TextMatch("Emirates", "Emirates", 1.0, "exact")


def test_empty_text() -> None:
    m = SponsorMatcher(names("Santander", "Audi"))
    for text in ("", "   ", "\n\t", "---", "!!"):
        assert m.match(text) is None
        assert m.match_all(text) == []
        assert m.match(text, at_edge=True) is None


def test_empty_catalogue() -> None:
    m = SponsorMatcher({})
    assert m.match("Santander") is None
    assert m.is_other_word("Santander")


def test_alias_with_no_text_is_ignored() -> None:
    m = SponsorMatcher({"Audi": ["", "---"]})
    assert hit(m, "AUDI") == "Audi"


# --- OCR confusions ------------------------------------------------------------------------------------


def test_ocr_confusions() -> None:
    m = SponsorMatcher(names("1&1", "Emirates", "OBI", "Audi", "SAP", "adidas", "Zalando", "bet365"))
    assert hit(m, "181") == "1&1"
    assert hit(m, "1 & 1") == "1&1"
    assert hit(m, "l&l") == "1&1"
    assert hit(m, "Ernirates") == "Emirates"
    assert hit(m, "0BI") == "OBI"
    assert hit(m, "AUD1") == "Audi"
    assert hit(m, "5AP") == "SAP"
    assert hit(m, "ADIDA5") == "adidas"
    assert hit(m, "2ALANDO") == "Zalando"
    assert hit(m, "8ET365") == "bet365"
    found = m.match("181")
    assert found is not None and found.score == 1.0 and found.kind == "exact"


# --- short names: whole words only ---------------------------------------------------------------------


def test_short_name_whole_word_only() -> None:
    m = SponsorMatcher(names("ELTEN", "Audi", "SAP"))
    assert m.match("AN DER ALTEN FÖRSTEREI") is None
    assert hit(m, "ELTEN") == "Elten".upper()
    assert hit(m, "AN DER ELTEN FÖRSTEREI") == "ELTEN"
    assert m.match("AUDIENCE") is None
    assert m.match("SAPPHIRE") is None
    assert m.match("SAPP") is None
    assert m.match("ASAP") is None
    assert hit(m, "SAP SE") == "SAP"
    assert hit(m, "www.audi.de") == "Audi"


def test_short_name_never_fuzzy() -> None:
    m = SponsorMatcher(names("Audi", "ELTEN"))
    for text in ("Aude", "Auid", "Aud", "Audio", "ELTN", "ELTEM"):
        assert m.match(text) is None, text


def test_short_name_run_of_words() -> None:
    m = SponsorMatcher(names("1&1", "BayWa"))
    assert hit(m, "1 & 1 DSL") == "1&1"
    assert hit(m, "BAY WA r.e.") == "BayWa"
    assert m.match("BAY WATCH") is None


def test_short_name_not_at_edge() -> None:
    m = SponsorMatcher(names("Audi"))
    assert m.match("AUD", at_edge=True) is None
    assert m.match("UDI", at_edge=True) is None


def test_short_name_that_looks_like_a_common_word() -> None:
    # "D1E" reads as "die" after confusions, yet "die" itself must not name it.
    m = SponsorMatcher(names("D1E"))
    assert hit(m, "D1E") == "D1E"
    assert m.match("DIE") is None


# --- long names: fuzzy and substrings ------------------------------------------------------------------


def test_long_name_fuzzy_edits_grow_with_length() -> None:
    m = SponsorMatcher(names("Emirates", "Santander", "Volkswagen Financial"))
    # 8 chars: 1 edit.
    assert hit(m, "Emirat3s") == "Emirates"
    assert m.match("Emxratxs") is None
    # 9 chars: 2 edits.
    assert hit(m, "Santamdr") == "Santander"
    assert m.match("Sxntxndxr") is None
    # 19 chars: 3 edits.
    assert hit(m, "VOLKSWAGN FINANCAL") == "Volkswagen Financial"
    assert hit(m, "VOLKSWAGEN FINANCXAX") == "Volkswagen Financial"
    assert m.match("VOLKXXAGX FINANCXAX") is None


def test_six_char_name_one_edit() -> None:
    m = SponsorMatcher(names("Adidas"))
    assert hit(m, "Adidaz") == "Adidas"
    found = m.match("Adidaz")
    assert found is not None
    assert found.kind == "fuzzy"
    assert found.score == pytest.approx(1 - 1 / 6)
    assert m.match("Adxdaz") is None


def test_fuzzy_score() -> None:
    m = SponsorMatcher(names("Santander"))
    found = m.match("Santandr")
    assert found == TextMatch("Santander", "Santander", pytest.approx(1 - 1 / 9), "fuzzy")


def test_long_name_substring_of_line() -> None:
    m = SponsorMatcher(names("Santander", "Emirates"))
    assert m.match("WWW.SANTANDER.DE") == TextMatch("Santander", "Santander", 1.0, "exact")
    assert hit(m, "FLYEMIRATES.COM") == "Emirates"
    assert hit(m, "Banco Santander S.A.") == "Santander"


def test_line_with_two_boards() -> None:
    m = SponsorMatcher(names("Santander", "Emirates", "Audi"))
    found = m.match_all("SANTANDER EMIRATES AUDI")
    assert {f.sponsor for f in found} == {"Santander", "Emirates", "Audi"}
    assert len(found) == 3
    # Best first; equal scores: the longer name first.
    assert [f.sponsor for f in found] == ["Santander", "Emirates", "Audi"]


def test_match_span_says_where_the_name_sits_in_the_line() -> None:
    m = SponsorMatcher(names("Santander", "Emirates", "Audi", "Live"))
    spans = {f.sponsor: f.span for f in m.match_all("SANTANDER EMIRATES AUDI")}  # key: 21 characters
    assert spans["Santander"] == pytest.approx((0 / 21, 9 / 21))  # a window of a long name
    assert spans["Emirates"] == pytest.approx((9 / 21, 17 / 21))
    assert spans["Audi"] == pytest.approx((17 / 21, 1.0))  # a short name: its whole word
    assert m.match("WWW.SANTANDER.DE").span == pytest.approx((3 / 14, 12 / 14))  # punctuation left out
    assert m.match("SANTANDER").span == (0.0, 1.0)
    assert m.match("Santandr").span == (0.0, 1.0)  # fuzzy, the whole line
    assert m.match("WATCH LIVE").span == pytest.approx((5 / 9, 1.0))  # a common-word name, exact word
    assert m.match("SANTAN", at_edge=True).span == (0.0, 1.0)
    assert m.match("XYZ SANTAN", at_edge=True).span == pytest.approx((3 / 9, 1.0))  # prefix at the end
    assert m.match("TANDER XYZ", at_edge=True).span == pytest.approx((0.0, 6 / 9))  # suffix at the start
    assert m.match("SANTANDER XYZ") == m.match("SANTANDER")  # spans are not compared


def test_match_all_one_per_sponsor() -> None:
    m = SponsorMatcher({"Emirates": ["Fly Emirates", "Emirates Airline"]})
    found = m.match_all("FLY EMIRATES")
    assert len(found) == 1
    assert found[0].text == "Fly Emirates"  # longer text wins the tie


def test_match_all_best_first() -> None:
    m = SponsorMatcher(names("Santander", "Emirates"))
    found = m.match_all("SANTANDR EMIRATES")
    assert [f.sponsor for f in found] == ["Emirates", "Santander"]
    assert found[0].score == 1.0 > found[1].score


def test_match_all_empty() -> None:
    m = SponsorMatcher(names("Santander"))
    assert m.match_all("HELLO WORLD") == []


# --- frame edge ----------------------------------------------------------------------------------------


def test_edge_prefix_only_at_edge() -> None:
    m = SponsorMatcher(names("Santander"))
    assert m.match("SANTAN") is None
    found = m.match("SANTAN", at_edge=True)
    assert found == TextMatch("Santander", "Santander", pytest.approx(6 / 9), "prefix")


def test_edge_suffix_only_at_edge() -> None:
    m = SponsorMatcher(names("Santander"))
    assert m.match("TANDER") is None
    found = m.match("TANDER", at_edge=True)
    assert found == TextMatch("Santander", "Santander", pytest.approx(6 / 9), "suffix")


def test_edge_needs_sixty_percent_and_five_chars() -> None:
    m = SponsorMatcher(names("Santander", "Volkswagen Financial"))
    assert m.match("SANTA", at_edge=True) is None  # 5 chars, but < 60 % of 9
    assert m.match("NDER", at_edge=True) is None
    # 20 chars: at least 12.
    assert hit(m, "VOLKSWAGEN FI", at_edge=True) == "Volkswagen Financial"
    assert m.match("VOLKSWAGEN F", at_edge=True) is None
    assert hit(m, "WAGEN FINANCIAL", at_edge=True) == "Volkswagen Financial"


def test_edge_longer_cut_scores_higher() -> None:
    m = SponsorMatcher(names("Santander"))
    short = m.match("SANTAN", at_edge=True)
    long = m.match("SANTANDE", at_edge=True)
    assert short is not None and long is not None
    assert long.score > short.score


def test_edge_must_be_line_start_or_end() -> None:
    m = SponsorMatcher(names("Santander"))
    # The cut name sits at the line's end (right edge) or start (left edge), nowhere else.
    assert hit(m, "BANCO SANTAN", at_edge=True) == "Santander"
    assert hit(m, "TANDER BANK", at_edge=True) == "Santander"
    assert m.match("BANCO SANTAN BANK", at_edge=True) is None
    assert m.match("TANDER BANK", at_edge=False) is None


def test_edge_only_long_names() -> None:
    m = SponsorMatcher(names("Adidas", "Emirates"))
    assert m.match("ADID", at_edge=True) is None  # 6 chars: never matched cut (only fuzzily, 1 edit)
    found = m.match("ADIDA", at_edge=True)
    assert found is not None and found.kind == "fuzzy"
    assert hit(m, "EMIRA", at_edge=True) == "Emirates"  # 8 chars: 5 >= max(5, 4.8)
    assert m.match("EMIR", at_edge=True) is None


# --- common words ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["THE", "GOAL", "TOR", "LIVE", "REPLAY", "HOME AWAY", "DER DIE DAS", "www com", "FC", "vs"]
)
def test_common_words_never_match(text: str) -> None:
    # Sponsors deliberately close to the common words.
    m = SponsorMatcher(names("The1", "Goals Inc", "Tore", "Liver", "Replays", "Homeaway", "FCB", "Derdiedas"))
    assert m.match(text) is None
    assert m.match(text, at_edge=True) is None


def test_line_of_only_common_words_matches_nothing() -> None:
    m = SponsorMatcher(names("Andthe", "Derundie"))
    assert m.match("AND THE") is None
    assert m.match("DER UND DIE") is None
    assert hit(m, "DERUNDIE") == "Derundie"


def test_fuzzy_window_must_cover_a_content_word() -> None:
    # "Homelive" is one edit from the squashed line "home live", made only of common words.
    m = SponsorMatcher(names("Homelive"))
    assert m.match("HOME LIVE") is None
    assert hit(m, "HOMELIVE") == "Homelive"


def test_stopwords_argument() -> None:
    m = SponsorMatcher(names("Bayern Muenchen"), stopwords=["Bayern", "MÜNCHEN", "  "])
    assert m.match("BAYERN") is None
    assert m.match("MUENCHEN") is None
    m2 = SponsorMatcher(names("Santander"), stopwords=["Santander"])
    assert hit(m2, "SANTANDER") == "Santander"
    assert m2.match("SANTANDR") is None
    assert hit(m2, "WWW.SANTANDER.DE") == "Santander"  # a whole word of the line
    assert m2.match("SANTANDERBANK") is None
    assert m2.match("SANTAN", at_edge=True) is None


def test_stopword_name_matches_only_exact_whole_word() -> None:
    m = SponsorMatcher(names("Allianz Arena"), stopwords=["allianz", "arena"])
    assert hit(m, "allianz arena") == "Allianz Arena"
    assert hit(m, "ALLIANZ-ARENA") == "Allianz Arena"
    assert hit(m, "allianzarena") == "Allianz Arena"  # exact after normalisation (spacing)
    assert m.match("allianzarenas") is None
    assert m.match("allianz arena münchen") is not None
    assert m.match("ALLIANZ ARENX") is None


def test_catalogue_name_that_is_a_common_word() -> None:
    m = SponsorMatcher(names("Live", "Home"))
    assert hit(m, "LIVE") == "Live"
    assert hit(m, "LIVE ON SKY") == "Live"
    assert m.match("L1VE") is None  # no confusions
    assert m.match("LIVES") is None  # no fuzzy, no substring
    assert m.match("DELIVERY") is None
    assert m.match("H0ME") is None
    assert hit(m, "home") == "Home"


def test_ocr_variant_of_common_word_is_common() -> None:
    # "G0ALS" reads as the common word "goals": it matches only itself, exactly.
    m = SponsorMatcher(names("G0ALS"))
    assert hit(m, "G0ALS") == "G0ALS"
    assert m.match("GOALS") is None
    m2 = SponsorMatcher(names("Goalkeep"))
    assert m2.match("G0AL") is None


# --- ties ----------------------------------------------------------------------------------------------


def test_higher_score_wins() -> None:
    m = SponsorMatcher(names("Santander", "Santanded"))
    assert hit(m, "SANTANDED") == "Santanded"
    assert hit(m, "SANTANDER") == "Santander"


def test_tie_goes_to_longer_name() -> None:
    m = SponsorMatcher(names("Emirates", "Fly Emirates"))
    assert hit(m, "FLY EMIRATES") == "Fly Emirates"
    m2 = SponsorMatcher(names("Fly Emirates", "Emirates"))
    assert hit(m2, "FLY EMIRATES") == "Fly Emirates"
    assert hit(m2, "EMIRATES") == "Emirates"


def test_tie_same_length_goes_to_catalogue_order() -> None:
    m = SponsorMatcher(names("Aaaaaaab", "Aaaaaaac"))
    assert hit(m, "AAAAAAAD") == "Aaaaaaab"


# --- is_other_word -------------------------------------------------------------------------------------


def test_is_other_word() -> None:
    m = SponsorMatcher(names("Santander", "Audi", "1&1"))
    assert m.is_other_word("HELLO")
    assert not m.is_other_word("Santander")
    assert not m.is_other_word("ab")
    assert not m.is_other_word("a b")
    assert not m.is_other_word("")
    assert not m.is_other_word("!!!")
    assert not m.is_other_word("SANTANDR")  # a misread sponsor
    assert not m.is_other_word("SANTAN")  # possibly cut by the crop
    assert not m.is_other_word("AUDI")
    assert not m.is_other_word("181")
    assert m.is_other_word("AUDIENCE")
    assert m.is_other_word("LIVE")  # a readable word, and no sponsor
    assert m.is_other_word("a.b.c")  # three alphanumeric chars


# --- speed ---------------------------------------------------------------------------------------------


def test_large_catalogue_is_fast_enough() -> None:
    catalogue = {f"Sponsor{i:04d} Group": [f"Brand {i:04d}"] for i in range(2000)}
    catalogue["Santander"] = []
    m = SponsorMatcher(catalogue)
    start = time.perf_counter()
    for i in range(20):
        assert hit(m, f"WWW.SANTANDER.DE {i}") == "Santander"
    assert time.perf_counter() - start < 10.0


# --- short names glued to more ----------------------------------------------------------------------


def test_short_name_repeated_or_glued_to_a_common_word() -> None:
    m = SponsorMatcher(names("REWE", "MEWA", "ELTEN", "Audi", "SAP"))
    assert hit(m, "REWEREWE") == "REWE"  # one board's name repeated, read as one word
    assert hit(m, "ELTENELTENELTEN") == "ELTEN"
    glued = m.match("MEWAARENA")  # "MEWA ARENA" with the space lost
    assert glued is not None and (glued.sponsor, glued.kind, glued.score) == ("MEWA", "glued", 0.9)
    # a single stray letter, or a one- or two-letter common word, is not enough: these are other words
    for text in ("AUDIO", "SAUDI", "AREWE", "AUDIAN", "SAPSAP", "MEWAARENAS"):
        assert m.match(text) is None, text


# --- near misses ------------------------------------------------------------------------------------


def test_near_miss_is_a_line_close_to_a_name_that_matched_nothing() -> None:
    m = SponsorMatcher(names("Ravenol", "Unibet", "Audi"))
    assert m.near_miss("RAVENC")  # the detector's box cut the last letter, recognition guessed one
    assert m.near_miss("UNIDEY")
    assert not m.near_miss("RAVENOL")  # it matches: no second look needed
    assert not m.near_miss("SCOUTINGFEED")
    assert not m.near_miss("the")  # common words only
    assert m.near_miss("AUD")  # a box cut through the last letter
    assert not m.near_miss("AU")  # windows under 3 chars, and names under 4, are never near misses
    assert not SponsorMatcher(names("SAP")).near_miss("SA P")


def test_a_fragment_is_a_line_of_1_to_3_chars_that_names_nothing() -> None:
    m = SponsorMatcher(names("sonepar", "flatex", "Audi", "SAP"))
    assert m.fragment("par")  # the text detector boxed the end of "sonepar" only
    assert m.fragment("tex") and m.fragment("a") and m.fragment("0-0")
    assert not m.fragment("SAP")  # it names a sponsor: nothing to read again
    assert not m.fragment("AUD")  # a near miss is read again as one, not as a fragment
    assert not m.fragment("RAVE")  # 4 chars: a word of its own, not a piece
    assert not m.fragment("") and not m.fragment(" - ")


def test_overlapping_matches_the_wider_one_explains_the_line() -> None:
    m = SponsorMatcher(
        names("Delina", "Home Deluxe", "Mercedes-Benz", "Mercedes-Benz Bank", "Santander", "flatex")
    )
    assert [h.sponsor for h in m.match_all("HOMEDELINE")] == ["Home Deluxe"]  # not Delina inside it
    assert [h.sponsor for h in m.match_all("Mercedes-Benz Bank")] == ["Mercedes-Benz Bank"]
    assert [h.sponsor for h in m.match_all("Mercedes-Benz")] == ["Mercedes-Benz"]
    assert sorted(h.sponsor for h in m.match_all("SANTANDER flatex")) == ["Santander", "flatex"]
