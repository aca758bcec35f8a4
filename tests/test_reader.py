"""The text reader through the real path: RapidOCR's bundled ONNX models on rendered real-font boards,
the real decode, tracker and pipeline, and the real CLI."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import cv2
import numpy as np
import pandas as pd
import pytest
from text_boards import ARTWORK, artwork_box, board_box, board_frame, write_board_video
from typer.testing import CliRunner

from cli.main import app
from measure.catalogue import parse_catalogue
from vision.inference import reader as reader_module
from vision.inference.checking import CheckedDetector, TrackChecker, add_reads
from vision.inference.detections import Detections
from vision.inference.pipeline import analyse_video
from vision.inference.reader import (
    ReaderError,
    TextLine,
    TextReader,
    crop_polygon,
    regrown_line,
    side_by_side,
    stacked,
)
from vision.io.sources import open_video

runner = CliRunner()
CATALOGUE = "Santander,Cantabria Labs,Apexa,Emirates"


@pytest.fixture(scope="module")
def reader() -> TextReader:
    return TextReader(parse_catalogue(CATALOGUE), device="cpu")


@pytest.fixture(scope="module")
def board_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_board_video(tmp_path_factory.mktemp("boards") / "boards.mp4")


def _inside(poly: np.ndarray, box: np.ndarray) -> bool:
    cx, cy = poly[:, 0].mean(), poly[:, 1].mean()
    return bool(box[0] <= cx <= box[2] and box[1] <= cy <= box[3])


def test_reader_finds_real_font_wordmarks_and_artwork_with_networking_disabled(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("the text reader tried to use the network")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    fresh = TextReader(parse_catalogue(CATALOGUE), device="cpu")  # models opened with the network off
    dets = fresh.detections(board_frame(), frame=7, t=0.7)
    assert sorted(dets.sponsor) == ["Apexa", "Cantabria Labs", "Santander"]  # not Emirates, not HELLO
    assert set(dets.source) == {"text"} and set(dets.frame) == {7} and set(dets.time) == {0.7}
    assert dets.polygon is not None and dets.polygon.shape == (3, 4, 2)
    art = {"Apexa": "artwork:Apexa", "Santander": "SANTANDER", "Cantabria Labs": "Cantabria Labs"}
    for sponsor, poly in zip(dets.sponsor, dets.polygon, strict=True):
        assert _inside(poly, board_box(art[sponsor]))
    assert (dets.confidence > 0.9).all()


def test_a_name_inside_a_longer_line_is_boxed_as_its_part_of_the_line(reader: TextReader) -> None:
    frame = board_frame((("WWW.SANTANDER.DE", 200, 420, 700, 80),))
    (line,) = [ln for ln in reader.read_lines(frame) if "SANTANDER" in ln.text.upper()]
    dets = reader.detections(frame, frame=0, t=0.0)
    assert list(dets.sponsor) == ["Santander"]
    (lx1, ly1), (lx2, ly2) = line.polygon.min(axis=0), line.polygon.max(axis=0)
    (x1, y1), (x2, y2) = dets.polygon[0].min(axis=0), dets.polygon[0].max(axis=0)
    # the name is 9 of the line's 14 letters: its part of the line, not the URL's whole box
    assert 0.5 * (lx2 - lx1) < x2 - x1 < 0.8 * (lx2 - lx1)
    assert lx1 + 0.1 * (lx2 - lx1) < x1 and x2 < lx2 - 0.05 * (lx2 - lx1)
    assert (y1, y2) == pytest.approx((ly1, ly2), abs=1.0)  # the line is barely tilted


def _line(text: str, x1: float, y1: float, x2: float, y2: float) -> TextLine:
    return TextLine(np.array([[x1, y1], [x2, y1], [x2, y2], [x1, y2]], np.float64), text, 0.95)


def test_two_lines_side_by_side_are_read_as_one(reader: TextReader) -> None:
    rhein = reader.with_catalogue(parse_catalogue("RheinEnergie,Santander"))
    rhe, energie = _line("Rhe", 100, 200, 140, 220), _line("Energie", 147, 199, 240, 221)
    far = _line("Energie", 300, 200, 393, 220)  # three line heights away
    below = _line("Energie", 147, 240, 240, 260)  # another row
    found, unmatched = rhein.split_lines([rhe, energie, _line("HELLO", 600, 200, 660, 220)], (720, 1280))
    ((cls, conf, polygon),) = found
    assert rhein.names[cls] == "RheinEnergie" and 0.7 < conf < 0.95  # "RheEnergie": one edit
    assert polygon[:, 0].min() == 100 and polygon[:, 0].max() == 240  # the pair's joined polygon
    assert [ln.text for ln in unmatched] == ["HELLO"]  # the joined parts are no longer unmatched
    for apart in ([rhe, far], [rhe, below]):
        assert side_by_side(apart) == [] and rhein.split_lines(apart, (720, 1280))[0] == []
    assert side_by_side([energie, rhe]) == [(1, 0)]  # left to right, whatever the order read
    assert len(rhein.split_lines([energie, rhe], (720, 1280))[0]) == 1


def _tilted(text: str, x: float, y: float, w: float, h: float, slope: float) -> TextLine:
    """A line ``w`` x ``h`` px from (x, y), its axis going ``slope`` px down per px right."""
    u, v = np.array([1.0, slope]) / np.hypot(1.0, slope), np.array([-slope, 1.0]) / np.hypot(1.0, slope)
    p0 = np.array([x, y])
    return TextLine(np.stack([p0, p0 + w * u, p0 + w * u + h * v, p0 + h * v]), text, 0.95)


def test_two_lines_one_above_the_other_are_read_as_one(reader: TextReader) -> None:
    mainz = reader.with_catalogue(parse_catalogue("Mainzer Stadtwerke,Berliner,Santander"))
    for slope in (0.0, 0.17):  # a board seen square on, and one tilted as on a real broadcast's side
        upper = _tilted("MAINZER", 500, 600, 50, 10, slope)
        lower = _tilted("STADTWERKE", 500 - 1.5 * slope * 10, 610 + 1, 48, 8, slope)  # 1 px below
        assert stacked([lower, upper]) == [(1, 0)]  # upper first, whatever the order read
        found, unmatched = mainz.split_lines([lower, upper, _line("HELLO", 900, 100, 960, 120)], (720, 1280))
        ((cls, conf, polygon),) = found
        assert mainz.names[cls] == "Mainzer Stadtwerke" and conf == pytest.approx(0.95)
        inside = cv2.pointPolygonTest(polygon.astype(np.float32), (525.0, 615.0 + 25 * slope), False)
        assert inside > 0 and np.ptp(polygon[:, 1]) >= 18  # the pair's polygon spans both lines
        assert [ln.text for ln in unmatched] == ["HELLO"]
    upper = _line("MAINZER", 500, 600, 550, 610)
    apart = {
        "same row": _line("STADTWERKE", 555, 600, 600, 610),
        "two heights below": _line("STADTWERKE", 500, 625, 548, 633),
        "not under it": _line("STADTWERKE", 540, 611, 590, 619),
        "three times smaller": _line("STADTWERKE", 500, 611, 548, 614),
    }
    for why, other in apart.items():
        assert stacked([upper, other]) == [], why
    # a name read whole on one line is found on its own, and never joined with the line under it
    (hit,), _ = mainz.split_lines(
        [_line("BERLINER", 500, 600, 550, 610), _line("MAINZER", 500, 611, 548, 619)], (720, 1280)
    )
    assert mainz.names[hit[0]] == "Berliner"


def test_a_two_line_wordmark_is_read_by_the_real_reader(reader: TextReader) -> None:
    mainz = reader.with_catalogue(parse_catalogue("Mainzer Stadtwerke,Santander"))
    boards = (
        ("MAINZER", 420, 420, 360, 64),
        ("STADTWERKE", 420, 484, 360, 48),
        ("Santander", 820, 420, 300, 60),
    )
    dets = mainz.detections(board_frame(boards), 0, 0.0)
    assert sorted(dets.sponsor) == ["Mainzer Stadtwerke", "Santander"]
    box = dets.xyxy[list(dets.sponsor).index("Mainzer Stadtwerke")]
    assert box[1] < 440 and box[3] > 510  # the box holds both lines


def test_a_line_cut_short_by_the_text_detector_is_read_again_wider(
    reader: TextReader, monkeypatch: pytest.MonkeyPatch
) -> None:
    ravenol = reader.with_catalogue(parse_catalogue("Ravenol,Santander"))
    frame = board_frame((("RAVENOL", 300, 400, 420, 70),))
    box = board_box("RAVENOL", (("RAVENOL", 300, 400, 420, 70),))
    cut = _line("AVENO", box[0] + 95, box[1] + 14, box[2] - 95, box[3] - 14)  # first and last letter cut
    monkeypatch.setattr(ravenol, "_detect_and_read", lambda image: [cut, _line("HELLO", 0, 0, 40, 20)])
    lines = ravenol.read_lines(frame)  # the real recogniser reads the wider crop
    assert [ln.text.upper() for ln in lines] == ["RAVENOL", "HELLO"]
    # its polygon grew by the one letter read at each end (a fifth of "AVENO"'s width), no more
    w = cut.polygon[1, 0] - cut.polygon[0, 0]
    assert lines[0].polygon[:, 0].min() == pytest.approx(cut.polygon[0, 0] - w / 5)
    assert lines[0].polygon[:, 0].max() == pytest.approx(cut.polygon[1, 0] + w / 5)
    assert (lines[0].polygon[:, 1] == cut.polygon[:, 1]).all()
    dets = ravenol.detections(frame, frame=0, t=0.0)
    assert list(dets.sponsor) == ["Ravenol"]
    # a line that is no near miss is never read again: the recogniser is not called
    monkeypatch.setattr(ravenol, "recognise", lambda crops: pytest.fail("read again"))
    monkeypatch.setattr(ravenol, "_detect_and_read", lambda image: [_line("HELLO", 0, 0, 40, 20)])
    assert [ln.text for ln in ravenol.read_lines(frame)] == ["HELLO"]


def test_a_piece_of_a_word_is_read_again_on_a_much_wider_crop(
    reader: TextReader, monkeypatch: pytest.MonkeyPatch
) -> None:
    sonepar = reader.with_catalogue(parse_catalogue("sonepar,Santander"))
    frame = board_frame((("SONEPAR", 300, 400, 420, 70),))
    (whole,) = sonepar._detect_and_read(frame)  # the real detector's line: SONEPAR
    x0, x1 = whole.polygon[:, 0].min(), whole.polygon[:, 0].max()
    y0, y1 = whole.polygon[:, 1].min(), whole.polygon[:, 1].max()
    piece = _line("PAR", x0 + 4 / 7 * (x1 - x0), y0, x1, y1)  # as if it had boxed "PAR" only
    monkeypatch.setattr(sonepar, "_detect_and_read", lambda image: [piece])
    lines = sonepar.read_lines(frame)  # the real recogniser reads a crop 1.5 "PAR"s wider at each end
    assert [ln.text.upper() for ln in lines] == ["SONEPAR"]
    # the polygon grew by the 4 letters read before "PAR" (as wide as its own), none after
    assert lines[0].polygon[:, 0].min() == pytest.approx(x0, abs=0.01)
    assert lines[0].polygon[:, 0].max() == pytest.approx(x1, abs=0.01)
    assert list(sonepar.detections(frame, 0, 0.0).sponsor) == ["sonepar"]
    # a piece whose wider read names no sponsor stays as it was
    other = board_frame((("COMPARE", 300, 400, 420, 70),))
    assert [ln.text for ln in sonepar.read_lines(other)] == ["PAR"]


def test_near_misses_and_fragments_are_recognised_in_separate_batches(
    reader: TextReader, monkeypatch: pytest.MonkeyPatch
) -> None:
    both = reader.with_catalogue(parse_catalogue("Ravenol,sonepar"))
    lines = [_line("RAVENC", 0, 0, 60, 10), _line("par", 100, 0, 130, 10), _line("HELLO", 200, 0, 250, 10)]
    monkeypatch.setattr(both, "_detect_and_read", lambda image: list(lines))
    calls: list[list[int]] = []

    def recognise(crops: list[np.ndarray]) -> list[tuple[str, float]]:
        calls.append([c.shape[1] for c in crops])
        return [("RAVENOL", 0.9)] if len(calls) == 1 else [("sonepar", 0.9)]

    monkeypatch.setattr(both, "recognise", recognise)
    out = both.read_lines(np.zeros((100, 300, 3), np.uint8))
    # a crop's read depends on the crops batched with it: near misses read as they would alone
    assert len(calls) == 2 and [len(c) for c in calls] == [1, 1]
    assert [ln.text for ln in out] == ["RAVENOL", "sonepar", "HELLO"]
    # "par" (3 letters, 10 px each) grew by the 4 letters read before it, none after
    assert out[1].polygon[:, 0].min() == pytest.approx(60) and out[1].polygon[:, 0].max() == pytest.approx(
        130
    )


def test_a_regrown_line_grows_where_the_second_read_found_more() -> None:
    line = _line("ANTANDE", 100, 10, 170, 20)  # 7 letters, 10 px each
    grown = regrown_line(line, "SANTANDER")  # one more letter at each end
    assert grown[:, 0].min() == pytest.approx(90) and grown[:, 0].max() == pytest.approx(180)
    right = regrown_line(_line("SANTAND", 100, 10, 170, 20), "SANTANDER")  # two more at the end only
    assert right[:, 0].min() == pytest.approx(100) and right[:, 0].max() == pytest.approx(170 + 0.25 * 70)
    assert regrown_line(_line("XQZ", 0, 0, 30, 10), "XQZ")[:, 0].tolist() == [0, 30, 30, 0]


def test_missing_bundled_models_fail_clearly_and_never_download(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(reader_module.MODEL_FILES, "rec", "no_such_model.onnx")
    with pytest.raises(ReaderError, match="never downloads"):
        TextReader(parse_catalogue(CATALOGUE), device="cpu")


def test_catalogue_of_icon_marks_only_is_refused() -> None:
    cat = parse_catalogue("Audi")
    icons = cat.model_copy(
        update={"sponsors": tuple(e.model_copy(update={"reads": False}) for e in cat.sponsors)}
    )
    with pytest.raises(ValueError, match="no sponsor that reads"):
        TextReader(icons, device="cpu")


def test_recognise_reads_rectified_crops(reader: TextReader) -> None:
    frame = board_frame()
    box = board_box("SANTANDER")
    corners = np.array([[box[0], box[1]], [box[2], box[1]], [box[2], box[3]], [box[0], box[3]]])
    crop = crop_polygon(frame, corners)
    assert crop.shape[0] == 48 and crop.shape[1] > 150
    (text, score), (empty, zero) = reader.recognise([crop, np.zeros((0, 0, 3), np.uint8)])
    assert text.upper() == "SANTANDER" and score > 0.9
    assert (empty, zero) == ("", 0.0)


def _model_dets(
    frame: int, names: list[str], boxes: dict[str, np.ndarray], track: bool = True, t: float | None = None
) -> Detections:
    """Fake YOLO output (a test double of the model only): ``{sponsor: xyxy}`` boxes, sponsors of ``names``."""
    sponsors = list(boxes)
    assert set(sponsors) <= set(names)
    return Detections(
        np.stack([boxes[s] for s in sponsors]),
        0.9,
        np.asarray(sponsors, dtype=object),
        track_id=np.arange(1, len(sponsors) + 1) if track else -1,
        frame=frame,
        time=frame / 10 if t is None else t,
    )


def test_model_detection_on_a_board_of_other_words_is_rejected(reader: TextReader) -> None:
    names = ["Santander", "Apexa"]
    frame = board_frame()
    checker = TrackChecker(reader, set(names))
    boxes = {"Santander": board_box("SANTANDER"), "Apexa": board_box("HELLO WORLD")}
    for i in range(3):
        checker.check(frame, _model_dets(i, names, boxes), shot=0)
    summary = checker.summary()
    assert (
        summary["confirmed"] == 1
        and summary["rejected"] == 1
        and summary["rejected_by_sponsor"] == {"Apexa": 1}
    )
    assert summary["crops_read"] == 3  # Santander once (then confirmed); Apexa at its 1st and 2nd detection
    keep = checker.keep(np.zeros(2), ["Santander", "Apexa"], np.array([1, 2]))
    assert keep.tolist() == [True, False]
    # an untracked detection is judged on its own crop at once
    single = checker.check(frame, _model_dets(9, names, boxes, track=False), shot=0)
    assert list(single.sponsor) == ["Santander"]


#: Where the grey stands meet the green pitch, with no text: a sharp, contrasted crop (it qualifies)
#: that reads as nothing (an unread verdict).
BLANK_STANDS = np.array([500.0, 330.0, 800.0, 390.0])


@pytest.mark.parametrize("policy", ["auto", "count", "drop"])
def test_unread_tracks_count_or_drop_by_the_unread_policy(reader: TextReader, policy: str) -> None:
    names = ["Santander", "Apexa", "Emirates"]
    frame = board_frame()
    checker = TrackChecker(reader, {"Santander", "Apexa"}, unread=policy)  # Emirates: icon-only here
    boxes = {"Santander": board_box("SANTANDER"), "Apexa": BLANK_STANDS, "Emirates": BLANK_STANDS + 20}
    for i in range(3):
        checker.check(frame, _model_dets(i, names, boxes), shot=0)
    summary = checker.summary()
    assert (summary["confirmed"], summary["rejected"], summary["unread"]) == (1, 0, 1)
    assert summary["unread_policy"] == policy and summary["reliability"] == 1.0
    assert summary["unread_counted"] == (policy != "drop")  # auto: the one judged track was confirmed
    keep = checker.keep(np.zeros(3), names, np.array([1, 2, 3]))
    assert keep.tolist() == [True, policy != "drop", True]  # a sponsor that never reads always counts
    single = checker.check(frame, _model_dets(9, names, boxes, track=False), shot=0)
    assert list(single.sponsor) == (["Santander", "Emirates"] if policy == "drop" else names)
    assert checker.last_unread.tolist() == [False, policy != "drop", False]  # kept though unread
    with pytest.raises(ValueError, match="unread policy"):
        TrackChecker(reader, set(names), unread="maybe")


def test_auto_drops_unread_tracks_once_most_judged_tracks_name_something_else(reader: TextReader) -> None:
    frame = board_frame()
    checker = TrackChecker(reader, {"Santander", "Apexa"})  # the default policy: auto
    assert checker.unread == "auto"
    both = {"Santander": board_box("SANTANDER"), "Apexa": BLANK_STANDS}
    checker.check(frame, _model_dets(0, ["Santander", "Apexa"], both), shot=0)
    assert not checker.drops_unread()
    for i in range(1, 11):  # ten untracked Apexa detections on a board of other words: rejected
        checker.check(
            frame, _model_dets(i, ["Apexa"], {"Apexa": board_box("HELLO WORLD")}, track=False), shot=0
        )
    summary = checker.summary()
    assert (summary["confirmed"], summary["rejected"]) == (1, 10)
    assert checker.drops_unread() and summary["unread_counted"] is False
    assert summary["reliability"] == pytest.approx(1 / 11)
    assert checker.keep(np.zeros(2), ["Santander", "Apexa"], np.array([1, 2])).tolist() == [True, False]


def test_a_track_split_where_a_confirmed_track_was_is_confirmed_without_a_read(reader: TextReader) -> None:
    names = ["Santander", "Apexa"]
    frame = board_frame()
    checker = TrackChecker(reader, set(names))
    boxes = {"Santander": board_box("SANTANDER"), "Apexa": board_box("HELLO WORLD")}
    checker.check(frame, _model_dets(0, names, boxes), shot=0)
    assert checker.crops_read == 2
    split = _model_dets(1, names, boxes)
    split.track_id = np.array([7, 8])  # the tracker lost both and gave them new ids
    checker.check(frame, split, shot=0)
    # Santander continues its confirmed place: no read; Apexa (not confirmed) is read again
    assert checker.crops_read == 3 and checker.summary()["confirmed_by_place"] == 1
    assert checker.tracks[(0, "Santander", 7)].verdict == "confirmed"
    checker.check(frame, _model_dets(2, names, {"Santander": boxes["Santander"]}), shot=1)
    assert checker.crops_read == 4  # a new shot starts with no confirmed places


def test_a_re_found_track_is_read_again_and_dropped_while_it_reads_as_another_word(
    reader: TextReader,
) -> None:
    names = ["Santander"]
    frame = board_frame()
    checker = TrackChecker(reader, set(names))
    on_board = {"Santander": board_box("SANTANDER")}
    switched = {"Santander": board_box("HELLO WORLD")}  # the tracker gave id 1 to the next board

    def step(i: int, boxes: dict[str, np.ndarray] | None) -> Detections:
        return checker.check(frame, _model_dets(i, names, boxes) if boxes else Detections.empty(), shot=0)

    assert len(step(0, on_board)) == 1 and len(step(1, on_board)) == 1
    assert checker.crops_read == 1  # confirmed at its first read; no gap, no re-read
    assert len(step(2, None)) == 0  # the tracker loses it for one analysed frame
    assert len(step(3, switched)) == 0 and checker.crops_read == 2  # re-found: read, names HELLO WORLD
    assert len(step(4, switched)) == 0 and checker.crops_read == 3  # 2nd after the gap: read again
    assert len(step(5, switched)) == 0 and checker.crops_read == 3  # 3rd: not read, still dropped
    assert len(step(6, on_board)) == 1 and checker.crops_read == 4  # 4th: read, names its sponsor again
    assert len(step(7, on_board)) == 1 and checker.crops_read == 4
    summary = checker.summary()
    assert summary["dropped_after_refind"] == 3 and summary["confirmed"] == 1 and summary["rejected"] == 0
    # the detections before the gap keep their verdict
    assert checker.keep(np.zeros(1), ["Santander"], np.array([1])).tolist() == [True]


class _BoxModel:
    """Test double of the YOLO model: the same boxes on every frame (following the 2 px/frame pan)."""

    conf, imgsz, device = 0.25, 640, "cpu"

    def __init__(self, boxes: dict[str, str], every: int = 1) -> None:
        self.boxes = boxes
        self.names = ["Santander", "Apexa"]
        self.every = every  # detect on every n-th frame only

    def predict(self, images: list, frames: list, times: list, imgsz: int | None = None) -> list[Detections]:
        out = []
        for f, t in zip(frames, times, strict=True):
            found = (
                {s: board_box(text, shift=2 * f) for s, text in self.boxes.items()}
                if f % self.every == 0
                else {}
            )
            out.append(_model_dets(f, self.names, found, track=False, t=t) if found else Detections.empty())
        return out


def test_pipeline_drops_rejected_tracks_through_real_decode(reader: TextReader, board_video: Path) -> None:
    model = _BoxModel({"Santander": "SANTANDER", "Apexa": "HELLO WORLD"})
    with open_video(board_video) as source:
        result = analyse_video(source, model, reader=reader, check=True)
    dets = result.detections
    assert set(dets["sponsor"]) == {"Santander"}
    assert (dets["source"] == "model").all() and (dets["track_id"] >= 0).all()
    assert result.checking is not None
    assert result.checking["rejected_by_sponsor"] == {"Apexa": 1}
    assert result.checking["confirmed"] >= 1
    assert result.checking["crops_read"] <= 2 * 4 + 2  # bounded reads per track, not one per frame


class _PerFrameModel(_BoxModel):
    """Test double of the YOLO model on stills: frame 0 holds Santander on its board and Apexa on blank
    stands (unread); every later frame holds Apexa on the board of other words (rejected)."""

    def predict(self, images: list, frames: list, times: list, imgsz: int | None = None) -> list[Detections]:
        first = {"Santander": board_box("SANTANDER"), "Apexa": BLANK_STANDS}
        later = {"Apexa": board_box("HELLO WORLD")}
        return [_model_dets(f, self.names, first if f == 0 else later, track=False) for f in frames]


@pytest.mark.parametrize(
    ("policy", "photos", "apexa_on_blank"), [("auto", 11, False), ("auto", 5, True), ("count", 11, True)]
)
def test_a_still_archive_decides_auto_once_every_image_is_read(
    reader: TextReader, policy: str, photos: int, apexa_on_blank: bool
) -> None:
    checked = CheckedDetector(_PerFrameModel({}), reader, check=True, read=False, unread=policy)
    frame = board_frame()
    out = [checked.predict([frame], [i], [0.0])[0] for i in range(photos)]
    assert [list(d.sponsor) for d in out] == [["Santander", "Apexa"]] + [[]] * (
        photos - 1
    )  # rejected at once
    keep = checked.final_keep(np.zeros(2, dtype=np.int64))  # the two rows of frame 0, in predict's order
    # 1 confirmed and 10 rejected (11 photos): unreliable, the unread Apexa is dropped; 1 and 4: too few to say
    assert keep.tolist() == [True, apexa_on_blank]


@pytest.mark.parametrize(("photos", "unreliable"), [(11, True), (5, False)])
def test_a_whole_image_read_stands_in_for_an_unread_detection_the_archive_drops(
    reader: TextReader, photos: int, unreliable: bool
) -> None:
    checked = CheckedDetector(_PerFrameModel({}), reader, check=True, read=True)  # auto
    frame = board_frame()
    first = checked.predict([frame], [0], [0.0])[0]
    for i in range(1, photos):
        checked.predict([frame], [i], [0.0])
    # frame 0: the model's Santander (confirmed) and Apexa on blank stands (unread), Cantabria Labs
    # read (the model missed it), and the read of the Apexa board held in reserve, last
    assert list(first.sponsor) == ["Santander", "Apexa", "Cantabria Labs", "Apexa"]
    assert list(first.source) == ["model", "model", "text", "text"]
    keep = checked.final_keep(np.zeros(len(first), dtype=np.int64))
    assert keep.tolist() == [True, not unreliable, True, unreliable]
    apexa = first.xyxy[keep & (first.sponsor == "Apexa")]
    assert (
        len(apexa) == 1
        and _inside(np.array([[apexa[0][0], apexa[0][1]], [apexa[0][2], apexa[0][3]]]), BLANK_STANDS)
        != unreliable
    )


class _StandsModel(_BoxModel):
    """Test double of the YOLO model: Santander on its board, Apexa on blank stands (both panning)."""

    def predict(self, images: list, frames: list, times: list, imgsz: int | None = None) -> list[Detections]:
        boxes = [
            {
                "Santander": board_box("SANTANDER", shift=2 * f),
                "Apexa": BLANK_STANDS + np.array([2 * f, 0, 2 * f, 0]),
            }
            for f in frames
        ]
        return [
            _model_dets(f, self.names, b, track=False, t=t)
            for f, t, b in zip(frames, times, boxes, strict=True)
        ]


def test_pipeline_drops_unread_tracks_under_the_drop_policy(reader: TextReader, board_video: Path) -> None:
    counted = {}
    for policy in ("count", "drop"):
        with open_video(board_video) as source:
            result = analyse_video(source, _StandsModel({}), reader=reader, check=True, unread=policy)
        assert result.checking is not None and result.checking["unread_policy"] == policy
        assert result.checking["unread"] >= 1 and result.checking["confirmed"] >= 1
        counted[policy] = result.detections.groupby("sponsor")["frame"].nunique().to_dict()
    assert counted["count"] == {"Santander": 30, "Apexa": 30}
    assert counted["drop"] == {"Santander": 30}


def test_whole_frame_reads_add_missed_sponsors_held_until_the_next_read(
    reader: TextReader, board_video: Path
) -> None:
    model = _BoxModel({"Santander": "SANTANDER"})  # the model misses Cantabria Labs (not its class)
    with open_video(board_video) as source:
        result = analyse_video(source, model, reader=reader, check=False, read_fps=1.0)
    dets = result.detections
    assert result.reads == 3  # 3 s of video read once a second
    by = dets.groupby("sponsor")
    assert set(by.groups) == {"Santander", "Cantabria Labs", "Apexa"}
    assert set(dets.loc[dets["sponsor"] == "Santander", "source"]) == {"model"}  # the model's own wins
    text = dets[dets["sponsor"] == "Cantabria Labs"]
    assert (text["source"] == "text").all()
    assert text["frame"].nunique() == 30  # held on every analysed frame, not only the 3 read ones


def test_a_whole_frame_read_stands_in_for_a_rejected_model_track(
    reader: TextReader, board_video: Path
) -> None:
    # The model puts Apexa on the board of other words (rejected); the whole-frame reads find the real
    # Apexa board: held in reserve while the model detects Apexa, they count once its track is dropped.
    model = _BoxModel({"Santander": "SANTANDER", "Apexa": "HELLO WORLD"})
    with open_video(board_video) as source:
        result = analyse_video(source, model, reader=reader, check=True, read_fps=1.0)
    dets = result.detections
    assert result.checking is not None and result.checking["rejected_by_sponsor"] == {"Apexa": 1}
    apexa = dets[dets["sponsor"] == "Apexa"]
    assert (apexa["source"] == "text").all() and apexa["frame"].nunique() == 30
    assert (apexa["x1"] > 800).all()  # on its own board (x 880 + 2 px a frame), not on HELLO WORLD (300)
    assert set(dets.loc[dets["sponsor"] == "Santander", "source"]) == {"model"}  # confirmed: the model's box
    assert dets["frame"].is_monotonic_increasing
    assert dets.groupby(["frame", "sponsor"]).size().max() == 1


def test_add_reads_keeps_the_model_and_adds_only_missed_sponsors() -> None:
    box = np.array([[0, 0, 10, 10.0]])
    model = Detections(box, [0.9], ["A"])
    boxes = np.concatenate([box, box + 20])
    corners = np.stack([boxes[:, [0, 1]], boxes[:, [2, 1]], boxes[:, [2, 3]], boxes[:, [0, 3]]], axis=1)
    text = Detections(boxes, [0.8, 0.7], ["A", "B"], polygon=corners, source="text")
    merged = add_reads(model, text)
    assert list(merged.sponsor) == ["A", "B"] and list(merged.source) == ["model", "text"]
    assert merged.polygon is not None
    np.testing.assert_allclose(merged.polygon, corners)  # the model's box becomes its corners


def test_analyze_by_name_with_no_weights_through_the_cli(tmp_path: Path, board_video: Path) -> None:
    out = tmp_path / "out"
    res = runner.invoke(app, ["analyze", str(board_video), "--out", str(out), "--sponsors", CATALOGUE])
    assert res.exit_code == 0, res.output
    report = json.loads((out / "report.json").read_text())
    assert report["model"]["task"] == "text" and report["model"]["weights"].startswith("rapidocr:")
    assert report["settings"]["sample_fps"] == 1.0  # the reader's default rate
    assert report["reading"]["mode"] == "reader" and report["source"]["analysed_frames"] == 3
    sponsors = pd.read_csv(out / "sponsors.csv").set_index("sponsor")
    assert list(sponsors.index) == ["Santander", "Cantabria Labs", "Apexa", "Emirates"]
    for name in ("Santander", "Cantabria Labs", "Apexa"):
        assert sponsors.loc[name, "exposure_s"] == pytest.approx(3.0, abs=0.15)
        assert 0.002 < sponsors.loc[name, "mean_screen_share"] < 0.03
    assert sponsors.loc["Emirates", "exposure_s"] == 0
    dets = pd.read_parquet(out / "detections.parquet")
    assert set(dets["source"]) == {"text"}
    assert (out / "frames" / "best_Santander.jpg").is_file()


def test_analyze_by_name_with_artwork_measures_the_whole_logos_share(
    tmp_path: Path, board_video: Path
) -> None:
    """A catalogue that gives a sponsor's artwork: its reads are boxed as the whole logo, so its screen
    share is the artwork's, not its lettering's; a sponsor without artwork keeps its text lines."""
    toml = tmp_path / "sponsors.toml"
    toml.write_text(
        f'[sponsors."Apexa"]\nartwork = ["{ARTWORK / "Apexa.png"}"]\n\n[sponsors."Santander"]\n',
        encoding="utf-8",
    )
    out = tmp_path / "out"
    res = runner.invoke(app, ["analyze", str(board_video), "--out", str(out), "--sponsors", str(toml)])
    assert res.exit_code == 0, res.output
    sponsors = pd.read_csv(out / "sponsors.csv").set_index("sponsor")
    a = artwork_box("Apexa")
    assert sponsors.loc["Apexa", "mean_screen_share"] == pytest.approx(
        (a[2] - a[0]) * (a[3] - a[1]) / (1280 * 720), rel=0.2
    )
    s = board_box("SANTANDER")
    assert sponsors.loc["Santander", "mean_screen_share"] < 0.7 * (s[2] - s[0]) * (s[3] - s[1]) / (1280 * 720)
    report = json.loads((out / "report.json").read_text())
    assert report["source"]["analysed_frames"] == 3


def test_a_lower_resolution_copy_gives_the_same_exposure(tmp_path: Path, board_video: Path) -> None:
    """Legibility is judged on the frame scaled to 720 lines: a 360p copy of the clip (text lines about
    20 px tall instead of 40) gives the same exposure under a 30 px minimum size, which an absolute
    pixel threshold would have refused."""
    low = write_board_video(tmp_path / "boards_360p.mp4", size=(640, 360))
    config = tmp_path / "strict.toml"
    config.write_text("[measure]\nmin_side_px = 30\n", encoding="utf-8")
    tables = {}
    for name, video in (("720p", board_video), ("360p", low)):
        out = tmp_path / name
        args = ["analyze", str(video), "--out", str(out), "--sponsors", CATALOGUE, "--config", str(config)]
        res = runner.invoke(app, args)
        assert res.exit_code == 0, res.output
        tables[name] = pd.read_csv(out / "sponsors.csv").set_index("sponsor")
        dets = pd.read_parquet(out / "detections.parquet")
        santander = dets[dets["sponsor"] == "Santander"]
        assert len(santander) == 3
        side = santander["short_side_px"].median()
        assert (side > 30) if name == "720p" else (side < 30)  # in the file's own pixels
    for name in ("Santander", "Cantabria Labs"):
        high, low_row = tables["720p"].loc[name], tables["360p"].loc[name]
        assert high["exposure_s"] == pytest.approx(3.0, abs=0.15)
        assert low_row["exposure_s"] == pytest.approx(high["exposure_s"], abs=0.01)
        assert low_row["mean_screen_share"] == pytest.approx(high["mean_screen_share"], rel=0.15)


def test_analyze_rejects_a_bad_catalogue_with_the_config_exit_code(tmp_path: Path, board_video: Path) -> None:
    bad = tmp_path / "cat.toml"
    bad.write_text('[sponsors."Emirates"]\nreads = "yes"\n')
    res = runner.invoke(
        app, ["analyze", str(board_video), "--out", str(tmp_path / "o"), "--sponsors", str(bad)]
    )
    assert res.exit_code == 5
    assert "sponsors.Emirates.reads" in res.output
    assert not (tmp_path / "o").exists()
    # artwork that is not on disk is refused too: reads would measure the lettering, not the logo
    bad.write_text('[sponsors."Emirates"]\nartwork = ["logos/emirates.png"]\n')
    res = runner.invoke(
        app, ["analyze", str(board_video), "--out", str(tmp_path / "o"), "--sponsors", str(bad)]
    )
    assert res.exit_code == 5
    assert "sponsors.Emirates.artwork.0: no such file" in res.output and "emirates.png" in res.output


def test_photos_by_name_with_no_weights_through_the_cli(tmp_path: Path) -> None:
    folder = tmp_path / "photos"
    folder.mkdir()
    cv2.imwrite(str(folder / "boards.jpg"), board_frame())
    cv2.imwrite(str(folder / "empty.jpg"), board_frame(boards=[]))
    out = tmp_path / "out"
    res = runner.invoke(app, ["photos", str(folder), "--out", str(out), "--sponsors", CATALOGUE])
    assert res.exit_code == 0, res.output
    report = json.loads((out / "report.json").read_text())
    assert report["reading"]["mode"] == "reader" and report["model"]["task"] == "text"
    sponsors = pd.read_csv(out / "sponsors.csv").set_index("sponsor")
    for name in ("Santander", "Cantabria Labs", "Apexa"):
        assert sponsors.loc[name, "photos_with_sponsor"] == 1
    assert sponsors.loc["Emirates", "photos_with_sponsor"] == 0


def test_batch_by_name_with_no_weights_stores_text_detections(tmp_path: Path, board_video: Path) -> None:
    import duckdb

    media = tmp_path / "media"
    media.mkdir()
    (media / "match.mp4").write_bytes(board_video.read_bytes())
    cv2.imwrite(str(media / "photo.jpg"), board_frame())
    db_path = tmp_path / "season.duckdb"
    res = runner.invoke(
        app, ["batch", str(media), "--db", str(db_path), "--workers", "0", "--sponsors", CATALOGUE]
    )
    assert res.exit_code == 0, res.output
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        kinds = dict(con.execute("SELECT kind, count(*) FROM sources GROUP BY kind").fetchall())
        assert kinds == {"video": 1, "photo": 1}
        found = con.execute("SELECT DISTINCT sponsor, source FROM detections ORDER BY sponsor").fetchall()
        assert found == [("Apexa", "text"), ("Cantabria Labs", "text"), ("Santander", "text")]
        seconds = con.execute(
            "SELECT e.exposure_s FROM sponsor_exposure e JOIN sources s USING (source_id) "
            "WHERE s.kind = 'video' AND e.sponsor = 'Santander'"
        ).fetchone()
        assert seconds is not None and seconds[0] == pytest.approx(3.0, abs=0.15)
    finally:
        con.close()


def test_a_schema_1_batch_database_is_migrated_not_refused(tmp_path: Path) -> None:
    import duckdb

    from measure import db

    path = tmp_path / "old.duckdb"
    db.connect(path).close()
    con = duckdb.connect(str(path))  # make it what an earlier SponsorLens wrote
    con.execute("ALTER TABLE detections DROP COLUMN source")
    con.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    con.execute("INSERT INTO detections (source_id, frame, sponsor) VALUES ('old', 3, 'Apexa')")
    con.close()
    with pytest.raises(db.DatabaseError, match="schema version 1"):
        db.connect(path, read_only=True).close()  # reading alone never rewrites a file
    con = db.connect(path)
    try:
        assert con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == (
            db.SCHEMA_VERSION,
        )
        assert con.execute("SELECT frame, sponsor, source FROM detections").fetchall() == [
            (3, "Apexa", "model")
        ]
    finally:
        con.close()


def test_reads_beside_an_axis_aligned_model_track_across_frames_with_and_without_reads(
    reader: TextReader, board_video: Path
) -> None:
    # frames where the model finds every read sponsor (plain boxes alone) alternate with frames where
    # reads add rotated text boxes: the tracker must get one box format throughout (a mix crashed it)
    two = reader.with_catalogue(parse_catalogue("Santander,Apexa"))
    model = _BoxModel({"Santander": "SANTANDER", "Apexa": "artwork:Apexa"}, every=2)
    with open_video(board_video) as source:
        result = analyse_video(source, model, reader=two, check=False, read_fps=1.0)
    dets = result.detections
    assert set(dets["sponsor"]) == {"Santander", "Apexa"}
    assert dets.groupby("sponsor")["frame"].nunique().to_dict() == {"Santander": 30, "Apexa": 30}
    assert set(dets.loc[dets["frame"] % 2 == 0, "source"]) == {"model"}
    assert set(dets.loc[dets["frame"] % 2 == 1, "source"]) == {"text"}


#: Demo artwork boards the shipped demo model finds, and another brand's mark in the style of Apexa's
#: (a red triangle before its name, HELLO) that it mistakes for Apexa.
DEMO_BOARDS = (
    ("artwork:Apexa", 60, 420, 330, 70),
    ("artwork:Helix", 460, 420, 330, 70),
    ("artwork:Corvo", 880, 420, 330, 70),
    ("lookalike:HELLO", 300, 560, 420, 80),
)
DEMO_CATALOGUE = str(Path(__file__).resolve().parent.parent / "weights" / "demo_catalogue.toml")


def test_the_real_demo_model_checked_by_the_reader_on_photos(tmp_path: Path) -> None:
    from vision.inference.detector import DEFAULT_WEIGHTS

    photo = tmp_path / "boards.jpg"
    cv2.imwrite(str(photo), board_frame(DEMO_BOARDS), [cv2.IMWRITE_JPEG_QUALITY, 95])
    common = ["photos", str(photo), "--weights", str(DEFAULT_WEIGHTS), "--imgsz", "1280", "--device", "cpu"]
    res = runner.invoke(app, [*common, "--out", str(tmp_path / "raw")])
    assert res.exit_code == 0, res.output
    raw = pd.read_parquet(tmp_path / "raw" / "detections.parquet")
    # the model alone: its three boards, plus Apexa on the board of other words (a false detection)
    assert {"Apexa", "Helix", "Corvo"} <= set(raw["sponsor"])
    on_hello = raw[(raw["sponsor"] == "Apexa") & (raw["y1"] > 540)]
    assert len(on_hello) >= 1, raw[["sponsor", "conf", "x1", "y1"]]
    res = runner.invoke(app, [*common, "--out", str(tmp_path / "checked"), "--sponsors", DEMO_CATALOGUE])
    assert res.exit_code == 0, res.output
    checked = pd.read_parquet(tmp_path / "checked" / "detections.parquet")
    report = json.loads((tmp_path / "checked" / "report.json").read_text())
    assert report["reading"]["mode"] == "model+reader" and report["reading"]["checking"]["rejected"] >= 1
    assert checked[(checked["sponsor"] == "Apexa") & (checked["y1"] > 540)].empty  # rejected: reads HELLO
    assert {"Apexa", "Helix", "Corvo"} <= set(checked.loc[checked["source"] == "model", "sponsor"])
    assert len(checked[checked["source"] == "model"]) < len(raw)
    # --unread drop: only the detections a read confirmed count (every model detection here is read)
    res = runner.invoke(
        app, [*common, "--out", str(tmp_path / "strict"), "--sponsors", DEMO_CATALOGUE, "--unread", "drop"]
    )
    assert res.exit_code == 0, res.output
    assert "unread (not counted)" in res.output
    strict = pd.read_parquet(tmp_path / "strict" / "detections.parquet")
    checking = json.loads((tmp_path / "strict" / "report.json").read_text())["reading"]["checking"]
    assert checking["unread_policy"] == "drop"
    assert (strict["source"] == "model").sum() == checking["confirmed"]
    assert {"Apexa", "Helix", "Corvo"} <= set(strict.loc[strict["source"] == "model", "sponsor"])


def test_analyze_with_the_real_model_and_a_catalogue_drops_the_rejected_track(tmp_path: Path) -> None:
    from vision.inference.detector import DEFAULT_WEIGHTS

    video = write_board_video(tmp_path / "demo_boards.mp4", seconds=2.0, boards=DEMO_BOARDS)
    out = tmp_path / "out"
    args = ["analyze", str(video), "--out", str(out), "--weights", str(DEFAULT_WEIGHTS), "--imgsz", "1280"]
    res = runner.invoke(app, [*args, "--sample-fps", "5", "--device", "cpu", "--sponsors", DEMO_CATALOGUE])
    assert res.exit_code == 0, res.output
    assert "rejected (not counted)" in res.output
    report = json.loads((out / "report.json").read_text())
    checking = report["reading"]["checking"]
    assert checking["rejected"] >= 1 and checking["confirmed"] >= 2
    assert report["settings"]["check"] is True and report["model"]["reader"]["task"] == "text"
    dets = pd.read_parquet(out / "detections.parquet")
    assert dets[(dets["sponsor"] == "Apexa") & (dets["y1"] > 540)].empty
    sponsors = pd.read_csv(out / "sponsors.csv").set_index("sponsor")
    assert sponsors.loc["Apexa", "exposure_s"] == pytest.approx(2.0, abs=0.25)  # its own board, all along
    assert sponsors.loc["Helix", "exposure_s"] > 1.5


def test_html_report_names_the_reader_and_its_check(tmp_path: Path) -> None:
    from cli.report_html import _model_items
    from measure.folder import Analysis
    from measure.report import parse_report

    report = {
        "source": {
            "path": "v.mp4",
            "duration_s": 1.0,
            "fps": 25.0,
            "width": 64,
            "height": 48,
            "frames": 25,
            "analysed_frames": 25,
        },
        "settings": {},
        "tool": {"name": "sponsorlens", "version": "0"},
        "sponsors": [],
        "model": {
            "weights": "m.pt",
            "classes": ["A"],
            "reader": {"weights": "rapidocr:x", "sha256": "ab" * 32},
        },
        "reading": {
            "mode": "model+reader",
            "checking": {"confirmed": 3, "rejected": 2, "unread": 1},
            "frame_reads": 4,
        },
    }
    items = dict(_model_items(Analysis(tmp_path, parse_report(report, "report.json"))))
    assert items["Text reader"] == "rapidocr:x (abababababab)"
    assert items["Text check"] == "3 tracks confirmed, 2 rejected (not counted), 1 unread (counted)"
    assert items["Whole-frame reads"] == "4"


def test_detections_that_cannot_count_are_not_read(reader: TextReader) -> None:
    names = ["Santander", "Apexa"]
    checker = TrackChecker(reader, set(names))
    boxes = {"Santander": board_box("SANTANDER"), "Apexa": board_box("HELLO WORLD")}
    keep = checker.check_mask(
        board_frame(), _model_dets(0, names, boxes), shot=0, worth=np.array([False, False])
    )
    assert keep.tolist() == [True, True] and checker.crops_read == 0 and checker.tracks == {}


def test_reader_only_analysis_renders_the_report_and_annotated_video(
    tmp_path: Path, board_video: Path
) -> None:
    out, video = tmp_path / "out", tmp_path / "annotated.mp4"
    args = ["analyze", str(board_video), "--out", str(out), "--sponsors", CATALOGUE, "--html"]
    res = runner.invoke(app, [*args, "--annotate", str(video), "--evidence", str(tmp_path / "evidence")])
    assert res.exit_code == 0, res.output
    html = (out / "report.html").read_text()
    assert "Santander" in html and "rapidocr" in html
    cap = cv2.VideoCapture(str(video))
    frames = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
    cap.release()
    assert frames == 30  # every frame of the source, with the read boxes drawn
    assert len(list((tmp_path / "evidence").glob("*.jpg"))) >= 3  # a thumbnail per exposure segment


def test_review_with_a_catalogue_shows_the_reads_and_drops_rejected_labels(tmp_path: Path) -> None:
    from vision.inference.detector import DEFAULT_WEIGHTS
    from vision.training.labelled import read_labelled

    photo = tmp_path / "in" / "boards.jpg"
    photo.parent.mkdir()
    cv2.imwrite(str(photo), board_frame(DEMO_BOARDS), [cv2.IMWRITE_JPEG_QUALITY, 95])
    out = tmp_path / "review"
    args = [
        "review",
        str(photo.parent),
        "--out",
        str(out),
        "--weights",
        str(DEFAULT_WEIGHTS),
        "--imgsz",
        "1280",
        "--conf",  # every detection below it is uncertain, so the frame is put up for review
        "0.99",
    ]
    res = runner.invoke(app, [*args, "--device", "cpu", "--sponsors", DEMO_CATALOGUE])
    assert res.exit_code == 0, res.output
    listing = json.loads((out / "review.json").read_text())
    wrong = [d for d in listing if d["sponsor"] == "Apexa" and d["xyxy"][1] > 540]
    assert wrong and all(d["verdict"] == "rejected" for d in wrong)
    assert any("HELLO" in d["read"].upper() for d in wrong)
    assert any(d["verdict"] == "confirmed" for d in listing)
    (frame,) = read_labelled(out)
    assert len(frame.boxes) == len(listing) - sum(d["verdict"] == "rejected" for d in listing)
    assert "rejected" in (out / "review.html").read_text()
