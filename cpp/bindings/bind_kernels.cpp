// The infinite-width kernel and NTK recursions.
#include <cstring>
#include <vector>

#include <pybind11/eigen.h>
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include "bindings.hpp"
#include "pdlt/kernels.hpp"

namespace pdlt_py {

void register_kernels(py::module_& m) {
  // hyper: (L, 4) rows (C_b, C_W, lambda_b, lambda_W); keep: sorted layers 1..L to return.
  // Returns (K, H or None, error) with K, H of shape (len(keep), N_D, N_D).
  m.def("infinite_width", [](const pdlt::Activation& act,
                             const Eigen::Ref<const Eigen::Matrix<double, Eigen::Dynamic, 4, Eigen::RowMajor>>& hyper,
                             const Eigen::Ref<const pdlt::RowMatrix>& X, bool with_ntk, double rtol,
                             const std::vector<int>& keep) {
    std::vector<pdlt::LayerHyperparameters> layers;
    for (Eigen::Index l = 0; l < hyper.rows(); ++l)
      layers.push_back({hyper(l, 0), hyper(l, 1), hyper(l, 2), hyper(l, 3)});
    const py::ssize_t n = X.rows(), slots = static_cast<py::ssize_t>(keep.size());
    py::array_t<double> K({slots, n, n});
    py::array_t<double> H(with_ntk ? std::vector<py::ssize_t>{slots, n, n} : std::vector<py::ssize_t>{0});
    double* k_out = K.mutable_data();
    double* h_out = H.mutable_data();
    const std::size_t block = static_cast<std::size_t>(n * n);
    std::size_t slot = 0;
    // K and H are symmetric, so Eigen's column-major storage equals NumPy's row-major order.
    auto sink = [&](int layer, const Eigen::MatrixXd& Kl, const Eigen::MatrixXd* Hl) {
      if (slot >= keep.size() || keep[slot] != layer) return;
      std::memcpy(k_out + slot * block, Kl.data(), block * sizeof(double));
      if (Hl) std::memcpy(h_out + slot * block, Hl->data(), block * sizeof(double));
      ++slot;
    };
    const auto control = interruptible();
    const double error = run_without_gil([&] {
      return pdlt::infinite_width(act, layers, X, with_ntk, rtol, sink, control);
    });
    return py::make_tuple(K, with_ntk ? py::object(H) : py::object(py::none()), error);
  }, py::arg("activation"), py::arg("hyper"), py::arg("X"), py::arg("with_ntk"), py::arg("rtol"), py::arg("keep"));
}

}  // namespace pdlt_py
