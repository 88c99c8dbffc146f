# globalstack: every target works offline unless its description says otherwise.
SHELL := /bin/bash
GO    ?= go
STACK ?=
PLAN_DIR := build/plan
FUZZTIME ?= 5s
# make test fuzzes by execution count: a time limit can expire while the fuzzer is still
# minimizing a new input, which Go reports as a failure (context deadline exceeded).
TEST_FUZZTIME ?= 50000x

.DEFAULT_GOAL := help
.PHONY: help plan test vet lint fmt docs clean failover drill

help: ## list the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | sort | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

plan: ## synthesize every stack offline into build/plan/<stack> (STACK=prod-eu for one)
	@start=$$(date +%s%N); \
	$(GO) run ./stacks/cmd/plan -stack "$(STACK)" -out $(PLAN_DIR); rc=$$?; \
	echo "make plan took $$(( ($$(date +%s%N) - start) / 1000000 )) ms (including compilation)"; exit $$rc

test: pulumi ## run every suite: unit, mocks, policy, storefront (real PostgreSQL + Redis), terratest
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 40m ./...
	$(MAKE) --no-print-directory fuzz FUZZTIME=$(TEST_FUZZTIME)

vet: ## go vet
	$(GO) vet ./...

docs: ## regenerate the README's settings tables from the components' presets
	$(GO) run ./stacks/cmd/docs -readme README.md

lint: bin/golangci-lint ## golangci-lint over the whole module (rules in .golangci.yml)
	@start=$$(date +%s%N); \
	bin/golangci-lint run ./...; rc=$$?; \
	echo "make lint took $$(( ($$(date +%s%N) - start) / 1000000 )) ms"; exit $$rc

# The version has one home: .ci/golangci-lint/go.mod (about 6 min to build with a cold Go cache).
bin/golangci-lint: .ci/golangci-lint/go.mod .ci/golangci-lint/go.sum
	@mkdir -p bin
	cd .ci/golangci-lint && $(GO) build -o $(CURDIR)/bin/golangci-lint.tmp github.com/golangci/golangci-lint/v2/cmd/golangci-lint
	@mv bin/golangci-lint.tmp bin/golangci-lint

fmt: ## gofmt the tree
	gofmt -w $$(git ls-files '*.go')

failover: ## fail a cell over to its DR stack (needs cloud credentials): STACK=prod-eu-dr FAILOVER_FLAGS="-planned -dry-run -yes"
	@test -n "$(STACK)" || { echo "make failover: set STACK to a DR stack, e.g. STACK=prod-eu-dr" >&2; exit 2; }
	$(GO) run ./stacks/cmd/failover -stack $(STACK) $(FAILOVER_FLAGS)

drill: ## DR drill on loopback: kill -9 the PostgreSQL primary, promote the standby, print RTO/RPO (async and sync)
	$(GO) run ./tests/drill/cmd/drill

clean: ## remove build outputs (keeps bin/pulumi and bin/golangci-lint, which are slow to build)
	rm -rf build

-include policies/policies.mk
-include app/app.mk
