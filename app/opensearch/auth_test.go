package opensearch_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"globalstack/app/opensearch"
	"globalstack/app/store"
)

const (
	testAccessKey    = "AKIDSTOREFRONTTEST"
	testSecretKey    = "storefront-test-secret-key"
	testSessionToken = "storefront-test-session-token"
	testRegion       = "eu-west-1"
)

// seen is one request as the fake cluster received it.
type seen struct {
	method, path, rawQuery, host string
	header                       http.Header
	body                         []byte
}

// fakeCluster answers every request with a minimal valid answer after failFirst 503s, and
// records what it received.
func fakeCluster(t *testing.T, failFirst int) (*httptest.Server, func() []seen) {
	var mu sync.Mutex
	var got []seen
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, seen{method: r.Method, path: r.URL.EscapedPath(), rawQuery: r.URL.RawQuery, host: r.Host, header: r.Header.Clone(), body: body})
		n := len(got)
		mu.Unlock()
		if n <= failFirst {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		switch {
		case strings.HasSuffix(r.URL.Path, "/_search"):
			_, _ = io.WriteString(w, `{"hits":{"hits":[]}}`)
		case strings.HasSuffix(r.URL.Path, "/_bulk"):
			_, _ = io.WriteString(w, `{"errors":false,"items":[]}`)
		default:
			_, _ = io.WriteString(w, `{}`)
		}
	}))
	t.Cleanup(srv.Close)
	return srv, func() []seen {
		mu.Lock()
		defer mu.Unlock()
		return append([]seen(nil), got...)
	}
}

// isolateAWS makes the default AWS credential chain see only static test credentials.
func isolateAWS(t *testing.T) {
	dir := t.TempDir()
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID":                      testAccessKey,
		"AWS_SECRET_ACCESS_KEY":                  testSecretKey,
		"AWS_SESSION_TOKEN":                      testSessionToken,
		"AWS_REGION":                             "",
		"AWS_DEFAULT_REGION":                     "",
		"AWS_PROFILE":                            "",
		"AWS_ROLE_ARN":                           "",
		"AWS_WEB_IDENTITY_TOKEN_FILE":            "",
		"AWS_CONFIG_FILE":                        filepath.Join(dir, "config"),
		"AWS_SHARED_CREDENTIALS_FILE":            filepath.Join(dir, "credentials"),
		"AWS_EC2_METADATA_DISABLED":              "true",
		"AWS_CONTAINER_CREDENTIALS_FULL_URI":     "",
		"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "",
	} {
		t.Setenv(k, v)
	}
}

var authHeader = regexp.MustCompile(`^AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$`)

