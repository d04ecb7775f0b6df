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
	f.Add("2026-11-24T09:30:00.5+01:00")
	f.Fuzz(func(t *testing.T, s string) {
		for _, parse := range []func(any) error{
			func(v any) error { _, err := scalar.UnmarshalUUID(v); return err },
			func(v any) error { _, err := scalar.UnmarshalInt64ID(v); return err },
			func(v any) error { _, err := scalar.UnmarshalDate(v); return err },
			func(v any) error { _, err := scalar.UnmarshalTime(v); return err },
		} {
			if err := parse(s); err != nil {
				if _, ok := apperror.As(err); !ok {
					t.Fatalf("%q: non-client error %v", s, err)
				}
			}
		}
	})
}

// A Time is RFC 3339 or INVALID_INPUT: never the zero time for "", never
// an internal error.
func TestUnmarshalTime(t *testing.T) {
	t.Parallel()
	got, err := scalar.UnmarshalTime("2026-11-24T09:30:00.5+01:00")
	require.NoError(t, err)
	require.Equal(t, "2026-11-24T08:30:00.5Z", got.UTC().Format("2006-01-02T15:04:05.999Z"))
	for _, bad := range []any{"yesterday", "", "2026-11-24", "2026-11-24 09:30:00", 42, nil, true} {
		_, err := scalar.UnmarshalTime(bad)
		ae, ok := apperror.As(err)
		require.True(t, ok, "%v: %v", bad, err)
		require.Equal(t, apperror.InvalidInput, ae.Code)
	}
}
