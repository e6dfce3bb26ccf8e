"""Architectures for trained-network hypothesis spaces: shapes, spec parsing, initialisation."""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from ibcomplexity._validation import InputError
from ibcomplexity.hypotheses.networks import (
    ARCHITECTURES,
    Architecture,
    arch_specs_help,
    parse_arch,
)

DIGITS = (8, 8, 1)


def _init(arch: Architecture, key: jax.Array) -> dict:
    """``arch.init`` under jit: one compilation instead of many eager flax ops."""
    return jax.jit(arch.init)(key)


# (spec, input_shape): one small instance of every architecture (and both ways to give an image).
SMALL = [
    ("mlp:width=16,depth=2,act=tanh", (64,)),
    ("mlp:width=8,depth=1,init=torch", (64,)),
    ("reference:width=16,depth=0", (64,)),
    ("cnn:channels=4-8,kernel=3,dense=16", DIGITS),
    ("cnn:channels=4,kernel=5,dense=8,image=8x8x1", (64,)),
    ("cnn:channels=2-2-2,kernel=3,dense=4,image=6x10x3", (180,)),
    ("mixer:patch=4,dim=8,depth=1", DIGITS),
    ("mixer:patch=2,dim=4,depth=2,act=relu,image=4x6x3", (72,)),
    ("rf:width=32", (64,)),
    ("linear", (64,)),
]


# Forward passes compile each network's initialiser (about 0.3-1.5 s each on CPU): one per
# architecture, with the image models on non-square, multi-channel images.
FORWARD = [SMALL[i] for i in (0, 2, 3, 5, 7, 8, 9)]


@pytest.mark.parametrize(("spec", "shape"), FORWARD)
def test_forward_shape_and_finite(spec, shape):
    arch = parse_arch(spec, input_shape=shape, outputs=3)
    x = jax.random.uniform(jax.random.key(1), (5, math.prod(shape)))
    out = jax.jit(lambda key, x: arch.apply(arch.init(key), x))(jax.random.key(0), x)
    assert out.shape == (5, 3)
    assert out.dtype == jnp.float32
    assert np.all(np.isfinite(np.asarray(out)))
    assert arch.input_dim == math.prod(shape)
    assert arch.num_parameters > 0
    assert arch.activations_per_example > 0


def test_every_architecture_covered():
    assert {s.split(":")[0] for s, _ in FORWARD} == set(ARCHITECTURES)
    for name in ARCHITECTURES:
        assert name in arch_specs_help()


@pytest.mark.parametrize(("spec", "shape"), SMALL)
def test_spec_round_trip(spec, shape):
    arch = parse_arch(spec, input_shape=shape, outputs=3)
    again = parse_arch(arch.spec, input_shape=shape, outputs=3)
    assert again == arch
    assert hash(again) == hash(arch)
    assert again.spec == arch.spec
    assert dict(again.params) == dict(arch.params)
    # An Architecture is accepted in place of its spec.
    assert parse_arch(arch, input_shape=shape, outputs=3) == arch


def test_canonical_spec_lists_defaults_and_normalises():
    arch = parse_arch("  MLP: width=8 , act=GELU ", input_shape=64, outputs=10)
    assert arch.spec == "mlp:width=8,depth=2,act=gelu,init=lecun"
    assert arch.name == "mlp"
    assert parse_arch("linear", input_shape=(64,), outputs=10).spec == "linear"
    assert (
        parse_arch("cnn", input_shape=(8, 8), outputs=10).spec
        == "cnn:channels=32-64,kernel=5,dense=128,act=relu,image=8x8x1"
    )
    assert parse_arch("reference", input_shape=(64,), outputs=10).spec == (
        "reference:width=512,depth=1"
    )
    # (H, W) means one channel.
    assert parse_arch("linear", input_shape=(8, 8), outputs=10).input_shape == DIGITS


def test_equality_uses_shapes():
    a = parse_arch("mlp:width=8", input_shape=(64,), outputs=10)
    assert a != parse_arch("mlp:width=8", input_shape=(64,), outputs=5)
    assert a != parse_arch("mlp:width=8", input_shape=(32,), outputs=10)
    assert a != parse_arch("mlp:width=9", input_shape=(64,), outputs=10)
    assert isinstance(a, Architecture)


def _dense_layers(params) -> list[dict]:
    return [params[k] for k in sorted(params, key=lambda s: int(s.split("_")[-1]))]


