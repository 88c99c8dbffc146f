package store

import (
	"errors"
	"fmt"
	"time"
)

// Kind classifies an error for callers; the HTTP layer maps each kind to one status code.
// Kinds are stored with remembered checkout failures (idempotency_keys.error): add new kinds
// at the end and never renumber.
type Kind int

// The kinds of error.
const (
	KindInternal         Kind = iota
	KindInvalid               // a value in the request is not acceptable
	KindUnauthenticated       // no or bad credentials
	KindForbidden             // authenticated but not allowed
	KindNotFound              // the addressed thing does not exist
	KindConflict              // the request conflicts with current state (duplicate, out of stock)
	KindPaymentDeclined       // the payment provider refused the charge
	KindIdempotencyReuse      // the same Idempotency-Key was used with a different request
	KindUnavailable           // a dependency needed for this request is down
	KindThrottled             // too many attempts; retry after RetryAfter
	KindMalformed             // a value the client must send back as it got it (a cursor) is corrupt
)

// Error is the error vocabulary of the domain. Code is stable and machine readable; Message is
// for humans; Field names the offending input when there is one. Errors about the HTTP request
// itself (framing, media type, method, rate) belong to the HTTP layer.
type Error struct {
	Kind    Kind
	Code    string
	Message string
	Field   string
	Err     error
	// RetryAfter, when set, is how long the client should wait before retrying.
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	msg := e.Code + ": " + e.Message
	if e.Field != "" {
		msg = e.Code + " (" + e.Field + "): " + e.Message
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// Invalid reports a bad value for field.
func Invalid(field, format string, args ...any) *Error {
	return &Error{Kind: KindInvalid, Code: "invalid_argument", Field: field, Message: fmt.Sprintf(format, args...)}
}

// NotFound reports a missing entity of the given type.
func NotFound(what string, id any) *Error {
	return &Error{Kind: KindNotFound, Code: "not_found", Message: fmt.Sprintf("%s %v not found", what, id)}
}

// Conflict reports a state conflict with a specific code.
func Conflict(code, format string, args ...any) *Error {
	return &Error{Kind: KindConflict, Code: code, Message: fmt.Sprintf(format, args...)}
}

// Unavailable wraps a dependency failure.
func Unavailable(code, message string, err error) *Error {
	return &Error{Kind: KindUnavailable, Code: code, Message: message, Err: err}
}

// The errors the services return as they are.
var (
	ErrUnauthenticated = &Error{Kind: KindUnauthenticated, Code: "unauthenticated", Message: "authentication required"}
	ErrBadCredentials  = &Error{Kind: KindUnauthenticated, Code: "bad_credentials", Message: "email or password is wrong"}
	ErrInvalidToken    = &Error{Kind: KindUnauthenticated, Code: "invalid_token", Message: "the session token is invalid or expired, or its account no longer exists or is disabled; log in again"}
	ErrAccountDisabled = &Error{Kind: KindUnauthenticated, Code: "account_disabled", Message: "this account is disabled"}
	ErrCheckoutFailed  = &Error{Kind: KindConflict, Code: "checkout_failed", Message: "the order could not be placed and the payment was refunded; send the checkout again with a new Idempotency-Key"}
	ErrForbidden       = &Error{Kind: KindForbidden, Code: "forbidden", Message: "this action needs the admin role"}
	ErrIdempotencyKey  = &Error{Kind: KindIdempotencyReuse, Code: "idempotency_key_reused", Message: "this Idempotency-Key was already used with a different request"}
	ErrInProgress      = &Error{Kind: KindConflict, Code: "request_in_progress", Message: "a request with this Idempotency-Key is still being processed; retry later"}
	ErrCartUnavailable = &Error{Kind: KindUnavailable, Code: "cart_unavailable", Message: "the cart service is temporarily unavailable; please retry shortly"}
)

// KindOf returns the kind of err, KindInternal for errors outside the vocabulary.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindInternal
}

// IsNotFound reports whether err is a not-found error.
func IsNotFound(err error) bool { return KindOf(err) == KindNotFound }

func asError(err error, target **Error) bool { return errors.As(err, target) }
