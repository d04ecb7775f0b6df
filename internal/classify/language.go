package classify

import (
	"bytes"
	"embed"
	"fmt"
	"math/bits"
	"path"
	"strings"
)

// Language detection combines script rules with a small softmax model over
// character 1-4-grams and words, trained on the corpus plus the frequent
// words of every language (words/<lang>.txt) and the rule lexicons:
//
//   - no letters at all (emoji, "??", digits) -> unknown;
//   - mostly letters of another script (CJK, Greek, Hebrew, ...) -> unknown;
//   - Arabic script -> ar;
//   - Cyrillic (also when mixed with Latin words, as long as Cyrillic letters
//     are at least a third of the letters: "нужен refund по order") -> ru or
//     uk: і ї є ґ without ы э ъ ё means uk, the opposite means ru, otherwise
//     ru unless the model is confident of uk (Ukrainian text rarely has
//     no і/ї/є);
//   - Latin -> the model decides among en es pt de fr it tr and Russian
//     written in Latin letters ("skolko stoit", "zavtra v 15" -> ru); letters
//     only one of those languages uses (ñ ¿ ã õ ß ş ğ ı) settle it outright;
//     up to three ASCII words that are all English words ("ok", "no",
//     "before") lean strongly to en, other short texts lean to en a little,
//     and a text of nothing but names and codes is en.
//
// Names and codes that the training messages of many languages share (SKU,
// XL, Oslo; see neutralWords) are left out of the model's features on both
// sides, in training and at classification, so they vote for no language.

// ukWithoutLetters is the share of the uk+ru probability the model must give
// uk when a Cyrillic text has none of the letters that tell them apart.
var ukWithoutLetters = 0.7

// enPrior boosts English for Latin texts of at most shortText letters;
// enDictPrior replaces it when the text is at most enDictWords ASCII words
// that are all in the English word list ("ok", "no", "before", "thanks a
// lot"): such replies are English far more often than a Romance word that
// happens to look the same, and the n-grams of a lone word are weak
// evidence ("before" ends like Italian "-ore").
var (
	enPrior     = 1.5
	shortText   = 12
	enDictPrior = 8.0
	enDictWords = 3
)

// neutralLanguages is the number of languages whose training messages must
// use a word, not found in any word list, for it to count as a name or code
// (SKU, XL, Oslo, app, bot) that carries no language evidence.
const neutralLanguages = 4

// latinCandidates are the languages the model may answer for Latin text.
var latinCandidates = []string{"en", "es", "pt", "de", "fr", "it", "tr", "ru"}

// wordsFS holds words/<lang>.txt: frequent words of each language (see
// words/README.md).
//
//go:embed words/*.txt
var wordsFS embed.FS

// wordSet is a set of words of text.lang, keyed by their kindWord hash.
type wordSet map[uint32]struct{}

func (s wordSet) has(h uint32) bool {
	_, ok := s[h]
	return ok
}

// languageWords returns the word list of every language, in allLanguages
// order, each word as it appears in text.lang ("rendez-vous" gives two).
func languageWords() ([numLanguages][]string, error) {
	var out [numLanguages][]string
	var t text
	for i, lang := range allLanguages {
		data, err := wordsFS.ReadFile(path.Join("words", lang+".txt"))
		if err != nil {
			return out, fmt.Errorf("read word list %s: %w", lang, err)
		}
		for _, line := range strings.Split(string(data), "\n") {
			if strings.HasPrefix(strings.TrimSpace(line), "#") {
				continue
			}
			t.analyse(line)
			for _, w := range langWordsOf(t.lang) {
				out[i] = append(out[i], string(w))
			}
		}
	}
	return out, nil
}

// langWordsOf splits a text.lang buffer into its words.
func langWordsOf(b []byte) [][]byte { return bytes.Fields(b) }

// neutralWords finds the names and codes of the training corpus: words used
// by the messages of at least neutralLanguages languages that no word list
// knows. The parallel corpus repeats product names, SKUs and brands in
// every language; left in, each would vote for whichever languages happened
// to mention it in training ("Sofa Oslo" -> pt).
func neutralWords(examples []Example, lists [numLanguages][]string) wordSet {
	known := wordSet{}
	for _, ws := range lists {
		for _, w := range ws {
			known[hashBytes(kindWord, []byte(w))] = struct{}{}
		}
	}
	seen := map[uint32]uint16{}
	var t text
	for _, e := range examples {
		t.analyse(e.Text)
		for _, w := range langWordsOf(t.lang) {
			seen[hashBytes(kindWord, w)] |= 1 << languageIndex(e.Language)
		}
	}
	out := wordSet{}
	for h, langs := range seen {
		if bits.OnesCount16(langs) >= neutralLanguages && !known.has(h) {
			out[h] = struct{}{}
		}
	}
	return out
}

