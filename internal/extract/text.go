package extract

import (
	"unicode"
	"unicode/utf8"
)

// tokKind says what a token is made of.
type tokKind uint8

const (
	tkWord  tokKind = iota + 1 // letters, with inner hyphens and apostrophes
	tkNum                      // digits, with inner . , : / between digits
	tkPunct                    // any other single non-space rune
)

// token is one piece of the message. start and end are byte offsets into the
// original text; s is the lower-cased, diacritic-folded form the scanners
// compare against.
type token struct {
	start, end int
	s          string
	kind       tokKind
	space      bool // whitespace comes right before this token
	claimed    bool // already part of another entity
}

// maxTokens bounds the work done on one message; longer messages are read
// up to that many tokens (about 10-20 KB of text).
const maxTokens = 4096

// tokenize splits text into tokens. Digits of any script are rewritten as
// ASCII digits in token.s, so "٣" reads as "3".
func tokenize(text string) []token {
	toks := make([]token, 0, len(text)/4+4)
	buf := make([]byte, 0, len(text)+8)
	type span struct{ a, b int }
	spans := make([]span, 0, cap(toks))
	space := true
	i := 0
	for i < len(text) && len(toks) < maxTokens {
		r, n := utf8.DecodeRuneInString(text[i:])
		switch {
		case isSpace(r):
			space = true
			i += n
			continue
		case unicode.IsDigit(r):
			start, fs := i, len(buf)
			for i < len(text) {
				r, n := utf8.DecodeRuneInString(text[i:])
				if unicode.IsDigit(r) {
					buf = append(buf, digitByte(r))
					i += n
					continue
				}
				if r == '.' || r == ',' || r == ':' || r == '/' {
					if r2, _ := utf8.DecodeRuneInString(text[i+n:]); i+n < len(text) && unicode.IsDigit(r2) {
						buf = append(buf, byte(r))
						i += n
						continue
					}
				}
				break
			}
			toks = append(toks, token{start: start, end: i, kind: tkNum, space: space})
			spans = append(spans, span{fs, len(buf)})
		case unicode.IsLetter(r) || unicode.Is(unicode.Mn, r):
			start, fs := i, len(buf)
			for i < len(text) {
				r, n := utf8.DecodeRuneInString(text[i:])
				if unicode.IsLetter(r) || unicode.Is(unicode.Mn, r) {
					buf = appendFolded(buf, r)
					i += n
					continue
				}
				if r == '-' || r == '\'' || r == '’' || r == 'ʼ' {
					if i+n < len(text) {
						if r2, _ := utf8.DecodeRuneInString(text[i+n:]); unicode.IsLetter(r2) {
							if r == '-' {
								buf = append(buf, '-')
							} else {
								buf = append(buf, '\'')
							}
							i += n
							continue
						}
					}
				}
				break
			}
			toks = append(toks, token{start: start, end: i, kind: tkWord, space: space})
			spans = append(spans, span{fs, len(buf)})
		default:
			fs := len(buf)
			if r == '’' || r == 'ʼ' {
				r = '\''
			}
			if r == utf8.RuneError {
				buf = append(buf, '?')
			} else {
				buf = utf8.AppendRune(buf, r)
			}
			toks = append(toks, token{start: i, end: i + n, kind: tkPunct, space: space})
			spans = append(spans, span{fs, len(buf)})
			i += n
		}
		space = false
	}
	all := string(buf)
	for k := range toks {
		toks[k].s = all[spans[k].a:spans[k].b]
	}
	return toks
}

func isSpace(r rune) bool {
	return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\v' || r == '\f' ||
		r == 0xA0 || r == 0x202F || r == 0x2009 || r == 0x2007 || r == 0x200B || r == 0xFEFF ||
		(r > 0x7f && unicode.IsSpace(r))
}

// thinSpace reports whether s is one space-like rune, the separator allowed
// inside a number written in groups of three ("150 000").
func thinSpace(s string) bool {
	r, n := utf8.DecodeRuneInString(s)
	return n == len(s) && (r == ' ' || r == 0xA0 || r == 0x202F || r == 0x2009 || r == 0x2007)
}

func digitByte(r rune) byte {
	if r >= '0' && r <= '9' {
		return byte(r)
	}
	// Every Unicode decimal digit block is ten consecutive code points
	// starting at a multiple of 16 or at a zero the table knows; find it by
	// walking back to the digit whose predecessor is not a digit.
	z := r
	for z > 0 && unicode.IsDigit(z-1) && r-(z-1) <= 9 {
		z--
	}
	d := r - z
	if d < 0 || d > 9 {
		return '0'
	}
	return byte('0' + d)
}

// appendFolded appends r lower-cased with the diacritics people routinely
// leave out removed, so "Mañana", "manana" and "MAÑANA" compare equal.
func appendFolded(buf []byte, r rune) []byte {
	if unicode.Is(unicode.Mn, r) {
		return buf // combining marks, Arabic harakat
	}
	r = unicode.ToLower(r)
	switch r {
	case 'à', 'á', 'â', 'ã', 'ä', 'å', 'ā', 'ă', 'ą':
		r = 'a'
	case 'ç', 'ć', 'č':
		r = 'c'
	case 'è', 'é', 'ê', 'ë', 'ē', 'ę', 'ě':
		r = 'e'
	case 'ì', 'í', 'î', 'ï', 'ı', 'ī':
		r = 'i'
	case 'ñ', 'ń', 'ň':
		r = 'n'
	case 'ò', 'ó', 'ô', 'õ', 'ö', 'ø', 'ō', 'ő':
		r = 'o'
	case 'ù', 'ú', 'û', 'ü', 'ū', 'ů', 'ű':
		r = 'u'
	case 'ş', 'ś', 'š', 'ș':
		r = 's'
	case 'ğ':
		r = 'g'
	case 'ž', 'ź', 'ż':
		r = 'z'
	case 'ł':
		r = 'l'
	case 'ý', 'ÿ':
		r = 'y'
	case 'ё':
		r = 'е'
	case 'أ', 'إ', 'آ', 'ٱ':
		r = 'ا'
	case 'ى':
		r = 'ي'
	case 'ة':
		r = 'ه'
	case 'ـ': // tatweel
		return buf
	}
	return utf8.AppendRune(buf, r)
}

// fold lower-cases and folds a vocabulary word the way tokenize folds text.
func fold(s string) string {
	b := make([]byte, 0, len(s))
	for _, r := range s {
		if r == '’' || r == 'ʼ' {
			b = append(b, '\'')
			continue
		}
		b = appendFolded(b, r)
	}
	return string(b)
}

// phraseKey tokenises a vocabulary phrase and joins the folded tokens with
// single spaces: the form the scanners look phrases up by.
func phraseKey(s string) string {
	toks := tokenize(s)
	n := 0
	for _, t := range toks {
		n += len(t.s) + 1
	}
	b := make([]byte, 0, n)
	for k, t := range toks {
		if k > 0 {
			b = append(b, ' ')
		}
		b = append(b, t.s...)
	}
	return string(b)
}

// claim marks every token overlapping text[a:b] as claimed.
func claim(toks []token, a, b int) {
	for k := range toks {
		if toks[k].end > a && toks[k].start < b {
			toks[k].claimed = true
		}
	}
}

// anyClaimed reports whether a token overlapping text[a:b] is claimed.
func anyClaimed(toks []token, a, b int) bool {
	for k := range toks {
		if toks[k].end > a && toks[k].start < b && toks[k].claimed {
			return true
		}
	}
	return false
}
