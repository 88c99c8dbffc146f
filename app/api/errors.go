package api

import (
	"context"
	"errors"
	"math"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"globalstack/app/store"
)

// requestKind classifies errors about the HTTP request itself, which only this layer raises.
type requestKind int

const (
	kindMalformed        requestKind = iota // the body cannot be parsed (bad JSON, unknown field)
	kindTooLarge                            // the body exceeds the configured limit
	kindUnsupportedMedia                    // the body is not JSON
	kindRateLimited                         // the client sent too many requests
	kindMethodNotAllowed                    // the route exists but not for this method
)

// requestError is an error about the request itself (body, media type, method, rate); it has
// the code, message and field of a domain error and the same JSON shape.
type requestError struct {
	Kind    requestKind
	Code    string
	Message string
	Field   string
}

func (e *requestError) Error() string {
	if e.Field != "" {
		return e.Code + " (" + e.Field + "): " + e.Message
	}
	return e.Code + ": " + e.Message
}

// statusByKind is the one place where errors become HTTP status codes, keyed by the kind of a
// domain error (store.Kind) or of a request error (requestKind).
var statusByKind = map[any]int{
	store.KindInternal:         http.StatusInternalServerError,
	store.KindInvalid:          http.StatusUnprocessableEntity,
	store.KindUnauthenticated:  http.StatusUnauthorized,
	store.KindForbidden:        http.StatusForbidden,
	store.KindNotFound:         http.StatusNotFound,
	store.KindConflict:         http.StatusConflict,
	store.KindPaymentDeclined:  http.StatusPaymentRequired,
	store.KindIdempotencyReuse: http.StatusUnprocessableEntity,
	store.KindUnavailable:      http.StatusServiceUnavailable,
	store.KindThrottled:        http.StatusTooManyRequests,
	store.KindMalformed:        http.StatusBadRequest,
	kindMalformed:              http.StatusBadRequest,
	kindTooLarge:               http.StatusRequestEntityTooLarge,
	kindUnsupportedMedia:       http.StatusUnsupportedMediaType,
	kindRateLimited:            http.StatusTooManyRequests,
	kindMethodNotAllowed:       http.StatusMethodNotAllowed,
}

// echoErrors translates errors raised by Echo itself (routing, middleware) into the vocabulary.
var echoErrors = map[int]error{
	http.StatusNotFound:              &store.Error{Kind: store.KindNotFound, Code: "route_not_found", Message: "no such endpoint"},
	http.StatusMethodNotAllowed:      &requestError{Kind: kindMethodNotAllowed, Code: "method_not_allowed", Message: "this endpoint does not support the method"},
	http.StatusRequestEntityTooLarge: errTooLarge,
	http.StatusUnsupportedMediaType:  errUnsupportedMedia,
}

var (
	errTooLarge         = &requestError{Kind: kindTooLarge, Code: "body_too_large", Message: "the request body exceeds the size limit"}
	errUnsupportedMedia = &requestError{Kind: kindUnsupportedMedia, Code: "unsupported_media_type", Message: "send the body as application/json"}
	errRateLimited      = &requestError{Kind: kindRateLimited, Code: "rate_limited", Message: "too many requests; retry after the time in Retry-After"}
	errTimeout          = &store.Error{Kind: store.KindUnavailable, Code: "timeout", Message: "the request took too long; retry shortly"}
	errInternal         = &store.Error{Kind: store.KindInternal, Code: "internal", Message: "internal error"}
)

// ErrorBody is the single JSON error shape.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail carries a stable code, a message, the offending field and the request id.
type ErrorDetail struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	Field     string `json:"field,omitempty"`
	RequestID string `json:"request_id,omitempty"`
}

// problem is an error as the client sees it: its kind (a key of statusByKind) and its details.
type problem struct {
	kind                 any
	code, message, field string
}

// classify finds the problem of any error.
func classify(err error) problem {
	var se *store.Error
	if errors.As(err, &se) {
		return problem{se.Kind, se.Code, se.Message, se.Field}
	}
	var re *requestError
	if errors.As(err, &re) {
		return problem{re.Kind, re.Code, re.Message, re.Field}
	}
	var he *echo.HTTPError
	if errors.As(err, &he) {
		if e, ok := echoErrors[he.Code]; ok {
			return classify(e)
		}
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return classify(errTimeout)
	}
	return classify(errInternal)
}

func (a *API) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	p := classify(err)
	status := statusByKind[p.kind]
	rid := requestID(c)
	if status >= 500 {
		a.log.Error("request failed", "request_id", rid, "route", c.Path(), "status", status, "err", err)
	}
	if p.kind == store.KindUnavailable {
		c.Response().Header().Set("Retry-After", "1")
	}
	var se *store.Error
	if errors.As(err, &se) && se.RetryAfter > 0 {
		c.Response().Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(se.RetryAfter.Seconds()))))
	}
	body := ErrorBody{Error: ErrorDetail{Code: p.code, Message: p.message, Field: p.field, RequestID: rid}}
	_ = c.JSON(status, body) // for HEAD, net/http sends the headers and drops the body

}
