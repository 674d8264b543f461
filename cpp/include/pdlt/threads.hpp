// The number of OpenMP threads pdlt uses. Results never depend on it: every parallel loop in
// pdlt runs over independent entries computed in a fixed order.
#pragma once

namespace pdlt {

int num_threads();
void set_num_threads(int n);  // n >= 1
bool openmp_enabled();

}  // namespace pdlt
