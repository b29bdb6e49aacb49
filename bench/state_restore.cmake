atomd_bench(state_restore_bench SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/state_restore_bench.cpp LIBS atomd::operators)
