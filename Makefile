# globalstack: every target works offline unless its description says otherwise.
SHELL := /bin/bash
GO    ?= go
STACK ?=
PLAN_DIR := build/plan
FUZZTIME ?= 5s

.DEFAULT_GOAL := help
.PHONY: help plan test test-go vet fmt clean

help: ## list the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | sort | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

plan: ## synthesize every stack offline into build/plan/<stack> (STACK=prod-eu for one)
	@start=$$(date +%s%N); \
	$(GO) run ./stacks/cmd/plan -stack "$(STACK)" -out $(PLAN_DIR); rc=$$?; \
	echo "make plan took $$(( ($$(date +%s%N) - start) / 1000000 )) ms (including compilation)"; exit $$rc

test: pulumi ## run every suite: unit, mocks, policy, storefront (real PostgreSQL + Redis), terratest
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 40m ./...
	$(MAKE) --no-print-directory fuzz FUZZTIME=$(FUZZTIME)

vet: ## go vet
	$(GO) vet ./...

fmt: ## gofmt the tree
	gofmt -w $$(git ls-files '*.go')

clean: ## remove build outputs (keeps bin/pulumi, which is slow to build)
	rm -rf build

-include policies/policies.mk
-include app/app.mk
