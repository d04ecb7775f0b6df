package secretbox_test

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"testing"

	"github.com/stretchr/testify/require"

	"frontdesk/internal/secretbox"
)

func newBox(t *testing.T) *secretbox.Box {
	t.Helper()
	key := make([]byte, secretbox.KeySize)
	_, _ = rand.Read(key)
	b, err := secretbox.New(key)
	require.NoError(t, err)
	return b
}

func TestSealOpen(t *testing.T) {
	t.Parallel()
	b := newBox(t)
	sealed := b.Seal([]byte(`{"accessToken":"EAAG..."}`), []byte("row-1"))
	require.False(t, bytes.Contains(sealed, []byte("EAAG")))
	pt, err := b.Open(sealed, []byte("row-1"))
	require.NoError(t, err)
	require.Equal(t, `{"accessToken":"EAAG..."}`, string(pt))
	// Two seals of the same value differ (fresh nonce).
	require.NotEqual(t, sealed, b.Seal([]byte(`{"accessToken":"EAAG..."}`), []byte("row-1")))
}

func TestOpenRejects(t *testing.T) {
	t.Parallel()
	b := newBox(t)
	sealed := b.Seal([]byte("secret"), []byte("row-1"))
	flipped := bytes.Clone(sealed)
	flipped[len(flipped)-1] ^= 1
	tests := map[string]struct {
		box    *secretbox.Box
		sealed []byte
		bound  string
	}{
		"other row":   {b, sealed, "row-2"},
		"tampered":    {b, flipped, "row-1"},
		"other key":   {newBox(t), sealed, "row-1"},
		"truncated":   {b, sealed[:10], "row-1"},
		"empty":       {b, nil, "row-1"},
		"bad version": {b, append([]byte{9}, sealed[1:]...), "row-1"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := tt.box.Open(tt.sealed, []byte(tt.bound))
			require.ErrorIs(t, err, secretbox.ErrDecrypt)
		})
	}
}

func TestParseKey(t *testing.T) {
	t.Parallel()
	key := bytes.Repeat([]byte{7}, 32)
	for _, s := range []string{hex.EncodeToString(key), base64.StdEncoding.EncodeToString(key), base64.RawURLEncoding.EncodeToString(key)} {
		got, err := secretbox.ParseKey(s)
		require.NoError(t, err)
		require.Equal(t, key, got)
	}
	for _, s := range []string{"", "short", hex.EncodeToString(key[:16])} {
		_, err := secretbox.ParseKey(s)
		require.Error(t, err)
	}
	_, err := secretbox.New(key[:16])
	require.Error(t, err)
}

func FuzzOpen(f *testing.F) {
	key := bytes.Repeat([]byte{1}, 32)
	b, _ := secretbox.New(key)
	f.Add(b.Seal([]byte("x"), []byte("r")), []byte("r"))
	f.Add([]byte{1, 2, 3}, []byte(""))
	f.Fuzz(func(t *testing.T, sealed, bound []byte) {
		pt, err := b.Open(sealed, bound)
		if err == nil && !bytes.Equal(b.Seal(pt, bound)[:1], []byte{1}) {
			t.Fatal("opened value does not reseal")
		}
	})
}
