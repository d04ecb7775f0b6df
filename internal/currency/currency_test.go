package currency_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"frontdesk/internal/currency"
)

func TestNormalize(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want string
		ok   bool
	}{
		{"EUR", "EUR", true},
		{"eur", "EUR", true},
		{" chf ", "CHF", true},
		{"RUB", "RUB", true},
		{"XOF", "XOF", true}, // a real currency that starts with X
		{"ZZZ", "", false},
		{"ABC", "", false},
		{"XXX", "", false}, // "no currency"
		{"XTS", "", false}, // testing
		{"XAU", "", false}, // gold
		{"EU", "", false},
		{"EURO", "", false},
		{"E\x00R", "", false},
		{"ЕUR", "", false}, // a Cyrillic Е
		{"", "", false},
	} {
		got, ok := currency.Normalize(tc.in)
		require.Equal(t, tc.ok, ok, "%q", tc.in)
		require.Equal(t, tc.want, got, "%q", tc.in)
	}
	require.True(t, currency.Valid("USD"))
	require.False(t, currency.Valid("usd"))
	require.False(t, currency.Valid("ZZZ"))
}
