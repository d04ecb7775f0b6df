package lead

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"frontdesk/internal/extract"
	"frontdesk/internal/organization"
	"frontdesk/internal/replies"
)

// Field names one qualifying question.
type Field string

// The qualifying fields, in the order they are asked.
const (
	FieldBudget  Field = "budget"
	FieldNeed    Field = "need"
	FieldStart   Field = "start"
	FieldCity    Field = "city"
	FieldContact Field = "contact"
)

// AllFields lists the fields in the order they are asked.
var AllFields = []Field{FieldBudget, FieldNeed, FieldStart, FieldCity, FieldContact}

// LabelKey is the field's field_* label in the reply catalogue.
func (f Field) LabelKey() replies.Key {
	switch f {
	case FieldBudget:
		return replies.FieldBudget
	case FieldNeed:
		return replies.FieldNeed
	case FieldStart:
		return replies.FieldStart
	case FieldCity:
		return replies.FieldCity
	default:
		return replies.FieldContact
	}
}

// AskKey is the catalogue message that asks for the field.
func (f Field) AskKey() replies.Key {
	switch f {
	case FieldBudget:
		return replies.AskBudget
	case FieldNeed:
		return replies.AskNeed
	case FieldStart:
		return replies.AskStart
	case FieldCity:
		return replies.AskCity
	default:
		return replies.AskContact
	}
}

// Preferred contact methods (Fields.Contact).
const (
	ContactWhatsApp = "whatsapp"
	ContactTelegram = "telegram"
	ContactPhone    = "phone"
	ContactEmail    = "email"
	ContactCall     = "call"
)

// ContactLabelKey is the contact_* label of a contact method, or "" for an
// unknown one.
func ContactLabelKey(contact string) replies.Key {
	switch contact {
	case ContactWhatsApp:
		return replies.ContactWhatsApp
	case ContactTelegram:
		return replies.ContactTelegram
	case ContactPhone:
		return replies.ContactPhone
	case ContactEmail:
		return replies.ContactEmail
	case ContactCall:
		return replies.ContactCall
	}
	return ""
}

// Fields are what a lead has told us. The zero value of each field means
// unknown. Fields round-trip through JSON (the scenario run's state).
type Fields struct {
	// Budget is in the currency the customer named, or the organisation's
	// when they named none.
	Budget *organization.Money `json:"budget,omitempty"`
	// BudgetPer is "month" or "year" for a recurring budget, else "".
	BudgetPer string `json:"budgetPer,omitempty"`
	// Need is what they sell or need, in their words ("продаем мебель").
	Need string `json:"need,omitempty"`
	// Start is when they want to start; Start.Start is the day that counts.
	Start *extract.When `json:"start,omitempty"`
	City  string        `json:"city,omitempty"`
	// Contact is the preferred contact method: one of the Contact*
	// constants.
	Contact string `json:"contact,omitempty"`
}

// Has reports whether field f is known.
func (f Fields) Has(field Field) bool {
	switch field {
	case FieldBudget:
		return f.Budget != nil
	case FieldNeed:
		return f.Need != ""
	case FieldStart:
		return f.Start != nil
	case FieldCity:
		return f.City != ""
	case FieldContact:
		return f.Contact != ""
	}
	return false
}

// Missing lists the unknown fields in the order they are asked: budget,
// need, start, city, contact.
func Missing(f Fields) []Field {
	var out []Field
	for _, field := range AllFields {
		if !f.Has(field) {
			out = append(out, field)
		}
	}
	return out
}

// Parse reads whatever qualifying fields a free-text message contains, in
// any order and any built-in language, from the text and the entities
// extract.Extract found in it (extracted with the organisation's clock, time
// zone and country). lang is the message's language; it is a hint only,
// every language's vocabulary is tried. A budget written without a currency
// is in orgCurrency. correction is true when the message corrects an earlier
// answer ("нет, бюджет 300", "actually the budget is 500"); pass it to Merge.
func Parse(text, lang string, ex extract.Entities, orgCurrency string) (found Fields, correction bool) {
	return ParseReply(text, lang, ex, orgCurrency, "")
}