// verifySigV4 recomputes the Signature Version 4 signature of a received request from the
// secret key, independently of the signing code, and checks it against the Authorization header.
func verifySigV4(t *testing.T, r seen) {
	t.Helper()
	m := authHeader.FindStringSubmatch(r.header.Get("Authorization"))
	if m == nil {
		t.Fatalf("%s %s: Authorization is not a SigV4 header: %q", r.method, r.path, r.header.Get("Authorization"))
	}
	akid, day, region, service, signedHeaders, signature := m[1], m[2], m[3], m[4], m[5], m[6]
	if akid != testAccessKey || region != testRegion || service != "es" {
		t.Fatalf("credential scope %s/%s/%s, want %s/%s/es", akid, region, service, testAccessKey, testRegion)
	}
	amzDate := r.header.Get("X-Amz-Date")
	ts, err := time.Parse("20060102T150405Z", amzDate)
	if err != nil || ts.Format("20060102") != day || time.Since(ts).Abs() > 5*time.Minute {
		t.Fatalf("X-Amz-Date %q does not match the credential date %s or the clock", amzDate, day)
	}
	sum := sha256.Sum256(r.body)
	if got := r.header.Get("X-Amz-Content-Sha256"); got != hex.EncodeToString(sum[:]) {
		t.Fatalf("%s %s: X-Amz-Content-Sha256 %s is not the hash of the %d-byte body sent", r.method, r.path, got, len(r.body))
	}
	if r.header.Get("X-Amz-Security-Token") != testSessionToken {
		t.Fatalf("session token not sent: %q", r.header.Get("X-Amz-Security-Token"))
	}
	names := strings.Split(signedHeaders, ";")
	for _, must := range []string{"host", "x-amz-date", "x-amz-content-sha256", "x-amz-security-token"} {
		if !slices.Contains(names, must) {
			t.Fatalf("%s is not signed: %s", must, signedHeaders)
		}
	}
	var canonHeaders strings.Builder
	for _, n := range names {
		v := r.host
		if n != "host" {
			v = strings.Join(r.header.Values(n), ",")
		}
		canonHeaders.WriteString(n + ":" + strings.TrimSpace(v) + "\n")
	}
	q, _ := url.ParseQuery(r.rawQuery)
	var pairs []string
	for k, vs := range q {
		for _, v := range vs {
			pairs = append(pairs, awsEscape(k)+"="+awsEscape(v))
		}
	}
	sort.Strings(pairs)
	canonical := strings.Join([]string{r.method, r.path, strings.Join(pairs, "&"), canonHeaders.String(), signedHeaders, r.header.Get("X-Amz-Content-Sha256")}, "\n")
	creq := sha256.Sum256([]byte(canonical))
	scope := day + "/" + region + "/" + service + "/aws4_request"
	toSign := "AWS4-HMAC-SHA256\n" + amzDate + "\n" + scope + "\n" + hex.EncodeToString(creq[:])
	key := []byte("AWS4" + testSecretKey)
	for _, part := range []string{day, region, service, "aws4_request"} {
		key = hmacSHA256(key, part)
	}
	if want := hex.EncodeToString(hmacSHA256(key, toSign)); want != signature {
		t.Fatalf("%s %s: signature does not verify\ncanonical request:\n%s", r.method, r.path, canonical)
	}
}

func hmacSHA256(key []byte, s string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(s))
	return h.Sum(nil)
}

func awsEscape(s string) string { return strings.ReplaceAll(url.QueryEscape(s), "+", "%20") }