def test_mlp_layer_counts():
    arch = parse_arch("mlp:width=8,depth=3", input_shape=(5,), outputs=2)
    v = jax.eval_shape(arch.init, jax.random.key(0))
    shapes = [layer["kernel"].shape for layer in _dense_layers(v["params"])]
    assert shapes == [(5, 8), (8, 8), (8, 8), (8, 2)]
    # reference: depth + 1 hidden layers (Linear(d,w) -> ReLU -> [Linear(w,w) -> ReLU] x depth).
    for depth in (0, 2):
        arch = parse_arch(f"reference:width=8,depth={depth}", input_shape=(5,), outputs=2)
        layers = _dense_layers(jax.eval_shape(arch.init, jax.random.key(0))["params"])
        assert len(layers) == depth + 2
        assert arch.num_parameters == 5 * 8 + 8 + depth * (8 * 8 + 8) + 8 * 2 + 2


@pytest.mark.parametrize(
    "spec", ["reference:width=256,depth=1", "mlp:width=256,depth=2,init=torch"]
)
def test_torch_init_bounds(spec):
    """PyTorch nn.Linear init: weights and biases U(-1/sqrt(fan_in), 1/sqrt(fan_in))."""
    arch = parse_arch(spec, input_shape=(64,), outputs=10)
    layers = _dense_layers(_init(arch, jax.random.key(3))["params"])
    for layer in layers:
        w, b = np.asarray(layer["kernel"]), np.asarray(layer["bias"])
        bound = 1.0 / math.sqrt(w.shape[0])
        assert np.abs(w).max() <= bound
        assert np.abs(b).max() <= bound
        # Uniform on the whole interval: the extremes come close to the bound, the variance is
        # bound^2/3 (4 standard errors: the variance of U^2 is 4 bound^4/45).
        assert np.abs(w).max() > 0.95 * bound
        se = math.sqrt(4 / 45) * bound**2 / math.sqrt(w.size)
        assert abs(np.mean(w**2) - bound**2 / 3) < 4 * se
        assert np.any(b != 0)


def test_default_mlp_init_is_lecun_normal_zero_bias():
    arch = parse_arch("mlp:width=256,depth=1", input_shape=(64,), outputs=10)
    v = _init(arch, jax.random.key(0))
    first = v["params"]["Dense_0"]
    assert np.all(np.asarray(first["bias"]) == 0)
    # Truncated normal with variance 1/fan_in (flax's lecun_normal).
    assert abs(np.var(np.asarray(first["kernel"])) * 64 - 1) < 0.05


def test_random_features_first_layer_is_fixed():
    arch = parse_arch("rf:width=32", input_shape=(64,), outputs=10)
    v = _init(arch, jax.random.key(0))
    assert set(v) == {"params", "fixed"}
    assert v["fixed"]["kernel"].shape == (64, 32)
    # Only the readout is trainable.
    assert arch.num_parameters == 32 * 10 + 10
    w = np.asarray(v["fixed"]["kernel"])
    assert abs(np.var(w) * 64 / 2 - 1) < 0.1  # N(0, 2/d)


def test_mixer_tokens_and_cnn_image_layout():
    mixer = parse_arch("mixer:patch=2,dim=6,depth=1", input_shape=(4, 6, 1), outputs=3)
    p = jax.eval_shape(mixer.init, jax.random.key(0))["params"]
    # Token-mixing MLP acts on (4/2)*(6/2) = 6 tokens with hidden width dim // 2 = 3.
    assert p["_MixerMLP_0"]["Dense_0"]["kernel"].shape == (6, 3)
    assert p["_MixerMLP_1"]["Dense_0"]["kernel"].shape == (6, 24)
    # The CNN reads the flattened input row-major, channels last: a 1x1 convolution with
    # identity weights and no pooling influence must see the pixel at (row, col, channel).
    cnn = parse_arch("cnn:channels=1,kernel=1,dense=1", input_shape=(2, 2, 3), outputs=1)
    v = _init(cnn, jax.random.key(0))
    img = np.arange(12, dtype=np.float32).reshape(1, 2, 2, 3)
    conv = v["params"]["Conv_0"]
    feats = np.einsum("bhwc,c->bhw", img, np.asarray(conv["kernel"])[0, 0, :, 0]) + np.asarray(
        conv["bias"]
    )
    pooled = np.maximum(feats, 0).max(axis=(1, 2))
    d0 = v["params"]["Dense_0"]
    d1 = v["params"]["Dense_1"]
    hidden = np.maximum(pooled[:, None] * np.asarray(d0["kernel"]) + np.asarray(d0["bias"]), 0)
    expected = hidden @ np.asarray(d1["kernel"]) + np.asarray(d1["bias"])
    got = np.asarray(jax.jit(cnn.apply)(v, jnp.asarray(img.reshape(1, 12))))
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)


