"""Preprocessing knobs: each against an independent numpy recomputation, on real data where it is
available; seeds, the fixed order, the spec parser and its errors."""

from __future__ import annotations

import jax
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ibcomplexity._validation import InputError
from ibcomplexity.stats import intrinsic_dimension_mle
from ibcomplexity.tasks._idx import read_idx, write_idx
from ibcomplexity.tasks.datasets import Dataset, load_dataset, load_digits, load_idx, load_npz
from ibcomplexity.tasks.preprocessing import apply_spec, parse_classes, preprocess

CIFAR_SUBSET = ("cifar100-subset", "cifar100_10class_1000.npz")


@pytest.fixture(scope="module")
def digits() -> Dataset:
    return load_digits()


def _images(n=40, h=6, w=6, c=None, classes=4, seed=0) -> Dataset:
    rng = np.random.default_rng(seed)
    shape = (n, h, w) if c is None else (n, h, w, c)
    x = rng.integers(0, 256, size=shape, dtype=np.uint8)
    return Dataset.from_arrays(x, np.arange(n) % classes, scale=255, name="images")


# --- real data ----------------------------------------------------------------------------------


def test_real_mnist_resize_is_block_mean(shared_data):
    folder = shared_data / "mnist"
    images_path = folder / "t10k-images-idx3-ubyte.gz"
    if not images_path.is_file():
        pytest.skip(f"real MNIST test set not found in {folder}")
    ds = load_dataset(f"mnist:{folder}@resize=14")
    raw = read_idx(images_path).astype(np.float64) / 255.0  # (10000, 28, 28)
    expected = (
        raw[:, 0::2, 0::2] + raw[:, 0::2, 1::2] + raw[:, 1::2, 0::2] + raw[:, 1::2, 1::2]
    ) / 4
    assert ds.shape == (14, 14) and ds.n == 10_000
    np.testing.assert_allclose(ds.x, expected.reshape(10_000, -1), rtol=0, atol=1e-6)
    assert ds.metadata["preprocessing"] == ["resize 28x28 -> 14x14 (area mean of 2x2 blocks)"]


def test_real_cifar100_subset_grayscale_resize(shared_data):
    path = shared_data.joinpath(*CIFAR_SUBSET)
    if not path.is_file():
        pytest.skip(f"CIFAR-100 subset not found at {path}")
    ds = load_dataset(f"npz:{path}@grayscale,resize=8,n=200,seed=2")
    with np.load(path) as f:
        x, y = f["x"].astype(np.float64) / 255.0, f["y"]
    assert ds.n == 200 and ds.shape == (8, 8)
    assert np.bincount(ds.y).tolist() == [20] * 10  # stratified: 100 per class -> 20 per class
    # find the chosen rows: subsampling keeps the original order, so match on labels + pixels
    luma = x[..., 0] * 0.299 + x[..., 1] * 0.587 + x[..., 2] * 0.114  # (1000, 32, 32)
    small = luma.reshape(1000, 8, 4, 8, 4).mean(axis=(2, 4)).reshape(1000, -1)
    dist = ((ds.x[:, None, :] - small[None, :, :]) ** 2).sum(-1)
    rows = dist.argmin(axis=1)
    np.testing.assert_allclose(ds.x, small[rows], atol=1e-6)
    assert np.all(np.diff(rows) > 0) and (y[rows] == ds.y).all()
    assert ds.metadata["preprocessing"][1].startswith("grayscale: ITU-R BT.601")


# --- geometry -----------------------------------------------------------------------------------


def test_resize_integer_factor_colour():
    ds = _images(c=3, h=6, w=9)
    out = preprocess(ds, resize=(2, 3))
    imgs = ds.x.reshape(-1, 6, 9, 3).astype(np.float64)
    expected = np.zeros((ds.n, 2, 3, 3))
    for i in range(2):
        for j in range(3):
            expected[:, i, j] = imgs[:, 3 * i : 3 * i + 3, 3 * j : 3 * j + 3].mean(axis=(1, 2))
    assert out.shape == (2, 3, 3)
    np.testing.assert_allclose(out.x, expected.reshape(ds.n, -1), atol=1e-6)


def test_resize_bilinear_matches_pillow():
    """Non-integer factors: antialiased bilinear, checked against Pillow's own implementation
    (float images, mode "F"), downsampling and upsampling, per channel."""
    from PIL import Image

    ds = _images(n=3, h=12, w=10, c=3)
    imgs = ds.x.reshape(3, 12, 10, 3)
    for th, tw in ((8, 7), (5, 4), (18, 15)):
        out = preprocess(ds, resize=(th, tw))
        assert "bilinear" in out.metadata["preprocessing"][0]
        expected = np.stack(
            [
                np.stack(
                    [
                        np.asarray(
                            Image.fromarray(imgs[i, :, :, ch], mode="F").resize(
                                (tw, th), Image.Resampling.BILINEAR
                            )
                        )
                        for ch in range(3)
                    ],
                    axis=-1,
                )
                for i in range(3)
            ]
        )
        np.testing.assert_allclose(out.x, expected.reshape(3, -1), atol=2e-6)


