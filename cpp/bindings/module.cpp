// The compiled module pdlt._core: one register_X per concept, no logic here.
#include "bindings.hpp"

PYBIND11_MODULE(_core, m) {
  m.doc() = "pdlt compiled core (private; use the pdlt package)";
  m.attr("__version__") = PDLT_VERSION;
  pdlt_py::register_threads(m);
  pdlt_py::register_activation(m);
  pdlt_py::register_quadrature(m);
  pdlt_py::register_gaussian(m);
  pdlt_py::register_kernels(m);
  pdlt_py::register_criticality(m);
  pdlt_py::register_rng(m);
  pdlt_py::register_sampler(m);
  pdlt_py::register_finite_width(m);
}
