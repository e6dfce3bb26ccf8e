"""The user's own Flax modules as architectures (issue 15): ``py:MODULE:FACTORY`` specs and
:meth:`Architecture.from_module`, their one-line errors, and training them."""

from __future__ import annotations

import sys
import textwrap

import flax.linen as nn
import jax
import numpy as np
import pytest

from ibcomplexity import InputError
from ibcomplexity.hypotheses import Architecture, parse_arch, train_hypotheses
from ibcomplexity.tasks import load_dataset, make_regression_task

MODELS = textwrap.dedent(
    """
    import flax.linen as nn

    from ibcomplexity.hypotheses.networks import MLP


    class ConvNet(nn.Module):
        outputs: int
        input_shape: tuple = (8, 8, 1)
        channels: int = 4

        @nn.compact
        def __call__(self, x):
            x = x.reshape((x.shape[0], *self.input_shape))
            x = nn.relu(nn.Conv(self.channels, (3, 3))(x))
            return nn.Dense(self.outputs)(x.reshape((x.shape[0], -1)))


    def same_as_builtin(outputs, width=16):
        return MLP(width, 1, outputs)


    def wrong_shape(outputs):
        return nn.Dense(outputs + 1)


    def not_flax(outputs):
        return object()


    def the_class(outputs):
        return ConvNet


    def raises(outputs):
        raise ValueError("no such layer")


    def no_params(outputs):
        return nn.Sequential([nn.relu])


    class Norm(nn.Module):
        outputs: int

        @nn.compact
        def __call__(self, x):
            return nn.Dense(self.outputs)(nn.BatchNorm(use_running_average=False)(x))


    def batchnorm(outputs):
        return Norm(outputs)


    def integer_out(outputs):
        return Rounded(outputs)


    class Rounded(nn.Module):
        outputs: int

        @nn.compact
        def __call__(self, x):
            return nn.Dense(self.outputs)(x).astype("int32")
    """
)


@pytest.fixture
def models(tmp_path, monkeypatch):
    """``user_models.py`` in a temporary folder that is the current folder."""
    (tmp_path / "user_models.py").write_text(MODELS)
    (tmp_path / "broken.py").write_text("import flax.linen as nn\ndef f(outputs:\n")
    monkeypatch.chdir(tmp_path)
    yield tmp_path
    for name in ("user_models", "broken"):
        sys.modules.pop(name, None)


def test_a_module_name_and_a_file_path_give_the_user_module(models):
    arch = parse_arch("py:user_models:ConvNet:channels=3", input_shape=(8, 8, 1), outputs=10)
    assert arch.name == "py" and arch.spec == "py:user_models:ConvNet:channels=3"
    assert arch.input_shape == (8, 8, 1) and arch.outputs == 10
    # a 3x3 conv of 1 -> 3 channels, then a dense layer from 8*8*3 to 10
    assert arch.num_parameters == (9 * 3 + 3) + (8 * 8 * 3 * 10 + 10)
    assert arch.params["channels"] == 3 and len(arch.params["code"]) == 16
    by_file = parse_arch(
        f"py:{models / 'user_models.py'}:ConvNet:channels=3", input_shape=(8, 8, 1), outputs=10
    )
    assert by_file.num_parameters == arch.num_parameters
    assert by_file.params["code"] == arch.params["code"]
    # a spec is a static jit argument: the same spec is equal, another is not
    again = parse_arch("py:user_models:ConvNet:channels=3", input_shape=(8, 8, 1), outputs=10)
    assert again == arch and hash(again) == hash(arch)
    assert arch != by_file


def test_a_user_module_trains_exactly_like_the_same_builtin_network(models):
    """The oracle: a factory returning the library's own MLP gives the built-in's losses."""
    task = make_regression_task(load_dataset("digits"), n_train=60, n_test=40, seed=0)
    key = jax.random.key(3)
    kw = dict(num=4, epochs=3, batch_size=20)
    user = parse_arch("py:user_models:same_as_builtin:width=16", input_shape=(64,), outputs=10)
    ours = parse_arch("mlp:width=16,depth=1", input_shape=(64,), outputs=10)
    assert user.num_parameters == ours.num_parameters == 64 * 16 + 16 + 16 * 10 + 10
    a = train_hypotheses(key, user, task, **kw)
    b = train_hypotheses(key, ours, task, **kw)
    np.testing.assert_array_equal(a.test_mse, b.test_mse)
    np.testing.assert_array_equal(a.train_mse, b.train_mse)


