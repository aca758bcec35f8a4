"""The pipeline's speed and memory changes keep its results: chunked detection table, cheaper cut
detection downscale, and the benchmark's own helpers."""

from __future__ import annotations

import cv2
import numpy as np
import pandas as pd
import pytest

from bench.memory import random_detections
from measure.records import empty_detections
from vision.inference.pipeline import _Columns
from vision.inference.shots import DETECT_WIDTH, CutDetector, downscale

NAMES = ["Acme", "Bolt", "Corvo"]


def _fill(columns: _Columns, frames: int, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    for f in range(frames):
        n = int(rng.integers(0, 5))
        dets = random_detections(rng, f, n, 25.0, NAMES)
        dets.shot = np.full(n, f // 40, dtype=np.int64)
        columns.add(dets)


def test_growing_detection_table_equals_the_concatenated_frames() -> None:
    grown, roomy = _Columns(capacity=3), _Columns(capacity=10**5)
    _fill(grown, 300)
    _fill(roomy, 300)
    assert grown.capacity < 10**4 and grown.capacity >= grown.rows > 500  # it really grew
    a, b = grown.frame(), roomy.frame()
    pd.testing.assert_frame_equal(a, b)
    # the oracle: the frames' own column dicts, concatenated by pandas
    parts: list[pd.DataFrame] = []

    class _Collect(_Columns):
        def add(self, dets):  # type: ignore[no-untyped-def]
            if len(dets):
                parts.append(pd.DataFrame(dets.columns()))

    _fill(_Collect(), 300)
    expected = pd.concat(parts, ignore_index=True)[list(a.columns)].astype(a.dtypes.to_dict())
    pd.testing.assert_frame_equal(a, expected)
    schema = empty_detections(with_quality=True).drop(columns="qualifies")
    assert list(a.columns) == list(schema.columns)
    assert a.dtypes.to_dict() == schema.dtypes.to_dict()
    # one string object per distinct sponsor and zone, not one per row
    assert len({id(v) for v in a["sponsor"]}) == a["sponsor"].nunique()
    assert len({id(v) for v in a["zone"]}) == 1


def test_empty_detection_table_has_every_column() -> None:
    df = _Columns().frame()
    assert len(df) == 0 and "qualifies" not in df and {"sponsor", "clarity", "zone"} <= set(df.columns)


def test_downscale_matches_a_single_area_resize() -> None:
    rng = np.random.default_rng(1)
    big = cv2.GaussianBlur(rng.integers(0, 256, (1080, 1920, 3), dtype=np.uint8), (0, 0), 1.5)
    small = downscale(big)
    ref = cv2.resize(big, (DETECT_WIDTH, 144), interpolation=cv2.INTER_AREA)
    assert small.shape == ref.shape == (144, DETECT_WIDTH, 3)
    diff = np.abs(small.astype(int) - ref.astype(int))
    assert diff.mean() < 0.6 and np.percentile(diff, 99) <= 2
    narrow = rng.integers(0, 256, (90, 160, 3), dtype=np.uint8)
    assert downscale(narrow) is narrow
    odd = rng.integers(0, 256, (1081, 1921, 3), dtype=np.uint8)  # odd sizes take the direct path
    assert downscale(odd).shape == (144, DETECT_WIDTH, 3)


def test_cut_detector_finds_the_same_cuts_as_with_a_plain_area_resize() -> None:
    rng = np.random.default_rng(2)
    shots = []
    for colour in ((40, 140, 40), (150, 60, 20), (30, 30, 170)):  # pitch, crowd, close-up: other hues
        noise = rng.integers(-40, 41, (1080, 1920, 3))
        shots.append(np.clip(np.asarray(colour) + noise, 0, 255).astype(np.uint8))
    frames = []
    for i in range(60):
        img = shots[i // 20].copy()
        cv2.circle(img, (200 + 30 * (i % 20), 540), 80, (255, 255, 255), -1)  # motion inside a shot
        frames.append(img)
    cuts = CutDetector(25.0)
    found = [i / 25 for i, img in enumerate(frames) if cuts.update(img, i / 25)]
    reference = CutDetector(25.0)  # fed frames already DETECT_WIDTH wide, which it leaves as they are
    expected = []
    for i, img in enumerate(frames):
        small = cv2.resize(img, (DETECT_WIDTH, 144), interpolation=cv2.INTER_AREA)
        if reference.update(small, i / 25):
            expected.append(i / 25)
    assert found == expected == [0.8, 1.6]


def test_exposure_diff_and_linear_fit() -> None:
    from bench.memory import linear_fit
    from bench.throughput import exposure_diff

    d = exposure_diff({"A": 10.05, "B": 0.0, "C": 0.5}, {"A": 10.0, "B": 0.2, "C": 0.5})
    assert d["max_abs_s"] == pytest.approx(0.2)
    assert d["max_rel"] == pytest.approx(0.005)  # B (under 1 s) is left out of the relative figure
    assert d["total_rel"] == pytest.approx(0.15 / 10.7, abs=1e-5)
    assert linear_fit([1, 2, 4], [100, 110, 130]) == pytest.approx((90.0, 10.0))


_FRAGMENT = """
import sys
import numpy as np, psutil
if sys.argv[1] == "fixed":
    from vision.memory import return_freed_memory_to_os
    assert return_freed_memory_to_os()
proc = psutil.Process()
big = np.ones(4_000_000)
del big  # freeing 32 MB raises glibc's own mmap threshold to 32 MB
before = proc.memory_info().rss
arrays = [np.ones(200_000) for _ in range(500)]  # 1.6 MB each, 800 MB in all
keep = arrays[1::50]  # a few survive, as in any real program
del arrays
print((proc.memory_info().rss - before) / 2**20)
"""


def test_freed_arrays_go_back_to_the_os() -> None:
    import platform
    import subprocess
    import sys
    from pathlib import Path

    if platform.libc_ver()[0] != "glibc":
        pytest.skip("mallopt is glibc's")
    repo = Path(__file__).resolve().parent.parent

    def retained_mb(mode: str) -> float:
        run = subprocess.run(
            [sys.executable, "-c", _FRAGMENT, mode], cwd=repo, capture_output=True, text=True, check=True
        )
        return float(run.stdout)

    assert retained_mb("default") > 400  # glibc keeps the freed heap
    assert retained_mb("fixed") < 100  # with the fixed threshold it goes back


def test_clipped_areas_in_slices_equal_one_pass() -> None:
    from measure import geometry

    rng = np.random.default_rng(3)
    n = geometry._SLICE + 1000  # more than one slice
    xy = rng.uniform(-50, 700, (n, 2))
    wh = rng.uniform(1, 120, (n, 2))
    boxes = np.stack([xy, xy + [1, 0] * wh, xy + wh, xy + [0, 1] * wh], axis=1)
    rotated = boxes.copy()
    rotated[::7] = boxes[::7] @ np.array([[0.96, -0.28], [0.28, 0.96]])  # some oriented polygons
    sliced = geometry.clipped_areas(rotated, 640, 480)
    whole = geometry._clipped_areas(rotated, 640, 480)
    np.testing.assert_array_equal(sliced, whole)
    group = rng.integers(0, n // 2, n)  # singles and groups of several
    by_group = geometry.group_union_areas(rotated, group, 640, 480)
    singles = np.flatnonzero(np.bincount(group, minlength=group.max() + 1) == 1)
    first_row = {g: i for i, g in enumerate(group)}
    np.testing.assert_allclose(by_group[singles], whole[[first_row[g] for g in singles]])


def test_detector_takes_the_threads_asked_for_and_keeps_the_detections() -> None:
    """Through the real model: ultralytics sets its own thread count (cpu_count - 1, at most 8) when
    its predictor is set up; the detector's callback restores ``threads``, and the detections equal
    those on ultralytics' thread count."""
    from pathlib import Path

    import torch
    from ultralytics.utils import NUM_THREADS

    from bench.throughput import untuned
    from vision.inference.detector import LogoDetector
    from vision.io.artwork import load_logos
    from vision.training.synth import render_scene

    repo = Path(__file__).resolve().parent.parent
    logos = load_logos(repo / "weights" / "demo_artwork")
    images = [render_scene(logos, np.random.default_rng(s), (1280, 720), "stadium").image for s in (1, 2)]
    weights = repo / "weights" / "demo.pt"
    before, asked = torch.get_num_threads(), NUM_THREADS + 1
    try:
        tuned = LogoDetector(weights, conf=0.1, device="cpu", threads=asked)
        got = tuned.predict(images, [0, 1], [0.0, 0.04])
        assert torch.get_num_threads() == asked
        plain = untuned(LogoDetector(weights, conf=0.1, device="cpu"))
        ref = plain.predict(images, [0, 1], [0.0, 0.04])
        assert torch.get_num_threads() == NUM_THREADS
        tuned.predict(images[:1], [0], [0.0])
        assert torch.get_num_threads() == asked  # set again on every call: the count is global
    finally:
        torch.set_num_threads(before)
    assert sum(len(d) for d in ref) >= 2
    for a, b in zip(got, ref, strict=True):
        assert a.sponsor.tolist() == b.sponsor.tolist()
        np.testing.assert_allclose(a.xyxy, b.xyxy, atol=0.05)
        np.testing.assert_allclose(a.confidence, b.confidence, atol=1e-4)
