package graph

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strconv"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"frontdesk/internal/apperror"
)

// presentError is the one place errors become GraphQL errors. Domain errors
// keep their safe message and code; GraphQL's own parse, validation and limit
// errors keep theirs; anything else is logged and shown only as "internal
// error", so internal text never leaks.
func presentError(log *slog.Logger) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		gqlErr := graphql.DefaultErrorPresenter(ctx, err)
		if ae, ok := apperror.As(err); ok {
			if ae.Code == apperror.Unavailable {
				// An outage, not a fault of this request: a warning with
				// the driver's error, which the client never sees.
				cause := ""
				if c := errors.Unwrap(ae); c != nil {
					cause = c.Error()
				}
				log.WarnContext(ctx, "graphql: database unavailable", slog.String("error", err.Error()), slog.String("cause", cause), slog.Any("path", gqlErr.Path))
			}
			gqlErr.Message = ae.Message
			setCode(gqlErr, string(ae.Code))
			if ae.Field != "" {
				gqlErr.Extensions["field"] = ae.Field
			}
			return gqlErr
		}
		var raw *gqlerror.Error
		if errors.As(err, &raw) && raw.Err == nil {
			// Produced by the GraphQL machinery itself (parser, validator,
			// limits): its message is about the query, not our internals.
			if _, ok := gqlErr.Extensions["code"]; !ok {
				setCode(gqlErr, "INVALID_INPUT")
			}
			return gqlErr
		}
		if errors.Is(err, context.Canceled) {
			// The client went away; nobody reads this and it is not a fault.
			gqlErr.Message = "request cancelled"
			setCode(gqlErr, string(apperror.Internal))
			return gqlErr
		}
		if errors.Is(err, context.DeadlineExceeded) {
			gqlErr.Message = "request timed out"
			setCode(gqlErr, string(apperror.Internal))
			return gqlErr
		}
		log.ErrorContext(ctx, "graphql internal error", slog.String("error", err.Error()), slog.Any("path", gqlErr.Path))
		gqlErr.Message = "internal error"
		gqlErr.Extensions = nil
		setCode(gqlErr, string(apperror.Internal))
		return gqlErr
	}
}

// unavailableOnly reports whether every error of a response (and there is
// at least one) is UNAVAILABLE: the request failed only because the
// database could not be reached, and the HTTP transport answers it 503 with
// Retry-After, so that clients and proxies retry it as they would any 503.
func unavailableOnly(errs gqlerror.List) bool {
	for _, e := range errs {
		if e.Extensions["code"] != string(apperror.Unavailable) {
			return false
		}
	}
	return len(errs) > 0
}

// retryAfter is the Retry-After header of an UNAVAILABLE response.
var retryAfter = strconv.Itoa(apperror.RetryAfterSeconds)

func setCode(e *gqlerror.Error, code string) {
	if e.Extensions == nil {
		e.Extensions = map[string]any{}
	}
	e.Extensions["code"] = code
}

// recoverPanic turns a resolver panic into an internal error with the stack
// in the log, never in the response.
func recoverPanic(log *slog.Logger) graphql.RecoverFunc {
	return func(ctx context.Context, p any) error {
		log.ErrorContext(ctx, "graphql panic", slog.Any("panic", p), slog.String("stack", string(debug.Stack())))
		return fmt.Errorf("panic: %v", p)
	}
}
