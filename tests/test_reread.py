"""Reading again where a sponsor was (the reader alone): the camera's motion between two analysed frames,
and the real ONNX reader re-reading a board the text detector missed, through real decode and the
pipeline."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest
from text_boards import BOARDS, board_box, board_frame, write_board_video
from typer.testing import CliRunner

from cli.main import app
from measure.catalogue import parse_catalogue
from measure.geometry import box_iou
from vision.inference.detections import Detections
from vision.inference.pipeline import analyse_video
from vision.inference.reader import TextReader
from vision.inference.reread import camera_motion
from vision.io.sources import open_video

runner = CliRunner()


@pytest.fixture(scope="module")
def reader() -> TextReader:
    return TextReader(parse_catalogue("Santander,Cantabria Labs,Apexa"), device="cpu")


def _texture(w: int = 1280, h: int = 720, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    noise = rng.integers(0, 256, (h // 8, w // 8, 3), dtype=np.uint8)
    return cv2.GaussianBlur(cv2.resize(noise, (w, h), interpolation=cv2.INTER_NEAREST), (3, 3), 0)


def test_camera_motion_recovers_a_pan_and_zoom_and_refuses_an_unrelated_frame() -> None:
    before = _texture()
    # zoom 1.04 about the centre, then pan 37 px left and 12 px down
    true = cv2.getRotationMatrix2D((640.0, 360.0), 0.0, 1.04)
    true[:, 2] += (-37.0, 12.0)
    after = cv2.warpAffine(before, true, (1280, 720), borderMode=cv2.BORDER_REFLECT)
    m = camera_motion(before, after)
    assert m is not None
    corners = np.array([[100.0, 100.0], [1180.0, 100.0], [1180.0, 620.0], [100.0, 620.0]])
    assert np.abs(corners @ m[:, :2].T + m[:, 2] - (corners @ true[:, :2].T + true[:, 2])).max() < 1.5
    assert camera_motion(before, _texture(seed=1)) is None  # a cut to another picture
    assert camera_motion(before, np.full_like(before, 90)) is None  # nothing to match


def _missing_after_first_read(reader: TextReader, sponsor: str) -> TextReader:
    """The real reader, whose text detector 'misses' ``sponsor`` on every frame after frame 0."""
    blind = reader.with_catalogue(reader.catalogue)
    real = reader.read_frame

    def read_frame(image: np.ndarray, frame: int, t: float) -> tuple[Detections, list]:
        dets, unmatched = real(image, frame, t)
        return (dets if frame == 0 else dets[dets.sponsor != sponsor]), unmatched

    blind.read_frame = read_frame  # type: ignore[method-assign]
    return blind


def test_a_board_the_text_detector_misses_is_read_again_where_the_pan_moved_it(
    reader: TextReader, tmp_path: Path
) -> None:
    video = write_board_video(tmp_path / "boards.mp4")  # pans 2 px a frame, 10 fps, 3 s
    blind = _missing_after_first_read(reader, "Santander")
    with open_video(video, sample_fps=1.0) as source:
        result = analyse_video(source, blind)
    dets = result.detections
    santander = dets[dets["sponsor"] == "Santander"].sort_values("frame")
    assert santander["frame"].tolist() == [0, 10, 20]  # read at 0, read again at 10 and 20
    assert result.reread == {"crops": 2, "found": 2}
    for row in santander.itertuples():  # each at the board's place in its frame: 20 px further right
        box = np.array([row.x1, row.y1, row.x2, row.y2])
        board = board_box("SANTANDER", shift=2 * row.frame)
        assert box_iou(box, board[None])[0] > 0.3, row.frame
        assert abs((box[0] + box[2]) / 2 - (board[0] + board[2]) / 2) < 6, row.frame  # not where it was
    assert set(dets["sponsor"]) == {"Santander", "Cantabria Labs", "Apexa"}


def _swap_video(path: Path) -> Path:
    """3 s at 10 fps, panning 2 px a frame: SANTANDER for the first second, then HELLO WORLD on its board."""
    other = tuple(
        ("HELLO WORLD", *b[1:]) if b[0] == "SANTANDER" else b for b in BOARDS if b[0] != "HELLO WORLD"
    )
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 10.0, (1280, 720))
    for i in range(30):
        writer.write(board_frame(BOARDS if i < 10 else other, shift=2 * i))
    writer.release()
    return path


def test_a_place_that_now_reads_as_another_word_is_not_kept(reader: TextReader, tmp_path: Path) -> None:
    with open_video(_swap_video(tmp_path / "swap.mp4"), sample_fps=1.0) as source:
        result = analyse_video(source, reader)
    dets = result.detections
    assert dets.loc[dets["sponsor"] == "Santander", "frame"].tolist() == [0]
    assert result.reread == {"crops": 1, "found": 0}


def test_analyze_reports_the_places_read_again(tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = ["analyze", str(_swap_video(tmp_path / "swap.mp4")), "--out", str(out), "--html"]
    res = runner.invoke(app, [*args, "--sponsors", "Santander,Cantabria Labs,Apexa"])
    assert res.exit_code == 0, res.output
    assert "read again where a sponsor was: 0 of 1 places still named it" in res.output
    report = json.loads((out / "report.json").read_text())
    assert report["reading"]["reread"] == {"crops": 1, "found": 0}
    assert "0 of 1 places still named their sponsor" in (out / "report.html").read_text()
