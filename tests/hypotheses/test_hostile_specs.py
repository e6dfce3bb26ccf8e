"""Hostile hypothesis-space specs (issue 16): huge widths and depths, and GP or training working
sets past the memory limit, are one clear InputError before anything is built or allocated."""

from __future__ import annotations

import math
import time

import jax
import pytest

from ibcomplexity._validation import InputError
from ibcomplexity.hypotheses import GPSpace, gp_posterior, make_kernel
from ibcomplexity.hypotheses.gp import check_posterior_memory, posterior_memory
from ibcomplexity.hypotheses.networks import MAX_DEPTH, _parameter_count, parse_arch
from ibcomplexity.hypotheses.training import train_hypotheses


@pytest.mark.parametrize(
    ("spec", "shape"),
    [
        ("mlp:width=64,depth=3", (64,)),
        ("reference:width=32,depth=0", (64,)),
        ("reference:width=32,depth=2", (30,)),
        ("cnn:channels=3-5-7,kernel=5,dense=10", (7, 9, 3)),
        ("cnn:channels=4,kernel=3,dense=16", (8, 8, 1)),
        ("mixer:patch=2,dim=8,depth=2", (8, 8, 1)),
        ("mixer:patch=4,dim=7,depth=1", (8, 8, 3)),
        ("rf:width=30", (64,)),
        ("linear", (12,)),
    ],
)
def test_closed_form_parameter_count_is_exact(spec, shape):
    """The count the memory check uses equals flax's (trainable and fixed variables)."""
    arch = parse_arch(spec, input_shape=shape, outputs=10)
    leaves = jax.tree.leaves(arch._shapes())
    assert _parameter_count(arch.name, arch.params, arch.input_shape, 10) == sum(
        math.prod(a.shape) for a in leaves
    )


@pytest.mark.parametrize(
    ("spec", "match"),
    [
        ("mlp:width=10000000000", r"about 10\^20.0 parameters .* would need [0-9.]+ PiB of memory"),
        ("mlp:width=" + "1" + "0" * 30, r"would need more than 1 ZiB of memory"),
        ("rf:width=" + "9" * 41, r"must be a size of at most 40 digits, got 41 digits"),
        ("mlp:depth=1000000", rf"depth of architecture 'mlp' must be at most {MAX_DEPTH:,}"),
        ("reference:depth=5000", r"must be at most 1,000 \(layers\), got 5,000"),
        ("mixer:depth=2000,image=8x8x1", r"must be at most 1,000"),
        ("cnn:channels=" + "-".join(["1"] * 1001) + ",image=8x8x1", r"spec of 2,026 characters"),
        ("mlp:width=" + "1" * 600, r"architecture spec of 610 characters, more than 500"),
    ],
)
def test_huge_architectures_are_refused_at_once(spec, match):
    t = time.perf_counter()
    with pytest.raises(InputError, match=match):
        parse_arch(spec, input_shape=(64,), outputs=10)
    assert time.perf_counter() - t < 1.0


def test_sizes_are_bounded_even_with_a_huge_memory_limit(monkeypatch):
    monkeypatch.setenv("IBC_MEMORY_LIMIT", "1e30")
    with pytest.raises(
        InputError, match="width of architecture 'rf' must be at most 2,147,483,647"
    ):
        parse_arch("rf:width=3000000000", input_shape=(64,), outputs=10)


def test_gp_memory_is_measured_before_any_array(monkeypatch, small_task):
    assert posterior_memory(1000, 500) == 8 * (3 * 10**6 + 10**6 + 10**6)
    with pytest.raises(InputError, match=r"GP posterior on 1,000,000,000 training .* PiB"):
        check_posterior_memory(10**9, 500)
    monkeypatch.setenv("IBC_MEMORY_LIMIT", "10000")
    with pytest.raises(InputError, match=r"GP posterior on 60 training and 25 test points would"):
        gp_posterior(GPSpace("rbf"), small_task)


def test_training_memory_is_checked_before_training(monkeypatch, small_task):
    import ibcomplexity.hypotheses.training as training

    def forbid(*args, **kwargs):
        raise AssertionError("training started")

    monkeypatch.setattr(training, "map_hypotheses", forbid)
    monkeypatch.setenv("IBC_MEMORY_LIMIT", "100000")
    arch = parse_arch("mlp:width=16,depth=1", input_shape=(64,), outputs=10)  # 4 KiB of weights
    with pytest.raises(InputError, match=r"training one network of 'mlp:width=16.* would need"):
        train_hypotheses(jax.random.key(0), arch, small_task, num=2, epochs=1, batch_size=10)


def test_deep_nngp_kernel_is_refused():
    with pytest.raises(InputError, match=r"from 1 to 1000 \(hidden layers\), got 1000000"):
        make_kernel("nngp:depth=1000000")
    assert make_kernel("nngp:depth=1000").depth == 1000
