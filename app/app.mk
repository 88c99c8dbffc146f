# Storefront targets; included from the repository's root Makefile (paths relative to the root).

PRODUCTS        ?= 10000
BENCH_PRODUCTS  ?= 100000
BENCH_DURATION  ?= 10s
BENCH_LOGIN_PRODUCTS ?= 10000
FUZZTIME        ?= 10s
STOREFRONT_BIN  ?= bin/storefront
# package:FuzzTarget pairs run by `make fuzz`
STOREFRONT_FUZZ := ./app/store:FuzzParseListQuery ./app/store:FuzzParseSearchQuery ./app/store:FuzzDecodeCursor ./app/store:FuzzParseAdminQueries ./app/api:FuzzDecodeJSON

.PHONY: storefront storefront-prometheus storefront-build storefront-test bench bench-login fuzz storefront-image

storefront: ## run the storefront on localhost with PostgreSQL and Redis on loopback (PRODUCTS=N)
	$(GO) run ./internal/devenv/cmd/storefront-local -products $(PRODUCTS)

storefront-prometheus: ## make storefront, plus Prometheus on 127.0.0.1:9091 scraping it with the alerting rules
	$(GO) run ./internal/devenv/cmd/storefront-local -products $(PRODUCTS) -prometheus

storefront-build: ## static binary, the same command the container image uses
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags="-s -w" -o $(STOREFRONT_BIN) ./app/cmd/storefront

storefront-test: ## storefront suites against real PostgreSQL and Redis
	$(GO) test ./app/... ./internal/devenv/... ./tests/testenv/...

bench: ## throughput/latency figures side by side with a bare Echo handler and pgbench
	@command -v wrk >/dev/null 2>&1 || apt-get install -y wrk
	$(GO) run ./tests/bench -products $(BENCH_PRODUCTS) -duration $(BENCH_DURATION)

bench-login: ## catalog p99 and server RSS, unloaded vs under a login flood from 100 loopback addresses
	$(GO) run ./tests/bench -login -products $(BENCH_LOGIN_PRODUCTS) -duration $(BENCH_DURATION)

fuzz: ## run each storefront fuzz target for FUZZTIME
	@set -e; for t in $(STOREFRONT_FUZZ); do \
		pkg=$${t%%:*}; name=$${t##*:}; \
		echo "fuzz $$pkg $$name ($(FUZZTIME))"; \
		$(GO) test $$pkg -run='^$$' -fuzz="^$$name\$$" -fuzztime=$(FUZZTIME); \
	done

storefront-image: ## container image (build context = repository root)
	docker build -f app/Dockerfile -t storefront .
