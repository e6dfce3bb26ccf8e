r"""The data directory and the downloader: the papers' data sets from their canonical sources.

**The data directory.** One setting tells every part of the project where data lives: the
environment variable ``IBC_DATA`` (``ibc --data-dir DIR`` sets it for one command). Unset, it is
``~/.cache/ibcomplexity/data``. :func:`data_dir` resolves it; the test suite and the experiments
read the same variable (falling back to the repository's ``../shared/data``).

**Downloads.** :data:`SOURCES` lists MNIST, Fashion-MNIST, CIFAR-10, CIFAR-100, SVHN and
Omniglot with the URLs their authors (or the standard mirrors) publish and the MD5 checksums
torchvision pins for the same files (``torchvision/datasets/{mnist,cifar,svhn,omniglot}.py``).
:func:`download` fetches the files of one source into ``DIR/NAME/``:

* each file goes to ``FILE.part`` first and is renamed only once its checksum matches, so a
  folder never holds a half file under the real name;
* an interrupted download resumes from the ``.part`` file's size (an HTTP ``Range`` request;
  a server that ignores it sends the whole file, which then replaces the part);
* a file already present with the right checksum is not fetched again; a wrong one is refused
  by name with both checksums;
* without a network the error is one line naming the URL and the folder to put the file in by
  hand.

A source downloaded this way is a dataset spec by its name alone: ``mnist`` reads
``DATA/mnist`` (the test split), ``fashion-mnist``, ``cifar10`` and ``cifar100`` likewise; see
:attr:`Source.spec` and :func:`spec_for`.
"""

from __future__ import annotations

import hashlib
import os
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ibcomplexity._validation import InputError

__all__ = ["SOURCES", "Source", "data_dir", "download", "source_status", "spec_for"]

#: The environment variable naming the data directory.
DATA_ENV = "IBC_DATA"
_BLOCK = 1 << 20


def data_dir(explicit: str | os.PathLike | None = None) -> Path:
    """The data directory: ``explicit``, else ``$IBC_DATA``, else ``~/.cache/ibcomplexity/data``."""
    if explicit is not None:
        return Path(explicit).expanduser()
    env = os.environ.get(DATA_ENV)
    if env:
        return Path(env).expanduser()
    return Path.home() / ".cache" / "ibcomplexity" / "data"


@dataclass(frozen=True)
class Source:
    """One downloadable data set.

    Attributes:
      name: the folder under the data directory and the name ``ibc data download`` takes.
      title: what it is.
      mirrors: base URLs, tried in order; a file's URL is ``mirror + file``.
      files: ``(file name, MD5)`` pairs.
      spec: the dataset spec that reads the downloaded folder, ``{dir}`` standing for it
        (``""`` where no loader reads the files yet).
      homepage: where the data set is described, and its terms of use.
    """

    name: str
    title: str
    mirrors: tuple[str, ...]
    files: tuple[tuple[str, str], ...]
    spec: str
    homepage: str


