atomd_bench(downloads_bench SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/downloads_bench.cpp LIBS atomd::operators)
