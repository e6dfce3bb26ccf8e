"""The public API is pinned: the top level's names, where they come from, and a light import."""

from __future__ import annotations

import importlib
import subprocess
import sys
import types

import ibcomplexity as ibc

#: The curated top level. Changing it is an API change: update this list, the README's Python
#: section and CHANGELOG.md together.
PUBLIC = {
    "InputError": "ibcomplexity._validation",
    "__version__": None,
    "to_json": "ibcomplexity._json",
    "estimate_task": "ibcomplexity.workflows.estimate",
    "TaskEstimate": "ibcomplexity.workflows.estimate",
    "gp_space_estimate": "ibcomplexity.workflows.gp_space",
    "GPSpaceEstimate": "ibcomplexity.workflows.gp_space",
    "nn_space_estimate": "ibcomplexity.workflows.nn_space",
    "NNSpaceEstimate": "ibcomplexity.workflows.nn_space",
    "compare_architectures": "ibcomplexity.workflows.compare",
    "ArchitectureComparison": "ibcomplexity.workflows.compare",
    "CONVENTIONS": None,
    "DEFAULT_CONVENTION": None,
    "Convention": "ibcomplexity.bound._convention",
    "ClassificationTask": "ibcomplexity.bound.product",
    "bound_from_statistics": "ibcomplexity.bound.general",
    "cartpole_bound": "ibcomplexity.bound.rl",
    "classification_bound": "ibcomplexity.bound.general",
    "general_bound": "ibcomplexity.bound.general",
    "meta_learning_bound": "ibcomplexity.bound.meta",
    "product_bound": "ibcomplexity.bound.product",
    "rl_bound": "ibcomplexity.bound.rl",
    "BoundResult": "ibcomplexity.results",
    "BoundTerms": "ibcomplexity.results",
    "Dataset": "ibcomplexity.tasks.dataset",
    "RegressionTask": "ibcomplexity.tasks.regression",
    "dataset_specs_help": "ibcomplexity.tasks.datasets",
    "load_dataset": "ibcomplexity.tasks.datasets",
    "load_task": "ibcomplexity.tasks.task",
    "load_card": "ibcomplexity.tasks.cards",
    "bound_from_card": "ibcomplexity.workflows.cards",
    "task_statistics": "ibcomplexity.stats.task",
    "TaskStatistics": "ibcomplexity.results",
    "IntrinsicDimension": "ibcomplexity.results",
    "Resolution": "ibcomplexity.results",
    "GPSpace": "ibcomplexity.hypotheses.gp",
    "make_kernel": "ibcomplexity.hypotheses.kernels",
    "Kernel": "ibcomplexity.hypotheses.kernels",
    "gp_posterior": "ibcomplexity.hypotheses.gp",
    "sample_losses": "ibcomplexity.hypotheses.sampling",
    "parse_arch": "ibcomplexity.hypotheses.networks",
    "Architecture": "ibcomplexity.hypotheses.networks",
    "TrainConfig": "ibcomplexity.hypotheses.training",
    "train_hypotheses": "ibcomplexity.hypotheses.training",
    "inductive_bias": "ibcomplexity.estimate.exact",
    "GPInductiveBias": "ibcomplexity.estimate.exact",
    "estimate_bits": "ibcomplexity.estimate.loss_fit",
    "BitsEstimate": "ibcomplexity.estimate.loss_fit",
    "load_job": "ibcomplexity.batch.job",
    "run_job": "ibcomplexity.batch.runner",
}


def test_the_top_level_is_the_pinned_list():
    assert sorted(ibc.__all__) == sorted(PUBLIC)
    assert len(ibc.__all__) == len(set(ibc.__all__))
    assert set(ibc.__all__) <= set(dir(ibc))


def test_every_name_resolves_to_its_defining_module():
    for name, module in PUBLIC.items():
        value = getattr(ibc, name)
        assert not isinstance(value, types.ModuleType), name
        if module is not None:
            assert value.__module__ == module, (name, value.__module__)
            assert getattr(importlib.import_module(module), name) is value


def test_unknown_names_fail_like_a_module():
    try:
        ibc.no_such_name  # noqa: B018
    except AttributeError as e:
        assert "no_such_name" in str(e)
    else:
        raise AssertionError("no AttributeError")


def test_import_is_light_and_the_version_comes_from_the_metadata():
    from importlib import metadata

    assert ibc.__version__ == metadata.version("ibcomplexity")
    code = (
        "import sys, ibcomplexity\n"
        "print(sorted(m for m in ('jax', 'flax', 'optax') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_every_subpackage_all_resolves():
    for sub in (
        "bound",
        "stats",
        "distributions",
        "sampling",
        "hypotheses",
        "estimate",
        "tasks",
        "batch",
        "workflows",
        "cli",
    ):
        mod = importlib.import_module(f"ibcomplexity.{sub}")
        for name in mod.__all__:
            assert hasattr(mod, name), f"ibcomplexity.{sub}.{name}"


def test_subpackages_export_no_plumbing():
    """Storage and scheduling helpers stay in their modules, out of the subpackages' API."""
    plumbing = {
        "batch": {
            "atomic_write_json",
            "atomic_write_bytes",
            "chunk_grid",
            "ChunkStore",
            "plan_units",
            "shard_blocks",
            "shard_dir",
        },
        "sampling": {"FALLBACK_BYTES", "AXIS", "free_memory", "round_chunk"},
    }
    for sub, names in plumbing.items():
        mod = importlib.import_module(f"ibcomplexity.{sub}")
        assert not names & set(mod.__all__), (sub, names & set(mod.__all__))
