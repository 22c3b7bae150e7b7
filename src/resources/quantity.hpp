// How messages write resource quantities.
#pragma once

#include <string>

namespace hetsched::detail {

/// The shortest text that reads back as `quantity`: "2", "0.3333", "1e+18" (never "2.000000").
std::string quantity_text(double quantity);

}  // namespace hetsched::detail
