"""Omniglot adapter: layout reading, episodes, one-shot runs, bound statistics, episode GP bits."""

from __future__ import annotations

import io
import itertools
import math
import zipfile
from pathlib import Path

import jax
import numpy as np
import pytest
from PIL import Image

from ibcomplexity._validation import InputError
from ibcomplexity.bound import classification_bound, meta_learning_bound
from ibcomplexity.estimate import inductive_bias
from ibcomplexity.hypotheses import GPSpace, Kernel
from ibcomplexity.stats import intrinsic_dimension_mle
from ibcomplexity.tasks.datasets import load_dataset
from ibcomplexity.tasks.omniglot import (
    classification_episodes,
    load_omniglot,
    load_one_shot_runs,
    sample_episodes,
)
from ibcomplexity.tasks.regression import RegressionTask
from ibcomplexity.workflows.fewshot import (
    episode_loss_laws,
    fewshot_vs_classification,
    meta_statistics,
)

# Two alphabets: "Alpha" with 3 characters, "Beta" with 4; 5 drawers each; 8x8 binary images.
ALPHABETS = {"Alpha": 3, "Beta": 4}
DRAWERS = 5
SIDE = 8


def _png(array: np.ndarray, mode: str = "1") -> bytes:
    """PNG bytes of an image; for mode '1' ``array`` is True where the page is white."""
    buf = io.BytesIO()
    Image.fromarray(array).convert(mode).save(buf, format="PNG")
    return buf.getvalue()


def _layout(seed: int = 0) -> dict[str, bytes]:
    """``ALPHABET/CHARACTER/NNNN_DD.png -> PNG bytes``: sparse random black strokes on white."""
    rng = np.random.default_rng(seed)
    files, code = {}, 0
    for alphabet, chars in ALPHABETS.items():
        for c in range(1, chars + 1):
            code += 1
            for d in range(1, DRAWERS + 1):
                white = rng.random((SIDE, SIDE)) > 0.3
                files[f"{alphabet}/character{c:02d}/{code:04d}_{d:02d}.png"] = _png(white)
    return files


def _write_zip(path: Path, files: dict[str, bytes], top: str | None = "images_background") -> Path:
    with zipfile.ZipFile(path, "w") as z:
        for name, data in files.items():
            z.writestr(f"{top}/{name}" if top else name, data)
    return path


def _write_dir(root: Path, files: dict[str, bytes]) -> Path:
    for name, data in files.items():
        p = root / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
    return root


def _ink(data: bytes) -> np.ndarray:
    """Independent decoding: 1 - grey/255 of one PNG."""
    return 1.0 - np.asarray(Image.open(io.BytesIO(data)).convert("L"), np.float64) / 255.0


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> tuple[Path, dict[str, bytes]]:
    files = _layout()
    return _write_zip(tmp_path_factory.mktemp("omniglot") / "bg.zip", files), files


@pytest.fixture(scope="module")
def tiny_images(tiny):
    return load_omniglot(tiny[0])


# --- reading ---------------------------------------------------------------------------------


def test_zip_and_folder_read_the_same(tiny, tmp_path):
    path, files = tiny
    a = load_omniglot(path)
    b = load_omniglot(_write_dir(tmp_path / "unpacked", files))  # no top folder
    assert a.n == b.n == sum(ALPHABETS.values()) * DRAWERS
    np.testing.assert_array_equal(a.x, b.x)
    np.testing.assert_array_equal(a.character, b.character)
    assert a.alphabets == ("Alpha", "Beta")
    assert a.characters[:2] == ("Alpha/character01", "Alpha/character02")
    assert a.characters_per_alphabet == ALPHABETS
    assert a.shape == (SIDE, SIDE) and a.x.dtype == np.float32
    # sorted by character then drawer; each row is the independent decoding of its file
    names = sorted(files)
    assert a.drawer.tolist() == [int(n[-6:-4]) for n in names]
    for row in (0, 7, a.n - 1):
        np.testing.assert_array_equal(a.x[row], _ink(files[names[row]]).ravel())
    assert not a.x.flags.writeable


def test_strokes_are_one_and_area_resize_is_block_mean(tmp_path):
    rng = np.random.default_rng(1)
    grey = rng.integers(0, 256, size=(2, 6, 6), dtype=np.uint8)
    files = {f"A/character01/0001_{d + 1:02d}.png": _png(grey[d], "L") for d in range(2)}
    _write_dir(tmp_path, files)
    native = load_omniglot(tmp_path)
    np.testing.assert_allclose(native.x.reshape(2, 6, 6), 1 - grey / 255.0, atol=1e-7)
    small = load_omniglot(tmp_path, size=3)
    blocks = grey.reshape(2, 3, 2, 3, 2).astype(np.float64).mean(axis=(2, 4))
    # Pillow's BOX filter works on 8-bit values: within one grey level of the exact block mean
    np.testing.assert_allclose(small.x.reshape(2, 3, 3), 1 - blocks / 255.0, atol=1.01 / 255)
    assert small.shape == (3, 3)


