# SignX entry points. On a fresh Debian 12 machine:
#   make run    install missing packages, build, migrate var/signx.db, load demo data, serve :8080
#   make test   build and run every test (PostgreSQL and Redis tests against throwaway servers)
#   make bench  run the benchmarks in bench/ and print their numbers
#   make fuzz   build the libFuzzer programs (clang, preset fuzz) and run each for FUZZ_SECONDS
PRESET ?= release
BUILD_DIR := build/$(PRESET)
SIGNX := $(BUILD_DIR)/bin/signx

.PHONY: all deps build run test bench fuzz clean

all: build

deps:
	@scripts/install-deps.sh

build: deps
	@cmake --preset $(PRESET) >/dev/null
	@cmake --build --preset $(PRESET)

run: build
	@mkdir -p var
	$(SIGNX) demo seed
	$(SIGNX) serve --migrate

test: build
	@scripts/with-test-services.sh ctest --test-dir $(BUILD_DIR) --output-on-failure -j2

bench: build
	@bench/run-all.sh

# Needs clang and its sanitizer runtimes (apt-get install clang libclang-rt-14-dev); make test does not.
FUZZ_SECONDS ?= 30
fuzz:
	@command -v clang++ >/dev/null || { echo "make fuzz needs clang++: apt-get install -y --no-install-recommends clang libclang-rt-14-dev"; exit 1; }
	@cmake --preset fuzz >/dev/null
	@cmake --build --preset fuzz
	@fuzz/run.sh build/fuzz $(FUZZ_SECONDS)

clean:
	rm -rf build
