// The counter-based generator, exposed for tests and for users who want the same streams.
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include "bindings.hpp"
#include "pdlt/rng.hpp"

namespace pdlt_py {

void register_rng(py::module_& m) {
  m.def("philox4x32_10", &pdlt::philox4x32_10, py::arg("counter"), py::arg("key"));
  m.def("normals", [](std::uint64_t seed, std::uint64_t network, std::uint32_t tag, std::uint64_t first,
                      std::size_t count) {
    py::array_t<double> out(static_cast<py::ssize_t>(count));
    double* data = out.mutable_data();
    run_without_gil([&] { pdlt::fill_normals({seed, network, tag}, first, count, data); });
    return out;
  }, py::arg("seed"), py::arg("network"), py::arg("tag"), py::arg("first"), py::arg("count"));
}

}  // namespace pdlt_py
