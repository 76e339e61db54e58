# Hoist. GNU make. `make help` lists the targets.

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := build

# Pinned tools, built from the Go module proxy into .cache/bin (git-ignored).
MINIO_VERSION       := v0.0.0-20260212201848-7aac2a2c5b7c
MC_VERSION          := v0.0.0-20250313080218-cf909e1063a9
STATICCHECK_VERSION := v0.7.0
FYNE_TOOLS_VERSION  := v1.7.4

CACHE_BIN       := $(abspath .cache/bin)
MINIO_BIN       := $(CACHE_BIN)/minio
MC_BIN          := $(CACHE_BIN)/mc
STATICCHECK_BIN := $(CACHE_BIN)/staticcheck
FYNE_BIN        := $(CACHE_BIN)/fyne
HOIST_BIN       := $(abspath bin/hoist)

# The dev OpenID provider's npm project (devstack/_oidc; the underscore keeps
# `go ./...` out of node_modules). npm writes node_modules/.package-lock.json
# on every install: it stands for "installed from this lockfile".
OIDC_DIR   := devstack/_oidc
OIDC_STAMP := $(OIDC_DIR)/node_modules/.package-lock.json

# Tests and the benchmark find their servers and the CLI through these
# (a HOIST_MINIO_BIN or HOIST_MC_BIN already in the environment wins).
export HOIST_MINIO_BIN ?= $(MINIO_BIN)
export HOIST_MC_BIN    ?= $(MC_BIN)
export HOIST_BIN

# Go files to format-check: everything but caches, state and npm packages.
GO_FILES = $(shell find . \( -path ./.cache -o -path ./.devstack -o -path ./.git -o -name node_modules \) -prune -o -name '*.go' -print)

.PHONY: help deps minio mc oidc-deps staticcheck-bin fyne-bin build package cross-check vet fmt-check \
	staticcheck test keyring-test devstack devstack-down devstack-status bench bench-wan run clean distclean

help: ## list targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{ printf "  %-16s %s\n", $$1, $$2 }'

deps: ## install missing Debian packages (apt; sudo only when not root)
	@scripts/deps.sh

minio: ## build the pinned MinIO server into .cache/bin (once)
	@scripts/gobin.sh github.com/minio/minio $(MINIO_VERSION)

mc: ## build the pinned MinIO client into .cache/bin (benchmark peer)
	@scripts/gobin.sh github.com/minio/mc $(MC_VERSION)

oidc-deps: $(OIDC_STAMP) ## install the dev OpenID provider's npm packages (from its lockfile)

$(OIDC_STAMP): $(OIDC_DIR)/package.json $(OIDC_DIR)/package-lock.json
	@command -v npm >/dev/null || { echo "oidc-deps: npm not found; install Node.js 20 or later" >&2; exit 1; }
	npm ci --prefix $(OIDC_DIR) --no-audit --no-fund
	@touch $@

staticcheck-bin: ## build the pinned staticcheck into .cache/bin
	@scripts/gobin.sh honnef.co/go/tools/cmd/staticcheck $(STATICCHECK_VERSION)

fyne-bin: ## build the pinned Fyne packaging tool into .cache/bin
	@scripts/gobin.sh fyne.io/tools/cmd/fyne $(FYNE_TOOLS_VERSION)

# The version is written once, in FyneApp.toml (a release may pass
# VERSION=…); the commit comes from git. Both are stamped into every build
# (`hoist --version`, the About box), never typed into the source.
VERSION ?= $(shell sed -n 's/^ *Version *= *"\(.*\)"/\1/p' FyneApp.toml)
COMMIT  ?= $(shell c=$$(git rev-parse --short=12 HEAD 2>/dev/null) || c=unknown; \
	[ -z "$$(git status --porcelain --untracked-files=no 2>/dev/null)" ] || c=$$c-dirty; echo $$c)
STAMP   := -X hoist/app.Version=$(VERSION) -X hoist/app.Commit=$(COMMIT)
export VERSION COMMIT

# A branded build: `make build ORG=path/to/org.toml` checks the organisation
# file, writes what the binary embeds into assets/branding (git-ignored) and
# builds with the tag hoist_branded. Packaging reuses both steps.
ORG ?=
BRANDING_DIR := assets/branding

