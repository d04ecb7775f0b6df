// Package apperror is the small vocabulary of failures that every domain
// package returns and the GraphQL error presenter turns into
// extensions.code. Anything that is not an *Error is internal: logged, and
// shown to clients only as "internal error".
package apperror

import (
	"errors"
	"fmt"
	"time"
)

// Code is a client-visible error class.
type Code string

// The codes a client may see.
const (
	Unauthenticated Code = "UNAUTHENTICATED"
	Forbidden       Code = "FORBIDDEN"
	NotFound        Code = "NOT_FOUND"
	InvalidInput    Code = "INVALID_INPUT"
	Conflict        Code = "CONFLICT"
	RateLimited     Code = "RATE_LIMITED"
	// Unavailable means a dependency (the database) cannot be reached
	// right now: the same request may succeed later. HTTP answers it 503
	// with Retry-After.
	Unavailable Code = "UNAVAILABLE"
	Internal    Code = "INTERNAL"
)

// RetryAfterSeconds is the Retry-After, in seconds, that HTTP answers
// carry with UNAVAILABLE: long enough for a restarting database, short
// enough that platforms and clients come back soon.
const RetryAfterSeconds = 5

// Error is a failure whose message is safe to show to the caller.
type Error struct {
	Code    Code
	Message string
	// Field names the input field at fault, for INVALID_INPUT.
	Field string
	// RetryAfter says when to try again, for RATE_LIMITED (shown to
	// clients as extensions.retryAfter, whole seconds).
	RetryAfter time.Duration
	// cause is the failure behind the error, for errors.Is/As and logs;
	// it is never shown to the caller.
	cause error
}

func (e *Error) Error() string { return e.Message }

// Unwrap returns the cause, if any.
func (e *Error) Unwrap() error { return e.cause }

// Is matches any *Error with the same code, so errors.Is(err,
// apperror.ErrNotFound) works for every not-found error.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Message == "" && t.Code == e.Code
}

// Sentinels for errors.Is checks; they carry no message.
var (
	ErrUnauthenticated = &Error{Code: Unauthenticated}
	ErrForbidden       = &Error{Code: Forbidden}
	ErrNotFound        = &Error{Code: NotFound}
	ErrInvalidInput    = &Error{Code: InvalidInput}
	ErrConflict        = &Error{Code: Conflict}
	ErrUnavailable     = &Error{Code: Unavailable}
)

// New returns an *Error with a formatted message.
func New(code Code, format string, a ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, a...)}
}

// Wrap returns an *Error with code and message whose cause is err: the
// caller sees the message, errors.Is and errors.As still reach err.
func Wrap(err error, code Code, message string) *Error {
	return &Error{Code: code, Message: message, cause: err}
}

// Invalid returns an INVALID_INPUT error about one input field.
func Invalid(field, format string, a ...any) *Error {
	return &Error{Code: InvalidInput, Field: field, Message: fmt.Sprintf(format, a...)}
}

// NotFoundf returns a NOT_FOUND error.
func NotFoundf(format string, a ...any) *Error { return New(NotFound, format, a...) }

// As returns the *Error inside err, if any.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}
