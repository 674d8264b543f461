"""Built-in activations against independent NumPy/SciPy formulas, and custom activations."""

import numpy as np
import pytest
from scipy import special

import pdlt

Z = np.concatenate([np.linspace(-7, 7, 57), [-1e-9, 1e-9, 0.3, -2.2, 25.0, -25.0]])

REFERENCE = {
    "linear": lambda z: z,
    "relu": lambda z: np.maximum(z, 0),
    "tanh": np.tanh,
    "sin": np.sin,
    "erf": special.erf,
    "sigmoid": special.expit,
    "softplus": lambda z: np.logaddexp(0, z),
    "gelu": lambda z: z * special.ndtr(z),
    "swish": lambda z: z * special.expit(z),
    "elu": lambda z: np.where(z > 0, z, np.expm1(np.minimum(z, 0))),
    "step": lambda z: (z > 0).astype(float),
}


def test_all_required_builtins_listed():
    required = {"linear", "relu", "leaky_relu", "tanh", "sin", "erf", "sigmoid", "softplus", "gelu", "swish", "elu", "step"}
    assert required <= set(pdlt.activations())


@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_values_match_reference(name):
    np.testing.assert_allclose(pdlt.Activation(name)(Z), REFERENCE[name](Z), rtol=1e-14, atol=1e-100)


@pytest.mark.parametrize("name", ["linear", "tanh", "sin", "erf", "sigmoid", "softplus", "gelu", "swish"])
def test_derivatives_are_consistent_with_values(name):
    """sigma' and sigma'' against Richardson-extrapolated central differences of the values."""
    act = pdlt.Activation(name)
    z = np.linspace(-4, 4, 33) + 0.0123
    def central(f, h):
        return (f(z + h) - f(z - h)) / (2 * h)
    for order, f in ((1, act), (2, lambda x: act.derivative(x, 1))):
        h = 1e-3
        estimate = (4 * central(f, h / 2) - central(f, h)) / 3
        np.testing.assert_allclose(act.derivative(z, order), estimate, rtol=1e-8, atol=1e-9)


def test_kinked_derivatives_away_from_zero():
    z = np.array([-2.0, -0.5, 0.5, 2.0])
    np.testing.assert_array_equal(pdlt.Activation("relu").derivative(z), [0, 0, 1, 1])
    np.testing.assert_allclose(pdlt.Activation("leaky_relu", slope=0.2).derivative(z), [0.2, 0.2, 1, 1])
    np.testing.assert_allclose(pdlt.Activation("elu", alpha=0.5).derivative(z), [0.5 * np.exp(-2), 0.5 * np.exp(-0.5), 1, 1])
    np.testing.assert_allclose(pdlt.Activation("elu", alpha=0.5).derivative(z, 2), [0.5 * np.exp(-2), 0.5 * np.exp(-0.5), 0, 0])


def test_parameters():
    np.testing.assert_allclose(pdlt.Activation("leaky_relu", slope=0.1)([-2.0, 3.0]), [-0.2, 3.0])
    np.testing.assert_allclose(pdlt.Activation("leaky_relu")(-1.0), -0.01)
    np.testing.assert_allclose(pdlt.Activation("swish", beta=2.0)(1.5), 1.5 * special.expit(3.0), rtol=1e-15)
    np.testing.assert_allclose(pdlt.Activation("elu", alpha=2.0)(-1.0), 2.0 * np.expm1(-1.0), rtol=1e-15)
    assert pdlt.Activation("leaky_relu", slope=0.1) == pdlt.Activation("leaky_relu", slope=0.1)
    assert pdlt.Activation("leaky_relu", slope=0.1) != pdlt.Activation("leaky_relu", slope=0.2)
    assert repr(pdlt.Activation("leaky_relu", slope=0.1)) == "Activation('leaky_relu', slope=0.1)"
    assert pdlt.Activation("swish", beta=1.0).params == {"beta": 1.0}


def test_bad_activations():
    with pytest.raises(ValueError, match="unknown activation 'tanhh'.*tanh"):
        pdlt.Activation("tanhh")
    with pytest.raises(ValueError, match="no parameter 'slope'"):
        pdlt.Activation("tanh", slope=0.1)
    with pytest.raises(TypeError, match="slope must be a real number"):
        pdlt.Activation("leaky_relu", slope="big")
    with pytest.raises(ValueError, match="beta"):
        pdlt.Activation("swish", beta=-1.0)
    with pytest.raises(ValueError, match="finite"):
        pdlt.Activation("leaky_relu", slope=float("nan"))
    with pytest.raises(TypeError, match="activation name must be a str"):
        pdlt.Activation(3)
    with pytest.raises(TypeError, match="activation must be a pdlt.Activation"):
        pdlt.MLP(np.tanh, 2, 8, 0.0, 1.0)
    with pytest.raises(ValueError, match="order"):
        pdlt.Activation("tanh").derivative(0.1, 3)


def test_custom_activation_matches_builtin_and_numerical_derivatives():
    custom = pdlt.Activation.from_function(np.tanh, name="my_tanh")
    builtin = pdlt.Activation("tanh")
    z = np.linspace(-5, 5, 101)
    assert custom.name == "my_tanh" and custom.is_custom
    np.testing.assert_allclose(custom(z), builtin(z), rtol=1e-15)
    np.testing.assert_allclose(custom.derivative(z), builtin.derivative(z), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(custom.derivative(z, 2), builtin.derivative(z, 2), rtol=1e-6, atol=1e-7)
    exact = pdlt.Activation.from_function(np.tanh, lambda x: 1 / np.cosh(x) ** 2)
    np.testing.assert_allclose(exact.derivative(z), builtin.derivative(z), rtol=1e-14)


def test_custom_activation_errors():
    with pytest.raises(TypeError, match="f must be callable"):
        pdlt.Activation.from_function(3.0)
    with pytest.raises(TypeError, match="df must be callable"):
        pdlt.Activation.from_function(np.tanh, df="x")
    bad_shape = pdlt.Activation.from_function(lambda z: np.ones(3), name="bad")
    with pytest.raises(ValueError, match="'bad' returned shape"):
        bad_shape(np.zeros(5))
    nan = pdlt.Activation.from_function(lambda z: np.where(z > 0, z, np.nan), name="holey")
    with pytest.raises(ValueError, match="'holey' returned nan at z = -1.0"):
        nan([-1.0, 1.0])
    # errors inside the theory engine surface as the same exceptions
    mlp = pdlt.MLP(nan, 3, 8, 0.0, 1.0)
    with pytest.raises(ValueError, match="'holey' returned nan"):
        pdlt.kernel(mlp, np.eye(2))


def test_custom_exception_propagates_unchanged():
    class Boom(Exception):
        pass

    def f(z):
        raise Boom("inside")

    mlp = pdlt.MLP(pdlt.Activation.from_function(f), 2, 8, 0.0, 1.0)
    with pytest.raises(Boom, match="inside"):
        pdlt.kernel(mlp, np.eye(2))


def test_constant_derivative_broadcasts():
    linear = pdlt.Activation.from_function(lambda z: z, lambda z: 1.0, name="lin")
    np.testing.assert_array_equal(linear.derivative(np.arange(4.0)), np.ones(4))