def test_several_sources_merge_identical_files_once(tmp_path):
    files = _layout()
    names = sorted(files)
    first = {n: files[n] for n in names[:20]}
    second = {n: files[n] for n in names[15:]}  # 5 files in both
    a = _write_zip(tmp_path / "a.zip", first, top="small1")
    b = _write_zip(tmp_path / "b.zip", second, top="small2")
    merged = load_omniglot([a, b])
    assert merged.n == len(files) and merged.duplicates_dropped == 5
    np.testing.assert_array_equal(merged.x, load_omniglot(_write_zip(tmp_path / "c.zip", files)).x)
    clash = dict(second)
    clash[names[15]] = _png(np.ones((SIDE, SIDE), bool))
    with pytest.raises(InputError, match="different contents"):
        load_omniglot([a, _write_zip(tmp_path / "d.zip", clash)])


@pytest.mark.parametrize(
    ("extra", "match"),
    [
        ({"A/character01/notes.txt": b"hi"}, "notes.txt is not a PNG"),
        ({"A/0001_01.png": None}, "not laid out"),
        ({"A/character01/img.png": None}, "is not NNNN_DD.png"),
        ({"A/character01/0001_01.png": b"not a png at all"}, "not a readable PNG"),
    ],
)
def test_bad_layouts(tmp_path, extra, match):
    files = {"A/character01/0001_02.png": _png(np.ones((4, 4), bool))}
    for name, data in extra.items():
        files[name] = _png(np.ones((4, 4), bool)) if data is None else data
    with pytest.raises(InputError, match=match):
        load_omniglot(_write_zip(tmp_path / "bad.zip", files, top=None))


