atomd_bench(overtake_bench SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/overtake_bench.cpp LIBS atomd::operators)
