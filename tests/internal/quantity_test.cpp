// Fixed-point quantities: Ray's 1e-4 precision and the whole-number rule above 1.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <utility>

#include "hetsched/detail/resource_demand.hpp"
#include "hetsched/error.hpp"
#include "resources/quantity.hpp"

namespace hetsched::detail {
namespace {

TEST(Quantity, ConvertsToUnitsOfOneTenThousandth) {
  EXPECT_EQ(to_units("GPU", 0.3333), 3333);
  EXPECT_EQ(to_units("GPU", 0.5), 5000);
  EXPECT_EQ(to_units("CPU", 4), 40000);
  EXPECT_EQ(to_units("CPU", 0), 0);
  EXPECT_LE(3 * to_units("GPU", 0.3333), units_per_resource);
}

TEST(Quantity, RejectsWhatCannotBeRepresentedOrIsNotWhole) {
  for (double bad : {1e-5, 1.0 / 3.0, -1.0, 1.5, std::nan(""), std::numeric_limits<double>::infinity(), 1e13}) {
    EXPECT_THROW(to_units("GPU", bad), ResourceError) << bad;
  }
}

TEST(Quantity, ErrorsNameTheResource) {
  try {
    to_units("GPU", 1.5);
    FAIL();
  } catch (const ResourceError& e) {
    EXPECT_NE(std::string(e.what()).find("GPU"), std::string::npos);
  }
}

TEST(Quantity, MessagesWriteQuantitiesCompactly) {
  for (auto [quantity, text] : {std::pair{1e18, "1e+18"}, std::pair{-1e18, "-1e+18"}, std::pair{-0.5, "-0.5"},
                                std::pair{0.33333, "0.33333"}, std::pair{2.5, "2.5"}}) {
    try {
      to_units("Custom", quantity);
      ADD_FAILURE() << "accepted " << text;
    } catch (const ResourceError& e) {
      std::string message = e.what();
      EXPECT_NE(message.find(std::string("Custom quantity ") + text + " "), std::string::npos) << message;
      EXPECT_EQ(message.find("00000"), std::string::npos) << message;
    }
  }
}

TEST(Quantity, TextIsTheShortestThatReadsBackTheSame) {
  EXPECT_EQ(quantity_text(2), "2");
  EXPECT_EQ(quantity_text(0.3333), "0.3333");
  EXPECT_EQ(quantity_text(from_units(3333)), "0.3333");
  EXPECT_EQ(quantity_text(1e12), "1e+12");
  EXPECT_EQ(quantity_text(4096), "4096");
}

TEST(ResourceDemand, CustomEntriesStaySortedAndUnique) {
  ResourceDemand demand;
  demand.set_custom("b", 1);
  demand.set_custom("a", 2);
  demand.set_custom("b", 3);
  EXPECT_EQ(demand.custom, (std::vector<std::pair<std::string, std::int64_t>>{{"a", 2}, {"b", 3}}));
  EXPECT_THROW(demand.set_custom("CPU", 1), ResourceError);
  EXPECT_THROW(demand.set_custom("", 1), ResourceError);
}

}  // namespace
}  // namespace hetsched::detail
