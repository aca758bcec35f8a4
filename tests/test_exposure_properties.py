"""Properties of :func:`measure.exposure.aggregate` on random detection tables (hypothesis)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from measure.context import DIMENSIONS
from measure.exposure import aggregate
from measure.records import DETECTION_COLUMNS, PLACEMENTS, QUALITY_COLUMNS, SHOT_TYPES, UNKNOWN, Timeline
from measure.settings import MeasureSettings

W, H = 160, 90
SPONSORS = ["A", "B", "C"]
PROPERTY = settings(max_examples=50, deadline=None)
COLUMNS = {**DETECTION_COLUMNS, **{c: d for c, d in QUALITY_COLUMNS.items() if c != "qualifies"}}


def make_table(rows: list[dict[str, object]]) -> pd.DataFrame:
    """Build a scored detection table from partial rows (the other columns get neutral values)."""
    fill: dict[str, object] = dict.fromkeys(COLUMNS, np.nan)
    fill.update(conf=0.9, screen_share=0.0, sharpness=1.0, contrast=1.0, size_score=1.0)
    fill.update(visible_fraction=1.0, zone="center")
    data = {c: [r.get(c, fill[c]) for r in rows] for c in COLUMNS}
    return pd.DataFrame({c: pd.Series(v, dtype=COLUMNS[c]) for c, v in data.items()})


@st.composite
def scenes(draw: st.DrawFn) -> tuple[pd.DataFrame, Timeline, MeasureSettings]:
    """A constant-rate timeline (maybe sampled, maybe with cuts) and random detections on it."""
    fps = draw(st.sampled_from([10.0, 25.0, 29.97]))
    n = draw(st.integers(1, 60))
    stride = draw(st.integers(1, 4))
    frames = np.arange(0, n, stride)
    # the cut detector sees only analysed frames, so cuts fall on analysed frames' timestamps
    cut_at = draw(st.lists(st.integers(1, max(1, len(frames) - 1)), max_size=3, unique=True))
    cuts = tuple(sorted(frames[i] / fps for i in cut_at if i < len(frames)))
    n_shots = len(cuts) + 1
    classified = draw(st.booleans())  # shot types and replays given, or not (all unknown and live)
    shot_types = (
        tuple(draw(st.sampled_from([*SHOT_TYPES, UNKNOWN])) for _ in range(n_shots)) if classified else ()
    )
    replays = tuple(draw(st.booleans()) for _ in range(n_shots)) if classified else ()
    tl = Timeline(
        times=frames / fps,
        frames=frames,
        duration_s=n / fps,
        width=W,
        height=H,
        cuts_s=cuts,
        shot_types=shot_types,
        replays=replays,
    )
    shots = tl.shot_of_frame
    n_dets = draw(st.integers(0, 40))
    rows = []
    for _ in range(n_dets):
        i = draw(st.integers(0, len(frames) - 1))
        x1 = draw(st.integers(-20, W))
        y1 = draw(st.integers(-20, H))
        w = draw(st.integers(1, 80))
        h = draw(st.integers(1, 50))
        rows.append(
            {
                "frame": int(frames[i]),
                "t": float(tl.times[i]),
                "sponsor": draw(st.sampled_from(SPONSORS)),
                "x1": float(x1),
                "y1": float(y1),
                "x2": float(x1 + w),
                "y2": float(y1 + h),
                "track_id": draw(st.integers(-1, 2)),
                "shot": int(shots[i]),
                "short_side_px": float(min(w, h)),
                "clarity": draw(st.floats(0, 1)),
                "centrality": draw(st.floats(0, 1)),
                "placement": draw(st.sampled_from([*PLACEMENTS, UNKNOWN, None])),
            }
        )
    measure = MeasureSettings(
        min_clarity=draw(st.sampled_from([0.0, 0.3, 0.6])),
        min_side_px=draw(st.sampled_from([0.0, 10.0])),
        max_gap_s=draw(st.sampled_from([0.0, 0.2, 0.5, 2.0])),
        min_exposure_s=draw(st.sampled_from([0.0, 0.5, 1.0])),
    )
    table = make_table(rows)
    if draw(st.booleans()):  # the vision side classified placements (None: not classified)
        table["placement"] = pd.Series([r["placement"] for r in rows], dtype=object)
    return table, tl, measure


@PROPERTY
@given(scenes())
def test_bounds_and_totals(scene: tuple[pd.DataFrame, Timeline, MeasureSettings]) -> None:
    dets, tl, measure = scene
    ex = aggregate(dets, tl, measure, sponsors=SPONSORS)
    sp = ex.sponsors
    eps = 1e-9
    assert (sp["exposure_s"] >= 0).all() and (sp["exposure_s"] <= tl.duration_s + eps).all()
    for col in ("mean_screen_share", "max_screen_share", "mean_clarity", "share_of_voice"):
        assert sp[col].between(0, 1 + eps).all(), col
    assert (sp["mean_screen_share"] <= sp["max_screen_share"] + eps).all()
    assert (sp["quality_s"] <= sp["exposure_s"] + eps).all()
    assert (sp["solo_s"] <= sp["exposure_s"] + eps).all()
    assert (sp["mean_clutter"] <= len(SPONSORS) - 1).all()
    if sp["exposure_s"].sum() > 0:
        assert sp["share_of_voice"].sum() == pytest.approx(1.0)
    else:
        assert (sp["share_of_voice"] == 0).all()
    # the time during which any sponsor is visible never exceeds the duration
    assert ex.frames.groupby("frame")["interval_s"].first().sum() <= tl.duration_s + eps
    assert ex.frames["screen_share"].between(0, 1 + eps).all()


@PROPERTY
@given(scenes())
def test_segments_partition_the_exposure(scene: tuple[pd.DataFrame, Timeline, MeasureSettings]) -> None:
    dets, tl, measure = scene
    ex = aggregate(dets, tl, measure)
    seg = ex.segments
    for name, group in seg.groupby("sponsor"):
        g = group.sort_values("start_s")
        assert (g["start_s"].to_numpy()[1:] >= g["end_s"].to_numpy()[:-1] - 1e-9).all(), "overlap"
        total = float(ex.sponsors.loc[ex.sponsors["sponsor"] == name, "exposure_s"].iloc[0])
        assert g["duration_s"].sum() == pytest.approx(total, abs=1e-9)
        # a segment never spans a cut
        for cut in tl.cuts_s:
            assert not ((g["start_s"] < cut - 1e-9) & (g["end_s"] > cut + 1e-9)).any()
    long_enough = seg["duration_s"] >= measure.min_exposure_s - 1e-9
    counts = seg[long_enough].groupby("sponsor").size()
    for _, r in ex.sponsors.iterrows():
        assert r["exposures"] == counts.get(r["sponsor"], 0)


@PROPERTY
@given(scenes(), st.randoms(use_true_random=False))
def test_row_order_does_not_matter(scene: tuple[pd.DataFrame, Timeline, MeasureSettings], rnd) -> None:
    dets, tl, measure = scene
    order = list(range(len(dets)))
    rnd.shuffle(order)
    a = aggregate(dets, tl, measure)
    b = aggregate(dets.iloc[order].reset_index(drop=True), tl, measure)
    pd.testing.assert_frame_equal(a.sponsors, b.sponsors, check_exact=True)
    pd.testing.assert_frame_equal(a.segments, b.segments, check_exact=True)
    pd.testing.assert_frame_equal(a.frames, b.frames, check_exact=True)
    pd.testing.assert_frame_equal(a.context, b.context, check_exact=True)


@PROPERTY
@given(scenes())
def test_each_context_dimension_partitions_the_sponsor_totals(
    scene: tuple[pd.DataFrame, Timeline, MeasureSettings],
) -> None:
    dets, tl, measure = scene
    ex = aggregate(dets, tl, measure, sponsors=SPONSORS)
    sp = ex.sponsors.set_index("sponsor")
    for dim in DIMENSIONS:
        part = ex.context[ex.context["dimension"] == dim]
        sums = part.groupby("sponsor")[["exposure_s", "quality_s", "media_value", "exposures"]].sum()
        for name in SPONSORS:
            total = sp.loc[name]
            for col in ("exposure_s", "quality_s", "media_value"):
                assert sums.loc[name, col] == pytest.approx(total[col], rel=1e-12, abs=1e-12), (dim, col)
            assert sums.loc[name, "exposures"] == total["exposures"], dim
            rows = part[part["sponsor"] == name]
            share = rows["share_of_exposure"].sum()
            assert share == (pytest.approx(1.0) if total["exposure_s"] > 0 else 0.0), dim
            # the parts' means, weighted by their seconds, are the sponsor's mean
            for col in ("mean_screen_share", "mean_clarity"):
                if total["exposure_s"] > 0:
                    weighted = (rows[col] * rows["exposure_s"]).sum() / total["exposure_s"]
                    assert weighted == pytest.approx(total[col], rel=1e-9, abs=1e-12), (dim, col)
    # every visible frame carries its shot's context, and every segment lies in one shot
    assert (
        ex.frames["shot_type"].to_numpy()
        == tl.shot_type_of_frame[np.searchsorted(tl.frames, ex.frames["frame"])]
    ).all()
    for _, seg in ex.segments.iterrows():
        inside = ex.frames[
            (ex.frames["sponsor"] == seg["sponsor"])
            & ex.frames["frame"].between(seg["start_frame"], seg["end_frame"])
        ]
        assert set(inside["shot_type"]) == {seg["shot_type"]} and set(inside["replay"]) == {seg["replay"]}


@PROPERTY
@given(scenes(), st.sampled_from([0.3, 0.6, 1.0]), st.sampled_from([0.2, 1.0, 5.0]))
def test_stricter_thresholds_never_add_exposure(
    scene: tuple[pd.DataFrame, Timeline, MeasureSettings], stricter_clarity: float, wider_gap: float
) -> None:
    dets, tl, measure = scene
    base = aggregate(dets, tl, measure, sponsors=SPONSORS).sponsors["exposure_s"].to_numpy()
    strict = measure.model_copy(update={"min_clarity": max(measure.min_clarity, stricter_clarity)})
    less = aggregate(dets, tl, strict, sponsors=SPONSORS).sponsors["exposure_s"].to_numpy()
    assert (less <= base + 1e-9).all()
    wide = measure.model_copy(update={"max_gap_s": max(measure.max_gap_s, wider_gap)})
    more = aggregate(dets, tl, wide, sponsors=SPONSORS).sponsors["exposure_s"].to_numpy()
    assert (more >= base - 1e-9).all()


@st.composite
def steps(draw: st.DrawFn) -> tuple[float, int, int, list[tuple[int, int]]]:
    """A constant-rate video and 1-2 disjoint runs [a, b) of decoded frames showing sponsor A."""
    fps = draw(st.sampled_from([25.0, 30.0, 50.0]))
    n = draw(st.integers(20, 400))
    half = draw(st.integers(1, 6))  # the fine stride; the coarse one is twice that
    cuts = sorted(draw(st.lists(st.integers(1, n - 1), min_size=2, max_size=4, unique=True)))
    runs = [(cuts[0], cuts[1])]
    if len(cuts) >= 4:
        runs.append((cuts[2], cuts[3]))
    return fps, n, half, runs


@PROPERTY
@given(steps())
def test_halving_the_stride_changes_exposure_by_at_most_one_interval_per_segment(
    case: tuple[float, int, int, list[tuple[int, int]]],
) -> None:
    fps, n, half, runs = case

    def exposure(stride: int) -> tuple[float, int]:
        frames = np.arange(0, n, stride)
        tl = Timeline(times=frames / fps, frames=frames, duration_s=n / fps, width=W, height=H)
        shown = [f for f in frames if any(a <= f < b for a, b in runs)]
        rows = [
            {"frame": int(f), "t": f / fps, "sponsor": "A", "x1": 0.0, "y1": 0.0, "x2": 40.0, "y2": 20.0,
             "track_id": 1, "shot": 0, "short_side_px": 20.0, "clarity": 0.9, "centrality": 0.5}
            for f in shown
        ]  # fmt: skip
        ex = aggregate(make_table(rows), tl, MeasureSettings(max_gap_s=0.0), sponsors=["A"])
        return float(ex.sponsors["exposure_s"].iloc[0]), len(ex.segments)

    fine, fine_segments = exposure(half)
    coarse, coarse_segments = exposure(2 * half)
    assert fine_segments <= len(runs) and coarse_segments <= len(runs)
    assert abs(fine - coarse) <= len(runs) * (2 * half / fps) + 1e-9
    # (in fact by at most half a coarse interval per run, and each is within one interval of the truth)
    assert abs(fine - coarse) <= len(runs) * (half / fps) + 1e-9
    truth = sum(b - a for a, b in runs) / fps
    assert abs(fine - truth) <= len(runs) * (half / fps) + 1e-9
    assert abs(coarse - truth) <= len(runs) * (2 * half / fps) + 1e-9
