#include "py_activation.hpp"

#include <algorithm>

#include <pybind11/numpy.h>

namespace pdlt_py {

void PyActivation::evaluate(const double* z, std::size_t n, double* sigma, double* dsigma, double* d2sigma) const {
  py::gil_scoped_acquire gil;
  try {
    py::array_t<double> points(static_cast<py::ssize_t>(n));
    std::copy(z, z + n, points.mutable_data());
    py::tuple out = evaluate_(points, sigma != nullptr, dsigma != nullptr, d2sigma != nullptr);
    double* targets[3] = {sigma, dsigma, d2sigma};
    for (int j = 0; j < 3; ++j) {
      if (!targets[j]) continue;
      auto values = out[j].cast<py::array_t<double, py::array::c_style | py::array::forcecast>>();
      if (static_cast<std::size_t>(values.size()) != n)
        throw py::value_error("custom activation '" + name_ + "' returned an array of the wrong size");
      std::copy(values.data(), values.data() + n, targets[j]);
    }
  } catch (py::error_already_set& e) {
    e.restore();
    throw PythonErrorPending();
  } catch (const py::builtin_exception& e) {
    e.set_error();
    throw PythonErrorPending();
  }
}

}  // namespace pdlt_py
