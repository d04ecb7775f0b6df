package extract

import (
	"strings"

	"github.com/nyaruka/phonenumbers"
)

// findPhone returns the first phone number in the unclaimed tokens, in
// E.164, and the byte span it was written in. A candidate is a run of
// digits joined by single spaces, "-", ".", "(", ")", optionally starting
// with "+", holding 7 to 15 digits; it counts only if libphonenumber finds
// it valid for region (or for the region its "+" code names). Dates
// ("25.12.2026"), amounts ("1 500 000 руб") and percentages are skipped.
func findPhone(text string, toks []token, region string) (string, int, int) {
	region = strings.ToUpper(region)
	tries := 0
	for i := 0; i < len(toks) && tries < maxPhoneTries; i++ {
		t := toks[i]
		if t.claimed {
			continue
		}
		startsPlus := t.s == "+" && i+1 < len(toks) && toks[i+1].kind == tkNum && !toks[i+1].space
		if t.kind != tkNum && !startsPlus && !(t.s == "(" && i+1 < len(toks) && toks[i+1].kind == tkNum) {
			continue
		}
		// A number glued to letters ("A-10234", "x123") is no phone start.
		if i > 0 && !t.space && (toks[i-1].kind == tkWord || toks[i-1].kind == tkNum) {
			continue
		}
		digits, last, dateLike := 0, -1, false
		k := i
		for ; k < len(toks); k++ {
			c := toks[k]
			if c.claimed {
				break
			}
			if k > i && c.start > toks[k-1].end && !thinSpace(text[toks[k-1].end:c.start]) {
				break
			}
			if c.kind == tkNum {
				if strings.IndexAny(c.s, ",:/") >= 0 {
					break
				}
				if strings.IndexByte(c.s, '.') >= 0 && looksLikeDottedDate(c.s) {
					dateLike = true
				}
				digits += strings.Count(c.s, "") - 1 - strings.Count(c.s, ".")
				last = k
				if digits > 15 {
					break
				}
				continue
			}
			if c.kind == tkPunct && (c.s == "(" || c.s == ")" || c.s == "-" || c.s == "." || c.s == "–" || (c.s == "+" && k == i)) {
				continue
			}
			break
		}
		if last < 0 {
			continue
		}
		if digits >= 7 && digits <= 15 && !dateLike && !moneyWordAt(toks, last+1) {
			a, b := t.start, toks[last].end
			tries++
			if e164, ok := validPhone(text[a:b], region); ok {
				return e164, a, b
			}
		}
		i = last
	}
	return "", 0, 0
}

// maxPhoneTries bounds the libphonenumber parses per message: each costs
// microseconds, and a message of digits could otherwise ask for thousands.
const maxPhoneTries = 16

func looksLikeDottedDate(s string) bool {
	p := strings.Split(s, ".")
	return len(p) == 3 && len(p[0]) <= 2 && len(p[1]) <= 2 && (len(p[2]) == 2 || len(p[2]) == 4)
}

func validPhone(cand, region string) (string, bool) {
	if !strings.HasPrefix(cand, "+") && (region == "" || region == "ZZ") {
		return "", false
	}
	if region == "" {
		region = "ZZ"
	}
	num, err := phonenumbers.Parse(cand, region)
	if err != nil || !phonenumbers.IsValidNumber(num) {
		return "", false
	}
	e := phonenumbers.Format(num, phonenumbers.E164)
	if len(e) < 8 || e[0] != '+' || !isDigits(e[1:]) {
		return "", false
	}
	return e, true
}
