#include <map>
#include <string>

#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include "bindings.hpp"
#include "pdlt/activation.hpp"
#include "py_activation.hpp"

namespace pdlt_py {

void register_activation(py::module_& m) {
  py::class_<pdlt::Activation, std::shared_ptr<pdlt::Activation>>(m, "Activation")
      .def_property_readonly("name", &pdlt::Activation::name)
      .def_property_readonly("smooth", &pdlt::Activation::smooth)
      .def_property_readonly("thread_safe", &pdlt::Activation::thread_safe)
      .def_property_readonly("has_derivative", &pdlt::Activation::has_derivative)
      .def_property_readonly("scale_invariant", &pdlt::Activation::scale_invariant)
      .def("has_closed_form", [](const pdlt::Activation& a, bool derivative) {
        return a.has_closed_form(derivative ? pdlt::Field::dsigma : pdlt::Field::sigma);
      })
      // sigma^{(derivative)} at every point of a float64 array (any shape).
      .def("evaluate", [](const pdlt::Activation& a, py::array_t<double, py::array::c_style | py::array::forcecast> z,
                          int derivative) {
        if (derivative < 0 || derivative > 2) throw py::value_error("derivative must be 0, 1 or 2");
        py::array_t<double> out(z.request().shape);
        const double* in = z.data();
        double* res = out.mutable_data();
        const std::size_t n = static_cast<std::size_t>(z.size());
        auto run = [&] {
          a.evaluate(in, n, derivative == 0 ? res : nullptr, derivative == 1 ? res : nullptr,
                     derivative == 2 ? res : nullptr);
        };
        run_without_gil(run);  // a custom activation takes the GIL back for its callback
        return out;
      }, py::arg("z"), py::arg("derivative") = 0);

  m.def("make_activation", [](const std::string& name, const std::map<std::string, double>& params) {
    return std::const_pointer_cast<pdlt::Activation>(pdlt::make_activation(name, params));
  }, py::arg("name"), py::arg("params") = std::map<std::string, double>{});

  m.def("custom_activation", [](py::object evaluate, const std::string& name, bool smooth) {
    return std::shared_ptr<pdlt::Activation>(std::make_shared<PyActivation>(std::move(evaluate), name, smooth));
  }, py::arg("evaluate"), py::arg("name"), py::arg("smooth"));

  m.def("builtin_activations", [] {
    py::list out;
    for (const auto& info : pdlt::builtin_activations())
      out.append(py::make_tuple(info.name, info.formula, info.defaults));
    return out;
  });
}

}  // namespace pdlt_py
