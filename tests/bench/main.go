// Command bench (make bench) measures the storefront side by side with reference workloads on
// the same machine in one run, and prints the figures:
//
//   - cached product detail vs a bare Echo JSON handler (wrk, same connections);
//   - listing and full-text search over a generated catalog (wrk, DB path: no cache);
//   - checkout of single-item orders vs pgbench TPC-B-like on the same PostgreSQL, with an
//     oversell check afterwards.
//
// With -login (make bench-login) it measures instead the catalog's latency and the server's
// memory with and without a login flood from many loopback source addresses (login.go).
//
// PostgreSQL (durable settings: fsync and synchronous_commit on) and Redis are started on
// loopback; wrk must be installed (apt-get install -y wrk).
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"globalstack/app/config"
	"globalstack/app/server"
	"globalstack/app/store"
	"globalstack/internal/devenv"
)

var (
	products = flag.Int("products", 100000, "catalog size")
	duration = flag.Duration("duration", 10*time.Second, "length of each wrk/pgbench run")
	cpuProf  = flag.String("cpuprofile", "", "write a CPU profile of this process (the servers) during the checkout run to this file")
	workdir  string
)

func main() {
	flag.Parse()
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run() error {
	ctx := context.Background()
	if *floodBase != "" {
		return runFlood(*floodBase)
	}
	if *loginBench {
		var err error
		if workdir, err = os.MkdirTemp("", "storefront-bench-login-"); err != nil {
			return err
		}
		defer os.RemoveAll(workdir)
		return runLogin(ctx)
	}
	if _, err := exec.LookPath("wrk"); err != nil {
		return fmt.Errorf("wrk not found: install it with apt-get install -y wrk")
	}
	var err error
	if workdir, err = os.MkdirTemp("", "storefront-bench-"); err != nil {
		return err
	}
	defer os.RemoveAll(workdir)

	logf("starting PostgreSQL (durable) and Redis on loopback")
	pg, err := devenv.StartPostgres(ctx, devenv.PGOptions{Durable: true, Settings: map[string]string{"max_wal_size": "4GB", "checkpoint_timeout": "15min"}})
	if err != nil {
		return err
	}
	defer pg.Close()
	rs, err := devenv.StartRedis(ctx, devenv.RedisOptions{Databases: 4})
	if err != nil {
		return err
	}
	defer rs.Close()
	dsn, err := pg.CreateDatabase(ctx, "shop")
	if err != nil {
		return err
	}

	cached, stopCached, err := startStorefront(ctx, map[string]string{"DATABASE_URL": dsn, "REDIS_URL": rs.URL(0)})
	if err != nil {
		return err
	}
	defer stopCached()
	// The second instance has no cache, so listing and search figures are the PostgreSQL path.
	uncached, stopUncached, err := startStorefront(ctx, map[string]string{"DATABASE_URL": dsn})
	if err != nil {
		return err
	}
	defer stopUncached()

	logf("seeding %d products", *products)
	start := time.Now()
	if _, err := cached.DB.SeedProducts(ctx, *products, 1); err != nil {
		return err
	}
	logf("seeded in %s", time.Since(start).Round(time.Millisecond))
	bare, stopBare, err := startBare()
	if err != nil {
		return err
	}
	defer stopBare()

	base := "http://" + cached.Addr()
	for id := 1; id <= 1000; id++ { // warm the product cache
		if err := get(base + fmt.Sprintf("/api/products/%d", id)); err != nil {
			return err
		}
	}
	detailLua := writeScript("detail.lua", `
request = function()
  return wrk.format("GET", PREFIX .. math.random(1000))
end`)
	logf("wrk: bare Echo JSON handler, 64 connections")
	bareRes, err := wrk(64, detailLua, "http://"+bare, "/bare/")
	if err != nil {
		return err
	}
	logf("wrk: cached product detail, 64 connections")
	detailRes, err := wrk(64, detailLua, base, "/api/products/")
	if err != nil {
		return err
	}

	listLua := writeScript("list.lua", `
local queries = {
  "/api/products?category=chairs&sort=price_asc",
  "/api/products?category=lamps&in_stock=true&sort=newest",
  "/api/products?brand=Acme&sort=price_desc",
  "/api/products?min_price=1000&max_price=5000&sort=price_asc",
  "/api/products?sort=name&in_stock=true",
  "/api/products?category=desks&brand=Globex&sort=newest",
  "/api/products?category=rugs&min_price=50000&sort=price_desc&limit=50",
  "/api/products?sort=newest",
}
request = function()
  return wrk.format("GET", queries[math.random(#queries)])
end`)
	ubase := "http://" + uncached.Addr()
	logf("wrk: listing (no cache), 16 connections")
	listRes, err := wrk(16, listLua, ubase, "")
	if err != nil {
		return err
	}
	searchLua := writeScript("search.lua", `
local terms = {"walnut chair", "ergonomic desk", "wireless headphones", "leather jacket", "steel", "portable speaker",
  "oak table", "vintage lamp", "waterproof tent", "Acme", "quiet keyboard", "bamboo", "warm wool rug", "smart watch"}
request = function()
  local t = terms[math.random(#terms)]:gsub(" ", "+")
  return wrk.format("GET", "/api/search?q=" .. t)
end`)
	logf("wrk: full-text search (PostgreSQL), 16 connections")
	searchRes, err := wrk(16, searchLua, ubase, "")
	if err != nil {
		return err
	}

	searchManyLua := writeScript("search-many.lua", `
local adj = {"classic", "modern", "rustic", "compact", "deluxe", "ergonomic", "vintage", "portable", "premium", "lightweight",
  "sturdy", "elegant", "minimalist", "cozy", "sleek", "handmade", "foldable", "smart", "wireless", "durable"}
local noun = {"chair", "table", "lamp", "sofa", "bed", "desk", "shelf", "rug", "mirror", "clock", "kettle", "toaster", "blender",
  "headphones", "speaker"}
local queries = {}
math.randomseed(42)
for i = 1, 300 do
  queries[i] = "/api/search?q=" .. adj[math.random(#adj)] .. "+" .. noun[math.random(#noun)]
end
request = function()
  return wrk.format("GET", queries[math.random(#queries)])
end`)
	logf("wrk: search through the cache (300 distinct queries), 16 connections")
	searchCachedRes, err := wrk(16, searchManyLua, base, "")
	if err != nil {
		return err
	}

	logf("pgbench: initialising scale 10")
	pgbenchDSN, err := pg.CreateDatabase(ctx, "pgbench")
	if err != nil {
		return err
	}
	if out, err := exec.Command(filepath.Join(devenv.DefaultPGBinDir, "pgbench"), "-i", "-q", "-s", "10", pgbenchDSN).CombinedOutput(); err != nil {
		return fmt.Errorf("pgbench -i: %v: %s", err, out)
	}
	logf("pgbench: TPC-B-like, 32 clients")
	tpcb, err := pgbench(pgbenchDSN)
	if err != nil {
		return err
	}
	logf("pgbench: simple-update (-N), 32 clients")
	simple, err := pgbench(pgbenchDSN, "-N")
	if err != nil {
		return err
	}

	orders, oversold, err := checkout(ctx, cached, base)
	if err != nil {
		return err
	}

	fmt.Printf(`
storefront benchmark (%d products, %s per run, %d CPUs, wrk and the server on loopback)

  workload                              conns   req/s     p50      p99     non-2xx
  bare Echo JSON handler                  64  %8.0f  %7s  %7s  %d
  cached product detail (Redis)           64  %8.0f  %7s  %7s  %d
  listing, filters+sort (PostgreSQL)      16  %8.0f  %7s  %7s  %d
  full-text search (PostgreSQL FTS)       16  %8.0f  %7s  %7s  %d
  search via cache (300 queries)          16  %8.0f  %7s  %7s  %d
  checkout, single-item orders            32  %8.0f  %7s  %7s  %d
  pgbench TPC-B-like (tps)                32  %8.0f
  pgbench simple-update -N (tps)          32  %8.0f

  cached detail / bare throughput     %5.0f%%  (target >= 60%%)
  cached detail p99 / bare p99        %5.2fx   (target <= 2x)
  listing p99                         %7s  (target < 50ms)
  search p99, PostgreSQL path         %7s  (target < 100ms)
  search p99, through the cache       %7s
  orders/s / pgbench TPC-B tps        %5.0f%%  (target >= 60%%; aim >= 1000 orders/s)
  products whose stock does not match the units ordered (oversell check): %d
`, *products, *duration, numCPU(),
		bareRes.rps, ms(bareRes.p50), ms(bareRes.p99), bareRes.non2xx,
		detailRes.rps, ms(detailRes.p50), ms(detailRes.p99), detailRes.non2xx,
		listRes.rps, ms(listRes.p50), ms(listRes.p99), listRes.non2xx,
		searchRes.rps, ms(searchRes.p50), ms(searchRes.p99), searchRes.non2xx,
		searchCachedRes.rps, ms(searchCachedRes.p50), ms(searchCachedRes.p99), searchCachedRes.non2xx,
		orders.rps, ms(orders.p50), ms(orders.p99), orders.non2xx,
		tpcb, simple,
		100*detailRes.rps/bareRes.rps, float64(detailRes.p99)/float64(bareRes.p99), ms(listRes.p99), ms(searchRes.p99), ms(searchCachedRes.p99),
		100*orders.rps/tpcb, oversold)
	return nil
}

func logf(format string, a ...any) {
	fmt.Fprintf(os.Stderr, "[%s] %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, a...))
}

func numCPU() int {
	n, _ := strconv.Atoi(strings.TrimSpace(run1("nproc")))
	return n
}

func run1(name string, args ...string) string {
	out, _ := exec.Command(name, args...).Output()
	return string(out)
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2fms", float64(d.Microseconds())/1000) }

func startStorefront(ctx context.Context, env map[string]string) (*server.Main, func(), error) {
	env["STOREFRONT_ENV"] = "development"
	env["STOREFRONT_ADDR"] = "127.0.0.1:0"
	env["RATE_LIMIT_RPS"] = "0" // one client generates all the load
	env["DB_MAX_CONNS"] = "32"
	if _, ok := os.LookupEnv("LOG_LEVEL"); !ok {
		env["LOG_LEVEL"] = "info"
	}
	cfg, err := config.Load(func(k string) string {
		if v, ok := env[k]; ok {
			return v
		}
		return os.Getenv(k)
	})
	if err != nil {
		return nil, nil, err
	}
	// Access logs are written as in production, to a file rather than the terminal.
	logFile, err := os.Create(filepath.Join(workdir, fmt.Sprintf("storefront-%d.log", time.Now().UnixNano())))
	if err != nil {
		return nil, nil, err
	}
	logs := server.NewLogBuffer(logFile)
	m, err := server.New(ctx, cfg, server.NewLogger(logs, cfg.LogLevel))
	if err != nil {
		return nil, nil, err
	}
	if err := m.Listen(); err != nil {
		return nil, nil, err
	}
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- m.Run(rctx) }()
	select {
	case <-m.Ready():
	case err := <-done:
		cancel()
		return nil, nil, err
	}
	return m, func() {
		cancel()
		if err := <-done; err != nil {
			logf("storefront stopped with an error: %v", err)
		}
		m.Close()
		logs.Close()
		logFile.Close()
	}, nil
}

// startBare serves the reference: a bare Echo handler returning a product-sized JSON document.
func startBare() (string, func(), error) {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	doc := store.Product{ID: 1, SKU: "SEED-0000001", Name: "Acme modern oak chair", Description: strings.Repeat("comfortable design ", 12),
		Price: store.Money{Amount: 12999, Currency: "USD"}, Category: "chairs", Brand: "Acme", Attributes: map[string]string{"material": "oak", "color": "black"},
		Stock: 12, InStock: true, CreatedAt: time.Now().UTC(), UpdatedAt: time.Now().UTC()}
	e.GET("/bare/:id", func(c echo.Context) error {
		d := doc
		d.ID, _ = strconv.ParseInt(c.Param("id"), 10, 64)
		return c.JSON(http.StatusOK, d)
	})
	srv := &http.Server{Addr: "127.0.0.1:0", Handler: e}
	l, err := netListen()
	if err != nil {
		return "", nil, err
	}
	go func() { _ = srv.Serve(l) }()
	return l.Addr().String(), func() { _ = srv.Close() }, nil
}

func get(url string) error {
	res, err := http.Get(url)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, res.Body)
	if res.StatusCode != 200 {
		return fmt.Errorf("GET %s: %s", url, res.Status)
	}
	return nil
}

func writeScript(name, body string) string {
	p := filepath.Join(workdir, name)
	body = "local PREFIX = os.getenv(\"PREFIX\") or \"\"\n" + body
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		panic(err)
	}
	return p
}

