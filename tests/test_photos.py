"""Photo archives: exact per-sponsor statistics, and ``sponsorlens photos`` end to end."""

from __future__ import annotations

import json
import math
from pathlib import Path

import cv2
import numpy as np
import pandas as pd
import pytest
from conftest import demo_below_target, make_yaml_model
from typer.testing import CliRunner

from cli.main import app
from measure.photos import APPEARANCE_COLUMNS, PHOTO_COLUMNS, PHOTO_SPONSOR_COLUMNS, photo_stats
from measure.records import DETECTION_COLUMNS, QUALITY_COLUMNS
from measure.settings import MeasureSettings
from vision.inference.quality import frame_quality

REPO = Path(__file__).resolve().parent.parent
ARTWORK = REPO / "weights" / "demo_artwork"
SPONSORS = ["Apexa", "Boltline", "Corvo"]


def det(
    photo: str,
    sponsor: str,
    box: tuple[float, float, float, float],
    clarity: float,
    centrality: float = 0.5,
    short: float | None = None,
) -> dict[str, object]:
    """One detection row with every detection and quality column."""
    x1, y1, x2, y2 = box
    row: dict[str, object] = {c: math.nan for c in (*DETECTION_COLUMNS, *QUALITY_COLUMNS)}
    row.update(frame=0, t=0.0, sponsor=sponsor, conf=0.9, x1=x1, y1=y1, x2=x2, y2=y2, track_id=-1, shot=0)
    row.update(
        short_side_px=short if short is not None else min(x2 - x1, y2 - y1),
        clarity=clarity,
        visible_fraction=1.0,
        centrality=centrality,
        zone="center",
        qualifies=False,
    )
    row["photo"] = photo
    return row


def quality(share: float, clarity: float, centrality: float, clutter: int) -> float:
    """Quality index: min(1, sqrt(share / 0.05)) x clarity x (0.75 + 0.25 c) / (1 + clutter)."""
    return min(1.0, math.sqrt(share / 0.05)) * clarity * (0.75 + 0.25 * centrality) / (1 + clutter)


@pytest.fixture
def archive() -> tuple[pd.DataFrame, pd.DataFrame]:
    photos = pd.DataFrame(
        {
            "photo": ["a.jpg", "b.jpg", "c.jpg", "d.jpg"],
            "width": [100, 200, 100, 50],
            "height": [100, 100, 100, 50],
        }
    )
    rows = [
        det("a.jpg", "Apexa", (0, 0, 50, 50), 0.8, centrality=0.2),
        det("a.jpg", "Apexa", (25, 25, 65, 65), 0.6, centrality=0.9),  # overlaps the first by 25 x 25
        det("a.jpg", "Boltline", (80, 80, 100, 100), 0.9, centrality=0.1),
        det("b.jpg", "Apexa", (0, 0, 100, 100), 0.5, centrality=1.0),
        det("b.jpg", "Boltline", (150, 0, 200, 50), 0.1),  # too unclear: does not count
        det("c.jpg", "Boltline", (90, 90, 110, 110), 0.7, centrality=0.0),  # only 10 x 10 inside the photo
        # a 1 px short side on a 100 px photo is 7.2 px on the 720 px reference: < min_side_px 10
        det("c.jpg", "Apexa", (0, 0, 1, 1), 0.9),
    ]
    return pd.DataFrame(rows), photos


