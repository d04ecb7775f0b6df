package classify

import (
	"strings"
	"unicode/utf8"
)

// lexEntry is one folded lexicon phrase.
type lexEntry struct {
	words  []string
	prefix []bool // word i matches any word starting with words[i]
	cat    category
}

// lexicon indexes entries by their first word (or stem).
type lexicon struct {
	entries []lexEntry
	byFirst map[string][]int
}

func compileLexicon() *lexicon {
	lx := &lexicon{byFirst: map[string][]int{}}
	var t text
	type source struct {
		cat     category
		phrases string
	}
	var sources []source
	for _, src := range lexiconSource {
		sources = append(sources, source{src.cat, src.phrases})
	}
	for _, src := range conceptSource {
		sources = append(sources, source{src.cat, src.phrases})
	}
	for _, src := range sources {
		for _, phrase := range strings.Split(src.phrases, "|") {
			phrase = strings.TrimSpace(phrase)
			if phrase == "" {
				continue
			}
			var e lexEntry
			e.cat = src.cat
			for _, w := range strings.Fields(phrase) {
				pre := strings.HasSuffix(w, "*")
				w = strings.TrimSuffix(w, "*")
				t.analyse(w)
				for i := range t.words {
					e.words = append(e.words, string(t.word(i)))
					e.prefix = append(e.prefix, false)
				}
				if pre && len(e.prefix) > 0 {
					e.prefix[len(e.prefix)-1] = true
				}
			}
			if len(e.words) == 0 {
				continue
			}
			lx.byFirst[e.words[0]] = append(lx.byFirst[e.words[0]], len(lx.entries))
			lx.entries = append(lx.entries, e)
		}
	}
	return lx
}

// match returns the categories of all entries found in t.
func (lx *lexicon) match(t *text) category {
	var found category
	for i := range t.words {
		w := t.word(i)
		// Try every rune-boundary prefix of the word as a first word or stem.
		for end := len(w); end > 0; {
			for _, ei := range lx.byFirst[string(w[:end])] {
				e := &lx.entries[ei]
				if found&e.cat != 0 {
					continue
				}
				if end != len(w) && !e.prefix[0] {
					continue
				}
				if lx.rest(t, i, e) {
					found |= e.cat
				}
			}
			_, size := utf8.DecodeLastRune(w[:end])
			end -= size
		}
	}
	return found
}

// rest checks words 1.. of e against the words following position i.
func (lx *lexicon) rest(t *text, i int, e *lexEntry) bool {
	for k := 1; k < len(e.words); k++ {
		if i+k >= len(t.words) {
			return false
		}
		w := t.word(i + k)
		if e.prefix[k] {
			if !strings.HasPrefix(string(w), e.words[k]) {
				return false
			}
		} else if string(w) != e.words[k] {
			return false
		}
	}
	return true
}

// expensiveAmount reports whether the raw message mentions a sum that makes an
// order dispute worth a human at once: about 500 EUR or more. Amounts are a
// run of digits (groups may be separated by spaces, dots or commas) with a
// currency sign or word next to it, and an optional thousands multiplier
// (k, к, тыс, mil, bin, ألف).
func expensiveAmount(s string) bool {
	if len(s) > maxInput {
		s = s[:maxInput]
	}
	low := strings.ToLower(s)
	for i := 0; i < len(low); {
		if low[i] < '0' || low[i] > '9' {
			i++
			continue
		}
		j := i
		val := 0.0
		for j < len(low) {
			c := low[j]
			if c >= '0' && c <= '9' {
				if val < 1e12 {
					val = val*10 + float64(c-'0')
				}
				j++
				continue
			}
			// A separator followed by exactly three digits continues the number.
			if (c == ' ' || c == '.' || c == ',') && j+3 < len(low)+1 && threeDigits(low, j+1) {
				j++
				continue
			}
			if strings.HasPrefix(low[j:], "\u00a0") && threeDigits(low, j+2) {
				j += 2
				continue
			}
			break
		}
		before := low[max(0, i-8):i]
		after := strings.TrimLeft(low[j:], " \u00a0")
		mult := 1.0
		for _, m := range []string{"k", "к", "тыс", "mil", "bin", "ألف"} {
			if strings.HasPrefix(after, m) {
				mult = 1000
				after = strings.TrimLeft(after[len(m):], " .\u00a0")
				break
			}
		}
		amount := val * mult
		if limit, ok := currencyLimit(before, after); ok && amount >= limit {
			return true
		}
		i = j
	}
	return false
}

func threeDigits(s string, at int) bool {
	if at+3 > len(s) {
		return false
	}
	for k := at; k < at+3; k++ {
		if s[k] < '0' || s[k] > '9' {
			return false
		}
	}
	return at+3 == len(s) || s[at+3] < '0' || s[at+3] > '9'
}

// currencyLimit returns the amount (in that currency) from which a dispute
// counts as expensive.
func currencyLimit(before, after string) (float64, bool) {
	limits := []struct {
		marks []string
		limit float64
	}{
		{[]string{"₽", "руб", "р.", "rub", "rur"}, 50000},
		{[]string{"₴", "грн", "uah"}, 20000},
		{[]string{"₺", "tl", "try", "lira"}, 20000},
		{[]string{"r$", "reais", "real", "brl"}, 3000},
		{[]string{"ريال", "sar", "درهم", "aed"}, 2000},
		{[]string{"$", "€", "£", "usd", "eur", "gbp", "dollar", "euro", "долл", "евро"}, 500},
	}
	for _, l := range limits {
		for _, m := range l.marks {
			if strings.HasPrefix(after, m) || strings.HasSuffix(strings.TrimRight(before, " \u00a0"), m) {
				return l.limit, true
			}
		}
	}
	return 0, false
}
