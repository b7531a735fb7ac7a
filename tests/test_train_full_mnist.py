"""The real loader on the full MNIST, where the files are (``$RNNLAB_DATA/MNIST/raw``).

CI has no copy of MNIST, so these tests skip there with the reason; on a machine with the data (e.g.
``RNNLAB_DATA=../shared/data``) they check the loaded splits against MNIST's well-known facts: 60000
training and 10000 test images of 28 x 28 pixels, pixel mean 0.1307 and standard deviation 0.3081 over
the training set after scaling to [0, 1] (the constants of torchvision's and PyTorch's MNIST examples).
"""

from __future__ import annotations

import os

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from rnnlab.train.data import data_root, load_task  # noqa: E402

RAW = data_root() / "MNIST" / "raw"
HAVE_MNIST = all(
    (RAW / name).exists() or (RAW / f"{name}.gz").exists()
    for name in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
                 "t10k-labels-idx1-ubyte")
)
pytestmark = pytest.mark.skipif(
    not HAVE_MNIST,
    reason=f"the full MNIST is not in {RAW} (set RNNLAB_DATA to a directory holding MNIST/raw)",
)


@pytest.fixture(scope="module")
def smnist():
    return load_task("smnist", val_fraction=0.05, seed=0)


def test_full_mnist_has_its_known_sizes_and_pixel_statistics(smnist):
    assert (len(smnist.train) + len(smnist.val), len(smnist.test)) == (60000, 10000)
    assert len(smnist.val) == 3000 and (smnist.seq_len, smnist.input_size, smnist.n_classes) == (784, 1, 10)
    pixels = torch.cat([smnist.train.x, smnist.val.x]).double()
    assert float(pixels.mean()) == pytest.approx(0.1307, abs=5e-5)
    assert float(pixels.std()) == pytest.approx(0.3081, abs=5e-5)
    counts = np.bincount(smnist.test.y.numpy(), minlength=10)
    assert counts.sum() == 10000 and counts.min() == 892 and counts.max() == 1135  # digit 5 and digit 1
    assert os.fspath(RAW) == smnist.info["source"]


def test_psmnist_is_smnist_in_one_pixel_order(smnist):
    permuted = load_task("psmnist", val_fraction=0.05, seed=0, permutation_seed=0)
    perm = permuted.permutation
    assert sorted(perm.tolist()) == list(range(784))
    torch.testing.assert_close(permuted.test.x, smnist.test.x[:, perm], rtol=0, atol=0)
    torch.testing.assert_close(permuted.train.y, smnist.train.y, rtol=0, atol=0)