def test_bad_sources(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        load_omniglot(tmp_path / "missing.zip")
    (tmp_path / "plain.txt").write_text("x")
    with pytest.raises(InputError, match="neither a folder nor a zip"):
        load_omniglot(tmp_path / "plain.txt")
    with pytest.raises(InputError, match="no PNG"):
        load_omniglot(_write_zip(tmp_path / "empty.zip", {}, top=None))
    with pytest.raises(InputError, match="at least one source"):
        load_omniglot([])
    mixed = {
        "A/character01/0001_01.png": _png(np.ones((4, 4), bool)),
        "A/character01/0001_02.png": _png(np.ones((5, 5), bool)),
    }
    path = _write_zip(tmp_path / "mixed.zip", mixed, top=None)
    with pytest.raises(InputError, match="pass size=S"):
        load_omniglot(path)
    assert load_omniglot(path, size=2).shape == (2, 2)
    deep = _write_zip(
        tmp_path / "deep.zip", {"top/A/c/0001_01.png": mixed["A/character01/0001_01.png"]}, None
    )
    with zipfile.ZipFile(deep, "a") as z:
        z.writestr("A/c/0001_02.png", mixed["A/character01/0001_01.png"])
    with pytest.raises(InputError, match="different depths"):
        load_omniglot(deep)


def test_junk_entries_are_ignored(tmp_path):
    files = {
        "A/character01/0001_01.png": _png(np.ones((4, 4), bool)),
        "A/.DS_Store": b"junk",
        "__MACOSX/A/character01/._0001_01.png": b"junk",
    }
    assert load_omniglot(_write_zip(tmp_path / "j.zip", files, top=None)).n == 1


def test_load_dataset_spec(tiny, tmp_path):
    path, files = tiny
    other = _write_zip(
        tmp_path / "other.zip", {"Gamma/character01/0099_01.png": _png(np.ones((8, 8), bool))}
    )
    spec = f"omniglot:{path},{other}:size=4"
    ds = load_dataset(spec)
    assert ds.name == spec and ds.shape == (4, 4) and ds.dim == 16
    assert ds.n == len(files) + 1 and ds.classes == 8
    assert ds.metadata["class_names"][-1] == "Gamma/character01"
    assert ds.metadata["characters_per_alphabet"] == {**ALPHABETS, "Gamma": 1}
    assert "Lake" in ds.metadata["provenance"] and "MIT" in ds.metadata["provenance"]
    assert ds.metadata["drawers"] == list(range(1, DRAWERS + 1))
    assert "strokes 1" in ds.scaling
    np.testing.assert_array_equal(ds.y, np.repeat(np.arange(7), DRAWERS).tolist() + [7])
    assert load_dataset(f"omniglot:{path}").shape == (SIDE, SIDE)
    with pytest.raises(InputError, match="unknown option 'colour'"):
        load_dataset(f"omniglot:{path}:colour=1")
    with pytest.raises(InputError, match="size must be an integer"):
        load_dataset(f"omniglot:{path}:size=big")
    with pytest.raises(InputError, match="names no Omniglot source"):
        load_dataset("omniglot:,")


# --- episodes --------------------------------------------------------------------------------


def test_episodes_reproducible_and_shaped(tiny_images):
    kw = dict(num_episodes=6, ways=3, shots=2, queries=2)
    a = sample_episodes(tiny_images, seed=7, **kw)
    b = sample_episodes(tiny_images, seed=7, **kw)
    c = sample_episodes(tiny_images, seed=8, **kw)
    np.testing.assert_array_equal(a.support_rows, b.support_rows)
    np.testing.assert_array_equal(a.query_x, b.query_x)
    assert a.class_names == b.class_names
    assert not np.array_equal(a.support_rows, c.support_rows)
    assert a.support_x.shape == (6, 3 * 2, SIDE * SIDE) and a.query_x.shape == (6, 3 * 2, 64)
    assert a.support_y.shape == (6, 6) and a.query_y[0].tolist() == [0, 0, 1, 1, 2, 2]
    assert (a.ways, a.shots, a.queries, a.num_episodes) == (3, 2, 2, 6)
    # the first episodes do not depend on how many are drawn
    head = sample_episodes(tiny_images, seed=7, **{**kw, "num_episodes": 2})
    np.testing.assert_array_equal(head.query_rows, a.query_rows[:2])


def test_episodes_stay_within_one_alphabet(tiny_images):
    imgs = tiny_images
    eps = sample_episodes(imgs, seed=0, num_episodes=40, ways=3, shots=1, queries=3)
    for e in range(eps.num_episodes):
        sup, qry = eps.support_rows[e], eps.query_rows[e]
        assert len(set(sup) | set(qry)) == sup.size + qry.size  # distinct images
        alpha = {imgs.alphabets[a] for a in imgs.alphabet[np.concatenate([sup, qry])]}
        assert alpha == {eps.alphabets[e]}
        for rows, labels in ((sup, eps.support_y[e]), (qry, eps.query_y[e])):
            chars = [imgs.characters[c] for c in imgs.character[rows]]
            assert chars == [eps.class_names[e][y] for y in labels]
    # ways=4: only Beta has 4 characters
    assert set(sample_episodes(imgs, seed=1, num_episodes=10, ways=4).alphabets) == {"Beta"}
    with pytest.raises(InputError, match="no alphabet has 5 characters"):
        sample_episodes(imgs, seed=0, num_episodes=1, ways=5)
    with pytest.raises(InputError, match="at least shots"):
        sample_episodes(imgs, seed=0, num_episodes=1, ways=3, shots=3, queries=3)


def test_alphabets_drawn_in_proportion_to_episode_counts(tiny_images):
    # W = 3: Alpha has C(3,3) = 1 character triple, Beta C(4,3) = 4, so P(Beta) = 4/5.
    n = 2000
    eps = sample_episodes(tiny_images, seed=3, num_episodes=n, ways=3, queries=0)
    beta = sum(a == "Beta" for a in eps.alphabets)
    se = math.sqrt(n * 0.8 * 0.2)
    assert abs(beta - 0.8 * n) < 4 * se
    # given the alphabet, the characters are uniform: every Beta triple appears about n_beta/4
    triples = [
        frozenset(c) for c, a in zip(eps.class_names, eps.alphabets, strict=True) if a == "Beta"
    ]
    counts = [
        triples.count(frozenset(t))
        for t in itertools.combinations([f"Beta/character{i:02d}" for i in range(1, 5)], 3)
    ]
    assert all(abs(k - beta / 4) < 4 * math.sqrt(beta * 0.25 * 0.75) for k in counts)


def test_classification_counterpart(tiny_images):
    imgs = tiny_images
    few = sample_episodes(imgs, seed=2, num_episodes=4, ways=3, shots=1, queries=2)
    cls = classification_episodes(imgs, few)
    assert cls.shots == DRAWERS - 2 and cls.support_x.shape == (4, 3 * (DRAWERS - 2), 64)
    np.testing.assert_array_equal(cls.query_x, few.query_x)
    for e in range(4):
        for c in range(3):
            rows = cls.support_rows[e, c * cls.shots : (c + 1) * cls.shots]
            assert few.support_rows[e, c] == rows[0]  # contains the one-shot support
            assert not set(rows) & set(few.query_rows[e])
            assert {imgs.characters[k] for k in imgs.character[rows]} == {few.class_names[e][c]}
    assert classification_episodes(imgs, few, train_per_class=2).shots == 2
    with pytest.raises(InputError, match="only 3 images"):
        classification_episodes(imgs, few, train_per_class=4)


def _runs_zip(path: Path, labels_text: dict[str, str] | None = None) -> Path:
    rng = np.random.default_rng(5)
    with zipfile.ZipFile(path, "w") as z:
        for run, perm in (("run01", [2, 0, 1]), ("run02", [1, 2, 0])):
            lines = []
            for i in range(3):
                z.writestr(f"{run}/training/class{i + 1:02d}.png", _png(rng.random((6, 6)) > 0.3))
                z.writestr(f"{run}/test/item{i + 1:02d}.png", _png(rng.random((6, 6)) > 0.3))
                lines.append(
                    f"{run}/test/item{i + 1:02d}.png {run}/training/class{perm[i] + 1:02d}.png"
                )
            text = (labels_text or {}).get(run, "\n".join(lines) + "\n")
            z.writestr(f"{run}/class_labels.txt", text)
    return path


def test_one_shot_runs_written(tmp_path):
    runs = load_one_shot_runs(_runs_zip(tmp_path / "runs.zip"))
    assert runs.num_episodes == 2 and runs.ways == 3 and runs.shots == 1 and runs.queries == 1
    assert runs.query_y.tolist() == [[2, 0, 1], [1, 2, 0]]
    assert runs.class_names[1] == ("run02/class01", "run02/class02", "run02/class03")
    assert runs.support_rows is None and runs.shape == (6, 6)
    bad = {"run02": "run02/test/item01.png run02/training/class01.png\n"}
    with pytest.raises(InputError, match="must map every test image"):
        load_one_shot_runs(_runs_zip(tmp_path / "bad.zip", bad))
    bad = {"run01": "run01/test/item01.png\n"}
    with pytest.raises(InputError, match="line 1 must be 'TEST TRAINING'"):
        load_one_shot_runs(_runs_zip(tmp_path / "bad2.zip", bad))
    with pytest.raises(InputError, match="no runNN"):
        load_one_shot_runs(_write_zip(tmp_path / "norun.zip", _layout()))


def test_one_shot_runs_real(shared_data):
    path = shared_data / "omniglot" / "all_runs.zip"
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    runs = load_one_shot_runs(path, size=28)
    assert runs.support_x.shape == (20, 20, 784) and runs.query_x.shape == (20, 20, 784)
    with zipfile.ZipFile(path) as z:
        for r in (1, 20):
            lines = z.read(f"run{r:02d}/class_labels.txt").decode().split()
            want = [int(t[-6:-4]) - 1 for t in lines[1::2]]  # ".../classKK.png" -> KK - 1
            assert runs.query_y[r - 1].tolist() == want
            assert sorted(want) == list(range(20))  # every run is a permutation
        native = load_one_shot_runs(path)
        np.testing.assert_array_equal(
            native.query_x[0, 0], _ink(z.read("run01/test/item01.png")).ravel()
        )


def test_real_background_subsets(shared_data):
    folder = shared_data / "omniglot"
    zips = [folder / f"images_background_small{i}.zip" for i in (1, 2)]
    if not all(p.is_file() for p in zips):
        pytest.skip(f"Omniglot background subsets not found in {folder}")
    names = []
    for p in zips:
        with zipfile.ZipFile(p) as z:
            names.append({n.split("/", 1)[1] for n in z.namelist() if n.endswith(".png")})
    imgs = load_omniglot(zips, size=14)
    assert (len(names[0]), len(names[1])) == (2720, 3120)
    assert imgs.n == len(names[0] | names[1]) and imgs.duplicates_dropped == len(
        names[0] & names[1]
    )
    assert len(imgs.characters) == len({n.rsplit("/", 1)[0] for n in names[0] | names[1]})
    assert set(imgs.images_per_character.tolist()) == {20}


# --- the bound's statistics ------------------------------------------------------------------


def test_meta_statistics_pipeline(tiny_images):
    imgs = tiny_images
    st = meta_statistics(imgs, ways=3, shots=2, target_error=0.05, seed=0, k=3)
    x = imgs.x.astype(np.float64)
    assert st.radius == pytest.approx(np.sqrt((x**2).sum(1)).max(), rel=1e-6)
    d2 = ((x[:, None] - x[None]) ** 2).sum(-1)
    cross = imgs.character[:, None] != imgs.character[None]
    assert st.delta == pytest.approx(np.sqrt(d2[cross].min()), rel=1e-9)
    # n = sum_a C(c_a, W) C(d, K)^W, by hand: Alpha C(3,3), Beta C(4,3), C(5,2) = 10 pairs
    assert st.support_sets == 10 and st.episodes == (1 + 4) * 10**3
    k0, k1 = jax.random.split(jax.random.key(0))
    per = [
        intrinsic_dimension_mle(jax.random.fold_in(k1, a), x[imgs.alphabet == a], k=3).value
        for a in range(2)
    ]
    assert st.m_inner_per_alphabet == pytest.approx(per)
    assert st.m_inner == max(1, round(np.mean(per)))
    assert st.m_outer_raw == pytest.approx(intrinsic_dimension_mle(k0, x, k=3).value)
    assert st.m == st.m_outer + 2 * st.m_inner == st.bound.inputs["m"]
    want = meta_learning_bound(
        alphabet_sizes=[3, 4],
        ways=3,
        drawers=10,
        m_inner=st.m_inner,
        m_outer=st.m_outer,
        radius=st.radius,
        delta=st.delta,
        target_error=0.05,
    )
    assert st.bound.log10_bits == want.log10_bits and st.bound.vacuous == want.vacuous
    cls = classification_bound(
        n=imgs.n, m=st.m_outer, radius=st.radius, delta=st.delta, classes=7, target_error=0.05
    )
    assert st.classification.log10_bits == cls.log10_bits
    assert st.classification_ways.inputs["n"] == 3 * DRAWERS
    assert st.as_dict()["episodes"] == 5000
    with pytest.raises(InputError, match="no alphabet has at least ways=5"):
        meta_statistics(imgs, ways=5)


# --- the exact GP estimate of episodes -------------------------------------------------------


def test_joint_episode_bits_equal_one_block_diagonal_gp(tiny_images):
    eps_ = sample_episodes(tiny_images, seed=4, num_episodes=3, ways=3, shots=1, queries=2)
    space = GPSpace(kernel=Kernel("rbf", 3.0))
    laws = episode_loss_laws(space, eps_)
    target = 0.1
    res = laws.inductive_bias(target)

    # Oracle: one GP task holding all episodes, each shifted far along an extra coordinate so
    # that the kernel between episodes underflows to exactly 0 (exp(-300^2 / 18) < 1e-300): the
    # block-diagonal joint. (A larger shift would cost precision in the squared distances.)
    def stack(x, e):
        return np.concatenate([x, np.full((x.shape[0], 1), 300.0 * e, np.float32)], axis=1)

    eye = np.eye(3, dtype=np.float32)
    joint = RegressionTask.from_arrays(
        np.concatenate([stack(eps_.support_x[e], e) for e in range(3)]),
        np.concatenate([eye[eps_.support_y[e]] for e in range(3)]),
        np.concatenate([stack(eps_.query_x[e], e) for e in range(3)]),
        np.concatenate([eye[eps_.query_y[e]] for e in range(3)]),
    )
    oracle = inductive_bias(space, joint, target)
    assert res.bits == pytest.approx(oracle.bits, rel=1e-6)
    assert res.N == oracle.N and res.mean_mse == pytest.approx(oracle.mean_mse, rel=1e-9)
    for e in range(3):
        single = inductive_bias(space, eps_.task(e), target)
        assert res.episode_bits[e] == pytest.approx(single.bits, rel=1e-9)
    assert res.sum_episode_bits >= res.bits > res.chernoff_bits > 0
    assert res.bits_per_episode == pytest.approx(res.bits / 3)
    with pytest.raises(InputError, match="numeric bandwidth"):
        episode_loss_laws(GPSpace(), eps_)


def test_fewshot_needs_more_bits_than_classification_real(shared_data):
    path = shared_data / "omniglot" / "images_background_small1.zip"
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    imgs = load_omniglot(path, size=14)
    res = fewshot_vs_classification(imgs, ways=5, target_mse=0.1, queries=3, num_episodes=4, seed=0)
    assert res.few_shot.n_train == 5 and res.classification.n_train == 5 * 17
    assert res.few_shot.n_test == res.classification.n_test == 15
    assert res.few_shot.bits > res.classification.bits > 0 and res.extra_bits > 0
