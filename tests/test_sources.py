"""vision.io.sources on videos generated here: timestamps, sampling, damage, rotation, errors."""

from __future__ import annotations

import math
import os
import sys
import threading
import time
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np
import pytest
from media_factory import (
    frame_id,
    is_blue_bottom,
    truncate,
    write_audio_only,
    write_av_video,
    write_cv_video,
)

from vision.io import sources
from vision.io.discovery import is_image_path, is_video_path
from vision.io.sources import SourceError, open_video

VFR_PTS_MS = [0, 40, 80, 200, 240, 400, 440, 480, 700, 740]


def _frames(path, **kw):
    with open_video(path, **kw) as src:
        frames = list(src)
        return src, frames


# ------------------------------------------------------------------------------------ CFR files


@pytest.mark.parametrize(("name", "fourcc"), [("clip.mp4", "mp4v"), ("clip.avi", "MJPG")])
def test_cfr_file_counts_times_and_pixels(tmp_path: Path, name: str, fourcc: str) -> None:
    path = write_cv_video(tmp_path / name, fourcc, n=30, fps=25.0)
    src, frames = _frames(path)
    assert (src.info.frames, src.info.fps, src.info.width, src.info.height) == (30, 25.0, 160, 120)
    assert src.info.duration_s == pytest.approx(1.2, abs=1e-6)
    assert src.info.rotation == 0 and not src.info.is_stream
    assert [f.index for f in frames] == list(range(30))
    assert [f.t for f in frames] == pytest.approx([i / 25 for i in range(30)], abs=1e-6)
    for f in frames:
        assert f.image.dtype == np.uint8 and f.image.shape == (120, 160, 3)
        assert frame_id(f.image) == f.index and is_blue_bottom(f.image)
    assert src.timeline_end() == pytest.approx(1.2, abs=1e-6)
    assert src.stopped is None and src.decoded_frames == 30


def test_prefetch_thread_and_inline_decoding_agree(tmp_path: Path) -> None:
    path = write_cv_video(tmp_path / "clip.avi", "MJPG", n=20)
    _, threaded = _frames(path, prefetch=3)
    _, inline = _frames(path, prefetch=0)
    assert [(f.index, f.t) for f in threaded] == [(f.index, f.t) for f in inline]
    assert all(np.array_equal(a.image, b.image) for a, b in zip(threaded, inline, strict=True))


# ----------------------------------------------------------------------------------- sampling


def test_sample_fps_picks_every_fifth_frame_at_25fps(tmp_path: Path) -> None:
    path = write_cv_video(tmp_path / "clip.mp4", "mp4v", n=50, fps=25.0)
    src, frames = _frames(path, sample_fps=5)
    assert [f.index for f in frames] == list(range(0, 50, 5))
    assert [f.t for f in frames] == pytest.approx([i / 25 for i in range(0, 50, 5)], abs=1e-6)
    assert [frame_id(f.image) for f in frames] == list(range(0, 50, 5))
    assert src.decoded_frames == 50
    assert src.timeline_end() == pytest.approx(2.0, abs=1e-6)  # the last analysed frame stands to the end


def test_sample_fps_uneven_ratio_takes_first_frame_at_or_after_each_target(tmp_path: Path) -> None:
    path = write_cv_video(tmp_path / "clip.avi", "MJPG", n=50, fps=25.0)
    _, frames = _frames(path, sample_fps=7)
    # frame i is at i/25 s; the first frame at or after target k/7 s is ceil(25k/7)
    expected = [math.ceil(25 * k / 7 - 1e-9) for k in range(14) if math.ceil(25 * k / 7 - 1e-9) < 50]
    assert [f.index for f in frames] == expected


def test_sample_fps_above_frame_rate_yields_every_frame(tmp_path: Path) -> None:
    path = write_cv_video(tmp_path / "clip.avi", "MJPG", n=12, fps=25.0)
    _, frames = _frames(path, sample_fps=100)
    assert [f.index for f in frames] == list(range(12))


