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
- The bound (``ibc bound``, ``ibc stats``, ``ibc card``): :func:`task_bound` from a card or a
  dataset, :func:`dataset_statistics`, :func:`computed_card`.
- Data cards: :func:`card_catalogue` (``ibc cards``), :func:`bound_from_card`,
  :func:`product_bound_from_cards` and :func:`card_from_spec` / :func:`card_markdown`.
- Few-shot meta-learning (``ibc fewshot``: :func:`fewshot_analysis`): :func:`meta_statistics`
  (the bound with statistics from data) and :func:`fewshot_vs_classification` (the exact GP
  episode estimate).
- RL: :func:`rl_bound_inputs`, the RL form's inputs from an MDP task's data.
"""

from ibcomplexity.workflows.card_builder import card_from_spec, card_markdown
from ibcomplexity.workflows.cards import (
    CardCatalogue,
    bound_from_card,
    card_catalogue,
    classification_task,
    product_bound_from_cards,
)
from ibcomplexity.workflows.compare import ArchitectureComparison, compare_architectures
from ibcomplexity.workflows.estimate import TaskEstimate, estimate_task
from ibcomplexity.workflows.fewshot import (
    EpisodeInductiveBias,
    EpisodeLossLaws,
    FewShotAnalysis,
    FewShotComparison,
    MetaStatistics,
    episode_loss_laws,
    fewshot_analysis,
    fewshot_vs_classification,
    meta_statistics,
)
from ibcomplexity.workflows.gp_space import GPSpaceEstimate, gp_space_estimate
from ibcomplexity.workflows.nn_space import NNSpaceEstimate, nn_space_estimate
from ibcomplexity.workflows.rl import rl_bound_inputs
from ibcomplexity.workflows.task_bound import (
    ComputedCard,
    TaskBound,
    computed_card,
    dataset_statistics,
    task_bound,
)

__all__ = [
    "ArchitectureComparison",
    "CardCatalogue",
    "ComputedCard",
    "EpisodeInductiveBias",
    "EpisodeLossLaws",
    "FewShotAnalysis",
    "FewShotComparison",
    "GPSpaceEstimate",
    "MetaStatistics",
    "NNSpaceEstimate",
    "TaskBound",
    "TaskEstimate",
    "bound_from_card",
    "card_catalogue",
    "card_from_spec",
    "card_markdown",
    "classification_task",
    "compare_architectures",
    "computed_card",
    "dataset_statistics",
    "episode_loss_laws",
    "estimate_task",
    "fewshot_analysis",
    "fewshot_vs_classification",
    "gp_space_estimate",
    "meta_statistics",
    "nn_space_estimate",
    "product_bound_from_cards",
    "rl_bound_inputs",
    "task_bound",
]
