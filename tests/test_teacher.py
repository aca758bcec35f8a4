"""The text teacher of ``adapt``: the real RapidOCR reader on real-font boards and the demo artwork,
artwork layouts, widened text boxes as pseudo-labels, a pseudo-labelling round and the CLI option."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest
from conftest import DEMO_WEIGHTS, make_yaml_model
from text_boards import ARTWORK, artwork_box, board_box, board_frame, write_board_video
from typer.testing import CliRunner

from cli.main import app
from measure.catalogue import parse_catalogue
from measure.geometry import box_iou
from vision.inference.artwork_text import TextLayout, text_layout, widen_polygon
from vision.inference.detections import Detections
from vision.inference.reader import TextLine, TextReader
from vision.training.adapt import _uncovered, pseudo_label_round
from vision.training.footage import FootageFrame, PseudoRule
from vision.training.labelled import read_labelled
from vision.training.read_cache import ReadCache, reader_fingerprint
from vision.training.teacher import check_teacher, text_pseudo_labels, widen

runner = CliRunner()
NAMES = ["Apexa", "Santander"]
APEXA = ARTWORK / "Apexa.png"


@pytest.fixture(scope="module")
def reader() -> TextReader:
    return TextReader(parse_catalogue("Apexa,Santander,Cantabria Labs"), device="cpu")


@pytest.fixture(scope="module")
def layouts(reader: TextReader) -> dict[str, TextLayout]:
    layout = text_layout(reader, "Apexa", [APEXA])
    assert layout is not None
    return {"Apexa": layout}


def _artwork_area(shift: int = 0) -> np.ndarray:
    return artwork_box("Apexa", shift=shift)


def _inside(box: tuple[float, ...] | np.ndarray, outer: np.ndarray, tol: float = 2.0) -> bool:
    return bool(
        box[0] >= outer[0] - tol
        and box[1] >= outer[1] - tol
        and box[2] <= outer[2] + tol
        and box[3] <= outer[3] + tol
    )


def test_apexa_artwork_has_its_name_on_the_right(layouts: dict[str, TextLayout], reader: TextReader) -> None:
    lay = layouts["Apexa"]
    # the red peak fills the left 27 % of the artwork, APEXA the rest: the text box starts past most of
    # the peak (the text detector dilates its boxes by a few pixels: 0.249 at 1440 px, 0.25+ at 1088)
    assert lay.x1 > 0.2 and lay.x2 > 0.9
    assert 0 <= lay.y1 < lay.y2 <= 1 and lay.x2 <= 1
    assert lay.text.upper() == "APEXA"
    assert text_layout(reader, "Santander", [APEXA]) is None  # Apexa's artwork does not name Santander
    assert text_layout(reader, "Apexa", [APEXA.with_suffix(".missing.png")]) is None


def test_widen_puts_the_text_where_the_artwork_has_it() -> None:
    layout = TextLayout(0.25, 0.1, 0.75, 0.6)
    # text 100 x 50 px: logo 200 x 100 px, the text a quarter in from the left, a tenth down
    assert widen((100.0, 20.0, 200.0, 70.0), layout) == (50.0, 10.0, 250.0, 110.0)
    assert widen(np.array([100, 20, 200, 70]), None) == (100.0, 20.0, 200.0, 70.0)
    assert widen((0.0, 0.0, 30.0, 10.0), TextLayout(0.0, 0.0, 1.0, 1.0)) == (0.0, 0.0, 30.0, 10.0)


def test_widen_polygon_extends_a_tilted_line_along_its_own_axes() -> None:
    layout = TextLayout(0.25, 0.1, 0.75, 0.6)
    upright = np.array([[100.0, 20], [200, 20], [200, 70], [100, 70]])
    # upright, it is the xyxy widening: logo 200 x 100 px from (50, 10)
    assert np.allclose(widen_polygon(upright, layout), [[50, 10], [250, 10], [250, 110], [50, 110]])
    # the same line turned 30 degrees about (100, 20): the logo turns with it
    a = np.deg2rad(30.0)
    rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    turn = lambda p: (p - [100, 20]) @ rot.T + [100, 20]  # noqa: E731
    assert np.allclose(widen_polygon(turn(upright), layout), turn(widen_polygon(upright, layout)))
    # a layout that is the whole artwork keeps the line
    assert np.allclose(widen_polygon(upright, TextLayout(0.0, 0.0, 1.0, 1.0)), upright)


def test_a_reader_that_learnt_the_artwork_boxes_a_read_as_the_whole_logo(reader: TextReader) -> None:
    def boxes(r: TextReader) -> dict[str, np.ndarray]:
        dets = r.detections(board_frame(), frame=0, t=0.0)
        return {
            s: np.r_[p.min(axis=0), p.max(axis=0)] for s, p in zip(dets.sponsor, dets.polygon, strict=True)
        }

    learnt = reader.with_catalogue(reader.catalogue)
    assert set(learnt.learn_artwork({"Apexa": [APEXA], "Santander": [APEXA]})) == {"Apexa"}
    assert set(learnt.layouts) == {"Apexa"} and reader.layouts == {}  # the fixture's reader is untouched
    plain, widened = boxes(reader), boxes(learnt)
    art = _artwork_area()
    # the line alone starts past the red peak; the widened box covers the whole artwork
    assert plain["Apexa"][0] > art[0] + 0.15 * (art[2] - art[0])
    assert box_iou(widened["Apexa"], art[None])[0] >= 0.7
    assert np.allclose(widened["Santander"], plain["Santander"])  # its artwork does not read: its line


def test_text_pseudo_labels_box_the_whole_logo(reader: TextReader, layouts: dict[str, TextLayout]) -> None:
    labels = text_pseudo_labels(reader, board_frame(), NAMES, layouts)
    assert sorted(c for c, _ in labels) == [0, 1]  # Cantabria Labs is no class; HELLO WORLD names none
    by_cls = {c: np.array(b) for c, b in labels}
    apexa = by_cls[0]
    assert box_iou(apexa, _artwork_area()[None])[0] >= 0.6  # the whole artwork, red peak included
    assert apexa[0] < _artwork_area()[0] + 0.15 * (_artwork_area()[2] - _artwork_area()[0])
    assert _inside(apexa, board_box("artwork:Apexa"))
    assert _inside(by_cls[1], board_box("SANTANDER"))  # no artwork layout: the text box itself
    for c, box in labels:
        for other in ("HELLO WORLD", "Cantabria Labs"):
            assert box_iou(np.array(box), board_box(other)[None])[0] == 0.0, (c, other)
    # a stricter confidence than any read keeps nothing
    assert text_pseudo_labels(reader, board_frame(), NAMES, layouts, min_conf=1.01) == []


def test_model_detections_the_text_labels_do_not_cover_are_hidden() -> None:
    xyxy = np.array([[10.0, 10, 110, 40], [10, 10, 110, 40], [300, 300, 340, 320]])
    dets = Detections(xyxy, [0.9, 0.9, 0.2], [NAMES[0], NAMES[1], NAMES[0]])
    frame = FootageFrame("f", Path("f.jpg"), "src", 0.0, True, dets, np.array([3, 3, 1]))
    # the label of class 0 covers the first detection (IoU 0.5); the second is another class
    assert _uncovered(frame, [(0, (10.0, 10.0, 60.0, 40.0))], NAMES).tolist() == [1, 2]
    assert _uncovered(frame, [], NAMES).tolist() == [0, 1, 2]


def test_text_round_writes_the_reads_as_labels(
    reader: TextReader, layouts: dict[str, TextLayout], tmp_path: Path
) -> None:
    video = write_board_video(tmp_path / "boards.mp4", seconds=1.5)
    model = make_yaml_model(tmp_path / "untrained.pt", NAMES)  # finds nothing: every label is read
    out = tmp_path / "round"
    stats = pseudo_label_round(
        [video], model, out, PseudoRule(), imgsz=160, device="cpu", progress=False,
        teacher="text", reader=reader, layouts=layouts,
    )  # fmt: skip
    assert stats["teacher"] == "text"
    assert json.loads((out / "pseudo_stats.json").read_text())["teacher"] == "text"
    assert stats["frames_sampled"] == 2 and stats["frames_pseudo_labelled"] == 2  # bursts at 0 s and 1 s
    assert stats["pseudo_labels"] == {"Apexa": 2, "Santander": 2}
    frames = read_labelled(out / "pseudo")
    assert [f.image.stem for f in frames] == ["boards_000001", "boards_000011"]
    for f in frames:
        shift = 2 * int(f.image.stem.rsplit("_", 1)[1])  # the video pans 2 px a frame
        got = {b.sponsor: np.concatenate([b.points.min(0), b.points.max(0)]) * [1280, 720, 1280, 720]
               for b in f.boxes}  # fmt: skip
        assert sorted(got) == NAMES
        assert box_iou(got["Apexa"], _artwork_area(shift)[None])[0] >= 0.6
        assert _inside(got["Santander"], board_box("SANTANDER", shift=shift))
    # the label files hold exactly the teacher's labels of the sampled frame
    first = frames[0]
    image = cv2.imread(str(out / "frames" / f"{first.image.stem}.jpg"))
    expected = sorted((NAMES[c], b) for c, b in text_pseudo_labels(reader, image, NAMES, layouts))
    written = sorted(
        (b.sponsor, tuple(np.concatenate([b.points.min(0), b.points.max(0)]) * [1280, 720, 1280, 720]))
        for b in first.boxes
    )
    assert [s for s, _ in written] == [s for s, _ in expected]
    for (_, w), (_, e) in zip(written, expected, strict=True):
        assert np.allclose(w, e, atol=0.05)
    assert len(list((out / "backgrounds").glob("*.jpg"))) == 2


def test_reads_on_disk_survive_a_kill_and_are_dropped_for_another_reader(tmp_path: Path) -> None:
    path = tmp_path / "work" / "reads.jsonl"
    line = TextLine(np.array([[10.0, 20], [90, 22], [89, 40], [9, 38]]), "SANTANDER", 0.93)
    cache = ReadCache(path, "reader-a")
    cache[("match.mp4", 1.0)] = [line]
    cache[("match.mp4", 2.0)] = []  # a frame where nothing was read is remembered too
    again = ReadCache(path, "reader-a")
    assert again.loaded == 2 and again[("match.mp4", 2.0)] == []
    (got,) = again[("match.mp4", 1.0)]
    assert got.text == "SANTANDER" and got.score == 0.93 and np.array_equal(got.polygon, line.polygon)
    with path.open("a", encoding="utf-8") as f:
        f.write('{"source": "match.mp4", "t": 3.0, "lines": [{"polyg')  # killed mid-write
    resumed = ReadCache(path, "reader-a")
    assert sorted(resumed) == [("match.mp4", 1.0), ("match.mp4", 2.0)]  # the cut entry is read again
    resumed[("match.mp4", 3.0)] = [line]
    assert ReadCache(path, "reader-a").loaded == 3  # appended after the cut line, still loadable
    other = ReadCache(path, "reader-b")  # another reader: its reads would differ
    assert other.loaded == 0 and len(other) == 0
    assert ReadCache(path, "reader-a").loaded == 0  # the file was started afresh for reader-b
    assert ReadCache().path is None and ReadCache().loaded == 0  # no path: a plain dict


def test_reader_fingerprint_follows_what_changes_the_reads(reader: TextReader) -> None:
    same = TextReader(parse_catalogue("Apexa,Santander,Cantabria Labs"), device="cpu")
    assert reader_fingerprint(reader) == reader_fingerprint(same)
    assert reader_fingerprint(reader) != reader_fingerprint(
        reader.with_catalogue(parse_catalogue("Apexa,Emirates"))
    )
    other_size = TextReader(parse_catalogue("Apexa,Santander,Cantabria Labs"), device="cpu", det_side=960)
    assert reader_fingerprint(reader) != reader_fingerprint(other_size)


def test_a_text_round_started_again_reuses_the_reads_on_disk(
    reader: TextReader, layouts: dict[str, TextLayout], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    video = write_board_video(tmp_path / "boards.mp4", seconds=1.5)
    model = make_yaml_model(tmp_path / "untrained.pt", NAMES)
    reads, fingerprint = tmp_path / "reads.jsonl", reader_fingerprint(reader)

    def round_(out: str) -> dict:
        return pseudo_label_round(
            [video], model, tmp_path / out, PseudoRule(), imgsz=160, device="cpu", progress=False,
            teacher="text", reader=reader, layouts=layouts, read_cache=ReadCache(reads, fingerprint),
        )  # fmt: skip

    first = round_("first")
    assert first["reads_reused"] == 0 and first["pseudo_labels"] == {"Apexa": 2, "Santander": 2}
    calls: list[int] = []
    real_read = reader.read_lines
    monkeypatch.setattr(reader, "read_lines", lambda image: calls.append(1) or real_read(image))
    second = round_("second")  # every frame was read before: nothing is read again
    assert calls == [] and second["reads_reused"] == 2
    assert second["pseudo_labels"] == first["pseudo_labels"]
    boxes = [
        [(b.sponsor, b.points.round(4).tolist()) for b in f.boxes]
        for f in read_labelled(tmp_path / "first" / "pseudo")
    ]
    assert boxes == [
        [(b.sponsor, b.points.round(4).tolist()) for b in f.boxes]
        for f in read_labelled(tmp_path / "second" / "pseudo")
    ]
    header, entry, _ = reads.read_text(encoding="utf-8").splitlines()
    reads.write_text(f"{header}\n{entry}\n", encoding="utf-8")  # killed after the first frame's reads
    third = round_("third")
    assert calls == [1] and third["reads_reused"] == 1  # only the frame it had not reached is read


def test_adapt_with_the_text_teacher_keeps_its_reads_and_resumes_them_through_the_cli(tmp_path: Path) -> None:
    video = write_board_video(tmp_path / "boards.mp4", seconds=1.5)
    work = tmp_path / "work"

    def adapt(name: str) -> dict:
        args = [
            "adapt", str(video), "--weights", str(DEMO_WEIGHTS), "--logos", str(ARTWORK), "--name", name,
            "--out", str(tmp_path), "--rounds", "1", "--sample-fps", "1", "--imgsz", "64", "--epochs", "1",
            "--images", "8", "--batch", "4", "--device", "cpu", "--teacher", "text", "--workdir", str(work),
        ]  # fmt: skip
        res = runner.invoke(app, args)
        assert res.exit_code == 0, res.output
        card = json.loads((tmp_path / f"{name}.json").read_text())
        assert card["adaptation"]["teacher"] == "text"
        return card["adaptation"]["history"][0]

    first = adapt("boards")
    assert (
        first["reads_reused"] == 0 and first["frames_sampled"] == 2 and first["pseudo_labels"]["Apexa"] == 2
    )
    rows = (work / "reads.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(rows) == 1 + first["frames_sampled"]  # the reader's header, then one line a frame read
    again = adapt("boards_again")  # started again on the same work folder: nothing is read twice
    assert again["reads_reused"] == first["frames_sampled"]
    assert again["pseudo_labels"] == first["pseudo_labels"]
    assert (work / "reads.jsonl").read_text(encoding="utf-8").splitlines() == rows


class _IconModel:
    """Test double of the YOLO model: a sure detection of an icon-only sponsor ("Star", whose mark
    never reads) at a fixed place, and an unsure Santander box off its board, on every frame."""

    conf, imgsz, device = 0.1, 160, "cpu"

    def __init__(self, *args: object, **kwargs: object) -> None:
        self.names = [*NAMES, "Star"]

    def predict(self, images: list, frames: list, times: list, imgsz: int | None = None) -> list[Detections]:
        xyxy = np.array([[600.0, 500, 680, 580], [40, 600, 200, 640]])
        return [
            Detections(xyxy.copy(), [0.9, 0.15], [self.names[2], self.names[1]], frame=f, time=t)
            for f, t in zip(frames, times, strict=True)
        ]


def test_text_round_keeps_the_models_sure_detections_of_sponsors_the_reader_cannot_label(
    reader: TextReader,
    layouts: dict[str, TextLayout],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import vision.inference.detector

    video = write_board_video(tmp_path / "boards.mp4", seconds=1.5)
    monkeypatch.setattr(vision.inference.detector, "LogoDetector", _IconModel)
    out = tmp_path / "round"
    stats = pseudo_label_round(
        [video], tmp_path / "model.pt", out, PseudoRule(), imgsz=160, device="cpu", progress=True,
        teacher="text", reader=reader, layouts=layouts,
    )  # fmt: skip
    # both long steps show their progress: sampling the footage, then reading the sampled frames
    err = capsys.readouterr().err
    assert "reading footage" in err and "reading names" in err and "2/2" in err.split("reading names")[-1]
    # Apexa and Santander come from the reads; Star, which has no layout, from the model's sure boxes
    assert stats["pseudo_labels"] == {"Apexa": 2, "Santander": 2, "Star": 2}
    assert stats["uncertain_hidden"] == 2  # the unsure Santander box off the board, in both frames
    for f in read_labelled(out / "pseudo"):
        star = [b for b in f.boxes if b.sponsor == "Star"]
        assert len(star) == 1
        got = np.concatenate([star[0].points.min(0), star[0].points.max(0)]) * [1280, 720, 1280, 720]
        assert np.allclose(got, [600, 500, 680, 580], atol=0.5)


def test_teacher_option_is_checked(tmp_path: Path) -> None:
    args = ["adapt", str(tmp_path), "--weights", str(tmp_path / "w.pt"), "--logos", str(tmp_path)]
    res = runner.invoke(app, [*args, "--name", "x", "--out", str(tmp_path), "--teacher", "bogus"])
    assert res.exit_code == 2
    assert "--teacher" in res.output and "bogus" in res.output
    assert not list(tmp_path.iterdir())  # nothing was written: no training started
    with pytest.raises(ValueError, match="--teacher must be one of auto, text, model"):
        check_teacher("bogus")
    with pytest.raises(ValueError, match="--teacher"):
        pseudo_label_round([tmp_path], tmp_path / "w.pt", tmp_path / "o", PseudoRule(), teacher="bogus")