def test_skipped_frames_are_grabbed_but_never_converted(tmp_path: Path, monkeypatch) -> None:
    path = write_cv_video(tmp_path / "clip.avi", "MJPG", n=40, fps=25.0)
    calls = {"grab": 0, "retrieve": 0}

    real_capture = cv2.VideoCapture

    class CountingCapture:  # a wrapper: subclasses of cv2.VideoCapture crash the garbage collector
        def __init__(self, *args):
            self._cap = real_capture(*args)

        def grab(self):
            calls["grab"] += 1
            return self._cap.grab()

        def retrieve(self, *a):
            calls["retrieve"] += 1
            return self._cap.retrieve(*a)

        def __getattr__(self, name):
            return getattr(self._cap, name)

    monkeypatch.setattr(sources.cv2, "VideoCapture", CountingCapture)
    _, frames = _frames(path, sample_fps=2.5)
    assert [f.index for f in frames] == [0, 10, 20, 30]
    assert calls["retrieve"] == 4
    assert calls["grab"] == 41  # 40 frames and the grab that finds the end


@pytest.mark.parametrize("bad", [0, -1, float("nan"), float("inf"), "five"])
def test_sample_fps_must_be_positive(tmp_path: Path, bad) -> None:
    path = write_cv_video(tmp_path / "clip.avi", "MJPG", n=3)
    with pytest.raises(ValueError, match="sample_fps"):
        open_video(path, sample_fps=bad)


# ------------------------------------------------------------------ variable frame rate / no fps


@pytest.mark.parametrize("name", ["vfr.mp4", "vfr.mkv", "vfr.avi"])
def test_variable_frame_rate_timestamps_come_from_the_container(tmp_path: Path, name: str) -> None:
    path = write_av_video(tmp_path / name, VFR_PTS_MS)
    src, frames = _frames(path)
    assert [f.t for f in frames] == [p / 1000 for p in VFR_PTS_MS]
    assert [f.index for f in frames] == list(range(len(VFR_PTS_MS)))
    assert [frame_id(f.image) for f in frames] == list(range(len(VFR_PTS_MS)))
    assert src.timeline_end() == pytest.approx(0.78, abs=0.003)  # last pts + its 40 ms
    assert src.stopped is None
    assert src.info.frames == len(VFR_PTS_MS)


def test_sampling_a_variable_frame_rate_file_uses_true_times(tmp_path: Path) -> None:
    path = write_av_video(tmp_path / "vfr.mkv", VFR_PTS_MS)
    _, frames = _frames(path, sample_fps=10)
    # targets 0, .1, .2, ...: 0 -> t=0; .1 -> t=.2 (frame 3); .3 -> t=.4 (frame 5); .5 -> t=.7 (frame 8)
    assert [(f.index, f.t) for f in frames] == [(0, 0.0), (3, 0.2), (5, 0.4), (8, 0.7)]


def test_file_without_frame_rate_metadata(tmp_path: Path) -> None:
    path = write_av_video(tmp_path / "norate.mkv", VFR_PTS_MS, codec="mjpeg", no_rate=True)
    with av.open(str(path)) as c:
        assert c.streams.video[0].average_rate is None  # the file really carries no rate
    src, frames = _frames(path)
    assert [f.t for f in frames] == [p / 1000 for p in VFR_PTS_MS]
    assert src.info.fps > 0  # guessed from the timestamps by the demuxer
    assert src.timeline_end() == pytest.approx(0.78, abs=0.003)


def test_raw_stream_without_timestamps_or_duration(tmp_path: Path) -> None:
    path = write_av_video(
        tmp_path / "raw.mjpeg", list(range(12)), time_base=Fraction(1, 25), codec="mjpeg", fmt="mjpeg"
    )
    with open_video(path) as src:
        assert (src.info.duration_s, src.info.frames) == (0.0, 0)  # unknown before decoding
        frames = list(src)
        assert len(frames) == 12
        ts = np.array([f.t for f in frames])
        assert ts[0] == 0.0 and np.all(np.diff(ts) > 0)
        assert src.stopped is None
        assert src.info.frames == 12  # measured by the pass
        assert src.info.duration_s == pytest.approx(src.timeline_end())
        assert src.timeline_end() == pytest.approx(ts[-1] + (ts[-1] - ts[-2]))


# --------------------------------------------------------------------------- damaged and invalid


def _one_line_error(exc: pytest.ExceptionInfo, name: str) -> str:
    msg = str(exc.value)
    assert "\n" not in msg and name in msg
    return msg


