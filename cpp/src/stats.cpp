#include "pdlt/stats.hpp"

#include "pdlt/errors.hpp"

namespace pdlt {

MomentAccumulator::MomentAccumulator(std::size_t dim, std::shared_ptr<const ComomentPairs> pairs)
    : mean_(dim, 0.0), comoment_(pairs->size(), 0.0), delta_(dim, 0.0), pairs_(std::move(pairs)) {}

void MomentAccumulator::add(const double* x) {
  count_ += 1.0;
  const double inv = 1.0 / count_;
  const std::size_t n = mean_.size();
  for (std::size_t i = 0; i < n; ++i) {
    delta_[i] = x[i] - mean_[i];  // deviation from the old mean
    mean_[i] += delta_[i] * inv;
  }
  // C_ij += (x_i - old mean_i)(x_j - new mean_j)
  const ComomentPairs& pairs = *pairs_;
  for (std::size_t k = 0; k < pairs.size(); ++k) {
    const auto [i, j] = pairs[k];
    comoment_[k] += delta_[i] * (x[j] - mean_[j]);
  }
}

void MomentAccumulator::merge(const MomentAccumulator& other) {
  if (other.count_ == 0) return;
  if (other.mean_.size() != mean_.size() || other.comoment_.size() != comoment_.size())
    throw InvalidArgument("cannot merge moment accumulators of different layouts");
  if (count_ == 0) {
    count_ = other.count_;
    mean_ = other.mean_;
    comoment_ = other.comoment_;
    return;
  }
  const double n = count_ + other.count_;
  const double weight = count_ * other.count_ / n;
  for (std::size_t i = 0; i < mean_.size(); ++i) delta_[i] = other.mean_[i] - mean_[i];
  const ComomentPairs& pairs = *pairs_;
  for (std::size_t k = 0; k < pairs.size(); ++k) {
    const auto [i, j] = pairs[k];
    comoment_[k] += other.comoment_[k] + delta_[i] * delta_[j] * weight;
  }
  for (std::size_t i = 0; i < mean_.size(); ++i) mean_[i] += delta_[i] * (other.count_ / n);
  count_ = n;
}

void MomentAccumulator::assign(double count, std::vector<double> mean, std::vector<double> comoment) {
  if (mean.size() != mean_.size() || comoment.size() != comoment_.size())
    throw InvalidArgument("saved moments do not match the accumulator layout");
  count_ = count;
  mean_ = std::move(mean);
  comoment_ = std::move(comoment);
}

}  // namespace pdlt
