package channel

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxErrorNote is the longest Account.LastError, in characters.
const MaxErrorNote = 500

// ErrorNote makes text fit Account.LastError, which admins read: control
// characters (NUL, which PostgreSQL cannot store, included) become spaces,
// runs of spaces collapse, and text longer than MaxErrorNote characters is
// cut on a character boundary and ends with "…" (cutting at a byte count
// could split a character, and PostgreSQL refuses the invalid UTF-8 that
// leaves, losing the note altogether). Every writer of last_error passes
// its text through here; what the text says is the writer's concern: a
// fixed description or a platform's own words, never our internal errors.
func ErrorNote(text string) string {
	text = strings.ToValidUTF8(text, "\uFFFD")
	var b strings.Builder
	space := false
	for _, r := range text {
		if unicode.IsControl(r) || unicode.IsSpace(r) {
			space = b.Len() > 0
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	out := b.String()
	if utf8.RuneCountInString(out) <= MaxErrorNote {
		return out
	}
	cut, n := 0, 0
	for i := range out {
		if n == MaxErrorNote-1 {
			cut = i
			break
		}
		n++
	}
	return out[:cut] + "…"
}
