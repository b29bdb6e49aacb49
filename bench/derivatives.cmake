atomd_bench(derivatives_bench SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/derivatives_bench.cpp LIBS atomd::operators)
