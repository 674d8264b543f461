// Shared helpers of the Python bindings (the only code that knows about Python).
#pragma once

#include <chrono>
#include <exception>
#include <memory>
#include <utility>

#include <pybind11/pybind11.h>

#include "pdlt/control.hpp"
#include "pdlt/errors.hpp"

namespace py = pybind11;

namespace pdlt_py {

// Thrown by C++ code running a Python callback after it restored the Python error indicator;
// run_without_gil turns it back into the original Python exception.
struct PythonErrorPending : std::exception {
  const char* what() const noexcept override { return "a Python callback raised"; }
};

// A RunControl that polls for Ctrl-C (PyErr_CheckSignals) from the calling thread and, when
// `progress` is a callable, reports progress(done, total) to it at most every 0.1 s; an
// exception from the callback stops the run and is re-raised by run_without_gil.
inline pdlt::RunControl interruptible(py::object progress = py::none()) {
  using clock = std::chrono::steady_clock;
  pdlt::RunControl control;
  auto last = std::make_shared<clock::time_point>(clock::now());
  control.poll = [progress, last](std::size_t done, std::size_t total) {
    py::gil_scoped_acquire gil;
    if (!progress.is_none() && total > 0 && clock::now() - *last > std::chrono::milliseconds(100)) {
      *last = clock::now();
      try {
        progress(done, total);
      } catch (py::error_already_set& e) {
        e.restore();
        return false;
      }
    }
    return PyErr_CheckSignals() == 0;
  };
  return control;
}

// Runs f with the GIL released; a pending Python error (from a callback or from Ctrl-C)
// is re-raised as the original Python exception once the GIL is held again.
template <class F>
auto run_without_gil(F&& f) {
  try {
    py::gil_scoped_release release;
    return f();
  } catch (const PythonErrorPending&) {
    throw py::error_already_set();
  } catch (const pdlt::Interrupted&) {
    if (PyErr_Occurred()) throw py::error_already_set();
    PyErr_SetNone(PyExc_KeyboardInterrupt);
    throw py::error_already_set();
  }
}

void register_threads(py::module_& m);
void register_activation(py::module_& m);
void register_quadrature(py::module_& m);
void register_gaussian(py::module_& m);
void register_kernels(py::module_& m);
void register_criticality(py::module_& m);
void register_rng(py::module_& m);
void register_sampler(py::module_& m);
void register_finite_width(py::module_& m);

}  // namespace pdlt_py
