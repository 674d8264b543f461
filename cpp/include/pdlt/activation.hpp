// Activation functions sigma(z) with sigma' and sigma''.
//
// Built-ins are closed-form C++; a custom activation is any subclass (the Python bindings wrap a
// NumPy-vectorised callable). The Gaussian-integral engine asks an activation three things:
// its values at many points in one call, whether it is smooth (analytic on the real line, so
// that Hermite expansions converge fast), and whether a closed form exists for the two-input
// expectations <sigma_a sigma_b>_K and <sigma'_a sigma'_b>_K.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace pdlt {

// Which function of the activation a two-point expectation is built from.
enum class Field { sigma = 0, dsigma = 1 };

class Activation {
 public:
  virtual ~Activation() = default;

  virtual std::string name() const = 0;

  // sigma, sigma', sigma'' at z[0..n) into the non-null outputs.
  virtual void evaluate(const double* z, std::size_t n, double* sigma, double* dsigma,
                        double* d2sigma) const = 0;

  // True if evaluate() may be called concurrently from several threads (false for callbacks
  // into an interpreter, which the engine then calls from the calling thread only).
  virtual bool thread_safe() const { return true; }

  // True for activations analytic on the real line (tanh, gelu, ...): Hermite coefficients
  // then decay fast. False for kinks at z = 0 (relu, elu, step), which need split quadrature.
  virtual bool smooth() const { return true; }

  // Half-width (in z) of a strip around the real axis where sigma is analytic: it sets the step
  // of trapezoidal rules (error ~ exp(-2 pi strip / step)). Entire functions that grow like a
  // Gaussian off the axis (erf, gelu) report a finite, safe value. Custom activations: 1.
  virtual double analytic_strip() const { return 1.0; }

  // False when sigma' is not a function (step: a delta at 0); then the NTK and the
  // susceptibilities are not defined.
  virtual bool has_derivative() const { return true; }

  // <F(z_a) F(z_b)>_K in closed form for F = sigma or sigma', if one is known.
  virtual bool has_closed_form(Field) const { return false; }
  virtual double closed_form(Field, double Kaa, double Kbb, double Kab) const;

  // True for sigma(lambda z) = lambda sigma(z), lambda > 0 (relu, leaky relu, linear): the
  // scale-invariant universality class. Custom activations are tested numerically instead.
  virtual bool scale_invariant() const { return false; }

  // Convenience: one point, one field (0: sigma, 1: sigma', 2: sigma'').
  double operator()(double z, int derivative = 0) const;
};

using ActivationPtr = std::shared_ptr<const Activation>;

struct ActivationInfo {
  std::string name;
  std::string formula;
  std::map<std::string, double> defaults;  // parameter name -> default value
};

// The built-in activations and their parameters.
const std::vector<ActivationInfo>& builtin_activations();

// A built-in by name; params override the defaults (unknown names or values out of range
// throw InvalidArgument).
ActivationPtr make_activation(const std::string& name, const std::map<std::string, double>& params = {});

}  // namespace pdlt
