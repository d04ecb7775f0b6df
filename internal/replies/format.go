package replies

import (
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// localeFormat is the "format" section of a catalogue file: how the language
// writes numbers, money, dates and times. Patterns use the same {placeholder}
// syntax as messages.
type localeFormat struct {
	// Decimal and Group separate the fraction and groups of three digits.
	Decimal string `json:"decimal"`
	Group   string `json:"group"`
	// MinGrouping is the number of digits the leading group needs before
	// grouping starts (CLDR minimumGroupingDigits): 2 in Spanish, where 2000
	// is written without a separator but 20.000 with one. 0 means 1.
	MinGrouping int `json:"min_grouping"`
	// Money places {amount} and {symbol}.
	Money string `json:"money"`
	// Symbols overrides currencySymbols for this language (e.g. "US$").
	Symbols map[string]string `json:"symbols"`
	// Months are the month names in the form used inside a date, January
	// first (genitive in ru and uk: "25 ноября").
	Months []string `json:"months"`
	// Weekdays are the weekday names as used in a date, Sunday first.
	Weekdays []string `json:"weekdays"`
	// Days overrides how a day of the month is written (fr "1er").
	Days map[string]string `json:"days"`
	// Date places {weekday}, {day}, {month} and {year}.
	Date string `json:"date"`
	// Time places {date} (the Date pattern), {hh} and {mm} on a 24-hour clock.
	Time string `json:"time"`
	// ListSeparator joins the items of a list (FormatList); "" means ", ".
	ListSeparator string `json:"list_separator"`
}

// complete reports whether the format can be used without falling back.
func (f *localeFormat) complete() bool {
	return f.Decimal != "" && f.Money != "" && len(f.Months) == 12 &&
		len(f.Weekdays) == 7 && f.Date != "" && f.Time != ""
}

// format returns the language's locale rules, or English ones when the
// language's are incomplete.
func (c *catalog) format(code string) *localeFormat {
	if f := &c.lang(code).Format; f.complete() {
		return f
	}
	return &c.langs[fallbackLang].Format
}

// currencySymbols are the symbols used for ISO 4217 codes unless a language
// overrides them; other codes are written as the code ("AED 2,000").
var currencySymbols = map[string]string{
	"USD": "$",
	"EUR": "€",
	"GBP": "£",
	"RUB": "₽",
	"UAH": "₴",
	"TRY": "₺",
	"BRL": "R$",
	"KZT": "₸",
	"INR": "₹",
	"ILS": "₪",
	"JPY": "¥",
	"KRW": "₩",
}

// FormatMoney writes amount in currency (an ISO 4217 code) the way lang does:
// "150 000 ₽" in ru, "$2,000" in en, "2.000 €" in de. Whole amounts have no
// decimals, others two. An empty currency gives the bare number. Separators
// that must not break a line are no-break spaces (U+00A0, U+202F in fr).
func FormatMoney(lang string, amount float64, currency string) string {
	f := std.format(lang)
	currency = strings.ToUpper(strings.TrimSpace(currency))
	if math.IsNaN(amount) || math.IsInf(amount, 0) {
		return strings.TrimSpace(strconv.FormatFloat(amount, 'f', -1, 64) + " " + currency)
	}
	num := strconv.FormatFloat(math.Abs(amount), 'f', 2, 64)
	whole, frac, _ := strings.Cut(num, ".")
	num = groupDigits(whole, f.Group, f.MinGrouping)
	if frac != "00" {
		num += f.Decimal + frac
	}
	sign := ""
	if amount < 0 && (whole != "0" || frac != "00") {
		sign = "-"
	}
	if currency == "" {
		return sign + num
	}
	symbol, ok := f.Symbols[currency]
	if !ok {
		symbol, ok = currencySymbols[currency]
	}
	if !ok {
		symbol = currency
	}
	return sign + expand(spacedMoneyPattern(f.Money, symbol), Params{"amount": num, "symbol": symbol})
}

// spacedMoneyPattern separates a symbol that ends (or starts) with a letter
// from digits it would otherwise touch, as CLDR's currency spacing does:
// "AED 2,000", not "AED2,000".
func spacedMoneyPattern(pattern, symbol string) string {
	first, _ := utf8.DecodeRuneInString(symbol)
	last, _ := utf8.DecodeLastRuneInString(symbol)
	if unicode.IsLetter(last) {
		pattern = strings.Replace(pattern, "{symbol}{amount}", "{symbol}\u00a0{amount}", 1)
	}
	if unicode.IsLetter(first) {
		pattern = strings.Replace(pattern, "{amount}{symbol}", "{amount}\u00a0{symbol}", 1)
	}
	return pattern
}

// groupDigits puts sep between groups of three digits of an integer string.
func groupDigits(digits, sep string, minGrouping int) string {
	if minGrouping < 1 {
		minGrouping = 1
	}
	if len(digits) < 3+minGrouping {
		return digits
	}
	var b strings.Builder
	head := len(digits) % 3
	if head == 0 {
		head = 3
	}
	b.WriteString(digits[:head])
	for i := head; i < len(digits); i += 3 {
		b.WriteString(sep)
		b.WriteString(digits[i : i+3])
	}
	return b.String()
}

// FormatDate writes the calendar day of t the way lang does, with the
// weekday and without the year or relative words: "Tue, Nov 25" in en,
// "вт, 25 ноября" in ru. t must already be in the organisation's time zone.
func FormatDate(lang string, t time.Time) string {
	return formatDate(std.format(lang), t)
}

func formatDate(f *localeFormat, t time.Time) string {
	day := strconv.Itoa(t.Day())
	if s, ok := f.Days[day]; ok {
		day = s
	}
	return expand(f.Date, Params{
		"weekday": f.Weekdays[t.Weekday()],
		"day":     day,
		"month":   f.Months[t.Month()-1],
		"year":    strconv.Itoa(t.Year()),
	})
}

// FormatTime writes the day and the time of t on a 24-hour clock the way
// lang does: "Tue, Nov 25, 11:00" in en, "вт, 25 ноября, 11:00" in ru. t must
// already be in the organisation's time zone.
func FormatTime(lang string, t time.Time) string {
	f := std.format(lang)
	return expand(f.Time, Params{
		"date": formatDate(f, t),
		"hh":   twoDigits(t.Hour()),
		"mm":   twoDigits(t.Minute()),
	})
}

// FormatList joins items the way lang separates a list: "budget, city" in
// en, "الميزانية، المدينة" in ar. Every item is kept, in order; there is no
// closing "and", so a list reads the same whatever its length.
func FormatList(lang string, items []string) string {
	sep := std.format(lang).ListSeparator
	if sep == "" {
		sep = ", "
	}
	return strings.Join(items, sep)
}

func twoDigits(n int) string {
	if n < 10 {
		return "0" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}
