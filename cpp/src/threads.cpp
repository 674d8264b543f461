#include "pdlt/threads.hpp"

#include <atomic>

#include "pdlt/errors.hpp"

#ifdef PDLT_HAVE_OPENMP
#include <omp.h>
#endif

namespace pdlt {
namespace {

int default_threads() {
#ifdef PDLT_HAVE_OPENMP
  return omp_get_max_threads();  // honours OMP_NUM_THREADS
#else
  return 1;
#endif
}

std::atomic<int>& thread_setting() {
  static std::atomic<int> n{default_threads()};
  return n;
}

}  // namespace

int num_threads() { return thread_setting().load(); }

void set_num_threads(int n) {
  if (n < 1) throw InvalidArgument("num_threads must be >= 1");
#ifdef PDLT_HAVE_OPENMP
  thread_setting().store(n);
#else
  thread_setting().store(1);
#endif
}

bool openmp_enabled() {
#ifdef PDLT_HAVE_OPENMP
  return true;
#else
  return false;
#endif
}

}  // namespace pdlt
