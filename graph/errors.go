package graph

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"runtime/debug"

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
			gqlErr.Message = ae.Message
			setCode(gqlErr, string(ae.Code))
			if ae.Field != "" {
				gqlErr.Extensions["field"] = ae.Field
			}
			if ae.RetryAfter > 0 {
				gqlErr.Extensions["retryAfter"] = int(math.Ceil(ae.RetryAfter.Seconds()))
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
