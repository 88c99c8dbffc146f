package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"globalstack/internal/devenv"
)

var (
	loginBench     = flag.Bool("login", false, "run the login-flood figure instead: catalog p99 and server RSS, unloaded vs under a login flood from many loopback addresses")
	loginAddrs     = flag.Int("login-addrs", 100, "source addresses of the login flood (127.0.0.2 and up)")
	loginPerAddr   = flag.Int("login-conns", 2, "concurrent logins per source address")
	catalogRate    = flag.Int("catalog-rate", 200, "catalog requests per second (open loop) while measuring")
	loginServerEnv = flag.String("server-env", "", "extra server environment for the login figure, comma-separated KEY=VALUE")
	floodBase      = flag.String("flood", "", "internal: run only the login flood against this base URL until stdin closes, then print the answers by status")
)

// floodAccounts are the accounts the flood logs in to with the right password.
const floodAccounts = 50

// runLogin measures, in one run against one server process: the catalog's latency at a fixed
// request rate (open loop, so a slow server cannot slow the measurement down) with no other
// load, then the same while logins flood in from many loopback source addresses (half with
// the right password of existing accounts, half for unknown emails: every attempt costs a
// hash), and the server's resident memory during each phase.
func runLogin(ctx context.Context) error {
	base, pid, stop, err := startLoginServer(ctx)
	if err != nil {
		return err
	}
	defer stop()
	readers := make([]*http.Client, 20) // 10 requests/s each at the default rate: under the per-address limit
	for i := range readers {
		readers[i] = clientFrom(fmt.Sprintf("127.0.1.%d", i+1))
	}
	ids := min(*products, 1000)
	for id := 1; id <= ids; id++ { // warm the product cache, as a shop's hot products are
		res, err := readers[id%len(readers)].Get(fmt.Sprintf("%s/api/products/%d", base, id))
		if err != nil {
			return err
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != 200 {
			return fmt.Errorf("warming product %d: %s", id, res.Status)
		}
	}
	time.Sleep(2 * time.Second) // the per-address rate buckets refill
	logf("catalog at %d requests/s, no other load, %s", *catalogRate, *duration)
	rss := newRSSWatch(pid)
	idle := readCatalog(base, readers, ids, *duration)
	idleRSS := rss.max()

	logf("catalog at %d requests/s while %d addresses x %d connections log in, %s", *catalogRate, *loginAddrs, *loginPerAddr, *duration)
	rss.reset()
	// The flood runs in a process of its own at the lowest CPU priority: on a shared machine the
	// attacker's own CPU would otherwise be charged to the server, whereas a real one is remote.
	flood := exec.Command("nice", "-n", "19", os.Args[0], "-flood", base, "-login-addrs", strconv.Itoa(*loginAddrs),
		"-login-conns", strconv.Itoa(*loginPerAddr))
	floodIn, err := flood.StdinPipe()
	if err != nil {
		return err
	}
	var floodOut bytes.Buffer
	flood.Stdout, flood.Stderr = &floodOut, os.Stderr
	if err := flood.Start(); err != nil {
		return err
	}
	time.Sleep(2 * time.Second) // the flood reaches its steady state
	loaded := readCatalog(base, readers, ids, *duration)
	floodIn.Close()
	if err := flood.Wait(); err != nil {
		return fmt.Errorf("login flood: %v", err)
	}
	loadedRSS := rss.max()
	rss.stop()
	hwm := peakRSS(pid)
	var attempts int64
	var codes []string
	if err := json.Unmarshal(floodOut.Bytes(), &struct {
		Attempts *int64    `json:"attempts"`
		Codes    *[]string `json:"codes"`
	}{&attempts, &codes}); err != nil {
		return fmt.Errorf("login flood output %q: %v", floodOut.String(), err)
	}
	secs := duration.Seconds() + 2
	fmt.Printf(`
login flood vs catalog reads (%d products, %s per phase, %d CPUs, one server process; flood from
%d loopback addresses x %d concurrent logins, catalog %d requests/s open loop from 20 addresses)

  phase                 catalog p50   p99      max      errors   server RSS (max)
  catalog only          %8s  %8s  %8s  %5d    %6.1f MiB
  catalog + logins      %8s  %8s  %8s  %5d    %6.1f MiB

  catalog p50 loaded / unloaded   %5.2fx
  catalog p99 loaded / unloaded   %5.2fx  (target <= 2x)
  server peak RSS (VmHWM, whole run) %.1f MiB
  login attempts %d (%.0f/s), answers by status: %s
`, *products, *duration, numCPU(), *loginAddrs, *loginPerAddr, *catalogRate,
		ms(idle.p50), ms(idle.p99), ms(idle.max), idle.errors, mib(idleRSS),
		ms(loaded.p50), ms(loaded.p99), ms(loaded.max), loaded.errors, mib(loadedRSS),
		float64(loaded.p50)/float64(idle.p50), float64(loaded.p99)/float64(idle.p99), mib(hwm), attempts, float64(attempts)/secs, strings.Join(codes, ", "))
	return nil
}

// runFlood logs in from loginAddrs source addresses x loginPerAddr connections, each waiting
// for its answer before the next attempt, until stdin closes; then prints the attempts and the
// answers by status as JSON. Half the attempts use the right password of an account made by
// runLogin, half an unknown email: every attempt costs the server a hash.
func runFlood(base string) error {
	var outcomes sync.Map
	var attempts atomic.Int64
	stop := make(chan struct{})
	go func() { _, _ = io.Copy(io.Discard, os.Stdin); close(stop) }()
	var wg sync.WaitGroup
	for a := range *loginAddrs {
		hc := clientFrom(fmt.Sprintf("127.0.0.%d", a+2))
		for c := range *loginPerAddr {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for n := 0; ; n++ {
					select {
					case <-stop:
						return
					default:
					}
					body := map[string]string{"email": fmt.Sprintf("shopper%d@example.com", (a+c+n)%floodAccounts), "password": "correct horse battery"}
					if n%2 == 1 {
						body["email"] = fmt.Sprintf("nobody-%d-%d-%d@example.com", a, c, n)
					}
					code, err := postJSON(hc, base+"/api/users/login", body)
					if err != nil {
						code = 0
					}
					attempts.Add(1)
					v, _ := outcomes.LoadOrStore(code, new(atomic.Int64))
					v.(*atomic.Int64).Add(1)
				}
			}()
		}
	}
	wg.Wait()
	var codes []string
	outcomes.Range(func(k, v any) bool {
		codes = append(codes, fmt.Sprintf("%d: %d", k, v.(*atomic.Int64).Load()))
		return true
	})
	slices.Sort(codes)
	return json.NewEncoder(os.Stdout).Encode(map[string]any{"attempts": attempts.Load(), "codes": codes})
}

