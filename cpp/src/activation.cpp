// Built-in activations: closed-form sigma, sigma', sigma'' and, where they exist, closed forms
// of the two-input Gaussian expectations (arc-cosine kernels for the relu family, book §5.5;
// Williams' arcsine kernel for erf; exponentials for sin).
#include "pdlt/activation.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "fast_math.hpp"
#include "pdlt/errors.hpp"

namespace pdlt {

double Activation::closed_form(Field, double, double, double) const {
  throw InvalidArgument("activation '" + name() + "' has no closed-form two-point expectation");
}

double Activation::operator()(double z, int derivative) const {
  double s = 0, ds = 0, dds = 0;
  evaluate(&z, 1, derivative == 0 ? &s : nullptr, derivative == 1 ? &ds : nullptr,
           derivative == 2 ? &dds : nullptr);
  return derivative == 0 ? s : (derivative == 1 ? ds : dds);
}

namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kSqrt2 = 1.41421356237309504880;
constexpr double kInvSqrt2Pi = 0.39894228040143267794;
constexpr double kTwoOverSqrtPi = 1.12837916709551257390;

// Correlation and angle of a 2x2 kernel, clamped against rounding.
struct Angle {
  double rho, psi, norm;  // cos(psi) = rho, norm = sqrt(Kaa Kbb)
};
Angle angle_of(double Kaa, double Kbb, double Kab) {
  // sqrt(Kaa Kbb) is exact for Kaa = Kbb (so rho = 1 on the diagonal, where acos is
  // ill-conditioned); the product of roots only when Kaa Kbb would leave the double range.
  const double prod = Kaa * Kbb;
  const double norm = prod > 1e-300 && prod < 1e300 ? std::sqrt(prod) : std::sqrt(Kaa) * std::sqrt(Kbb);
  const double rho = std::clamp(Kab / norm, -1.0, 1.0);
  return {rho, std::acos(rho), norm};
}

// CRTP base: Derived supplies value(z), slope(z), curvature(z); this supplies the loops.
template <class Derived>
class Pointwise : public Activation {
 public:
  void evaluate(const double* z, std::size_t n, double* s, double* ds, double* dds) const final {
    const auto& self = static_cast<const Derived&>(*this);
    if (s)
      for (std::size_t i = 0; i < n; ++i) s[i] = self.value(z[i]);
    if (ds)
      for (std::size_t i = 0; i < n; ++i) ds[i] = self.slope(z[i]);
    if (dds)
      for (std::size_t i = 0; i < n; ++i) dds[i] = self.curvature(z[i]);
  }
};

class Linear final : public Pointwise<Linear> {
 public:
  std::string name() const override { return "linear"; }
  double value(double z) const { return z; }
  double slope(double) const { return 1.0; }
  double curvature(double) const { return 0.0; }
  bool scale_invariant() const override { return true; }
  double analytic_strip() const override { return kPi / 2; }
  bool has_closed_form(Field) const override { return true; }
  double closed_form(Field f, double, double, double Kab) const override {
    return f == Field::sigma ? Kab : 1.0;
  }
};

// sigma(z) = z (z > 0), a z (z <= 0): relu (a = 0), leaky relu, linear (a = 1).
class LeakyRelu final : public Pointwise<LeakyRelu> {
 public:
  LeakyRelu(std::string name, double a) : name_(std::move(name)), a_(a) {}
  std::string name() const override { return name_; }
  double value(double z) const { return z > 0 ? z : a_ * z; }
  double slope(double z) const { return z > 0 ? 1.0 : a_; }
  double curvature(double) const { return 0.0; }
  bool smooth() const override { return false; }
  bool scale_invariant() const override { return true; }
  bool has_closed_form(Field) const override { return true; }
  // Arc-cosine kernels with a_+ = 1, a_- = a (theory notes §2.3):
  // <s s> = sqrt(KaaKbb)/(2 pi) {(1 + a^2)[sin psi + (pi - psi) cos psi] - 2a [sin psi - psi cos psi]}
  // <s's'> = [(1 + a^2)(pi - psi) + 2 a psi] / (2 pi)
  double closed_form(Field f, double Kaa, double Kbb, double Kab) const override {
    const Angle g = angle_of(Kaa, Kbb, Kab);
    const double sin_psi = std::sqrt(std::max(0.0, 1.0 - g.rho * g.rho));
    const double a2 = 1.0 + a_ * a_;
    if (f == Field::dsigma) return (a2 * (kPi - g.psi) + 2.0 * a_ * g.psi) / (2.0 * kPi);
    return g.norm / (2.0 * kPi) *
           (a2 * (sin_psi + (kPi - g.psi) * g.rho) - 2.0 * a_ * (sin_psi - g.psi * g.rho));
  }

