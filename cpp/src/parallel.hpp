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
