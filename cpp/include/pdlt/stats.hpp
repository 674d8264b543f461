// Streaming, mergeable moments of a feature vector: the mean of every component and the
// co-moment sum_s (x_i - mean_i)(x_j - mean_j) of a fixed list of component pairs.
// add() is Welford's update, merge() Chan, Golub & LeVeque's pairwise formula: both exact up to
// rounding, so an ensemble can be built in pieces (threads, runs, MPI ranks) and combined.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

namespace pdlt {

using ComomentPairs = std::vector<std::pair<std::uint32_t, std::uint32_t>>;

class MomentAccumulator {
 public:
  MomentAccumulator() = default;
  MomentAccumulator(std::size_t dim, std::shared_ptr<const ComomentPairs> pairs);

  void add(const double* x);                 // one sample of dim() components
  void merge(const MomentAccumulator& other);  // same dim and pairs

  std::size_t dim() const { return mean_.size(); }
  double count() const { return count_; }
  const std::vector<double>& mean() const { return mean_; }
  const std::vector<double>& comoment() const { return comoment_; }
  const ComomentPairs& pairs() const { return *pairs_; }

  // Unbiased covariance of pair k, comoment / (count - 1).
  double covariance(std::size_t k) const { return comoment_[k] / (count_ - 1.0); }

  // Restores a saved state (count, means, co-moments).
  void assign(double count, std::vector<double> mean, std::vector<double> comoment);

 private:
  double count_ = 0;
  std::vector<double> mean_, comoment_, delta_;
  std::shared_ptr<const ComomentPairs> pairs_;
};

}  // namespace pdlt