type latencies struct {
	p50, p99, max time.Duration
	errors        int
}

// readCatalog sends catalog requests (product detail of the hot products, and listing pages)
// at catalogRate per second for d, each at its scheduled time whatever the earlier ones do,
// and returns their latencies measured from the scheduled time.
func readCatalog(base string, clients []*http.Client, ids int, d time.Duration) latencies {
	n := int(d.Seconds() * float64(*catalogRate))
	interval := time.Second / time.Duration(*catalogRate)
	lat := make([]time.Duration, n)
	failed := make([]bool, n)
	var wg sync.WaitGroup
	start := time.Now()
	for i := range n {
		at := start.Add(time.Duration(i) * interval)
		time.Sleep(time.Until(at))
		wg.Add(1)
		go func() {
			defer wg.Done()
			path := fmt.Sprintf("/api/products/%d", 1+(i*7919)%ids)
			if i%4 == 3 {
				path = []string{"/api/products?sort=newest", "/api/products?category=chairs&sort=price_asc", "/api/products?sort=name&in_stock=true"}[i%3]
			}
			res, err := clients[i%len(clients)].Get(base + path)
			if err == nil {
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
			}
			lat[i], failed[i] = time.Since(at), err != nil || res.StatusCode != 200
		}()
	}
	wg.Wait()
	var l latencies
	for _, f := range failed {
		if f {
			l.errors++
		}
	}
	slices.Sort(lat)
	l.p50, l.p99, l.max = lat[n/2], lat[n*99/100], lat[n-1]
	return l
}

func clientFrom(ip string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 5 * time.Second}
	return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{DialContext: d.DialContext, MaxIdleConnsPerHost: 64}}
}

func postJSON(hc *http.Client, url string, body any) (int, error) {
	b, _ := json.Marshal(body)
	res, err := hc.Post(url, "application/json", bytes.NewReader(b))
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, res.Body)
	return res.StatusCode, nil
}

func freePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	_, p, _ := net.SplitHostPort(l.Addr().String())
	return p, nil
}

