"""Long computations can be interrupted with Ctrl-C (KeyboardInterrupt), leaving no damage."""

import _thread
import threading
import time

import numpy as np
import pytest

import pdlt


def interrupted_within_seconds(call, after=0.3, limit=5.0):
    """Send Ctrl-C to the main thread `after` seconds into `call()`; it must stop within `limit`."""
    timer = threading.Timer(after, _thread.interrupt_main)
    timer.start()
    start = time.perf_counter()
    with pytest.raises(KeyboardInterrupt):
        call()
    assert time.perf_counter() - start < limit
    timer.join()


def test_keyboard_interrupt_stops_a_long_recursion():
    mlp = pdlt.MLP("tanh", 3_000_000, 8, 0.0, 1.0)  # minutes of work
    interrupted_within_seconds(lambda: pdlt.kernel(mlp, [[1.0]], layers=-1))
    # the library still works afterwards
    assert pdlt.kernel(pdlt.MLP("tanh", 2, 8, 0.0, 1.0), [[1.0]])[1, 0, 0] == pytest.approx(0.3942944904, abs=1e-10)


def test_keyboard_interrupt_stops_the_finite_width_recursion():
    mlp = pdlt.MLP("tanh", 10_000_000, 8, 0.0, 1.0)  # about 30 s of single-input layers
    interrupted_within_seconds(lambda: pdlt.finite_width(mlp, [[1.0]], layers=-1))


def test_keyboard_interrupt_in_a_custom_activation_propagates():
    def f(z):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        pdlt.kernel(pdlt.MLP(pdlt.Activation.from_function(f), 3, 8, 0.0, 1.0), np.eye(2))


def test_finite_width_reports_progress_and_propagates_callback_errors():
    from pdlt import _core

    mlp = pdlt.MLP("tanh", 300_000, 8, 0.0, 1.0)  # about a second of single-input layers
    args = (mlp.activation._core, mlp.hyperparameters(), [1] + list(mlp.widths), np.array([[1.0]]), False, 1e-10,
            [mlp.depth])
    reports = []
    _core.finite_width(*args, lambda done, total: reports.append((done, total)))
    assert len(reports) >= 2 and all(t == mlp.depth for _, t in reports)
    assert [d for d, _ in reports] == sorted(d for d, _ in reports)

    def fail(done, total):
        raise ValueError("stop here")

    with pytest.raises(ValueError, match="stop here"):
        _core.finite_width(*args, fail)