def test_resize_upsampling_is_exact_on_a_linear_ramp():
    """Upsampling 8 -> 12: output pixel i samples the input at (i + 0.5) * 8/12 - 0.5 and linear
    interpolation reproduces a linear image exactly between the border pixels."""
    r, c = np.meshgrid(np.arange(8.0), np.arange(8.0), indexing="ij")
    img = (0.01 * r + 0.02 * c + 0.1).astype(np.float32)
    out = preprocess(Dataset.from_arrays(img[None], [0]), resize=12).x.reshape(12, 12)
    src = (np.arange(12) + 0.5) * 8 / 12 - 0.5
    expected = 0.01 * src[:, None] + 0.02 * src[None, :] + 0.1
    inner = slice(1, 11)  # source coordinates in [0, 7]: no border clamping
    np.testing.assert_allclose(out[inner, inner], expected[inner, inner], atol=1e-6)


# few examples: every new shape compiles jax.image.resize again (~0.3 s each)
@settings(max_examples=10, deadline=None)
@given(
    value=st.floats(0, 1, width=32),
    h=st.integers(2, 9),
    w=st.integers(2, 9),
    th=st.integers(1, 9),
    tw=st.integers(1, 9),
    channels=st.sampled_from([None, 3]),
)
def test_resize_keeps_constant_images_constant(value, h, w, th, tw, channels):
    shape = (3, h, w) if channels is None else (3, h, w, channels)
    ds = Dataset.from_arrays(np.full(shape, value, np.float32), [0, 1, 2])
    out = preprocess(ds, resize=(th, tw))
    assert out.shape[:2] == (th, tw)
    np.testing.assert_allclose(out.x, value, rtol=1e-5, atol=1e-6)


def test_transpose_undoes_emnist_storage(tmp_path):
    """EMNIST stores each image transposed in its IDX file; transpose restores it."""
    upright = np.random.default_rng(0).integers(0, 256, (5, 4, 7), dtype=np.uint8)
    write_idx(tmp_path / "img", upright.transpose(0, 2, 1))
    write_idx(tmp_path / "lab", np.arange(5, dtype=np.uint8))
    stored = load_idx(tmp_path / "img", tmp_path / "lab")
    assert stored.shape == (7, 4)
    fixed = apply_spec(stored, "transpose")
    assert fixed.shape == (4, 7)
    np.testing.assert_allclose(fixed.x, upright.reshape(5, -1) / 255.0, atol=1e-7)
    assert "transpose" in fixed.metadata["preprocessing"][0]
    spec = load_dataset(f"idx:{tmp_path / 'img'},{tmp_path / 'lab'}@transpose=true")
    np.testing.assert_array_equal(spec.x, fixed.x)


def test_grayscale_weights():
    ds = _images(c=3)
    out = preprocess(ds, grayscale=True)
    rgb = ds.x.reshape(-1, 6, 6, 3).astype(np.float64)
    expected = 0.299 * rgb[..., 0] + 0.587 * rgb[..., 1] + 0.114 * rgb[..., 2]
    assert out.shape == (6, 6)
    np.testing.assert_allclose(out.x, expected.reshape(ds.n, -1), atol=1e-6)


def test_bad_combinations(digits):
    flat = Dataset.from_arrays(np.zeros((4, 5)), [0, 1, 0, 1])
    with pytest.raises(InputError, match=r"resize needs image data.*shape \(5,\)"):
        preprocess(flat, resize=2)
    with pytest.raises(InputError, match="transpose needs image data"):
        preprocess(flat, transpose=True)
    with pytest.raises(InputError, match="already single-channel"):
        preprocess(digits, grayscale=True)
    with pytest.raises(InputError, match="already single-channel"):
        preprocess(_images(c=1), grayscale=True)
    with pytest.raises(InputError, match="has 4 channels"):
        preprocess(_images(c=4), grayscale=True)
    with pytest.raises(InputError, match="at least 2 classes"):
        preprocess(digits, classes="3", label_noise=0.1)
    with pytest.raises(InputError, match=r"label_noise is a probability"):
        preprocess(digits, label_noise=1.5)
    with pytest.raises(InputError, match="input_noise must be >= 0"):
        preprocess(digits, input_noise=-0.1)
    with pytest.raises(InputError, match="normalize must be one of"):
        preprocess(digits, normalize="zscore")
    with pytest.raises(InputError, match="max_examples must be >= 1"):
        preprocess(digits, max_examples=0)
    with pytest.raises(InputError, match="needs an ibcomplexity Dataset"):
        preprocess(np.zeros((3, 3)))


