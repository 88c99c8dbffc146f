package api

import (
	"context"
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"globalstack/app/store"
)

// statusByKind is the one place where the error vocabulary becomes HTTP status codes.
var statusByKind = map[store.Kind]int{
	store.KindInternal:         http.StatusInternalServerError,
	store.KindInvalid:          http.StatusUnprocessableEntity,
	store.KindUnauthenticated:  http.StatusUnauthorized,
	store.KindForbidden:        http.StatusForbidden,
	store.KindNotFound:         http.StatusNotFound,
	store.KindConflict:         http.StatusConflict,
	store.KindPaymentDeclined:  http.StatusPaymentRequired,
	store.KindIdempotencyReuse: http.StatusUnprocessableEntity,
	store.KindUnavailable:      http.StatusServiceUnavailable,
	store.KindMalformed:        http.StatusBadRequest,
	store.KindTooLarge:         http.StatusRequestEntityTooLarge,
	store.KindUnsupportedMedia: http.StatusUnsupportedMediaType,
	store.KindRateLimited:      http.StatusTooManyRequests,
	store.KindMethodNotAllowed: http.StatusMethodNotAllowed,
}

// echoErrors translates errors raised by Echo itself (routing, middleware) into the vocabulary.
var echoErrors = map[int]*store.Error{
	http.StatusNotFound:              {Kind: store.KindNotFound, Code: "route_not_found", Message: "no such endpoint"},
	http.StatusMethodNotAllowed:      {Kind: store.KindMethodNotAllowed, Code: "method_not_allowed", Message: "this endpoint does not support the method"},
	http.StatusRequestEntityTooLarge: errTooLarge,
	http.StatusUnsupportedMediaType:  errUnsupportedMedia,
}

var (
	errTooLarge         = &store.Error{Kind: store.KindTooLarge, Code: "body_too_large", Message: "the request body exceeds the size limit"}
	errUnsupportedMedia = &store.Error{Kind: store.KindUnsupportedMedia, Code: "unsupported_media_type", Message: "send the body as application/json"}
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

// toStoreError classifies any error.
func toStoreError(err error) *store.Error {
	var se *store.Error
	if errors.As(err, &se) {
		return se
	}
	var he *echo.HTTPError
	if errors.As(err, &he) {
		if e, ok := echoErrors[he.Code]; ok {
			return e
		}
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return errTimeout
	}
	return errInternal
}

func (a *API) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	se := toStoreError(err)
	status := statusByKind[se.Kind]
	rid := requestID(c)
	if status >= 500 {
		a.log.Error("request failed", "request_id", rid, "route", c.Path(), "status", status, "err", err)
	}
	if se.Kind == store.KindUnavailable {
		c.Response().Header().Set("Retry-After", "1")
	}
	body := ErrorBody{Error: ErrorDetail{Code: se.Code, Message: se.Message, Field: se.Field, RequestID: rid}}
	if c.Request().Method == http.MethodHead {
		_ = c.NoContent(status)
		return
	}
	_ = c.JSON(status, body)
}
