import numpy as np
import pytest

import pdlt


@pytest.fixture
def rng():
    return np.random.default_rng(20261122)


@pytest.fixture(autouse=True)
def _restore_threads():
    n = pdlt.get_num_threads()
    yield
    pdlt.set_num_threads(n)