type wrkResult struct {
	rps      float64
	p50, p99 time.Duration
	non2xx   int
}

var (
	reRPS    = regexp.MustCompile(`Requests/sec:\s+([\d.]+)`)
	reP50    = regexp.MustCompile(`\s50%\s+([\d.]+)(us|ms|s)`)
	reP99    = regexp.MustCompile(`\s99%\s+([\d.]+)(us|ms|s)`)
	reNon2xx = regexp.MustCompile(`Non-2xx or 3xx responses: (\d+)`)
)

func parseDur(m []string) time.Duration {
	if m == nil {
		return 0
	}
	v, _ := strconv.ParseFloat(m[1], 64)
	unit := map[string]float64{"us": 1e3, "ms": 1e6, "s": 1e9}[m[2]]
	return time.Duration(v * unit)
}

// wrk runs a short warm-up, then the measured run, with PREFIX passed to the script.
func wrk(conns int, script, base, prefix string) (wrkResult, error) {
	args := func(d time.Duration) []string {
		return []string{"-t2", fmt.Sprintf("-c%d", conns), fmt.Sprintf("-d%ds", int(d.Seconds())), "--latency", "-s", script, base}
	}
	envPrefix := "PREFIX=" + prefix
	warm := exec.Command("wrk", args(2*time.Second)...)
	warm.Env = append(os.Environ(), envPrefix)
	_ = warm.Run()
	cmd := exec.Command("wrk", args(*duration)...)
	cmd.Env = append(os.Environ(), envPrefix)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return wrkResult{}, fmt.Errorf("wrk: %v: %s", err, out)
	}
	s := string(out)
	m := reRPS.FindStringSubmatch(s)
	if m == nil {
		return wrkResult{}, fmt.Errorf("cannot parse wrk output:\n%s", s)
	}
	r := wrkResult{p50: parseDur(reP50.FindStringSubmatch(s)), p99: parseDur(reP99.FindStringSubmatch(s))}
	r.rps, _ = strconv.ParseFloat(m[1], 64)
	if n := reNon2xx.FindStringSubmatch(s); n != nil {
		r.non2xx, _ = strconv.Atoi(n[1])
	}
	return r, nil
}

