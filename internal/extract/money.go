package extract

import (
	"math"
	"strconv"
	"strings"
)

type curVal struct {
	code string // ISO 4217; "?peso" resolves by Options.Country
	mult float64
}

func mergeCur(a, b curVal) curVal {
	if a.code == "" {
		a.code = b.code
	}
	if a.mult == 0 {
		a.mult = b.mult
	}
	return a
}

// currencyBefore holds markers written before the number ("$2,000",
// "R$ 500", "USD 300"); currencyAfter those written after it ("300 евро",
// "1000 TL", "2 000 €").
var currencyBefore, currencyAfter = buildCurrencies()

func buildCurrencies() (*phraseTable[curVal], *phraseTable[curVal]) {
	before, after := newPhraseTable(mergeCur), newPhraseTable(mergeCur)
	both := func(code string, ws ...string) {
		before.add(curVal{code: code}, ws...)
		after.add(curVal{code: code}, ws...)
	}
	both("USD", "$", "us$", "usd", "u$s")
	both("EUR", "€", "eur")
	both("GBP", "£", "gbp")
	both("RUB", "₽", "rub", "rur", "руб", "руб.")
	both("UAH", "₴", "uah", "грн", "грн.")
	both("TRY", "₺", "tl")
	after.add(curVal{code: "TRY"}, "try")
	both("KZT", "₸", "kzt")
	both("BRL", "r$", "brl")
	both("MXN", "mx$", "mxn")
	both("CAD", "c$", "ca$", "cad")
	both("AUD", "a$", "au$", "aud")
	both("INR", "₹", "inr")
	both("CHF", "chf")
	both("PLN", "pln", "zł")
	both("BYN", "byn")
	both("AED", "aed")
	both("SAR", "sar")
	both("EGP", "egp")
	both("ARS", "ars")
	after.add(curVal{code: "COP"}, "cop")
	both("CLP", "clp")
	a := func(code string, ws ...string) { after.add(curVal{code: code}, ws...) }
	a("RUB", "р", "р.", "рубль", "рубля", "рублей", "рублях", "рублик", "рубликов", "rubley", "rubles", "roubles", "rubli", "рублів", "рублі")
	a("USD", "долларов", "доллара", "доллар", "долл", "долл.", "бакс", "бакса", "баксов", "доларів", "долара", "dollar", "dollars", "bucks", "dólar", "dólares", "dollari", "dolar", "دولار", "dolares")
	a("EUR", "евро", "євро", "euro", "euros", "eur", "yuro", "يورو")
	a("UAH", "гривен", "гривны", "гривна", "гривень", "гривні", "гривня", "гривню", "hryvnia", "hryvnias")
	a("KZT", "тенге", "теңге", "тг", "tenge")
	a("TRY", "lira", "lirası", "türk lirası", "liras")
	a("BRL", "reais", "real")
	a("GBP", "фунтов", "фунта", "pounds", "libras", "sterling")
	a("BYN", "бел. руб.", "бел. руб", "белорусских рублей", "бел.руб.")
	a("AED", "дирхам", "дирхамов", "dirham", "dirhams", "درهم", "دراهم")
	a("SAR", "riyal", "riyals", "ريال", "риял", "риалов")
	a("EGP", "جنيه")
	a("PLN", "zl", "złotych", "zloty", "злотых")
	a("?peso", "pesos", "peso")
	after.add(curVal{code: "RUB", mult: 1e3}, "тр", "т.р.", "т. р.", "тыс. руб.", "тыс.руб.", "тыс руб", "тыс. руб", "тысяч рублей", "тыс. рублей", "тыс рублей", "тыщ")
	return before, after
}

// multipliers: "150к", "2 млн", "1.5k", "200 тысяч", "5 mil reais".
var multipliers = func() *phraseTable[float64] {
	t := newPhraseTable[float64](nil)
	t.add(1e3, "к", "k", "тыс", "тыс.", "тысяч", "тысячи", "тысяча", "тысячу", "тыщ", "тыщи", "тис", "тис.", "тисяч", "тисячі", "тисяча", "thousand", "thousands", "mil", "mila", "mille", "tsd", "tsd.", "tausend", "bin", "ألف", "الف", "آلاف")
	t.add(1e6, "кк", "kk", "млн", "млн.", "миллион", "миллиона", "миллионов", "мільйон", "мільйона", "мільйонів", "million", "millions", "mln", "mio", "mio.", "millón", "millones", "milhão", "milhões", "milione", "milioni", "milyon", "лям", "ляма", "лямов", "мульт", "مليون")
	t.add(1e9, "млрд", "млрд.", "миллиард", "миллиарда", "миллиардов", "billion", "billions", "bn", "milliard", "milliards", "mrd", "mil millones", "milyar", "مليار")
	return t
}()

