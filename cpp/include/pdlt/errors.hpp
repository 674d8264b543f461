// Exceptions thrown by the core. The bindings map them onto Python exceptions:
// InvalidArgument -> ValueError, NumericalOverflow -> OverflowError,
// Interrupted -> KeyboardInterrupt (or whatever Python error is pending).
#pragma once

#include <stdexcept>
#include <string>

namespace pdlt {

// A parameter outside its allowed range, or a quantity that is not defined for this activation.
struct InvalidArgument : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

// A recursion left the range of double precision (a network far from criticality).
struct NumericalOverflow : std::overflow_error {
  using std::overflow_error::overflow_error;
};

// The caller asked to stop (e.g. Ctrl-C); thrown from the calling thread only.
struct Interrupted : std::runtime_error {
  Interrupted() : std::runtime_error("interrupted") {}
};

}  // namespace pdlt
