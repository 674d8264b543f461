#include "bindings.hpp"
#include "pdlt/threads.hpp"

namespace pdlt_py {

void register_threads(py::module_& m) {
  m.def("get_num_threads", &pdlt::num_threads);
  m.def("set_num_threads", &pdlt::set_num_threads, py::arg("n"));
  m.def("openmp_enabled", &pdlt::openmp_enabled);
}

}  // namespace pdlt_py
