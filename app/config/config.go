// Package config reads the storefront configuration from the environment and validates all of
// it at start, reporting every bad variable by name.
package config

import (
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/mail"
	"net/url"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// DefaultMaxReadQueries is the default of DB_MAX_READ_QUERIES: twice the CPUs of this host.
// Listing and search queries are CPU-bound in PostgreSQL; running many more of them at once
// than there are CPUs only time-slices them, which stretches every query's latency.
func DefaultMaxReadQueries() int { return 2 * runtime.NumCPU() }

var awsRegion = regexp.MustCompile(`^[a-z]{2}(-[a-z0-9]+)+-[0-9]+$`)

// Config is the validated configuration.
type Config struct {
	Addr        string
	MetricsAddr string // the Prometheus /metrics listener, apart from the API
	Dev         bool
	DatabaseURL string // empty: libpq PG* variables
	// DatabaseIAMAuth makes every new connection authenticate with an RDS IAM auth token
	// (signed with the default AWS credential chain) instead of a password.
	DatabaseIAMAuth bool
	DatabaseRegion  string // region the tokens are signed for (AWS_REGION); only with DatabaseIAMAuth
	DBMaxConns      int32
	// DBMaxReadQueries bounds concurrent catalog listing/search queries (FIFO queue beyond it).
	DBMaxReadQueries   int
	RedisURL           string // empty: no cache and no carts (carts answer 503)
	RedisPassword      string
	OpenSearchURL      string // empty: PostgreSQL full-text search
	OpenSearchAuth     string // "basic", "aws-sigv4" or "none" (validated, never empty)
	OpenSearchUser     string
	OpenSearchPassword string
	OpenSearchIndex    string
	OpenSearchRegion   string // SigV4 region (OPENSEARCH_AWS_REGION, else AWS_REGION); only with "aws-sigv4"
	CORSOrigins        []string
	RateLimitRPS       float64 // 0 disables rate limiting
	RateLimitBurst     int
	MaxBodyBytes       int64
	TokenSecret        []byte
	TokenSecretSource  string // "env" or "generated"
	TokenTTL           time.Duration
	LogLevel           slog.Level
	CacheTTL           time.Duration
	CacheLocalTTL      time.Duration // 0 disables the in-process near cache
	CartTTL            time.Duration
	ShutdownTimeout    time.Duration
	RequestTimeout     time.Duration
	TrustedProxies     []*net.IPNet
	MigrateOnStart     bool
	PaymentProvider    string
	// LoginMaxHashes bounds argon2id hashes (login, registration) running at once; more wait
	// up to LoginQueueTimeout, at most LoginMaxQueue of them, then get 503 login_busy.
	LoginMaxHashes    int
	LoginQueueTimeout time.Duration
	LoginMaxQueue     int
	// Per-account login backoff: LoginThrottleFree failures, then LoginThrottleBase doubling
	// per failure up to LoginThrottleMax.
	LoginThrottleFree int
	LoginThrottleBase time.Duration
	LoginThrottleMax  time.Duration
	// Email: MailBackend is "none", "dir" (MailDir) or "ses" (MailSESRegion); links in the
	// messages point at PublicURL.
	MailBackend     string
	MailDir         string
	MailFrom        string
	MailSESRegion   string
	MailSESEndpoint string
	PublicURL       string
	// One-time links: password reset and email verification lifetimes.
	PasswordResetTTL time.Duration
	EmailVerifyTTL   time.Duration
	// PendingOrderTTL: an order still pending (never paid) this long after checkout fails and
	// its stock is released.
	PendingOrderTTL time.Duration
}

// DefaultLoginMaxHashes is the default of LOGIN_MAX_HASHES: one argon2id hash per two CPUs the
// Go runtime schedules on (at least one). A hash is CPU-bound: with one per CPU a login flood
// holds every CPU and catalog reads queue behind it (make bench-login on 2 CPUs: catalog p50
// 1.2 ms unloaded, 15-21 ms with two hashes at once, 1.4-1.8 ms with one), while logins per
// second did not grow with the second hash.
func DefaultLoginMaxHashes() int { return max(1, runtime.GOMAXPROCS(0)/2) }

// Load reads the configuration through getenv (os.Getenv in production, a map in tests).
func Load(getenv func(string) string) (Config, error) {
	var errs []error
	bad := func(name, format string, a ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", name, fmt.Sprintf(format, a...)))
	}
	str := func(name, def string) string {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			return v
		}
		return def
	}
	dur := func(name string, def, lo, hi time.Duration) time.Duration {
		s := str(name, "")
		if s == "" {
			return def
		}
		d, err := time.ParseDuration(s)
		if err != nil || d < lo || d > hi {
			bad(name, "must be a duration between %s and %s such as 30s or 5m, got %q", lo, hi, s)
			return def
		}
		return d
	}
	integer := func(name string, def, lo, hi int64) int64 {
		s := str(name, "")
		if s == "" {
			return def
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < lo || n > hi {
			bad(name, "must be an integer between %d and %d, got %q", lo, hi, s)
			return def
		}
		return n
	}
	boolean := func(name string, def bool) bool {
		s := str(name, "")
		if s == "" {
			return def
		}
		b, err := strconv.ParseBool(s)
		if err != nil {
			bad(name, "must be true or false, got %q", s)
			return def
		}
		return b
	}

	c := Config{}
	switch env := str("STOREFRONT_ENV", "production"); env {
	case "production":
	case "development", "dev":
		c.Dev = true
	default:
		bad("STOREFRONT_ENV", "must be production or development, got %q", env)
	}
	listenAddr := func(name, def string) string {
		addr := str(name, def)
		if _, port, err := net.SplitHostPort(addr); err != nil {
			bad(name, "must be host:port or :port, got %q", addr)
		} else if p, err := strconv.Atoi(port); err != nil || p < 0 || p > 65535 {
			bad(name, "port must be 0-65535, got %q", port)
		}
		return addr
	}
	c.Addr = listenAddr("STOREFRONT_ADDR", ":8080")
	// Metrics are for the cluster's scraper, never for the public API port; loopback unless
	// the deployment opens them to the pod network. An API on an ephemeral port (tests, drills,
	// several instances in one process) gets an ephemeral metrics port too.
	metricsDefault := "127.0.0.1:9090"
	if portOf(c.Addr) == "0" {
		metricsDefault = "127.0.0.1:0"
	}
	c.MetricsAddr = listenAddr("METRICS_ADDR", metricsDefault)
	if _, p, _ := net.SplitHostPort(c.MetricsAddr); p != "0" && p == portOf(c.Addr) {
		bad("METRICS_ADDR", "must use another port than STOREFRONT_ADDR (%s): metrics are not served on the API port", c.Addr)
	}
	c.DatabaseURL = getenv("DATABASE_URL")
	c.DatabaseIAMAuth = boolean("DATABASE_IAM_AUTH", false)
	if c.DatabaseIAMAuth {
		c.DatabaseRegion = checkIAMAuth(getenv, c.DatabaseURL, bad)
	}
	c.DBMaxConns = int32(integer("DB_MAX_CONNS", 20, 1, 1000))
	c.DBMaxReadQueries = int(integer("DB_MAX_READ_QUERIES", int64(DefaultMaxReadQueries()), 0, 1000))
	c.RedisURL = str("REDIS_URL", "")
	if c.RedisURL != "" {
		if u, err := url.Parse(c.RedisURL); err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") || u.Host == "" {
			bad("REDIS_URL", "must be redis://host:port[/db] or rediss://host:port[/db] (TLS)")
		}
	}
	c.RedisPassword = getenv("REDIS_PASSWORD")
	c.OpenSearchURL = str("OPENSEARCH_URL", "")
	if c.OpenSearchURL != "" {
		for _, s := range strings.Split(c.OpenSearchURL, ",") {
			if u, err := url.Parse(strings.TrimSpace(s)); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				bad("OPENSEARCH_URL", "must be one or more comma-separated http(s)://host:port URLs")
				break
			}
		}
	}
	c.OpenSearchUser = getenv("OPENSEARCH_USERNAME")
	c.OpenSearchPassword = getenv("OPENSEARCH_PASSWORD")
	if (c.OpenSearchUser == "") != (c.OpenSearchPassword == "") {
		bad("OPENSEARCH_USERNAME", "OPENSEARCH_USERNAME and OPENSEARCH_PASSWORD must be set together")
	}
	c.OpenSearchIndex = str("OPENSEARCH_INDEX", "products")
	c.OpenSearchAuth = strings.ToLower(str("OPENSEARCH_AUTH", ""))
	switch c.OpenSearchAuth {
	case "":
		c.OpenSearchAuth = "none"
		if c.OpenSearchUser != "" {
			c.OpenSearchAuth = "basic"
		}
	case "basic":
		if c.OpenSearchUser == "" || c.OpenSearchPassword == "" {
			bad("OPENSEARCH_AUTH", "basic needs OPENSEARCH_USERNAME and OPENSEARCH_PASSWORD")
		}
	case "none":
		if c.OpenSearchUser != "" || c.OpenSearchPassword != "" {
			bad("OPENSEARCH_AUTH", "none sends no credentials, but OPENSEARCH_USERNAME/OPENSEARCH_PASSWORD are set; use basic or unset them")
		}
	case "aws-sigv4":
		if c.OpenSearchUser != "" || c.OpenSearchPassword != "" {
			bad("OPENSEARCH_AUTH", "aws-sigv4 signs requests with the AWS credentials (IAM role); unset OPENSEARCH_USERNAME and OPENSEARCH_PASSWORD")
		}
		for _, s := range strings.Split(c.OpenSearchURL, ",") {
			if u, err := url.Parse(strings.TrimSpace(s)); err == nil && u.User != nil {
				bad("OPENSEARCH_AUTH", "aws-sigv4 cannot be combined with user:password in OPENSEARCH_URL")
				break
			}
		}
		name, region := "OPENSEARCH_AWS_REGION", str("OPENSEARCH_AWS_REGION", "")
		if region == "" {
			name, region = "AWS_REGION", str("AWS_REGION", "")
		}
		switch {
		case region == "":
			bad("OPENSEARCH_AWS_REGION", "is required with OPENSEARCH_AUTH=aws-sigv4 (the domain's region, e.g. eu-west-1); AWS_REGION is used when it is unset")
		case !awsRegion.MatchString(region):
			bad(name, "must be an AWS region such as eu-west-1, got %q", region)
		default:
			c.OpenSearchRegion = region
		}
	default:
		bad("OPENSEARCH_AUTH", "must be basic, aws-sigv4 or none, got %q", c.OpenSearchAuth)
	}
	if s := str("CORS_ALLOWED_ORIGINS", ""); s != "" {
		for _, o := range strings.Split(s, ",") {
			o = strings.TrimSpace(o)
			if o == "*" {
				bad("CORS_ALLOWED_ORIGINS", "wildcard '*' is not allowed because the API uses credentials; list the origins")
				continue
			}
			u, err := url.Parse(o)
			if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || (u.Path != "" && u.Path != "/") {
				bad("CORS_ALLOWED_ORIGINS", "%q is not an origin like https://shop.example.com", o)
				continue
			}
			c.CORSOrigins = append(c.CORSOrigins, strings.TrimSuffix(o, "/"))
		}
	}
	if s := str("RATE_LIMIT_RPS", "50"); s != "" {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || f < 0 || f > 1e6 {
			bad("RATE_LIMIT_RPS", "must be a number of requests per second per client from 0 (off) to 1000000, got %q", s)
		}
		c.RateLimitRPS = f
	}
	c.RateLimitBurst = int(integer("RATE_LIMIT_BURST", 100, 1, 1_000_000))
	c.MaxBodyBytes = integer("MAX_BODY_BYTES", 1<<20, 1024, 64<<20)
	if s := getenv("TOKEN_SECRET"); s != "" {
		if len(s) < 32 {
			bad("TOKEN_SECRET", "must be at least 32 bytes (e.g. openssl rand -hex 32)")
		}
		c.TokenSecret, c.TokenSecretSource = []byte(s), "env"
	} else if c.Dev {
		c.TokenSecret = make([]byte, 32)
		_, _ = rand.Read(c.TokenSecret)
		c.TokenSecretSource = "generated"
	} else {
		bad("TOKEN_SECRET", "is required in production (at least 32 bytes); set STOREFRONT_ENV=development to generate one")
	}
	c.TokenTTL = dur("TOKEN_TTL", 24*time.Hour, time.Minute, 30*24*time.Hour)
	var ok bool
	if c.LogLevel, ok = logLevel(str("LOG_LEVEL", "info")); !ok {
		bad("LOG_LEVEL", "must be debug, info, warn or error, got %q", str("LOG_LEVEL", "info"))
	}
	c.CacheTTL = dur("CACHE_TTL", 5*time.Minute, time.Second, 24*time.Hour)
	c.CacheLocalTTL = dur("CACHE_LOCAL_TTL", 2*time.Second, 0, time.Minute)
	c.CartTTL = dur("CART_TTL", 30*24*time.Hour, time.Minute, 365*24*time.Hour)
	c.LoginMaxHashes = int(integer("LOGIN_MAX_HASHES", int64(DefaultLoginMaxHashes()), 1, 1024))
	c.LoginQueueTimeout = dur("LOGIN_QUEUE_TIMEOUT", 2*time.Second, time.Millisecond, time.Minute)
	c.LoginMaxQueue = int(integer("LOGIN_MAX_QUEUE", 256, 0, 100_000))
	c.LoginThrottleFree = int(integer("LOGIN_THROTTLE_FREE", 5, 1, 1000))
	c.LoginThrottleBase = dur("LOGIN_THROTTLE_BASE", time.Second, time.Millisecond, time.Hour)
	c.LoginThrottleMax = dur("LOGIN_THROTTLE_MAX", 5*time.Minute, time.Millisecond, 24*time.Hour)
	if c.LoginThrottleBase > c.LoginThrottleMax {
		bad("LOGIN_THROTTLE_BASE", "must not exceed LOGIN_THROTTLE_MAX (%s)", c.LoginThrottleMax)
	}
	c.loadMail(str, dur, bad)
	c.PendingOrderTTL = dur("PENDING_ORDER_TTL", 30*time.Minute, time.Second, 7*24*time.Hour)
	c.ShutdownTimeout = dur("SHUTDOWN_TIMEOUT", 20*time.Second, 0, 10*time.Minute)
	c.RequestTimeout = dur("REQUEST_TIMEOUT", 15*time.Second, 100*time.Millisecond, 5*time.Minute)
	if s := str("TRUSTED_PROXIES", ""); s != "" {
		for _, p := range strings.Split(s, ",") {
			_, n, err := net.ParseCIDR(strings.TrimSpace(p))
			if err != nil {
				bad("TRUSTED_PROXIES", "%q is not a CIDR such as 10.0.0.0/8", p)
				continue
			}
			c.TrustedProxies = append(c.TrustedProxies, n)
		}
	}
	c.MigrateOnStart = boolean("MIGRATE_ON_START", true)
	c.PaymentProvider = str("PAYMENT_PROVIDER", "test")
	if c.PaymentProvider != "test" {
		bad("PAYMENT_PROVIDER", "only the test provider is built in, got %q", c.PaymentProvider)
	}
	if len(errs) > 0 {
		return c, fmt.Errorf("invalid configuration:\n%w", errors.Join(errs...))
	}
	return c, nil
}