// perPhrases: "в месяц", "/mo", "per year".
var perPhrases = func() *phraseTable[string] {
	t := newPhraseTable[string](nil)
	t.add("month", "в месяц", "в мес", "в мес.", "/мес", "/мес.", "/месяц", "за месяц", "ежемесячно", "на месяц", "в місяць", "на місяць", "/міс", "щомісяця", "per month", "a month", "/mo", "/mo.", "/month", "/mth", "monthly", "a mo", "al mes", "por mes", "mensuales", "mensual", "/mes", "por mês", "ao mês", "/mês", "mensais", "pro monat", "im monat", "monatlich", "/monat", "/mon", "par mois", "/mois", "mensuel", "al mese", "/mese", "mensili", "aylık", "ayda", "/ay", "شهريا", "في الشهر")
	t.add("year", "в год", "/год", "за год", "ежегодно", "в рік", "на рік", "/рік", "per year", "a year", "/yr", "/year", "yearly", "annually", "per annum", "p.a.", "al año", "por año", "anuales", "/año", "por ano", "ao ano", "/ano", "pro jahr", "im jahr", "jährlich", "/jahr", "par an", "/an", "all'anno", "/anno", "yıllık", "yılda", "سنويا", "في السنة")
	return t
}()

// moneyContext: words that make a bare number an amount ("бюджет 300").
var moneyContext = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range []string{"бюджет", "бюджета", "бюджетом", "цена", "цену", "цены", "стоимость", "стоимостью", "сумма", "сумму", "суммой", "оплата", "оплату", "оплатил", "оплатила", "заплатил", "заплатила", "стоит", "стоят", "скидка", "предоплата", "предоплату", "залог", "зарплата", "зп", "ціна", "вартість", "сума", "оплата", "budget", "price", "cost", "costs", "paid", "pay", "total", "fee", "deposit", "salary", "presupuesto", "precio", "cuesta", "pagué", "orçamento", "preço", "custa", "paguei", "preis", "kostet", "bezahlt", "prix", "coûte", "payé", "prezzo", "costa", "pagato", "bütçe", "fiyat", "ücret", "tutar", "ميزانية", "سعر", "المبلغ"} {
		m[fold(w)] = true
	}
	return m
}()

var pesoByCountry = map[string]string{"MX": "MXN", "AR": "ARS", "CO": "COP", "CL": "CLP", "UY": "UYU", "DO": "DOP", "PH": "PHP", "CU": "CUP"}

// placedMoney is an amount and where it starts, to merge the two passes
// back into text order.
type placedMoney struct {
	m  Money
	at int
}

type moneyScanner struct {
	text    string
	toks    []token
	country string
}

// scan finds amounts. With contextOnly false it takes those with a currency
// or a multiplier; with contextOnly true, bare numbers after a money word.
// It claims what it takes.
func (s *moneyScanner) scan(contextOnly bool) []placedMoney {
	var out []placedMoney
	toks := s.toks
	for i := 0; i < len(toks) && len(out) < maxFound; i++ {
		if toks[i].claimed || toks[i].kind != tkNum {
			continue
		}
		m, first, last, ok := s.at(i, contextOnly)
		if !ok {
			continue
		}
		for k := first; k <= last; k++ {
			toks[k].claimed = true
		}
		out = append(out, placedMoney{m: m, at: toks[first].start})
		i = last
	}
	return out
}

func (s *moneyScanner) at(i int, contextOnly bool) (Money, int, int, bool) {
	toks := s.toks
	first, cur := i, curVal{}
	// A currency before the number: "$2,000", "R$ 500", "€300", "USD 300".
	// The farthest start first, so "R$" wins over "$".
	for back := min(3, i); back >= 1; back-- {
		k := i - back
		if v, n, ok := currencyBefore.match(toks, k); ok && k+n == i {
			cur, first = v, k
			break
		}
	}
	raw, j, ok := s.number(i)
	if !ok {
		return Money{}, 0, 0, false
	}
	last := j - 1
	mult := 1.0
	if j < len(toks) && !toks[j].claimed {
		if v, n, ok := multipliers.match(toks, j); ok && multiplierOK(toks, j, n) {
			mult, last, j = v, j+n-1, j+n
		} else if toks[j].s == "m" && !toks[j].space && cur.code != "" {
			mult, last, j = 1e6, j, j+1
		}
	}
	if cur.code == "" && j < len(toks) && !toks[j].claimed {
		if v, n, ok := currencyAfter.match(toks, j); ok && wordEnds(toks, j+n) {
			cur, last, j = v, j+n-1, j+n
			if v.mult != 0 && mult == 1 {
				mult = v.mult
			}
		}
	}
	per := ""
	if j < len(toks) && !toks[j].claimed {
		if v, n, ok := perPhrases.match(toks, j); ok {
			per, last = v, j+n-1
		}
	}
	marked := cur.code != "" || mult != 1
	if marked == contextOnly {
		return Money{}, 0, 0, false
	}
	if contextOnly && !s.afterMoneyWord(i) {
		return Money{}, 0, 0, false
	}
	if contextOnly && j < len(toks) && (toks[j].s == "%" || toks[j].kind == tkWord && per == "" && (countNouns[toks[j].s] || isDateWord(toks, j))) {
		return Money{}, 0, 0, false
	}
	if j < len(toks) && toks[j].s == "%" {
		return Money{}, 0, 0, false
	}
	v, ok := parseAmount(raw, mult != 1)
	if !ok {
		return Money{}, 0, 0, false
	}
	v *= mult
	if math.IsInf(v, 0) || math.IsNaN(v) || v < 0 || v > 1e15 {
		return Money{}, 0, 0, false
	}
	code := cur.code
	if code == "?peso" {
		code = pesoByCountry[strings.ToUpper(s.country)]
	}
	return Money{
		Amount:   v,
		Currency: code,
		Text:     s.text[toks[first].start:toks[last].end],
		Per:      per,
	}, first, last, true
}

