"""Results are bitwise identical whatever the number of threads."""

import numpy as np
import pytest

import pdlt


def test_thread_setting():
    assert pdlt.get_num_threads() >= 1
    pdlt.set_num_threads(1)
    assert pdlt.get_num_threads() == 1
    with pytest.raises(ValueError, match="n must be an integer >= 1"):
        pdlt.set_num_threads(0)
    with pytest.raises(TypeError, match="n must be an integer"):
        pdlt.set_num_threads(1.5)


@pytest.mark.parametrize("activation", ["tanh", "gelu", "elu", "relu",
                                        pdlt.Activation.from_function(np.tanh, name="custom_tanh")])
def test_bitwise_identical_across_thread_counts(activation, rng):
    if not pdlt.openmp_enabled():
        pytest.skip("built without OpenMP")
    X = rng.normal(size=(40, 3)) * rng.uniform(0.2, 1.5, size=(40, 1))
    mlp = pdlt.MLP(activation, 4, 8, 0.05, 1.3)
    results = []
    for n in (1, 2, 3):
        pdlt.set_num_threads(n)
        results.append(pdlt.kernel_and_ntk(mlp, X))
    for K, H in results[1:]:
        assert np.array_equal(K, results[0][0]) and np.array_equal(H, results[0][1])