SOURCES: dict[str, Source] = {
    s.name: s
    for s in (
        Source(
            "mnist",
            "MNIST handwritten digits (IDX, gzip)",
            ("https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/"),
            (
                ("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
                ("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"),
                ("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"),
                ("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c"),
            ),
            "mnist:{dir}",
            "http://yann.lecun.com/exdb/mnist/",
        ),
        Source(
            "fashion-mnist",
            "Fashion-MNIST (IDX, gzip)",
            ("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",),
            (
                ("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
                ("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe"),
                ("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"),
                ("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310"),
            ),
            "mnist:{dir}",
            "https://github.com/zalandoresearch/fashion-mnist",
        ),
        Source(
            "cifar10",
            "CIFAR-10 (python batches, tar.gz)",
            ("https://www.cs.toronto.edu/~kriz/",),
            (("cifar-10-python.tar.gz", "c58f30108f718f92721af3b95e74349a"),),
            "cifar:{dir}/cifar-10-python.tar.gz",
            "https://www.cs.toronto.edu/~kriz/cifar.html",
        ),
        Source(
            "cifar100",
            "CIFAR-100 (python batches, tar.gz)",
            ("https://www.cs.toronto.edu/~kriz/",),
            (("cifar-100-python.tar.gz", "eb9058c3a382ffc7106e4002c42a8d85"),),
            "cifar:{dir}/cifar-100-python.tar.gz",
            "https://www.cs.toronto.edu/~kriz/cifar.html",
        ),
        Source(
            "svhn",
            "SVHN cropped digits (MATLAB .mat; no dataset spec reads it yet)",
            ("http://ufldl.stanford.edu/housenumbers/",),
            (
                ("train_32x32.mat", "e26dedcc434d2e4c54c9b2d4a06d8373"),
                ("test_32x32.mat", "eb5a983be6a315427106f1b164d9cef3"),
            ),
            "",
            "http://ufldl.stanford.edu/housenumbers/",
        ),
        Source(
            "omniglot",
            "Omniglot background and evaluation alphabets (zip)",
            ("https://github.com/brendenlake/omniglot/raw/master/python/",),
            (
                ("images_background.zip", "68d2efa1b9178cc56df9314c21c6e718"),
                ("images_evaluation.zip", "6b91aef0f799c5bb55b94e3f2daec811"),
            ),
            "omniglot:{dir}/images_background.zip",
            "https://github.com/brendenlake/omniglot",
        ),
    )
}


def _source(name: str | Source) -> Source:
    if isinstance(name, Source):
        return name
    if name not in SOURCES:
        raise InputError(f"unknown data set {name!r}; downloadable: {', '.join(SOURCES)}")
    return SOURCES[name]


def _md5(path: Path) -> str:
    h = hashlib.md5(usedforsecurity=False)  # the published checksums are MD5: integrity only
    with path.open("rb") as f:
        for block in iter(lambda: f.read(_BLOCK), b""):
            h.update(block)
    return h.hexdigest()


def source_status(name: str | Source, root: str | os.PathLike | None = None) -> dict:
    """``{"folder", "files": {file: "present" | "partial" | "missing"}, "complete"}`` of a
    source in the data directory (present = the file exists; :func:`download` checks sums)."""
    src = _source(name)
    folder = data_dir(root) / src.name
    files = {}
    for file, _ in src.files:
        if (folder / file).is_file():
            files[file] = "present"
        elif (folder / f"{file}.part").is_file():
            files[file] = "partial"
        else:
            files[file] = "missing"
    return {
        "folder": str(folder),
        "files": files,
        "complete": all(v == "present" for v in files.values()),
    }


def _fetch(url: str, part: Path, progress: Callable[[int, int], None] | None) -> None:
    """Append ``url``'s bytes to ``part`` from its current size on (restart if the server
    ignores the range)."""
    have = part.stat().st_size if part.exists() else 0
    request = urllib.request.Request(url, headers={"User-Agent": "ibcomplexity"})
    if have:
        request.add_header("Range", f"bytes={have}-")
    try:
        response = urllib.request.urlopen(request, timeout=60)  # noqa: S310 - fixed https URLs
    except urllib.error.HTTPError as e:
        if e.code == 416 and have:  # the part is already whole; the checksum decides
            return
        raise
    with response:
        resumed = have and response.status == 206
        total = response.headers.get("Content-Length")
        total = int(total) + (have if resumed else 0) if total else 0
        done = have if resumed else 0
        with part.open("ab" if resumed else "wb") as f:
            for block in iter(lambda: response.read(_BLOCK), b""):
                f.write(block)
                done += len(block)
                if progress is not None:
                    progress(done, total or done)


def download(
    name: str | Source,
    root: str | os.PathLike | None = None,
    *,
    progress: Callable[[str], Callable[[int, int], None] | None] | None = None,
) -> Path:
    """Download one source's files into ``DATA/NAME`` (module docstring: checksums, resume,
    offline errors); returns the folder.

    Args:
      name: a key of :data:`SOURCES` or a :class:`Source`.
      root: the data directory (default :func:`data_dir`).
      progress: optional factory ``factory(file) -> callback(done, total)`` (bytes).

    Raises:
      InputError: an unknown name, no network, or a file whose checksum differs.
    """
    src = _source(name)
    folder = data_dir(root) / src.name
    folder.mkdir(parents=True, exist_ok=True)
    for file, md5 in src.files:
        target, part = folder / file, folder / f"{file}.part"
        if target.is_file():
            got = _md5(target)
            if got == md5:
                continue
            raise InputError(
                f"{target} has MD5 {got}, not the published {md5}: delete it and download again"
            )
        errors = []
        for mirror in src.mirrors:
            url = mirror + file
            try:
                _fetch(url, part, None if progress is None else progress(file))
                break
            except (urllib.error.URLError, OSError) as e:
                errors.append(f"{url}: {getattr(e, 'reason', None) or e}")
        else:
            raise InputError(
                f"cannot download {file} ({'; '.join(errors)}); check the network, or put the "
                f"file in {folder} by hand (MD5 {md5}); a partial download resumes from "
                f"{part.name}"
            )
        got = _md5(part)
        if got != md5:
            part.unlink()
            raise InputError(
                f"{file} from {src.name} has MD5 {got}, not the published {md5}: the download was "
                "corrupted or the mirror serves another file; it was deleted, try again"
            )
        part.replace(target)
    return folder


def spec_for(name: str, root: str | os.PathLike | None = None) -> str | None:
    """The dataset spec that reads a downloaded source named by a bare scheme (``mnist``), or
    None when ``name`` is not a source with a loader."""
    src = SOURCES.get(name)
    if src is None or not src.spec:
        return None
    folder = data_dir(root) / src.name
    if not folder.is_dir():  # present: the loader names any file it lacks
        raise InputError(
            f"dataset {name!r} is not in the data directory ({folder}): run "
            f"'ibc data download {name}' (the directory is $IBC_DATA or --data-dir), or give a "
            f"path, e.g. {src.spec.split(':')[0]}:DIR"
        )
    return src.spec.format(dir=folder)
