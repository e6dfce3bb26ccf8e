"""Regression tasks: disjoint seeded splits, stratification, one-hot targets, input errors."""

from __future__ import annotations

import numpy as np
import pytest

from ibcomplexity._validation import InputError
from ibcomplexity.tasks.datasets import Dataset, load_digits
from ibcomplexity.tasks.regression import RegressionTask, make_regression_task


@pytest.fixture(scope="module")
def digits() -> Dataset:
    return load_digits()


def _unbalanced(n_per_class=(50, 30, 15, 5), dim=3, seed=0) -> Dataset:
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(len(n_per_class)) * 2 + 1, n_per_class)  # labels 1, 3, 5, 7
    x = rng.normal(size=(y.size, dim))
    return Dataset.from_arrays(x, y, name="unbalanced")


def test_sizes_disjoint_and_consistent(digits):
    task = make_regression_task(digits, n_train=300, n_test=120, seed=3)
    assert isinstance(task, RegressionTask)
    assert task.x_train.shape == (300, 64) and task.x_test.shape == (120, 64)
    assert task.y_train.shape == (300, 10) and task.y_test.shape == (120, 10)
    assert task.n_train == 300 and task.n_test == 120 and task.dim == 64
    assert task.classes == 10 and task.seed == 3 and task.name == "digits"
    assert len(set(task.train_indices) | set(task.test_indices)) == 420  # disjoint, no repeats
    np.testing.assert_array_equal(task.x_train, digits.x[task.train_indices])
    np.testing.assert_array_equal(task.x_test, digits.x[task.test_indices])
    np.testing.assert_array_equal(task.labels_train, digits.y[task.train_indices])
    np.testing.assert_array_equal(task.labels_test, digits.y[task.test_indices])


def test_one_hot_targets(digits):
    task = make_regression_task(digits, n_train=100, n_test=50, seed=0)
    for y, labels in ((task.y_train, task.labels_train), (task.y_test, task.labels_test)):
        assert y.dtype == np.float32
        np.testing.assert_array_equal(y.sum(axis=1), 1.0)
        assert set(np.unique(y)) == {0.0, 1.0}
        values = np.asarray(task.class_values)
        np.testing.assert_array_equal(values[y.argmax(axis=1)], labels)


def test_one_hot_columns_follow_sorted_label_values():
    ds = _unbalanced()
    task = make_regression_task(ds, n_train=40, n_test=20, seed=1)
    assert task.class_values == (1, 3, 5, 7) and task.classes == 4
    np.testing.assert_array_equal(
        np.asarray(task.class_values)[task.y_train.argmax(axis=1)], task.labels_train
    )


def test_stratified_counts_are_proportional():
    ds = _unbalanced()  # 100 examples: 50/30/15/5
    task = make_regression_task(ds, n_train=40, n_test=20, seed=0)
    train = np.bincount(task.labels_train, minlength=8)[[1, 3, 5, 7]]
    test = np.bincount(task.labels_test, minlength=8)[[1, 3, 5, 7]]
    np.testing.assert_array_equal(train, [20, 12, 6, 2])  # 40 * (0.5, 0.3, 0.15, 0.05)
    np.testing.assert_array_equal(test, [10, 6, 3, 1])


def test_stratified_largest_remainder_and_caps(digits):
    task = make_regression_task(digits, n_train=95, n_test=33, seed=5)
    counts = digits.class_counts
    ideal = 95 * counts / counts.sum()
    got = np.bincount(task.labels_train, minlength=10)
    assert got.sum() == 95 and np.all(np.abs(got - ideal) < 1)
    # Using every example forces the caps: each class fully used.
    full = make_regression_task(digits, n_train=1000, n_test=digits.n - 1000, seed=0)
    np.testing.assert_array_equal(
        np.bincount(full.labels_train, minlength=10) + np.bincount(full.labels_test, minlength=10),
        counts,
    )


def test_split_order_is_shuffled(digits):
    task = make_regression_task(digits, n_train=200, n_test=100, seed=0)
    # Not grouped by class: the label changes often along the training set.
    assert np.count_nonzero(np.diff(task.labels_train)) > 100


def test_unstratified_is_uniform_random(digits):
    a = make_regression_task(digits, n_train=100, n_test=50, seed=0, stratified=False)
    rng = np.random.default_rng(0)
    order = rng.permutation(digits.n)
    np.testing.assert_array_equal(a.train_indices, order[:100])
    np.testing.assert_array_equal(a.test_indices, order[100:150])
    assert not a.stratified


def test_seeded_determinism(digits):
    a = make_regression_task(digits, n_train=100, n_test=50, seed=7)
    b = make_regression_task(digits, n_train=100, n_test=50, seed=7)
    c = make_regression_task(digits, n_train=100, n_test=50, seed=8)
    np.testing.assert_array_equal(a.train_indices, b.train_indices)
    np.testing.assert_array_equal(a.test_indices, b.test_indices)
    assert not np.array_equal(a.train_indices, c.train_indices)


def test_arrays_are_read_only(digits):
    task = make_regression_task(digits, n_train=10, n_test=10)
    with pytest.raises(ValueError):
        task.x_train[0, 0] = 1.0
    with pytest.raises(ValueError):
        task.y_test[0, 0] = 1.0


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n_train": 0, "n_test": 10}, "n_train must be >= 1"),
        ({"n_train": 10, "n_test": 0}, "n_test must be >= 1"),
        ({"n_train": 1000, "n_test": 1000}, "exceeds the 1797 examples"),
        ({"n_train": 2.5, "n_test": 10}, "n_train must be an integer"),
        ({"n_train": 10, "n_test": 10, "seed": -1}, "seed must be >= 0"),
        ({"n_train": 10, "n_test": 10, "stratified": "yes"}, "stratified must be True or False"),
    ],
)
def test_bad_sizes(digits, kwargs, match):
    with pytest.raises(InputError, match=match):
        make_regression_task(digits, **kwargs)


def test_single_class_and_non_dataset():
    one = Dataset.from_arrays(np.zeros((10, 2)), np.zeros(10, dtype=int))
    with pytest.raises(InputError, match="at least 2"):
        make_regression_task(one, n_train=5, n_test=5)
    with pytest.raises(InputError, match="must be an ibcomplexity Dataset"):
        make_regression_task(np.zeros((10, 2)), n_train=5, n_test=5)