// ParseReply is Parse for the answer to a question about field asked: a
// bare answer counts for that field even without the words that mark it
// elsewhere ("мебель" after "what do you sell?", "300" after "what is
// your budget?", an unlisted town after "which city?").
func ParseReply(text, lang string, ex extract.Entities, orgCurrency string, asked Field) (found Fields, correction bool) {
	text = clip(text)
	low := lower(text)
	ws := splitWords(low)
	cl := clauses(text)
	correction = isCorrection(ws)

	found.Budget, found.BudgetPer = pickBudget(low, ws, ex.Amounts, orgCurrency, correction, asked == FieldBudget)
	found.Start = pickStart(low, ws, cl, ex.Dates)
	found.City = strings.TrimSpace(ex.City)
	found.Contact = pickContact(ws, ex)
	found.Need = pickNeed(text, low, ws, cl, ex, asked == FieldNeed)
	if asked == FieldCity && found.City == "" {
		found.City = bareCity(text, ws, found)
	}
	return found, correction
}

func isCorrection(ws []word) bool {
	if len(ws) == 0 {
		return false
	}
	for _, p := range correctionOpeners {
		if _, ok := p.matchAt(ws, 0); ok {
			return true
		}
	}
	return contains(ws, correctionWords)
}

// locate finds the byte offsets of each amount's text in low, in order.
func locate(low string, texts []string) []span {
	out := make([]span, len(texts))
	from := 0
	for i, t := range texts {
		t = lower(t)
		k := -1
		if t != "" && from <= len(low) {
			k = strings.Index(low[from:], t)
		}
		if k < 0 {
			out[i] = span{-1, -1}
			continue
		}
		out[i] = span{from + k, from + k + len(t)}
		from = from + k + len(t)
	}
	return out
}

// budgetReach is how far (in bytes) before a budget word an amount may
// stand and still be the budget ("150к — наш бюджет").
const budgetReach = 40

// pickBudget chooses the budget among the amounts: the one nearest after a
// budget word, else one just before it; without a budget word the first
// amount (the last one in a correction: "не 200, а 300 тысяч").
func pickBudget(low string, ws []word, amounts []extract.Money, orgCurrency string, correction, asked bool) (*organization.Money, string) {
	if len(amounts) == 0 {
		if asked || (correction && contains(ws, budgetWords)) {
			if v, ok := bareNumber(low); ok {
				return &organization.Money{Amount: v, Currency: orgCurrency}, ""
			}
		}
		return nil, ""
	}
	texts := make([]string, len(amounts))
	for i, a := range amounts {
		texts[i] = a.Text
	}
	at := locate(low, texts)
	pick := -1
	if kws := findAll(ws, budgetWords); len(kws) > 0 {
		best := math.MaxInt
		for _, kw := range kws {
			for i, s := range at {
				if s.start < 0 {
					continue
				}
				d := s.start - kw.end
				if d < 0 {
					d = kw.start - s.end
					if d > budgetReach {
						continue
					}
					d += maxParsed // after the word beats before it
				}
				if d < best {
					best, pick = d, i
				}
			}
		}
		if correction && pick >= 0 {
			// "бюджет не 200, а 300": the last amount after the word.
			for i := pick + 1; i < len(at); i++ {
				if at[i].start > at[pick].start {
					pick = i
				}
			}
		}
	}
	if pick < 0 {
		pick = 0
		if correction {
			pick = len(amounts) - 1
		}
	}
	a := amounts[pick]
	if !(a.Amount >= 0) || math.IsInf(a.Amount, 0) {
		return nil, ""
	}
	cur := a.Currency
	if cur == "" {
		cur = orgCurrency
	}
	return &organization.Money{Amount: a.Amount, Currency: cur}, a.Per
}

var numberRe = regexp.MustCompile(`\d[\d\s\x{00a0}\x{202f}]*(?:[.,]\d+)?`)

// bareNumber reads the first number in text ("300", "150 000", "2.5").
func bareNumber(low string) (float64, bool) {
	m := numberRe.FindString(low)
	if m == "" {
		return 0, false
	}
	m = strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '\n', '\u00a0', '\u202f':
			return -1
		case ',':
			return '.'
		}
		return r
	}, m)
	v, err := strconv.ParseFloat(m, 64)
	if err != nil || v < 0 || v > 1e12 {
		return 0, false
	}
	return v, true
}

