"""The user's own kernel (issue 15): ``py:MODULE:FUNCTION`` specs, :meth:`Kernel.from_function`,
the oracle that a user copy of a built-in kernel gives the built-in's posterior and bits, and
one-line errors for kernels that are not covariances."""

from __future__ import annotations

import json
import sys
import textwrap

import jax.numpy as jnp
import numpy as np
import pytest

from ibcomplexity import InputError
from ibcomplexity.batch import load_job
from ibcomplexity.cli import main
from ibcomplexity.estimate import inductive_bias_from_posterior
from ibcomplexity.hypotheses import GPSpace, Kernel, gp_posterior, make_kernel
from ibcomplexity.tasks import load_dataset, make_regression_task

KERNELS = textwrap.dedent(
    """
    import jax.numpy as jnp

    ANSWER = 42


    def _d2(x1, x2):
        return jnp.sum((x1[:, None, :] - x2[None, :, :]) ** 2, axis=-1)


    def my_rbf(x1, x2, bandwidth):
        return jnp.exp(-_d2(x1, x2) / (2 * bandwidth**2))


    def cauchy(x1, x2, bandwidth=1.0, power=1.0):
        return (1.0 + _d2(x1, x2) / bandwidth**2) ** (-power)


    def dot(x1, x2):
        return x1 @ x2.T + 1.0


    def wrong_shape(x1, x2):
        return x1 @ x2.T[:, :1]


    def asymmetric(x1, x2):
        return jnp.exp(-_d2(x1, 2 * x2))


    def negative(x1, x2):
        return -jnp.exp(-_d2(x1, x2))


    def not_psd(x1, x2):
        return 1.0 + _d2(x1, x2)


    def nan(x1, x2):
        return jnp.log(-jnp.ones((x1.shape[0], x2.shape[0])))


    def numpy_inside(x1, x2):
        import numpy as np

        return np.asarray(x1) @ np.asarray(x2).T
    """
)


@pytest.fixture
def kernels(tmp_path, monkeypatch):
    (tmp_path / "user_kernels.py").write_text(KERNELS)
    monkeypatch.chdir(tmp_path)
    yield tmp_path / "user_kernels.py"
    sys.modules.pop("user_kernels", None)


@pytest.fixture(scope="module")
def task():
    return make_regression_task(load_dataset("digits"), n_train=150, n_test=40, seed=0)


def test_a_user_copy_of_rbf_gives_the_builtin_posterior_and_bits(kernels, task):
    """The oracle: the same kernel written by the user (median bandwidth included)."""
    user = gp_posterior(GPSpace("py:user_kernels:my_rbf"), task)
    ours = gp_posterior(GPSpace("rbf"), task)
    assert user.kernel.bandwidth == ours.kernel.bandwidth  # the same median heuristic
    np.testing.assert_allclose(user.mu, ours.mu, atol=1e-10)
    np.testing.assert_allclose(user.eigenvalues, ours.eigenvalues, atol=1e-12)
    for target in (0.02, 0.05):
        a = inductive_bias_from_posterior(user, target).bits
        b = inductive_bias_from_posterior(ours, target).bits
        assert a == pytest.approx(b, rel=1e-9)
    # the Python route: a function object, by Kernel.from_function or make_kernel
    from user_kernels import my_rbf

    for kernel in (Kernel.from_function(my_rbf), make_kernel(my_rbf)):
        post = gp_posterior(GPSpace(kernel), task)
        np.testing.assert_allclose(post.mu, ours.mu, atol=1e-10)
        assert post.kernel.spec == "function:user_kernels.my_rbf"


def test_options_bandwidth_and_spec_round_trip(kernels):
    k = make_kernel("py:user_kernels:cauchy:power=2")
    assert k.bandwidth == "median" and dict(k.options) == {"power": 2}
    assert k.spec == "py:user_kernels:cauchy:bandwidth=median,power=2"
    assert make_kernel(k.spec) == k
    x = jnp.asarray(np.random.default_rng(0).normal(size=(5, 3)))
    fixed = make_kernel("py:user_kernels:cauchy:bandwidth=1.5,power=2")
    d2 = np.sum((np.asarray(x)[:, None] - np.asarray(x)[None]) ** 2, axis=-1)
    np.testing.assert_allclose(fixed.gram(x), (1 + d2 / 1.5**2) ** -2.0, rtol=1e-6)
    dot = make_kernel("py:user_kernels:dot")  # no bandwidth: none is resolved or printed
    assert dot.bandwidth is None and dot.spec == "py:user_kernels:dot" and dot.params == {}


@pytest.mark.parametrize(
    ("spec", "match"),
    [
        ("py:user_kernels:wrong_shape", r"returns shape \(150, 1\) .* expected \(150, 150\)"),
        ("py:user_kernels:asymmetric", r"is not symmetric on the training inputs"),
        ("py:user_kernels:negative", r"has zero, negative or non-finite variance"),
        ("py:user_kernels:not_psd", r"Cholesky factorisation of the training Gram matrix failed"),
        ("py:user_kernels:nan", r"returns non-finite values"),
        ("py:user_kernels:numpy_inside", r"failed: TracerArrayConversionError"),
        ("py:user_kernels:dot:bandwidth=2", r"has no bandwidth \(its function takes no"),
        ("py:user_kernels:ANSWER", r"names a int, not a function"),
        ("py:user_kernels:gone", r"'user_kernels' has no attribute 'gone'"),
        ("py:nowhere:k", r"no module named 'nowhere'"),
    ],
)
def test_kernels_that_are_not_covariances_are_one_line_errors(kernels, task, spec, match):
    with pytest.raises(InputError, match=match) as info:
        gp_posterior(GPSpace(spec), task)
    assert "\n" not in str(info.value)


def test_ibc_kernel_and_a_batch_job_take_a_user_kernel(kernels, tmp_path, capsys):
    argv = ["kernel", "--kernel", "py:user_kernels:cauchy:power=2", "--n-train", "100"]
    assert main([*argv, "--n-test", "30", "--json", "--quiet"]) == 0
    space = json.loads(capsys.readouterr().out)["exact"]["space"]
    assert space["kernel"].startswith("py:user_kernels:cauchy:bandwidth=")
    assert space["kernel_params"]["power"] == 2 and len(space["kernel_code"]) == 16
    folder = tmp_path / "job"
    folder.mkdir()
    (folder / "k.py").write_text(KERNELS)
    job_file = folder / "job.toml"
    job_file.write_text(
        "[job]\nseed = 0\ntargets = [0.05]\nsamples = [20]\nchunk_size = 10\nbootstrap = 5\n"
        'plots = false\n\n[[tasks]]\ndataset = "digits"\nn_train = 60\nn_test = 30\n\n'
        '[[spaces]]\ntype = "gp"\nkernel = "py:./k.py:my_rbf"\n'
    )
    job = load_job(job_file)
    space = job.spaces[0]
    assert space.kernel == "py:./k.py:my_rbf:bandwidth=median"  # as written: hash is portable
    assert space.resolved_kernel.startswith(f"py:{folder / 'k.py'}:my_rbf")
    assert job.canonical()["spaces"][0]["code"] == space.code
    assert main(["batch", str(job_file), "--out", str(tmp_path / "out"), "--json", "--quiet"]) == 0
    rows = json.loads(capsys.readouterr().out)["rows"]
    assert rows[0]["exact_bits"] > 0
    (folder / "k.py").write_text(KERNELS + "\n# edited\n")
    assert load_job(job_file).content_hash != job.content_hash
