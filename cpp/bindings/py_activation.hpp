// A custom activation backed by a Python callable (for pdlt.Activation.from_function).
#pragma once

#include <string>

#include "bindings.hpp"
#include "pdlt/activation.hpp"

namespace pdlt_py {

// `evaluate(z, want_sigma, want_dsigma, want_d2sigma)` is a Python callable returning a tuple of
// three float64 arrays of z's shape (or None for the ones not wanted); the Python layer
// validates shapes and finiteness. Calls happen from the calling thread, under the GIL.
class PyActivation final : public pdlt::Activation {
 public:
  PyActivation(py::object evaluate, std::string name, bool smooth)
      : evaluate_(std::move(evaluate)), name_(std::move(name)), smooth_(smooth) {}
  ~PyActivation() override {
    py::gil_scoped_acquire gil;
    evaluate_ = py::object();
  }

  std::string name() const override { return name_; }
  bool thread_safe() const override { return false; }
  bool smooth() const override { return smooth_; }
  void evaluate(const double* z, std::size_t n, double* sigma, double* dsigma, double* d2sigma) const override;

 private:
  py::object evaluate_;
  std::string name_;
  bool smooth_;
};

}  // namespace pdlt_py