 private:
  std::string name_;
  double a_;
};

class Tanh final : public Activation {
 public:
  std::string name() const override { return "tanh"; }
  double analytic_strip() const override { return kPi / 2; }  // poles at +-i pi/2
  void evaluate(const double* z, std::size_t n, double* s, double* ds, double* dds) const override {
    detail::tanh_array(z, n, s, ds, dds);  // vectorised; sech^2 computed directly, not as 1 - tanh^2
  }
};

class Sin final : public Pointwise<Sin> {
 public:
  std::string name() const override { return "sin"; }
  double analytic_strip() const override { return kPi / 2; }
  double value(double z) const { return std::sin(z); }
  double slope(double z) const { return std::cos(z); }
  double curvature(double z) const { return -std::sin(z); }
  bool has_closed_form(Field) const override { return true; }
  // <sin sin> = exp(-(Kaa + Kbb)/2) sinh(Kab), <cos cos> = exp(-(Kaa + Kbb)/2) cosh(Kab).
  double closed_form(Field f, double Kaa, double Kbb, double Kab) const override {
    const double e = -0.5 * (Kaa + Kbb);
    // Written with exponentials of non-positive arguments only (|Kab| <= (Kaa + Kbb)/2).
    const double plus = 0.5 * std::exp(e + Kab), minus = 0.5 * std::exp(e - Kab);
    return f == Field::sigma ? plus - minus : plus + minus;
  }
};

class Erf final : public Pointwise<Erf> {
 public:
  std::string name() const override { return "erf"; }
  double analytic_strip() const override { return kPi / 2; }  // entire, grows like exp(y^2)
  double value(double z) const { return std::erf(z); }
  double slope(double z) const { return kTwoOverSqrtPi * std::exp(-z * z); }
  double curvature(double z) const { return -2.0 * z * kTwoOverSqrtPi * std::exp(-z * z); }
  bool has_closed_form(Field) const override { return true; }
  // Williams (1997): <erf erf> = (2/pi) asin(2Kab / sqrt((1 + 2Kaa)(1 + 2Kbb))),
  // <erf' erf'> = (4/pi) / sqrt((1 + 2Kaa)(1 + 2Kbb) - 4 Kab^2).
  double closed_form(Field f, double Kaa, double Kbb, double Kab) const override {
    const double prod = (1.0 + 2.0 * Kaa) * (1.0 + 2.0 * Kbb);
    if (f == Field::sigma) return 2.0 / kPi * std::asin(std::clamp(2.0 * Kab / std::sqrt(prod), -1.0, 1.0));
    return 4.0 / kPi / std::sqrt(std::max(prod - 4.0 * Kab * Kab, 0.0));
  }
};

double logistic(double z) {
  if (z >= 0) return 1.0 / (1.0 + std::exp(-z));
  const double e = std::exp(z);
  return e / (1.0 + e);
}

// s (1 - s) for s = logistic(z), without the cancellation in 1 - s.
double logistic_slope(double z) {
  const double e = std::exp(-std::abs(z));
  return e / ((1.0 + e) * (1.0 + e));
}

class Sigmoid final : public Pointwise<Sigmoid> {
 public:
  std::string name() const override { return "sigmoid"; }
  double analytic_strip() const override { return kPi; }
  double value(double z) const { return logistic(z); }
  double slope(double z) const { return logistic_slope(z); }
  double curvature(double z) const { return -logistic_slope(z) * std::tanh(0.5 * z); }  // 1 - 2s = -tanh(z/2)
};

class Softplus final : public Pointwise<Softplus> {
 public:
  std::string name() const override { return "softplus"; }
  double analytic_strip() const override { return kPi; }
  double value(double z) const { return std::max(z, 0.0) + std::log1p(std::exp(-std::abs(z))); }
  double slope(double z) const { return logistic(z); }
  double curvature(double z) const { return logistic_slope(z); }
};

// GELU: z Phi(z) with the exact normal CDF Phi.
class Gelu final : public Pointwise<Gelu> {
 public:
  std::string name() const override { return "gelu"; }
  double analytic_strip() const override { return kPi / 2; }  // entire, grows like exp(y^2/2)
  static double Phi(double z) { return 0.5 * std::erfc(-z / kSqrt2); }
  static double phi(double z) { return kInvSqrt2Pi * std::exp(-0.5 * z * z); }
  double value(double z) const { return z * Phi(z); }
  double slope(double z) const { return Phi(z) + z * phi(z); }
  double curvature(double z) const { return (2.0 - z * z) * phi(z); }
};

// SWISH: z * logistic(beta z) (beta = 1 is the book's SWISH / SiLU).
class Swish final : public Pointwise<Swish> {
 public:
  explicit Swish(double beta) : beta_(beta) {}
  std::string name() const override { return "swish"; }
  double analytic_strip() const override { return kPi / beta_; }
  double value(double z) const { return z * logistic(beta_ * z); }
  double slope(double z) const { return logistic(beta_ * z) + beta_ * z * logistic_slope(beta_ * z); }
  double curvature(double z) const {
    const double bz = beta_ * z;
    return beta_ * logistic_slope(bz) * (2.0 - bz * std::tanh(0.5 * bz));  // 1 - 2s = -tanh(bz/2)
  }

