// Gaussian expectations of an activation: single input moments and the two-point engine.
#include <pybind11/eigen.h>
#include <pybind11/stl.h>

#include "bindings.hpp"
#include "pdlt/gaussian.hpp"
#include "pdlt/multi_gaussian.hpp"
#include "pdlt/two_point.hpp"

namespace pdlt_py {

void register_gaussian(py::module_& m) {
  m.def("single_input_moments", [](const pdlt::Activation& act, double K, double rtol) {
    const auto mom = run_without_gil([&] { return pdlt::single_input_moments(act, K, rtol); });
    py::dict d;
    d["sigma"] = mom.mean_sigma;
    d["dsigma"] = mom.mean_dsigma;
    d["sigma2"] = mom.sigma2;
    d["dsigma2"] = mom.dsigma2;
    d["z_sigma_dsigma"] = mom.z_sigma_dsigma;
    d["sigma2_hermite4"] = mom.sigma2_hermite4;
    d["error"] = mom.error;
    return d;
  }, py::arg("activation"), py::arg("K"), py::arg("rtol"));

  // <prod_k sigma(z_k)^s_k sigma'(z_k)^t_k> for each spec [(s_1, t_1), ..., (s_d, t_d)].
  m.def("product_expectations", [](const pdlt::Activation& act, const Eigen::MatrixXd& K,
                                   const std::vector<std::vector<std::pair<int, int>>>& specs, double rtol) {
    std::vector<pdlt::ProductSpec> s;
    for (const auto& spec : specs) {
      pdlt::ProductSpec p;
      for (const auto& [a, b] : spec) p.push_back({a, b});
      s.push_back(p);
    }
    return run_without_gil([&] { return pdlt::product_expectations(act, K, s, rtol); });
  }, py::arg("activation"), py::arg("K"), py::arg("specs"), py::arg("rtol"));

  // (<sigma^(p)_a sigma^(q)_b>_K matrices, error) for each requested (p, q).
  m.def("pair_expectations", [](const pdlt::Activation& act, const Eigen::MatrixXd& K,
                                const std::vector<std::pair<int, int>>& requests, double rtol) {
    std::vector<pdlt::DerivativeOrders> r;
    for (const auto& [p, q] : requests) r.push_back({p, q});
    const auto control = interruptible();
    pdlt::PairExpectations e;
    run_without_gil([&] { pdlt::pair_expectations(act, K, r, rtol, e, control); });
    return py::make_tuple(e.values, e.error);
  }, py::arg("activation"), py::arg("K"), py::arg("requests"), py::arg("rtol"));

  // (<F_a F_b>_K matrix, error estimate) with F = sigma' if derivative else sigma.
  m.def("two_point", [](const pdlt::Activation& act, const Eigen::MatrixXd& K, bool derivative, double rtol) {
    const auto field = derivative ? pdlt::Field::dsigma : pdlt::Field::sigma;
    const auto control = interruptible();
    auto result = run_without_gil([&] { return pdlt::two_point(act, K, field, rtol, control); });
    return py::make_tuple(std::move(result.value), result.error);
  }, py::arg("activation"), py::arg("K"), py::arg("derivative"), py::arg("rtol"));
}

}  // namespace pdlt_py
