"""Workflows: what the ``ibc`` commands do, as library calls returning one result object.

The layer above the estimators (data -> statistics and hypotheses -> estimators -> workflows ->
CLI): each function loads its data once, runs the measures and returns a frozen result whose
``as_dict()`` is the command's JSON (written by :func:`ibcomplexity.to_json`).

- :func:`estimate_task` (``ibc estimate``): the model-agnostic bound and the exact GP inductive
  bias of one task, side by side.
- :func:`gp_space_estimate` (``ibc kernel``): the exact, and optionally sampled, inductive bias of
  one GP/kernel space.
- :func:`nn_space_estimate` (``ibc nn``): the bits within one network space, from trained
  networks' test losses.
- :func:`compare_architectures` (``ibc compare``): the inductive bias each architecture provides,
  measured in a fixed base space, with paired differences.
"""

from ibcomplexity.workflows.compare import ArchitectureComparison, compare_architectures
from ibcomplexity.workflows.estimate import TaskEstimate, estimate_task
from ibcomplexity.workflows.gp_space import GPSpaceEstimate, gp_space_estimate
from ibcomplexity.workflows.nn_space import NNSpaceEstimate, nn_space_estimate

__all__ = [
    "ArchitectureComparison",
    "GPSpaceEstimate",
    "NNSpaceEstimate",
    "TaskEstimate",
    "compare_architectures",
    "estimate_task",
    "gp_space_estimate",
    "nn_space_estimate",
]
