"""Competitors and catalogue categories (issue 22, part 3): exact numbers from hand-built detection
tables, then the real path: ``analyze --sponsors FILE`` with the shipped demo model, ``compare`` and
``totals --by category`` on a database written by ``batch``."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pandas as pd
import pytest
from test_exposure import DEFAULTS, approx, det, row, table, timeline
from typer.testing import CliRunner

from cli.main import app
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


def test_a_schema_2_batch_database_gains_the_category_columns(tmp_path: Path) -> None:
    import duckdb

    from measure import db

    path = tmp_path / "v2.duckdb"
    db.connect(path).close()
    con = duckdb.connect(str(path))  # make it what SponsorLens wrote before categories
    con.execute("ALTER TABLE sponsor_exposure DROP COLUMN category")
    con.execute("ALTER TABLE sponsor_exposure DROP COLUMN competitor_s")
    con.execute("DROP TABLE category_exposure")
    con.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'")
    con.execute(
        "INSERT INTO sources (source_id, run_key, path, kind, status) VALUES ('s', 'k', 'v.mp4', 'video', 'done')"
    )
    con.execute("INSERT INTO sponsor_exposure (source_id, sponsor, exposure_s) VALUES ('s', 'Apexa', 2.0)")
    con.close()
    with pytest.raises(db.DatabaseError, match="schema version 2"):
        db.connect(path, read_only=True).close()  # reading alone never rewrites a file
    db.connect(path).close()
    con = db.connect(path, read_only=True)
    try:
        assert con.execute(
            "SELECT sponsor, exposure_s, category, competitor_s FROM sponsor_exposure"
        ).fetchall() == [("Apexa", 2.0, None, None)]
        assert db.totals(con, "category", "k").empty  # no categories yet: no rows, no error
        assert db.totals(con, "sponsor", "k")["exposure_s"].tolist() == [2.0]
    finally:
        con.close()


# --------------------------------------------------------------------------- the real path

REPO = Path(__file__).resolve().parent.parent
DEMO = REPO / "weights" / "demo.pt"
runner = CliRunner()
real = pytest.mark.skipif(not DEMO.is_file(), reason="weights/demo.pt is not trained yet (sponsorlens train)")
CATALOGUE = """\
[sponsors."Apexa"]
category = "airline"

[sponsors."Boltline"]
category = "airline"

[sponsors."Corvo"]
"""


def _art(name: str, width: int) -> np.ndarray:
    art = cv2.imread(str(REPO / "weights" / "demo_artwork" / f"{name}.png"))
    return cv2.resize(art, (width, round(width * art.shape[0] / art.shape[1])))


def write_clip(path: Path, seconds: float, boltline_from: int | None) -> Path:
    """A 640 x 360, 10 fps clip of the demo artwork on a pitch: Apexa all along, Boltline (the same
    category) beside it from frame ``boltline_from`` on (never when None)."""
    apexa, bolt = _art("Apexa", 220), _art("Boltline", 220)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 10, (640, 360))
    for i in range(round(seconds * 10)):
        img = np.full((360, 640, 3), (40, 120, 40), np.uint8)
        img[140 : 140 + apexa.shape[0], 60 : 60 + apexa.shape[1]] = apexa
        if boltline_from is not None and i >= boltline_from:
            img[140 : 140 + bolt.shape[0], 360 : 360 + bolt.shape[1]] = bolt
        writer.write(img)
    writer.release()
    return path


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``clips/both.mp4`` (2 s; Boltline joins Apexa after 1 s), ``clips/alone.mp4`` (1 s of Apexa
    alone) and ``cat.toml``, where Apexa and Boltline are both airlines."""
    root = tmp_path_factory.mktemp("competitors")
    (root / "clips").mkdir()
    write_clip(root / "clips" / "both.mp4", 2.0, boltline_from=10)
    write_clip(root / "clips" / "alone.mp4", 1.0, boltline_from=None)
    (root / "cat.toml").write_text(CATALOGUE)
    return root


def _options(media: Path) -> list[str]:
    return [
        "--weights",
        str(DEMO),
        "--sponsors",
        str(media / "cat.toml"),
        "--device",
        "cpu",
        "--sample-fps",
        "5",
    ]


