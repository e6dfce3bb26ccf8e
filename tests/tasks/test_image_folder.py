"""Image-folder loader: PNG/JPEG class subfolders written by the tests, modes, sizes, bad files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from ibcomplexity._validation import InputError
from ibcomplexity.tasks.datasets import load_dataset
from ibcomplexity.tasks.image_folder import dataset_from_spec, load_image_folder

H, W = 5, 6  # non-square, so that a swapped height and width would show


def _gray(seed: int, h=H, w=W) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, size=(h, w), dtype=np.uint8)


def _rgb(seed: int, h=H, w=W) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, size=(h, w, 3), dtype=np.uint8)


def _save(path: Path, array: np.ndarray, mode: str | None = None) -> np.ndarray:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(array, mode=mode).save(path)
    return array


def _gray_folder(root: Path) -> dict[str, list[np.ndarray]]:
    """Classes created out of order ('b' before 'a'): labels must follow the sorted names."""
    images = {"b": [], "a": [], "c": []}
    for k, cls in enumerate(images):
        for j in range(k + 1):
            images[cls].append(_save(root / cls / f"{j:02d}.png", _gray(10 * k + j)))
    return images


def test_grayscale_pngs(tmp_path):
    images = _gray_folder(tmp_path / "data")
    (tmp_path / "data" / "a" / "notes.txt").write_text("not an image")
    (tmp_path / "data" / "a" / ".hidden.png").write_bytes(b"junk")  # hidden: skipped
    (tmp_path / "data" / ".cache").mkdir()  # hidden class folder: skipped
    ds = load_image_folder(tmp_path / "data")
    assert ds.shape == (H, W) and ds.n == 6
    assert ds.metadata["class_names"] == ["a", "b", "c"]
    assert ds.metadata["mode"] == "L" and ds.metadata["ignored_files"] == 1
    assert ds.metadata["files_per_class"] == {"a": 2, "b": 1, "c": 3}
    assert ds.y.tolist() == [0, 0, 1, 2, 2, 2]
    expected = np.stack(images["a"] + images["b"] + images["c"]).reshape(6, -1) / 255.0
    np.testing.assert_allclose(ds.x, expected, rtol=0, atol=1e-7)
    assert ds.scaling == "pixels / 255 -> [0, 1]"
    assert "preprocessing" not in ds.metadata


def test_colour_modes(tmp_path):
    """RGB is kept; RGBA loses its alpha channel (colour kept); palette images become RGB."""
    root = tmp_path / "data"
    rgb = _save(root / "x" / "rgb.png", _rgb(1))
    rgba = np.concatenate([_rgb(2), np.full((H, W, 1), 7, np.uint8)], axis=2)
    _save(root / "x" / "rgba.png", rgba, "RGBA")
    palette = np.array([[0, 0, 0], [255, 0, 0], [0, 128, 255]], np.uint8)
    index = np.random.default_rng(3).integers(0, 3, size=(H, W), dtype=np.uint8)
    p_img = Image.fromarray(index, mode="P")
    p_img.putpalette(palette.reshape(-1).tolist())
    (root / "y").mkdir()
    p_img.save(root / "y" / "pal.png")
    ds = load_image_folder(root)
    assert ds.shape == (H, W, 3) and ds.metadata["mode"] == "RGB"
    got = np.rint(ds.x.reshape(3, H, W, 3) * 255).astype(np.uint8)
    np.testing.assert_array_equal(got[0], rgb)
    np.testing.assert_array_equal(got[1], rgba[..., :3])
    np.testing.assert_array_equal(got[2], palette[index])


def test_jpeg_and_nested_files(tmp_path):
    root = tmp_path / "data"
    smooth = np.tile(np.linspace(0, 255, W, dtype=np.uint8), (H, 1))
    img = np.stack([smooth, smooth[::-1, ::-1], np.full_like(smooth, 90)], axis=2)
    for cls in ("cat", "dog"):
        (root / cls / "deep").mkdir(parents=True)
        Image.fromarray(img).save(root / cls / "deep" / "a.JPG", quality=95)
        Image.fromarray(img).save(root / cls / "b.jpeg", quality=95)
    ds = load_image_folder(root)
    assert ds.n == 4 and ds.shape == (H, W, 3)
    assert ds.y.tolist() == [0, 0, 1, 1]
    # JPEG is lossy: close to the original, not equal
    assert np.abs(ds.x.reshape(4, H, W, 3) - img / 255.0).mean() < 0.05


def test_mixed_sizes_need_size(tmp_path):
    root = tmp_path / "data"
    _save(root / "a" / "1.png", _gray(1))
    _save(root / "b" / "1.png", _gray(2, h=8, w=8))
    with pytest.raises(InputError, match=r"different sizes.*5x6.*8x8.*size="):
        load_image_folder(root)
    ds = load_image_folder(root, size=4)
    assert ds.shape == (4, 4)
    assert ds.metadata["preprocessing"] == [
        "resize on load: 2 images to 4x4 (Pillow bilinear, antialiased)"
    ]
    # a constant image stays constant under resizing
    _save(root / "c" / "1.png", np.full((9, 3), 77, np.uint8))
    ds = dataset_from_spec("folder", f"{root}:size=3x2")
    assert ds.shape == (3, 2) and ds.name == "folder"
    np.testing.assert_allclose(ds.x[-1], 77 / 255.0, atol=1e-7)


def test_mixed_modes_need_grayscale(tmp_path):
    root = tmp_path / "data"
    gray = _save(root / "a" / "1.png", _gray(1))
    rgb = _save(root / "b" / "1.png", _rgb(2))
    with pytest.raises(InputError, match=r"mix grayscale and colour.*grayscale=True"):
        load_image_folder(root)
    ds = load_image_folder(root, grayscale=True)
    assert ds.shape == (H, W) and ds.metadata["mode"] == "L"
    np.testing.assert_allclose(ds.x[0], gray.reshape(-1) / 255.0, atol=1e-7)
    # Pillow's L conversion is BT.601 luma in integer arithmetic: within one grey level of it
    luma = rgb.astype(float) @ np.array([0.299, 0.587, 0.114])
    np.testing.assert_allclose(ds.x[1] * 255, luma.reshape(-1), atol=1.0)
    assert "grayscale on load" in ds.metadata["preprocessing"][0]


def test_spec_and_knobs(tmp_path):
    root = tmp_path / "data"
    _gray_folder(root)
    ds = load_dataset(f"folder:{root}")
    assert ds.name == f"folder:{root}" and ds.n == 6
    knobs = load_dataset(f"folder:{root}@classes=1-2,resize=5x3")
    assert knobs.y.tolist() == [1, 2, 2, 2] and knobs.shape == (5, 3)
    assert knobs.metadata["class_names"] == ["a", "b", "c"]  # labels kept: names still apply
    assert load_dataset(f"folder:{root}:grayscale").n == 6
    with pytest.raises(InputError, match="size must be S or HxW"):
        load_dataset(f"folder:{root}:size=big")


def test_bad_folders(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        load_image_folder(tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="no class subfolders"):
        load_image_folder(tmp_path / "empty")
    loose = tmp_path / "loose"
    _save(loose / "1.png", _gray(1))
    with pytest.raises(InputError, match="no class subfolders .it holds 1 loose images"):
        load_image_folder(loose)
    with pytest.raises(InputError, match="is a file"):
        load_image_folder(loose / "1.png")
    root = tmp_path / "data"
    _save(root / "a" / "1.png", _gray(1))
    (root / "b").mkdir()
    (root / "b" / "readme.txt").write_text("x")
    with pytest.raises(InputError, match=r"class folder .*b holds no images"):
        load_image_folder(root)


def test_bad_images(tmp_path):
    root = tmp_path / "data"
    _save(root / "a" / "1.png", _gray(1))
    bad = root / "b" / "broken.png"
    bad.parent.mkdir()
    bad.write_bytes(b"\x89PNG\r\n\x1a\n" + b"garbage" * 10)
    with pytest.raises(InputError, match=r"cannot read image .*broken\.png"):
        load_image_folder(root)
    good = _save(tmp_path / "full.png", _rgb(5, h=40, w=40))
    assert good.shape == (40, 40, 3)
    bad.write_bytes((tmp_path / "full.png").read_bytes()[:200])  # truncated PNG
    with pytest.raises(InputError, match=r"cannot read image .*broken\.png"):
        load_image_folder(root)
    bad.unlink()
    deep = root / "b" / "deep.png"
    Image.fromarray(np.full((H, W), 1000, np.uint16)).save(deep)  # 16-bit grayscale
    with pytest.raises(InputError, match="16-bit or floating point"):
        load_image_folder(root)
    with pytest.raises(InputError, match="grayscale must be True or False"):
        load_image_folder(root, grayscale="yes")
