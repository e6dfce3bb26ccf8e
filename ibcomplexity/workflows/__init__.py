"""Workflows: what the ``ibc`` commands do, as library calls returning one result object.

The layer above the estimators (data -> statistics and hypotheses -> estimators -> workflows ->
CLI): each function loads its data once, runs the measures and returns a frozen result whose
``as_dict()`` is the command's JSON (written by :func:`ibcomplexity.to_json`).

- :func:`estimate_task` (``ibc estimate``): the model-agnostic bound and the exact GP inductive
  bias of one task, side by side.
"""

from ibcomplexity.workflows.estimate import TaskEstimate, estimate_task

__all__ = ["TaskEstimate", "estimate_task"]
