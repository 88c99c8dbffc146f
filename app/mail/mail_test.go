package mail

import (
	"context"
	"encoding/json"
	"io"
	"mime"
	"mime/quotedprintable"
	"net/http"
	"net/http/httptest"
	netmail "net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"globalstack/app/store"
)

func TestDirWritesReadableMessages(t *testing.T) {
	dir := t.TempDir()
	d, err := NewDir(dir, "Shop <no-reply@shop.test>")
	if err != nil {
		t.Fatal(err)
	}
	msg := store.Message{To: "ada@example.com", Subject: "Réinitialiser", Text: "Line one\nhttps://shop.test/account/reset-password#token=" + strings.Repeat("ab", 32) + "\n"}
	if err := d.Send(context.Background(), msg); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	if len(files) != 1 || !strings.HasSuffix(files[0], ".eml") {
		t.Fatalf("files %v, want one .eml", files)
	}
	f, _ := os.Open(files[0])
	defer f.Close()
	m, err := netmail.ReadMessage(f)
	if err != nil {
		t.Fatal(err)
	}
	subject, _ := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	body, _ := io.ReadAll(quotedprintable.NewReader(m.Body))
	if m.Header.Get("To") != msg.To || subject != msg.Subject || strings.ReplaceAll(string(body), "\r\n", "\n") != msg.Text {
		t.Fatalf("read back To %q Subject %q body %q", m.Header.Get("To"), subject, body)
	}
	if err := d.Send(context.Background(), store.Message{To: "ada@example.com", Subject: "x\r\nBcc: eve@example.com"}); err == nil {
		t.Fatal("a subject with a line break was accepted")
	}
}

// The adapter sends SES API v2 SendEmail (POST /v2/email/outbound-emails, a Simple message,
// https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_SendEmail.html), signed with
// SigV4 for service "ses". The endpoint here records the request; SES itself is exercised by
// TestSESSendsThroughAWS when credentials are provided.
func TestSESRequestShape(t *testing.T) {
	var got struct {
		path, auth string
		body       map[string]any
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.path, got.auth = r.Method+" "+r.URL.Path, r.Header.Get("Authorization")
		_ = json.NewDecoder(r.Body).Decode(&got.body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"MessageId":"0100-test"}`))
	}))
	defer srv.Close()
	cfg := aws.Config{Region: "eu-west-1", Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", "")}
	s := NewSESFromConfig(cfg, "no-reply@shop.example.com", srv.URL)
	if err := s.Send(context.Background(), store.Message{To: "ada@example.com", Subject: "Reset", Text: "link"}); err != nil {
		t.Fatal(err)
	}
	if got.path != "POST /v2/email/outbound-emails" || !strings.Contains(got.auth, "/eu-west-1/ses/aws4_request") {
		t.Fatalf("request %q signed %q; want POST /v2/email/outbound-emails signed for ses in eu-west-1", got.path, got.auth)
	}
	b, _ := json.Marshal(got.body)
	for _, want := range []string{`"FromEmailAddress":"no-reply@shop.example.com"`, `"ToAddresses":["ada@example.com"]`, `"Subject":{"Charset":"UTF-8","Data":"Reset"}`, `"Text":{"Charset":"UTF-8","Data":"link"}`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("body %s lacks %s", b, want)
		}
	}
}

// TestSESSendsThroughAWS sends one real message when SES_TEST_FROM (a verified identity),
// SES_TEST_TO (a verified recipient while in the sandbox, or the mailbox simulator
// success@simulator.amazonses.com) and AWS_REGION and credentials are set.
func TestSESSendsThroughAWS(t *testing.T) {
	from, to, region := os.Getenv("SES_TEST_FROM"), os.Getenv("SES_TEST_TO"), os.Getenv("AWS_REGION")
	if from == "" || to == "" || region == "" {
		t.Skip("set SES_TEST_FROM, SES_TEST_TO and AWS_REGION (and AWS credentials) to send through SES")
	}
	s, err := NewSES(context.Background(), region, from, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Send(context.Background(), store.Message{To: to, Subject: "storefront SES test", Text: "sent by TestSESSendsThroughAWS"}); err != nil {
		t.Fatal(err)
	}
}
