"""Exposure split by visual context (:mod:`measure.context`) on constructed detection tables and timelines."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from test_exposure import DEFAULTS, H, W, approx, det, table

from measure.context import CONTEXT_TABLE_COLUMNS, DIMENSION_VALUES, DIMENSIONS
from measure.exposure import aggregate
from measure.records import Timeline
from measure.settings import MeasureSettings, RateCard

FPS = 10.0


def timeline(
    n_frames: int, stride: int = 1, cuts_s: tuple[float, ...] = (), shot_types=(), replays=()
) -> Timeline:
    """A 10 fps source of ``n_frames`` decoded frames, every ``stride``-th analysed, with per-shot context."""
    frames = np.arange(0, n_frames, stride)
    return Timeline(
        times=frames / FPS,
        frames=frames,
        duration_s=n_frames / FPS,
        width=W,
        height=H,
        cuts_s=cuts_s,
        shot_types=shot_types,
        replays=replays,
    )


def placed(rows: list[dict[str, object]], placements: list[str | None]) -> pd.DataFrame:
    """The detection table of ``rows`` with the vision side's ``placement`` column."""
    return table(rows).assign(placement=pd.Series(placements, dtype=object))


def split(ctx: pd.DataFrame, sponsor: str, dimension: str) -> pd.DataFrame:
    """The context rows of one sponsor and dimension, indexed by value."""
    return ctx[(ctx["sponsor"] == sponsor) & (ctx["dimension"] == dimension)].set_index("value")


def assert_parts_add_up(ex, sponsors: list[str]) -> None:
    """Every dimension's parts add up to each sponsor's totals."""
    for name in sponsors:
        total = ex.sponsors.set_index("sponsor").loc[name]
        for dim in DIMENSIONS:
            part = split(ex.context, name, dim)
            for col in ("exposure_s", "quality_s", "media_value"):
                assert part[col].sum() == approx(float(total[col])), (name, dim, col)
            assert part["exposures"].sum() == total["exposures"]
            if total["exposure_s"] > 0:
                assert part["share_of_exposure"].sum() == approx(1.0)


def test_cuts_split_shot_type_and_replay_and_the_parts_add_up() -> None:
    # 10 fps, 4 s, cut at 2 s: shot 0 is a live wide shot, shot 1 a close-up replay. A is seen on
    # frames 5-14 (1 s live wide, 0.5 s replay close-up), all in the venue.
    tl = timeline(40, cuts_s=(2.0,), shot_types=("wide", "closeup"), replays=(False, True))
    rows = [det(f, shot=int(f >= 20)) for f in range(5, 25)]
    ex = aggregate(placed(rows, ["in_venue"] * len(rows)), tl, DEFAULTS, RateCard(default_per_s=10.0))
    assert list(ex.context.columns) == list(CONTEXT_TABLE_COLUMNS)
    shots = split(ex.context, "A", "shot_type")
    assert list(shots.index) == list(DIMENSION_VALUES["shot_type"])  # every value gets a row, in order
    assert shots.loc["wide", "exposure_s"] == approx(1.5) and shots.loc["closeup", "exposure_s"] == approx(
        0.5
    )
    assert shots.loc["tight", "exposure_s"] == 0 and shots.loc["unknown", "exposure_s"] == 0
    assert shots.loc["wide", "share_of_exposure"] == approx(0.75)
    replay = split(ex.context, "A", "replay")
    assert replay.loc["live", "exposure_s"] == approx(1.5) and replay.loc["replay", "exposure_s"] == approx(
        0.5
    )
    # the 1.5 s segment counts as an exposure (>= 1 s), the 0.5 s one does not
    assert replay.loc["live", "exposures"] == 1 and replay.loc["replay", "exposures"] == 0
    assert split(ex.context, "A", "placement").loc["in_venue", "exposure_s"] == approx(2.0)
    assert replay.loc["live", "media_value"] == approx(10.0 * replay.loc["live", "quality_s"])
    # the files' columns: segments and frames carry the context, and so do the detections
    seg = ex.segments.set_index("shot")
    assert (
        seg.loc[0, "shot_type"] == "wide"
        and not seg.loc[0, "replay"]
        and seg.loc[0, "placement"] == "in_venue"
    )
    assert seg.loc[1, "shot_type"] == "closeup" and seg.loc[1, "replay"]
    assert ex.detections.loc[ex.detections["frame"] >= 20, "replay"].all()
    assert set(ex.detections.loc[ex.detections["frame"] < 20, "shot_type"]) == {"wide"}
    assert_parts_add_up(ex, ["A"])


