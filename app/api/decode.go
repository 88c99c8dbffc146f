package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"unicode/utf8"

	"globalstack/app/store"
)

func malformed(code, format string, a ...any) *requestError {
	return &requestError{Kind: kindMalformed, Code: code, Message: fmt.Sprintf(format, a...)}
}

// DecodeJSON strictly decodes a JSON request body into v: exactly one JSON value, no unknown
// fields, no trailing data. Each failure maps to its own error code.
func DecodeJSON(r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return errUnsupportedMedia
		}
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return errTooLarge
		}
		return malformed("unreadable_body", "the request body could not be read")
	}
	return decodeBytes(body, v)
}

func decodeBytes(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return malformed("empty_body", "the request body is empty; send a JSON object")
	}
	// encoding/json replaces invalid bytes with U+FFFD; a body must arrive as sent or not at all.
	if !utf8.Valid(body) {
		valid := len(body)
		for i := 0; i < len(body); {
			r, size := utf8.DecodeRune(body[i:])
			if r == utf8.RuneError && size == 1 {
				valid = i
				break
			}
			i += size
		}
		return malformed("invalid_utf8", "the body is not valid UTF-8 (invalid byte at offset %d)", valid)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var syn *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case errors.As(err, &syn):
			return malformed("malformed_json", "the body is not valid JSON (error at byte %d)", syn.Offset)
		case errors.As(err, &typ):
			field := typ.Field
			if field == "" {
				return malformed("malformed_json", "the body must be a JSON object")
			}
			return store.Invalid(field, "%s must be %s, not %s", field, jsonType(typ.Type.Kind().String()), typ.Value)
		case errors.Is(err, io.ErrUnexpectedEOF):
			return malformed("malformed_json", "the body ends in the middle of a JSON value")
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			name := strings.TrimPrefix(err.Error(), "json: unknown field ")
			e := malformed("unknown_field", "unknown field %s", name)
			e.Field = strings.Trim(name, `"`)
			return e
		default:
			return malformed("malformed_json", "the body is not valid JSON")
		}
	}
	if dec.More() {
		return malformed("malformed_json", "the body must contain a single JSON value")
	}
	if _, err := dec.Token(); err != io.EOF {
		return malformed("malformed_json", "unexpected data after the JSON value")
	}
	return nil
}

func jsonType(kind string) string {
	switch kind {
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64":
		return "an integer"
	case "float32", "float64":
		return "a number"
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "slice", "array":
		return "an array"
	case "map", "struct":
		return "an object"
	}
	return "a different type"
}
