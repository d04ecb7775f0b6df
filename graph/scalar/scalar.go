// Package scalar marshals Frontdesk's GraphQL scalars. IDs are UUIDs; an ID
// that is not one names no object, so it fails as NOT_FOUND, never as an
// internal error.
package scalar

import (
	"fmt"
	"strconv"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/google/uuid"

	"frontdesk/internal/apperror"
)

// MarshalUUID writes a UUID as an ID.
func MarshalUUID(id uuid.UUID) graphql.Marshaler { return graphql.MarshalUUID(id) }

// UnmarshalUUID reads an ID argument.
func UnmarshalUUID(v any) (uuid.UUID, error) {
	s, ok := v.(string)
	if !ok {
		return uuid.Nil, apperror.Invalid("id", "an ID must be a string")
	}
	id, err := uuid.Parse(s)
	if err != nil || len(s) != 36 {
		return uuid.Nil, apperror.NotFoundf("no object with id %q", truncate(s, 64))
	}
	return id, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// MarshalInt64ID writes a numeric id (event ids) as an ID, which the
// GraphQL spec serialises as a string.
func MarshalInt64ID(id int64) graphql.Marshaler {
	return graphql.MarshalString(strconv.FormatInt(id, 10))
}

// UnmarshalInt64ID reads a numeric ID given as a string or an integer.
func UnmarshalInt64ID(v any) (int64, error) {
	if s, ok := v.(string); ok {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return n, nil
		}
		return 0, apperror.NotFoundf("no object with id %q", truncate(s, 64))
	}
	n, err := graphql.UnmarshalInt64(v)
	if err != nil {
		return 0, apperror.NotFoundf("no object with that id")
	}
	return n, nil
}

// MarshalTime writes a timestamp as RFC 3339 with nanoseconds, null for
// the zero time (as gqlgen's own Time does).
func MarshalTime(t time.Time) graphql.Marshaler { return graphql.MarshalTime(t) }

// UnmarshalTime reads an RFC 3339 timestamp argument. Anything else is the
// client's mistake, INVALID_INPUT (gqlgen's own Time fails with an error the
// presenter can only treat as internal, and accepts "" as the zero time).
// The error names no field: the presenter names it from the argument's
// path, which only the caller knows.
func UnmarshalTime(v any) (time.Time, error) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, &apperror.Error{Code: apperror.InvalidInput, Message: "a time must be an RFC 3339 string like 2025-03-01T09:30:00Z"}
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, &apperror.Error{Code: apperror.InvalidInput,
			Message: fmt.Sprintf("%q is not an RFC 3339 time like 2025-03-01T09:30:00Z", truncate(s, 40))}
	}
	return t, nil
}

// MarshalDate writes a civil day as YYYY-MM-DD. The day is read in UTC,
// the shape PostgreSQL date columns are scanned in (midnight UTC).
func MarshalDate(t time.Time) graphql.Marshaler {
	return graphql.MarshalString(t.UTC().Format(time.DateOnly))
}

// UnmarshalDate reads a YYYY-MM-DD argument as that day's midnight UTC.
func UnmarshalDate(v any) (time.Time, error) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, &apperror.Error{Code: apperror.InvalidInput, Message: "a date must be a string like 2025-03-01"}
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, &apperror.Error{Code: apperror.InvalidInput, Message: fmt.Sprintf("%q is not a date like 2025-03-01", truncate(s, 32))}
	}
	return t, nil
}