# --- labels -------------------------------------------------------------------------------------


def test_parse_classes():
    assert parse_classes("0-4") == (0, 1, 2, 3, 4)
    assert parse_classes("7;0;3") == (0, 3, 7)
    assert parse_classes("0-2;5;5") == (0, 1, 2, 5)
    assert parse_classes([3, 1]) == (1, 3)
    for bad in ("a", "4-2", "1,2", "", "-1"):
        with pytest.raises(InputError):
            parse_classes(bad)


def test_classes_keep_original_labels(digits):
    out = preprocess(digits, classes="0;3;7")
    assert sorted(set(out.y.tolist())) == [0, 3, 7]
    expected = np.isin(digits.y, [0, 3, 7])
    np.testing.assert_array_equal(out.x, digits.x[expected])
    assert out.n == int(expected.sum())
    assert "kept 3 of 10 classes" in out.metadata["preprocessing"][0]
    with pytest.raises(InputError, match=r"label\(s\) \[12\] not present.*0-9"):
        preprocess(digits, classes="0;12")


def test_max_examples_is_stratified_and_seeded(digits):
    out = preprocess(digits, max_examples=100, seed=5)
    counts = np.bincount(out.y)
    # 100 * n_c / 1797 for n_c in 174..183 lies in 9.68..10.18: largest remainder gives 10 each
    assert counts.tolist() == [10] * 10
    again = preprocess(digits, max_examples=100, seed=5)
    np.testing.assert_array_equal(out.x, again.x)
    other = preprocess(digits, max_examples=100, seed=6)
    assert not np.array_equal(out.x, other.x)
    rows = [np.flatnonzero((digits.x == r).all(axis=1))[0] for r in out.x]
    assert np.all(np.diff(rows) > 0)  # original order kept
    assert preprocess(digits, max_examples=5000).n == digits.n


def test_label_noise_realised_count_and_seed(digits):
    out = preprocess(digits, label_noise=0.3, seed=1)
    changed = out.y != digits.y
    info = out.metadata["label_noise"]
    assert info["changed"] == int(changed.sum()) and info["n"] == digits.n
    assert f"{info['changed']} of 1797 labels" in out.metadata["preprocessing"][0]
    # Binomial(1797, 0.3): mean 539.1, sd 19.4; a 5-sd window
    assert abs(info["changed"] - 539.1) < 5 * 19.43
    # replacements are uniform over the 9 other classes: chi-square against 1/9 each
    pairs = np.bincount((out.y[changed] - digits.y[changed]) % 10, minlength=10)
    assert pairs[0] == 0
    expected = changed.sum() / 9
    chi2 = ((pairs[1:] - expected) ** 2 / expected).sum()
    assert chi2 < 26.1  # chi-square(8) 0.999 quantile
    np.testing.assert_array_equal(preprocess(digits, label_noise=0.3, seed=1).y, out.y)
    assert not np.array_equal(preprocess(digits, label_noise=0.3, seed=2).y, out.y)


@settings(max_examples=30, deadline=None)
@given(
    p=st.floats(0.0, 1.0),
    n=st.integers(2, 300),
    k=st.integers(2, 7),
    seed=st.integers(0, 2**31),
)
def test_label_noise_invariants(p, n, k, seed):
    y = np.random.default_rng(seed).integers(0, k, size=n)
    y[:2] = [0, 1]
    ds = Dataset.from_arrays(np.zeros((n, 1)), y)
    out = preprocess(ds, label_noise=p, seed=seed)
    if p == 0:
        assert out is ds
        return
    changed = out.y != ds.y
    assert out.metadata["label_noise"]["changed"] == int(changed.sum())
    assert set(out.y.tolist()) <= set(y.tolist())  # only classes present
    if p == 1:
        assert changed.all()
    # realised fraction within 6 binomial standard deviations (plus one count for rounding)
    sd = np.sqrt(n * p * (1 - p))
    assert abs(changed.sum() - n * p) <= 6 * sd + 1


# --- features -----------------------------------------------------------------------------------


def test_input_noise_statistics_and_streams(digits):
    out = preprocess(digits, input_noise=0.2, seed=4)
    noise = (out.x - digits.x).astype(np.float64).ravel()
    # 115,008 draws: the sample sd has standard error 0.2 / sqrt(2 N) = 4.2e-4
    assert abs(noise.std() - 0.2) < 5 * 0.2 / np.sqrt(2 * noise.size)
    assert abs(noise.mean()) < 5 * 0.2 / np.sqrt(noise.size)
    # independent streams: the label noise does not move when input noise is switched on
    a = preprocess(digits, label_noise=0.2, seed=4)
    b = preprocess(digits, label_noise=0.2, input_noise=0.2, seed=4)
    np.testing.assert_array_equal(a.y, b.y)
    np.testing.assert_array_equal(b.x, out.x)