 private:
  double beta_;
};

// ELU: z (z > 0), alpha (e^z - 1) (z <= 0); sigma'' jumps at 0, so it is not smooth.
class Elu final : public Pointwise<Elu> {
 public:
  explicit Elu(double alpha) : alpha_(alpha) {}
  std::string name() const override { return "elu"; }
  double value(double z) const { return z > 0 ? z : alpha_ * std::expm1(z); }
  double slope(double z) const { return z > 0 ? 1.0 : alpha_ * std::exp(z); }
  double curvature(double z) const { return z > 0 ? 0.0 : alpha_ * std::exp(z); }
  bool smooth() const override { return false; }

 private:
  double alpha_;
};

// Heaviside step, sigma(z) = 1 for z > 0, else 0. Its derivative is a delta function, so only
// kernel quantities are defined (NTK and susceptibilities are not).
class Step final : public Pointwise<Step> {
 public:
  std::string name() const override { return "step"; }
  double value(double z) const { return z > 0 ? 1.0 : 0.0; }
  double slope(double) const { return 0.0; }
  double curvature(double) const { return 0.0; }
  bool smooth() const override { return false; }
  bool has_derivative() const override { return false; }
  bool has_closed_form(Field f) const override { return f == Field::sigma; }
  // <Theta Theta> = (pi - psi) / (2 pi).
  double closed_form(Field f, double Kaa, double Kbb, double Kab) const override {
    if (f != Field::sigma) return Activation::closed_form(f, Kaa, Kbb, Kab);
    return (kPi - angle_of(Kaa, Kbb, Kab).psi) / (2.0 * kPi);
  }
};

double parameter(const std::string& activation, const std::map<std::string, double>& params,
                 const std::map<std::string, double>& defaults, const std::string& key) {
  auto it = params.find(key);
  const double v = it == params.end() ? defaults.at(key) : it->second;
  if (!std::isfinite(v))
    throw InvalidArgument(activation + ": parameter '" + key + "' must be finite");
  return v;
}

}  // namespace

const std::vector<ActivationInfo>& builtin_activations() {
  static const std::vector<ActivationInfo> infos = {
      {"linear", "z", {}},
      {"relu", "max(z, 0)", {}},
      {"leaky_relu", "z if z > 0 else slope * z", {{"slope", 0.01}}},
      {"tanh", "tanh(z)", {}},
      {"sin", "sin(z)", {}},
      {"erf", "erf(z)", {}},
      {"sigmoid", "1 / (1 + exp(-z))", {}},
      {"softplus", "log(1 + exp(z))", {}},
      {"gelu", "z * Phi(z), Phi the standard normal CDF", {}},
      {"swish", "z / (1 + exp(-beta * z))", {{"beta", 1.0}}},
      {"elu", "z if z > 0 else alpha * (exp(z) - 1)", {{"alpha", 1.0}}},
      {"step", "1 if z > 0 else 0", {}},
  };
  return infos;
}

ActivationPtr make_activation(const std::string& name, const std::map<std::string, double>& params) {
  const auto& infos = builtin_activations();
  auto info = std::find_if(infos.begin(), infos.end(), [&](const ActivationInfo& i) { return i.name == name; });
  if (info == infos.end()) {
    std::ostringstream msg;
    msg << "unknown activation '" << name << "'; the built-ins are:";
    for (const auto& i : infos) msg << ' ' << i.name;
    throw InvalidArgument(msg.str());
  }
  for (const auto& [key, value] : params) {
    (void)value;
    if (!info->defaults.count(key))
      throw InvalidArgument("activation '" + name + "' has no parameter '" + key + "'");
  }
  auto p = [&](const std::string& key) { return parameter(name, params, info->defaults, key); };

  if (name == "linear") return std::make_shared<Linear>();
  if (name == "relu") return std::make_shared<LeakyRelu>("relu", 0.0);
  if (name == "leaky_relu") return std::make_shared<LeakyRelu>("leaky_relu", p("slope"));
  if (name == "tanh") return std::make_shared<Tanh>();
  if (name == "sin") return std::make_shared<Sin>();
  if (name == "erf") return std::make_shared<Erf>();
  if (name == "sigmoid") return std::make_shared<Sigmoid>();
  if (name == "softplus") return std::make_shared<Softplus>();
  if (name == "gelu") return std::make_shared<Gelu>();
  if (name == "swish") {
    const double beta = p("beta");
    if (!(beta > 0)) throw InvalidArgument("swish: parameter 'beta' must be > 0");
    return std::make_shared<Swish>(beta);
  }
  if (name == "elu") {
    const double alpha = p("alpha");
    if (!(alpha >= 0)) throw InvalidArgument("elu: parameter 'alpha' must be >= 0");
    return std::make_shared<Elu>(alpha);
  }
  return std::make_shared<Step>();
}

}  // namespace pdlt
