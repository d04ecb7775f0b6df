package scalar_test

import (
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"frontdesk/graph/scalar"
	"frontdesk/internal/apperror"
)

func TestUnmarshalUUID(t *testing.T) {
	t.Parallel()
	id := uuid.New()
	got, err := scalar.UnmarshalUUID(id.String())
	require.NoError(t, err)
	require.Equal(t, id, got)
	for _, bad := range []any{"nope", "", 42, nil, id.String() + "x", "{" + id.String() + "}"} {
		_, err := scalar.UnmarshalUUID(bad)
		require.Error(t, err, "%v", bad)
		_, ok := apperror.As(err)
		require.True(t, ok, "a client error, never an internal one")
	}
}

// IDs and dates come from clients: parsing never panics and only ever fails
// with a client error.
func FuzzScalars(f *testing.F) {
	f.Add("01a20b08-ec64-7af2-8c4f-57af8f0884ff")
	f.Add("2026-11-24")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		for _, parse := range []func(any) error{
			func(v any) error { _, err := scalar.UnmarshalUUID(v); return err },
			func(v any) error { _, err := scalar.UnmarshalInt64ID(v); return err },
			func(v any) error { _, err := scalar.UnmarshalDate(v); return err },
		} {
			if err := parse(s); err != nil {
				if _, ok := apperror.As(err); !ok {
					t.Fatalf("%q: non-client error %v", s, err)
				}
			}
		}
	})
}
