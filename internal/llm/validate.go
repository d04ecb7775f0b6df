package llm

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// validateReword checks that out, a model's rewording or translation of
// src, states no fact that is neither in src nor in facts and drops none of
// src's numbers, links and e-mail addresses. It returns an error wrapping
// ErrInvalidOutput that names the first problem found, or nil.
//
// Words cannot be checked this way, so a changed status or policy is left
// to the prompt; but every number, amount, date, time, currency, link,
// e-mail and phone can, and those are what a customer acts on.
func validateReword(src, out string, facts []string) error {
	out = strings.TrimSpace(out)
	if out == "" {
		return invalid("empty text")
	}
	if !utf8.ValidString(out) {
		return invalid("text is not valid UTF-8")
	}
	if n, limit := utf8.RuneCountInString(out), 2*utf8.RuneCountInString(src)+200; n > limit {
		return invalid("text has %d characters, more than %d", n, limit)
	}
	trusted := src
	if len(facts) > 0 {
		trusted = src + "\n" + strings.Join(facts, "\n")
	}

	// Links and e-mail addresses: every one of the source kept, none added.
	for _, f := range []struct {
		what string
		find func(string) []string
	}{{"e-mail", emails}, {"link", links}} {
		have := strings.ToLower(trusted)
		for _, e := range f.find(out) {
			if !strings.Contains(have, e) {
				return invalid("adds %s %q", f.what, truncate(e, 80))
			}
		}
		got := strings.ToLower(out)
		for _, e := range f.find(src) {
			if !strings.Contains(got, e) {
				return invalid("drops %s %q", f.what, truncate(e, 80))
			}
		}
	}

	// Phones, by their digits.
	known := map[string]bool{}
	for _, p := range phones(trusted) {
		known[p] = true
	}
	for _, p := range phones(out) {
		if !known[p] {
			return invalid("adds phone number %q", truncate(p, 40))
		}
	}

	// Currency symbols and codes.
	for _, r := range out {
		if unicode.Is(unicode.Sc, r) && !strings.ContainsRune(trusted, r) {
			return invalid("adds currency symbol %q", r)
		}
	}
	trustedCodes := currencyCodes(trusted)
	for code := range currencyCodes(out) {
		if !trustedCodes[code] {
			return invalid("adds currency %s", code)
		}
	}

	// Numbers: every one of the source kept, none added.
	srcNums := numbers(src)
	outNums := numbers(out)
	for n := range srcNums {
		if !outNums[n] {
			return invalid("drops number %q", truncate(n, 40))
		}
	}
	factNums := map[string]bool{}
	for _, f := range facts {
		for n := range numbers(f) {
			factNums[n] = true
		}
	}
	for n := range outNums {
		if !srcNums[n] && !factNums[n] {
			return invalid("adds number %q", truncate(n, 40))
		}
	}
	return nil
}

var (
	emailRe = regexp.MustCompile(`[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+`)
	// linkRe finds links with a scheme or www., and bare domains under
	// common top-level domains ("example.com/pay"), written in lower case so
	// that "Thanks.It" is not a domain.
	linkRe = regexp.MustCompile(`(?i:\b[a-z][a-z0-9+.\-]*://|\bwww\.)[^\s<>"'«»]+|\b(?:[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?\.)+(?:com|net|org|info|biz|io|app|dev|shop|store|site|online|ru|ua|by|kz|de|fr|es|it|pt|br|tr|uk|eu|ae|sa|eg)\b(?:/[^\s<>"'«»]*)?`)
	// phoneRe finds digit runs of phone length with the separators phones
	// are written with.
	phoneRe = regexp.MustCompile(`\+?\(?\d[\d\s().\-\x{00a0}]{5,}\d`)
	// codeRe finds upper-case words that may be ISO 4217 codes.
	codeRe = regexp.MustCompile(`\b[A-Z]{3}\b`)
)

// emails lists the lower-cased e-mail addresses in s.
func emails(s string) []string {
	found := emailRe.FindAllString(s, -1)
	for i, e := range found {
		found[i] = strings.ToLower(strings.TrimRight(e, ".-"))
	}
	return found
}

// links lists the links in s, lower-cased, without scheme, "www." or
// trailing punctuation, so that "https://Example.com/pay." matches
// "example.com/pay".
func links(s string) []string {
	found := linkRe.FindAllString(s, -1)
	out := found[:0]
	for _, l := range found {
		l = strings.ToLower(strings.TrimRight(l, ".,;:!?)]}'\"/"))
		if i := strings.Index(l, "://"); i >= 0 {
			l = l[i+3:]
		}
		l = strings.TrimPrefix(l, "www.")
		if l != "" {
			out = append(out, l)
		}
	}
	return out
}

// phones lists the digits of the phone-like sequences (7 to 15 digits) of s.
func phones(s string) []string {
	var out []string
	for _, m := range phoneRe.FindAllString(s, -1) {
		d := strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, m)
		if len(d) >= 7 && len(d) <= 15 {
			out = append(out, d)
		}
	}
	return out
}

