// Vectorisable elementary functions for the hot activation loops (internal).
#pragma once

#include <cstddef>

namespace pdlt::detail {

// tanh(z), sech^2(z) and -2 tanh(z) sech^2(z) at n points into the non-null outputs, accurate to
// a few ulp: Cephes' rational approximation (Moshier) for |z| < 0.625, and
// tanh|z| = 1 - 2/(E + 1), sech^2 z = 4/(E + 2 + 1/E) with E = exp(2|z|) above.
void tanh_array(const double* z, std::size_t n, double* t, double* dt, double* d2t);

}  // namespace pdlt::detail