// pickStart is the date in a clause about starting, else the first date.
func pickStart(low string, ws []word, cl []span, dates []extract.When) *extract.When {
	if len(dates) == 0 {
		return nil
	}
	texts := make([]string, len(dates))
	for i, d := range dates {
		texts[i] = d.Text
	}
	at := locate(low, texts)
	for i, s := range at {
		if s.start < 0 {
			continue
		}
		for _, c := range cl {
			if s.start >= c.start && s.start < c.end && contains(wordsIn(ws, c), startWords) {
				d := dates[i]
				return &d
			}
		}
	}
	d := dates[0]
	return &d
}

// pickContact is the last contact method named and not negated ("не
// звоните, лучше в WhatsApp" is WhatsApp); else a phone number or e-mail
// address written in the message.
func pickContact(ws []word, ex extract.Entities) string {
	kind, at := "", -1
	for i := range ws {
		for _, c := range contactWords {
			matched := false
			for _, p := range c.words {
				if _, ok := p.matchAt(ws, i); ok {
					matched = true
					break
				}
			}
			if !matched || negated(ws, i) {
				continue
			}
			if i > at {
				kind, at = c.kind, i
			}
			break
		}
	}
	switch {
	case kind != "":
		return kind
	case ex.Phone != "":
		return ContactPhone
	case ex.Email != "":
		return ContactEmail
	}
	return ""
}

// negated reports whether word i follows a negation within two words.
func negated(ws []word, i int) bool {
	for k := max(0, i-2); k < i; k++ {
		for _, p := range negations {
			if _, ok := p.matchAt(ws, k); ok {
				return true
			}
		}
	}
	return false
}

// pickNeed is the first clause with a "we sell / we need" verb that is not
// about starting, without the dates and amounts written in it. When the
// question asked was the need, a message with no such verb is the need
// itself, less the clauses that gave other fields.
func pickNeed(text, low string, ws []word, cl []span, ex extract.Entities, asked bool) string {
	var strip []string
	for _, d := range ex.Dates {
		strip = append(strip, d.Text)
	}
	for _, a := range ex.Amounts {
		strip = append(strip, a.Text)
	}
	clean := func(c span) string {
		s := text[c.start:c.end]
		for _, t := range strip {
			if t == "" {
				continue
			}
			if k := strings.Index(lower(s), lower(t)); k >= 0 {
				s = s[:k] + s[k+len(t):]
			}
		}
		return strings.Join(strings.Fields(trimClause(s)), " ")
	}
	for _, c := range cl {
		cw := wordsIn(ws, c)
		verbs := findAll(cw, needWords)
		if len(verbs) == 0 || contains(cw, budgetWords) {
			continue
		}
		// "продаем мебель и хотим начать в декабре": the need ends where
		// the start begins; "нужно начать в декабре" has no need at all.
		if starts := findAll(cw, startWords); len(starts) > 0 {
			if verbs[0].start > starts[0].start {
				continue
			}
			c.end = starts[0].start
			cw = wordsIn(ws, c)
		}
		for len(cw) > 0 && fillers[cw[len(cw)-1].s] {
			c.end = cw[len(cw)-1].start
			cw = cw[:len(cw)-1]
		}
		if !hasContent(cw, verbs) {
			continue
		}
		if s := clean(c); letters(s) >= 3 {
			return truncate(s, 500)
		}
	}
	if !asked {
		return ""
	}
	var parts []string
	for _, c := range cl {
		cw := wordsIn(ws, c)
		if contains(cw, budgetWords) || contains(cw, startWords) || hasContactWord(cw) || isCorrectionOnly(cw) {
			continue
		}
		s := clean(c)
		if ex.City != "" && strings.EqualFold(s, ex.City) {
			continue
		}
		if letters(s) >= 2 {
			parts = append(parts, s)
		}
	}
	return truncate(strings.Join(parts, ", "), 500)
}

// fillers are pronouns, conjunctions and auxiliaries: words that say
// nothing about what the customer sells or needs.
var fillers = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`и а но да мы нам нас я мне нам хотим хочу хотели бы планируем планирую надо тоже также еще ещё
		і ми нам мені хочемо хочу плануємо теж також ще
		and but we i us our my to want wants would like plan planning also too a an the so
		y e o pero nosotros nos queremos quiero también
		und aber wir uns ich wollen möchten auch
		et mais nous je voulons aussi
		ma noi vogliamo anche
		mas nós queremos também
		ve ama biz istiyoruz da de
		و نحن نريد`) {
		m[w] = true
	}
	return m
}()

