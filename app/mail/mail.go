// Package mail delivers the storefront's email: through Amazon SES (API v2) in AWS, or into a
// directory of .eml files for local runs and tests.
package mail

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"

	"globalstack/app/store"
)

// headerSafe refuses line breaks in header values, which would inject headers.
func headerSafe(field, v string) error {
	if strings.ContainsAny(v, "\r\n") {
		return fmt.Errorf("mail %s contains a line break", field)
	}
	return nil
}

func check(from string, m store.Message) error {
	if _, err := mail.ParseAddress(m.To); err != nil {
		return fmt.Errorf("mail recipient %q: %w", m.To, err)
	}
	for f, v := range map[string]string{"from": from, "to": m.To, "subject": m.Subject} {
		if err := headerSafe(f, v); err != nil {
			return err
		}
	}
	return nil
}

// Dir writes each message as an RFC 5322 file (<time>-<random>.eml) into a directory, for
// local runs: open the files with any mail client or read the links in them.
type Dir struct {
	Path string
	From string
}

// NewDir creates the directory if needed.
func NewDir(path, from string) (*Dir, error) {
	if err := os.MkdirAll(path, 0o700); err != nil {
		return nil, fmt.Errorf("MAIL_DIR %s: %w", path, err)
	}
	return &Dir{Path: path, From: from}, nil
}

// Send writes the message atomically (a temporary file renamed into place), so a reader of
// the directory never sees half a message.
func (d *Dir) Send(_ context.Context, m store.Message) error {
	if err := check(d.From, m); err != nil {
		return err
	}
	var b bytes.Buffer
	id := make([]byte, 8)
	_, _ = rand.Read(id)
	name := fmt.Sprintf("%d-%s", time.Now().UnixNano(), hex.EncodeToString(id))
	fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\nMessage-ID: <%s@storefront.local>\r\n",
		d.From, m.To, mime.QEncoding.Encode("utf-8", m.Subject), time.Now().UTC().Format(time.RFC1123Z), name)
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n")
	w := quotedprintable.NewWriter(&b)
	if _, err := w.Write([]byte(strings.ReplaceAll(m.Text, "\n", "\r\n"))); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	tmp := filepath.Join(d.Path, "."+name+".tmp")
	if err := os.WriteFile(tmp, b.Bytes(), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(d.Path, name+".eml"))
}

// SES sends through the Amazon SES API v2 SendEmail operation as a Simple message (SES builds
// the MIME message from the subject and the text body):
// https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_SendEmail.html
// (POST /v2/email/outbound-emails; FromEmailAddress must be a verified identity, and while the
// account is in the SES sandbox so must the recipients).
type SES struct {
	client *sesv2.Client
	from   string
}

// NewSES uses the default AWS credential chain (the pod's IAM role on EKS). endpoint, when
// set, replaces the regional SES endpoint (tests).
func NewSES(ctx context.Context, region, from, endpoint string) (*SES, error) {
	cfg, err := awsconfig.LoadDefaultConfig(ctx, awsconfig.WithRegion(region))
	if err != nil {
		return nil, fmt.Errorf("SES: AWS configuration: %w", err)
	}
	return NewSESFromConfig(cfg, from, endpoint), nil
}

// NewSESFromConfig builds the adapter from an AWS configuration.
func NewSESFromConfig(cfg aws.Config, from, endpoint string) *SES {
	client := sesv2.NewFromConfig(cfg, func(o *sesv2.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
	})
	return &SES{client: client, from: from}
}

// Send sends m and returns SES's error as it is (throttling and sandbox refusals included).
func (s *SES) Send(ctx context.Context, m store.Message) error {
	if err := check(s.from, m); err != nil {
		return err
	}
	_, err := s.client.SendEmail(ctx, &sesv2.SendEmailInput{
		FromEmailAddress: aws.String(s.from),
		Destination:      &types.Destination{ToAddresses: []string{m.To}},
		Content: &types.EmailContent{Simple: &types.Message{
			Subject: &types.Content{Data: aws.String(m.Subject), Charset: aws.String("UTF-8")},
			Body:    &types.Body{Text: &types.Content{Data: aws.String(m.Text), Charset: aws.String("UTF-8")}},
		}},
	})
	if err != nil {
		return fmt.Errorf("SES SendEmail to %s: %w", m.To, err)
	}
	return nil
}
