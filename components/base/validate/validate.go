// Package validate holds the argument checks and the settings helpers (setting keys, presets,
// documentation rows) that components and the stack configuration share. It imports no SDK,
// so that tools which only validate a stack file (the DR failover) do not link the Pulumi
// program runtime or the cloud SDKs.
package validate

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
)

// Problems collects validation errors so a caller sees all of them in one run.
type Problems struct {
	scope string
	errs  []error
}

// NewProblems starts a problem list whose messages are prefixed with scope (e.g. "network");
// an empty scope adds no prefix (Settings.Validate, whose caller adds its own).
func NewProblems(scope string) *Problems { return &Problems{scope: scope} }

// Addf records a problem with the named field.
func (p *Problems) Addf(field, format string, args ...any) {
	p.add(fmt.Errorf("%s: %s", field, fmt.Sprintf(format, args...)))
}

// Add records every problem of err (one per joined error), prefixed with the scope.
func (p *Problems) Add(err error) {
	if err == nil {
		return
	}
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range joined.Unwrap() {
			p.Add(e)
		}
		return
	}
	p.add(err)
}

func (p *Problems) add(err error) {
	if p.scope != "" {
		err = fmt.Errorf("%s: %w", p.scope, err)
	}
	p.errs = append(p.errs, err)
}

// Require records a problem when cond is false.
func (p *Problems) Require(cond bool, field, format string, args ...any) {
	if !cond {
		p.Addf(field, format, args...)
	}
}

// Err returns nil when there were no problems, or all of them joined.
func (p *Problems) Err() error { return errors.Join(p.errs...) }

// PrivatePrefix parses cidr and checks it is an RFC 1918 IPv4 prefix of at most maxBits
// (i.e. at least as large as a /maxBits).
func PrivatePrefix(cidr string, maxBits int) (netip.Prefix, error) {
	pfx, err := netip.ParsePrefix(strings.TrimSpace(cidr))
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("%q is not a CIDR block", cidr)
	}
	if !pfx.Addr().Is4() || !pfx.Addr().IsPrivate() {
		return netip.Prefix{}, fmt.Errorf("%q is not a private (RFC 1918) IPv4 range", cidr)
	}
	if pfx.Masked() != pfx {
		return netip.Prefix{}, fmt.Errorf("%q has host bits set (did you mean %s?)", cidr, pfx.Masked())
	}
	if pfx.Bits() > maxBits {
		return netip.Prefix{}, fmt.Errorf("%q is too small: need /%d or larger", cidr, maxBits)
	}
	if pfx.Bits() < 16 {
		return netip.Prefix{}, fmt.Errorf("%q is too large: a VPC can be at most a /16", cidr)
	}
	return pfx, nil
}
