r"""Preprocessing knobs that change a task's difficulty, each recorded in the dataset's metadata.

:func:`preprocess` applies the knobs in a fixed order, the order a pipeline would naturally run
(pick the data, fix its geometry, then corrupt it, then rescale it):

1. ``classes``: keep only some labels (original label values are kept, not renumbered);
2. ``max_examples``: stratified random subsample (class proportions kept, largest remainder);
3. ``transpose``: swap image height and width (EMNIST's IDX files store every image transposed);
4. ``grayscale``: ITU-R BT.601 luma of ``(H, W, 3)`` images,
   :math:`Y = 0.299 R + 0.587 G + 0.114 B`, giving ``(H, W)`` images;
5. ``resize``: to ``S x S`` (or ``H' x W'``): the mean of each ``(H/H') x (W/W')`` block when both
   factors are integers (area averaging: exact, no interpolation), otherwise antialiased bilinear
   interpolation (``jax.image.resize(method="linear", antialias=True)``);
6. ``input_noise``: i.i.d. Gaussian noise of standard deviation ``sd`` added to every feature, in
   the units of the features at this point (pixels in [0, 1] for images), before normalisation.
   Noise fills the directions the data do not use, raising the intrinsic dimension m; the bound
   paper (Boopathy et al., 2023) suggests it as a way to make a task harder;
7. ``normalize``: ``"standard"`` (each feature to zero mean and unit standard deviation over the
   dataset), ``"global"`` (one mean and one standard deviation for all features) or
   ``"minmax"`` (each feature mapped onto [0, 1] by its dataset minimum and maximum). Constant
   features (zero spread) are only centred (``standard``/``global``) or set to 0 (``minmax``).
   Last among the feature steps so that its guarantee holds for the output;
8. ``label_noise``: each label, independently with probability ``p``, replaced by a uniformly
   random *other* class among the classes present (the realised number of changed labels is
   recorded).

Every random knob has its own stream, ``numpy.random.default_rng([seed, stream])`` (subsample 0,
input noise 1, label noise 2): one ``seed`` reproduces everything, and switching one knob on does
not change the randomness of another. Each applied step appends a line to
``metadata["preprocessing"]``, e.g. ``"resize 28x28 -> 14x14 (area mean of 2x2 blocks)"``.

:func:`apply_spec` parses the text after ``@`` in a dataset spec (``mnist:DIR@resize=14,
label_noise=0.1,seed=3``): knobs are separated by ``,``, so class lists use ``;`` and ranges ``-``
(``classes=0-4`` or ``classes=0;3;7``).

References:
  Boopathy et al., *Model-agnostic Measure of Generalization Difficulty*, ICML 2023,
  arXiv:2305.01034 (noise raising the intrinsic dimension). ITU-R Recommendation BT.601 (luma).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable

import numpy as np

from ibcomplexity._limits import check_memory
from ibcomplexity._options import parse_options
from ibcomplexity._validation import InputError, check_int, check_positive
from ibcomplexity.tasks._apportion import apportion
from ibcomplexity.tasks.dataset import Dataset

__all__ = ["preprocess", "apply_spec", "KNOBS", "NORMALIZATIONS", "parse_classes"]

#: Knob names accepted by :func:`apply_spec` (``n`` is an alias of ``max_examples``).
KNOBS = (
    "classes",
    "max_examples",
    "n",
    "transpose",
    "grayscale",
    "resize",
    "input_noise",
    "normalize",
    "label_noise",
    "seed",
)
NORMALIZATIONS = ("standard", "global", "minmax")
#: ITU-R BT.601 luma weights for R, G, B.
LUMA_BT601 = (0.299, 0.587, 0.114)
# Independent random streams per knob: default_rng([seed, stream]).
_STREAM_SUBSAMPLE, _STREAM_INPUT_NOISE, _STREAM_LABEL_NOISE = 0, 1, 2
_TRUE, _FALSE = ("", "1", "true", "yes", "on"), ("0", "false", "no", "off")


def _rng(seed: int, stream: int) -> np.random.Generator:
    return np.random.default_rng([seed, stream])


def _steps(dataset: Dataset) -> list[str]:
    steps = dataset.metadata.get("preprocessing", [])
    return [str(s) for s in steps] if isinstance(steps, (list, tuple)) else [str(steps)]


def _with(dataset: Dataset, step: str, **changes) -> Dataset:
    """A copy of ``dataset`` with fields changed and ``step`` appended to its preprocessing list."""
    metadata = dict(changes.pop("metadata", dataset.metadata))
    metadata["preprocessing"] = _steps(dataset) + [step]
    return dataclasses.replace(dataset, metadata=metadata, **changes)


def _fmt_shape(shape: tuple) -> str:
    return "x".join(str(s) for s in shape)


# --- label selection ----------------------------------------------------------------------------


def parse_classes(classes) -> tuple[int, ...]:
    """Class labels from ``"0-4"``, ``"0;3;7"``, ``"0-2;5"`` or an iterable of integers (sorted).

    Example:
        >>> parse_classes("0-2;7")
        (0, 1, 2, 7)
    """
    if isinstance(classes, str):
        values: list[int] = []
        for part in classes.split(";"):
            part = part.strip()
            lo, dash, hi = part.partition("-")
            try:
                if dash:
                    a, b = int(lo), int(hi)
                    if b < a:
                        raise ValueError
                    values.extend(range(a, b + 1))
                else:
                    values.append(int(part))
            except ValueError:
                raise InputError(
                    f"classes: cannot read {part!r} in {classes!r}; write labels as a list with "
                    "';' and ranges with '-', e.g. classes=0-4 or classes=0;3;7"
                ) from None
    elif isinstance(classes, Iterable):
        values = [check_int("classes entry", c, minimum=0) for c in classes]
    else:
        raise InputError(f"classes must be a string such as '0-4' or a list of labels: {classes!r}")
    if not values:
        raise InputError("classes selects no labels")
    if min(values) < 0:
        raise InputError(f"classes must be non-negative labels, got {min(values)}")
    return tuple(sorted(set(values)))


def _select_classes(dataset: Dataset, classes) -> Dataset:
    wanted = parse_classes(classes)
    present = np.unique(dataset.y)
    missing = sorted(set(wanted) - set(present.tolist()))
    if missing:
        raise InputError(
            f"classes: label(s) {missing[:10]} not present in dataset {dataset.name!r}; labels "
            f"present: {_label_ranges(present)}"
        )
    mask = np.isin(dataset.y, wanted)
    kept = int(mask.sum())
    step = (
        f"classes {_label_ranges(np.asarray(wanted))}: kept {len(wanted)} of {present.size} "
        f"classes, {kept} of {dataset.n} examples (original labels kept)"
    )
    sub = dataset.subset(mask)
    return _with(sub, step)


def _label_ranges(labels: np.ndarray) -> str:
    """``[0, 1, 2, 5]`` -> ``"0-2;5"``."""
    values = sorted({int(v) for v in labels})
    runs: list[list[int]] = []
    for v in values:
        if runs and v == runs[-1][1] + 1:
            runs[-1][1] = v
        else:
            runs.append([v, v])
    return ";".join(str(a) if a == b else f"{a}-{b}" for a, b in runs)


def _subsample(dataset: Dataset, max_examples: int, seed: int) -> Dataset:
    if max_examples >= dataset.n:
        return _with(dataset, f"max_examples {max_examples}: all {dataset.n} examples kept")
    rng = _rng(seed, _STREAM_SUBSAMPLE)
    values, inverse = np.unique(dataset.y, return_inverse=True)
    counts = np.bincount(inverse, minlength=values.size)
    per_class = apportion(max_examples, counts, counts.astype(np.float64), rng)
    chosen = [
        rng.choice(np.flatnonzero(inverse == c), size=int(k), replace=False)
        for c, k in enumerate(per_class)
    ]
    idx = np.sort(np.concatenate(chosen))
    step = (
        f"max_examples {max_examples}: stratified subsample of {idx.size} of {dataset.n} "
        f"examples, {int((per_class > 0).sum())} classes (seed {seed})"
    )
    return _with(dataset.subset(idx), step)


# --- image geometry -----------------------------------------------------------------------------


def _images(dataset: Dataset, knob: str) -> np.ndarray:
    """``x`` as ``(n, H, W, C)`` images; an InputError when the dataset is not image-shaped."""
    shape = dataset.shape
    if len(shape) not in (2, 3):
        raise InputError(
            f"{knob} needs image data, with per-example shape (H, W) or (H, W, C); dataset "
            f"{dataset.name!r} has shape {shape}"
        )
    h, w = shape[:2]
    c = shape[2] if len(shape) == 3 else 1
    return dataset.x.reshape(dataset.n, h, w, c)


def _from_images(images: np.ndarray, keep_channel_axis: bool) -> tuple[np.ndarray, tuple]:
    n, h, w, c = images.shape
    shape = (h, w, c) if keep_channel_axis else (h, w)
    flat = np.ascontiguousarray(images, dtype=np.float32).reshape(n, -1)
    return flat, shape


def _transpose(dataset: Dataset) -> Dataset:
    images = _images(dataset, "transpose").swapaxes(1, 2)
    x, shape = _from_images(images, len(dataset.shape) == 3)
    step = f"transpose: swap height and width ({_fmt_shape(dataset.shape)} -> {_fmt_shape(shape)})"
    return _with(dataset, step, x=x, shape=shape)


def _grayscale(dataset: Dataset) -> Dataset:
    images = _images(dataset, "grayscale")
    if len(dataset.shape) == 2 or dataset.shape[2] == 1:
        raise InputError(
            f"grayscale: dataset {dataset.name!r} is already single-channel (shape "
            f"{dataset.shape}); grayscale converts (H, W, 3) colour images"
        )
    if dataset.shape[2] != 3:
        raise InputError(
            f"grayscale needs RGB images of shape (H, W, 3); dataset {dataset.name!r} has "
            f"{dataset.shape[2]} channels (shape {dataset.shape})"
        )
    luma = images.astype(np.float64) @ np.asarray(LUMA_BT601)
    x, shape = _from_images(luma[..., None], False)
    step = (
        f"grayscale: ITU-R BT.601 luma 0.299 R + 0.587 G + 0.114 B "
        f"({_fmt_shape(dataset.shape)} -> {_fmt_shape(shape)})"
    )
    return _with(dataset, step, x=x, shape=shape)


def _parse_resize(resize) -> tuple[int, int]:
    if isinstance(resize, str):
        h, x, w = resize.lower().partition("x")
        try:
            return (int(h), int(w)) if x else (int(resize), int(resize))
        except ValueError:
            raise InputError(
                f"resize must be S or HxW (e.g. resize=14 or resize=14x12), got {resize!r}"
            ) from None
    if isinstance(resize, (tuple, list)):
        if len(resize) != 2:
            raise InputError(f"resize must be S or (H, W), got {resize!r}")
        return check_int("resize height", resize[0]), check_int("resize width", resize[1])
    side = check_int("resize", resize)
    return side, side


def _check_resize_memory(dataset: Dataset, shape: tuple, target: tuple[int, int], area: bool):
    """Refuse a resize whose arrays would not fit in memory, before XLA or numpy allocates them.

    Bytes held at the peak: area means, float64 input and output plus the float32 result; the
    bilinear path (``jax.image.resize``), float32 input twice, the intermediate after resizing
    one axis, the output three times (XLA's, the numpy copy and the flattened result).
    """
    n, h, w, c = shape
    th, tw = target
    if area:
        need = n * c * (8 * h * w + 8 * th * tw + 4 * th * tw)
    else:
        need = 4 * n * c * (2 * h * w + th * w + 3 * th * tw)
    check_memory(
        need,
        f"resize of {dataset.name!r} to {th}x{tw} ({n} images x {th * tw:,} pixels x {c} "
        f"channel{'s' if c > 1 else ''} out)",
        hint="choose a smaller resize",
    )


def _resize(dataset: Dataset, target: tuple[int, int]) -> Dataset:
    images = _images(dataset, "resize")
    n, h, w, c = images.shape
    th, tw = target
    if th < 1 or tw < 1:
        raise InputError(f"resize must be at least 1x1, got {th}x{tw}")
    before = f"{h}x{w}"
    if (th, tw) == (h, w):
        return _with(dataset, f"resize {before} -> {th}x{tw} (unchanged)")
    area = h % th == 0 and w % tw == 0
    _check_resize_memory(dataset, (n, h, w, c), (th, tw), area)
    if area:
        fh, fw = h // th, w // tw
        blocks = images.astype(np.float64).reshape(n, th, fh, tw, fw, c)
        out = blocks.mean(axis=(2, 4))
        how = f"area mean of {fh}x{fw} blocks"
    else:
        import jax

        out = np.asarray(
            jax.image.resize(
                images.astype(np.float32), (n, th, tw, c), method="linear", antialias=True
            )
        )
        how = "bilinear, antialiased, jax.image.resize"
    x, shape = _from_images(out, len(dataset.shape) == 3)
    return _with(dataset, f"resize {before} -> {th}x{tw} ({how})", x=x, shape=shape)


# --- corruption and scaling ---------------------------------------------------------------------


def _input_noise(dataset: Dataset, sd: float, seed: int) -> Dataset:
    rng = _rng(seed, _STREAM_INPUT_NOISE)
    noise = rng.standard_normal(dataset.x.shape, dtype=np.float32) * np.float32(sd)
    step = f"input_noise sd={sd:g}: Gaussian noise added to every feature (seed {seed})"
    return _with(dataset, step, x=dataset.x + noise)


def _normalize(dataset: Dataset, how: str) -> Dataset:
    x = dataset.x.astype(np.float64)
    if how == "standard":
        mean, sd = x.mean(axis=0), x.std(axis=0)
        constant = sd == 0
        out = (x - mean) / np.where(constant, 1.0, sd)
        desc = "per-feature zero mean, unit sd"
    elif how == "global":
        mean, sd = x.mean(), x.std()
        constant = np.asarray([sd == 0])
        out = (x - mean) / (sd if sd > 0 else 1.0)
        desc = f"one mean {mean:.6g} and sd {sd:.6g} for all features"
    else:
        lo, hi = x.min(axis=0), x.max(axis=0)
        constant = hi == lo
        out = np.where(constant, 0.0, (x - lo) / np.where(constant, 1.0, hi - lo))
        desc = "per-feature min -> 0, max -> 1"
    if constant.any():
        desc += f"; {int(constant.sum())} constant feature(s) left at 0"
    return _with(dataset, f"normalize {how}: {desc}", x=out.astype(np.float32))


def _label_noise(dataset: Dataset, p: float, seed: int) -> Dataset:
    values, inverse = np.unique(dataset.y, return_inverse=True)
    k = values.size
    if k < 2:
        raise InputError(
            f"label_noise needs at least 2 classes to swap labels between; dataset "
            f"{dataset.name!r} has {k}"
        )
    rng = _rng(seed, _STREAM_LABEL_NOISE)
    flip = rng.random(dataset.n) < p
    # an offset 1..k-1 away in the sorted class list: uniform over the other k - 1 classes
    offset = rng.integers(1, k, size=dataset.n)
    new = np.where(flip, values[(inverse + offset) % k], dataset.y).astype(np.int64)
    changed = int(flip.sum())
    metadata = dict(dataset.metadata)
    metadata["label_noise"] = {"p": p, "changed": changed, "n": dataset.n, "seed": seed}
    step = (
        f"label_noise p={p:g}: {changed} of {dataset.n} labels replaced by a uniformly random "
        f"other class (seed {seed})"
    )
    return _with(dataset, step, y=new, metadata=metadata)


# --- public API ---------------------------------------------------------------------------------


def preprocess(
    dataset: Dataset,
    *,
    resize=None,
    grayscale: bool = False,
    normalize: str | None = None,
    classes=None,
    max_examples: int | None = None,
    label_noise: float = 0.0,
    input_noise: float = 0.0,
    transpose: bool = False,
    seed: int = 0,
) -> Dataset:
    """Apply preprocessing knobs in the fixed order of the module docstring.

    Args:
        dataset: the :class:`~ibcomplexity.tasks.datasets.Dataset`.
        resize: ``None``, ``S`` (square) or ``(H, W)``; needs image-shaped data.
        grayscale: BT.601 luma of ``(H, W, 3)`` images.
        normalize: ``None``, ``"standard"``, ``"global"`` or ``"minmax"``.
        classes: labels to keep: ``"0-4"``, ``"0;3;7"`` or a list of ints (labels kept as is).
        max_examples: stratified subsample to at most this many examples.
        label_noise: probability ``p`` in [0, 1] of replacing each label by another class.
        input_noise: standard deviation (>= 0) of Gaussian noise added to the features.
        transpose: swap image height and width (EMNIST).
        seed: seed (>= 0) of the random knobs (subsample, noises).

    Returns:
        A new dataset (same name, scaling and source) with the steps appended to
        ``metadata["preprocessing"]``; with every knob at its default, ``dataset`` itself.

    Raises:
        InputError: a bad value, or a knob that does not apply (resize/transpose on non-image
            data, grayscale on a single-channel dataset, label noise with one class).

    Example:
        >>> from ibcomplexity.tasks.datasets import load_digits
        >>> ds = preprocess(load_digits(), resize=4, label_noise=0.1, seed=1)
        >>> ds.shape, ds.metadata["preprocessing"][0]
        ((4, 4), 'resize 8x8 -> 4x4 (area mean of 2x2 blocks)')
    """
    if not isinstance(dataset, Dataset):
        raise InputError(f"preprocess needs an ibcomplexity Dataset, got {type(dataset).__name__}")
    seed = check_int("seed", seed, minimum=0)
    for name, flag in (("grayscale", grayscale), ("transpose", transpose)):
        if not isinstance(flag, (bool, np.bool_)):
            raise InputError(f"{name} must be True or False, got {flag!r}")
    if normalize is not None and normalize not in NORMALIZATIONS:
        raise InputError(f"normalize must be one of {', '.join(NORMALIZATIONS)}, got {normalize!r}")
    target = None if resize is None else _parse_resize(resize)
    if max_examples is not None:
        max_examples = check_int("max_examples", max_examples, minimum=1)
    p = check_positive("label_noise", label_noise, allow_zero=True)
    if p > 1:
        raise InputError(f"label_noise is a probability in [0, 1], got {label_noise!r}")
    sd = check_positive("input_noise", input_noise, allow_zero=True)

    out = dataset
    if classes is not None:
        out = _select_classes(out, classes)
    if max_examples is not None:
        out = _subsample(out, max_examples, seed)
    if transpose:
        out = _transpose(out)
    if grayscale:
        out = _grayscale(out)
    if target is not None:
        out = _resize(out, target)
    if sd > 0:
        out = _input_noise(out, sd, seed)
    if normalize is not None:
        out = _normalize(out, normalize)
    if p > 0:
        out = _label_noise(out, p, seed)
    return out


def _parse_flag(knob: str, value: str) -> bool:
    v = value.strip().lower()
    if v in _TRUE:
        return True
    if v in _FALSE:
        return False
    raise InputError(f"preprocessing knob {knob} is a flag: write {knob} or {knob}=false")


def _parse_number(knob: str, value: str, kind: type):
    if not value.strip():
        raise InputError(f"preprocessing knob {knob} needs a value, e.g. {knob}=0.1")
    try:
        number = kind(value)
    except ValueError:
        what = "an integer" if kind is int else "a number"
        raise InputError(f"preprocessing knob {knob} must be {what}, got {value!r}") from None
    if kind is float and not math.isfinite(number):
        raise InputError(f"preprocessing knob {knob} must be finite, got {value!r}")
    return number


def apply_spec(dataset: Dataset, text: str) -> Dataset:
    """Apply the knobs written as ``KNOB[=VALUE],...`` (the text after ``@`` in a dataset spec).

    Knobs: ``resize=S|HxW``, ``grayscale``, ``transpose``, ``normalize=standard|global|minmax``,
    ``classes=0-4|0;3;7``, ``n=N`` (or ``max_examples=N``), ``label_noise=P``,
    ``input_noise=SD``, ``seed=S``; flags also accept ``=true``/``=false``. Each knob at most once.

    Example:
        >>> from ibcomplexity.tasks.datasets import load_digits
        >>> apply_spec(load_digits(), "resize=4,grayscale=false,n=100,seed=3").n
        100
    """
    if not isinstance(text, str):
        raise InputError(f"preprocessing knobs must be a string, got {text!r}")
    kwargs: dict = {}
    knobs = parse_options(
        text,
        what=f"preprocessing knobs {text!r}",
        allowed=KNOBS,
        flags=("grayscale", "transpose"),
        aliases={"n": "max_examples"},
    )
    for name, value in knobs.items():
        knob = name
        if name in ("grayscale", "transpose"):
            kwargs[name] = _parse_flag(knob, value)
            continue
        if name in ("resize", "classes"):
            kwargs[name] = value
        elif name == "normalize":
            kwargs[name] = value.lower()
        elif name in ("max_examples", "seed"):
            kwargs[name] = _parse_number(knob, value, int)
        else:
            kwargs[name] = _parse_number(knob, value, float)
    return preprocess(dataset, **kwargs)