def test_random_bytes_with_video_extension(tmp_path: Path) -> None:
    path = tmp_path / "corrupt.mp4"
    path.write_bytes(np.random.default_rng(1).integers(0, 256, 20_000, dtype=np.uint8).tobytes())
    with pytest.raises(SourceError) as exc:
        open_video(path)
    assert "cannot decode" in _one_line_error(exc, "corrupt.mp4")


def test_text_file_with_video_extension(tmp_path: Path) -> None:
    path = tmp_path / "notes.mkv"
    path.write_text("this is not a video\n" * 50)
    with pytest.raises(SourceError) as exc:
        open_video(path)
    assert "not a video" in _one_line_error(exc, "notes.mkv")


def test_missing_directory_and_empty_file(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="file not found"):
        open_video(tmp_path / "nope.mp4")
    with pytest.raises(SourceError, match="directory"):
        open_video(tmp_path)
    (tmp_path / "empty.mp4").write_bytes(b"")
    with pytest.raises(SourceError, match="empty file"):
        open_video(tmp_path / "empty.mp4")


@pytest.mark.skipif(sys.platform == "win32" or os.geteuid() == 0, reason="needs POSIX permissions")
def test_unreadable_file(tmp_path: Path) -> None:
    path = write_cv_video(tmp_path / "locked.avi", "MJPG", n=3)
    path.chmod(0)
    with pytest.raises(SourceError, match="cannot read"):
        open_video(path)


def test_zero_frame_video(tmp_path: Path) -> None:
    path = write_cv_video(tmp_path / "zero.avi", "MJPG", n=0)
    assert path.stat().st_size > 0  # a valid AVI header with no frames
    with pytest.raises(SourceError) as exc:
        open_video(path)
    assert "no video frames" in _one_line_error(exc, "zero.avi")


def test_audio_only_file(tmp_path: Path) -> None:
    path = write_audio_only(tmp_path / "talk.m4a")
    with pytest.raises(SourceError) as exc:
        open_video(path)
    assert "no video stream" in _one_line_error(exc, "talk.m4a")


@pytest.mark.parametrize(("name", "fourcc"), [("cut.avi", "MJPG"), ("cut.mkv", "MJPG")])
def test_truncated_file_yields_frames_up_to_the_damage(tmp_path: Path, name: str, fourcc: str) -> None:
    full = write_cv_video(tmp_path / ("full" + Path(name).suffix), fourcc, n=50, fps=25.0)
    cut = truncate(full, tmp_path / name, 0.6)
    src, frames = _frames(cut)
    n = len(frames)
    assert 15 <= n <= 35  # about 60 % of the 50 frames
    assert [f.index for f in frames] == list(range(n))
    assert [frame_id(f.image) for f in frames] == list(range(n))
    assert [f.t for f in frames] == pytest.approx([i / 25 for i in range(n)], abs=1e-6)
    assert src.stopped is not None
    assert src.stopped.frame == n
    assert src.stopped.t == pytest.approx(n / 25, abs=1e-6) == pytest.approx(src.timeline_end())
    assert "truncated or damaged" in src.stopped.reason and "2.000 s" in src.stopped.reason
    assert src.info.frames == 50  # the header's promise is kept for the report


def test_complete_file_is_not_reported_as_stopped_after_a_partial_read(tmp_path: Path) -> None:
    path = write_cv_video(tmp_path / "clip.avi", "MJPG", n=40)
    with open_video(path, prefetch=2) as src:
        baseline = threading.active_count()
        for f in src:
            if f.index == 0:
                during = threading.active_count()
            if f.index == 3:
                break
        assert during == baseline + 1  # one decoder thread while iterating
        assert threading.active_count() == baseline  # and it has ended with the loop
        assert src.stopped is None
        assert src.timeline_end() == pytest.approx(4 / 25, abs=1e-6)  # frame 3 stands for one frame
        again = list(src)  # a second pass starts from frame 0
        assert [f.index for f in again] == list(range(40))
        assert src.timeline_end() == pytest.approx(1.6, abs=1e-6)


def test_decoding_stays_a_bounded_distance_ahead(tmp_path: Path) -> None:
    path = write_cv_video(tmp_path / "clip.avi", "MJPG", n=120)
    with open_video(path, prefetch=4) as src:
        it = iter(src)
        next(it)
        time.sleep(0.3)  # let the thread run as far ahead as it can
        run = src._active[0]
        assert run.dec_count <= 1 + 4 + 2  # consumed + queue + one in hand
        assert len(list(it)) == 119


