"""Long computations can be interrupted with Ctrl-C (KeyboardInterrupt), leaving no damage."""

import _thread
import threading
import time

import numpy as np
import pytest

import pdlt


def test_keyboard_interrupt_stops_a_long_recursion():
    mlp = pdlt.MLP("tanh", 3_000_000, 8, 0.0, 1.0)  # minutes of work
    timer = threading.Timer(0.3, _thread.interrupt_main)
    timer.start()
    start = time.perf_counter()
    with pytest.raises(KeyboardInterrupt):
        pdlt.kernel(mlp, [[1.0]], layers=-1)
    assert time.perf_counter() - start < 5.0
    timer.join()
    # the library still works afterwards
    assert pdlt.kernel(pdlt.MLP("tanh", 2, 8, 0.0, 1.0), [[1.0]])[1, 0, 0] == pytest.approx(0.3942944904, abs=1e-10)


def test_keyboard_interrupt_in_a_custom_activation_propagates():
    def f(z):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        pdlt.kernel(pdlt.MLP(pdlt.Activation.from_function(f), 3, 8, 0.0, 1.0), np.eye(2))
