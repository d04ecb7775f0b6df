package classify

import (
	"unicode"
	"unicode/utf8"
)

// text is the analysis of one message shared by the language detector, the
// intent model and the rules. It is built in one pass over the input.
//
// Two normalised forms are kept, each a sequence of words separated by single
// spaces with a leading and trailing space:
//   - lang: lower-cased letters as written (diacritics kept), apostrophes kept
//     inside words; digits and everything else separate words. It feeds the
//     language model, which needs ё/і/ñ/ß and friends.
//   - fold: lower-cased, diacritics and letter variants folded (é→e, ё→е,
//     أ→ا, ß→ss), digits mapped to '0' so "15:00" and "10:30" look alike. It
//     feeds the intent model and the lexicons, so typing without accents or
//     with a different order number changes nothing.
type text struct {
	lang  []byte
	fold  []byte
	words []span // words of fold
	syms  []rune // meaningful non-letters: ? ! # % currency signs, emoji

	letters, latin, cyrillic, arabic, other int
	upper                                   int
	ukOnly, ruOnly                          int // і ї є ґ versus ы э ъ ё
	digits                                  int
	maxExclRun                              int
	spanishMarks                            bool // ¿ or ¡
}

type span struct{ start, end int }

func (t *text) reset() {
	t.lang = append(t.lang[:0], ' ')
	t.fold = append(t.fold[:0], ' ')
	t.words = t.words[:0]
	t.syms = t.syms[:0]
	t.letters, t.latin, t.cyrillic, t.arabic, t.other = 0, 0, 0, 0, 0
	t.upper, t.ukOnly, t.ruOnly, t.digits, t.maxExclRun = 0, 0, 0, 0, 0
	t.spanishMarks = false
}

// maxInput bounds the work per message; longer input is cut (at a rune
// boundary) because the first few kilobytes decide the classification.
const maxInput = 4096

func (t *text) analyse(s string) {
	t.reset()
	if len(s) > maxInput {
		cut := maxInput
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut]
	}
	inLang, inFold := false, false
	exclRun := 0
	for _, r := range s {
		if r == '!' {
			exclRun++
			if exclRun > t.maxExclRun {
				t.maxExclRun = exclRun
			}
		} else if !unicode.IsSpace(r) {
			exclRun = 0
		}
		switch {
		case unicode.IsLetter(r):
			t.countLetter(r)
			lr := lower(r)
			t.lang = utf8.AppendRune(t.lang, lr)
			inLang = true
			if !inFold {
				t.words = append(t.words, span{start: len(t.fold)})
				inFold = true
			}
			t.fold = appendFolded(t.fold, lr)
		case unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Me, r) || r == 0x200D || r == 0x0640:
			// Combining marks (decomposed accents, Arabic harakat), the zero
			// width joiner inside emoji and the Arabic tatweel do not break words.
		case unicode.IsDigit(r):
			t.digits++
			if inLang {
				t.lang = append(t.lang, ' ')
				inLang = false
			}
			if !inFold {
				t.words = append(t.words, span{start: len(t.fold)})
				inFold = true
			}
			t.fold = append(t.fold, '0')
		case r == '\'' || r == '’' || r == 'ʼ' || r == '`':
			// Kept inside words for language detection (c'est, п'ять), a word
			// break for intent (l'ordine -> l ordine).
			if inLang {
				t.lang = append(t.lang, '\'')
			}
			if inFold {
				t.endWord()
				inFold = false
			}
		default:
			switch {
			case r == '?' || r == '؟' || r == '¿' || r == '¡' || r == '!' || r == '#' || r == '%' || r == '№':
				t.addSym(r)
			case unicode.Is(unicode.Sc, r) || unicode.Is(unicode.So, r):
				t.addSym(r)
			}
			if inLang {
				t.lang = append(t.lang, ' ')
				inLang = false
			}
			if inFold {
				t.endWord()
				inFold = false
			}
		}
	}
	if inLang {
		t.lang = append(t.lang, ' ')
	}
	if inFold {
		t.endWord()
	}
	if len(t.fold) == 1 {
		t.fold = append(t.fold, ' ')
	}
	if len(t.lang) == 1 {
		t.lang = append(t.lang, ' ')
	}
}

func (t *text) endWord() {
	t.words[len(t.words)-1].end = len(t.fold)
	t.fold = append(t.fold, ' ')
}

func (t *text) addSym(r rune) {
	if r == '¿' || r == '¡' {
		t.spanishMarks = true
	}
	if r == '؟' || r == '¿' {
		r = '?'
	}
	if len(t.syms) < 32 {
		t.syms = append(t.syms, r)
	}
}

func (t *text) countLetter(r rune) {
	t.letters++
	if unicode.IsUpper(r) {
		t.upper++
	}
	switch {
	case r < 0x250 && r >= 'A':
		t.latin++
	case r >= 0x400 && r < 0x530:
		t.cyrillic++
		switch r {
		case 'і', 'ї', 'є', 'ґ', 'І', 'Ї', 'Є', 'Ґ':
			t.ukOnly++
		case 'ы', 'э', 'ъ', 'ё', 'Ы', 'Э', 'Ъ', 'Ё':
			t.ruOnly++
		}
	case (r >= 0x600 && r < 0x700) || (r >= 0x750 && r < 0x780) || (r >= 0xFB50 && r < 0xFE00) || (r >= 0xFE70 && r < 0xFF00):
		t.arabic++
	case r >= 0x1E00 && r < 0x1F00: // Latin Extended Additional (Vietnamese etc.)
		t.latin++
	default:
		t.other++
	}
}

func (t *text) word(i int) []byte { return t.fold[t.words[i].start:t.words[i].end] }

// lower lower-cases without the Turkish special cases getting in the way:
// İ becomes a plain i (strings.ToLower would give i + combining dot).
func lower(r rune) rune {
	if r == 'İ' {
		return 'i'
	}
	return unicode.ToLower(r)
}

// appendFolded appends the folded form of the lower-case letter r.
func appendFolded(b []byte, r rune) []byte {
	if r < 0x80 {
		return append(b, byte(r))
	}
	if f, ok := foldMap[r]; ok {
		return append(b, f...)
	}
	return utf8.AppendRune(b, r)
}

// foldMap removes diacritics of the Latin letters used by the built-in
// languages and unifies Cyrillic and Arabic letter variants that people
// write interchangeably.
var foldMap = func() map[rune]string {
	m := map[rune]string{}
	add := func(to string, from string) {
		for _, r := range from {
			m[r] = to
		}
	}
	add("a", "áàâäãåāăą")
	add("c", "çćč")
	add("e", "éèêëēėęě")
	add("i", "íìîïīįı")
	add("n", "ñńň")
	add("o", "óòôöõøō")
	add("u", "úùûüūůű")
	add("y", "ýÿ")
	add("s", "śšş")
	add("z", "źżž")
	add("g", "ğ")
	add("l", "ł")
	add("ss", "ß")
	add("oe", "œ")
	add("ae", "æ")
	add("е", "ё")
	add("и", "й")
	add("ا", "أإآٱ")
	add("ي", "ىی")
	add("ه", "ة")
	add("ك", "ک")
	return m
}()
