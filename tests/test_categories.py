"""Competitors and catalogue categories (issue 22, part 3): exact numbers from hand-built detection
tables, then the real path: ``analyze --sponsors FILE`` with the shipped demo model, ``compare`` and
``totals --by category`` on a database written by ``batch``."""

from __future__ import annotations

import numpy as np
from test_exposure import DEFAULTS, approx, det, row, table, timeline

from measure.categories import CATEGORY_COLUMNS
from measure.exposure import aggregate

AIRLINES = {"A": "airline", "B": "airline", "C": "airline", "D": "bank"}


def test_competitor_clash_and_category_seconds_are_exact() -> None:
    # 10 frames at 10 fps, every one analysed: each stands for 0.1 s.
    # A on frames 0-5, B on 3-7, C on 5 only (all airlines), D (bank) on 0-9, E (no category) on 0-1.
    rows = [det(i, "A", track=-1) for i in range(0, 6)]
    rows += [det(i, "B", box=(20, 20, 30, 30), track=-1) for i in range(3, 8)]
    rows += [det(5, "C", box=(40, 40, 50, 50), track=-1)]
    rows += [det(i, "D", box=(60, 60, 70, 70), track=-1) for i in range(10)]
    rows += [det(i, "E", box=(80, 80, 90, 90), track=-1) for i in range(2)]
    rows += [det(4, "C", box=(40, 40, 50, 50), track=-1, clarity=0.1)]  # does not qualify: no clash
    ex = aggregate(table(rows), timeline(10, 10.0), DEFAULTS, categories=AIRLINES)
    s = ex.sponsors
    # A and B overlap on frames 3-5, C meets both on frame 5
    assert row(s, "A")["competitor_s"] == approx(0.3)
    assert row(s, "B")["competitor_s"] == approx(0.3)
    assert row(s, "C")["competitor_s"] == approx(0.1)
    assert row(s, "D")["competitor_s"] == 0.0  # alone in its category
    assert row(s, "E")["competitor_s"] == 0.0 and row(s, "E")["category"] is None
    assert row(s, "A")["category"] == "airline" and row(s, "D")["category"] == "bank"
    c = ex.categories.set_index("category")
    assert list(ex.categories.columns) == list(CATEGORY_COLUMNS)
    assert list(c.index) == ["airline", "bank"]
    air, bank = c.loc["airline"], c.loc["bank"]
    assert air["sponsors"] == 3 and bank["sponsors"] == 1
    assert air["category_s"] == approx(0.8)  # frames 0-7: the union
    assert air["sponsor_s"] == approx(0.6 + 0.5 + 0.1)  # the sum of A, B and C
    assert air["clash_s"] == approx(0.3)  # frames 3, 4, 5: two or more airlines at once
    assert bank["category_s"] == approx(1.0) and bank["clash_s"] == 0.0
    total = 0.6 + 0.5 + 0.1 + 1.0 + 0.2
    assert air["category_share_of_voice"] == approx(1.2 / total)
    assert bank["category_share_of_voice"] == approx(1.0 / total)
    # the category share is the sum of its sponsors' shares
    sov = s.set_index("sponsor")["share_of_voice"]
    assert air["category_share_of_voice"] == approx(sov["A"] + sov["B"] + sov["C"])


def test_bridged_frames_and_sampling_weigh_as_in_the_sponsor_numbers() -> None:
    # every 2nd of 20 frames analysed at 10 fps: each analysed frame stands for 0.2 s. A is tracked
    # on frames 0 and 6 (frames 2, 4 bridged: gap 0.4 s <= 0.5 s), B untracked on 4 and 6.
    rows = [det(0, "A"), det(6, "A"), det(4, "B", box=(50, 50, 60, 60), track=-1)]
    rows.append(det(6, "B", box=(50, 50, 60, 60), track=-1))
    ex = aggregate(table(rows), timeline(20, 10.0, stride=2), DEFAULTS, categories={"A": "x", "B": "x"})
    s = ex.sponsors
    assert row(s, "A")["exposure_s"] == approx(0.8)
    assert row(s, "A")["competitor_s"] == approx(0.4)  # the bridged frame 4 and frame 6
    assert row(s, "B")["competitor_s"] == approx(0.4)
    c = ex.categories.iloc[0]
    assert c["clash_s"] == approx(0.4) and c["category_s"] == approx(0.8) and c["sponsor_s"] == approx(1.2)


def test_without_categories_every_sponsor_has_none_and_the_table_is_empty() -> None:
    ex = aggregate(table([det(0, "A"), det(0, "B", box=(50, 50, 60, 60))]), timeline(10, 10.0), DEFAULTS)
    assert ex.categories.empty and list(ex.categories.columns) == list(CATEGORY_COLUMNS)
    assert (ex.sponsors["competitor_s"] == 0).all() and ex.sponsors["category"].isna().all()
    # sponsors left out of the analysis are left out of their category too
    ex = aggregate(
        table([det(0, "A"), det(0, "B", box=(50, 50, 60, 60))]),
        timeline(10, 10.0),
        DEFAULTS,
        sponsors=["A", "Z"],
        categories={"A": "x", "B": "x", "Z": "x"},
    )
    assert row(ex.sponsors, "A")["competitor_s"] == 0.0
    c = ex.categories.iloc[0]
    assert c["sponsors"] == 2 and c["clash_s"] == 0.0 and c["category_s"] == approx(0.1)
    assert c["category_share_of_voice"] == approx(1.0)


def test_category_numbers_do_not_depend_on_row_order() -> None:
    rows = [det(i, "A", track=-1) for i in range(6)] + [
        det(i, "B", box=(50, 50, 60, 60), track=-1) for i in range(3, 9)
    ]
    a = aggregate(table(rows), timeline(10, 10.0), DEFAULTS, categories=AIRLINES)
    rng = np.random.default_rng(0)
    b = aggregate(
        table([rows[i] for i in rng.permutation(len(rows))]),
        timeline(10, 10.0),
        DEFAULTS,
        categories=AIRLINES,
    )
    assert a.categories.equals(b.categories)
    assert np.allclose(a.sponsors["competitor_s"], b.sponsors["competitor_s"])
