// Package scalar marshals Frontdesk's GraphQL scalars. IDs are UUIDs; an ID
// that is not one names no object, so it fails as NOT_FOUND, never as an
// internal error.
package scalar

import (
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

// MarshalDate writes a civil day as YYYY-MM-DD. The day is read in UTC,
// the shape PostgreSQL date columns are scanned in (midnight UTC).
func MarshalDate(t time.Time) graphql.Marshaler {
	return graphql.MarshalString(t.UTC().Format(time.DateOnly))
}

// UnmarshalDate reads a YYYY-MM-DD argument as that day's midnight UTC.
func UnmarshalDate(v any) (time.Time, error) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, apperror.Invalid("date", "a date must be a string like 2025-03-01")
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, apperror.Invalid("date", "%q is not a date like 2025-03-01", truncate(s, 32))
	}
	return t, nil
}
