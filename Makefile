# Entry points. Every target that builds first installs missing Debian packages (sudo when not root).
SHELL := /bin/bash
SWIFT ?= swift
PACKAGES := libopenblas-dev liblapacke-dev libglpk-dev pkg-config gnuplot-nox
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
export OPENBLAS_NUM_THREADS ?= 1

.PHONY: deps build test fig7 cartpole report bench bench-compare clean

## deps: install the system packages the build needs, if any is missing.
deps:
	@missing=""; for p in $(PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi

## build: release build of the experiment executable.
build: deps
	$(SWIFT) build -c release --product experiment

## test: the whole test suite (debug build).
test: deps
	$(SWIFT) test

## fig7: the main job: train and evaluate the Fig. 7 series on the bundled trace.
fig7: build
	$(SWIFT) run -c release --skip-build experiment fig7 $(ARGS)

## cartpole: PPO on CartPole-v1 (validation of the RL core).
cartpole: build
	$(SWIFT) run -c release --skip-build experiment cartpole $(ARGS)

## report: every implemented figure (skipping those current for this commit), then results/REPORT.md.
report: build
	$(SWIFT) run -c release --skip-build experiment all $(ARGS)

clean:
	rm -rf .build

## bench: the ordo-one benchmark suite (release; wall clock + malloc counts per op).
bench: deps
	$(SWIFT) package --package-path Benchmarks benchmark $(ARGS)

## bench-compare: ours vs PyTorch CPU vs numpy, 1 and 2 threads; writes results/bench/compare.{json,md}.
BENCH_THREADS ?= 1,2
bench-compare: deps
	$(SWIFT) build -c release --package-path Benchmarks --product bench-compare-runner
	python3 Benchmarks/reference/compare.py --threads $(BENCH_THREADS) \
	  --runner "$$($(SWIFT) build -c release --package-path Benchmarks --show-bin-path)/bench-compare-runner" \
	  --out results/bench $(ARGS)
