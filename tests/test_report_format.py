"""``report.json`` as a typed record (measure/report.py) read and written only by measure/folder.py: round
trips of reports the real command line writes, old and future schema versions, malformed reports."""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import cv2
import pandas as pd
import pytest
from typer.testing import CliRunner, Result

from cli.main import app
from measure.errors import EXIT_INPUT, InputError
from measure.folder import read_analysis, read_report, write_analysis
from measure.report import SCHEMA_VERSION, PhotoSource, Report, VideoSource, parse_report

REPO = Path(__file__).resolve().parent.parent
DEMO = REPO / "weights" / "demo.pt"
runner = CliRunner()

pytestmark = pytest.mark.skipif(not DEMO.is_file(), reason="weights/demo.pt is not trained yet")


def cli(*args: object) -> Result:
    """Run ``sponsorlens ARGS`` in this process."""
    return runner.invoke(app, [os.fspath(a) if isinstance(a, Path) else str(a) for a in args])


def one_error_line(res: Result) -> str:
    """The one line a user error prints on stderr (progress bars left out)."""
    lines = [seg.rsplit("\r", 1)[-1] for seg in res.stderr.split("\n") if seg.rsplit("\r", 1)[-1].strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), res.stderr
    assert "Traceback" not in res.output
    return lines[0]


