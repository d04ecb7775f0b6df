package extract

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// cityIndex maps a folded city phrase (tokens joined by one space) to its
// canonical name, indexed by first token like the phrase tables.
type cityIndex struct {
	t *phraseTable[cityVal]
	// groups maps every key to the keys of the same city, so a configured
	// city picks up all the spellings of the built-in one it names.
	groups map[string][]string
}

// cityVal is what a spelling names: the canonical city and whether the
// spelling only counts in capitals.
type cityVal struct {
	name string
	caps bool
}

var builtinCityIndex = buildBuiltinCities()

func buildBuiltinCities() *cityIndex {
	idx := &cityIndex{t: newPhraseTable[cityVal](nil), groups: map[string][]string{}}
	for _, line := range strings.Split(builtinCities, "\n") {
		names := strings.Split(strings.TrimSpace(line), "|")
		if len(names) == 0 || names[0] == "" {
			continue
		}
		canon := names[0]
		var keys []string
		caps := map[string]bool{}
		for _, n := range names {
			if a, ok := strings.CutPrefix(n, "^"); ok {
				caps[phraseKey(a)] = true
				n = a
			}
			keys = append(keys, cityForms(n)...)
		}
		for _, k := range keys {
			if _, dup := idx.groups[k]; dup {
				continue // the first city to claim a spelling keeps it
			}
			idx.groups[k] = keys
			idx.t.add(cityVal{name: canon, caps: caps[k]}, k)
		}
	}
	return idx
}

// cityForms returns the phrase keys for a name: the name itself and, for a
// Cyrillic name, its usual Russian and Ukrainian case forms on the last
// word ("Москва" -> "москвы", "москве", "москву", "москвой").
func cityForms(name string) []string {
	key := phraseKey(name)
	if key == "" {
		return nil
	}
	forms := []string{key}
	sp := strings.LastIndexByte(key, ' ')
	head, last := key[:sp+1], key[sp+1:]
	// "ростов-на-дону": inflect the first part of a hyphenated name with a
	// preposition inside; otherwise the last part.
	tail := ""
	if k := strings.Index(last, "-на-"); k > 0 {
		last, tail = last[:k], last[k:]
	}
	r, _ := utf8.DecodeLastRuneInString(last)
	if !unicode.Is(unicode.Cyrillic, r) || utf8.RuneCountInString(last) < 3 {
		return forms
	}
	stem := last[:len(last)-utf8.RuneLen(r)]
	var ends []string
	switch r {
	case 'а':
		ends = []string{"ы", "и", "е", "у", "ой", "ою", "і"}
	case 'я':
		ends = []string{"и", "е", "ю", "ей", "і"}
	case 'ь':
		ends = []string{"и", "ью", "я", "е", "ю", "ем", "і"}
	case 'й':
		ends = []string{"я", "е", "ю", "ем"}
	case 'о', 'е', 'и', 'ы', 'у', 'ю', 'э', 'і', 'ї', 'є':
		return forms // Сочи, Кемерово, Алматы: not declined
	default:
		stem = last
		ends = []string{"а", "у", "е", "ом", "і", "ові"}
	}
	for _, e := range ends {
		forms = append(forms, head+stem+e+tail)
	}
	return forms
}

// customCities caches the index built for one organisation's extra
// cities, keyed by the list itself; bounded so many distinct lists cannot
// grow it without end.
var customCities sync.Map // string -> *phraseTable[string]

const maxCustomCityLists = 256

var customCount struct {
	sync.Mutex
	n int
}

func customCityIndex(cities []string) *phraseTable[string] {
	if len(cities) == 0 {
		return nil
	}
	key := strings.Join(cities, "\x00")
	if v, ok := customCities.Load(key); ok {
		return v.(*phraseTable[string])
	}
	t := newPhraseTable[string](nil)
	for _, c := range cities {
		c = strings.TrimSpace(c)
		if c == "" {
			continue
		}
		forms := cityForms(c)
		// An organisation that writes "Киев" gets "Киев" back for every
		// spelling of that built-in city: "Kyiv", "в Києві".
		if len(forms) > 0 {
			if g, ok := builtinCityIndex.groups[forms[0]]; ok {
				forms = append(forms, g...)
			}
		}
		for _, f := range forms {
			if _, _, dup := matchKey(t, f); !dup {
				t.add(c, f)
			}
		}
	}
	customCount.Lock()
	if customCount.n < maxCustomCityLists {
		customCount.n++
		customCities.Store(key, t)
	}
	customCount.Unlock()
	return t
}

func matchKey(t *phraseTable[string], key string) (string, int, bool) {
	parts := strings.Split(key, " ")
	for _, e := range t.first[parts[0]] {
		if equalStrings(e.rest, parts[1:]) {
			return e.val, len(parts), true
		}
	}
	return "", 0, false
}

// findCity returns the first city named in the unclaimed tokens: the
// organisation's own list first, then the built-in one, longest name first
// at each position.
func findCity(text string, toks []token, custom *phraseTable[string]) string {
	for i := range toks {
		if toks[i].kind != tkWord || toks[i].claimed {
			continue
		}
		// Inside a word ("Moskvich") never matches: phrases are whole tokens.
		if custom != nil {
			if v, _, ok := custom.match(toks, i); ok {
				return v
			}
		}
		if v, _, ok := builtinCityIndex.t.match(toks, i); ok {
			// Abbreviations ("LA", "SF", "NYC", "СПб") only with two
			// capitals, so "la", "La" and "sp" stay words.
			if v.caps && !twoCapitals(text[toks[i].start:toks[i].end]) {
				continue
			}
			return v.name
		}
	}
	return ""
}

// twoCapitals reports whether s has at least two upper-case letters.
func twoCapitals(s string) bool {
	n := 0
	for _, r := range s {
		if unicode.IsUpper(r) {
			n++
		}
	}
	return n >= 2
}
