package textsplit

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

func TestSplit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		text  string
		limit int
		m     Measure
		want  []string
	}{
		{"fits", "  Привет  ", 10, UTF16, []string{"  Привет  "}},
		{"empty", "", 10, UTF16, []string{""}},
		{"paragraph first", "Один два.\n\nТри четыре пять", 20, UTF16, []string{"Один два.", "Три четыре пять"}},
		{"line break", "aaaa bbbb\ncccc dddd", 12, UTF16, []string{"aaaa bbbb", "cccc dddd"}},
		{"sentence before a later space", "One two three. Four five six", 20, UTF16, []string{"One two three.", "Four five six"}},
		{"word", "alpha beta gamma delta", 12, UTF16, []string{"alpha beta", "gamma delta"}},
		{"long word cut hard", "abcdefghij", 4, UTF16, []string{"abcd", "efgh", "ij"}},
		{"emoji counts two utf16 units", "😀😀😀", 4, UTF16, []string{"😀😀", "😀"}},
		{"bytes for instagram", "ЖЖЖЖ", 5, UTF8Bytes, []string{"ЖЖ", "ЖЖ"}},
		{"combining mark stays with its letter", "abce\u0301d", 4, UTF16, []string{"abc", "e\u0301d"}},
		{"flag pair is not split", "a🇷🇺🇷🇺", 5, UTF16, []string{"a🇷🇺", "🇷🇺"}},
		{"zwj sequence is not split", "ab👩‍💻", 5, UTF16, []string{"ab", "👩‍💻"}},
		{"skin tone stays", "abc👍🏽", 5, UTF16, []string{"abc", "👍🏽"}},
		{"early paragraph passed over for a later space", "aa\n\nbbb ccc ddd", 12, UTF16, []string{"aa\n\nbbb ccc", "ddd"}},
		{"an early space beats cutting a word", "a. bbbbbbbbbbbbbbbbbbbb", 10, UTF16, []string{"a.", "bbbbbbbbbb", "bbbbbbbbbb"}},
		{"no boundary: hard cut on runes", "ЖЖЖЖЖЖЖЖЖЖЖЖ", 5, UTF16, []string{"ЖЖЖЖЖ", "ЖЖЖЖЖ", "ЖЖ"}},
		{"emoji are two units and never split", "😀😀😀", 3, UTF16, []string{"😀", "😀", "😀"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := Split(tt.text, tt.limit, tt.m)
			require.Equal(t, tt.want, got)
		})
	}
}

func FuzzSplit(f *testing.F) {
	f.Add("Доставка по Москве стоит 350 ₽.\n\nСпасибо! 👩‍💻🇷🇺", 7)
	f.Add("abce\u0301d", 4)
	f.Fuzz(func(t *testing.T, s string, limit int) {
		if limit < 4 || limit > 5000 || !utf8.ValidString(s) {
			return
		}
		for _, m := range []Measure{UTF16, UTF8Bytes} {
			parts := Split(s, limit, m)
			var joined []string
			for _, p := range parts {
				if Len(p, m) > limit {
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

func TestTruncate(t *testing.T) {
	t.Parallel()
	require.Equal(t, "short", Truncate("short", 10, UTF16))
	require.Equal(t, "Привет…", Truncate("Привет, мир", 7, UTF16))
	require.Equal(t, "ab…", Truncate("ab 👩‍💻", 4, UTF16), "a joined emoji is dropped whole")
	require.LessOrEqual(t, Len(Truncate(strings.Repeat("😀", 300), 200, UTF16), UTF16), 200)
}