var reTPS = regexp.MustCompile(`tps = ([\d.]+) \(without initial connection time\)`)

func pgbench(dsn string, extra ...string) (float64, error) {
	args := append([]string{"-c", "32", "-j", "2", "-T", strconv.Itoa(int(duration.Seconds()))}, extra...)
	out, err := exec.Command(filepath.Join(devenv.DefaultPGBinDir, "pgbench"), append(args, dsn)...).CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("pgbench: %v: %s", err, out)
	}
	m := reTPS.FindStringSubmatch(string(out))
	if m == nil {
		return 0, fmt.Errorf("cannot parse pgbench output:\n%s", out)
	}
	return strconv.ParseFloat(m[1], 64)
}

// checkout places single-item orders with wrk (unique Idempotency-Key per request) over 2000
// products, then checks that for every product the stock fell by exactly the units ordered.
func checkout(ctx context.Context, m *server.Main, base string) (wrkResult, int, error) {
	const nProducts = 2000
	if _, err := m.DB.Pool().Exec(ctx, "UPDATE products SET stock = 1000000 WHERE id <= $1", nProducts); err != nil {
		return wrkResult{}, 0, err
	}
	hash, err := store.HashPassword("bench password")
	if err != nil {
		return wrkResult{}, 0, err
	}
	var tokens []string
	for i := 0; i < 64; i++ {
		u, err := m.DB.CreateUser(ctx, store.User{Email: fmt.Sprintf("bench%d@example.com", i), Name: "Bench", Role: store.RoleCustomer, PasswordHash: hash})
		if err != nil {
			return wrkResult{}, 0, err
		}
		tok, err := m.Accounts.StartSession(ctx, u, store.SessionMeta{UserAgent: "bench"})
		if err != nil {
			return wrkResult{}, 0, err
		}
		tokens = append(tokens, fmt.Sprintf("%q", tok))
	}
	script := writeScript("checkout.lua", fmt.Sprintf(`
local tokens = {%s}
local counter = 0
local n = 0
function setup(thread)
  n = n + 1
  thread:set("tid", n)
end
request = function()
  counter = counter + 1
  local body = string.format('{"items":[{"product_id":%%d,"quantity":1}],"payment_token":"tok_visa","shipping_address":{"name":"Bench","line1":"1 Main St","city":"Springfield","postal_code":"12345","country":"US"}}', math.random(%d))
  return wrk.format("POST", "/api/orders", {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. tokens[math.random(#tokens)],
    ["Idempotency-Key"] = PREFIX .. "-" .. tostring(tid) .. "-" .. counter}, body)
end`, strings.Join(tokens, ","), nProducts))
	logf("wrk: checkout, 32 connections")
	if *cpuProf != "" {
		f, err := os.Create(*cpuProf)
		if err != nil {
			return wrkResult{}, 0, err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return wrkResult{}, 0, err
		}
	}
	res, err := wrk(32, script, base, fmt.Sprint(time.Now().UnixNano()))
	if *cpuProf != "" {
		pprof.StopCPUProfile()
	}
	if err != nil {
		return res, 0, err
	}
	var oversold int
	err = m.DB.Pool().QueryRow(ctx, `SELECT count(*) FROM products p
		LEFT JOIN (SELECT product_id, sum(quantity) AS q FROM order_items GROUP BY product_id) o ON o.product_id = p.id
		WHERE p.id <= $1 AND (p.stock < 0 OR 1000000 - p.stock <> coalesce(o.q, 0))`, nProducts).Scan(&oversold)
	return res, oversold, err
}