def test_batches(tmp_path: Path) -> None:
    path = write_cv_video(tmp_path / "clip.avi", "MJPG", n=11)
    with open_video(path) as src:
        batches = list(src.batches(4))
        assert [len(b) for b in batches] == [4, 4, 3]
        assert [f.index for b in batches for f in b] == list(range(11))
        with pytest.raises(ValueError):
            list(src.batches(0))


# --------------------------------------------------------------------------------- rotation, paths


@pytest.mark.parametrize(("ccw", "cw", "corner"), [(90, 270, "bottom-left"), (-90, 90, "top-right")])
def test_rotated_phone_video_is_turned_upright(tmp_path: Path, ccw: int, cw: int, corner: str) -> None:
    def marked(i: int) -> np.ndarray:
        img = np.zeros((48, 64, 3), np.uint8)
        img[:12, :16] = 255  # white block in the stored picture's top-left corner
        return img

    path = write_av_video(tmp_path / "phone.mp4", [0, 40, 80], rotation=ccw, image=marked)
    src, frames = _frames(path)
    assert src.info.rotation == cw
    assert (src.info.width, src.info.height) == (48, 64)
    img = frames[0].image
    assert img.shape == (64, 48, 3)
    ys, xs = np.nonzero(img[..., 0] > 128)
    at_top, at_left = ys.mean() < 32, xs.mean() < 24
    assert (at_top, at_left) == {"bottom-left": (False, True), "top-right": (True, False)}[corner]


def test_unicode_path(tmp_path: Path) -> None:
    path = write_cv_video(tmp_path / "vidéo ünï 視頻 🎥.avi", "MJPG", n=5)
    src, frames = _frames(path)
    assert len(frames) == 5 and src.info.path.endswith("視頻 🎥.avi")


@pytest.mark.skipif(sys.platform != "linux", reason="needs a file system that takes any bytes")
def test_path_that_is_not_utf8(tmp_path: Path) -> None:
    raw = os.fsencode(tmp_path) + b"/caf\xe9.avi"
    path = os.fsdecode(raw)
    write_cv_video(tmp_path / "plain.avi", "MJPG", n=4).rename(path)
    src, frames = _frames(path)
    assert len(frames) == 4
    assert src.info.path.endswith("caf\\xe9.avi")  # the byte shown as an escape, as in every message
    missing = os.fsdecode(os.fsencode(tmp_path) + b"/gon\xe9.avi")
    with pytest.raises(SourceError, match="file not found"):
        open_video(missing)


# --------------------------------------------------------------------------------------- streams


def test_unreachable_stream_fails_fast_with_redacted_url() -> None:
    start = time.monotonic()
    with pytest.raises(SourceError) as exc:
        open_video("rtsp://viewer:s3cret@127.0.0.1:1/live")
    msg = str(exc.value)
    assert "cannot open stream" in msg and "s3cret" not in msg and "viewer:***@127.0.0.1" in msg
    assert time.monotonic() - start < 10


def test_url_detection() -> None:
    assert sources.is_stream_url("rtsp://cam/1") and sources.is_stream_url("https://x/y.m3u8")
    assert not sources.is_stream_url("clips/a.mp4") and not sources.is_stream_url(Path("rtsp://x"))
    assert is_video_path("A.MP4") and not is_video_path("a.jpg") and is_image_path("b.TIF")


def test_analysed_fps_and_sample_rule(tmp_path: Path) -> None:
    path = write_cv_video(tmp_path / "clip.avi", "MJPG", n=5, fps=25.0)
    with open_video(path, sample_fps=5) as src:
        assert src.analysed_fps == 5.0
    with open_video(path, sample_fps=60) as src:
        assert src.analysed_fps == 25.0
    with open_video(path) as src:
        assert src.analysed_fps == 25.0
        list(src)
        assert src.end_time() == src.timeline_end() == pytest.approx(0.2)
    rule = sources.SampleRule(10)
    assert [t for t in (0.0, 0.04, 0.08, 0.2, 0.24, 0.4) if rule.picks(t)] == [0.0, 0.2, 0.4]
