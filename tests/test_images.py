"""vision.io.images on photos generated here: orientation, colour modes, size limits, errors, walking."""

from __future__ import annotations

import os
import struct
import sys
import zlib
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image, JpegImagePlugin

from vision.io import images
from vision.io.images import MAX_IMAGE_PIXELS, ImageError, iter_images, load_image

# Four flat patches (RGB): red, green, blue, yellow, in the quadrants TL, TR, BL, BR.
PATCHES_RGB = [(220, 30, 30), (30, 200, 40), (20, 40, 210), (230, 220, 20)]


def patches_rgb(w: int = 64, h: int = 48) -> np.ndarray:
    img = np.zeros((h, w, 3), np.uint8)
    img[: h // 2, : w // 2] = PATCHES_RGB[0]
    img[: h // 2, w // 2 :] = PATCHES_RGB[1]
    img[h // 2 :, : w // 2] = PATCHES_RGB[2]
    img[h // 2 :, w // 2 :] = PATCHES_RGB[3]
    return img


def quadrant_means_bgr(img: np.ndarray) -> list[tuple[float, float, float]]:
    """Mean BGR of the centre of each quadrant (TL, TR, BL, BR)."""
    h, w = img.shape[:2]
    out = []
    for y0, x0 in ((0, 0), (0, w // 2), (h // 2, 0), (h // 2, w // 2)):
        q = img[y0 + h // 8 : y0 + 3 * h // 8, x0 + w // 8 : x0 + 3 * w // 8]
        out.append(tuple(float(v) for v in q.reshape(-1, 3).mean(axis=0)))
    return out


def assert_patches(img: np.ndarray, tol: float) -> None:
    assert img.dtype == np.uint8 and img.ndim == 3 and img.shape[2] == 3
    for got, want_rgb in zip(quadrant_means_bgr(img), PATCHES_RGB, strict=True):
        assert np.allclose(got, want_rgb[::-1], atol=tol), (got, want_rgb[::-1])


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims ``width`` x ``height`` pixels (a decompression bomb shape)."""

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + chunk(b"IEND", b"")
    )


# ------------------------------------------------------------------------------------ orientation


@pytest.mark.parametrize("orientation", [1, 3, 6, 8])
def test_exif_orientation_is_applied(tmp_path: Path, orientation: int) -> None:
    stored = patches_rgb(64, 32)
    path = tmp_path / f"o{orientation}.jpg"
    exif = Image.Exif()
    exif[0x0112] = orientation
    Image.fromarray(stored).save(path, quality=95, exif=exif)
    img = load_image(path)
    # the stored picture turned as a viewer shows it: 3 = 180°, 6 = 90° clockwise, 8 = 90° anticlockwise
    turn = {1: None, 3: cv2.ROTATE_180, 6: cv2.ROTATE_90_CLOCKWISE, 8: cv2.ROTATE_90_COUNTERCLOCKWISE}
    expected = (
        stored[..., ::-1] if turn[orientation] is None else cv2.rotate(stored[..., ::-1], turn[orientation])
    )
    assert img.shape == expected.shape
    assert np.abs(img.astype(int) - expected).mean() < 6
    # OpenCV's own decoder, which also honours EXIF orientation for JPEG, agrees
    assert np.abs(img.astype(int) - cv2.imread(str(path), cv2.IMREAD_COLOR)).max() <= 8


def test_orientation_kept_when_downscaling(tmp_path: Path) -> None:
    exif = Image.Exif()
    exif[0x0112] = 6
    Image.fromarray(patches_rgb(640, 320)).save(tmp_path / "o6.jpg", quality=95, exif=exif)
    img = load_image(tmp_path / "o6.jpg", max_side=100)
    assert img.shape == (100, 50, 3)


# -------------------------------------------------------------------------------- colour modes


def test_rgb_png_webp_bmp_are_exact(tmp_path: Path) -> None:
    rgb = patches_rgb()
    for name, kw in (("a.png", {}), ("a.webp", {"lossless": True}), ("a.bmp", {}), ("a.tiff", {})):
        Image.fromarray(rgb).save(tmp_path / name, **kw)
        img = load_image(tmp_path / name)
        assert np.array_equal(img, rgb[..., ::-1]), name
        assert img.flags["C_CONTIGUOUS"]


def test_lossy_webp_and_jpeg(tmp_path: Path) -> None:
    Image.fromarray(patches_rgb()).save(tmp_path / "a.webp", quality=90)
    Image.fromarray(patches_rgb()).save(tmp_path / "a.jpeg", quality=95)
    assert_patches(load_image(tmp_path / "a.webp"), tol=12)
    assert_patches(load_image(tmp_path / "a.jpeg"), tol=12)


@pytest.mark.parametrize("name", ["grey.png", "grey.jpg", "bilevel.png"])
def test_grey_images_become_three_equal_channels(tmp_path: Path, name: str) -> None:
    grey = np.tile(np.linspace(0, 255, 64).astype(np.uint8), (48, 1))
    pil = Image.fromarray(grey)
    if name.startswith("bilevel"):
        pil = pil.convert("1")
        grey = np.asarray(pil.convert("L"))
    pil.save(tmp_path / name)
    img = load_image(tmp_path / name)
    assert img.shape == (48, 64, 3)
    assert np.array_equal(img[..., 0], img[..., 1]) and np.array_equal(img[..., 1], img[..., 2])
    assert np.abs(img[..., 0].astype(int) - grey).mean() < 3


def test_16bit_grey_png_is_scaled_to_8bit(tmp_path: Path) -> None:
    v16 = (np.arange(48 * 64).reshape(48, 64) * 21).astype(np.uint16)
    assert cv2.imwrite(str(tmp_path / "g16.png"), v16)
    assert Image.open(tmp_path / "g16.png").mode.startswith("I")  # really a 16-bit file
    img = load_image(tmp_path / "g16.png")
    assert np.array_equal(img[..., 1], np.round(v16 / 257).astype(np.uint8))


def test_16bit_colour_png_keeps_channel_order(tmp_path: Path) -> None:
    bgr16 = patches_rgb()[..., ::-1].astype(np.uint16) * 257 + 100
    assert cv2.imwrite(str(tmp_path / "c16.png"), bgr16)
    assert_patches(load_image(tmp_path / "c16.png"), tol=1)


@pytest.mark.parametrize(("name", "tol"), [("cmyk.tif", 0), ("cmyk.jpg", 12)])
def test_cmyk_images(tmp_path: Path, name: str, tol: float) -> None:
    cmyk = Image.fromarray(patches_rgb()).convert("CMYK")
    cmyk.save(tmp_path / name)
    assert Image.open(tmp_path / name).mode == "CMYK"
    assert_patches(load_image(tmp_path / name), tol=tol)


def test_adobe_inverted_cmyk_jpeg(tmp_path: Path) -> None:
    """Photoshop stores CMYK JPEGs inverted behind an Adobe APP14 marker; check it is honoured."""
    cmyk = Image.fromarray(patches_rgb()).convert("CMYK")
    cmyk.save(tmp_path / "adobe.jpg", quality=95)
    data = (tmp_path / "adobe.jpg").read_bytes()
    if b"Adobe" not in data[:2000]:
        pytest.skip("this Pillow writes CMYK JPEG without the Adobe marker")
    assert_patches(load_image(tmp_path / "adobe.jpg"), tol=12)


def test_palette_png_with_and_without_transparency(tmp_path: Path) -> None:
    pal = Image.fromarray(patches_rgb()).quantize(colors=4)
    pal.save(tmp_path / "p.png")
    assert Image.open(tmp_path / "p.png").mode == "P"
    assert_patches(load_image(tmp_path / "p.png"), tol=0)
    # make the palette entry of the top-left patch transparent: it must come out black
    tl_index = int(np.asarray(pal)[0, 0])
    pal.save(tmp_path / "pt.png", transparency=tl_index)
    img = load_image(tmp_path / "pt.png")
    assert quadrant_means_bgr(img)[0] == (0.0, 0.0, 0.0)
    assert np.allclose(quadrant_means_bgr(img)[1], PATCHES_RGB[1][::-1], atol=0)


def test_rgba_is_composited_on_black(tmp_path: Path) -> None:
    rgba = np.zeros((48, 64, 4), np.uint8)
    rgba[..., :3] = (200, 100, 50)
    rgba[:, :20, 3] = 255
    rgba[:, 20:40, 3] = 128
    rgba[:, 40:, 3] = 0
    Image.fromarray(rgba, "RGBA").save(tmp_path / "a.png")
    img = load_image(tmp_path / "a.png")
    assert img.shape == (48, 64, 3)
    assert tuple(img[10, 5]) == (50, 100, 200)
    assert tuple(img[10, 30]) == (25, 50, 100)  # 128/255 of the colour, rounded
    assert tuple(img[10, 50]) == (0, 0, 0)


def test_grey_with_alpha(tmp_path: Path) -> None:
    la = np.zeros((48, 64, 2), np.uint8)
    la[..., 0] = 180
    la[:, :32, 1] = 255
    Image.fromarray(la, "LA").save(tmp_path / "la.png")
    img = load_image(tmp_path / "la.png")
    assert tuple(img[5, 5]) == (180, 180, 180) and tuple(img[5, 50]) == (0, 0, 0)


# ------------------------------------------------------------------------------------ big images


def test_8k_image_full_and_fast_downscaled(tmp_path: Path, monkeypatch) -> None:
    big = cv2.resize(patches_rgb(64, 36)[..., ::-1], (7680, 4320), interpolation=cv2.INTER_NEAREST)
    assert cv2.imwrite(str(tmp_path / "8k.jpg"), big, [cv2.IMWRITE_JPEG_QUALITY, 85])
    full = load_image(tmp_path / "8k.jpg")
    assert full.shape == (4320, 7680, 3)
    assert_patches(full, tol=8)

    decoded_sizes = []
    real_draft = JpegImagePlugin.JpegImageFile.draft

    def spy(self, mode, size):
        result = real_draft(self, mode, size)
        decoded_sizes.append(self.size)
        return result

    monkeypatch.setattr(JpegImagePlugin.JpegImageFile, "draft", spy)
    small = load_image(tmp_path / "8k.jpg", max_side=1280)
    assert small.shape == (720, 1280, 3)
    assert_patches(small, tol=8)
    # the JPEG was decoded at a reduced scale (1/2, 1/4 or 1/8), not at full size then shrunk
    assert decoded_sizes and decoded_sizes[0][0] < 7680 and decoded_sizes[0][0] >= 1280


def test_max_side_never_enlarges_and_is_validated(tmp_path: Path) -> None:
    Image.fromarray(patches_rgb()).save(tmp_path / "a.png")
    assert load_image(tmp_path / "a.png", max_side=1000).shape == (48, 64, 3)
    assert load_image(tmp_path / "a.png", max_side=32).shape == (24, 32, 3)
    for bad in (0, -5, 2.5):
        with pytest.raises(ValueError, match="max_side"):
            load_image(tmp_path / "a.png", max_side=bad)


@pytest.mark.parametrize(("w", "h"), [(13_000, 12_000), (40_000, 40_000)])
def test_decompression_bomb_is_refused(tmp_path: Path, w: int, h: int) -> None:
    assert w * h > MAX_IMAGE_PIXELS
    path = tmp_path / "bomb.png"
    path.write_bytes(png_claiming(w, h))
    with pytest.raises(ImageError, match="too large") as exc:
        load_image(path)
    assert "bomb.png" in str(exc.value) and "\n" not in str(exc.value)


# ------------------------------------------------------------------------------- damaged, invalid


def test_damaged_and_invalid_files(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    (tmp_path / "noise.jpg").write_bytes(rng.integers(0, 256, 5000, dtype=np.uint8).tobytes())
    (tmp_path / "notes.jpg").write_text("not a picture at all\n" * 20)
    (tmp_path / "empty.png").write_bytes(b"")
    Image.fromarray(patches_rgb(256, 256)).save(tmp_path / "ok.jpg", quality=90)
    data = (tmp_path / "ok.jpg").read_bytes()
    (tmp_path / "cut.jpg").write_bytes(data[: len(data) // 2])
    Image.fromarray(patches_rgb(256, 256)).save(tmp_path / "ok.png")
    data = (tmp_path / "ok.png").read_bytes()
    (tmp_path / "cut.png").write_bytes(data[: len(data) // 2])
    cases = {
        "noise.jpg": "not an image",
        "notes.jpg": "not an image",
        "empty.png": "empty file",
        "cut.jpg": "cannot decode",
        "cut.png": "cannot decode",
        "missing.png": "file not found",
    }
    for name, reason in cases.items():
        with pytest.raises(ImageError) as exc:
            load_image(tmp_path / name)
        msg = str(exc.value)
        assert name in msg and reason in msg and "\n" not in msg, msg
    with pytest.raises(ImageError, match="directory"):
        load_image(tmp_path)


def test_unicode_and_non_utf8_paths(tmp_path: Path) -> None:
    name = tmp_path / "фото ünï 写真 📷.png"
    Image.fromarray(patches_rgb()).save(name)
    assert_patches(load_image(name), tol=0)
    if sys.platform == "linux":
        raw = os.fsdecode(os.fsencode(tmp_path) + b"/caf\xe9.png")
        name.rename(raw)
        assert_patches(load_image(raw), tol=0)
        assert [p.name for p in iter_images([tmp_path])] == [Path(raw).name]


# ------------------------------------------------------------------------------------ iter_images


def test_iter_images_recurses_sorted_by_suffix(tmp_path: Path) -> None:
    files = ["b.jpg", "a.PNG", "sub/z.webp", "sub/deeper/c.TIFF", "sub/y.bmp", "sub/m.JPEG", "sub/x.tif"]
    for f in files:
        (tmp_path / f).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / f).write_bytes(b"x")
    for f in ["notes.txt", "clip.mp4", ".hidden.jpg", ".cache/d.jpg", "sub/noext"]:
        (tmp_path / f).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / f).write_bytes(b"x")
    got = list(iter_images([tmp_path]))
    assert got == sorted(tmp_path / f for f in files)
    # a file named directly, then its folder: each file once, in the order of the arguments
    again = list(iter_images([tmp_path / "sub/y.bmp", tmp_path / "sub"]))
    assert again[0] == tmp_path / "sub/y.bmp" and len(again) == 5 and len(set(again)) == 5
    with pytest.raises(ImageError, match="not found"):
        list(iter_images([tmp_path / "nowhere"]))
    with pytest.raises(ImageError, match="not an image file name"):
        list(iter_images([tmp_path / "notes.txt"]))
    assert images.is_image_path("X.JpG") and not images.is_image_path("x.gif")
