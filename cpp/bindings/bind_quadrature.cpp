// Quadrature rules, exposed for pdlt.gaussian_expectation and for tests.
#include <pybind11/eigen.h>
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include "bindings.hpp"
#include "pdlt/quadrature.hpp"

namespace pdlt_py {
namespace {

py::array_t<double> array(const std::vector<double>& v) {
  return py::array_t<double>(static_cast<py::ssize_t>(v.size()), v.data());
}

}  // namespace

void register_quadrature(py::module_& m) {
  m.def("gauss_legendre", [](int n) {
    const auto& r = pdlt::gauss_legendre(n);
    return py::make_tuple(array(r.nodes), array(r.weights));
  }, py::arg("n"));
  m.def("hermite_basis", [](int order) {
    const auto& b = pdlt::hermite_basis(order);
    return py::make_tuple(b.nodes, b.sqrt_weights, b.basis);
  }, py::arg("order"));
  m.def("split_normal_rule", [](int n) {
    const auto& r = pdlt::split_normal_rule(n);
    return py::make_tuple(array(r.nodes), array(r.weights));
  }, py::arg("n"));
  m.def("polar_rule", [](std::vector<double> angles, int n_radial, int n_theta) {
    const auto r = pdlt::polar_rule(std::move(angles), n_radial, n_theta);
    return py::make_tuple(array(r.u1), array(r.u2), array(r.weights));
  }, py::arg("split_angles"), py::arg("n_radial"), py::arg("n_theta"));
  m.attr("NORMAL_CUTOFF") = pdlt::kNormalCutoff;
}

}  // namespace pdlt_py
