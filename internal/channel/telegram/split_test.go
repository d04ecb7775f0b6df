package telegram

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSplitText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		text  string
		limit int
		want  []string
	}{
		{"fits", "  hello  ", 10, []string{"hello"}},
		{"empty", " \n ", 10, nil},
		{"paragraph first", "One two.\n\nThree four five", 16, []string{"One two.", "Three four five"}},
		{"sentence before word", "Aaaa bbb. Cccc ddd eee", 16, []string{"Aaaa bbb.", "Cccc ddd eee"}},
		{"word", "aaaa bbbb cccc dddd", 12, []string{"aaaa bbbb", "cccc dddd"}},
		{"early paragraph passed over for a later space", "aa\n\nbbb ccc ddd", 12, []string{"aa\n\nbbb ccc", "ddd"}},
		{"an early space beats cutting a word", "a. bbbbbbbbbbbbbbbbbbbb", 10, []string{"a.", "bbbbbbbbbb", "bbbbbbbbbb"}},
		{"no boundary: hard cut on runes", "ЖЖЖЖЖЖЖЖЖЖЖЖ", 5, []string{"ЖЖЖЖЖ", "ЖЖЖЖЖ", "ЖЖ"}},
		{"emoji are two units and never split", "😀😀😀", 3, []string{"😀", "😀", "😀"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, splitText(tt.text, tt.limit))
		})
	}
}

// FuzzSplitText checks that any text an agent types splits into parts
// within the limit that lose no words.
func FuzzSplitText(f *testing.F) {
	f.Add("One two.\n\nThree four five", 7)
	f.Add("😀 Жж a.b! c? d… e", 3)
	f.Fuzz(func(t *testing.T, s string, limit int) {
		if limit < 2 || limit > 5000 {
			return
		}
		parts := splitText(s, limit)
		for _, p := range parts {
			if p == "" || textLen(p) > limit {
				t.Fatalf("part %q of %d units, limit %d", p, textLen(p), limit)
			}
		}
		if strings.Join(strings.Fields(strings.Join(parts, "")), "") != strings.Join(strings.Fields(s), "") {
			t.Fatalf("text changed: %q -> %q", s, parts)
		}
	})
}
