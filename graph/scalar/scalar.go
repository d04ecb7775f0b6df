// Package scalar marshals Frontdesk's GraphQL scalars. IDs are UUIDs; an ID
// that is not one names no object, so it fails as NOT_FOUND, never as an
// internal error.
package scalar

import (
	"strconv"

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
