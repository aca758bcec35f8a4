"""The helpers every command shares: typed errors and their exit codes, error text, path display,
media suffixes and discovery, and decoding. One folder must give the same files to every command."""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

import cv2
import numpy as np
import pytest
import typer
from PIL import Image
from typer.testing import CliRunner

from cli.errors import user_errors
from cli.main import app
from measure.errors import (
    EXIT_CONFIG,
    EXIT_INPUT,
    EXIT_MODEL,
    EXIT_OUTPUT,
    ConfigError,
    InputError,
    ModelError,
    OutputError,
    exit_code,
    first_line,
)
from measure.hashing import sha256_file, sha256_path, sha256_text
from measure.jsonable import jsonable
from measure.paths import display_path
from measure.store import atomic_path, write_bytes_atomic, write_text_atomic
from vision.batch.sources import discover
from vision.inference.modelcard import WeightsError
from vision.inference.reader import ReaderError
from vision.io.discovery import is_image_path, is_video_path, media_files
from vision.io.images import iter_images
from vision.io.sources import SourceError
from vision.training.synth import expand_backgrounds, load_backgrounds

runner = CliRunner()


def test_typed_errors_carry_their_exit_code_and_stay_value_or_os_errors() -> None:
    assert [exit_code(e) for e in (InputError("x"), ModelError("x"), ConfigError("x"), OutputError("x"))] == [
        EXIT_INPUT,
        EXIT_MODEL,
        EXIT_CONFIG,
        EXIT_OUTPUT,
    ]
    assert exit_code(SourceError("x")) == EXIT_INPUT and exit_code(WeightsError("x")) == EXIT_MODEL
    assert exit_code(ReaderError("x")) == EXIT_MODEL
    assert isinstance(InputError("x"), ValueError) and isinstance(OutputError("x"), OSError)
    # a plain ValueError is a bug, not bad input: no exit code of its own
    assert exit_code(ValueError("x")) is None and exit_code(OSError(28, "full")) is None


@pytest.mark.parametrize(
    ("exc", "code", "line"),
    [
        (InputError("bad.mp4: cannot decode\nmore detail"), EXIT_INPUT, "error: bad.mp4: cannot decode"),
        (ConfigError("rates.toml: field x"), EXIT_CONFIG, "error: rates.toml: field x"),
        (ValueError("not the user's fault"), 1, "error: internal error: ValueError: not the user's fault"),
    ],
)
def test_the_cli_maps_the_exit_code_and_prints_the_first_line(exc: Exception, code: int, line: str) -> None:
    cmd = typer.Typer()

    @cmd.command()
    @user_errors
    def run() -> None:
        raise exc

    res = runner.invoke(cmd, [])
    assert res.exit_code == code
    assert res.stderr.strip().splitlines()[0].startswith(line)


def test_first_line_skips_blank_lines_and_names_the_type_when_empty() -> None:
    assert first_line(ValueError("\n  first \nsecond")) == "first"
    assert first_line(KeyError()) == "KeyError"


def test_a_non_utf8_file_name_shows_the_same_in_every_message(tmp_path: Path) -> None:
    name = os.fsdecode(b"caf\xe9")
    assert display_path(tmp_path / f"{name}.mp4").endswith("caf\\xe9.mp4")
    for args in (
        ["analyze", str(tmp_path / f"{name}.mp4"), "--out", str(tmp_path / "o1")],
        ["photos", str(tmp_path / f"{name}.jpg"), "--out", str(tmp_path / "o2")],
    ):
        res = runner.invoke(app, args)
        assert res.exit_code == EXIT_INPUT, res.output
        assert "caf\\xe9" in res.stderr and "\\udce9" not in res.stderr, res.stderr


def _media_folder(root: Path) -> None:
    """A folder with every kind of file a command meets: photos and videos of the less common
    suffixes, hidden files and folders, and non-media files."""
    img = np.full((24, 32, 3), 128, np.uint8)
    (root / "sub").mkdir(parents=True)
    (root / ".cache").mkdir()
    for name in ("a.jpg", "b.tif", "sub/c.png", ".hidden.jpg", ".cache/d.jpg"):
        assert cv2.imwrite(str(root / name), img)
    (root / "b.tif").rename(root / "b.TIF")  # suffixes match in any case
    for name in ("e.mpg", "f.MXF", "notes.txt"):
        (root / name).write_bytes(b"\0" * 16)


