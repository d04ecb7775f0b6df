package extract

import (
	"regexp"
	"slices"
	"strings"
)

// The id patterns run on the original text, case-insensitively. Go's
// regexp is linear-time, so no input can make them backtrack. Every pattern
// starts with a boundary that works for Cyrillic too (Go's \b is ASCII only).

var emailRe = regexp.MustCompile(`(?i)[a-z0-9][a-z0-9._%+\-]{0,63}@[a-z0-9](?:[a-z0-9\-]{0,62}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9\-]{0,62}[a-z0-9])?)*\.[a-z]{2,24}`)

// DefaultOrderIDPattern matches "#A-10234", "A-10234", "заказ 123456",
// "order no. 98765", "pedido nº 123", "Bestellung 12345": the id is the
// first non-empty capture group.
var DefaultOrderIDPattern = regexp.MustCompile(`(?i)(?:^|[^\p{L}\p{N}_])(?:` +
	`(?:заказ(?:а|у|ом|е|ы|ов|ик)?|замовлення|order|pedido|encomenda|bestellung|auftrag|commande|ordine|sipari[sş]i?|طلب)` +
	`(?:\s*(?:no\.?|nr\.?|n[º°o]\.?|№|#|номер|number|num\.?|id|:|-))*\s*#?\s*` +
	`([a-z]{0,4}-?\d{3,15}(?:-[a-z0-9]{1,8})?)` +
	`|[#№]\s?([a-z]{0,4}-?\d{3,15}(?:-[a-z0-9]{1,8})?)` +
	`|([a-z]{1,4}-\d{3,15}))(?:$|[^\p{L}\p{N}_])`)

// DefaultSKUPattern matches "SKU 4471", "арт. 4471", "артикул 12-345",
// "Art.-Nr. 4471", "réf. 88-1": the SKU is the first non-empty group.
var DefaultSKUPattern = regexp.MustCompile(`(?i)(?:^|[^\p{L}\p{N}_])` +
	`(?:sku|артикул[а-я]*|арт\.?|art\.?-?nr\.?|artikel(?:nummer)?|art\.|r[eé]f\.?|referencia|r[eé]f[eé]rence|riferimento|c[oó]digo)` +
	`\s*(?:no\.?|№|#|:|-)?\s*` +
	`([a-z0-9]+(?:[-/][a-z0-9]+){0,3})(?:$|[^\p{L}\p{N}_])`)

// firstGroup returns the span of the first non-empty capture group of a
// match, or of the whole match when the pattern has no groups.
func firstGroup(loc []int) (int, int) {
	for g := 1; 2*g+1 < len(loc); g++ {
		if loc[2*g] >= 0 && loc[2*g+1] > loc[2*g] {
			return loc[2*g], loc[2*g+1]
		}
	}
	return loc[0], loc[1]
}

func findEmail(text string) (string, int, int) {
	if strings.IndexByte(text, '@') < 0 {
		return "", 0, 0
	}
	loc := emailRe.FindStringIndex(text)
	if loc == nil {
		return "", 0, 0
	}
	return text[loc[0]:loc[1]], loc[0], loc[1]
}

// findID returns the first match of re whose id has a digit, is not
// already claimed and is not an amount ("заказ 150000 рублей").
func findID(text string, toks []token, re *regexp.Regexp, checkMoney bool) (string, int, int) {
	for _, loc := range re.FindAllStringSubmatchIndex(text, 8) {
		a, b := firstGroup(loc)
		id := strings.TrimSpace(text[a:b])
		if id == "" || !hasDigit(id) || anyClaimed(toks, a, b) {
			continue
		}
		if checkMoney && followedByMoneyWord(toks, b) {
			continue
		}
		return id, a, b
	}
	return "", 0, 0
}

// followedByMoneyWord reports whether the token right after byte offset b
// is a currency or a multiplier.
func followedByMoneyWord(toks []token, b int) bool {
	k, _ := slices.BinarySearchFunc(toks, b, func(t token, b int) int { return t.start - b })
	return moneyWordAt(toks, k)
}

// moneyWordAt reports whether toks[k] is a currency, a multiplier or "%".
func moneyWordAt(toks []token, k int) bool {
	if k >= len(toks) {
		return false
	}
	if _, _, ok := currencyAfter.match(toks, k); ok {
		return true
	}
	_, n, ok := multipliers.match(toks, k)
	return ok && multiplierOK(toks, k, n) || toks[k].s == "%"
}

func hasDigit(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			return true
		}
	}
	return false
}
