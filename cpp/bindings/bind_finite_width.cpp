// The finite-width (1/n) recursions.
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include <pybind11/eigen.h>
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include "bindings.hpp"
#include "pdlt/finite_width.hpp"

namespace pdlt_py {

void register_finite_width(py::module_& m) {
  // hyper: (L, 4) rows (C_b, C_W, lambda_b, lambda_W); widths: n_0 .. n_{L-1}; keep: sorted layers.
  // Returns a dict of arrays (len(keep), N, N) for K, K1 (and H, H1) and (len(keep), N, N, N, N)
  // for V (and A, B, D, F), plus "error".
  m.def("finite_width", [](const pdlt::Activation& act,
                           const Eigen::Ref<const Eigen::Matrix<double, Eigen::Dynamic, 4, Eigen::RowMajor>>& hyper,
                           const std::vector<int>& widths, const Eigen::Ref<const pdlt::RowMatrix>& X, bool with_ntk,
                           double rtol, const std::vector<int>& keep, py::object progress) {
    std::vector<pdlt::LayerHyperparameters> layers;
    for (Eigen::Index l = 0; l < hyper.rows(); ++l) layers.push_back({hyper(l, 0), hyper(l, 1), hyper(l, 2), hyper(l, 3)});
    const py::ssize_t n = X.rows(), slots = static_cast<py::ssize_t>(keep.size());
    const std::vector<std::string> matrices = with_ntk ? std::vector<std::string>{"K", "K1", "H", "H1"}
                                                       : std::vector<std::string>{"K", "K1"};
    const std::vector<std::string> tensors = with_ntk ? std::vector<std::string>{"V", "A", "B", "D", "F"}
                                                      : std::vector<std::string>{"V"};
    std::map<std::string, py::array_t<double>> out;
    for (const auto& name : matrices) out[name] = py::array_t<double>({slots, n, n});
    for (const auto& name : tensors) out[name] = py::array_t<double>({slots, n, n, n, n});
    std::map<std::string, double*> data;
    for (auto& [name, array] : out) data[name] = array.mutable_data();
    const std::size_t m2 = std::size_t(n * n), m4 = m2 * m2;
    std::size_t slot = 0;
    auto copy_matrix = [&](const std::string& name, const Eigen::MatrixXd& M) {
      // row-major copy (K1, H1 need not be symmetric to rounding)
      for (py::ssize_t a = 0; a < n; ++a)
        for (py::ssize_t b = 0; b < n; ++b) data[name][slot * m2 + std::size_t(a * n + b)] = M(a, b);
    };
    auto sink = [&](int layer, const pdlt::FiniteWidthLayer& s) {
      if (slot >= keep.size() || keep[slot] != layer) return;
      copy_matrix("K", s.K);
      copy_matrix("K1", s.K1);
      std::memcpy(data["V"] + slot * m4, s.V.v.data(), m4 * sizeof(double));
      if (with_ntk) {
        copy_matrix("H", s.H);
        copy_matrix("H1", s.H1);
        std::memcpy(data["A"] + slot * m4, s.A.v.data(), m4 * sizeof(double));
        std::memcpy(data["B"] + slot * m4, s.B.v.data(), m4 * sizeof(double));
        std::memcpy(data["D"] + slot * m4, s.D.v.data(), m4 * sizeof(double));
        std::memcpy(data["F"] + slot * m4, s.F.v.data(), m4 * sizeof(double));
      }
      ++slot;
    };
    const auto control = interruptible(progress);
    const double error = run_without_gil([&] {
      return pdlt::finite_width(act, layers, widths, X, with_ntk, rtol, sink, control);
    });
    py::dict d;
    for (auto& [name, array] : out) d[name.c_str()] = array;
    d["error"] = error;
    return d;
  }, py::arg("activation"), py::arg("hyper"), py::arg("widths"), py::arg("X"), py::arg("with_ntk"), py::arg("rtol"),
     py::arg("keep"), py::arg("progress") = py::none());
}

}  // namespace pdlt_py