def test_a_frame_takes_the_placement_of_its_largest_qualifying_detection() -> None:
    # frame 0: a big overlay and a small in-venue logo; frame 1: a big in-venue logo and a small overlay
    # one, plus a bigger blurry (not qualifying) overlay that does not count
    rows = [
        det(0, box=(0, 0, 40, 40), centrality=0.2),
        det(0, box=(50, 50, 62, 62), centrality=0.9),
        det(1, box=(0, 0, 40, 40), centrality=0.4),
        det(1, box=(50, 50, 62, 62)),
        det(1, box=(0, 0, 90, 90), clarity=0.1),
    ]
    dets = placed(rows, ["overlay", "in_venue", "in_venue", "overlay", "overlay"])
    ex = aggregate(dets, timeline(2), DEFAULTS)
    frames = ex.frames.set_index("frame")
    assert frames.loc[0, "placement"] == "overlay" and frames.loc[0, "centrality"] == 0.2
    assert frames.loc[1, "placement"] == "in_venue" and frames.loc[1, "centrality"] == 0.4
    part = split(ex.context, "A", "placement")
    assert part.loc["overlay", "exposure_s"] == approx(0.1) and part.loc["in_venue", "exposure_s"] == approx(
        0.1
    )
    # the segment's placement: a tie in seconds and frames goes to the first name (in_venue)
    assert ex.segments["placement"].tolist() == ["in_venue"]
    # the detections keep their own placement
    assert ex.detections["placement"].tolist() == ["overlay", "in_venue", "in_venue", "overlay", "overlay"]


def test_bridged_frames_take_their_source_frames_placement_and_a_segment_its_main_one() -> None:
    # sampled every 2nd frame (0.2 s per analysed frame); track 1 seen at frames 0-6 as an overlay, then
    # at 10-12 in the venue: frame 8 is bridged from frame 6 (gap 0.2 s <= 0.5 s) and is an overlay.
    rows = [det(f) for f in (0, 2, 4, 6, 10, 12)]
    dets = placed(rows, ["overlay"] * 4 + ["in_venue"] * 2)
    ex = aggregate(dets, timeline(20, stride=2), DEFAULTS)
    frames = ex.frames.set_index("frame")
    assert bool(frames.loc[8, "bridged"]) and frames.loc[8, "placement"] == "overlay"
    part = split(ex.context, "A", "placement")
    assert part.loc["overlay", "exposure_s"] == approx(1.0) and part.loc["in_venue", "exposure_s"] == approx(
        0.4
    )
    assert ex.segments["placement"].tolist() == ["overlay"]  # 1.0 s of the 1.4 s segment
    assert part.loc["overlay", "exposures"] == 1 and part.loc["in_venue", "exposures"] == 0
    assert_parts_add_up(ex, ["A"])


def test_without_classifiers_everything_is_unknown_and_live() -> None:
    rows = [det(f, sponsor=s) for f in range(12) for s in ("A", "B")]
    ex = aggregate(table(rows), timeline(30), DEFAULTS, sponsors=["A", "B", "C"])
    assert set(ex.frames["placement"]) == {"unknown"} and set(ex.frames["shot_type"]) == {"unknown"}
    assert not ex.frames["replay"].any()
    assert {"placement", "shot_type", "replay"} <= set(ex.detections.columns)
    assert set(ex.detections["placement"]) == {"unknown"} and not ex.detections["replay"].any()
    for dim, value in (("placement", "unknown"), ("shot_type", "unknown"), ("replay", "live")):
        part = split(ex.context, "A", dim)
        assert part.loc[value, "exposure_s"] == approx(1.2) and part.loc[value, "share_of_exposure"] == 1.0
        assert part["exposure_s"].sum() == approx(1.2)
    # a sponsor never seen has its rows, all zero
    never = ex.context[ex.context["sponsor"] == "C"]
    assert len(never) == sum(len(v) for v in DIMENSION_VALUES.values())
    assert (never[["exposure_s", "share_of_exposure", "quality_s", "exposures"]] == 0).all().all()
    # a missing placement value counts as unknown too
    ex2 = aggregate(placed(rows, [None] * len(rows)), timeline(30), DEFAULTS)
    assert set(ex2.frames["placement"]) == {"unknown"}
    assert_parts_add_up(ex, ["A", "B", "C"])


def test_no_detections_gives_zero_rows_and_an_empty_context_without_sponsors() -> None:
    ex = aggregate(table([]), timeline(10), DEFAULTS, sponsors=["A"])
    assert (ex.context["exposure_s"] == 0).all() and len(ex.context) == 9
    assert ex.context.dtypes.to_dict() == {c: np.dtype(d) for c, d in CONTEXT_TABLE_COLUMNS.items()}
    empty = aggregate(table([]), timeline(10), DEFAULTS)
    assert empty.context.empty and list(empty.context.columns) == list(CONTEXT_TABLE_COLUMNS)


