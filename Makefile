# SignX entry points. On a fresh Debian 12 machine:
#   make run    install missing packages, build, migrate var/signx.db, load demo data, serve :8080
#   make test   build and run every test (PostgreSQL and Redis tests against throwaway servers)
#   make bench  run the benchmarks in bench/ and print their numbers
PRESET ?= release
BUILD_DIR := build/$(PRESET)
SIGNX := $(BUILD_DIR)/bin/signx

.PHONY: all deps build run test bench clean

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

clean:
	rm -rf build