def test_one_folder_gives_the_same_media_to_every_command(tmp_path: Path) -> None:
    _media_folder(tmp_path)
    photos = [p.relative_to(tmp_path).as_posix() for p in iter_images([tmp_path])]
    assert photos == ["a.jpg", "b.TIF", "sub/c.png"]
    media = [p.relative_to(tmp_path).as_posix() for p in media_files(tmp_path)]
    assert media == ["a.jpg", "b.TIF", "e.mpg", "f.MXF", "sub/c.png"]
    batch = {Path(p).relative_to(tmp_path).as_posix(): kind for p, kind in discover([tmp_path])}
    assert batch == {
        "a.jpg": "photo",
        "b.TIF": "photo",
        "e.mpg": "video",
        "f.MXF": "video",
        "sub/c.png": "photo",
    }
    backgrounds = [p.relative_to(tmp_path).as_posix() for p in expand_backgrounds([tmp_path])]
    assert backgrounds == media  # train --backgrounds takes .tif, .mpg and .mxf like analyze and photos
    assert is_image_path("x.tiff") and is_video_path("x.mxf") and not is_video_path("x.txt")


def test_training_backgrounds_are_decoded_upright_like_photos(tmp_path: Path) -> None:
    # a 40 x 20 landscape picture stored as 20 x 40 with EXIF orientation 6 (rotate 90 degrees on display)
    stored = np.zeros((40, 20, 3), np.uint8)
    stored[:, :10] = (255, 0, 0)
    path = tmp_path / "rotated.jpg"
    exif = Image.Exif()
    exif[0x0112] = 6
    Image.fromarray(stored).save(path, exif=exif)
    (bg,) = load_backgrounds([path], np.random.default_rng(0))
    assert bg.shape[:2] == (20, 40)


REPO = Path(__file__).resolve().parent.parent
#: The one module allowed to do each job (issue 21: one module each for atomic writes, JSON
#: cleaning and hashing). Other modules call them.
ONE_HOME = {
    "os.replace(": {"measure/store.py"},
    "hashlib.sha256(": {"measure/hashing.py"},
    "math.isfinite(obj)": {"measure/jsonable.py"},
}


def test_atomic_writes_json_cleaning_and_hashing_each_live_in_one_module() -> None:
    code = [p for d in ("vision", "measure", "cli", "bench") for p in (REPO / d).rglob("*.py")]
    for needle, homes in ONE_HOME.items():
        found = {p.relative_to(REPO).as_posix() for p in code if needle in p.read_text(encoding="utf-8")}
        assert found == homes, f"{needle} outside {homes}: {sorted(found - homes)}"


def test_an_atomic_write_that_fails_leaves_neither_file_nor_temporary(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "clip.mp4"
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        assert tmp.parent == target.parent and tmp.suffix == ".mp4"  # writers pick formats by suffix
        tmp.write_bytes(b"half")
        raise RuntimeError("killed mid-write")
    assert list(target.parent.iterdir()) == []
    write_text_atomic(target, "whole")
    assert target.read_text() == "whole" and [p.name for p in target.parent.iterdir()] == ["clip.mp4"]
    (tmp_path / "ro").mkdir()
    (tmp_path / "ro").chmod(0o500)
    if os.geteuid() != 0:  # root writes anywhere
        with pytest.raises(OutputError, match="cannot write"):
            write_bytes_atomic(tmp_path / "ro" / "x.json", b"{}")


def test_json_cleaning_makes_strict_json_of_what_the_tool_writes(tmp_path: Path) -> None:
    @dataclasses.dataclass
    class Recipe:
        size: tuple[int, int] = (1, 2)
        where: Path = tmp_path

    data = {1: [np.float32(0.5), float("nan"), np.int64(3), np.bool_(True)], "r": Recipe(), "t": "caf\udce9"}
    text = json.dumps(jsonable(data), allow_nan=False)
    assert json.loads(text) == {
        "1": [0.5, None, 3, True],
        "r": {"size": [1, 2], "where": str(tmp_path)},
        "t": "caf\\xe9",
    }


def test_a_folder_digest_changes_with_any_file_name_or_byte(tmp_path: Path) -> None:
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "a.bin").write_bytes(b"weights")
    first = sha256_path(tmp_path / "m")
    assert (
        sha256_path(tmp_path / "m" / "a.bin")
        == sha256_file(tmp_path / "m" / "a.bin")
        == sha256_text("weights")
    )
    (tmp_path / "m" / "a.bin").rename(tmp_path / "m" / "b.bin")
    assert sha256_path(tmp_path / "m") != first
