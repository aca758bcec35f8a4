"""The ambush radar ("other brands seen"): measure.ambush on hand-built read tables with the real
matcher's text rules, and the real path: a rendered clip of real-font boards read by the bundled
text reader through ``analyze --sponsors`` (no weights), the report, its thumbnails, ``report`` and
``compare``."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import ClassVar

import cv2
import numpy as np
import pandas as pd
import pytest
from text_boards import write_radar_video
from typer.testing import CliRunner

from cli.main import app
from measure.ambush import (
    OTHER_BRAND_COLUMNS,
    READ_COLUMNS,
    brand_text,
    other_brands,
    standing_seconds,
)
from measure.catalogue import parse_catalogue
from measure.folder import read_analysis
from measure.methodology import RADAR_MAX_BRANDS
from measure.records import Timeline
from measure.report import SCHEMA_VERSION
from vision.inference.analysis import radar
from vision.inference.detections import Detections
from vision.inference.other_reads import MatcherRules, OtherReads
from vision.inference.pipeline import analyse_video
from vision.inference.reader import TextLine, TextReader
from vision.inference.text_match import SponsorMatcher
from vision.io.sources import open_video

runner = CliRunner()
CATALOGUE = "Santander,Cantabria Labs,Apexa,Emirates"
W, H = 1280, 720


@pytest.fixture(scope="module")
def rules() -> MatcherRules:
    return MatcherRules(SponsorMatcher(parse_catalogue(CATALOGUE).texts()))


def _timeline(duration: float = 10.0, cuts: tuple[float, ...] = ()) -> Timeline:
    times = np.arange(0.0, duration, 1.0)
    return Timeline(
        times=times, frames=(times * 10).astype(int), duration_s=duration, width=W, height=H, cuts_s=cuts
    )


def _reads(rows: list[tuple[str, float, float, float, float, float]]) -> pd.DataFrame:
    """Rows of (text, t, x, y, width, height, [score]) -> the reads table (box corners, frame = 10 t)."""
    out = []
    for text, t, x, y, w, h, *score in rows:
        corners = [(x, y), (x + w, y), (x + w, y + h), (x, y + h)]
        row = {"text": text, "score": score[0] if score else 0.99, "frame": round(10 * t), "t": t}
        for i, (px, py) in enumerate(corners):
            row[f"px{i}"], row[f"py{i}"] = px, py
        out.append(row)
    return pd.DataFrame(out, columns=list(READ_COLUMNS)).astype(READ_COLUMNS)


def _board(
    text: str, ts: list[float], x0: float = 400, y: float = 450, speed: float = 20
) -> list[tuple[str, float, float, float, float, float]]:
    """One board read at times ``ts``, panning ``speed`` px a second."""
    return [(text, t, x0 + speed * t, y, 300, 60) for t in ts]


def test_text_filters_drop_clocks_short_common_broadcast_and_sponsor_reads(rules: MatcherRules) -> None:
    for text in (
        "45:12",
        "90+3'",
        "2 - 1",
        "HD",
        "KIA",
        "LIVE",
        "REPLAY",
        "the stadium",
        "LIVE HD",
        "45 min",
    ):
        assert brand_text(text, rules) is None, text
    for text in ("SANTANDER", "Santandr", "www.santander.de", "Cantabria Labs", "EMIRATE"):
        assert brand_text(text, rules) is None, text  # a sponsor: by name, alias, misread or cut
    assert brand_text("VOLTARIX", rules) == brand_text("V0LTAR1X", rules)  # one key for OCR variants
    assert brand_text("VOLTARIX.COM", rules) is not None and brand_text("Voltarix Live", rules) is not None


def test_a_recurring_brand_is_listed_with_held_read_seconds(rules: MatcherRules) -> None:
    one_off = ("ZEPHYRQUAD", 2.0, 100, 100, 300, 60)
    reads = _reads([*_board("VOLTARIX", [0, 1, 2, 3, 4, 5]), one_off])
    table = other_brands(reads, np.arange(0.0, 10.0), _timeline(), rules)
    assert list(table.columns) == list(OTHER_BRAND_COLUMNS)
    assert list(table["brand"]) == ["VOLTARIX"]
    row = table.iloc[0]
    assert row["seconds"] == pytest.approx(6.0) and row["reads"] == 6 and row["shots"] == 1
    assert row["first_t"] == 0.0 and row["mean_screen_share"] == pytest.approx(300 * 60 / (W * H))


def test_reads_without_lines_and_cuts_end_a_reads_standing() -> None:
    timeline = _timeline(duration=10.0, cuts=(2.5,))
    # reads at 0, 1, 2 (cut at 2.5), 4, 8; the video ends at 10
    np.testing.assert_allclose(standing_seconds(np.array([0, 1, 2, 4, 8.0]), timeline), [1, 1, 0.5, 4, 2])


def test_seconds_count_each_read_once_and_stop_at_cuts(rules: MatcherRules) -> None:
    rows = _board("VOLTARIX", [0, 1, 2]) + _board("VOLTARIX", [0, 1, 2], x0=900, y=200)  # two boards at once
    rows += _board("VOLTARIX", [4, 6, 8], x0=100, y=500)
    table = other_brands(_reads(rows), [0, 1, 2, 4, 6, 8], _timeline(cuts=(2.5,)), rules)
    row = table.iloc[0]
    # 0-1, 1-2, 2-2.5 (cut), 4-6, 6-8, 8-10: a read stands until the next read, the cut or the end
    assert (
        row["seconds"] == pytest.approx(1 + 1 + 0.5 + 2 + 2 + 2) and row["reads"] == 9 and row["shots"] == 2
    )


def test_broadcaster_graphic_fixed_across_cuts_is_dropped_but_a_board_is_kept(rules: MatcherRules) -> None:
    caption = [("TELEMAX", t, 40, 30, 200, 40) for t in range(10)]
    board = _board("VOLTARIX", [0, 1, 2, 3]) + _board("VOLTARIX", [5, 6, 7, 8], x0=50, y=600)
    table = other_brands(_reads(caption + board), np.arange(10.0), _timeline(cuts=(4.5,)), rules)
    assert list(table["brand"]) == ["VOLTARIX"]
    # a board the camera pans across the same places in two shots moves: it is no graphic
    again = _board("VOLTARIX", [0, 1, 2, 3]) + [
        (s, t + 5, x, y, w, h) for s, t, x, y, w, h in _board("VOLTARIX", [0, 1, 2, 3])
    ]
    table = other_brands(_reads(caption + again), np.arange(10.0), _timeline(cuts=(4.5,)), rules)
    assert list(table["brand"]) == ["VOLTARIX"] and table.iloc[0]["reads"] == 8
    # in one shot a still caption cannot be told from a board on a still camera: it is listed
    one_shot = other_brands(_reads(caption), np.arange(10.0), _timeline(), rules)
    assert list(one_shot["brand"]) == ["TELEMAX"]


def test_spelling_variants_group_under_the_most_frequent_spelling(rules: MatcherRules) -> None:
    texts = ["VOLTARIX", "V0LTARIX", "VOLTARIX", "VOLTARLX", "Voltarix", "VOLTARIX"]
    rows = [(text, float(t), 400 + 20 * t, 450, 300, 60) for t, text in enumerate(texts)]
    table = other_brands(_reads(rows), np.arange(10.0), _timeline(), rules)
    assert list(table["brand"]) == ["VOLTARIX"]
    assert table.iloc[0]["reads"] == 6 and table.iloc[0]["spellings"] == 4


def test_reads_scattered_over_the_screen_or_too_brief_are_not_listed(rules: MatcherRules) -> None:
    rng = np.random.default_rng(3)
    scattered = [("QUORBAN", float(t), *rng.uniform(0, 1000, 2), 200, 40) for t in range(8)]
    scattered = [(s[0], s[1], float(s[2]), float(s[3]) * 0.6, s[4], s[5]) for s in scattered]
    brief = _board("MIRVELLO", [0, 1])  # two reads: not enough
    quick = [("DASHKO", t, 400, 450, 300, 60) for t in (0.0, 0.5, 1.0)]  # 1 s span
    table = other_brands(_reads(scattered + brief + quick), np.arange(0, 10, 0.5), _timeline(), rules)
    assert table.empty and list(table.columns) == list(OTHER_BRAND_COLUMNS)


def test_best_read_is_the_largest_clear_one_and_the_table_is_capped(rules: MatcherRules) -> None:
    rows = [
        ("VOLTARIX", 0.0, 400, 450, 300, 60, 0.99),
        ("VOLTARIX", 1.0, 420, 450, 500, 100, 0.65),  # larger, not clear
        ("VOLTARIX", 2.0, 440, 450, 400, 80, 0.95),
        ("VOLTARIX", 3.0, 460, 450, 300, 60, 0.99),
    ]
    best = other_brands(_reads(rows), np.arange(10.0), _timeline(), rules).iloc[0]
    assert best["best_t"] == 2.0 and best["best_frame"] == 20
    assert (best["best_x1"], best["best_y1"], best["best_x2"], best["best_y2"]) == (440, 450, 840, 530)
    many = []
    rng = np.random.default_rng(5)
    for i in range(RADAR_MAX_BRANDS + 5):  # random 9-letter names: far apart, never one brand
        name = "".join(rng.choice(list("BCDFGHJKMNPQRTVWXZ"), 9))
        many += [(name, t, 10 + 20 * t, 10 + 12 * i, 100, 10) for t in (0.0, 1.0, 2.0, 3.0)]
    assert len(other_brands(_reads(many), np.arange(10.0), _timeline(), rules)) == RADAR_MAX_BRANDS


def test_collected_reads_share_one_string_per_text_and_keep_every_read_time() -> None:
    others = OtherReads()
    poly = np.array([[0, 0], [10, 0], [10, 5], [0, 5]], dtype=float)
    others.add([TextLine(poly, "".join(["VOLT", "ARIX"]), 0.9)], frame=0, t=0.0)
    others.add([], frame=10, t=1.0)
    others.add([TextLine(poly + 1, "".join(["VOL", "TARIX"]), 0.8)], frame=20, t=2.0)
    table = others.table()
    assert list(table.columns) == list(READ_COLUMNS) and len(table) == 2
    assert table["text"][0] is table["text"][1]  # interned
    np.testing.assert_allclose(others.read_times, [0.0, 1.0, 2.0])
    assert table.loc[1, "px0"] == 1.0 and table.loc[1, "frame"] == 20


@pytest.fixture(scope="module")
def radar_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_radar_video(tmp_path_factory.mktemp("radar") / "radar.mp4")


@pytest.fixture(scope="module")
def radar_run(radar_video: Path) -> Path:
    """The real path: the radar clip analysed by ``analyze --sponsors`` (the reader is the detector)."""
    video = radar_video
    out = radar_video.parent / "out"
    res = runner.invoke(app, ["analyze", str(video), "--out", str(out), "--sponsors", CATALOGUE, "--html"])
    assert res.exit_code == 0, res.output
    assert "other brands seen (not in the catalogue): VOLTARIX 8.0 s" in res.output
    return out


def test_analyze_lists_the_unlisted_brand_and_not_sponsors_one_offs_common_words_or_graphics(
    radar_run: Path,
) -> None:
    report = json.loads((radar_run / "report.json").read_text())
    assert report["schema_version"] == SCHEMA_VERSION == 3
    brands = {r["brand"]: r for r in report["other_brands"]}
    assert list(brands) == [
        "VOLTARIX"
    ]  # not SANTANDER, Cantabria Labs, ZEPHYRQUAD, STADIUM ARENA, TELEMAX, 45:12
    voltarix = brands["VOLTARIX"]
    assert voltarix["seconds"] == pytest.approx(8.0, abs=0.15)  # on screen all 8 s, read once a second
    assert voltarix["reads"] == 8 and voltarix["shots"] == 2 and voltarix["first_t"] == 0.0
    assert 0.005 < voltarix["mean_screen_share"] < 0.03
    sponsors = pd.read_csv(radar_run / "sponsors.csv").set_index("sponsor")
    assert sponsors.loc["Santander", "exposure_s"] == pytest.approx(4.0, abs=0.15)  # sponsors unchanged
    assert sponsors.loc["Cantabria Labs", "exposure_s"] == pytest.approx(4.0, abs=0.15)
    thumb = cv2.imread(str(radar_run / "frames" / "other_VOLTARIX.jpg"))
    assert thumb is not None and thumb.shape[1] < 720 and thumb.shape[0] < 400  # a crop, not the frame
    # the crop holds the board: VOLTARIX's red board, centred
    red = (thumb[..., 2] > 120) & (thumb[..., 1] < 80) & (thumb[..., 0] < 80)
    ys, xs = np.nonzero(red)
    assert red.mean() > 0.08
    assert abs(xs.mean() / thumb.shape[1] - 0.5) < 0.1 and abs(ys.mean() / thumb.shape[0] - 0.5) < 0.1
    html = (radar_run / "report.html").read_text()
    assert (
        "Other brands seen" in html
        and 'data-brand="VOLTARIX"' in html
        and 'alt="Best read of VOLTARIX"' in html
    )
    assert 'id="radar-off"' not in html


def test_a_report_without_the_radar_says_it_did_not_run_and_compare_lists_other_brands(
    radar_run: Path, tmp_path: Path
) -> None:
    old = tmp_path / "old"
    shutil.copytree(radar_run, old)
    data = json.loads((old / "report.json").read_text())
    data["schema_version"] = 2  # a report from before the radar
    del data["other_brands"]
    (old / "report.json").write_text(json.dumps(data), "utf-8")
    analysis = read_analysis(old)
    assert not analysis.radar_ran and analysis.other_brands.empty and read_analysis(radar_run).radar_ran
    res = runner.invoke(app, ["report", str(old)])
    assert res.exit_code == 0, res.output
    html = (old / "report.html").read_text()
    assert 'id="radar-off"' in html and "--read-fps" in html and 'data-brand="VOLTARIX"' not in html
    page = tmp_path / "cmp.html"
    res = runner.invoke(app, ["compare", str(old), str(radar_run), "--out", str(page)])
    assert res.exit_code == 0, res.output
    assert "Other brands seen" in res.output and "VOLTARIX" in res.output and "radar off" in res.output
    assert 'data-brand="VOLTARIX"' in page.read_text()


class _BlindModel:
    """Test double of the YOLO model: it detects nothing, so every sponsor comes from reading."""

    conf, imgsz, device = 0.25, 640, "cpu"
    names: ClassVar[list[str]] = ["Santander"]

    def predict(self, images: list, frames: list, times: list, imgsz: int | None = None) -> list[Detections]:
        return [Detections.empty() for _ in frames]


def test_whole_frame_reads_beside_a_model_run_the_radar_and_without_them_it_does_not(
    radar_video: Path,
) -> None:
    reader = TextReader(parse_catalogue(CATALOGUE), device="cpu")
    with open_video(radar_video, sample_fps=5.0) as source:
        result = analyse_video(source, _BlindModel(), reader=reader, check=False, read_fps=1.0)
    assert result.other_reads is not None
    np.testing.assert_allclose(result.other_reads.read_times, np.arange(8.0))  # 8 s read once a second
    table = radar(_BlindModel(), reader, result)
    assert table is not None and list(table["brand"]) == ["VOLTARIX"]
    assert table.iloc[0]["seconds"] == pytest.approx(8.0, abs=0.25) and table.iloc[0]["shots"] == 2
    held = result.detections
    assert set(held["sponsor"]) == {"Santander", "Cantabria Labs"} and (held["source"] == "text").all()
    with open_video(radar_video, sample_fps=5.0) as source:
        unread = analyse_video(source, _BlindModel(), reader=reader, check=True)
    assert unread.other_reads is None and radar(_BlindModel(), reader, unread) is None


def test_brand_thumbnails_blur_faces_and_keep_the_read_sharp_unless_told_not_to(tmp_path: Path) -> None:
    from face_photos import detail
    from test_faces import SIZE, scene

    from cli.evidence import brand_crop, other_brand_file, write_thumbnails

    frame, faces, shirt = scene()  # a shirt's text 6 px under a face: the crop around it holds the chin
    video = tmp_path / "clip.mp4"
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"mp4v"), 5.0, SIZE)
    for _ in range(3):
        writer.write(frame)
    writer.release()
    box = dict(zip(("best_x1", "best_y1", "best_x2", "best_y2"), shirt.tolist(), strict=True))
    brands = pd.DataFrame([{"brand": "EMIRATES", "best_frame": 1, **box}])
    thumbs = {}
    for anonymise in (True, False):
        out = tmp_path / str(anonymise)
        write_thumbnails(
            out,
            video,
            pd.DataFrame(),
            pd.DataFrame(),
            pd.DataFrame(),
            anonymise=anonymise,
            other_brands=brands,
        )
        thumbs[anonymise] = cv2.imread(str(out / "frames" / other_brand_file("EMIRATES")))
    x1, y1, x2, y2 = brand_crop(shirt, *SIZE)
    assert thumbs[True].shape == thumbs[False].shape == (y2 - y1, x2 - x1, 3)
    face = faces[0]
    chin = np.array([max(face[0], x1), max(face[1], y1), min(face[2], x2), min(face[3], y2)]) - [
        x1,
        y1,
        x1,
        y1,
    ]
    assert chin[3] - chin[1] > 30  # the crop holds part of the face
    assert detail(thumbs[True], chin) <= 0.2 * detail(thumbs[False], chin)
    text = shirt - [x1, y1, x1, y1]
    assert abs(detail(thumbs[True], text) - detail(thumbs[False], text)) <= 0.1 * detail(thumbs[False], text)
