package classify

import "unicode/utf8"

// Features are hashed ("the hashing trick"): every n-gram or word is hashed
// with FNV-1a, seeded by its kind, into a fixed number of buckets, so the
// model needs no vocabulary and unseen words cost nothing.

const (
	fnvOffset = 2166136261
	fnvPrime  = 16777619
)

// Feature kinds seed the hash so a word and an identical n-gram differ.
const (
	kindBias byte = iota + 1
	kindChar
	kindWord
	kindBigram
	kindSym
	kindShape
	kindCue
)

func hashBytes(kind byte, b []byte) uint32 {
	h := uint32(fnvOffset)
	h ^= uint32(kind)
	h *= fnvPrime
	for _, c := range b {
		h ^= uint32(c)
		h *= fnvPrime
	}
	return h
}

func hashRune(kind byte, r rune) uint32 {
	h := uint32(fnvOffset)
	h ^= uint32(kind)
	h *= fnvPrime
	for i := 0; i < 4; i++ {
		h ^= uint32(r>>(8*i)) & 0xff
		h *= fnvPrime
	}
	return h
}

// charNgrams appends hashes of the rune n-grams (minN..maxN) of each word of
// buf, a space separated word sequence starting and ending with a space.
// N-grams do not cross words; the spaces around a word mark its boundaries,
// so " ab" (a word starting with ab) differs from "ab" inside a word.
func charNgrams(dst []uint32, buf []byte, minN, maxN int) []uint32 {
	var starts [64]int // rune offsets of the current padded word
	i := 0
	for i < len(buf)-1 {
		// buf[i] is the space before a word (or the final space).
		j := i + 1
		for j < len(buf) && buf[j] != ' ' {
			j++
		}
		if j >= len(buf) {
			break
		}
		if j == i+1 { // empty word (should not happen)
			i = j
			continue
		}
		// Padded word is buf[i : j+1].
		n, k := 0, i
		for k <= j && n < len(starts)-1 {
			starts[n] = k
			n++
			_, size := utf8.DecodeRune(buf[k:])
			k += size
		}
		starts[n] = k
		// n runes in the padded word (possibly truncated for very long words).
		for a := 0; a < n; a++ {
			for g := minN; g <= maxN && a+g <= n; g++ {
				dst = append(dst, hashBytes(kindChar, buf[starts[a]:starts[a+g]]))
			}
		}
		i = j
	}
	return dst
}

// cueWeight is how many times a matched lexicon category is added: a cue is
// stronger evidence than any single n-gram.
const cueWeight = 3

// intentFeatures appends the hashed features of the intent model; cats are
// the lexicon categories and cues found in the message.
func intentFeatures(dst []uint32, t *text, cats category) []uint32 {
	dst = append(dst, hashBytes(kindBias, nil))
	for bit := 0; cats != 0; bit++ {
		if cats&1 != 0 {
			h := hashRune(kindCue, rune(bit))
			for k := 0; k < cueWeight; k++ {
				dst = append(dst, h)
			}
		}
		cats >>= 1
	}
	dst = charNgrams(dst, t.fold, 2, 4)
	for i := range t.words {
		w := t.word(i)
		dst = append(dst, hashBytes(kindWord, w))
		if i > 0 {
			dst = append(dst, hashBytes(kindBigram, t.fold[t.words[i-1].start:t.words[i].end]))
		}
	}
	if len(t.words) > 0 {
		// First word: openings like "где", "how", "можно" carry intent.
		dst = append(dst, hashBytes(kindBigram, append([]byte{'^', ' '}, t.word(0)...)))
	}
	for _, r := range t.syms {
		dst = append(dst, hashRune(kindSym, r))
	}
	nw := len(t.words)
	switch {
	case nw <= 1:
		dst = append(dst, hashRune(kindShape, 'w'+1))
	case nw <= 3:
		dst = append(dst, hashRune(kindShape, 'w'+3))
	case nw <= 6:
		dst = append(dst, hashRune(kindShape, 'w'+6))
	default:
		dst = append(dst, hashRune(kindShape, 'w'+9))
	}
	if t.digits > 0 {
		dst = append(dst, hashRune(kindShape, 'd'))
	}
	return dst
}

// languageFeatures appends the hashed features of the language model: every
// word and its character 1-4-grams, except words in neutral (names and
// codes shared by many languages, see neutralWords).
func languageFeatures(dst []uint32, t *text, neutral wordSet) []uint32 {
	dst = append(dst, hashBytes(kindBias, nil))
	b := t.lang
	for i := 0; i < len(b)-1; {
		j := i + 1
		for j < len(b) && b[j] != ' ' {
			j++
		}
		if j >= len(b) {
			break
		}
		if j > i+1 {
			if h := hashBytes(kindWord, b[i+1:j]); !neutral.has(h) {
				dst = append(dst, h)
				dst = charNgrams(dst, b[i:j+1], 1, 4)
			}
		}
		i = j
	}
	return dst
}
