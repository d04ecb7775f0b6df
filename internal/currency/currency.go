// Package currency is the one place a currency code from outside (an
// organisation's currency, a budget, a price list, a threshold) is checked:
// it must be an ISO 4217 code of a currency money can be in, as
// golang.org/x/text/currency knows them.
package currency

import (
	"strings"

	"golang.org/x/text/currency"
)

// notMoney are ISO 4217 codes that name no currency a price or a budget can
// be in: "no currency", the testing code, precious metals and accounting
// units. ISO lists them, so currency.ParseISO accepts them.
var notMoney = map[string]bool{
	"XXX": true, "XTS": true,
	"XAU": true, "XAG": true, "XPD": true, "XPT": true,
	"XBA": true, "XBB": true, "XBC": true, "XBD": true,
	"XDR": true, "XSU": true, "XUA": true,
}

// Normalize returns code in its canonical upper-case form ("eur" is EUR)
// and whether it is an ISO 4217 currency that money can be in. "ZZZ", "XXX"
// and anything that is not three letters are not.
func Normalize(code string) (string, bool) {
	code = strings.ToUpper(strings.TrimSpace(code))
	if len(code) != 3 {
		return "", false
	}
	for i := range len(code) {
		if code[i] < 'A' || code[i] > 'Z' {
			return "", false
		}
	}
	u, err := currency.ParseISO(code)
	if err != nil || u.String() != code || notMoney[code] {
		return "", false
	}
	return code, true
}

// Valid reports whether code is already a canonical ISO 4217 code that
// Normalize accepts (upper case, no spaces).
func Valid(code string) bool {
	c, ok := Normalize(code)
	return ok && c == code
}
