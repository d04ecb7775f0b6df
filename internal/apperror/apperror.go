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
	Internal        Code = "INTERNAL"
)

// Error is a failure whose message is safe to show to the caller.
type Error struct {
	Code    Code
	Message string
	// Field names the input field at fault, for INVALID_INPUT.
	Field string
	// RetryAfter says when to try again, for RATE_LIMITED (shown to
	// clients as extensions.retryAfter, whole seconds).
	RetryAfter time.Duration
}

func (e *Error) Error() string { return e.Message }

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
)

// New returns an *Error with a formatted message.
func New(code Code, format string, a ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, a...)}
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