func waitReady(base string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		if err := get(base + "/readyz"); err == nil {
			return nil
		}
		time.Sleep(200 * time.Millisecond)
	}
	return fmt.Errorf("the storefront at %s was not ready within %s", base, limit)
}

// rssWatch samples a process's resident set (VmRSS) every 50 ms and keeps the maximum.
type rssWatch struct {
	pid  int
	peak atomic.Int64
	done chan struct{}
}

func newRSSWatch(pid int) *rssWatch {
	w := &rssWatch{pid: pid, done: make(chan struct{})}
	go func() {
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			if kb := procStatusKB(w.pid, "VmRSS:"); kb > w.peak.Load() {
				w.peak.Store(kb)
			}
			select {
			case <-w.done:
				return
			case <-t.C:
			}
		}
	}()
	return w
}

func (w *rssWatch) max() int64 { return w.peak.Load() }
func (w *rssWatch) reset()     { w.peak.Store(procStatusKB(w.pid, "VmRSS:")) }
func (w *rssWatch) stop()      { close(w.done) }

// peakRSS is the kernel's high-water mark of the process's resident set (VmHWM).
func peakRSS(pid int) int64 { return procStatusKB(pid, "VmHWM:") }

func procStatusKB(pid int, field string) int64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), field); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb
		}
	}
	return 0
}

func mib(kb int64) float64 { return float64(kb) / 1024 }

// startLoginServer starts PostgreSQL, Redis and the storefront binary as a process of its own
// with a seeded catalog and floodAccounts accounts; stop ends all three.
func startLoginServer(ctx context.Context) (base string, pid int, stop func(), err error) {
	var stops []func()
	cleanup := func() {
		for i := len(stops) - 1; i >= 0; i-- {
			stops[i]()
		}
	}
	defer func() {
		if err != nil {
			cleanup()
		}
	}()
	logf("starting PostgreSQL (durable) and Redis on loopback")
	pg, err := devenv.StartPostgres(ctx, devenv.PGOptions{Durable: true})
	if err != nil {
		return "", 0, nil, err
	}
	stops = append(stops, pg.Close)
	rs, err := devenv.StartRedis(ctx, devenv.RedisOptions{Databases: 1})
	if err != nil {
		return "", 0, nil, err
	}
	stops = append(stops, rs.Close)
	dsn, err := pg.CreateDatabase(ctx, "shop")
	if err != nil {
		return "", 0, nil, err
	}
	bin := filepath.Join(workdir, "storefront")
	logf("building the storefront binary")
	if out, err := exec.Command("go", "build", "-o", bin, "./app/cmd/storefront").CombinedOutput(); err != nil {
		return "", 0, nil, fmt.Errorf("go build: %v: %s", err, out)
	}
	port, err := freePort()
	if err != nil {
		return "", 0, nil, err
	}
	env := append(os.Environ(), "STOREFRONT_ENV=development", "STOREFRONT_ADDR=127.0.0.1:"+port, "METRICS_ADDR=127.0.0.1:0",
		"DATABASE_URL="+dsn, "REDIS_URL="+rs.URL(0), "LOG_LEVEL=warn", "TOKEN_SECRET="+strings.Repeat("b", 32))
	if *loginServerEnv != "" {
		env = append(env, strings.Split(*loginServerEnv, ",")...)
	}
	seed := exec.Command(bin, "seed", strconv.Itoa(*products))
	seed.Env = env
	logf("migrating and seeding %d products", *products)
	if out, err := seed.CombinedOutput(); err != nil {
		return "", 0, nil, fmt.Errorf("storefront seed: %v: %s", err, out)
	}
	srv := exec.Command(bin)
	srv.Env = env
	srv.Stdout, srv.Stderr = io.Discard, io.Discard
	if err := srv.Start(); err != nil {
		return "", 0, nil, err
	}
	stops = append(stops, func() { _ = srv.Process.Kill(); _ = srv.Wait() })
	base = "http://127.0.0.1:" + port
	if err := waitReady(base, 60*time.Second); err != nil {
		return "", 0, nil, err
	}

	for i := range floodAccounts {
		e := fmt.Sprintf("shopper%d@example.com", i)
		if code, err := postJSON(http.DefaultClient, base+"/api/users", map[string]string{"email": e, "password": "correct horse battery", "name": "Shopper"}); err != nil || code != 201 {
			return "", 0, nil, fmt.Errorf("register %s: %d %v", e, code, err)
		}
	}
	return base, srv.Process.Pid, cleanup, nil
}