func TestAWSSigV4SignsEveryRequest(t *testing.T) {
	isolateAWS(t)
	srv, received := fakeCluster(t, 0)
	c, err := opensearch.New(opensearch.Config{URLs: []string{srv.URL}, Auth: opensearch.AuthAWSSigV4, AWSRegion: testRegion, Alias: "products"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := c.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Search(ctx, store.SearchQuery{Text: "walnut desk", Category: "desks", Limit: 10}); err != nil {
		t.Fatal(err)
	}
	if err := c.Bulk(ctx, "products_1", []opensearch.Doc{opensearch.DocOf(store.Product{ID: 7, Name: "Walnut Desk"})}, []int64{8}); err != nil {
		t.Fatal(err)
	}
	got := received()
	if len(got) != 3 {
		t.Fatalf("want 3 requests, got %d", len(got))
	}
	wantPrefix := "AWS4-HMAC-SHA256 Credential=" + testAccessKey + "/"
	wantScope := "/" + testRegion + "/es/aws4_request"
	for _, r := range got {
		a := r.header.Get("Authorization")
		if !strings.HasPrefix(a, wantPrefix) || !strings.Contains(a, wantScope+",") {
			t.Fatalf("%s %s: Authorization %q, want %s.../%s", r.method, r.path, a, wantPrefix, wantScope)
		}
		if r.header.Get("X-Amz-Date") == "" {
			t.Fatalf("%s %s: no X-Amz-Date", r.method, r.path)
		}
		verifySigV4(t, r)
	}
	if len(got[1].body) == 0 || len(got[2].body) == 0 {
		t.Fatal("search and bulk must carry bodies (the payload hash is only meaningful with one)")
	}
}

// A request the transport retries after a 503 is signed again over its full body.
func TestAWSSigV4RetryIsSignedOverTheBody(t *testing.T) {
	isolateAWS(t)
	srv, received := fakeCluster(t, 1)
	c, err := opensearch.New(opensearch.Config{URLs: []string{srv.URL}, Auth: opensearch.AuthAWSSigV4, AWSRegion: testRegion})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Search(context.Background(), store.SearchQuery{Text: "chair", Limit: 5}); err != nil {
		t.Fatal(err)
	}
	got := received()
	if len(got) != 2 {
		t.Fatalf("want the first attempt and one retry, got %d requests", len(got))
	}
	if string(got[0].body) != string(got[1].body) || len(got[1].body) == 0 {
		t.Fatalf("retry body differs: %q vs %q", got[0].body, got[1].body)
	}
	for _, r := range got {
		verifySigV4(t, r)
	}
}

// Without AWS credentials a request cannot be signed; it must fail as unavailable (so search
// falls back to PostgreSQL) and never go out unsigned.
func TestAWSSigV4WithoutCredentialsIsUnavailable(t *testing.T) {
	isolateAWS(t)
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	t.Setenv("AWS_SESSION_TOKEN", "")
	srv, received := fakeCluster(t, 0)
	c, err := opensearch.New(opensearch.Config{URLs: []string{srv.URL}, Auth: opensearch.AuthAWSSigV4, AWSRegion: testRegion})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_, err = c.Search(ctx, store.SearchQuery{Text: "chair", Limit: 5})
	if store.KindOf(err) != store.KindUnavailable {
		t.Fatalf("want an unavailable error, got %v", err)
	}
	if n := len(received()); n != 0 {
		t.Fatalf("%d unsigned requests reached the cluster", n)
	}
}

func TestBasicAuthIsNotSigned(t *testing.T) {
	isolateAWS(t) // AWS credentials in the environment must not leak into basic mode
	srv, received := fakeCluster(t, 0)
	for _, auth := range []string{"", opensearch.AuthBasic} {
		c, err := opensearch.New(opensearch.Config{URLs: []string{srv.URL}, Auth: auth, Username: "storefront", Password: "s3cret"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Search(context.Background(), store.SearchQuery{Text: "chair", Limit: 5}); err != nil {
			t.Fatal(err)
		}
	}
	want := "Basic " + base64.StdEncoding.EncodeToString([]byte("storefront:s3cret"))
	got := received()
	if len(got) != 2 {
		t.Fatalf("want 2 requests, got %d", len(got))
	}
	for _, r := range got {
		if a := r.header.Get("Authorization"); a != want {
			t.Fatalf("Authorization %q, want %q", a, want)
		}
		for _, h := range []string{"X-Amz-Date", "X-Amz-Content-Sha256", "X-Amz-Security-Token"} {
			if v := r.header.Get(h); v != "" {
				t.Fatalf("basic mode sent %s: %q", h, v)
			}
		}
	}
}

func TestNoAuthSendsNoCredentials(t *testing.T) {
	srv, received := fakeCluster(t, 0)
	c, err := opensearch.New(opensearch.Config{URLs: []string{srv.URL}, Auth: opensearch.AuthNone})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
	if r := received()[0]; r.header.Get("Authorization") != "" || r.header.Get("X-Amz-Date") != "" {
		t.Fatalf("credentials sent: %v", r.header)
	}
}

func TestNewRejectsBadAuth(t *testing.T) {
	for _, tc := range []struct {
		cfg  opensearch.Config
		want string
	}{
		{opensearch.Config{Auth: "kerberos"}, "OPENSEARCH_AUTH:"},
		{opensearch.Config{Auth: opensearch.AuthAWSSigV4}, "OPENSEARCH_AWS_REGION:"},
		{opensearch.Config{Auth: opensearch.AuthAWSSigV4, AWSRegion: testRegion, Username: "u", Password: "p"}, "OPENSEARCH_USERNAME"},
		{opensearch.Config{Auth: opensearch.AuthBasic}, "OPENSEARCH_USERNAME"},
		{opensearch.Config{Auth: opensearch.AuthNone, Username: "u", Password: "p"}, "OPENSEARCH_USERNAME"},
	} {
		tc.cfg.URLs = []string{"http://127.0.0.1:9"}
		if _, err := opensearch.New(tc.cfg); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("auth %q: want an error naming %s, got %v", tc.cfg.Auth, tc.want, err)
		}
	}
}