def test_photo_stats_are_exact(archive: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    dets, photos = archive
    stats = photo_stats(dets, photos, MeasureSettings(), sponsors=SPONSORS)
    s = stats.sponsors.set_index("sponsor")
    assert list(stats.sponsors.columns) == list(PHOTO_SPONSOR_COLUMNS)
    assert list(s.index) == SPONSORS

    a = s.loc["Apexa"]
    share_a = (2500 + 1600 - 625) / 10_000  # union of the two overlapping boxes
    assert a.photos_with_sponsor == 2 and a.photo_rate == 0.5
    assert a.mean_screen_share == pytest.approx((share_a + 0.5) / 2, abs=1e-12)
    assert a.max_screen_share == pytest.approx(0.5, abs=1e-12)
    assert a.mean_clarity == pytest.approx((0.8 + 0.5) / 2, abs=1e-12)  # clearest detection per photo
    assert a.solo_photos == 1 and a.detections == 3
    # quality in a: centrality of the larger box (0.2), one other sponsor; in b: alone, centred
    assert quality(share_a, 0.8, 0.2, 1) < quality(0.5, 0.5, 1.0, 0)
    assert a.best_photo == "b.jpg"
    assert a.best_photo_quality == pytest.approx(quality(0.5, 0.5, 1.0, 0), abs=1e-12)

    b = s.loc["Boltline"]
    assert b.photos_with_sponsor == 2 and b.photo_rate == 0.5
    assert b.mean_screen_share == pytest.approx((0.04 + 0.01) / 2, abs=1e-12)
    assert b.max_screen_share == pytest.approx(0.04, abs=1e-12)
    assert b.mean_clarity == pytest.approx(0.8, abs=1e-12)
    assert b.solo_photos == 1 and b.detections == 2
    assert b.best_photo == "a.jpg"
    assert b.best_photo_quality == pytest.approx(quality(0.04, 0.9, 0.1, 1), abs=1e-12)

    c = s.loc["Corvo"]  # listed, never seen
    assert c.photos_with_sponsor == 0 and c.photo_rate == 0 and c.solo_photos == 0
    assert c.mean_screen_share == 0 and c.max_screen_share == 0 and c.mean_clarity == 0
    assert pd.isna(c.best_photo) and c.best_photo_quality == 0

    p = stats.photos.set_index("photo")
    assert list(stats.photos.columns) == list(PHOTO_COLUMNS)
    assert list(p["detections"]) == [3, 2, 2, 0]
    assert list(p["qualifying"]) == [3, 1, 1, 0]
    assert list(p["sponsors"]) == [2, 1, 1, 0]
    assert list(p["sponsor_names"]) == ["Apexa;Boltline", "Apexa", "Boltline", ""]
    assert p["screen_share"].tolist() == pytest.approx([share_a + 0.04, 0.5, 0.01, 0.0], abs=1e-12)

    assert list(stats.appearances.columns) == list(APPEARANCE_COLUMNS)
    assert len(stats.appearances) == 4
    assert stats.detections["qualifies"].tolist() == [True, True, True, True, False, True, False]


def test_photo_stats_follow_the_settings_and_ignore_row_order(
    archive: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    dets, photos = archive
    strict = photo_stats(dets, photos, MeasureSettings(min_clarity=0.75), sponsors=SPONSORS)
    a = strict.sponsors.set_index("sponsor").loc["Apexa"]
    assert a.photos_with_sponsor == 1  # only the 0.8 box of a.jpg is left
    assert a.mean_screen_share == pytest.approx(0.25, abs=1e-12)
    shuffled = photo_stats(dets.sample(frac=1, random_state=3), photos, MeasureSettings(), sponsors=SPONSORS)
    base = photo_stats(dets, photos, MeasureSettings(), sponsors=SPONSORS)
    pd.testing.assert_frame_equal(shuffled.sponsors, base.sponsors)
    pd.testing.assert_frame_equal(shuffled.photos, base.photos)


def test_photo_stats_reject_inconsistent_tables(archive: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    dets, photos = archive
    with pytest.raises(ValueError, match=r"not in the photo list: a\.jpg"):
        photo_stats(dets, photos[photos["photo"] != "a.jpg"], MeasureSettings())
    with pytest.raises(ValueError, match="listed twice"):
        photo_stats(dets, pd.concat([photos, photos.iloc[:1]]), MeasureSettings())
    empty = photo_stats(dets.iloc[:0], photos.iloc[:0], MeasureSettings(), sponsors=["Apexa"])
    assert empty.sponsors.iloc[0]["photo_rate"] == 0 and len(empty.photos) == 0


def logo(name: str, width: int) -> np.ndarray:
    """Return the demo artwork of ``name`` as BGR on white, ``width`` pixels wide."""
    rgba = cv2.imread(str(ARTWORK / f"{name}.png"), cv2.IMREAD_UNCHANGED)
    alpha = rgba[..., 3:4].astype(np.float32) / 255.0
    bgr = (rgba[..., :3] * alpha + 255 * (1 - alpha)).astype(np.uint8)
    height = max(1, round(bgr.shape[0] * width / bgr.shape[1]))
    return cv2.resize(bgr, (width, height), interpolation=cv2.INTER_AREA)


def paste(canvas: np.ndarray, art: np.ndarray, x: int, y: int) -> tuple[int, int, int, int]:
    h, w = art.shape[:2]
    canvas[y : y + h, x : x + w] = art
    return x, y, x + w, y + h


def test_photo_stats_on_generated_photos_with_known_logos(tmp_path: Path) -> None:
    """Logos pasted at known boxes; the detector is replaced by those boxes, everything else is real."""
    from vision.io.images import load_image

    rng = np.random.default_rng(0)
    plan = {  # photo -> [(sponsor, logo width px, x, y)]
        "p0.png": [("Apexa", 200, 20, 30), ("Boltline", 150, 300, 200)],
        "p1.jpg": [("Apexa", 120, 100, 100)],
        "p2.png": [("Boltline", 240, 50, 60), ("Apexa", 24, 400, 20)],  # Apexa ~6 px tall: too small
        "p3.png": [],
    }
    size = (480, 640)
    truth: list[dict[str, object]] = []
    for name, logos in plan.items():
        canvas = rng.integers(90, 140, (*size, 3), dtype=np.uint8)
        canvas = cv2.GaussianBlur(canvas, (0, 0), 3)
        for sponsor, width, x, y in logos:
            box = paste(canvas, logo(sponsor, width), x, y)
            truth.append({"photo": name, "sponsor": sponsor, "box": box})
        cv2.imwrite(str(tmp_path / name), canvas, [cv2.IMWRITE_JPEG_QUALITY, 97])

    rows = []
    for t in truth:
        image = load_image(tmp_path / str(t["photo"]))
        x1, y1, x2, y2 = t["box"]  # type: ignore[misc]
        poly = np.array([[[x1, y1], [x2, y1], [x2, y2], [x1, y2]]], float)
        q = {k: v[0] for k, v in frame_quality(image, poly).items()}
        rows.append({**det(str(t["photo"]), str(t["sponsor"]), (x1, y1, x2, y2), 0.0), **q})
    dets = pd.DataFrame(rows)
    big = dets[dets["short_side_px"] >= 10]
    assert (big["clarity"] >= 0.3).all(), "pasted full-resolution logos must be clear enough to count"
    photos = pd.DataFrame({"photo": list(plan), "width": size[1], "height": size[0]})
    stats = photo_stats(dets, photos, MeasureSettings(), sponsors=["Apexa", "Boltline"])
    s = stats.sponsors.set_index("sponsor")

    def area(t: dict[str, object]) -> float:
        x1, y1, x2, y2 = t["box"]  # type: ignore[misc]
        return (x2 - x1) * (y2 - y1) / (size[0] * size[1])

    expected = {"Apexa": (["p0.png", "p1.jpg"], ["p1.jpg"]), "Boltline": (["p0.png", "p2.png"], ["p2.png"])}
    for sponsor, (photos_in, solo) in expected.items():
        shares = [area(t) for t in truth if t["sponsor"] == sponsor and t["photo"] in photos_in]
        clar = dets[(dets["sponsor"] == sponsor) & dets["photo"].isin(photos_in)]["clarity"]
        row = s.loc[sponsor]
        assert row.photos_with_sponsor == len(photos_in)
        assert row.photo_rate == len(photos_in) / 4
        assert row.solo_photos == len(solo)
        assert row.mean_screen_share == pytest.approx(np.mean(shares), abs=1e-12)
        assert row.max_screen_share == pytest.approx(max(shares), abs=1e-12)
        assert row.mean_clarity == pytest.approx(clar.mean(), abs=1e-12)
    sizes = stats.photos.set_index("photo")
    assert sizes.loc["p3.png", "sponsors"] == 0 and sizes.loc["p0.png", "sponsors"] == 2


# ------------------------------------------------------------------------------------------------
# the command, with an untrained model (it finds nothing at the default threshold)


@pytest.fixture(scope="module")
def untrained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_yaml_model(tmp_path_factory.mktemp("model") / "untrained.pt", SPONSORS)


@pytest.fixture(scope="module")
def photo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("archive")
    rng = np.random.default_rng(5)
    (root / "day2" / ".thumbs").mkdir(parents=True)
    cv2.imwrite(str(root / "a.jpg"), rng.integers(0, 255, (120, 160, 3), dtype=np.uint8))
    cv2.imwrite(str(root / "day2" / "b.png"), rng.integers(0, 255, (90, 120, 3), dtype=np.uint8))
    cv2.imwrite(str(root / "day2" / "grey.png"), rng.integers(0, 255, (64, 64), dtype=np.uint8))
    cv2.imwrite(str(root / "day2" / ".thumbs" / "hidden.jpg"), np.zeros((8, 8, 3), np.uint8))
    (root / "day2" / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    (root / "notes.txt").write_text("not a photo")
    return root


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, [str(a) for a in args])
    return result.exit_code, result.output


def test_photos_command_writes_the_report_and_skips_a_bad_photo(
    untrained: Path, photo_dir: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    code, output = run(
        "photos", photo_dir, "--out", out, "--weights", untrained, "--device", "cpu", "--imgsz", 160
    )
    assert code == 0, output
    assert "broken.jpg" in output  # reported
    report = json.loads((out / "report.json").read_text())
    src = report["source"]
    assert src["kind"] == "photos" and src["photos"] == 3 and src["failed"] == 1
    assert src["paths"] == [str(photo_dir)]
    assert [f["photo"] for f in report["failures"]] == [str(photo_dir / "day2" / "broken.jpg")]
    assert report["model"]["classes"] == SPONSORS
    assert {"min_clarity", "min_side_px", "conf", "imgsz"} <= set(report["settings"])
    assert [s["sponsor"] for s in report["sponsors"]] == SPONSORS
    for s in report["sponsors"]:  # an untrained model finds nothing: every statistic is zero
        assert s["photos_with_sponsor"] == 0 and s["photo_rate"] == 0 and s["best_photo"] is None
    assert report["photos"]["photos"] == 3 and report["photos"]["detections"] == 0

    sponsors = pd.read_csv(out / "sponsors.csv")
    assert list(sponsors.columns) == list(PHOTO_SPONSOR_COLUMNS)
    photos = pd.read_csv(out / "photos.csv")
    assert list(photos.columns) == list(PHOTO_COLUMNS)
    assert sorted(Path(p).name for p in photos["photo"]) == ["a.jpg", "b.png", "grey.png"]
    assert photos.set_index(photos["photo"].map(lambda p: Path(p).name)).loc["grey.png", "width"] == 64
    dets = pd.read_parquet(out / "detections.parquet")
    assert len(dets) == 0
    assert {"photo", "frame", "sponsor", "screen_share", "clarity", "zone", "qualifies"} <= set(dets.columns)
    code, output = run("report", out)  # the report page renders a photo analysis
    assert code == 0, output
    assert (out / "report.html").stat().st_size > 0


def test_photos_command_tables_agree_with_each_other(
    untrained: Path, photo_dir: Path, tmp_path: Path
) -> None:
    """At a tiny threshold the untrained model returns boxes; the tables must tell the same story."""
    out = tmp_path / "out"
    args = ["--weights", untrained, "--device", "cpu", "--imgsz", 160, "--conf", 0.001, "--batch", 2]
    code, output = run("photos", photo_dir / "a.jpg", photo_dir / "day2", "--out", out, *args)
    assert code == 0, output
    dets = pd.read_parquet(out / "detections.parquet")
    assert len(dets) > 0
    sponsors = pd.read_csv(out / "sponsors.csv").set_index("sponsor")
    good = dets[dets["qualifies"]]
    for sponsor in SPONSORS:
        mine = good[good["sponsor"] == sponsor]
        assert sponsors.loc[sponsor, "photos_with_sponsor"] == mine["photo"].nunique()
        assert sponsors.loc[sponsor, "detections"] == len(mine)
    photos = pd.read_csv(out / "photos.csv")
    assert photos["detections"].sum() == len(dets)


@pytest.mark.parametrize("case", ["empty", "all_broken", "missing"])
def test_photos_command_errors_are_one_line(untrained: Path, tmp_path: Path, case: str) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    if case == "all_broken":
        (folder / "x.png").write_bytes(b"nope")
    target = folder if case != "missing" else tmp_path / "nowhere"
    code, output = run("photos", target, "--out", tmp_path / "out", "--weights", untrained, "--device", "cpu")
    assert code == 3, output
    assert output.strip().splitlines()[-1].startswith("error: ")
    assert "Traceback" not in output
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_photos_with_the_demo_model_finds_pasted_logos(tmp_path: Path) -> None:
    if reason := demo_below_target():
        pytest.skip(reason)
    rng = np.random.default_rng(1)
    plan = {"x0.png": ["Apexa"], "x1.png": ["Apexa", "Boltline"], "x2.png": []}
    folder = tmp_path / "in"
    folder.mkdir()
    truth = {}
    for name, names in plan.items():
        canvas = cv2.GaussianBlur(rng.integers(60, 200, (480, 640, 3), dtype=np.uint8), (0, 0), 4)
        for i, sponsor in enumerate(names):
            truth[(name, sponsor)] = paste(canvas, logo(sponsor, 260), 40 + 300 * i, 80 + 160 * i)
        cv2.imwrite(str(folder / name), canvas)
    out = tmp_path / "out"
    code, output = run("photos", folder, "--out", out, "--device", "cpu")
    assert code == 0, output
    s = pd.read_csv(out / "sponsors.csv").set_index("sponsor")
    assert s.loc["Apexa", "photos_with_sponsor"] == 2
    assert s.loc["Boltline", "photos_with_sponsor"] == 1
    assert s.loc["Boltline", "solo_photos"] == 0
    x1, y1, x2, y2 = truth[("x1.png", "Boltline")]
    true_share = (x2 - x1) * (y2 - y1) / (480 * 640)
    assert s.loc["Boltline", "max_screen_share"] == pytest.approx(true_share, rel=0.35)
    others = s.drop(index=["Apexa", "Boltline"])
    assert (others["photos_with_sponsor"] == 0).all()


def test_a_logo_cut_off_by_the_photo_border_counts_as_the_part_inside(tmp_path: Path) -> None:
    # Each photo holds a whole logo and a copy running off the right border; the demo model boxes the
    # part inside, and measure.frame_edge gives it the fraction its whole twin's aspect implies.
    if reason := demo_below_target():
        pytest.skip(reason)
    rng = np.random.default_rng(1)
    folder = tmp_path / "in"
    folder.mkdir()
    inside = {"a.png": ("Boltline", 110), "b.png": ("Apexa", 90), "c.png": ("Juniper", 120)}
    for name, (sponsor, shown) in inside.items():
        canvas = cv2.GaussianBlur(rng.integers(60, 200, (480, 640, 3), dtype=np.uint8), (0, 0), 4)
        art = logo(sponsor, 260)
        paste(canvas, art, 40, 80)
        paste(canvas, art[:, :shown], 640 - shown, 300)
        cv2.imwrite(str(folder / name), canvas)
    out = tmp_path / "out"
    code, output = run("photos", folder, "--out", out, "--device", "cpu")
    assert code == 0, output
    det = pd.read_parquet(out / "detections.parquet")
    for name, (sponsor, shown) in inside.items():
        mine = det[det["photo"].str.endswith(name) & (det["sponsor"] == sponsor)].sort_values("x1")
        assert len(mine) == 2, mine
        whole, cut = mine.iloc[0], mine.iloc[1]
        assert whole["visible_fraction"] == 1.0
        assert cut["visible_fraction"] == pytest.approx(shown / 260, abs=0.1)
        assert cut["clarity"] == pytest.approx(whole["clarity"] * cut["visible_fraction"], rel=0.15)
