# Policy pack targets (included by the root Makefile). Every target works offline.
PULUMI_VERSION  := v3.255.0
PULUMI_CACHE    ?= $(HOME)/.cache/globalstack
PULUMI_CACHED   := $(PULUMI_CACHE)/pulumi-$(PULUMI_VERSION)
FORMAT          ?= text
PACKS           ?=
POLICY_REPORT   ?=
POLICY_FILES    ?=
POLICY_WAIVERS  ?=
POLICY_PACK_BIN := bin/globalstack-policy
POLICY_ENV      := PULUMI_SKIP_UPDATE_CHECK=true PULUMI_HOME=$(CURDIR)/build/pulumi-home PATH=$(CURDIR)/bin:$$PATH

.PHONY: pulumi policy policy-pack policy-analyze policy-test policy-bench

pulumi: bin/pulumi ## build the official Pulumi CLI $(PULUMI_VERSION) into bin/ (once per machine, cached in ~/.cache/globalstack)

bin/pulumi: .ci/pulumi-cli/go.mod .ci/pulumi-cli/go.sum
	@mkdir -p bin $(PULUMI_CACHE)
	@if [ ! -x "$(PULUMI_CACHED)" ]; then \
	  echo "building the Pulumi CLI $(PULUMI_VERSION) from the module proxy (6-7 min cold)"; \
	  (cd .ci/pulumi-cli && $(GO) build -o "$(PULUMI_CACHED).tmp" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi) && \
	  mv "$(PULUMI_CACHED).tmp" "$(PULUMI_CACHED)"; \
	fi
	@cp "$(PULUMI_CACHED)" bin/pulumi.tmp && mv bin/pulumi.tmp bin/pulumi
	@touch bin/pulumi

policy: ## check every stack from `make plan` offline (FORMAT=text|json|sarif, PACKS=encryption,..., POLICY_REPORT=file); exit 1 on a mandatory violation
	@$(if $(POLICY_FILES),,$(MAKE) --no-print-directory plan PLAN_DIR=$(PLAN_DIR) >&2)
	@$(GO) run ./policies/cmd/policy-check -plan $(PLAN_DIR) -format $(FORMAT) -packs "$(PACKS)" \
	  $(if $(POLICY_WAIVERS),-waivers $(POLICY_WAIVERS)) $(if $(POLICY_REPORT),-o $(POLICY_REPORT)) $(POLICY_FILES)

policy-pack: ## build the policy pack binary and the runtime: go shim into bin/
	@mkdir -p bin
	$(GO) build -o $(POLICY_PACK_BIN) ./policies
	$(GO) build -o bin/pulumi-analyzer-policy-go ./policies/cmd/pulumi-analyzer-policy-go

policy-analyze: pulumi policy-pack ## run the real engine (`pulumi policy analyze`) with the pack over every planned stack
	@$(MAKE) --no-print-directory plan PLAN_DIR=$(PLAN_DIR) >&2
	@rc=0; for f in $(PLAN_DIR)/*/state.json; do \
	  echo "== $$f"; \
	  $(POLICY_ENV) bin/pulumi policy analyze --file $$f --policy-pack ./policies || rc=1; \
	done; exit $$rc

policy-test: ## policy unit tests and the end-to-end suite (real Pulumi CLI when bin/pulumi exists)
	$(GO) test -count=1 ./policies/... ./tests/policy/...

policy-bench: ## evaluation throughput on a synthetic 10,000-resource stack and time to check every planned stack
	@mkdir -p build; $(GO) test -run '^$$' -bench 'BenchmarkCheck' -benchtime 5x ./policies/check/ | tee build/policy-bench.txt | grep -E 'Benchmark|checking'
