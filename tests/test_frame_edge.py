"""Logos cut off by the frame border: :mod:`measure.frame_edge` on constructed detection tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_exposure import DEFAULTS, det, table, timeline

from measure.exposure import aggregate
from measure.frame_edge import complete_cut_logos, cut_visible_fractions, reference_aspects

W = H = 100


def board(frame: int, box: tuple[float, float, float, float], **kw: object) -> dict[str, object]:
    """A sharp, contrasted detection: clarity 0.9 = its sharpness."""
    return det(frame, box=box, **kw)


def test_a_box_at_the_right_border_is_the_part_of_its_track_s_logo_inside_the_frame() -> None:
    # The track's uncut boxes are 50 x 10 (aspect 5); at the right border it shows 20 x 10 of it.
    rows = [board(0, (10, 40, 60, 50)), board(1, (30, 40, 80, 50)), board(2, (80, 40, 100, 50))]
    out = complete_cut_logos(table(rows), W, H)
    assert out["visible_fraction"].tolist() == pytest.approx([1.0, 1.0, 0.4])
    # clarity has visible_fraction as a factor
    assert out["clarity"].tolist() == pytest.approx([0.9, 0.9, 0.36])
    left = complete_cut_logos(table([board(0, (10, 40, 60, 50)), board(1, (0, 40, 10, 50))]), W, H)
    assert left["visible_fraction"].iloc[1] == pytest.approx(0.2)


def test_a_box_at_the_top_or_bottom_border_uses_the_height_the_aspect_gives() -> None:
    # uncut 50 x 10; at the bottom border 50 x 4 shows: 40 % of its 10 px height
    rows = [board(0, (20, 40, 70, 50)), board(1, (20, 96, 70, 100))]
    assert cut_visible_fractions(table(rows), W, H)[1] == pytest.approx(0.4)


def test_a_whole_logo_touching_the_border_stays_whole() -> None:
    # same aspect as uncut (or wider, from box noise): visible_fraction is capped at 1
    rows = [board(0, (20, 40, 70, 50)), board(1, (50, 40, 100, 50)), board(2, (45, 40, 100, 50))]
    assert cut_visible_fractions(table(rows), W, H).tolist() == [1.0, 1.0, 1.0]


def test_the_reference_is_the_track_then_the_sponsor_in_the_shot_then_the_sponsor_anywhere() -> None:
    rows = [
        board(0, (10, 40, 60, 50), track=1),  # track 1: aspect 5
        board(0, (10, 10, 30, 20), track=2),  # track 2: aspect 2
        board(1, (80, 40, 100, 50), track=1),  # cut: its own track's 5 -> 0.4
        board(1, (80, 10, 100, 20), track=3),  # cut, track never uncut: shot median of 5 and 2 = 3.5
        board(1, (90, 60, 100, 70), track=-1),  # untracked: the shot median too
        board(9, (0, 40, 20, 50), track=4, shot=1),  # another shot, never uncut there: anywhere = 3.5
        board(9, (0, 10, 20, 20), sponsor="B", track=5, shot=1),  # B never uncut: unchanged
    ]
    ref = reference_aspects(table(rows), W, H)
    assert ref[:6].tolist() == pytest.approx([5.0, 2.0, 5.0, 3.5, 3.5, 3.5])
    assert np.isnan(ref[6])
    vis = cut_visible_fractions(table(rows), W, H)
    assert vis.tolist() == pytest.approx([1.0, 1.0, 0.4, 20 / 35, 10 / 35, 20 / 35, 1.0])


def test_corners_and_polygons_already_reaching_outside_keep_their_values() -> None:
    rows = [board(0, (10, 40, 60, 50)), board(1, (80, 90, 100, 100))]  # cut on both axes
    outside = board(2, (80, 40, 100, 50))
    outside["visible_fraction"] = 0.7  # its polygon already runs off the frame
    vis = cut_visible_fractions(table([*rows, outside]), W, H)
    assert vis.tolist() == pytest.approx([1.0, 1.0, 0.7])
    assert complete_cut_logos(table([]), W, H).empty


def test_a_sliver_at_the_border_stops_counting_toward_exposure() -> None:
    # 10 frames of a 50 x 10 logo, then 5 frames of a 10 x 10 sliver at the right border (20 % inside):
    # clarity 0.9 x 0.2 = 0.18 < min_clarity 0.3, so those 0.5 s no longer count.
    whole = [board(f, (20, 40, 70, 50)) for f in range(10)]
    rows = whole + [board(f, (90, 40, 100, 50)) for f in range(10, 15)]
    tl = timeline(20, 10.0)
    before = aggregate(table(rows), tl, DEFAULTS).sponsors
    after = aggregate(complete_cut_logos(table(rows), W, H), tl, DEFAULTS).sponsors
    assert before["exposure_s"].iloc[0] == pytest.approx(1.5)
    assert after["exposure_s"].iloc[0] == pytest.approx(1.0)


def test_the_result_does_not_depend_on_row_order() -> None:
    rows = [board(0, (10, 40, 60, 50)), board(1, (80, 40, 100, 50)), board(1, (0, 10, 20, 20), track=2)]
    df = table(rows)
    shuffled = df.iloc[[2, 0, 1]]
    a = complete_cut_logos(df, W, H)["visible_fraction"]
    b = complete_cut_logos(shuffled, W, H)["visible_fraction"]
    pd.testing.assert_series_equal(a, b.loc[a.index])
