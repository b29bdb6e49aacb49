atomd_bench(ram_bench SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/ram_bench.cpp LIBS atomd::operators)
