// Package scalar marshals Frontdesk's GraphQL scalars. IDs are UUIDs; an ID
// that is not one names no object, so it fails as NOT_FOUND, never as an
// internal error.
package scalar

import (
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

// MarshalInt64ID writes a numeric id (event ids) as an ID.
func MarshalInt64ID(id int64) graphql.Marshaler { return graphql.MarshalInt64(id) }

// UnmarshalInt64ID reads a numeric ID.
func UnmarshalInt64ID(v any) (int64, error) {
	n, err := graphql.UnmarshalInt64(v)
	if err != nil {
		return 0, apperror.NotFoundf("no object with that id")
	}
	return n, nil
}
