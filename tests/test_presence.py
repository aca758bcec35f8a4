"""Presence and clip-exposure scores against hand labels (measure.benchmark.presence)."""

from __future__ import annotations

import math
import subprocess
import sys

import pytest

from measure.benchmark.presence import (
    exposure_errors,
    false_positives_per_frame,
    negative_frames,
    presence_scores,
    ranges_seconds,
)

TRUTH = {
    "a": {"Unibet", "flatex", "Audi"},
    "b": {"Unibet"},
    "c": {"REWE"},  # not onboarded below
    "d": set(),
}
PRED = {
    "a": {"Unibet", "flatex", "PUMA"},  # 2 tp, 1 fp (PUMA), 1 fn (Audi)
    "b": set(),  # 1 fn
    "c": {"Unibet", "REWE"},  # 1 fp (Unibet), REWE tp when REWE is scored
    # "d" missing: nothing detected
}


def test_micro_scores_over_frame_sponsor_pairs() -> None:
    s = presence_scores(TRUTH, PRED)
    assert (s["tp"], s["fp"], s["fn"]) == (3, 2, 2)
    assert s["precision"] == pytest.approx(3 / 5)
    assert s["recall"] == pytest.approx(3 / 5)
    assert s["f1"] == pytest.approx(0.6)
    per = s["per_sponsor"]
    assert per["Unibet"] == {"precision": 0.5, "recall": 0.5, "f1": 0.5, "tp": 1, "fp": 1, "fn": 1}
    assert per["Audi"]["recall"] == 0.0 and per["Audi"]["fn"] == 1
    assert per["PUMA"]["precision"] == 0.0 and per["PUMA"]["fp"] == 1
    assert per["REWE"]["f1"] == 1.0


def test_restricting_to_onboarded_sponsors() -> None:
    s = presence_scores(TRUTH, PRED, sponsors=["Unibet", "flatex", "Audi"])
    # PUMA and REWE are ignored on both sides: tp Unibet(a), flatex(a); fp Unibet(c); fn Audi(a), Unibet(b)
    assert (s["tp"], s["fp"], s["fn"]) == (2, 1, 2)
    assert s["precision"] == pytest.approx(2 / 3)
    assert s["recall"] == pytest.approx(0.5)
    assert s["f1"] == pytest.approx(4 / 7)
    assert set(s["per_sponsor"]) == {"Unibet", "flatex", "Audi"}


def test_empty_predictions_give_zero_recall_and_vacuous_precision() -> None:
    s = presence_scores(TRUTH, {})
    assert s["recall"] == 0.0 and s["tp"] == 0 and s["fn"] == 5
    assert s["precision"] == 1.0  # nothing claimed, nothing false
    assert s["f1"] == 0.0


def test_predictions_for_unlabelled_frames_are_an_error() -> None:
    with pytest.raises(ValueError, match="no labels: zz"):
        presence_scores(TRUTH, {"zz": {"Unibet"}})


def test_false_positives_on_frames_without_onboarded_sponsors() -> None:
    onboarded = ["Unibet", "flatex", "Audi"]
    assert negative_frames(TRUTH, onboarded) == ["c", "d"]
    fp = false_positives_per_frame(TRUTH, PRED, onboarded)
    # frame c: Unibet claimed (REWE is not onboarded, so not counted); frame d: nothing
    assert fp == {"frames": 2, "false_positives": 1, "fp_per_frame": 0.5}
    fp = false_positives_per_frame({"x": {"Unibet"}}, {"x": {"flatex"}}, onboarded)
    assert fp["frames"] == 0 and math.isnan(fp["fp_per_frame"])


def test_ranges_seconds_merges_overlaps() -> None:
    assert ranges_seconds([[0, 2], [1, 3], [5, 5.5]]) == pytest.approx(3.5)
    assert ranges_seconds([]) == 0.0
    with pytest.raises(ValueError, match="ends before it starts"):
        ranges_seconds([[3, 1]])


def test_exposure_median_relative_error() -> None:
    truth = {"Unibet": [[0, 4]], "flatex": [[0, 2], [3, 5]], "Audi": [[1, 2]], "ELTEN": []}
    measured = {"Unibet": 3.0, "flatex": 4.4, "PUMA": 1.2}
    e = exposure_errors(truth, measured)
    per = e["per_sponsor"]
    assert per["Unibet"]["rel_error"] == pytest.approx(0.25)
    assert per["flatex"]["rel_error"] == pytest.approx(0.1)
    assert per["Audi"] == {"truth_s": 1.0, "measured_s": 0.0, "rel_error": 1.0}
    assert "ELTEN" not in per  # never legible: no relative error defined
    assert e["median_rel_error"] == pytest.approx(0.25)
    assert e["spurious"] == {"PUMA": 1.2}
    only = exposure_errors(truth, measured, sponsors=["flatex"])
    assert only["median_rel_error"] == pytest.approx(0.1) and only["spurious"] == {}


def test_presence_module_does_not_import_torch() -> None:
    code = "import sys, measure.benchmark.presence; print('torch' in sys.modules or 'ultralytics' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
