package media

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestDecodeSHA256(t *testing.T) {
	t.Parallel()
	sum := sha256.Sum256([]byte("file"))
	for _, tc := range []struct {
		in string
		ok bool
	}{
		{hex.EncodeToString(sum[:]), true},
		{"  " + hex.EncodeToString(sum[:]) + "\n", true},
		{base64.StdEncoding.EncodeToString(sum[:]), true},
		{base64.RawStdEncoding.EncodeToString(sum[:]), true},
		{base64.URLEncoding.EncodeToString(sum[:]), true},
		{"", false},
		{"q1Vn3v9Yb7m0k2ZtR8xWc4pE6sH1uJ5dL0aF2gK9TQ", false}, // 31 bytes
		{hex.EncodeToString(sum[:16]), false},
		{"not a hash at all", false},
	} {
		got, ok := decodeSHA256(tc.in)
		require.Equal(t, tc.ok, ok, tc.in)
		if ok {
			require.Equal(t, sum[:], got, tc.in)
		}
	}
}

// The fixture's hash (whatsapp/image_message.json) is base64 of 32 bytes.
func TestDecodeSHA256OfTheFixture(t *testing.T) {
	t.Parallel()
	_, ok := decodeSHA256("q1Vn3v9Yb7m0k2ZtR8xWc4pE6sH1uJ5dL0aF2gK9TQo=")
	require.True(t, ok)
}

func FuzzDecodeSHA256(f *testing.F) {
	f.Add("q1Vn3v9Yb7m0k2ZtR8xWc4pE6sH1uJ5dL0aF2gK9TQo=")
	f.Add("4f3a")
	f.Fuzz(func(t *testing.T, s string) {
		if b, ok := decodeSHA256(s); ok && len(b) != sha256.Size {
			t.Fatalf("%q decoded to %d bytes", s, len(b))
		}
	})
}
