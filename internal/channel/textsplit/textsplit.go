// Package textsplit cuts a message text into parts that fit a platform's
// length limit, at natural breaks, without splitting a character: the
// channel adapters share it, each with its platform's way of counting.
package textsplit

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Measure is how a platform counts a text's length against its limit.
type Measure func(r rune) int

// UTF16 counts UTF-16 code units, like JavaScript's String.length and
// Telegram's entity offsets; it is never less than the rune count, so a
// text that fits here fits however the platform counts characters.
func UTF16(r rune) int {
	if r >= 0x10000 {
		return 2
	}
	return 1
}

// UTF8Bytes counts bytes (Instagram's limit is 1000 bytes).
func UTF8Bytes(r rune) int {
	if n := utf8.RuneLen(r); n > 0 {
		return n
	}
	return 3 // an invalid rune is sent as U+FFFD
}

// Len is s's length as m counts it.
func Len(s string, m Measure) int {
	n := 0
	for _, r := range s {
		n += m(r)
	}
	return n
}

// Split cuts s into parts that each fit limit, preferring, within the
// last half of each part, a paragraph break, then a line break, then the
// end of a sentence, then a space; then any space at all, since cutting a
// word in two is worse than a short part; only a single word longer than
// the limit is cut inside, and then never inside a rune or (as far as this simple
// check can tell) a grapheme cluster: combining marks, joiners, variation
// selectors, skin tones and flag pairs stay with their base. Whitespace at
// the cut points is dropped; a text that fits is returned unchanged.
func Split(s string, limit int, m Measure) []string {
	var parts []string
	for Len(s, m) > limit {
		end := Prefix(s, limit, m)
		cut := breakPoint(s, end)
		part := strings.TrimRightFunc(s[:cut], unicode.IsSpace)
		if part == "" {
			// Only whitespace fits before the break: cut hard instead.
			cut = safeCut(s, end)
			part = s[:cut]
		}
		parts = append(parts, part)
		s = strings.TrimLeftFunc(s[cut:], unicode.IsSpace)
	}
	if s != "" || len(parts) == 0 {
		parts = append(parts, s)
	}
	return parts
}

// Prefix returns the byte length of the longest prefix of s within
// limit, at a rune boundary, and at least one rune so splitting progresses.
func Prefix(s string, limit int, m Measure) int {
	n := 0
	for i, r := range s {
		n += m(r)
		if n > limit {
			if i == 0 {
				_, size := utf8.DecodeRuneInString(s)
				return size
			}
			return i
		}
	}
	return len(s)
}

// breakPoint returns where to end a part when s[:end] is the most that
// fits: at the last natural break in its second half, else a
// grapheme-safe hard cut at end.
func breakPoint(s string, end int) int {
	prefix := s[:end]
	half := len(prefix) / 2
	if i := strings.LastIndex(prefix, "\n\n"); i >= half && i > 0 {
		return i
	}
	if i := strings.LastIndexByte(prefix, '\n'); i >= half && i > 0 {
		return i
	}
	if i := lastSentenceEnd(prefix); i >= half && i > 0 {
		return i
	}
	if i := strings.LastIndexFunc(prefix, unicode.IsSpace); i > 0 {
		return i
	}
	return safeCut(s, end)
}

// Truncate shortens s to at most limit as m counts, marking the cut with
// an ellipsis (one unit in both measures).
func Truncate(s string, limit int, m Measure) string {
	if Len(s, m) <= limit {
		return s
	}
	if limit <= 1 {
		return "…"
	}
	end := safeCut(s, Prefix(s, limit-m('…'), m))
	return strings.TrimRightFunc(s[:end], unicode.IsSpace) + "…"
}

// lastSentenceEnd returns the index just after the last ".", "!", "?" or
// "…" that is followed by a space, or -1.
func lastSentenceEnd(s string) int {
	best := -1
	for i, r := range s {
		switch r {
		case '.', '!', '?', '…':
			j := i + utf8.RuneLen(r)
			if j < len(s) {
				next, _ := utf8.DecodeRuneInString(s[j:])
				if unicode.IsSpace(next) {
					best = j
				}
			}
		}
	}
	return best
}

// safeCut moves end back so that s[:end] does not split a grapheme
// cluster; when the whole prefix is one cluster it cuts at end anyway
// (after a rune boundary) rather than loop forever.
func safeCut(s string, end int) int {
	for e := end; e > 0; {
		next, _ := utf8.DecodeRuneInString(s[e:])
		prev, size := utf8.DecodeLastRuneInString(s[:e])
		if e == len(s) || !(extendsCluster(next) || prev == zwj || splitsFlag(s[:e], next)) {
			return e
		}
		e -= size
	}
	return end
}

const zwj = '\u200d'

// extendsCluster reports whether r belongs to the cluster before it.
func extendsCluster(r rune) bool {
	return r == zwj ||
		unicode.In(r, unicode.Mn, unicode.Me, unicode.Mc) ||
		(r >= 0xFE00 && r <= 0xFE0F) || // variation selectors
		(r >= 0x1F3FB && r <= 0x1F3FF) || // skin tone modifiers
		(r >= 0xE0020 && r <= 0xE007F) // tag characters (subdivision flags)
}

func isRegionalIndicator(r rune) bool { return r >= 0x1F1E6 && r <= 0x1F1FF }

// splitsFlag reports whether cutting between before and next would
// separate the two regional indicators of a flag.
func splitsFlag(before string, next rune) bool {
	if !isRegionalIndicator(next) {
		return false
	}
	n := 0
	for len(before) > 0 {
		r, size := utf8.DecodeLastRuneInString(before)
		if !isRegionalIndicator(r) {
			break
		}
		n++
		before = before[:len(before)-size]
	}
	return n%2 == 1
}