// number reads the number at toks[i], joining groups of three written with
// a space ("150 000", "2 000 000"). It returns the digits and separators as
// written and the index after the last token used.
func (s *moneyScanner) number(i int) (string, int, bool) {
	t := s.toks[i]
	if strings.IndexAny(t.s, ":/") >= 0 {
		return "", 0, false
	}
	raw := t.s
	j := i + 1
	if len(raw) <= 3 && isDigits(raw) {
		for j < len(s.toks) && s.toks[j].kind == tkNum && !s.toks[j].claimed && len(s.toks[j].s) >= 3 &&
			thinSpace(s.text[s.toks[j-1].end:s.toks[j].start]) {
			nx := s.toks[j].s
			// "150 000", "2 000,50": a group of exactly three digits, maybe
			// with decimals after it.
			if len(nx) != 3 && !(len(nx) > 4 && isDigits(nx[:3]) && (nx[3] == ',' || nx[3] == '.') && isDigits(nx[4:])) {
				break
			}
			if len(nx) == 3 && !isDigits(nx) {
				break
			}
			raw += nx
			j++
			if len(nx) != 3 {
				break
			}
		}
	}
	return raw, j, true
}

// multiplierOK rejects a spaced single-letter "к"/"k" that is really a
// preposition: "67 к 15:00", "150 к оплате".
func multiplierOK(toks []token, j, n int) bool {
	t := toks[j]
	if n == 1 && t.space && (t.s == "к" || t.s == "k") {
		k := j + 1
		if k < len(toks) && (toks[k].kind == tkNum || toks[k].kind == tkWord) {
			if _, _, ok := currencyAfter.match(toks, k); ok {
				return true
			}
			if _, _, ok := perPhrases.match(toks, k); ok {
				return true
			}
			return false
		}
	}
	// "bin" is Turkish for thousand but an English word too, "mille" an
	// Italian thousand and a French one: only before a currency.
	if t.s == "bin" || t.s == "mil" || t.s == "mille" || t.s == "mila" {
		if _, _, ok := currencyAfter.match(toks, j+n); !ok {
			return t.s != "bin" && t.s != "mille"
		}
	}
	return wordEnds(toks, j+n)
}

// wordEnds reports whether a marker that ended before toks[k] is a whole
// word: "500р" but not "500 рублями" read as "р" + "ублями".
func wordEnds(toks []token, k int) bool {
	if k >= len(toks) {
		return true
	}
	t := toks[k]
	return t.space || t.kind != tkWord
}

func (s *moneyScanner) afterMoneyWord(i int) bool {
	for back, k := 0, i-1; k >= 0 && back < 3; k, back = k-1, back+1 {
		if s.toks[k].kind == tkWord && moneyContext[s.toks[k].s] {
			return true
		}
		if s.toks[k].kind == tkNum {
			return false
		}
	}
	return false
}

func isDateWord(toks []token, j int) bool {
	_, _, ok := dateWords.match(toks, j)
	return ok
}

// parseAmount reads a number written with grouping and a decimal mark in
// any of the usual conventions: "2,000", "2 000", "1.500,50", "1,500.50",
// "1.5", "1,5". One separator followed by exactly three digits is grouping
// ("2.500 руб" = 2500) unless a multiplier follows ("1.500k" stays 1.5k).
func parseAmount(raw string, hasMult bool) (float64, bool) {
	if len(raw) > 24 {
		return 0, false
	}
	lastDot, lastComma := strings.LastIndexByte(raw, '.'), strings.LastIndexByte(raw, ',')
	dec := -1
	switch {
	case lastDot >= 0 && lastComma >= 0:
		dec = max(lastDot, lastComma)
	case lastDot >= 0 || lastComma >= 0:
		p := max(lastDot, lastComma)
		sep := raw[p]
		if strings.Count(raw, string(sep)) == 1 && (len(raw)-p-1 != 3 || hasMult) {
			dec = p
		}
	}
	b := make([]byte, 0, len(raw))
	for k := 0; k < len(raw); k++ {
		c := raw[k]
		switch {
		case c >= '0' && c <= '9':
			b = append(b, c)
		case k == dec:
			b = append(b, '.')
		}
	}
	digits := 0
	for _, c := range b {
		if c != '.' {
			digits++
		}
	}
	if digits == 0 || digits > 15 {
		return 0, false
	}
	v, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return 0, false
	}
	return v, true
}
