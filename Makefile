# The two commands of the README, and the rest of the developer targets.
#   make run    install what is missing, build the release binary, run the
#               main job on samples/
#   make test   install what is missing, build with ASan+UBSan, run every test
.PHONY: all run test build release bench fuzz install clean

JOBS ?= $(shell nproc 2>/dev/null || echo 2)

all: release

deps:
	@sh scripts/deps.sh build

release:
	@sh scripts/deps.sh build
	@JOBS=$(JOBS) sh scripts/release.sh

build: release

run: release
	@sh scripts/run.sh

test:
	@sh scripts/deps.sh test
	@cmake --preset asan >/dev/null
	@cmake --build --preset asan -j $(JOBS)
	@sh scripts/test.sh

bench:
	@sh scripts/deps.sh bench
	@$(MAKE) --no-print-directory release
	@sh bench/run.sh

fuzz:
	@sh scripts/deps.sh fuzz
	@cmake --preset fuzz >/dev/null
	@cmake --build --preset fuzz -j $(JOBS)
	@sh fuzz/run.sh $(FUZZ_SECONDS)

install: release
	@cmake --install build $(if $(PREFIX),--prefix $(PREFIX))

clean:
	rm -rf build build-train build-asan build-fuzz
