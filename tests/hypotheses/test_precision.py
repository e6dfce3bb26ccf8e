"""The float32 matmul precision of network training is a documented, recorded setting
(issue 13): ``highest`` for networks that agree across platforms, ``default`` the fast mode."""

from __future__ import annotations

import jax
import numpy as np
import pytest

from ibcomplexity import InputError
from ibcomplexity.batch import load_job
from ibcomplexity.hypotheses import TrainConfig, train_hypotheses
from ibcomplexity.hypotheses.training import PRECISIONS
from ibcomplexity.tasks import load_dataset
from ibcomplexity.tasks.regression import make_regression_task


def test_unknown_precision_is_refused_by_name():
    assert PRECISIONS == ("default", "high", "highest")
    with pytest.raises(InputError, match="unknown precision 'tf32'; valid: default, high, highest"):
        TrainConfig(epochs=1, batch_size=8, precision="tf32")


def test_highest_on_cpu_is_cpu_default_and_is_recorded():
    """CPU's default float32 matmul is already full precision: both settings train the very same
    networks here (on a GPU, ``default`` is TF32), and the result records the setting."""
    task = make_regression_task(load_dataset("digits"), n_train=64, n_test=32, seed=0)
    opts = dict(num=4, epochs=2, batch_size=16)
    if jax.default_backend() != "cpu":
        pytest.skip("the equality holds on CPU only (GPUs default to TF32)")
    a = train_hypotheses(jax.random.key(0), "mlp:width=16", task, **opts)
    b = train_hypotheses(jax.random.key(0), "mlp:width=16", task, precision="highest", **opts)
    assert a.config.precision == "default" and b.config.precision == "highest"
    np.testing.assert_array_equal(a.test_mse, b.test_mse)


def test_the_matmul_precision_reaches_the_compiled_training():
    """The setting is applied where the chunk is lowered: the compiled program differs."""
    from ibcomplexity.hypotheses.networks import parse_arch
    from ibcomplexity.hypotheses.training import _TrainAndEvaluate

    arch = parse_arch("mlp:width=8,depth=1", input_shape=(4,), outputs=2)
    cfg = TrainConfig(epochs=1, batch_size=2)
    one = _TrainAndEvaluate(arch, cfg)
    x = np.zeros((4, 4), np.float32)
    y = np.zeros((4, 2), np.float32)
    from ibcomplexity.hypotheses.training import _blocks

    args = (_blocks(x, y), _blocks(x, y), x, y)
    text = {}
    for p in ("default", "highest"):
        with jax.default_matmul_precision(None if p == "default" else p):
            text[p] = jax.jit(one).lower(jax.random.key(0), *args).as_text()
    assert "HIGHEST" in text["highest"] and "HIGHEST" not in text["default"]


JOB = """
[job]
seed = 0
targets = 0.05
samples = 20
[[tasks]]
dataset = "digits"
n_train = 50
n_test = 20
[[spaces]]
type = "nn"
arch = "mlp:width=8"
{extra}
"""


def _job(tmp_path, extra):
    path = tmp_path / f"job{abs(hash(extra))}.toml"
    path.write_text(JOB.format(extra=extra))
    return load_job(path, check_data=False)


def test_batch_jobs_take_the_precision_and_keep_old_hashes(tmp_path):
    plain = _job(tmp_path, "")
    default = _job(tmp_path, 'precision = "default"')
    highest = _job(tmp_path, 'precision = "highest"')
    # a job that names the default (or, written before the field existed, names nothing) keeps
    # its hash and its unit keys; another precision is another job
    assert plain.content_hash == default.content_hash != highest.content_hash
    assert highest.spaces[0].precision == "highest" and "highest" in highest.spaces[0].describe
    with pytest.raises(InputError, match=r"spaces\[0\]\.precision"):
        _job(tmp_path, 'precision = "tf32"')


def test_default_chunk_uses_an_accelerators_free_memory(monkeypatch):
    """CPU (no memory statistics): a 512 MiB budget, 21 wide networks per chunk; a GPU with
    64 GiB free: the 256-network cap (the H200 measured 561 vs 390 networks/s)."""
    import ibcomplexity.sampling.mesh as mesh
    from ibcomplexity.hypotheses.networks import parse_arch
    from ibcomplexity.hypotheses.training import MAX_CHUNK, default_chunk

    arch = parse_arch("mlp:width=512,depth=2", input_shape=(784,), outputs=10)
    cfg = TrainConfig(epochs=1, batch_size=50)
    monkeypatch.setattr(mesh, "free_memory", lambda device=None: None)
    assert default_chunk(arch, cfg, 10_000) == 21
    monkeypatch.setattr(mesh, "free_memory", lambda device=None: 64 * 2**30)
    assert default_chunk(arch, cfg, 10_000) == MAX_CHUNK == 256
    assert default_chunk(arch, cfg, 100) == 100
