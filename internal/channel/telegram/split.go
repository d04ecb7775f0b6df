package telegram

import (
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// Telegram's length limits. They are counted here in UTF-16 code units,
// the unit of Telegram's entity offsets: a text within the limit in UTF-16
// units is within it however Telegram counts characters (an emoji outside
// the BMP is two units but one character).
const (
	maxTextLen    = 4096 // sendMessage text, 1–4096 characters
	maxCaptionLen = 1024 // sendPhoto/sendDocument caption, 0–1024 characters
	maxAnswerLen  = 200  // answerCallbackQuery text, 0–200 characters
	maxCallback   = 64   // callback_data, 1–64 bytes
)

// textLen is s's length in UTF-16 code units.
func textLen(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// prefixWithin returns the byte length of the longest prefix of s that is
// at most limit UTF-16 units, never splitting a rune.
func prefixWithin(s string, limit int) int {
	n := 0
	for i, r := range s {
		n += utf16.RuneLen(r)
		if n > limit {
			return i
		}
	}
	return len(s)
}

// splitText cuts s into parts of at most limit UTF-16 units, preferring to
// cut between paragraphs, then lines, then sentences, then words, and only
// as a last resort inside a word. A paragraph, line or sentence boundary in
// the first half of a part is passed over for a weaker one further on, so
// parts come out long rather than tiny.
// Whitespace at the cuts is dropped: Telegram strips it anyway.
func splitText(s string, limit int) []string {
	s = strings.TrimSpace(s)
	var parts []string
	for s != "" {
		if textLen(s) <= limit {
			return append(parts, s)
		}
		w := prefixWithin(s, limit)
		cut := boundary(s[:w])
		if cut <= 0 {
			cut = w
		}
		if p := strings.TrimSpace(s[:cut]); p != "" {
			parts = append(parts, p)
		}
		s = strings.TrimSpace(s[cut:])
	}
	return parts
}

// boundary returns where to cut window, or 0 for no good boundary.
func boundary(window string) int {
	minCut := len(window) / 2
	if i := strings.LastIndex(window, "\n\n"); i >= minCut {
		return i
	}
	if i := strings.LastIndex(window, "\n"); i >= minCut {
		return i
	}
	best := -1
	for _, end := range []string{". ", "! ", "? ", "… ", ".\t", "!\t", "?\t"} {
		if i := strings.LastIndex(window, end); i >= 0 {
			_, size := utf8.DecodeRuneInString(window[i:])
			best = max(best, i+size)
		}
	}
	if best >= minCut {
		return best
	}
	// Any space, however early, beats cutting a word in two.
	return max(strings.LastIndexFunc(window, unicode.IsSpace), 0)
}

// truncate shortens s to at most limit UTF-16 units, marking the cut with
// an ellipsis.
func truncate(s string, limit int) string {
	if textLen(s) <= limit {
		return s
	}
	return strings.TrimSpace(s[:prefixWithin(s, limit-1)]) + "…"
}
