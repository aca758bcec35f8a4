"""Faces anonymised in the pictures SponsorLens writes (issue 22), through the real command line.

Real face photos that installed packages ship (matplotlib's Grace Hopper, ultralytics' zidane.jpg;
boxes hand-checked in tests/data/real_faces.json) are pasted into a rendered broadcast frame with a
perimeter board and a shirt sponsor right under a face (inside the blurred margin of its box). The
text reader finds both logos, so ``analyze`` writes best frames, evidence thumbnails and an
annotated video. Detail is the variance of the Laplacian inside a box.
"""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pandas as pd
import pytest
from face_photos import detail, first_frame, paste_face
from text_boards import board_frame, board_image
from typer.testing import CliRunner

from cli.main import app
from vision.inference import faces as faces_module
from vision.inference.detector import DEFAULT_WEIGHTS
from vision.inference.faces import FaceModelMissing, anonymise

runner = CliRunner()
SIZE = (1280, 720)
BOARDS = (("SANTANDER", 60, 560, 360, 70),)
#: (photo, face index, face height px, face box top-left x, y) in the 1280x720 frame
PASTES = (("grace_hopper", 0, 150, 560, 150), ("zidane", 0, 120, 1000, 140))
SHIRT = "EMIRATES"


def scene(boards: tuple = BOARDS) -> tuple[np.ndarray, list[np.ndarray], np.ndarray]:
    """Return the frame, its face boxes and the shirt sponsor's box (xyxy pixels)."""
    frame = board_frame(boards, SIZE)
    faces = [paste_face(frame, name, i, height, x, y) for name, i, height, x, y in PASTES]
    gx1, _, gx2, gy2 = faces[0]
    w, h = 240, 48
    sx, sy = round((gx1 + gx2) / 2 - w / 2), round(gy2 + 6)  # 6 px under the chin: inside the blurred margin
    frame[sy : sy + h, sx : sx + w] = board_image(SHIRT, w, h, colour=(40, 40, 40))
    return frame, faces, np.array([sx, sy, sx + w, sy + h], dtype=np.float64)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Analyse the same 2 s clip with faces blurred (default) and with --no-anonymise."""
    root = tmp_path_factory.mktemp("faces")
    frame, _, _ = scene()
    video = root / "clip.mp4"
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"mp4v"), 5.0, SIZE)
    for _ in range(10):
        writer.write(frame)
    writer.release()
    out = {}
    for name, extra in (("blurred", []), ("kept", ["--no-anonymise"])):
        d = root / name
        args = ["analyze", str(video), "--out", str(d / "out"), "--sponsors", f"Santander,{SHIRT.title()}"]
        args += ["--evidence", str(d / "evidence"), "--annotate", str(d / "annotated.mp4"), *extra]
        res = runner.invoke(app, args)
        assert res.exit_code == 0, res.output
        out[name] = d
    out["video"] = video
    return out


def _logos(run: Path) -> dict[str, np.ndarray]:
    dets = pd.read_parquet(run / "out" / "detections.parquet")
    return {str(s): g[["x1", "y1", "x2", "y2"]].to_numpy().mean(axis=0) for s, g in dets.groupby("sponsor")}


def test_best_frames_and_evidence_blur_faces_and_keep_logos_sharp(runs: dict[str, Path]) -> None:
    _, faces, shirt = scene()
    logos = _logos(runs["blurred"])
    assert set(logos) == {"Santander", "Emirates"}  # the reader found the board and the shirt sponsor
    found = logos["Emirates"]
    assert (found[:2] >= shirt[:2] - 2).all() and (found[2:] <= shirt[2:] + 2).all()  # on the shirt
    for pick in (
        lambda run: run / "out" / "frames" / "best_Santander.jpg",  # only Santander is drawn on it
        lambda run: next((run / "evidence").glob("*_Santander_*.jpg")),
    ):
        blurred, kept = cv2.imread(str(pick(runs["blurred"]))), cv2.imread(str(pick(runs["kept"])))
        scale = blurred.shape[1] / SIZE[0]  # thumbnails are scaled to 960 px wide
        for face in faces:
            before, after = detail(kept, face * scale), detail(blurred, face * scale)
            assert after <= 0.2 * before, (face, before, after)  # detail drops by >= 80 %
        for logo in logos.values():
            before, after = detail(kept, logo * scale), detail(blurred, logo * scale)
            assert abs(after - before) <= 0.1 * before, (logo, before, after)


def test_annotated_video_blurs_faces(runs: dict[str, Path]) -> None:
    _, faces, _ = scene()
    blurred = first_frame(runs["blurred"] / "annotated.mp4")
    kept = first_frame(runs["kept"] / "annotated.mp4")
    for face in faces:
        assert detail(blurred, face) <= 0.2 * detail(kept, face)


def test_no_anonymise_keeps_faces_and_is_recorded(runs: dict[str, Path]) -> None:
    _, faces, _ = scene()
    source = first_frame(runs["video"])
    kept = cv2.imread(str(runs["kept"] / "out" / "frames" / "best_Santander.jpg"))
    scale = kept.shape[1] / SIZE[0]
    small = cv2.resize(source, (kept.shape[1], kept.shape[0]), interpolation=cv2.INTER_AREA)
    for face in faces:
        before, after = detail(small, face * scale), detail(kept, face * scale)
        assert abs(after - before) <= 0.1 * before, (face, before, after)  # only the JPEG in between
    for name, flag in (("blurred", True), ("kept", False)):
        report = json.loads((runs[name] / "out" / "report.json").read_text())
        assert report["settings"]["anonymise"] is flag


def test_report_rewrites_a_missing_best_frame_as_the_analysis_recorded(runs: dict[str, Path]) -> None:
    _, faces, _ = scene()
    details = {}
    for name in ("blurred", "kept"):
        best = runs[name] / "out" / "frames" / "best_Santander.jpg"
        before = cv2.imread(str(best))
        best.unlink()
        res = runner.invoke(app, ["report", str(runs[name] / "out")])
        assert res.exit_code == 0, res.output
        after = cv2.imread(str(best))
        scale = after.shape[1] / SIZE[0]
        for face in faces:
            assert abs(detail(after, face * scale) - detail(before, face * scale)) <= 0.1 * detail(
                before, face * scale
            )
        details[name] = detail(after, faces[0] * scale)
    assert details["blurred"] <= 0.2 * details["kept"]


def test_anonymise_blurs_boxes_except_inside_logo_polygons() -> None:
    rng = np.random.default_rng(0)
    image = rng.integers(0, 255, (200, 300, 3), dtype=np.uint8)
    logo = np.array([[120, 120], [200, 120], [200, 160], [120, 160]], dtype=np.float64)
    out = anonymise(image.copy(), np.array([[100, 50, 220, 170, 0.9]]), keep=[logo], margin=0.0)
    np.testing.assert_array_equal(out[120:160, 120:200], image[120:160, 120:200])  # the logo, untouched
    assert detail(out, np.array([100, 50, 220, 115])) < 0.05 * detail(image, np.array([100, 50, 220, 115]))
    np.testing.assert_array_equal(out[:, :95], image[:, :95])  # outside the face box, untouched


def test_review_blurs_faces_in_sampled_frames_label_images_and_the_sheet(tmp_path: Path) -> None:
    frame, faces, _ = scene(
        boards=(("artwork:Apexa", 60, 420, 330, 70), ("artwork:Helix", 460, 560, 330, 70))
    )
    photo = tmp_path / "in" / "scene.png"
    photo.parent.mkdir()
    cv2.imwrite(str(photo), frame)
    outs = {}
    for name, extra in (("blurred", []), ("kept", ["--no-anonymise"])):
        out = tmp_path / name
        args = ["review", str(photo.parent), "--out", str(out), "--weights", str(DEFAULT_WEIGHTS)]
        res = runner.invoke(app, [*args, "--imgsz", "1280", "--device", "cpu", "--conf", "0.99", *extra])
        assert res.exit_code == 0, res.output
        outs[name] = out
    for folder in ("sampled", "images"):  # the label images are written from the sampled frames
        blurred = cv2.imread(str(outs["blurred"] / folder / "scene.jpg"))
        kept = cv2.imread(str(outs["kept"] / folder / "scene.jpg"))
        for face in faces:
            assert detail(blurred, face) <= 0.2 * detail(kept, face), (folder, face)
    assert (outs["blurred"] / "review.html").exists()


def test_a_missing_face_model_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(faces_module, "MODEL_PACKAGE", "no_such_face_package")
    with pytest.raises(FaceModelMissing, match="--no-anonymise"):
        faces_module.model_path()


def test_every_command_that_writes_pictures_takes_the_shared_anonymise_option() -> None:
    import typer.main

    from cli.options import ANONYMISE_HELP

    commands = typer.main.get_command(app).commands  # type: ignore[attr-defined]
    for name in ("analyze", "demo", "review", "train", "adapt"):
        (option,) = [p for p in commands[name].params if p.name == "anonymise"]
        assert option.default is True and option.help == ANONYMISE_HELP, name
        assert "--no-anonymise" in option.secondary_opts, name