// hasContent reports whether ws has a word outside the need verbs and the
// fillers: "продаем мебель", not "мы продаем" or "нам нужно".
func hasContent(ws []word, verbs []span) bool {
	for _, w := range ws {
		inVerb := false
		for _, v := range verbs {
			if w.start >= v.start && w.end <= v.end {
				inVerb = true
			}
		}
		if !inVerb && !fillers[w.s] && letters(w.s) >= 2 {
			return true
		}
	}
	return false
}

func hasContactWord(ws []word) bool {
	for _, c := range contactWords {
		if contains(ws, c.words) {
			return true
		}
	}
	return false
}

// isCorrectionOnly reports a clause that is only "нет" or "actually".
func isCorrectionOnly(ws []word) bool {
	return len(ws) <= 2 && (contains(ws, correctionOpeners) || contains(ws, correctionWords))
}

// cityPrepositions may precede a bare city name ("в Нижнекамске").
var cityPrepositions = map[string]bool{"в": true, "во": true, "из": true, "у": true, "з": true, "in": true, "from": true,
	"en": true, "de": true, "aus": true, "à": true, "a": true, "em": true, "da": true, "di": true, "no": true, "na": true}

// bareCity takes a short answer of letters alone as the city the question
// asked for, when nothing else was read from it.
func bareCity(text string, ws []word, found Fields) string {
	if found.Budget != nil || found.Start != nil || found.Contact != "" || len(ws) == 0 || len(ws) > 4 {
		return ""
	}
	if cityPrepositions[ws[0].s] && len(ws) > 1 {
		text = text[ws[1].start:]
		ws = ws[1:]
	}
	for _, w := range ws {
		if letters(w.s) != len([]rune(w.s)) {
			return ""
		}
	}
	if contains(ws, correctionOpeners) && len(ws) == 1 {
		return ""
	}
	return truncate(strings.Join(strings.Fields(trimClause(text)), " "), 100)
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return strings.TrimSpace(string(r[:n]))
}

// Merge applies what a message said to what was known. A field unknown so
// far is filled. A known field changes only when the message is a
// correction, or when the budget is restated in another currency (the
// answer to a currency question). filled and corrected list the fields that
// changed, in the order they are asked.
func Merge(known, found Fields, correction bool) (merged Fields, filled, corrected []Field) {
	merged = known
	for _, field := range AllFields {
		if !found.Has(field) {
			continue
		}
		if !known.Has(field) {
			set(&merged, found, field)
			filled = append(filled, field)
			continue
		}
		if same(known, found, field) {
			continue
		}
		recast := field == FieldBudget && found.Budget.Currency != known.Budget.Currency
		if correction || recast {
			set(&merged, found, field)
			corrected = append(corrected, field)
		}
	}
	return merged, filled, corrected
}

func set(dst *Fields, src Fields, field Field) {
	switch field {
	case FieldBudget:
		b := *src.Budget
		dst.Budget, dst.BudgetPer = &b, src.BudgetPer
	case FieldNeed:
		dst.Need = src.Need
	case FieldStart:
		w := *src.Start
		dst.Start = &w
	case FieldCity:
		dst.City = src.City
	case FieldContact:
		dst.Contact = src.Contact
	}
}

func same(a, b Fields, field Field) bool {
	switch field {
	case FieldBudget:
		return *a.Budget == *b.Budget && a.BudgetPer == b.BudgetPer
	case FieldNeed:
		return a.Need == b.Need
	case FieldStart:
		return a.Start.Start.Equal(b.Start.Start) && a.Start.End.Equal(b.Start.End)
	case FieldCity:
		return a.City == b.City
	case FieldContact:
		return a.Contact == b.Contact
	}
	return true
}

// startDay is the civil day a start names, as midnight UTC (the shape of
// a PostgreSQL date), read in loc.
func startDay(w *extract.When, loc *time.Location) time.Time {
	t := w.Start
	if loc != nil {
		t = t.In(loc)
	}
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}
