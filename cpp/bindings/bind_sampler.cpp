// The Monte Carlo engine: sampling, estimators from accumulated moments, merging.
#include <optional>

#include <pybind11/eigen.h>
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include "bindings.hpp"
#include "pdlt/ensemble_features.hpp"
#include "pdlt/sampler.hpp"

namespace pdlt_py {
namespace {

using HyperRows = Eigen::Matrix<double, Eigen::Dynamic, 4, Eigen::RowMajor>;

py::array_t<double> array(const std::vector<double>& v) {
  return py::array_t<double>(static_cast<py::ssize_t>(v.size()), v.data());
}

py::tuple state(const pdlt::MomentAccumulator& acc) {
  return py::make_tuple(acc.count(), array(acc.mean()), array(acc.comoment()));
}

pdlt::MomentAccumulator restore(std::size_t dim, std::shared_ptr<const pdlt::ComomentPairs> pairs, const py::tuple& s) {
  pdlt::MomentAccumulator acc(dim, std::move(pairs));
  acc.assign(s[0].cast<double>(), s[1].cast<std::vector<double>>(), s[2].cast<std::vector<double>>());
  return acc;
}

py::dict estimates(const pdlt::MeanWithError& e) {
  py::dict d;
  d["value"] = array(e.value);
  d["error"] = array(e.error);
  return d;
}

// The accumulator layout of a layer ("layer", with or without the four-point function) or of
// the output NTK ("ntk").
std::pair<std::size_t, std::shared_ptr<const pdlt::ComomentPairs>> layout(const std::string& kind,
                                                                         const pdlt::InputIndex& index,
                                                                         bool four_point) {
  if (kind == "ntk") {
    pdlt::NtkFeatures f(index);
    return {f.dim(), f.comoments()};
  }
  pdlt::LayerFeatures f(index, four_point);
  return {f.dim(), f.comoments()};
}

}  // namespace

void register_sampler(py::module_& m) {
  m.def("sample", [](const pdlt::Activation& act, const Eigen::Ref<const HyperRows>& hyper, const std::vector<int>& widths,
                     const Eigen::Ref<const pdlt::RowMatrix>& X, bool four_point, bool ntk, bool weights,
                     std::uint64_t seed, std::uint64_t start, std::uint64_t networks, py::object outputs,
                     py::object progress) {
    pdlt::SamplerConfig c;
    for (Eigen::Index l = 0; l < hyper.rows(); ++l) c.layers.push_back({hyper(l, 0), hyper(l, 1), hyper(l, 2), hyper(l, 3)});
    c.widths = widths;
    c.X = X;
    c.four_point = four_point;
    c.ntk = ntk;
    c.method = weights ? pdlt::SamplerMethod::weights : pdlt::SamplerMethod::marginal;
    c.seed = seed;
    c.start = start;
    c.networks = networks;
    std::optional<py::array_t<double, py::array::c_style>> out;
    if (!outputs.is_none()) {
      out = outputs.cast<py::array_t<double, py::array::c_style>>();
      if (std::uint64_t(out->size()) != networks * std::uint64_t(widths.back()) * std::uint64_t(X.rows()))
        throw py::value_error("outputs buffer has the wrong size");
      c.outputs = out->mutable_data();
    }
    // Between chunks: report progress, then look for Ctrl-C. An exception from either stops the
    // run after the current chunk; it is handed back with the partial result.
    py::object pending = py::none();
    pdlt::RunControl control;
    control.poll = [&](std::size_t done, std::size_t total) {
      py::gil_scoped_acquire gil;
      try {
        if (!progress.is_none()) progress(done, total);
        if (PyErr_CheckSignals() != 0) throw py::error_already_set();
      } catch (py::error_already_set& e) {
        pending = e.value();
        return false;
      }
      return true;
    };
    pdlt::SampleResult r = run_without_gil([&] { return pdlt::sample(act, c, control); });
    py::dict d;
    d["completed"] = r.completed;
    d["interrupted"] = r.interrupted || !pending.is_none();
    d["error"] = pending;
    py::list layers;
    for (const auto& acc : r.layers) layers.append(state(acc));
    d["layers"] = layers;
    d["ntk"] = ntk ? py::object(state(r.ntk)) : py::object(py::none());
    return d;
  }, py::arg("activation"), py::arg("hyper"), py::arg("widths"), py::arg("X"), py::arg("four_point"), py::arg("ntk"),
     py::arg("weights"), py::arg("seed"), py::arg("start"), py::arg("networks"), py::arg("outputs"), py::arg("progress"));

  // Index sets over N_D inputs: pairs (a <= b) and pairs of pairs (p1 <= p2).
  m.def("input_index", [](int n) {
    const pdlt::InputIndex index(n);
    return py::make_tuple(index.pairs, index.pair_pairs);
  }, py::arg("n_inputs"));

  m.def("layer_estimates", [](int n_inputs, bool four_point, const py::tuple& s) {
    const pdlt::InputIndex index(n_inputs);
    const pdlt::LayerFeatures f(index, four_point);
    const pdlt::LayerEstimates e = pdlt::layer_estimates(f, index, restore(f.dim(), f.comoments(), s));
    py::dict d;
    d["kernel"] = estimates(e.kernel);
    if (four_point) {
      d["four_point"] = estimates(e.four_point);
      d["moment4"] = estimates(e.moment4);
    }
    return d;
  }, py::arg("n_inputs"), py::arg("four_point"), py::arg("state"));

  m.def("ntk_estimates", [](int n_inputs, const py::tuple& s) {
    const pdlt::InputIndex index(n_inputs);
    const pdlt::NtkFeatures f(index);
    const pdlt::NtkEstimates e = pdlt::ntk_estimates(index, restore(f.dim(), f.comoments(), s));
    py::dict d;
    d["mean"] = estimates(e.mean);
    d["A"] = estimates(e.A);
    d["B"] = estimates(e.B);
    d["D"] = estimates(e.D);
    d["F"] = estimates(e.F);
    return d;
  }, py::arg("n_inputs"), py::arg("state"));

  // Chan's exact combination of two accumulator states of the same layout.
  m.def("merge_moments", [](const std::string& kind, int n_inputs, bool four_point, const py::tuple& a,
                            const py::tuple& b) {
    const pdlt::InputIndex index(n_inputs);
    const auto [dim, pairs] = layout(kind, index, four_point);
    pdlt::MomentAccumulator acc = restore(dim, pairs, a);
    acc.merge(restore(dim, pairs, b));
    return state(acc);
  }, py::arg("kind"), py::arg("n_inputs"), py::arg("four_point"), py::arg("a"), py::arg("b"));
}

}  // namespace pdlt_py
