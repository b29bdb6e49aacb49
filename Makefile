# The two commands of the README:
#   make demo   install what is missing, build, replay the calibrated demo history on the
#               embedded broker and keep serving http://127.0.0.1:9464
#   make test   the same set-up, then the whole test suite through CTest (the real-Kafka tests
#               start their own cluster from the jars `make kafka` fetched)
BUILD ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=
DEMO_HISTORY = $(BUILD)/demo-history.jsonl

.PHONY: demo test deps build kafka clean bench sanitize

deps:
	@scripts/install-deps.sh

$(BUILD)/build.ninja: | deps
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS)

build: deps $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

# Apache Kafka's broker jars from Maven Central into ~/.cache/atomd (nothing when cached).
kafka: deps
	scripts/kafka.sh fetch

$(DEMO_HISTORY): build
	$(BUILD)/atomd-demo-history --out $(DEMO_HISTORY)

demo: build $(DEMO_HISTORY)
	$(BUILD)/atomd --config config/demo.yaml --replay $(DEMO_HISTORY)

test: build kafka
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 900

# Unit tests under AddressSanitizer + UndefinedBehaviorSanitizer.
sanitize: deps
	cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DATOMD_SANITIZE=ON -DATOMD_BUILD_BENCH=OFF
	cmake --build build-asan -j $(JOBS)
	cd build-asan && ctest --output-on-failure -j $(JOBS) -LE integration

bench: build
	scripts/run-benchmarks.sh $(BUILD)

clean:
	rm -rf $(BUILD) build-asan
