package llm

import (
	"maps"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

func TestNumbers(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		in   string
		want []string
	}{
		{"no digits", nil},
		{"30 000 ₽", []string{"30000"}},
		{"30\u00a0000\u00a0₽", []string{"30000"}},
		{"₽30,000", []string{"30000"}},
		{"30.000 €", []string{"30000"}},
		{"30\u202f000,50 €", []string{"30000.50"}},
		{"$30,000.50", []string{"30000.50"}},
		{"1,234,567", []string{"1234567"}},
		{"1 250 000 ₸", []string{"1250000"}},
		{"0,500 kg", []string{"0.500"}},
		{"1.5 kg", []string{"1.5"}},
		{"Tue, Nov 25, 11:00", []string{"25", "11:00"}},
		{"25 ноября 11:00", []string{"25", "11:00"}},
		{"09:05 or 9:05", []string{"9:05"}},
		{"00:30", []string{"0:30"}},
		{"25.11.2025", []string{"25.11.2025"}},
		{"2025-11-25", []string{"2025", "11", "25"}},
		{"10-20 or 10–20", []string{"10", "20"}},
		{"order 007", []string{"007"}},
		{"+7 (999) 123-45-67", []string{"7", "999", "123", "45", "67"}},
		{"+7 999 123 45 67", []string{"7999123", "45", "67"}},
		{"٣٠٠٠٠ ريال", []string{"30000"}},
		{"Call 2, 3 or 4", []string{"2", "3", "4"}},
		{"1 2 3", []string{"1", "2", "3"}},
		{"25 30 000", []string{"25", "30000"}},
	} {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got := slices.Sorted(maps.Keys(numbers(tt.in)))
			want := slices.Clone(tt.want)
			slices.Sort(want)
			if want == nil {
				want = []string{}
			}
			if got == nil {
				got = []string{}
			}
			require.Equal(t, want, got)
		})
	}
}

func TestValidateReword(t *testing.T) {
	t.Parallel()
	const draft = "From 30 000 ₽. Slot: Tue, Nov 25, 11:00. Pay at https://example.com/pay or write to desk@example.com."
	for _, tt := range []struct {
		name  string
		out   string
		facts []string
		ok    bool
	}{
		{"same", draft, nil, true},
		{"reworded", "Prices start at 30 000 ₽! We can see you on Tue, Nov 25 at 11:00. You can pay at example.com/pay, or e-mail desk@example.com.", nil, true},
		{"regrouped", "From 30,000 ₽. Slot: Nov 25, 11:00. Pay at https://example.com/pay, desk@example.com.", nil, true},
		{"price changed", strings.Replace(draft, "30 000", "25 000", 1), nil, false},
		{"price dropped", strings.Replace(draft, "30 000 ₽", "a fair price", 1), nil, false},
		{"phone added", draft + " Or call 8 800 555-35-35.", nil, false},
		{"phone from facts", draft + " Or call 8 800 555-35-35.", []string{"phone 8 800 555-35-35"}, true},
		{"URL added", draft + " See www.example.org.", nil, false},
		{"URL from facts", draft + " See www.example.org.", []string{"site: example.org"}, true},
		{"e-mail changed", strings.Replace(draft, "desk@", "sales@", 1), nil, false},
		{"e-mail dropped", strings.Replace(draft, " or write to desk@example.com", "", 1), nil, false},
		{"currency symbol added", draft + " ($330)", nil, false},
		{"new number", draft + " Only 3 slots left!", nil, false},
		{"new number in facts", draft + " Only 3 slots left!", []string{"3 slots left"}, true},
		{"digits in other script", strings.Replace(draft, "30 000", "٣٠ ٠٠٠", 1), nil, true},
		{"too long", draft + strings.Repeat("!", utf8.RuneCountInString(draft)+201), nil, false},
		{"invalid UTF-8", draft + "\xff", nil, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := validateReword(draft, tt.out, tt.facts)
			if tt.ok {
				require.NoError(t, err)
			} else {
				require.ErrorIs(t, err, ErrInvalidOutput)
			}
		})
	}
}

func FuzzValidateReword(f *testing.F) {
	for _, s := range [][3]string{
		{draftRU, draftRU, ""},
		{"From 30 000 ₽", "From 25 000 ₽", "price 30 000"},
		{"Tue, Nov 25, 11:00", "вт, 25 ноября, 09:00", ""},
		{"+7 (999) 123-45-67", "call +79991234567", "8 800 555-35-35"},
		{"https://example.com/pay", "HTTPS://WWW.EXAMPLE.COM/PAY.", "desk@example.com"},
		{"٣٠٠٠٠ ريال", "30000 SAR", ""},
		{"1.2.3.4.5", "1,2,3,4,5", "1 2 3 4 5"},
		{"", "\xff\xfe", "\x00"},
		{"9::9", "::", "0:0:0"},
	} {
		f.Add(s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, src, out, fact string) {
		err := validateReword(src, out, []string{fact})
		if err != nil {
			require.ErrorIs(t, err, ErrInvalidOutput)
		}
		// A text always passes as its own rewording.
		if utf8.ValidString(src) && strings.TrimSpace(src) != "" {
			require.NoError(t, validateReword(src, src, nil), "src %q", src)
		}
	})
}
