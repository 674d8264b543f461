"""Every bad input gets a clear exception naming the parameter and its allowed range."""

import numpy as np
import pytest

import pdlt

GOOD = dict(activation="tanh", depth=3, width=8, C_b=0.0, C_W=1.0)


@pytest.mark.parametrize("change,error,message", [
    ({"C_W": -1.0}, ValueError, "C_W must be a finite real number >= 0, got -1.0"),
    ({"C_b": float("nan")}, ValueError, "C_b must be a finite real number >= 0, got nan"),
    ({"C_b": float("inf")}, ValueError, "C_b must be a finite real number"),
    ({"lambda_W": -0.1}, ValueError, "lambda_W must be a finite real number >= 0"),
    ({"lambda_b": "a"}, TypeError, "lambda_b must be a real number, got str"),
    ({"C_W": [1.0, 1.0]}, ValueError, "C_W must be a scalar or a sequence of length depth = 3, got length 2"),
    ({"C_W": [1.0, -1.0, 1.0]}, ValueError, r"C_W\[1\] must be a finite real number >= 0"),
    ({"depth": 0}, ValueError, "depth must be an integer >= 1, got 0"),
    ({"depth": 2.5}, TypeError, "depth must be an integer, got float"),
    ({"depth": True}, TypeError, "depth must be an integer, got bool"),
    ({"width": 0}, ValueError, "width must be an integer >= 1, got 0"),
    ({"width": [8]}, ValueError, "width must be an int or a sequence of the depth - 1 = 2 hidden widths"),
    ({"width": [8, 0]}, ValueError, r"width\[1\] must be an integer >= 1"),
    ({"activation": "tanhh"}, ValueError, "unknown activation 'tanhh'"),
    ({"activation": 3}, TypeError, "activation must be a pdlt.Activation or a built-in name"),
])
def test_bad_mlp(change, error, message):
    with pytest.raises(error, match=message):
        pdlt.MLP(**{**GOOD, **change})


def test_mlp_is_immutable_and_per_layer():
    mlp = pdlt.MLP("relu", 3, [4, 5], C_b=[0, 0.1, 0.2], C_W=2.0)
    assert mlp.widths == (4, 5) and list(mlp.C_b) == [0, 0.1, 0.2]
    with pytest.raises(AttributeError, match="immutable"):
        mlp.depth = 4
    with pytest.raises(ValueError):
        mlp.C_W[0] = 3.0
    assert mlp == pdlt.MLP("relu", 3, [4, 5], C_b=[0, 0.1, 0.2], C_W=2.0)
    assert "relu" in repr(mlp)
    assert pdlt.MLP("relu", 2, 4, C_b=np.float64(0.1), C_W=np.array(2.0)).C_W[0] == 2.0


@pytest.mark.parametrize("X,error,message", [
    (np.ones(3), ValueError, r"X must have shape \(N_D, n0\).*got shape \(3,\)"),
    (np.ones((2, 2, 2)), ValueError, "X must have shape"),
    (np.ones((0, 3)), ValueError, "at least one input"),
    ([[1.0, np.nan]], ValueError, r"X must be finite; X\[0, 1\] = nan"),
    ([[1.0, np.inf]], ValueError, "X must be finite"),
    ([["a", "b"]], TypeError, "X must be an array of real numbers"),
])
def test_bad_inputs(X, error, message):
    with pytest.raises(error, match=message):
        pdlt.kernel(pdlt.MLP(**GOOD), X)


def test_bad_kernel_call_arguments():
    mlp = pdlt.MLP(**GOOD)
    with pytest.raises(TypeError, match="mlp must be a pdlt.MLP"):
        pdlt.kernel("tanh", np.eye(2))
    with pytest.raises(ValueError, match=r"layers must be in 1..3"):
        pdlt.kernel(mlp, np.eye(2), layers=[4])
    with pytest.raises(ValueError, match=r"layers must be in 1..3"):
        pdlt.ntk(mlp, np.eye(2), layers=0)
    with pytest.raises(ValueError, match="rtol must be a finite real number >= 1e-14 and <= 0.001"):
        pdlt.kernel(mlp, np.eye(2), rtol=1e-16)


def test_bad_criticality_arguments():
    with pytest.raises(TypeError, match="activation must be"):
        pdlt.critical_point(None)
    with pytest.raises(ValueError, match="K_max must be a finite real number > 0"):
        pdlt.fixed_points("tanh", 0.0, 1.0, K_max=0.0)
