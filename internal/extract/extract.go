package extract

import (
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Options carries what extraction needs to know about the organisation and
// the moment. The zero value works: dates then resolve against time.Now in
// UTC and phone numbers are recognised only when written with "+".
type Options struct {
	// Now is the clock's now; relative dates ("завтра", "через 2 дня")
	// count from it. Inject it: extraction is deterministic only for a
	// fixed Now. Zero means time.Now().
	Now time.Time
	// Location is the organisation's time zone; dates resolve in it and
	// are returned in it. Nil means Now's location.
	Location *time.Location
	// Country is the ISO 3166-1 alpha-2 region for phone numbers written
	// without a country code ("8 (916) 123-45-67" with "RU"). It also picks
	// the currency of the word "pesos" (MX, AR, CO, CL, ...).
	Country string
	// OrderIDPattern replaces DefaultOrderIDPattern. The order id is its
	// first non-empty capture group, or the whole match without groups.
	OrderIDPattern *regexp.Regexp
	// SKUPattern replaces DefaultSKUPattern, read the same way.
	SKUPattern *regexp.Regexp
	// Cities are the organisation's own city names, matched before the
	// built-in list and returned as written here. A name that is also a
	// built-in city brings all that city's spellings with it: with "Киев"
	// here, "Kyiv" and "в Києві" give "Киев".
	Cities []string
}

// Money is an amount as written.
type Money struct {
	// Amount is the value with multipliers applied: "150к" is 150000.
	Amount float64
	// Currency is the ISO 4217 code the text names ("руб", "€", "TL"), or ""
	// when none is written: the caller decides, nothing is assumed.
	Currency string
	// Text is the amount as written, currency and period included.
	Text string
	// Per is "month" or "year" for a recurring amount ("150к в месяц",
	// "$500/mo"), else "".
	Per string
}

// When is a date, time or span as written and as resolved.
type When struct {
	// Text is the date and time words as written ("завтра в 15:00").
	Text string
	// Start and End bound what the text names, both inclusive, in
	// Options.Location: an instant has Start == End; a day runs 00:00:00 to
	// 23:59:59; "на следующей неделе" runs Monday 00:00:00 to Sunday
	// 23:59:59.
	Start, End time.Time
	// HasTime is true when a time of day was written ("в 15", "3pm") or
	// follows from the text ("через 2 часа").
	HasTime bool
	// Part is "morning", "afternoon", "evening" or "night" when a part of
	// the day is written ("утром", "в 2 часа дня"), else "".
	Part string
}

// Entities is everything found in one message. Single-valued fields hold
// the first occurrence; Dates and Amounts are in text order, at most 32 of
// each.
type Entities struct {
	OrderID string // as written, without the "#"/"№" sign or the word "order"
	Phone   string // E.164: "+79161234567"
	Email   string
	Dates   []When
	Amounts []Money
	SKU     string
	City    string // the canonical name: "Казань" for "в Казани" or "Kazan"
}

// maxText bounds the text read from one message; the rest is ignored.
const maxText = 32 << 10

// maxFound bounds Dates and Amounts: a message with more is not a message
// a person wrote, and the bound keeps its cost down.
const maxFound = 32

// Extract returns the entities literally present in text. It never fails:
// what it cannot read it leaves out. It is safe for concurrent use.
func Extract(text string, o Options) Entities {
	if len(text) > maxText {
		cut := maxText
		for cut > 0 && !utf8.RuneStart(text[cut]) {
			cut--
		}
		text = text[:cut]
	}
	if !utf8.ValidString(text) {
		text = strings.ToValidUTF8(text, "\uFFFD")
	}
	now := o.Now
	if now.IsZero() {
		now = time.Now()
	}
	if o.Location != nil {
		now = now.In(o.Location)
	}

	var e Entities
	toks := tokenize(text)

	if v, a, b := findEmail(text); v != "" {
		e.Email = v
		claim(toks, a, b)
	}
	if hasDigit(text) {
		skuRe := DefaultSKUPattern
		if o.SKUPattern != nil {
			skuRe = o.SKUPattern
		}
		if v, a, b := findID(text, toks, skuRe, false); v != "" {
			e.SKU = v
			claim(toks, a, b)
		}
		orderRe := DefaultOrderIDPattern
		if o.OrderIDPattern != nil {
			orderRe = o.OrderIDPattern
		}
		if v, a, b := findID(text, toks, orderRe, o.OrderIDPattern == nil); v != "" {
			e.OrderID = strings.TrimLeft(v, "#№ ")
			claim(toks, a, b)
		}
		if countDigits(text) >= 7 {
			if v, a, b := findPhone(text, toks, o.Country); v != "" {
				e.Phone = v
				claim(toks, a, b)
			}
		}
	}

	money := &moneyScanner{text: text, toks: toks, country: o.Country}
	var amounts []placedMoney
	if hasDigit(text) {
		amounts = money.scan(false)
	}
	english := once(func() bool { return looksEnglish(toks) })
	e.Dates = extractDates(text, toks, now, english)
	if hasDigit(text) {
		amounts = append(amounts, money.scan(true)...)
		slices.SortStableFunc(amounts, func(a, b placedMoney) int { return a.at - b.at })
		for k := range amounts {
			e.Amounts = append(e.Amounts, amounts[k].m)
		}
	}
	e.City = findCity(text, toks, customCityIndex(o.Cities))
	return e
}

func countDigits(s string) int {
	n := 0
	for _, r := range s {
		if r >= '0' && r <= '9' || r > 0x7f && unicode.IsDigit(r) {
			n++
		}
	}
	return n
}

// once memoises f within one call of Extract.
func once(f func() bool) func() bool {
	done, v := false, false
	return func() bool {
		if !done {
			done, v = true, f()
		}
		return v
	}
}

var englishMarkers = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields("the at on my is are was i you we he she it they please can could would will order tomorrow today next this what when where how hi hello thanks thank and for to of in pm am with be do does did not no yes ok okay want need book appointment") {
		m[w] = true
	}
	return m
}()

// looksEnglish says whether the message reads as English: an English
// function word and no Cyrillic or Arabic. It decides "05/06" month-first.
func looksEnglish(toks []token) bool {
	eng := false
	for _, t := range toks {
		if t.kind != tkWord {
			continue
		}
		r, _ := utf8.DecodeRuneInString(t.s)
		if r >= 0x400 && r <= 0x6ff {
			return false
		}
		if englishMarkers[t.s] {
			eng = true
		}
	}
	return eng
}
