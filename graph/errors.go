package graph

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
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
			field := ae.Field
			if field == "" && ae.Code == apperror.InvalidInput {
				field = argumentField(ctx, gqlErr.Path)
			}
			if field != "" {
				gqlErr.Extensions["field"] = field
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

// argumentField names the argument a scalar's coercion error is about.
// Scalars (Time, Date) do not know which argument they parse; gqlgen puts
// the argument's path (its name, input fields, list indexes) after the
// field's own path in the error's path.
func argumentField(ctx context.Context, path ast.Path) string {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil {
		return ""
	}
	own := fc.Path()
	if len(path) <= len(own) {
		return ""
	}
	for i := range own {
		if path[i] != own[i] {
			return ""
		}
	}
	return inputFieldName(path[len(own):])
}

// inputFieldName writes a path inside a field's arguments as clients see it
// in extensions.field: "text", "filter.text", "priceList[0].name". The
// argument named input is left out, as every service names its fields
// relative to it ("whatsapp.wabaId", not "input.whatsapp.wabaId").
func inputFieldName(path ast.Path) string {
	var b strings.Builder
	for i, el := range path {
		switch el := el.(type) {
		case ast.PathName:
			if i == 0 && el == "input" && len(path) > 1 {
				continue
			}
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(string(el))
		case ast.PathIndex:
			fmt.Fprintf(&b, "[%d]", int(el))
		}
	}
	return b.String()
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
