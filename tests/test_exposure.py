"""Exact numbers from :func:`measure.exposure.aggregate` on constructed detection tables."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from measure.exposure import FRAME_COLUMNS, SEGMENT_COLUMNS, SPONSOR_COLUMNS, aggregate, quality_index
from measure.methodology import REFERENCE_SIDE_PX
from measure.records import DETECTION_COLUMNS, QUALITY_COLUMNS, Timeline, empty_detections
from measure.settings import MeasureSettings, RateCard

W = H = 100  # frame size: a 10 x 10 box is 1 % of the frame
DEFAULTS = MeasureSettings()  # min_clarity 0.3, min_side_px 10, max_gap_s 0.5, min_exposure_s 1.0


def approx(x: float) -> object:
    return pytest.approx(x, rel=1e-12, abs=1e-12)


def timeline(n_frames: int, fps: float, stride: int = 1, cuts_s: tuple[float, ...] = ()) -> Timeline:
    """A constant-rate source of ``n_frames`` decoded frames, every ``stride``-th one analysed."""
    frames = np.arange(0, n_frames, stride)
    return Timeline(
        times=frames / fps, frames=frames, duration_s=n_frames / fps, width=W, height=H, cuts_s=cuts_s
    )


def det(
    frame: int,
    sponsor: str = "A",
    box: tuple[float, float, float, float] = (0, 0, 10, 10),
    *,
    fps: float = 10.0,
    track: int = 1,
    clarity: float = 0.9,
    centrality: float = 1.0,
    shot: int = 0,
    short_side: float | None = None,
) -> dict[str, object]:
    x1, y1, x2, y2 = box
    row: dict[str, object] = {c: np.nan for c in DETECTION_COLUMNS}
    row.update(
        frame=frame, t=frame / fps, sponsor=sponsor, conf=0.9, x1=x1, y1=y1, x2=x2, y2=y2,
        track_id=track, shot=shot,
    )  # fmt: skip
    row.update(
        screen_share=0.0, short_side_px=min(x2 - x1, y2 - y1) if short_side is None else short_side,
        sharpness=clarity, contrast=1.0, size_score=1.0, visible_fraction=1.0, clarity=clarity,
        zone="center", centrality=centrality,
    )  # fmt: skip
    return row


def table(rows: list[dict[str, object]]) -> pd.DataFrame:
    cols = {**DETECTION_COLUMNS, **{c: d for c, d in QUALITY_COLUMNS.items() if c != "qualifies"}}
    if not rows:
        return empty_detections(with_quality=True).drop(columns="qualifies")
    return pd.DataFrame(rows, columns=list(cols)).astype(cols)


def row(result: pd.DataFrame, sponsor: str) -> pd.Series:
    (idx,) = np.flatnonzero(result["sponsor"] == sponsor)
    return result.iloc[idx]


def test_columns_and_dtypes() -> None:
    ex = aggregate(table([det(0)]), timeline(10, 10.0), DEFAULTS)
    assert list(ex.sponsors.columns) == SPONSOR_COLUMNS
    assert SPONSOR_COLUMNS[:11] == [
        "sponsor", "exposure_s", "exposures", "mean_screen_share", "max_screen_share", "mean_clarity",
        "quality_s", "share_of_voice", "solo_s", "mean_clutter", "media_value",
    ]  # fmt: skip
    assert list(ex.segments.columns) == SEGMENT_COLUMNS
    assert list(ex.frames.columns) == FRAME_COLUMNS
    assert ex.sponsors["exposures"].dtype == np.int64
    assert ex.segments["start_frame"].dtype == np.int64
    assert ex.detections["qualifies"].dtype == bool


@pytest.mark.parametrize("stride", [1, 5])
def test_sampling_stride_gives_the_same_seconds(stride: int) -> None:
    # 25 fps, 2 s; sponsor A on decoded frames 0..24 = the first second.
    tl = timeline(50, 25.0, stride)
    rows = [det(f, fps=25.0, track=-1) for f in tl.frames if f < 25]
    ex = aggregate(table(rows), tl, DEFAULTS)
    a = row(ex.sponsors, "A")
    assert a["exposure_s"] == approx(1.0)
    assert a["exposures"] == 1
    assert a["mean_screen_share"] == approx(0.01)
    q = math.sqrt(0.01 / 0.05) * 0.9  # size factor x clarity, centred, alone
    assert a["quality_s"] == approx(q * 1.0)
    assert a["solo_s"] == approx(1.0)
    assert a["share_of_voice"] == 1.0
    (seg,) = ex.segments.itertuples()
    assert (seg.start_s, seg.end_s, seg.start_frame, seg.end_frame) == (0.0, approx(1.0), 0, 25 - stride)
    assert len(ex.frames) == 25 // stride


def test_gap_bridged_inside_a_track_but_not_beyond_max_gap() -> None:
    # 10 fps, 3 s. Track 1 present on 0-9, missing 10-13 (uncovered 0.4 s: bridged), present 14-19,
    # missing 20-25 (uncovered 0.6 s: not bridged), present 26-29.
    present = [*range(10), *range(14, 20), *range(26, 30)]
    rows = [det(f, box=(0, 0, 20, 10) if f == 9 else (0, 0, 10, 10)) for f in present]
    # a blurry detection of the same track inside the bridged gap changes nothing
    rows.append(det(11, clarity=0.1))
    ex = aggregate(table(rows), timeline(30, 10.0), DEFAULTS)
    a = row(ex.sponsors, "A")
    assert a["exposure_s"] == approx(2.4)
    assert ex.segments[["start_s", "end_s"]].to_numpy().tolist() == [[0.0, approx(2.0)], [approx(2.6), 3.0]]
    assert a["exposures"] == 1  # the 0.4 s segment is shorter than min_exposure_s
    # bridged frames 10-13 hold frame 9's values (share 0.02), the 16 others have 0.01
    assert a["mean_screen_share"] == approx((5 * 0.02 + 19 * 0.01) / 24)
    assert a["max_screen_share"] == approx(0.02)
    bridged = ex.frames.loc[ex.frames["bridged"], "frame"].tolist()
    assert bridged == [10, 11, 12, 13]


def test_best_frames_always_show_a_real_detection() -> None:
    # A is on frames 0 and 2 (smaller there) and bridged over frame 1; B is on screen at 0 only. The
    # bridged frame 1 holds frame 0's values with no clutter, so its q is the highest of A's, but it
    # shows no A box: the best frame of the sponsor and of the segment must be a real one.
    rows = [
        det(0, "A", box=(0, 0, 40, 20)),
        det(2, "A", box=(0, 0, 20, 10)),
        det(0, "B", box=(100, 0, 140, 20)),
    ]
    ex = aggregate(table(rows), timeline(3, 10.0), DEFAULTS)
    frames = ex.frames[ex.frames["sponsor"] == "A"]
    assert frames.loc[frames["bridged"], "frame"].tolist() == [1]
    assert frames.loc[frames["quality"].idxmax(), "frame"] == 1  # the trap is armed
    real = set(frames.loc[~frames["bridged"], "frame"])
    assert row(ex.sponsors, "A")["best_frame"] in real
    assert set(ex.segments.loc[ex.segments["sponsor"] == "A", "best_frame"]) <= real


def test_bridging_threshold_is_inclusive_and_configurable() -> None:
    rows = [det(f) for f in [*range(10), *range(16, 20)]]  # uncovered 0.6 s between frames 9 and 16
    assert aggregate(table(rows), timeline(20, 10.0), DEFAULTS).sponsors["exposure_s"][0] == approx(1.4)
    wide = MeasureSettings(max_gap_s=0.6)
    assert aggregate(table(rows), timeline(20, 10.0), wide).sponsors["exposure_s"][0] == approx(2.0)
    none = MeasureSettings(max_gap_s=0.0)
    assert aggregate(table(rows), timeline(20, 10.0), none).sponsors["exposure_s"][0] == approx(1.4)


def test_gaps_are_bridged_per_sponsor_whatever_the_track() -> None:
    present = [*range(10), *range(14, 20)]  # uncovered 0.3 s between frames 9 and 14
    ex = aggregate(table([det(f, track=-1) for f in present]), timeline(20, 10.0), DEFAULTS)
    assert row(ex.sponsors, "A")["exposure_s"] == approx(2.0)  # untracked detections bridge
    assert len(ex.segments) == 1
    assert ex.frames.loc[ex.frames["bridged"], "frame"].tolist() == [10, 11, 12, 13]
    # two tracks of one sponsor (a tracker splitting one small logo) bridge too
    rows = [det(f, track=1) for f in range(10)] + [det(f, track=2) for f in range(14, 20)]
    ex = aggregate(table(rows), timeline(20, 10.0), DEFAULTS)
    assert row(ex.sponsors, "A")["exposure_s"] == approx(2.0)
    # ... but never two sponsors, and never a gap longer than max_gap_s
    rows = [det(f, "A") for f in range(10)] + [det(f, "B") for f in range(14, 20)]
    ex = aggregate(table(rows), timeline(20, 10.0), DEFAULTS)
    assert row(ex.sponsors, "A")["exposure_s"] == approx(1.0) and row(ex.sponsors, "B")[
        "exposure_s"
    ] == approx(0.6)
    rows = [det(f, track=-1) for f in [*range(10), *range(16, 20)]]  # uncovered 0.6 s
    assert aggregate(table(rows), timeline(20, 10.0), DEFAULTS).sponsors["exposure_s"][0] == approx(1.4)


def test_one_missed_read_a_second_apart_is_bridged() -> None:
    # Reading once a second: the sponsor is read at 0-2, 4-5 and 8-9 s. The single miss at 3 s
    # (uncovered 1 s > max_gap_s) is bridged, being one analysed frame standing for at most
    # ONE_FRAME_GAP_S; the two misses at 6-7 s are not.
    present = [0, 1, 2, 4, 5, 8, 9]
    rows = [det(f, fps=1.0, track=-1) for f in present]
    ex = aggregate(table(rows), timeline(10, 1.0), DEFAULTS)
    assert row(ex.sponsors, "A")["exposure_s"] == approx(8.0)
    assert ex.frames.loc[ex.frames["bridged"], "frame"].tolist() == [3]
    # max_gap_s = 0 turns every bridge off, this one too
    off = aggregate(table(rows), timeline(10, 1.0), MeasureSettings(max_gap_s=0.0))
    assert row(off.sponsors, "A")["exposure_s"] == approx(7.0)
    # a cut at 3 s blocks it
    cut = timeline(10, 1.0, cuts_s=(3.0,))
    rows_cut = [det(f, fps=1.0, track=-1, shot=int(f >= 3)) for f in present]
    assert row(aggregate(table(rows_cut), cut, DEFAULTS).sponsors, "A")["exposure_s"] == approx(7.0)
    # reading every 2 s, one miss leaves 2 s uncovered: more than ONE_FRAME_GAP_S, not bridged
    tl = timeline(20, 1.0, stride=2)
    sparse = [det(f, fps=1.0, track=-1) for f in (0, 2, 6, 8)]
    assert row(aggregate(table(sparse), tl, DEFAULTS).sponsors, "A")["exposure_s"] == approx(8.0)


def test_overlapping_boxes_of_one_sponsor_count_once() -> None:
    # One analysed frame standing for 1 s. Boxes: 200 px² and 300 px² overlapping by 100 px²,
    # plus a box hanging over the bottom-right corner with 100 px² inside the frame.
    rows = [
        det(0, box=(0, 0, 20, 10), clarity=0.6, centrality=0.2),
        det(0, box=(10, 0, 40, 10), clarity=0.8, centrality=0.5),  # the largest
        det(0, box=(90, 90, 110, 110), clarity=0.7, centrality=0.0),
    ]
    tl = Timeline(times=np.array([0.0]), frames=np.array([0]), duration_s=1.0, width=W, height=H)
    ex = aggregate(table(rows), tl, DEFAULTS)
    a = row(ex.sponsors, "A")
    assert a["mean_screen_share"] == approx(500 / 10_000)
    assert a["max_screen_share"] == approx(0.05)
    assert a["mean_clarity"] == approx(0.8)  # the best clarity of the frame
    # q = size 1 (share = 5 %) x clarity 0.8 x position (0.75 + 0.25 x 0.5) x clutter 1
    assert a["quality_s"] == approx(0.8 * 0.875)
    assert a["exposure_s"] == 1.0  # three logos at one moment count once


def test_two_sponsors_solo_clutter_and_share_of_voice() -> None:
    # 10 fps, 2 s. A on frames 0-9, B on 5-14 (overlap 5-9), C on 15-19 (alone).
    box = (0, 0, 50, 10)  # 5 % of the frame: size factor 1
    rows = [det(f, "A", box, clarity=0.8) for f in range(10)]
    rows += [det(f, "B", box, clarity=0.8, track=2) for f in range(5, 15)]
    rows += [det(f, "C", box, clarity=0.8, track=3) for f in range(15, 20)]
    ex = aggregate(table(rows), timeline(20, 10.0), DEFAULTS)
    a, b, c = (row(ex.sponsors, s) for s in "ABC")
    assert (a["exposure_s"], b["exposure_s"], c["exposure_s"]) == (approx(1.0), approx(1.0), approx(0.5))
    assert a["solo_s"] == approx(0.5) and b["solo_s"] == approx(0.5) and c["solo_s"] == approx(0.5)
    assert a["mean_clutter"] == approx(0.5) and c["mean_clutter"] == 0.0
    assert a["share_of_voice"] == approx(0.4) and c["share_of_voice"] == approx(0.2)
    assert ex.sponsors["share_of_voice"].sum() == approx(1.0)
    assert a["quality_s"] == approx(0.5 * 0.8 + 0.5 * 0.8 / 2)  # q halves while B is on screen
    assert a["best_frame"] == 0 and b["best_frame"] == 10  # highest q, earliest on ties
    assert b["best_t"] == approx(1.0)
    assert ex.frames.loc[ex.frames["sponsor"] == "A", "clutter"].tolist() == [0] * 5 + [1] * 5


def test_camera_cut_splits_segments_and_blocks_bridging() -> None:
    tl = timeline(20, 10.0, cuts_s=(1.0,))  # shot 1 starts at frame 10
    # a track present on 0-8 and 11-19: the 0.2 s gap would be bridged, but it spans the cut
    rows = [det(f, shot=int(f >= 10)) for f in [*range(9), *range(11, 20)]]
    ex = aggregate(table(rows), tl, DEFAULTS)
    assert row(ex.sponsors, "A")["exposure_s"] == approx(1.8)
    assert ex.segments["shot"].tolist() == [0, 1]
    # continuously visible across the cut: one segment per shot, both long enough to count
    rows = [det(f, shot=int(f >= 10)) for f in range(20)]
    ex = aggregate(table(rows), tl, DEFAULTS)
    assert ex.segments[["start_s", "end_s"]].to_numpy().tolist() == [[0.0, approx(1.0)], [approx(1.0), 2.0]]
    assert ex.segments[["start_frame", "end_frame", "shot"]].to_numpy().tolist() == [[0, 9, 0], [10, 19, 1]]
    assert row(ex.sponsors, "A")["exposures"] == 2


def test_rate_card_media_value() -> None:
    rows = [det(f, "A", (0, 0, 50, 10), clarity=0.5) for f in range(10)]
    rows += [det(f, "B", (0, 50, 50, 60), clarity=1.0, track=2) for f in range(10, 20)]
    card = RateCard(currency="EUR", default_per_s=10.0, rates={"A": 100.0})
    ex = aggregate(table(rows), timeline(20, 10.0), DEFAULTS, rate_card=card)
    a, b = row(ex.sponsors, "A"), row(ex.sponsors, "B")
    assert a["quality_s"] == approx(0.5) and b["quality_s"] == approx(1.0)
    assert a["media_value"] == approx(50.0) and b["media_value"] == approx(10.0)
    assert (aggregate(table(rows), timeline(20, 10.0), DEFAULTS).sponsors["media_value"] == 0).all()


def test_sponsor_list_gives_zero_rows_and_drops_unlisted_sponsors() -> None:
    rows = [det(f, "A") for f in range(10)] + [det(f, "X", track=9) for f in range(10)]
    ex = aggregate(table(rows), timeline(20, 10.0), DEFAULTS, sponsors=["Z", "A"])
    assert ex.sponsors["sponsor"].tolist() == ["Z", "A"]
    z, a = row(ex.sponsors, "Z"), row(ex.sponsors, "A")
    assert z["exposure_s"] == 0 and z["exposures"] == 0 and z["quality_s"] == 0 and z["share_of_voice"] == 0
    assert z["mean_screen_share"] == 0 and z["mean_clarity"] == 0 and z["best_frame"] == -1
    assert math.isnan(z["best_t"])
    # X is not analysed: A is alone on screen and has the whole share of voice
    assert a["solo_s"] == approx(1.0) and a["mean_clutter"] == 0 and a["share_of_voice"] == 1.0
    assert set(ex.segments["sponsor"]) == {"A"}
    assert len(ex.detections) == 20  # the input rows are all returned


def test_non_qualifying_detections_are_ignored() -> None:
    settings = MeasureSettings(min_clarity=0.5, min_side_px=10)
    rows = [det(f, clarity=0.5) for f in range(5)]  # exactly at the threshold: qualifies
    rows += [det(f, clarity=0.49) for f in range(5, 10)]  # too blurry
    small = 9.5 * min(W, H) / REFERENCE_SIDE_PX  # 9.5 px on the 720 px reference frame: too small
    rows += [det(f, box=(0, 0, 30, small)) for f in range(10, 15)]
    ex = aggregate(table(rows), timeline(20, 10.0), settings)
    assert row(ex.sponsors, "A")["exposure_s"] == approx(0.5)
    assert ex.detections["qualifies"].tolist() == [True] * 5 + [False] * 10
    # a stale 'qualifies' column in the input is recomputed from the settings
    stale = table(rows).assign(qualifies=True)
    assert aggregate(stale, timeline(20, 10.0), settings).sponsors["exposure_s"][0] == approx(0.5)


def test_interval_weighted_means_with_irregular_sampling() -> None:
    tl = Timeline(
        times=np.array([0.0, 0.1, 0.5]), frames=np.array([0, 1, 5]), duration_s=1.0, width=W, height=H
    )
    rows = [
        det(0, box=(0, 0, 10, 10), clarity=0.4),
        det(1, box=(0, 0, 20, 10), clarity=0.6),
        det(5, box=(0, 0, 20, 20), clarity=1.0),
    ]
    a = row(aggregate(table(rows), tl, DEFAULTS).sponsors, "A")
    assert a["exposure_s"] == approx(1.0)
    assert a["mean_screen_share"] == approx(0.01 * 0.1 + 0.02 * 0.4 + 0.04 * 0.5)
    assert a["mean_clarity"] == approx(0.4 * 0.1 + 0.6 * 0.4 + 1.0 * 0.5)
    assert a["max_screen_share"] == approx(0.04)
    expected_q = quality_index(
        np.array([0.01, 0.02, 0.04]), np.array([0.4, 0.6, 1.0]), np.ones(3), np.zeros(3)
    )
    assert a["quality_s"] == approx(float(expected_q @ [0.1, 0.4, 0.5]))


def test_quality_index_formula() -> None:
    q = quality_index(np.array([0.0125, 0.2]), np.array([0.8, 0.5]), np.array([0.0, 1.0]), np.array([1, 0]))
    assert q.tolist() == [approx(0.5 * 0.8 * 0.75 / 2), approx(0.5)]


def test_empty_input() -> None:
    ex = aggregate(table([]), timeline(10, 10.0), DEFAULTS)
    assert ex.sponsors.empty and list(ex.sponsors.columns) == SPONSOR_COLUMNS
    assert ex.segments.empty and list(ex.segments.columns) == SEGMENT_COLUMNS
    ex = aggregate(table([]), timeline(10, 10.0), DEFAULTS, sponsors=["A", "B"])
    assert ex.sponsors["sponsor"].tolist() == ["A", "B"]
    assert (ex.sponsors[["exposure_s", "quality_s", "share_of_voice", "media_value"]] == 0).all().all()
    empty_tl = Timeline(times=np.zeros(0), frames=np.zeros(0), duration_s=0.0, width=W, height=H)
    assert aggregate(table([]), empty_tl, DEFAULTS, sponsors=["A"]).sponsors["exposure_s"].tolist() == [0.0]


def test_errors_are_clear() -> None:
    with pytest.raises(ValueError, match=r"frames the timeline does not list \(e\.g\. frame 3\)"):
        aggregate(table([det(3)]), timeline(10, 10.0, stride=2), DEFAULTS)
    with pytest.raises(ValueError, match="lack columns: clarity"):
        aggregate(table([det(0)]).drop(columns="clarity"), timeline(10, 10.0), DEFAULTS)
    with pytest.raises(ValueError, match="NaN"):
        aggregate(table([det(0, box=(0, 0, np.nan, 10), short_side=20)]), timeline(10, 10.0), DEFAULTS)


def test_rotated_detections_use_their_polygon() -> None:
    r = det(0, box=(30, 30, 70, 70))  # the rotated box's axis-aligned hull
    r.update(px0=50.0, py0=30.0, px1=70.0, py1=50.0, px2=50.0, py2=70.0, px3=30.0, py3=50.0)  # area 800
    tl = Timeline(times=np.array([0.0]), frames=np.array([0]), duration_s=2.0, width=W, height=H)
    a = row(aggregate(table([r]), tl, DEFAULTS).sponsors, "A")
    assert a["mean_screen_share"] == approx(0.08)
    assert a["exposure_s"] == 2.0


def test_methodology_defines_every_reported_column() -> None:
    from measure.methodology import METHODOLOGY_MD, METRICS

    for col in [
        *SPONSOR_COLUMNS[1:],
        *QUALITY_COLUMNS,
        "clutter",
        "quality",
        "bridged",
        "interval_s",
        "segment",
    ]:
        assert col in METRICS, col
    for col in [*SPONSOR_COLUMNS[1:], *QUALITY_COLUMNS]:
        assert f"`{col}`" in METHODOLOGY_MD, col
    for name, value in DEFAULTS.model_dump().items():
        assert name in METHODOLOGY_MD and name in " ".join(METRICS.values()), name
        assert f"**{value:g}" in METHODOLOGY_MD, (name, value)


def test_every_reported_per_sponsor_number_is_in_the_metric_registry() -> None:
    from measure.exposure import SPONSOR_COLUMNS
    from measure.metrics import REGISTRY, UNITS, metric
    from measure.photos import PHOTO_SPONSOR_COLUMNS

    keys = [m.key for m in REGISTRY]
    assert len(keys) == len(set(keys)) and all(m.unit in UNITS for m in REGISTRY)
    numbers = {c for c in [*SPONSOR_COLUMNS, *PHOTO_SPONSOR_COLUMNS] if c in keys}
    assert numbers == set(keys)  # every registry key is a reported column, and is defined
    assert metric("share_of_voice").format(0.1234) == "12.3%" and metric("exposure_s").format(None) == "–"
    assert metric("media_value").format(12345.6) == "12,346" and metric("exposures").format(3.0) == "3"
