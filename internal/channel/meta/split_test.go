package meta

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

func TestSplitText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		text  string
		limit int
		m     measure
		want  []string
	}{
		{"fits", "  Привет  ", 10, utf16Units, []string{"  Привет  "}},
		{"empty", "", 10, utf16Units, []string{""}},
		{"paragraph first", "Один два.\n\nТри четыре пять", 20, utf16Units, []string{"Один два.", "Три четыре пять"}},
		{"line break", "aaaa bbbb\ncccc dddd", 12, utf16Units, []string{"aaaa bbbb", "cccc dddd"}},
		{"sentence before a later space", "One two three. Four five six", 20, utf16Units, []string{"One two three.", "Four five six"}},
		{"word", "alpha beta gamma delta", 12, utf16Units, []string{"alpha beta", "gamma delta"}},
		{"long word cut hard", "abcdefghij", 4, utf16Units, []string{"abcd", "efgh", "ij"}},
		{"emoji counts two utf16 units", "😀😀😀", 4, utf16Units, []string{"😀😀", "😀"}},
		{"bytes for instagram", "ЖЖЖЖ", 5, utf8Bytes, []string{"ЖЖ", "ЖЖ"}},
		{"combining mark stays with its letter", "abce\u0301d", 4, utf16Units, []string{"abc", "e\u0301d"}},
		{"flag pair is not split", "a🇷🇺🇷🇺", 5, utf16Units, []string{"a🇷🇺", "🇷🇺"}},
		{"zwj sequence is not split", "ab👩‍💻", 5, utf16Units, []string{"ab", "👩‍💻"}},
		{"skin tone stays", "abc👍🏽", 5, utf16Units, []string{"abc", "👍🏽"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := splitText(tt.text, tt.limit, tt.m)
			require.Equal(t, tt.want, got)
		})
	}
}

func FuzzSplitText(f *testing.F) {
	f.Add("Доставка по Москве стоит 350 ₽.\n\nСпасибо! 👩‍💻🇷🇺", 7)
	f.Add("abce\u0301d", 4)
	f.Fuzz(func(t *testing.T, s string, limit int) {
		if limit < 4 || limit > 5000 || !utf8.ValidString(s) {
			return
		}
		for _, m := range []measure{utf16Units, utf8Bytes} {
			parts := splitText(s, limit, m)
			var joined []string
			for _, p := range parts {
				if textLen(p, m) > limit {
					t.Fatalf("part %q over %d", p, limit)
				}
				if !utf8.ValidString(p) {
					t.Fatalf("part %q is not UTF-8", p)
				}
				joined = append(joined, strings.Fields(p)...)
			}
			// Cutting inside a word may split it, so compare the letters.
			if strings.Join(joined, "") != strings.Join(strings.Fields(s), "") {
				t.Fatalf("text changed: %q -> %q", s, parts)
			}
		}
	})
}
