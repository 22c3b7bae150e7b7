// parse_resource_list (HETSCHED_RESOURCES: JSON or name=quantity pairs) and parse_byte_count
// (HETSCHED_OBJECT_STORE_BYTES). Contract: a result or a hetsched::Error. Round trips where a parse succeeds: the
// resources written back as JSON parse to the same map, and a byte count written in decimal parses to itself.
#include <cmath>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "config_resolution.hpp"
#include "fuzz_support.hpp"
#include "hetsched/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using hetsched::fuzz::require;
  const std::string text = hetsched::fuzz::text_of(data, size);
  try {
    std::map<std::string, double> resources = hetsched::detail::parse_resource_list(text);
    nlohmann::json written = nlohmann::json::object();
    bool writable = true;
    for (const auto& [name, quantity] : resources) {
      if (!std::isfinite(quantity)) writable = false;  // JSON has no NaN or infinity (resolve_config rejects them)
      written[name] = quantity;
    }
    std::string json_text;
    try {
      json_text = written.dump();
    } catch (const nlohmann::json::type_error&) {
      writable = false;  // a name that is not UTF-8 (from the pair form) has no JSON spelling
    }
    if (writable) {
      std::map<std::string, double> again = hetsched::detail::parse_resource_list(json_text);
      require(again == resources, "resources written as JSON do not parse back to the same map");
    }
  } catch (const hetsched::Error&) {
  }
  try {
    std::uint64_t bytes = hetsched::detail::parse_byte_count("HETSCHED_OBJECT_STORE_BYTES", text);
    require(bytes > 0, "a byte count of 0 accepted");
    require(hetsched::detail::parse_byte_count("HETSCHED_OBJECT_STORE_BYTES", std::to_string(bytes)) == bytes,
            "a byte count written in decimal does not parse back to itself");
  } catch (const hetsched::Error&) {
  }
  return 0;
}