@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A 3 s clip of the demo sponsors analysed by ``analyze`` (with the HTML report) and three of its
    frames analysed by ``photos``, both with the shipped ``weights/demo.pt``."""
    from vision.io.artwork import load_logos
    from vision.training.clip import render_clip

    root = tmp_path_factory.mktemp("real")
    video = root / "clip.mp4"
    render_clip(load_logos(REPO / "weights" / "demo_artwork"), video, seconds=3, size=(640, 360), seed=1)
    fast = ["--weights", DEMO, "--imgsz", "640", "--device", "cpu"]
    res = cli("analyze", video, "--out", root / "video", "--sample-fps", "4", "--html", *fast)
    assert res.exit_code == 0, res.output
    photos = root / "photos"
    photos.mkdir()
    cap = cv2.VideoCapture(str(video))
    for i in range(75):
        ok, frame = cap.read()
        assert ok
        if i in (5, 40, 70):
            cv2.imwrite(str(photos / f"p{i}.jpg"), frame)
    cap.release()
    res = cli("photos", photos, "--out", root / "photos_out", *fast)
    assert res.exit_code == 0, res.output
    return {"video": root / "video", "photos": root / "photos_out"}


def raw(directory: Path) -> dict:
    return json.loads((directory / "report.json").read_text("utf-8"))


@pytest.mark.parametrize("kind", ["video", "photos"])
def test_real_reports_round_trip(real: dict[str, Path], kind: str) -> None:
    d = real[kind]
    data = raw(d)
    assert data["schema_version"] == SCHEMA_VERSION
    a = read_analysis(d)
    assert a.kind == kind
    assert isinstance(a.report.source, VideoSource if kind == "video" else PhotoSource)
    # the typed record gives back every key and value of the file, and writes the same text
    assert a.report.model_dump(mode="json", exclude_unset=True) == data
    assert a.report.to_json() == (d / "report.json").read_text("utf-8")
    # the sponsors rows are sponsors.csv
    csv = pd.read_csv(d / "sponsors.csv")
    assert list(a.sponsors["sponsor"]) == list(csv["sponsor"])
    nullable = ["best_photo", "best_t", "category"]  # None in the report, NaN in a CSV read back
    pd.testing.assert_frame_equal(
        a.sponsors.drop(columns=nullable, errors="ignore").reset_index(drop=True),
        csv.drop(columns=nullable, errors="ignore"),
        check_dtype=False,
    )
    assert a.sponsors["category"].isna().all() and csv["category"].isna().all()  # no categories here
    # detections are read from the file only when asked for
    assert "detections" not in vars(a)
    assert len(a.detections) > 0 and "detections" in vars(a)
    assert len(a.frame_sizes) == len(a.detections) and (a.frame_sizes["width"] > 0).all()
    if kind == "video":
        assert a.report.model.classes[0] == "Apexa" and a.report.settings.sample_fps == 4.0
        assert len(a.segments) == len(pd.read_csv(d / "segments.csv")) > 0
        assert (d / "report.html").is_file() and list((d / "frames").glob("best_*.jpg"))
    else:
        assert a.report.source.photos == 3 and a.report.photos is not None
        assert a.photos is not None and len(a.photos) == 3 and a.appearances is not None


def test_the_video_folder_carries_the_context_and_its_parts_add_up(real: dict[str, Path]) -> None:
    d = real["video"]
    a = read_analysis(d)
    segments = pd.read_csv(d / "segments.csv")
    assert {"placement", "shot_type", "replay"} <= set(segments.columns) and len(segments) > 0
    dets = pd.read_parquet(d / "detections.parquet")
    assert {"placement", "shot_type", "replay"} <= set(dets.columns) and dets["replay"].dtype == bool
    ctx = a.context
    assert a.has_context and set(ctx["dimension"]) == {"placement", "shot_type", "replay"}
    totals = a.sponsors.set_index("sponsor")
    assert (totals["exposure_s"] > 0).any()
    for (name, dim), part in ctx.groupby(["sponsor", "dimension"]):
        for col in ("exposure_s", "quality_s", "media_value", "exposures"):
            assert part[col].sum() == pytest.approx(totals.loc[name, col], rel=1e-9, abs=1e-9), (
                name,
                dim,
                col,
            )
        if totals.loc[name, "exposure_s"] > 0:
            assert part["share_of_exposure"].sum() == pytest.approx(1.0)
    # segments.csv says the same: each sponsor's seconds by replay flag are the context's
    live = segments.groupby(["sponsor", "replay"])["duration_s"].sum()
    for (name, replay), seconds in live.items():
        row = ctx[(ctx["sponsor"] == name) & (ctx["dimension"] == "replay")].set_index("value")
        assert row.loc["replay" if replay else "live", "exposure_s"] == pytest.approx(seconds, abs=1e-9)
    html = (d / "report.html").read_text("utf-8")
    assert 'id="context"' in html and 'id="context-table"' in html and "Exposure by context" in html


def test_a_schema_2_report_reads_without_a_context_table(real: dict[str, Path], tmp_path: Path) -> None:
    old = tmp_path / "v2"
    shutil.copytree(real["video"], old)
    data = raw(old)
    data["schema_version"] = 2
    del data["context"]
    (old / "report.json").write_text(json.dumps(data), "utf-8")
    (old / "report.html").unlink()
    a = read_analysis(old)
    assert a.report.schema_version == 2 and a.report.context is None
    assert a.context.empty and not a.has_context
    assert a.sponsors.equals(read_analysis(real["video"]).sponsors)
    res = cli("report", old)
    assert res.exit_code == 0, res.output
    html = (old / "report.html").read_text("utf-8")
    assert 'id="context-table"' not in html and 'id="kpi-table"' in html


def test_report_of_an_earlier_version_reads_as_version_1(real: dict[str, Path], tmp_path: Path) -> None:
    old = tmp_path / "old"
    shutil.copytree(real["video"], old)
    data = raw(old)
    del data["schema_version"]
    del data["reading"]  # a block earlier versions did not write
    (old / "report.json").write_text(json.dumps(data), "utf-8")
    report = read_report(old)
    assert report.schema_version == 1
    assert report.sponsors == read_report(real["video"]).sponsors
    res = cli("report", old)
    assert res.exit_code == 0, res.output


def test_report_of_a_newer_version_is_refused_with_exit_3(real: dict[str, Path], tmp_path: Path) -> None:
    new = tmp_path / "new"
    shutil.copytree(real["video"], new)
    data = raw(new)
    data["schema_version"] = SCHEMA_VERSION + 1
    (new / "report.json").write_text(json.dumps(data), "utf-8")
    res = cli("report", new)
    assert res.exit_code == EXIT_INPUT
    line = one_error_line(res)
    assert str(new / "report.json") in line and f"schema version {SCHEMA_VERSION + 1}" in line


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda r: r.pop("tool"), "tool: Field required"),
        (lambda r: r["source"].pop("path"), "source.path: Field required"),
        (lambda r: r["sponsors"][0].pop("sponsor"), "sponsors.0.sponsor: Field required"),
        (lambda r: r["source"].update(kind="photos"), "source.photos: Field required"),
        (lambda r: r.update(schema_version="2"), "schema_version must be a whole number"),
        (lambda r: r.update(sponsorz=[]), "sponsorz: Extra inputs are not permitted"),
    ],
)
def test_malformed_report_is_refused_with_one_line(
    real: dict[str, Path], tmp_path: Path, change: Callable[[dict], object], problem: str
) -> None:
    bad = tmp_path / "bad"
    shutil.copytree(real["video"], bad)
    data = raw(bad)
    change(data)
    (bad / "report.json").write_text(json.dumps(data), "utf-8")
    with pytest.raises(InputError, match="^" + re.escape(f"{bad / 'report.json'}: ")) as err:
        read_report(bad)
    assert problem in str(err.value) and "\n" not in str(err.value)
    res = cli("report", bad)
    assert res.exit_code == EXIT_INPUT and problem in one_error_line(res)


def test_writer_refuses_a_malformed_report_and_writes_nothing(real: dict[str, Path], tmp_path: Path) -> None:
    a = read_analysis(real["video"])
    good = a.report.model_dump(mode="json", exclude_unset=True)
    out = tmp_path / "out"
    with pytest.raises(ValueError, match="model: Field required"):
        write_analysis(out, {k: v for k, v in good.items() if k != "model"}, a.sponsors, a.detections)
    assert not out.exists() and list(tmp_path.iterdir()) == []
    written = write_analysis(out, good, a.sponsors, a.detections, segments=a.segments)
    assert isinstance(written, Report) and read_report(out) == written
    assert raw(out) == raw(real["video"])


def test_parse_report_refuses_what_is_not_an_object() -> None:
    with pytest.raises(InputError, match=r"x\.json: not a SponsorLens report"):
        parse_report([1, 2], "x.json")


def test_only_measure_folder_reads_or_writes_report_json() -> None:
    """Every read and write of ``report.json`` goes through measure/folder.py: no other library module
    names the file in code (messages and docstrings may mention it)."""
    found = []
    for package in ("vision", "measure", "cli", "bench"):
        for path in sorted((REPO / package).rglob("*.py")):
            rel = path.relative_to(REPO).as_posix()
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if (
                    isinstance(node, ast.Constant)
                    and node.value == "report.json"
                    and rel != "measure/folder.py"
                ):
                    found.append(f"{rel}:{node.lineno}")
    assert found == []
