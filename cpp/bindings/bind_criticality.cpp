#include <cmath>

#include <pybind11/stl.h>

#include "bindings.hpp"
#include "pdlt/criticality.hpp"

namespace pdlt_py {
namespace {

py::object maybe(double x) { return std::isnan(x) ? py::object(py::none()) : py::object(py::float_(x)); }

}  // namespace

void register_criticality(py::module_& m) {
  m.def("susceptibilities", [](const pdlt::Activation& act, double K, double C_W) {
    const auto chi = run_without_gil([&] { return pdlt::susceptibilities(act, K, C_W); });
    return py::make_tuple(chi.chi_par, chi.chi_perp);
  }, py::arg("activation"), py::arg("K"), py::arg("C_W"));

  m.def("kernel_map", [](const pdlt::Activation& act, double K, double C_b, double C_W) {
    return run_without_gil([&] { return pdlt::kernel_map(act, K, C_b, C_W); });
  }, py::arg("activation"), py::arg("K"), py::arg("C_b"), py::arg("C_W"));

  // ([(K, chi_par, chi_perp, c2 or None), ...], every_K)
  m.def("fixed_points", [](const pdlt::Activation& act, double C_b, double C_W, double K_max) {
    const auto set = run_without_gil([&] { return pdlt::fixed_points(act, C_b, C_W, K_max); });
    py::list points;
    for (const auto& p : set.points) points.append(py::make_tuple(p.K, p.chi_par, p.chi_perp, maybe(p.c2)));
    return py::make_tuple(points, set.every_K);
  }, py::arg("activation"), py::arg("C_b"), py::arg("C_W"), py::arg("K_max"));

  m.def("small_K_expansion", [](const pdlt::Activation& act) {
    const auto e = run_without_gil([&] { return pdlt::small_K_expansion(act); });
    py::dict d;
    d["sigma0"] = e.sigma0;
    d["sigma1_sq"] = e.sigma1_sq;
    d["analytic"] = e.analytic;
    d["a1"] = maybe(e.a1);
    d["a2"] = maybe(e.a2);
    d["b1"] = maybe(e.b1);
    d["exponent"] = maybe(e.exponent);
    return d;
  }, py::arg("activation"));

  m.def("critical_point", [](const pdlt::Activation& act) {
    const auto cp = run_without_gil([&] { return pdlt::critical_point(act); });
    py::dict d;
    d["universality_class"] = pdlt::to_string(cp.universality);
    for (auto [key, value] : {std::pair{"C_b", cp.C_b}, {"C_W", cp.C_W}, {"K_star", cp.K_star},
                              {"chi_par", cp.chi_par}, {"chi_perp", cp.chi_perp}, {"a1", cp.a1},
                              {"a2", cp.a2}, {"b1", cp.b1}, {"c2", cp.c2}, {"A2", cp.A2}})
      d[key] = maybe(value);
    d["reason"] = cp.reason;
    return d;
  }, py::arg("activation"));
}

}  // namespace pdlt_py