build: ## build the app and CLI as bin/hoist (ORG=path/to/org.toml: branded for one organisation)
ifeq ($(ORG),)
	go build -trimpath -ldflags "$(STAMP)" -o bin/hoist .
else
	go run ./internal/cmd/brand -out $(BRANDING_DIR) $(ORG)
	go build -trimpath -tags hoist_branded -ldflags "$(STAMP)" -o bin/hoist .
endif

# Installable packages, each with a .sha256 beside it (packaging/package.sh
# says what and how). ORG=org.toml makes them for one organisation.
DIST ?= dist
export HOIST_DIST := $(abspath $(DIST))

package: deps fyne-bin ## write dist/: Linux .deb and tarball, Windows hoist.exe and installer (ORG=org.toml: branded)
	FYNE=$(FYNE_BIN) ORG=$(ORG) DIST=$(HOIST_DIST) packaging/package.sh

# What compiles without cgo is checked for the systems CI cannot build a
# window for: macOS (no Mac here) and Windows (the window is cross-built
# with mingw by `make package`).
cross-check: ## go vet and build, for darwin and windows, every package that needs no cgo
	@scripts/cross-check.sh darwin/arm64 windows/amd64

vet: ## go vet every package
	go vet ./...

fmt-check: ## fail, listing the files, if gofmt would change any
	@files=$$(gofmt -l $(GO_FILES) </dev/null); \
	if [ -n "$$files" ]; then echo "gofmt needed on:"; echo "$$files"; exit 1; fi

staticcheck: staticcheck-bin ## run staticcheck on every package
	$(STATICCHECK_BIN) ./...

# Prerequisites run left to right (deps first: a fresh machine has no gcc).
test: deps minio oidc-deps build ## format check, vet, staticcheck, then all tests with -race
	$(MAKE) --no-print-directory fmt-check
	$(MAKE) --no-print-directory vet
	$(MAKE) --no-print-directory cross-check
	$(MAKE) --no-print-directory staticcheck
	go test -race -count=1 -timeout 40m ./...
	$(MAKE) --no-print-directory keyring-test

keyring-test: ## the refresh token in a real Secret Service (gnome-keyring under a private D-Bus)
	scripts/keyring-test.sh

devstack: minio oidc-deps ## start the local dev stack (idempotent); then: source .devstack/env
	go run ./devstack/cmd/devstack up

devstack-down: ## stop the local dev stack (keeps its data)
	go run ./devstack/cmd/devstack down

devstack-status: ## show whether the dev stack is running
	go run ./devstack/cmd/devstack status

bench: deps minio mc build ## run the side-by-side benchmark, then the window's queue benchmark
	go run ./bench
	@echo
	@echo "Window: 10,000 files dropped → rows visible (targets: ≤ 1 s, ≤ 200 MiB RSS)"
	go test ./ui -run '^$$' -bench 'Queue10k|Tick10k' -benchmem -count 1

# The four emulated wide-area links of issue 11 (home, office, many small
# files, long lossy path), Hoist beside mc, the AWS CLI and rclone.
# BENCH_WAN_FLAGS="-scale 0.05" for a quick check; -runs 3 for noise.
BENCH_WAN_FLAGS ?=
bench-wan: deps minio mc build ## the side-by-side benchmark over emulated links (a)-(d)
	go run ./bench -wan $(BENCH_WAN_FLAGS)

# The dev stack's settings are passed explicitly: Hoist itself never falls
# back to them (without a config it asks which organisation to connect to).
run: deps devstack build ## start the dev stack and the app against it
	@. .devstack/env && echo && echo "Hoist is starting. Sign in as $$HOIST_DEMO_USER, password $$HOIST_DEMO_PASSWORD." && echo
	. .devstack/env && ./bin/hoist --config "$$HOIST_CONFIG"

clean: ## remove build output (keeps .cache and the dev stack)
	rm -rf bin dist

distclean: clean ## also stop the dev stack and remove .devstack, .cache and npm packages
	-go run ./devstack/cmd/devstack down
	rm -rf .devstack .cache $(OIDC_DIR)/node_modules
