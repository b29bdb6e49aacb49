atomd_bench(inference_bench SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/inference_bench.cpp LIBS atomd::operators)