// langExtraSamples are the language model's training samples beyond the
// corpus: every word of the word lists and every phrase of the per-language
// rule lexicons, in a deterministic order.
func langExtraSamples(lists [numLanguages][]string, neutral wordSet) []sample {
	var out []sample
	var t text
	add := func(lang, s string) {
		t.analyse(strings.ReplaceAll(s, "*", ""))
		if t.letters > 0 {
			if f := languageFeatures(nil, &t, neutral); len(f) > 1 {
				out = append(out, sample{feats: f, class: languageIndex(lang)})
			}
		}
	}
	for i, lang := range allLanguages {
		for _, w := range lists[i] {
			add(lang, w)
		}
	}
	for _, src := range lexiconSource {
		for _, p := range strings.Split(src.phrases, "|") {
			add(src.lang, p)
		}
	}
	return out
}

// englishWords reports whether t is at most enDictWords words, all plain
// ASCII and all in the English word list.
func (c *Classifier) englishWords(t *text) bool {
	n := 0
	b := t.lang
	for i := 0; i < len(b)-1; {
		j := i + 1
		for j < len(b) && b[j] != ' ' {
			if b[j] >= 0x80 {
				return false
			}
			j++
		}
		if j >= len(b) {
			break
		}
		if j > i+1 {
			n++
			if n > enDictWords || !c.enWords.has(hashBytes(kindWord, b[i+1:j])) {
				return false
			}
		}
		i = j
	}
	return n > 0
}

// detectLanguage returns the ISO 639-1 code of the analysed text.
func (c *Classifier) detectLanguage(t *text, feats []uint32, probs []float64) (string, []uint32) {
	if t.letters == 0 {
		return LanguageUnknown, feats
	}
	if t.other*2 > t.letters {
		return LanguageUnknown, feats
	}
	if t.arabic > 0 && t.arabic >= t.latin && t.arabic >= t.cyrillic {
		return "ar", feats
	}
	if t.cyrillic > 0 && t.cyrillic*2 >= t.latin {
		switch {
		case t.ukOnly > 0 && t.ruOnly == 0:
			return "uk", feats
		case t.ruOnly > 0 && t.ukOnly == 0:
			return "ru", feats
		}
		feats = languageFeatures(feats[:0], t, c.neutral)
		c.lang.probabilities(feats, probs)
		// Neither ы э ъ ё nor і ї є ґ. Ukrainian text rarely goes without
		// і/ї/є, so it takes a confident model to call it uk.
		pu, pr := probs[languageIndex("uk")], probs[languageIndex("ru")]
		if pu/(pu+pr) >= ukWithoutLetters {
			return "uk", feats
		}
		return "ru", feats
	}
	if t.latin == 0 {
		return LanguageUnknown, feats
	}
	if l := uniqueLatinLetter(t); l != "" {
		return l, feats
	}
	feats = languageFeatures(feats[:0], t, c.neutral)
	if len(feats) == 1 {
		// Only names and codes ("SKU 1207", "Oslo"): no evidence at all.
		return "en", feats
	}
	c.lang.probabilities(feats, probs)
	prior := 1.0
	switch {
	case c.englishWords(t):
		prior = enDictPrior
	case t.letters <= shortText:
		// Short interjections in Latin letters ("hmm", "so?", "STOP") are
		// English far more often than anything else.
		prior = enPrior
	}
	best, bestP := "en", -1.0
	for _, l := range latinCandidates {
		p := probs[languageIndex(l)]
		if l == "en" {
			p *= prior
		}
		if p > bestP {
			best, bestP = l, p
		}
	}
	return best, feats
}

// uniqueLatinLetter returns the language when the text contains letters that
// only one of the built-in Latin-script languages uses, and no letters that
// contradict it.
func uniqueLatinLetter(t *text) string {
	es := t.spanishMarks || bytes.ContainsRune(t.lang, 'ñ')
	pt := bytes.ContainsAny(t.lang, "ãõ")
	de := bytes.ContainsAny(t.lang, "ßä")
	tr := bytes.ContainsAny(t.lang, "şğı")
	n := 0
	res := ""
	for _, x := range []struct {
		ok   bool
		lang string
	}{{es, "es"}, {pt, "pt"}, {de, "de"}, {tr, "tr"}} {
		if x.ok {
			n++
			res = x.lang
		}
	}
	if n == 1 {
		return res
	}
	return ""
}