@pytest.mark.parametrize(
    ("spec", "match"),
    [
        ("py:user_models:wrong_shape", r"returns outputs of shape \(2, 11\) .* expected \(2, 10\)"),
        ("py:user_models:not_flax", r"not_flax gave a builtins.object, not a flax.linen.Module"),
        ("py:user_models:the_class", r"gave the class ConvNet, not an instance of it"),
        ("py:user_models:raises", r"the factory raised ValueError: no such layer \(.*line \d+\)"),
        ("py:user_models:no_params", r"has no trainable parameters"),
        ("py:user_models:batchnorm", r"module.apply\(variables, x\) .* failed: .*mutable"),
        ("py:user_models:integer_out", r"returns int32 outputs; expected floating point"),
        ("py:user_models:ConvNet", r"initialising it on inputs of shape \(2, 64\) failed"),
        ("py:user_models:nothere", r"'user_models' has no attribute 'nothere'; it defines: .*"),
        ("py:no_such_module:f", r"no module named 'no_such_module' \(run from the folder"),
        ("py:broken:f", r"importing 'broken' raised SyntaxError: .*broken.py, line 2"),
        ("py:./missing.py:f", r"no Python file './missing.py'"),
        ("py:user_models", r"must name a module and an object in it: py:MODULE:NAME"),
        ("py:user_models:ConvNet:chanels=3", r"calling the factory with chanels, outputs"),
        ("py:user_models:ConvNet:3", r"'3' is not a Python name"),
        ("py:user_models:ConvNet:a=1,b", r"'b' is not KEY=VALUE"),
    ],
)
def test_bad_user_modules_are_named_in_one_line(models, spec, match):
    with pytest.raises(InputError, match=match) as info:
        parse_arch(spec, input_shape=(64,), outputs=10)
    assert "\n" not in str(info.value) and spec.split(":")[1] in str(info.value)


def test_options_are_python_literals(models):
    arch = parse_arch(
        "py:user_models:ConvNet:channels=2,input_shape=(4, 16, 1)", input_shape=(64,), outputs=3
    )
    assert arch.params["input_shape"] == (4, 16, 1) and arch.params["channels"] == 2
    assert arch.spec == "py:user_models:ConvNet:channels=2,input_shape=(4, 16, 1)"


def test_the_python_route_from_module():
    arch = Architecture.from_module(nn.Dense(10), input_shape=(64,), outputs=10)
    assert arch.spec == "module:flax.linen.linear.Dense" and arch.num_parameters == 650
    # two hand-built modules are never one compiled program, even with equal labels
    other = Architecture.from_module(nn.Dense(10), input_shape=(64,), outputs=10)
    assert other != arch and arch == arch
    assert parse_arch(arch, input_shape=(64,), outputs=10) is arch
    with pytest.raises(InputError, match=r"built for inputs \(64,\) and 10 outputs, not"):
        parse_arch(arch, input_shape=(32,), outputs=10)
    with pytest.raises(InputError, match=r"returns outputs of shape \(2, 10\) .* \(2, 3\)"):
        Architecture.from_module(nn.Dense(10), input_shape=(64,), outputs=3)
    with pytest.raises(InputError, match="not a flax.linen.Module"):
        Architecture.from_module(lambda x: x, input_shape=(64,), outputs=3)
    task = make_regression_task(load_dataset("digits"), n_train=40, n_test=20, seed=0)
    res = train_hypotheses(jax.random.key(0), arch, task, num=2, epochs=2, batch_size=20)
    assert res.test_mse.shape == (2,) and np.isfinite(res.test_mse).all()


def test_an_edited_file_is_imported_again(tmp_path):
    path = tmp_path / "edit_me.py"
    path.write_text("import flax.linen as nn\ndef f(outputs):\n    return nn.Dense(outputs)\n")
    first = parse_arch(f"py:{path}:f", input_shape=(4,), outputs=2)
    path.write_text(
        "import flax.linen as nn\ndef f(outputs):\n"
        "    return nn.Sequential([nn.Dense(3), nn.Dense(outputs)])\n"
    )
    second = parse_arch(f"py:{path}:f", input_shape=(4,), outputs=2)
    assert (first.num_parameters, second.num_parameters) == (10, 15 + 8)
    assert first.params["code"] != second.params["code"]
