// Run control: lets a long computation be interrupted and report progress without the core
// knowing who is listening (the Python bindings poll for Ctrl-C here).
#pragma once

#include <cstddef>
#include <functional>

#include "pdlt/errors.hpp"

namespace pdlt {

struct RunControl {
  // Called from the calling thread between units of work with (done, total);
  // returns false to request a stop. Empty means "never stop, report nothing".
  std::function<bool(std::size_t done, std::size_t total)> poll;

  // Throws Interrupted if the listener asked to stop. Call only outside parallel regions.
  void checkpoint(std::size_t done = 0, std::size_t total = 0) const {
    if (poll && !poll(done, total)) throw Interrupted();
  }
};

}  // namespace pdlt