// loadMail reads the email settings: the backend, its sender address and where links point.
func (c *Config) loadMail(str func(name, def string) string,
	dur func(name string, def, lo, hi time.Duration) time.Duration, bad func(name, format string, a ...any)) {
	c.MailBackend = strings.ToLower(str("MAIL_BACKEND", "none"))
	c.MailFrom = str("MAIL_FROM", "")
	c.PasswordResetTTL = dur("PASSWORD_RESET_TTL", 30*time.Minute, time.Minute, 24*time.Hour)
	c.EmailVerifyTTL = dur("EMAIL_VERIFY_TTL", 48*time.Hour, time.Hour, 30*24*time.Hour)
	switch c.MailBackend {
	case "none":
		return
	case "dir":
		if c.MailDir = str("MAIL_DIR", ""); c.MailDir == "" {
			bad("MAIL_DIR", "is required with MAIL_BACKEND=dir (the directory that receives .eml files)")
		}
		if c.MailFrom == "" {
			c.MailFrom = "Storefront <no-reply@storefront.local>"
		}
	case "ses":
		name, region := "MAIL_SES_REGION", str("MAIL_SES_REGION", "")
		if region == "" {
			name, region = "AWS_REGION", str("AWS_REGION", "")
		}
		switch {
		case region == "":
			bad("MAIL_SES_REGION", "is required with MAIL_BACKEND=ses (the SES region, e.g. eu-west-1); AWS_REGION is used when it is unset")
		case !awsRegion.MatchString(region):
			bad(name, "must be an AWS region such as eu-west-1, got %q", region)
		default:
			c.MailSESRegion = region
		}
		if c.MailFrom == "" {
			bad("MAIL_FROM", "is required with MAIL_BACKEND=ses (an address or domain verified in SES)")
		}
		if e := str("MAIL_SES_ENDPOINT", ""); e != "" {
			if u, err := url.Parse(e); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				bad("MAIL_SES_ENDPOINT", "must be an http(s) URL, got %q", e)
			}
			c.MailSESEndpoint = e
		}
	default:
		bad("MAIL_BACKEND", "must be none, dir or ses, got %q", c.MailBackend)
		return
	}
	if c.MailFrom != "" {
		if _, err := mail.ParseAddress(c.MailFrom); err != nil {
			bad("MAIL_FROM", "must be an address like Shop <no-reply@shop.example.com>, got %q", c.MailFrom)
		}
	}
	c.PublicURL = strings.TrimSuffix(str("PUBLIC_URL", ""), "/")
	if u, err := url.Parse(c.PublicURL); c.PublicURL == "" || err != nil || (u.Scheme != "https" && !(c.Dev && u.Scheme == "http")) || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		bad("PUBLIC_URL", "must be the shop's https:// address (http:// only with STOREFRONT_ENV=development) when MAIL_BACKEND is set: the emailed links point there, got %q", c.PublicURL)
	}
}

