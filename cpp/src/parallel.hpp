// OpenMP helpers (internal). Every parallel loop in pdlt writes disjoint outputs computed in a
// fixed order, so results are bitwise independent of the number of threads.
#pragma once

#include "pdlt/threads.hpp"

#ifdef PDLT_HAVE_OPENMP
#define PDLT_PRAGMA(x) _Pragma(#x)
#define PDLT_PARALLEL_FOR_DYNAMIC PDLT_PRAGMA(omp parallel for schedule(dynamic) num_threads(::pdlt::num_threads()))
#define PDLT_PARALLEL_FOR_STATIC PDLT_PRAGMA(omp parallel for schedule(static) num_threads(::pdlt::num_threads()))
#else
#define PDLT_PARALLEL_FOR_DYNAMIC
#define PDLT_PARALLEL_FOR_STATIC
#endif

#include <exception>

#ifdef PDLT_HAVE_OPENMP
#include <omp.h>
#endif

namespace pdlt::detail {

// Runs body(thread, i) for i in [0, n): on pdlt's threads (dynamic schedule) when `parallel`,
// else in order on the calling thread (outside any OpenMP region, so that a body may call back
// into an interpreter). The first exception thrown by a body is rethrown after the loop.
template <class Body>
void for_each_index(long n, bool parallel, Body&& body) {
#ifdef PDLT_HAVE_OPENMP
  if (parallel && n > 1 && num_threads() > 1) {
    std::exception_ptr error;
#pragma omp parallel num_threads(num_threads())
    {
      const int thread = omp_get_thread_num();
#pragma omp for schedule(dynamic)
      for (long i = 0; i < n; ++i) {
        try {
          body(thread, i);
        } catch (...) {
#pragma omp critical(pdlt_for_each_index_error)
          if (!error) error = std::current_exception();
        }
      }
    }
    if (error) std::rethrow_exception(error);
    return;
  }
#endif
  (void)parallel;
  for (long i = 0; i < n; ++i) body(0, i);
}

}  // namespace pdlt::detail