BAD_SPECS = [
    ("resnet:depth=18", (64,), r"unknown architecture 'resnet'.*valid: mlp, reference, cnn"),
    ("mlp:width=0", (64,), r"width of architecture 'mlp' must be a positive integer, got '0'"),
    ("mlp:width=-3", (64,), r"width of architecture 'mlp' must be a positive integer, got '-3'"),
    ("mlp:width=2.5", (64,), r"width of architecture 'mlp' must be a positive integer, got '2.5'"),
    ("mlp:width=5_0", (64,), r"must be a positive integer, got '5_0'"),
    ("mlp:depth=0", (64,), r"depth of architecture 'mlp' must be a positive integer, got '0'"),
    ("mlp:depth=two", (64,), r"depth of architecture 'mlp' must be a positive integer"),
    ("reference:depth=-1", (64,), r"depth of architecture 'reference' must be an integer >= 0"),
    ("mlp:act=swishy", (64,), r"unknown activation 'swishy'.*valid: relu, gelu"),
    ("mlp:init=xavier", (64,), r"unknown init 'xavier'.*valid: lecun, torch"),
    (
        "mlp:height=3",
        (64,),
        r"architecture spec 'mlp:height=3': unknown key 'height'; valid keys: width",
    ),
    ("reference:act=tanh", (64,), r"unknown key 'act'; valid keys: width, depth"),
    ("mlp:width", (64,), r"'width' is not KEY=VALUE; valid keys: width"),
    ("mlp:width=", (64,), r"'width=' is not KEY=VALUE"),
    ("mlp:width=3,width=4", (64,), r"key 'width' given twice"),
    (
        "linear:width=3",
        (64,),
        r"architecture spec 'linear:width=3': unknown key 'width'; valid keys: none",
    ),
    ("rf:width=0", (64,), r"width of architecture 'rf' must be a positive integer"),
    ("cnn:channels=32-0", DIGITS, r"channels of architecture 'cnn' \('32-0'\) must be a positive"),
    ("cnn:channels=32--64", DIGITS, r"channels of architecture 'cnn'"),
    ("cnn:kernel=0", DIGITS, r"kernel of architecture 'cnn' must be a positive integer"),
    ("cnn", (64,), r"architecture 'cnn' needs the image shape.*image=HxWxC"),
    ("mixer", (784,), r"architecture 'mixer' needs the image shape"),
    ("cnn:image=28x28x1", (64,), r"image=28x28x1 .* expects inputs of 784 = 28x28x1 values.*64"),
    ("mixer:image=8x8x1", (8, 8, 3), r"image=8x8x1 .* but input_shape is \(8, 8, 3\)"),
    ("cnn:image=28by28", (784,), r"image of architecture 'cnn' must look like HxWxC"),
    ("cnn:image=0x8x1", (64,), r"image of architecture 'cnn'.*must be a positive integer"),
    ("mixer:patch=3", DIGITS, r"patch=3 must divide the image height and width, got image 8x8"),
    ("mixer:dim=0", DIGITS, r"dim of architecture 'mixer' must be a positive integer"),
]


@pytest.mark.parametrize(("spec", "shape", "message"), BAD_SPECS)
def test_bad_specs(spec, shape, message):
    with pytest.raises(InputError, match=message):
        parse_arch(spec, input_shape=shape, outputs=10)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"spec": 3}, r"architecture spec must be a string"),
        ({"input_shape": (0,)}, r"input_shape must be \(d,\), \(H, W\) or \(H, W, C\)"),
        ({"input_shape": (1, 2, 3, 4)}, r"input_shape must be"),
        ({"input_shape": "64"}, r"input_shape must be"),
        ({"input_shape": (8.0, 8)}, r"input_shape must be"),
        ({"input_shape": True}, r"input_shape must be"),
        ({"outputs": 0}, r"outputs must be a positive integer, got 0"),
        ({"outputs": 2.0}, r"outputs must be a positive integer"),
    ],
)
def test_bad_arguments(kwargs, message):
    args = {"spec": "mlp", "input_shape": (64,), "outputs": 10, **kwargs}
    spec = args.pop("spec")
    with pytest.raises(InputError, match=message):
        parse_arch(spec, **args)