func logLevel(s string) (slog.Level, bool) {
	switch strings.ToLower(s) {
	case "debug":
		return slog.LevelDebug, true
	case "info":
		return slog.LevelInfo, true
	case "warn", "warning":
		return slog.LevelWarn, true
	case "error":
		return slog.LevelError, true
	}
	return slog.LevelInfo, false
}

// LoadDatabase reads only what the database maintenance commands (db-bootstrap) need:
// DATABASE_URL or the PG* variables, DATABASE_IAM_AUTH (with AWS_REGION) and LOG_LEVEL,
// validated like Load does. The HTTP, cache and session settings are neither read nor required.
func LoadDatabase(getenv func(string) string) (Config, error) {
	var errs []error
	bad := func(name, format string, a ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", name, fmt.Sprintf(format, a...)))
	}
	c := Config{DatabaseURL: getenv("DATABASE_URL"), DBMaxConns: 2}
	if s := strings.TrimSpace(getenv("DATABASE_IAM_AUTH")); s != "" {
		b, err := strconv.ParseBool(s)
		if err != nil {
			bad("DATABASE_IAM_AUTH", "must be true or false, got %q", s)
		}
		c.DatabaseIAMAuth = b
	}
	if c.DatabaseIAMAuth {
		c.DatabaseRegion = checkIAMAuth(getenv, c.DatabaseURL, bad)
	}
	lvl := strings.TrimSpace(getenv("LOG_LEVEL"))
	if lvl == "" {
		lvl = "info"
	}
	var ok bool
	if c.LogLevel, ok = logLevel(lvl); !ok {
		bad("LOG_LEVEL", "must be debug, info, warn or error, got %q", lvl)
	}
	if len(errs) > 0 {
		return c, fmt.Errorf("invalid configuration:\n%w", errors.Join(errs...))
	}
	return c, nil
}

