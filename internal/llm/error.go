package llm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"
)

// ErrInvalidOutput is returned when the model's answer is not usable: not
// JSON of the requested shape, an unknown label or language, a confidence
// outside 0..1, a refused or truncated answer, an oversized response, or a
// text that changes, drops or adds a fact. The wrapping error says which.
var ErrInvalidOutput = errors.New("llm: invalid output")

// ErrTimeout is returned when a call does not finish within the client's
// Timeout (or the caller's earlier deadline). It wraps
// context.DeadlineExceeded.
var ErrTimeout = fmt.Errorf("llm: timeout: %w", context.DeadlineExceeded)

// HTTPError is a response with a non-2xx status, or a 2xx response whose
// body is an API error. Type, Code and Message come from the OpenAI error
// shape {"error":{"message","type","code"}} when the server used it.
type HTTPError struct {
	StatusCode int
	Type       string
	Code       string
	// Message is the server's message, cut to a few hundred bytes.
	Message string
}

func (e *HTTPError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "llm: HTTP %d", e.StatusCode)
	if t := http.StatusText(e.StatusCode); t != "" {
		b.WriteString(" " + t)
	}
	if e.Code != "" {
		b.WriteString(" (" + e.Code + ")")
	} else if e.Type != "" {
		b.WriteString(" (" + e.Type + ")")
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	return b.String()
}

// Temporary reports whether retrying later may succeed: rate limits,
// timeouts and server errors.
func (e *HTTPError) Temporary() bool {
	return e.StatusCode == http.StatusTooManyRequests || e.StatusCode == http.StatusRequestTimeout || e.StatusCode >= 500
}

// maxMessageBytes cuts the server's error message.
const maxMessageBytes = 300

// newHTTPError reads the OpenAI error shape from body when it is there.
func newHTTPError(status int, body []byte) *HTTPError {
	e := &HTTPError{StatusCode: status}
	var env errorEnvelope
	if json.Unmarshal(body, &env) == nil && env.Error != nil {
		e.Type = env.Error.Type
		e.Code = rawCode(env.Error.Code)
		e.Message = env.Error.Message
	}
	e.Message = truncate(strings.TrimSpace(e.Message), maxMessageBytes)
	return e
}

// rawCode renders the "code" field, which providers send as a string, a
// number or null.
func rawCode(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return n.String()
	}
	return ""
}

// truncate cuts s to at most n bytes on a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s + "…"
}

// invalid wraps ErrInvalidOutput with the reason.
func invalid(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidOutput, fmt.Sprintf(format, a...))
}
