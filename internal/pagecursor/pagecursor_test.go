package pagecursor_test

import (
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"frontdesk/internal/apperror"
	"frontdesk/internal/pagecursor"
)

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 11, 24, 10, 0, 0, 123456000, time.UTC)
	id := uuid.New()
	c := pagecursor.Encode("c", at, id)
	gotT, gotID, err := pagecursor.Decode("c", c)
	require.NoError(t, err)
	require.True(t, at.Equal(gotT))
	require.Equal(t, id, gotID)
	_, _, err = pagecursor.Decode("l", c)
	require.ErrorIs(t, err, apperror.ErrInvalidInput, "a cursor of another list")
}

func TestDecodeRejects(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"", "!!", "YzoxOg", "YzoxOjI", "eDp4Ong", string(make([]byte, 200))} {
		_, _, err := pagecursor.Decode("c", s)
		require.ErrorIs(t, err, apperror.ErrInvalidInput, "%q", s)
	}
}

func FuzzDecode(f *testing.F) {
	f.Add(pagecursor.Encode("c", time.Unix(0, 0), uuid.Nil))
	f.Add("YzoxOjI")
	f.Fuzz(func(t *testing.T, s string) {
		at, id, err := pagecursor.Decode("c", s)
		if err == nil && pagecursor.Encode("c", at, id) == "" {
			t.Fatal("decoded a cursor that does not encode")
		}
	})
}
