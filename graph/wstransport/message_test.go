package wstransport

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

func TestParseMessage(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name    string
		in      string
		wantErr bool
	}{
		{"init", `{"type":"connection_init"}`, false},
		{"init with payload", `{"type":"connection_init","payload":{"a":1}}`, false},
		{"init with null payload", `{"type":"connection_init","payload":null}`, false},
		{"ping with payload", `{"type":"ping","payload":{"a":1}}`, false},
		{"pong", `{"type":"pong"}`, false},
		{"subscribe", `{"type":"subscribe","id":"1","payload":{"query":"{ a }","variables":{"n":1}}}`, false},
		{"persisted query", `{"type":"subscribe","id":"1","payload":{"query":"","extensions":{"persistedQuery":{"sha256Hash":"x"}}}}`, false},
		{"complete", `{"type":"complete","id":"1"}`, false},
		{"garbage", `{`, true},
		{"null", `null`, true},
		{"no type", `{}`, true},
		{"unknown type", `{"type":"connection_terminate"}`, true},
		{"subscribe null payload", `{"type":"subscribe","id":"1","payload":null}`, true},
		{"subscribe null query", `{"type":"subscribe","id":"1","payload":{"query":null}}`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m, err := parseMessage([]byte(tt.in))
			if tt.wantErr {
				var pe *protocolError
				require.True(t, errors.As(err, &pe), "err = %v", err)
				require.NotEmpty(t, pe.Reason)
				return
			}
			require.NoError(t, err)
			if m.Type == typeSubscribe {
				require.NotNil(t, m.params)
			}
		})
	}
}

func TestParseSubscribeKeepsLargeIntegers(t *testing.T) {
	t.Parallel()
	m, err := parseMessage([]byte(`{"type":"subscribe","id":"1","payload":{"query":"{ a }","variables":{"n":9007199254740993}}}`))
	require.NoError(t, err)
	require.Equal(t, "9007199254740993", m.params.Variables["n"].(interface{ String() string }).String())
}

func TestCloseReason(t *testing.T) {
	t.Parallel()
	require.Equal(t, "short", closeReason("short"))

	long := "Subscriber for " + strings.Repeat("é", 100) + " already exists"
	got := closeReason(long)
	require.LessOrEqual(t, len(got), maxCloseReason)
	require.True(t, utf8.ValidString(got))
	require.True(t, strings.HasPrefix(long, got))
}

func FuzzParseMessage(f *testing.F) {
	for _, s := range []string{
		`{"type":"connection_init","payload":{}}`,
		`{"type":"subscribe","id":"1","payload":{"query":"{ a }"}}`,
		`{"type":"complete","id":"1"}`,
		`{"type":"ping"}`,
		`[]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := parseMessage(data)
		if err != nil {
			var pe *protocolError
			if !errors.As(err, &pe) || pe.Reason == "" || len(pe.Reason) > maxCloseReason {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		switch m.Type {
		case typeSubscribe:
			if m.ID == "" || m.params == nil {
				t.Fatalf("accepted subscribe without id or params: %q", data)
			}
		case typeComplete:
			if m.ID == "" {
				t.Fatalf("accepted complete without id: %q", data)
			}
		case typeConnectionInit, typePing, typePong:
		default:
			t.Fatalf("accepted type %q", m.Type)
		}
	})
}