// isoCurrencies are the ISO 4217 codes a reply may name as text.
var isoCurrencies = map[string]bool{
	"USD": true, "EUR": true, "GBP": true, "RUB": true, "UAH": true, "TRY": true,
	"BRL": true, "KZT": true, "INR": true, "ILS": true, "JPY": true, "KRW": true,
	"CNY": true, "CHF": true, "PLN": true, "CZK": true, "SEK": true, "NOK": true,
	"DKK": true, "AED": true, "SAR": true, "EGP": true, "MAD": true, "BYN": true,
	"GEL": true, "AMD": true, "AZN": true, "UZS": true, "KGS": true, "MDL": true,
	"CAD": true, "AUD": true, "NZD": true, "MXN": true, "ARS": true, "CLP": true,
	"COP": true, "PEN": true, "QAR": true, "KWD": true, "BHD": true, "OMR": true,
	"JOD": true, "HUF": true, "RON": true, "BGN": true, "RSD": true,
}

// currencyCodes is the set of ISO 4217 codes written in s.
func currencyCodes(s string) map[string]bool {
	set := map[string]bool{}
	for _, w := range codeRe.FindAllString(s, -1) {
		if isoCurrencies[w] {
			set[w] = true
		}
	}
	return set
}

// numbers is the set of numbers of s in a canonical form that survives the
// reformatting a rewording or translation may do, and nothing else:
//
//   - digit grouping is removed: "30 000", "30,000", "30.000" and "30000"
//     are all 30000 (a separator followed by exactly three digits groups);
//   - a decimal comma is a point: "30 000,50" and "30,000.50" are 30000.50;
//   - a time drops its leading zero: "09:00" and "9:00" are 9:00;
//   - dotted dates stay whole ("25.11.2025"); other separators, "-" and "/"
//     included, split numbers ("10-20" is 10 and 20);
//   - any Unicode decimal digit counts as its ASCII digit (Arabic-Indic).
//
// Leading zeros elsewhere are kept, so order 007 is not order 7.
func numbers(s string) map[string]bool {
	set := map[string]bool{}
	rs := []rune(s)
	for i := 0; i < len(rs); {
		if _, ok := digitValue(rs[i]); !ok {
			i++
			continue
		}
		var runs []string
		var seps []rune
		run, j := digitRun(rs, i)
		runs = append(runs, run)
		for j+1 < len(rs) && isSeparator(rs[j]) {
			if _, ok := digitValue(rs[j+1]); !ok {
				break
			}
			seps = append(seps, rs[j])
			run, j = digitRun(rs, j+1)
			runs = append(runs, run)
		}
		for _, n := range canonicalNumbers(runs, seps) {
			set[n] = true
		}
		i = j
	}
	return set
}

// digitRun reads the digits of rs from i, as ASCII, and returns them with
// the index after them.
func digitRun(rs []rune, i int) (string, int) {
	var b strings.Builder
	for ; i < len(rs); i++ {
		d, ok := digitValue(rs[i])
		if !ok {
			break
		}
		b.WriteByte(byte('0' + d))
	}
	return b.String(), i
}

// digitValue is the value of a Unicode decimal digit. Decimal digits come in
// contiguous blocks of ten, zero first, so the value is the distance from
// the start of the block.
func digitValue(r rune) (int, bool) {
	if r >= '0' && r <= '9' {
		return int(r - '0'), true
	}
	if r < 0x80 || !unicode.IsDigit(r) {
		return 0, false
	}
	first := r
	for k := 0; k < 100 && unicode.IsDigit(first-1); k++ {
		first--
	}
	return int(r-first) % 10, true
}

// Separators that may appear between the digits of one number.
const (
	groupSeps   = ",.'’\u066c"                // also spaces, see isSpaceSep
	decimalSeps = ",.\u066b"                  // a decimal comma or point
	allSeps     = ",.'’:\u066b\u066c"         // plus spaces
	spaceSeps   = " \u00a0\u202f\u2009\u2007" // grouping spaces
)

func isSeparator(r rune) bool {
	return strings.ContainsRune(allSeps, r) || strings.ContainsRune(spaceSeps, r)
}

func isGroupSep(r rune) bool {
	return strings.ContainsRune(groupSeps, r) || strings.ContainsRune(spaceSeps, r)
}

// canonicalNumbers turns one run of digits and single separators into the
// canonical numbers it writes (see numbers).
func canonicalNumbers(runs []string, seps []rune) []string {
	var out []string
	i := 0
	for i < len(runs) {
		var b strings.Builder
		b.WriteString(runs[i])
		// Grouping: a leading group of 1-3 digits not starting with 0, then
		// groups of exactly three with one and the same separator.
		if n := len(runs[i]); n <= 3 && runs[i][0] != '0' && i < len(seps) && isGroupSep(seps[i]) && len(runs[i+1]) == 3 {
			g := seps[i]
			for i < len(seps) && seps[i] == g && len(runs[i+1]) == 3 {
				b.WriteString(runs[i+1])
				i++
			}
		}
		isTime := false
	joined:
		for i < len(seps) {
			switch sep := seps[i]; {
			case sep == ':':
				b.WriteByte(':')
				isTime = true
			case strings.ContainsRune(decimalSeps, sep):
				b.WriteByte('.')
			default: // a space or apostrophe that does not group: a new number
				break joined
			}
			b.WriteString(runs[i+1])
			i++
		}
		n := b.String()
		if isTime {
			n = strings.TrimLeft(n, "0")
			if n == "" || n[0] == ':' {
				n = "0" + n
			}
		}
		out = append(out, n)
		i++
	}
	return out
}