// checkIAMAuth validates the database settings of DATABASE_IAM_AUTH=true and returns the
// region the auth tokens are signed for. A token is the only credential: a password from the
// environment or the DSN is refused, as is any sslmode that could send it in plain text.
func checkIAMAuth(getenv func(string) string, dsn string, bad func(name, format string, a ...any)) string {
	env := func(name string) string { return strings.TrimSpace(getenv(name)) }
	if getenv("PGPASSWORD") != "" {
		bad("PGPASSWORD", "must be unset with DATABASE_IAM_AUTH=true: the password is an IAM auth token generated for each connection")
	}
	sslmode, sslFrom := env("PGSSLMODE"), "PGSSLMODE"
	host, user := env("PGHOST"), env("PGUSER")
	if dsn != "" {
		params, err := dsnParams(dsn)
		if err != nil {
			bad("DATABASE_URL", "cannot be parsed: %v", err)
			return ""
		}
		if params["password"] != "" {
			bad("DATABASE_URL", "must not contain a password with DATABASE_IAM_AUTH=true: the password is an IAM auth token generated for each connection")
		}
		if v, ok := params["sslmode"]; ok {
			sslmode, sslFrom = v, "DATABASE_URL"
		}
		if v := params["host"]; v != "" {
			host = v
		}
		if v := params["user"]; v != "" {
			user = v
		}
	}
	switch sslmode {
	case "require", "verify-ca", "verify-full":
	case "":
		bad("PGSSLMODE", "must be require, verify-ca or verify-full with DATABASE_IAM_AUTH=true (unset means prefer, which may connect without TLS)")
	default:
		bad(sslFrom, "sslmode %q is refused with DATABASE_IAM_AUTH=true: the auth token must travel over TLS; set PGSSLMODE to require, verify-ca or verify-full", sslmode)
	}
	switch {
	case host == "":
		bad("PGHOST", "is required with DATABASE_IAM_AUTH=true: the auth token is signed for host:port (or give the host in DATABASE_URL)")
	case strings.HasPrefix(host, "/"):
		bad("PGHOST", "%q is a Unix socket directory; DATABASE_IAM_AUTH=true needs the database endpoint's host name", host)
	case strings.Contains(host, ","):
		bad("PGHOST", "%q lists several hosts; DATABASE_IAM_AUTH=true signs the auth token for one host (use the cluster's writer endpoint)", host)
	}
	if user == "" {
		bad("PGUSER", "is required with DATABASE_IAM_AUTH=true: the auth token is signed for that database user (or give the user in DATABASE_URL)")
	}
	region := env("AWS_REGION")
	switch {
	case region == "":
		bad("AWS_REGION", "is required with DATABASE_IAM_AUTH=true (the database's region, e.g. eu-west-1)")
	case !awsRegion.MatchString(region):
		bad("AWS_REGION", "must be an AWS region such as eu-west-1, got %q", region)
	}
	return region
}

