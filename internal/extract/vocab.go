package extract

import "strings"

// A phrase table maps a folded phrase (one or more tokens) to what it means.
// Lookups start from the first token and try the longer phrases first, with
// no allocation: the table is indexed by the first token's folded form.

type phraseEntry[V any] struct {
	rest []string // the folded tokens after the first
	val  V
}

type phraseTable[V any] struct {
	first map[string][]phraseEntry[V]
	merge func(old, add V) V
}

func newPhraseTable[V any](merge func(old, add V) V) *phraseTable[V] {
	return &phraseTable[V]{first: map[string][]phraseEntry[V]{}, merge: merge}
}

// add registers each phrase (written naturally: "на следующей неделе",
// "p.m.") with the value v. Keys are folded like the text, so "mañana"
// also matches "manana".
func (t *phraseTable[V]) add(v V, phrases ...string) {
	for _, p := range phrases {
		key := phraseKey(p)
		if key == "" {
			continue
		}
		parts := strings.Split(key, " ")
		list := t.first[parts[0]]
		found := false
		for k := range list {
			if equalStrings(list[k].rest, parts[1:]) {
				if t.merge != nil {
					list[k].val = t.merge(list[k].val, v)
				}
				found = true
				break
			}
		}
		if !found {
			list = append(list, phraseEntry[V]{rest: parts[1:], val: v})
			// Longest first, so the first match is the longest.
			for k := len(list) - 1; k > 0 && len(list[k].rest) > len(list[k-1].rest); k-- {
				list[k], list[k-1] = list[k-1], list[k]
			}
		}
		t.first[parts[0]] = list
	}
}

// match returns the value and the number of tokens of the longest phrase
// starting at toks[i]. Phrases never span claimed tokens.
func (t *phraseTable[V]) match(toks []token, i int) (V, int, bool) {
	var zero V
	if i < 0 || i >= len(toks) || toks[i].claimed {
		return zero, 0, false
	}
	list, ok := t.first[toks[i].s]
	if !ok {
		// "aralık'ta", "15'te": try the word without a Turkish case suffix.
		if k := strings.IndexByte(toks[i].s, '\''); k > 0 && toks[i].kind == tkWord {
			list, ok = t.first[toks[i].s[:k]]
		}
		if !ok {
			return zero, 0, false
		}
	}
next:
	for _, e := range list {
		for k, w := range e.rest {
			j := i + 1 + k
			if j >= len(toks) || toks[j].claimed || toks[j].s != w {
				continue next
			}
		}
		return e.val, 1 + len(e.rest), true
	}
	return zero, 0, false
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