def test_clutter_and_mean_clarity_split_with_the_right_weights() -> None:
    # A is on frames 0-9 (wide shot, live) and 10-19 (tight, replay after the cut at 1 s) with clarity
    # 0.9 then 0.5; B shares frames 10-19 with it.
    tl = timeline(20, cuts_s=(1.0,), shot_types=("wide", "tight"), replays=(False, True))
    rows = [det(f, clarity=0.9 if f < 10 else 0.5, shot=int(f >= 10)) for f in range(20)]
    rows += [det(f, sponsor="B", box=(50, 50, 60, 60), shot=1) for f in range(10, 20)]
    ex = aggregate(table(rows), tl, MeasureSettings(min_exposure_s=0.5))
    part = split(ex.context, "A", "shot_type")
    assert part.loc["wide", "mean_clarity"] == approx(0.9) and part.loc["tight", "mean_clarity"] == approx(
        0.5
    )
    a_frames = ex.frames[ex.frames["sponsor"] == "A"]
    tight = a_frames[a_frames["shot_type"] == "tight"]
    assert part.loc["tight", "quality_s"] == approx(float((tight["quality"] * tight["interval_s"]).sum()))
    assert split(ex.context, "A", "replay").loc["replay", "exposures"] == 1
    assert_parts_add_up(ex, ["A", "B"])


def test_other_placement_values_get_rows_after_the_known_ones() -> None:
    rows = [det(f) for f in range(5)]
    ex = aggregate(placed(rows, ["shirt"] * 5), timeline(5), DEFAULTS)
    part = split(ex.context, "A", "placement")
    assert list(part.index) == ["in_venue", "overlay", "unknown", "shirt"]
    assert part.loc["shirt", "exposure_s"] == approx(0.5)


@pytest.mark.parametrize("stride", [1, 3])
def test_row_order_does_not_change_the_context(stride: int) -> None:
    tl = timeline(30, stride=stride, cuts_s=(1.5,), shot_types=("tight", "wide"), replays=(True, False))
    rows = [det(f, box=(0, 0, 20, 20), shot=int(f >= 15)) for f in range(0, 30, stride)]
    rows += [det(f, box=(0, 0, 20, 20), track=2, shot=int(f >= 15)) for f in range(0, 30, stride)]
    # identical boxes of two tracks: the largest is a tie, broken the same way whatever the row order
    placements = ["overlay"] * (len(rows) // 2) + ["in_venue"] * (len(rows) // 2)
    dets = placed(rows, placements)
    a = aggregate(dets, tl, DEFAULTS)
    b = aggregate(dets.iloc[::-1].reset_index(drop=True), tl, DEFAULTS)
    pd.testing.assert_frame_equal(a.context, b.context, check_exact=True)
    pd.testing.assert_frame_equal(a.frames, b.frames, check_exact=True)
    assert a.frames["placement"].isin(["in_venue", "overlay"]).all()


def test_a_schema_3_batch_database_gains_the_context_columns(tmp_path: Path) -> None:
    import duckdb

    from measure import db

    path = tmp_path / "v3.duckdb"
    db.connect(path).close()
    con = duckdb.connect(str(path))  # make it what SponsorLens wrote before the context columns
    for name in ("segments", "detections"):
        for column in ("placement", "shot_type", "replay"):
            con.execute(f"ALTER TABLE {name} DROP COLUMN {column}")
    con.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")
    con.execute("INSERT INTO segments (source_id, sponsor, duration_s) VALUES ('s', 'Apexa', 2.0)")
    con.close()
    con = db.connect(path)
    try:
        assert con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall() == [("4",)]
        # the earlier row is not classified; a new one keeps the columns aggregate wrote
        ex = aggregate(placed([det(f) for f in range(12)], ["overlay"] * 12), timeline(12), DEFAULTS)
        source = {"source_id": "t", "run_key": "k", "path": "t.mp4", "kind": "video"}
        db.write_source(con, source, detections=ex.detections, segments=ex.segments)
        rows = con.execute("SELECT source_id, placement, shot_type, replay FROM segments ORDER BY source_id")
        assert rows.fetchall() == [("s", None, None, None), ("t", "overlay", "unknown", False)]
        got = con.execute("SELECT DISTINCT placement, shot_type, replay FROM detections").fetchall()
        assert got == [("overlay", "unknown", False)]
    finally:
        con.close()
