package lead

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxParsed bounds the text the parsers read; a lead's answer is short.
const maxParsed = 4 << 10

// clip cuts text to maxParsed bytes on a rune boundary and makes it valid
// UTF-8.
func clip(text string) string {
	if len(text) > maxParsed {
		cut := maxParsed
		for cut > 0 && !utf8.RuneStart(text[cut]) {
			cut--
		}
		text = text[:cut]
	}
	if !utf8.ValidString(text) {
		text = strings.ToValidUTF8(text, "\uFFFD")
	}
	return text
}

// lower lower-cases s rune by rune, keeping every rune's byte length (a
// rune whose lower case is longer or shorter stays as it is) and folding ё
// into е, so byte offsets in the result are offsets in s.
func lower(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		l := unicode.ToLower(r)
		if l == 'ё' {
			l = 'е'
		}
		if utf8.RuneLen(l) != utf8.RuneLen(r) {
			l = r
		}
		b.WriteRune(l)
	}
	return b.String()
}

// word is one word of a lower-cased text with its byte offsets.
type word struct {
	s          string
	start, end int
}

func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
}

// splitWords returns the words (letters, digits and combining marks) of a
// lower-cased text.
func splitWords(low string) []word {
	var out []word
	start := -1
	for i, r := range low {
		if isWordRune(r) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			out = append(out, word{low[start:i], start, i})
			start = -1
		}
	}
	if start >= 0 {
		out = append(out, word{low[start:], start, len(low)})
	}
	return out
}

// normalize is text as space-separated lower-case words with a space at
// each end, for whole-word matching with strings.Contains.
func normalize(text string) string {
	ws := splitWords(lower(text))
	if len(ws) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteByte(' ')
	for _, w := range ws {
		b.WriteString(w.s)
		b.WriteByte(' ')
	}
	return b.String()
}

// hasPrefixWord reports whether the normalised phrase k starts a word of
// the normalised text norm.
func hasPrefixWord(norm, k string) bool {
	return strings.Contains(norm, " "+strings.TrimSpace(k))
}

// phrase is a vocabulary entry: words matched in sequence, the last one
// only as a prefix when the entry ends in "*".
type phrase struct {
	words  []string
	prefix bool
}

// phrases compiles vocabulary entries.
func phrases(entries ...string) []phrase {
	out := make([]phrase, 0, len(entries))
	for _, e := range entries {
		p := phrase{}
		if strings.HasSuffix(e, "*") {
			p.prefix = true
			e = strings.TrimSuffix(e, "*")
		}
		for _, w := range splitWords(lower(e)) {
			p.words = append(p.words, w.s)
		}
		if len(p.words) > 0 {
			out = append(out, p)
		}
	}
	return out
}

// span is a byte range of the text.
type span struct{ start, end int }

// match returns where p occurs in ws, starting at word i.
func (p phrase) matchAt(ws []word, i int) (span, bool) {
	if i+len(p.words) > len(ws) {
		return span{}, false
	}
	for k, pw := range p.words {
		w := ws[i+k].s
		last := k == len(p.words)-1
		if w != pw && !(last && p.prefix && strings.HasPrefix(w, pw)) {
			return span{}, false
		}
	}
	return span{ws[i].start, ws[i+len(p.words)-1].end}, true
}

// findAll returns every occurrence of any of ps in ws, in text order.
func findAll(ws []word, ps []phrase) []span {
	var out []span
	for i := range ws {
		for _, p := range ps {
			if s, ok := p.matchAt(ws, i); ok {
				out = append(out, s)
				break
			}
		}
	}
	return out
}

// contains reports whether any of ps occurs in ws.
func contains(ws []word, ps []phrase) bool {
	for i := range ws {
		for _, p := range ps {
			if _, ok := p.matchAt(ws, i); ok {
				return true
			}
		}
	}
	return false
}

// clauses splits text at sentence and clause punctuation (a comma or point
// between digits, as in "3,000" or "1.5", does not split).
func clauses(text string) []span {
	var out []span
	start := 0
	prev := rune(0)
	for i, r := range text {
		cut := false
		switch r {
		case ';', '!', '?', '\n', '\r', '•', '…', '،', '؛', '؟', '。', '¿', '¡':
			cut = true
		case ',', '.':
			next, _ := utf8.DecodeRuneInString(text[i+1:])
			cut = !(unicode.IsDigit(prev) && unicode.IsDigit(next))
		}
		if cut {
			if i > start {
				out = append(out, span{start, i})
			}
			start = i + utf8.RuneLen(r)
		}
		prev = r
	}
	if start < len(text) {
		out = append(out, span{start, len(text)})
	}
	return out
}

// wordsIn returns the words of ws inside s.
func wordsIn(ws []word, s span) []word {
	var out []word
	for _, w := range ws {
		if w.start >= s.start && w.end <= s.end {
			out = append(out, w)
		}
	}
	return out
}

// trimClause trims spaces, punctuation and dashes from both ends.
func trimClause(s string) string {
	return strings.TrimFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsPunct(r) || unicode.IsSymbol(r)
	})
}

// letters counts the letters of s.
func letters(s string) int {
	n := 0
	for _, r := range s {
		if unicode.IsLetter(r) {
			n++
		}
	}
	return n
}