// dsnParams extracts the connection parameters of a libpq DSN, URL (postgres://) or
// key=value form, without consulting the environment.
func dsnParams(dsn string) (map[string]string, error) {
	out := map[string]string{}
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		// Multi-host URLs (host1:5432,host2:5432) are not valid for net/url: parse with the
		// first host and report the list.
		scheme, rest, _ := strings.Cut(dsn, "://")
		authEnd := strings.IndexAny(rest, "/?")
		if authEnd < 0 {
			authEnd = len(rest)
		}
		userinfo, hosts := "", rest[:authEnd]
		if at := strings.LastIndexByte(hosts, '@'); at >= 0 {
			userinfo, hosts = hosts[:at+1], hosts[at+1:]
		}
		first, _, multi := strings.Cut(hosts, ",")
		u, err := url.Parse(scheme + "://" + userinfo + first + rest[authEnd:])
		if err != nil {
			return nil, errors.New("not a valid URL")
		}
		if u.User != nil {
			out["user"] = u.User.Username()
			if pw, ok := u.User.Password(); ok {
				out["password"] = pw
			}
		}
		if h := u.Hostname(); h != "" {
			out["host"] = h
		}
		if multi {
			out["host"] = hosts
		}
		for k, v := range u.Query() {
			if len(v) > 0 {
				out[k] = v[len(v)-1]
			}
		}
		return out, nil
	}
	// key=value pairs separated by spaces; values may be single-quoted with \ escapes.
	s := strings.TrimSpace(dsn)
	for s != "" {
		eq := strings.IndexByte(s, '=')
		if eq <= 0 {
			return nil, fmt.Errorf("expected key=value, got %q", s)
		}
		key := strings.TrimSpace(s[:eq])
		s = strings.TrimLeft(s[eq+1:], " \t")
		var val strings.Builder
		if strings.HasPrefix(s, "'") {
			i, closed := 1, false
			for ; i < len(s); i++ {
				if s[i] == '\\' && i+1 < len(s) {
					i++
					val.WriteByte(s[i])
					continue
				}
				if s[i] == '\'' {
					closed = true
					break
				}
				val.WriteByte(s[i])
			}
			if !closed {
				return nil, fmt.Errorf("unterminated quoted value of %s", key)
			}
			s = s[i+1:]
		} else {
			end := strings.IndexAny(s, " \t")
			if end < 0 {
				end = len(s)
			}
			val.WriteString(s[:end])
			s = s[end:]
		}
		out[key] = val.String()
		s = strings.TrimSpace(s)
	}
	return out, nil
}

// portOf returns the port of a host:port address, "" when it has none.
func portOf(addr string) string {
	_, p, _ := net.SplitHostPort(addr)
	return p
}