@pytest.fixture(scope="module")
def analysed(media: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """``analyze --sponsors cat.toml`` of both clips: (both, alone) analysis folders, with HTML."""
    out = tmp_path_factory.mktemp("analyses")
    for name in ("both", "alone"):
        args = ["analyze", str(media / "clips" / f"{name}.mp4"), "--out", str(out / name), "--html"]
        res = runner.invoke(app, [*args, *_options(media)])
        assert res.exit_code == 0, res.output
        assert "Competitors by category" in res.output and "airline" in res.output
    return out / "both", out / "alone"


@real
def test_analyze_reports_categories_and_competitor_seconds(analysed: tuple[Path, Path]) -> None:
    both, alone = analysed
    report = json.loads((both / "report.json").read_text())
    assert report["schema_version"] == 3
    rows = {r["sponsor"]: r for r in report["sponsors"]}
    apexa, bolt = rows["Apexa"], rows["Boltline"]
    assert apexa["category"] == bolt["category"] == "airline" and rows["Corvo"]["category"] is None
    assert apexa["exposure_s"] > bolt["exposure_s"] > 0.5  # Boltline is on for the second half only
    # both logos are on screen together for the second half: each sees its competitor then
    assert 0.5 < apexa["competitor_s"] <= bolt["exposure_s"] + 1e-9
    assert bolt["competitor_s"] == pytest.approx(apexa["competitor_s"], abs=1e-9)
    assert rows["Corvo"]["competitor_s"] == 0
    (cat,) = report["categories"]
    assert cat["category"] == "airline" and cat["sponsors"] == 2
    assert cat["clash_s"] == pytest.approx(apexa["competitor_s"], abs=1e-9)  # two sponsors: the same time
    assert cat["category_s"] == pytest.approx(apexa["exposure_s"], abs=1e-9)  # Apexa is on all along
    assert cat["sponsor_s"] == pytest.approx(apexa["exposure_s"] + bolt["exposure_s"], abs=1e-9)
    assert cat["category_share_of_voice"] == pytest.approx(apexa["share_of_voice"] + bolt["share_of_voice"])
    # the CSV keeps the columns, and the HTML report shows the table and the competitor column
    csv = pd.read_csv(both / "sponsors.csv").set_index("sponsor")
    assert csv.loc["Apexa", "competitor_s"] == pytest.approx(apexa["competitor_s"])
    html = (both / "report.html").read_text()
    assert 'id="category-table"' in html and 'data-category="airline"' in html
    assert ">Competitor<" in html and "Apexa, Boltline" in html
    alone_report = json.loads((alone / "report.json").read_text())
    assert alone_report["categories"][0]["clash_s"] == 0
    assert {r["sponsor"]: r["competitor_s"] for r in alone_report["sponsors"]}["Apexa"] == 0


@real
def test_compare_shows_the_category_numbers(analysed: tuple[Path, Path], tmp_path: Path) -> None:
    both, alone = analysed
    res = runner.invoke(app, ["compare", str(both), str(alone), "--out", str(tmp_path / "cmp.html")])
    assert res.exit_code == 0, res.output
    assert "Per-category deltas" in res.output and "Clash" in res.output and "Competitor" in res.output
    page = (tmp_path / "cmp.html").read_text()
    assert 'id="compare-categories"' in page and 'data-category="airline"' in page
    from measure.compare import compare_reports

    cmp = compare_reports(both, alone)
    row = cmp.categories.set_index("category").loc["airline"]
    assert row["clash_s_a"] > 0.5 and row["clash_s_b"] == 0 and row["clash_s_delta"] == -row["clash_s_a"]
    assert "competitor_s" in cmp.kpis


@real
def test_totals_by_category_on_a_batch_database(
    media: Path, analysed: tuple[Path, Path], tmp_path: Path
) -> None:
    path = tmp_path / "season.duckdb"
    res = runner.invoke(
        app, ["batch", str(media / "clips"), "--db", str(path), "--workers", "0", *_options(media)]
    )
    assert res.exit_code == 0, res.output
    assert "2 analysed" in res.output
    res = runner.invoke(
        app, ["totals", "--db", str(path), "--by", "category", "--csv", str(tmp_path / "t.csv")]
    )
    assert res.exit_code == 0, res.output
    assert "Totals by category" in res.output and "airline" in res.output and "clash s" in res.output
    table = pd.read_csv(tmp_path / "t.csv")
    assert table["category"].tolist() == ["airline"]
    row = table.iloc[0]
    # the batch analyses each clip exactly as analyze does: the totals are the two reports' sums
    reports = [json.loads((d / "report.json").read_text()) for d in analysed]
    for key in ("clash_s", "category_s", "sponsor_s"):
        assert row[key] == pytest.approx(sum(r["categories"][0][key] for r in reports), abs=1e-9), key
    competitor = sum(s["competitor_s"] for r in reports for s in r["sponsors"])
    assert row["competitor_s"] == pytest.approx(competitor, abs=1e-9) and competitor > 0.5
    everyone = sum(s["exposure_s"] for r in reports for s in r["sponsors"])
    assert row["category_share_of_voice"] == pytest.approx(row["sponsor_s"] / everyone)
    assert row["sponsors"] == 2 and row["videos"] == 2


def test_photo_archives_count_competitor_and_clash_photos() -> None:
    from test_photos import det as photo_det

    from measure.categories import PHOTO_CATEGORY_COLUMNS
    from measure.photos import photo_stats

    photos = pd.DataFrame({"photo": ["a.jpg", "b.jpg", "c.jpg"], "width": 100, "height": 100})
    dets = pd.DataFrame(
        [
            photo_det("a.jpg", "A", (0, 0, 20, 20), 0.9),
            photo_det("a.jpg", "B", (50, 50, 70, 70), 0.9),  # a: A and B, both airlines
            photo_det("b.jpg", "A", (0, 0, 20, 20), 0.9),
            photo_det("b.jpg", "B", (50, 50, 70, 70), 0.1),  # too unclear: b holds A alone
            photo_det("b.jpg", "D", (30, 30, 50, 50), 0.9),  # D is a bank
            photo_det("c.jpg", "C", (0, 0, 20, 20), 0.9),
            photo_det("c.jpg", "B", (50, 50, 70, 70), 0.9),
            photo_det("c.jpg", "A", (30, 0, 50, 20), 0.9),  # c: three airlines
        ]
    )
    stats = photo_stats(dets, photos, DEFAULTS, sponsors=["A", "B", "C", "D", "E"], categories=AIRLINES)
    s = stats.sponsors.set_index("sponsor")
    assert s["competitor_photos"].to_dict() == {"A": 2, "B": 2, "C": 1, "D": 0, "E": 0}
    assert s["category"].to_dict() == {"A": "airline", "B": "airline", "C": "airline", "D": "bank", "E": None}
    c = stats.categories.set_index("category")
    assert list(stats.categories.columns) == list(PHOTO_CATEGORY_COLUMNS)
    assert c.to_dict("index") == {
        "airline": {"sponsors": 3, "photos_with_category": 3, "clash_photos": 2},
        "bank": {"sponsors": 1, "photos_with_category": 1, "clash_photos": 0},
    }
    none = photo_stats(dets, photos, DEFAULTS, sponsors=["A", "B"])
    assert none.categories.empty and (none.sponsors["competitor_photos"] == 0).all()


@real
def test_photos_report_categories(media: Path, tmp_path: Path) -> None:
    both = cv2.VideoCapture(str(media / "clips" / "both.mp4"))
    for _ in range(15):  # a frame of the second half: both airlines on it
        ok, frame = both.read()
        assert ok
    both.release()
    (tmp_path / "in").mkdir()
    cv2.imwrite(str(tmp_path / "in" / "both.png"), frame)
    out = tmp_path / "photos"
    res = runner.invoke(app, ["photos", str(tmp_path / "in"), "--out", str(out), *_options(media)[:-2]])
    assert res.exit_code == 0, res.output
    report = json.loads((out / "report.json").read_text())
    rows = {r["sponsor"]: r for r in report["sponsors"]}
    assert rows["Apexa"]["competitor_photos"] == rows["Boltline"]["competitor_photos"] == 1
    assert report["categories"] == [
        {"category": "airline", "sponsors": 2, "photos_with_category": 1, "clash_photos": 1}
    ]
    res = runner.invoke(app, ["report", str(out)])
    assert res.exit_code == 0, res.output
    assert 'id="category-table"' in (out / "report.html").read_text()


def test_categories_are_part_of_the_batch_run_key(tmp_path: Path) -> None:
    from types import SimpleNamespace

    from measure.catalogue import parse_catalogue
    from vision.inference.detectors import Detectors

    model = SimpleNamespace(sha256="abc", task="detect", names=["Apexa", "Boltline"])

    def fingerprint(spec: str) -> dict[str, object]:
        return Detectors(model, None, parse_catalogue(spec)).fingerprint()  # type: ignore[arg-type]

    def catalogue(name: str, category: str) -> str:
        path = tmp_path / f"{name}.toml"
        path.write_text(f'[sponsors."Apexa"]\ncategory = "{category}"\n[sponsors."Boltline"]\n')
        return str(path)

    plain = fingerprint("Apexa,Boltline")
    assert "categories" not in plain  # a catalogue without categories keeps the key it had before
    airline, bank = fingerprint(catalogue("a", "airline")), fingerprint(catalogue("b", "bank"))
    assert airline["categories"] == {"Apexa": "airline"} and bank["categories"] == {"Apexa": "bank"}
    assert airline["catalogue"] == plain["catalogue"] and airline != bank
