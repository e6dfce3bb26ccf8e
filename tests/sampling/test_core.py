"""The sampling core in this process: the index -> key rule, chunk invariance, padding, progress,
pytree outputs, empty ranges, one compilation per chunk shape, input errors."""

from __future__ import annotations

from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from ibcomplexity._validation import InputError
from ibcomplexity.sampling import core, hypothesis_keys, local_mesh, map_hypotheses

KEY = jax.random.key(5)


def _one(key, shift):
    """A pytree of a vector, a scalar and an integer per hypothesis."""
    x = jax.random.normal(key, (3,)) + shift
    return {"x": x, "s": jnp.sum(x), "bits": jax.random.bits(key, (), jnp.uint32)}


@dataclass(frozen=True)
class _Scaled:
    """A hashable one-hypothesis function with a static parameter."""

    scale: float

    def __call__(self, key):
        return self.scale * jax.random.uniform(key)


def _reference(key, start, stop, shift):
    """The hypotheses one by one: one(fold_in(key, i), shift)."""
    outs = [_one(jax.random.fold_in(key, i), shift) for i in range(start, stop)]
    return {k: np.stack([np.asarray(o[k]) for o in outs]) for k in outs[0]}


def test_hypothesis_keys_are_fold_in():
    idx = jnp.asarray([0, 1, 7, 2**32 - 1], dtype=jnp.uint32)
    keys = hypothesis_keys(KEY, idx)
    assert keys.shape == (4,)
    for k, i in zip(keys, [0, 1, 7, 2**32 - 1], strict=True):
        want = jax.random.key_data(jax.random.fold_in(KEY, i))
        np.testing.assert_array_equal(jax.random.key_data(k), want)
    raw = hypothesis_keys(jax.random.PRNGKey(5), np.arange(6).reshape(2, 3))
    assert raw.shape == (2, 3, 2) and raw.dtype == jnp.uint32
    np.testing.assert_array_equal(raw[1, 2], jax.random.fold_in(jax.random.PRNGKey(5), 5))


def test_equals_the_hypotheses_one_by_one():
    out = map_hypotheses(_one, KEY, 10, 17, args=(jnp.float32(0.5),), chunk=4)
    ref = _reference(KEY, 10, 17, jnp.float32(0.5))
    assert set(out) == {"x", "s", "bits"}
    assert out["x"].shape == (7, 3) and out["x"].dtype == np.float32
    assert out["s"].shape == (7,) and out["bits"].dtype == np.uint32
    for k in out:
        assert isinstance(out[k], np.ndarray)
        np.testing.assert_allclose(out[k], ref[k], rtol=1e-6)
    np.testing.assert_array_equal(out["bits"], ref["bits"])


@pytest.mark.parametrize("chunk", [1, 3, 8, 64])
def test_chunk_invariance_padding_and_progress(chunk):
    """Any chunk gives the same hypotheses; the padded tail is trimmed; progress reports the
    hypotheses done after each chunk, ending at the total."""
    calls = []
    out = map_hypotheses(
        _one, KEY, 3, 23, args=(0.0,), chunk=chunk, progress=lambda d, t: calls.append((d, t))
    )
    ref = map_hypotheses(_one, KEY, 3, 23, args=(0.0,), chunk=20)
    assert out["x"].shape == (20, 3)
    np.testing.assert_array_equal(out["bits"], ref["bits"])
    np.testing.assert_allclose(out["x"], ref["x"], rtol=1e-6)
    n = -(-20 // chunk)
    assert calls == [(min(20, (i + 1) * chunk), 20) for i in range(n)]


def test_split_range_equals_the_whole():
    whole = map_hypotheses(_Scaled(2.0), KEY, 0, 40, chunk=16)
    parts = [map_hypotheses(_Scaled(2.0), KEY, a, b, chunk=16) for a, b in [(0, 7), (7, 40)]]
    np.testing.assert_array_equal(np.concatenate(parts), whole)


def test_empty_range_has_the_output_structure():
    out = map_hypotheses(_one, KEY, 9, 9, args=(0.0,))
    assert out["x"].shape == (0, 3) and out["x"].dtype == np.float32
    assert out["bits"].shape == (0,) and out["bits"].dtype == np.uint32


def test_float64_arguments_under_x64():
    with jax.enable_x64(True):
        out = map_hypotheses(_one, KEY, 0, 5, args=(jnp.float64(1.0),), chunk=4)
    assert out["x"].dtype == np.float64


def test_one_compilation_per_chunk_shape():
    map_hypotheses(_Scaled(3.0), KEY, 0, 100, chunk=32)
    before = core._map_chunk_jit._cache_size()
    map_hypotheses(_Scaled(3.0), KEY, 50, 77, chunk=32)  # another range, another padded tail
    map_hypotheses(_Scaled(3.0), jax.random.key(9), 0, 1000, chunk=32, mesh=local_mesh())
    assert core._map_chunk_jit._cache_size() == before
    map_hypotheses(_Scaled(4.0), KEY, 0, 10, chunk=32)  # another static parameter
    assert core._map_chunk_jit._cache_size() == before + 1


class _Unhashable:
    __hash__ = None

    def __call__(self, key):
        return jax.random.uniform(key)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"one": 3}, "one must be a callable"),
        ({"one": _Unhashable()}, "one must be hashable"),
        ({"key": 0}, "key must be a JAX PRNG key"),
        ({"key": jnp.zeros(2, jnp.float32)}, "key must be a JAX PRNG key.*float32"),
        ({"key": jax.random.split(KEY, 2)}, "single PRNG key"),
        ({"start": -1}, "start must be >= 0"),
        ({"start": 5, "stop": 4}, "stop must be >= start"),
        ({"stop": 2**32 + 1}, "stop must be <= 2\\^32"),
        ({"chunk": 0}, "chunk must be >= 1"),
        ({"chunk": 2.5}, "chunk must be an integer"),
        ({"args": [1.0]}, "args must be a tuple"),
        ({"mesh": "cpu"}, "mesh must be a jax.sharding.Mesh"),
        ({"progress": 3}, "progress must be a callable"),
    ],
)
def test_input_errors(kwargs, match):
    call = {"one": _Scaled(1.0), "key": KEY, "start": 0, "stop": 4} | kwargs
    with pytest.raises(InputError, match=match):
        map_hypotheses(
            call.pop("one"), call.pop("key"), call.pop("start"), call.pop("stop"), **call
        )