def test_input_noise_raises_intrinsic_dimension():
    """Points on a 2-D plane in 30 dimensions: m ~ 2; isotropic noise fills the other 28."""
    rng = np.random.default_rng(0)
    basis = np.linalg.qr(rng.standard_normal((30, 2)))[0]
    x = (rng.uniform(-1, 1, (600, 2)) @ basis.T).astype(np.float32)
    ds = Dataset.from_arrays(x, np.arange(600) % 2)
    key = jax.random.key(0)
    flat_m = intrinsic_dimension_mle(key, ds.x).value
    noisy = preprocess(ds, input_noise=0.1, seed=0)
    noisy_m = intrinsic_dimension_mle(key, noisy.x).value
    assert flat_m < 3 and noisy_m > 8, (flat_m, noisy_m)


def test_normalize(digits):
    std = preprocess(digits, normalize="standard")
    varying = digits.x.std(axis=0) > 0
    np.testing.assert_allclose(std.x.mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(std.x[:, varying].std(axis=0), 1, atol=1e-4)
    assert f"{int((~varying).sum())} constant feature(s)" in std.metadata["preprocessing"][0]
    glob = preprocess(digits, normalize="global")
    x = digits.x.astype(np.float64)
    np.testing.assert_allclose(glob.x, (x - x.mean()) / x.std(), atol=1e-5)
    mm = preprocess(digits, normalize="minmax")
    assert mm.x[:, varying].min(axis=0).max() == 0 and mm.x[:, varying].max(axis=0).min() == 1
    assert (mm.x[:, ~varying] == 0).all()


def test_fixed_order_and_records(digits):
    out = preprocess(
        digits,
        label_noise=0.1,
        normalize="standard",
        input_noise=0.05,
        resize=4,
        max_examples=500,
        classes="0-4",
        seed=3,
    )
    steps = [s.split(" ")[0].rstrip(":") for s in out.metadata["preprocessing"]]
    expected = ["classes", "max_examples", "resize", "input_noise", "normalize", "label_noise"]
    assert steps == expected
    assert out.n == 500 and out.shape == (4, 4)
    assert preprocess(digits) is digits


# --- the spec parser ----------------------------------------------------------------------------


def test_spec_digits_end_to_end(digits):
    ds = load_dataset("digits@resize=4,label_noise=0.2,seed=1")
    direct = preprocess(digits, resize=4, label_noise=0.2, seed=1)
    assert ds.name == "digits@resize=4,label_noise=0.2,seed=1" and ds.shape == (4, 4)
    np.testing.assert_array_equal(ds.x, direct.x)
    np.testing.assert_array_equal(ds.y, direct.y)
    assert ds.metadata["preprocessing"] == direct.metadata["preprocessing"]
    assert apply_spec(digits, "n=50, seed=2").n == 50
    assert apply_spec(digits, "grayscale=false,transpose=0").shape == (8, 8)


@pytest.mark.parametrize(
    "text, message",
    [
        ("blur=3", "preprocessing knobs 'blur=3': unknown key 'blur'; valid keys: classes"),
        ("resize=big", "resize must be S or HxW"),
        ("resize", "'resize' is not KEY=VALUE"),
        ("label_noise=lots", "label_noise must be a number"),
        ("label_noise=nan", "label_noise must be finite"),
        ("seed=1.5", "seed must be an integer"),
        ("n=10,max_examples=20", "key 'max_examples' given twice \\(also as 'n'\\)"),
        ("resize=4,=3", "'=3' is not KEY=VALUE"),
        ("grayscale=maybe", "grayscale is a flag"),
        ("normalize=zscore", "normalize must be one of"),
        ("classes=1,2", "'2' is not KEY=VALUE"),
        ("seed=-1", "seed must be >= 0"),
    ],
)
def test_spec_errors(digits, text, message):
    with pytest.raises(InputError, match=message):
        apply_spec(digits, text)


def test_npz_spec_with_knobs(tmp_path):
    x = np.random.default_rng(0).integers(0, 256, (12, 4, 4, 3), dtype=np.uint8)
    np.savez(tmp_path / "d.npz", x=x, y=np.arange(12) % 3)
    ds = load_dataset(f"npz:{tmp_path / 'd.npz'}@grayscale,normalize=global")
    assert ds.shape == (4, 4)
    assert load_npz(tmp_path / "d.npz").shape == (4, 4, 3)
