#pragma once
namespace atomd {
inline constexpr const char* kVersion = "0.1.0";
}  // namespace atomd
