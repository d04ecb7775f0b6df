package extract

import (
	"strings"
	"time"
)

// How dates are read (the rules the tests pin down):
//
//   - Everything resolves in Options.Location against Options.Now and is
//     returned as absolute times in that location.
//   - A day without a time ("завтра", "25 декабря") is the whole day:
//     Start 00:00:00, End 23:59:59. A span ("на следующей неделе",
//     "в декабре") runs from its first second to its last, both inclusive.
//     An instant has Start == End and HasTime true.
//   - A part of the day without a time narrows the day to morning
//     06:00-11:59:59, afternoon 12:00-17:59:59, evening 18:00-23:59:59,
//     night 00:00-05:59:59 of the next day.
//   - A time without a date is its next occurrence: today if still ahead,
//     else tomorrow. A part of the day alone works the same way.
//   - A bare weekday ("в пятницу") is the next such day after today; today
//     counts only if a time or part of day is given that is still ahead.
//     "this Friday" / "в эту пятницу" is the nearest one, today included.
//     "next Friday" / "в следующую пятницу" is the Friday of next calendar
//     week (weeks run Monday to Sunday), matching "next week".
//   - A day and month without a year ("25 декабря", "25.12") is the next
//     such date, today included. A month alone ("в декабре") is the span of
//     that month this year, or next year if it is already past; the current
//     month counts.
//   - A bare hour 1-7 with no am/pm, no part of day and no minutes ("в 3",
//     "at 5") is read as afternoon (15:00, 17:00): appointments are made in
//     business hours. "в 3 утра", "3am", "03:00" are read as written.
//   - Numeric dates: "25.12", "25.12.2026" are always day first. With
//     slashes, a part above 12 decides; when both parts could be a month
//     ("05/06") the date is month first only in a message that reads as
//     English, day first otherwise.
//   - "через 2 дня", "in two weeks", "через месяц" give that day (a whole
//     day); "через 2 часа", "in 30 minutes" give an instant.

type lxKind uint8

const (
	lkOther lxKind = iota // an unknown word: breaks a date phrase
	lkWord                // a vocabulary phrase
	lkNum
	lkSoft  // punctuation that may sit inside a phrase
	lkDot   // '.'
	lkBreak // sentence punctuation, or a token another entity claimed
)

type lexeme struct {
	kind   lxKind
	i0, i1 int // tokens [i0, i1)
	lx     lex
	num    int    // lkNum: value when plain digits, else -1
	nd     int    // lkNum: number of digits when plain
	s      string // the first token's folded text
	adj    bool   // no space before
}

type atomKind uint8

const (
	aDay       atomKind = iota + 1 // n days from today
	aWeekday                       // n = weekday, mod
	aDate                          // d, m, y (y 0 = next occurrence)
	aMonthSpan                     // m
	aRelSpan                       // unit week/month/year, n = offset, from the current one
	aOffset                        // n units from now
	aTime                          // h, min
	aPart                          // part only
)

const (
	modNone = iota
	modNext
	modThis
)

type atom struct {
	kind    atomKind
	j0, j1  int // lexemes [j0, j1)
	n, mod  int
	d, m, y int
	u       unit
	h, min  int
	exact   bool // time written with minutes or a 24-hour clock ("15:00")
	ampm    role // rAM, rPM or 0
	weak    bool // a bare number after a weak preposition: needs a date beside it
	part    string
}

func (a atom) isDay() bool { return a.kind != aTime && a.kind != aPart }

type dateScanner struct {
	toks    []token
	L       []lexeme
	english func() bool
}

func lexDates(toks []token) []lexeme {
	L := make([]lexeme, 0, len(toks))
	for i := 0; i < len(toks); {
		t := toks[i]
		lx := lexeme{i0: i, i1: i + 1, s: t.s, adj: !t.space, num: -1}
		switch {
		case t.claimed:
			lx.kind = lkBreak
		case t.kind == tkNum:
			lx.kind = lkNum
			if isDigits(t.s) && len(t.s) <= 9 {
				lx.num, lx.nd = atoi(t.s), len(t.s)
			}
		default:
			if v, n, ok := dateWords.match(toks, i); ok {
				lx.kind, lx.lx, lx.i1 = lkWord, v, i+n
			} else if t.kind == tkWord {
				lx.kind = lkOther
			} else {
				switch t.s {
				case ".":
					lx.kind = lkDot
				case "!", "?", ";", "…", "|", "\"", "«", "»", "@", "#", "№", "=":
					lx.kind = lkBreak
				default:
					lx.kind = lkSoft
				}
			}
		}
		L = append(L, lx)
		i = lx.i1
	}
	return L
}

func (s *dateScanner) has(j int, r role) bool {
	return j >= 0 && j < len(s.L) && s.L[j].kind == lkWord && s.L[j].lx.roles&r != 0
}

func (s *dateScanner) plain(j, lo, hi, maxDigits int) (int, bool) {
	if j < 0 || j >= len(s.L) || s.L[j].kind != lkNum || s.L[j].num < 0 || s.L[j].nd > maxDigits {
		return 0, false
	}
	v := s.L[j].num
	return v, v >= lo && v <= hi
}

func (s *dateScanner) isTok(j int, str string) bool {
	return j >= 0 && j < len(s.L) && s.L[j].s == str && s.L[j].i1-s.L[j].i0 == 1
}

// scan turns the lexemes into atoms, left to right, longest reading first.
func (s *dateScanner) scan() []atom {
	var out []atom
	for j := 0; j < len(s.L); {
		if s.L[j].kind == lkBreak || s.L[j].kind == lkOther || s.L[j].kind == lkDot || s.L[j].kind == lkSoft {
			j++
			continue
		}
		if s.has(j, rIgnore) {
			j++
			continue
		}
		var a atom
		var ok bool
		for _, try := range [...]func(int) (atom, bool){s.offset, s.date, s.clock, s.weekdayOrSpan, s.single} {
			if a, ok = try(j); ok {
				break
			}
		}
		if !ok {
			j++
			continue
		}
		out = append(out, a)
		j = a.j1
	}
	return out
}

// offset reads "через 2 дня", "in two weeks", "2 gün sonra", "через час".
func (s *dateScanner) offset(j int) (atom, bool) {
	count := func(k int) (int, int) { // value, lexemes used
		if v, ok := s.plain(k, 1, 999, 3); ok {
			return v, 1
		}
		if s.has(k, rNumWord) {
			return s.L[k].lx.n, 1
		}
		return 0, 0
	}
	unitAt := func(k int) (unit, int, bool) {
		if s.has(k, rUnit) {
			return s.L[k].lx.unit, s.L[k].lx.n, true
		}
		return uNone, 0, false
	}
	if s.has(j, rOffsetPre) {
		k := j + 1
		n, used := count(k)
		if used > 0 {
			if u, _, ok := unitAt(k + used); ok {
				return atom{kind: aOffset, j0: j, j1: k + used + 1, n: n, u: u}, true
			}
		}
		if u, implied, ok := unitAt(k); ok {
			if implied == 0 {
				implied = 1
			}
			// "in years" / "в год": a bare plural unit is no offset.
			return atom{kind: aOffset, j0: j, j1: k + 1, n: implied, u: u}, true
		}
		return atom{}, false
	}
	if n, used := count(j); used > 0 {
		if u, _, ok := unitAt(j + used); ok && s.has(j+used+1, rOffsetPost) {
			return atom{kind: aOffset, j0: j, j1: j + used + 2, n: n, u: u}, true
		}
	}
	return atom{}, false
}

// date reads "25 декабря", "December 25th, 2026", "25. Dezember", "25 de
// diciembre", "25.12", "25.12.2026", "12/25", "2026-12-25".
func (s *dateScanner) date(j int) (atom, bool) {
	if j >= len(s.L) {
		return atom{}, false
	}
	lx := s.L[j]
	if lx.kind == lkNum && lx.num < 0 {
		return s.numericDate(j)
	}
	if lx.kind == lkNum && lx.nd == 4 && s.isTok(j+1, "-") && s.L[j+1].adj {
		if m, ok := s.plain(j+2, 1, 12, 2); ok && s.isTok(j+3, "-") && s.L[j+2].adj && s.L[j+3].adj {
			if d, ok := s.plain(j+4, 1, 31, 2); ok && s.L[j+4].adj && validDate(lx.num, m, d) {
				return atom{kind: aDate, j0: j, j1: j + 5, d: d, m: m, y: lx.num}, true
			}
		}
	}
	if d, ok := s.plain(j, 1, 31, 2); ok {
		k := s.skipOrdinal(j + 1)
		if s.L[j].nd <= 2 && k < len(s.L) && s.L[k].kind == lkDot {
			k++
		}
		if s.isTok(k, "de") || s.isTok(k, "of") || s.isTok(k, "del") {
			k++
		}
		if s.has(k, rMonth) {
			m := s.L[k].lx.n
			k++
			y := 0
			yk := k
			if s.isTok(yk, "de") || s.isTok(yk, ",") {
				yk++
			}
			if v, ok := s.plain(yk, 1900, 2200, 4); ok {
				y, k = v, yk+1
			}
			if !validDate(y, m, d) {
				return atom{}, false
			}
			return atom{kind: aDate, j0: j, j1: k, d: d, m: m, y: y}, true
		}
		return atom{}, false
	}
	if s.has(j, rMonth) {
		m := s.L[j].lx.n
		k := j + 1
		if s.isTok(k, "the") {
			k++
		}
		if d, ok := s.plain(k, 1, 31, 2); ok {
			k = s.skipOrdinal(k + 1)
			y := 0
			yk := k
			if s.isTok(yk, ",") {
				yk++
			}
			if v, ok := s.plain(yk, 1900, 2200, 4); ok {
				y, k = v, yk+1
			}
			// "декабрь 15 человек": a count after a month is no day.
			if k < len(s.L) && s.L[k].kind == lkOther && countNouns[s.L[k].s] {
				return atom{}, false
			}
			if !validDate(y, m, d) {
				return atom{}, false
			}
			return atom{kind: aDate, j0: j, j1: k, d: d, m: m, y: y}, true
		}
	}
	return atom{}, false
}

func (s *dateScanner) skipOrdinal(k int) int {
	if k < len(s.L) && s.isTok(k, "-") && s.L[k].adj && s.has(k+1, rOrdinal) && s.L[k+1].adj {
		return k + 2
	}
	if s.has(k, rOrdinal) && s.L[k].adj {
		return k + 1
	}
	return k
}

func (s *dateScanner) numericDate(j int) (atom, bool) {
	str := s.L[j].s
	var sep byte
	switch {
	case strings.IndexByte(str, '.') > 0 && strings.IndexAny(str, ",:/") < 0:
		sep = '.'
	case strings.IndexByte(str, '/') > 0 && strings.IndexAny(str, ",:.") < 0:
		sep = '/'
	default:
		return atom{}, false
	}
	parts := strings.Split(str, string(sep))
	if len(parts) < 2 || len(parts) > 3 || len(parts[0]) > 2 || len(parts[1]) > 2 {
		return atom{}, false
	}
	a, b := atoi(parts[0]), atoi(parts[1])
	y := 0
	if len(parts) == 3 {
		switch len(parts[2]) {
		case 2:
			y = 2000 + atoi(parts[2])
		case 4:
			y = atoi(parts[2])
		default:
			return atom{}, false
		}
	}
	var d, m int
	if sep == '.' {
		// "4.5" is a rating, not the 4th of May: a dotted date has a
		// two-digit month.
		if len(parts[1]) != 2 {
			return atom{}, false
		}
		d, m = a, b
	} else {
		if len(parts[0]) == 1 && len(parts[1]) == 1 && y == 0 {
			return atom{}, false // "1/2" is a fraction
		}
		switch {
		case a > 12 && b <= 12:
			d, m = a, b
		case b > 12 && a <= 12:
			m, d = a, b
		case s.english():
			m, d = a, b
		default:
			d, m = a, b
		}
	}
	if m < 1 || m > 12 || d < 1 || !validDate(y, m, d) {
		return atom{}, false
	}
	return atom{kind: aDate, j0: j, j1: j + 1, d: d, m: m, y: y}, true
}

// clock reads a time of day: "15:00", "в 11", "at 3pm", "15h30",
// "um 15 Uhr", "в 2 часа дня", "7 вечера", "a las 10".
func (s *dateScanner) clock(j int) (atom, bool) {
	k := j
	prep := role(0)
	switch {
	case s.has(k, rPrep):
		prep = rPrep
		k++
	case s.has(k, rWeakPrep):
		prep = rWeakPrep
		k++
	}
	if k >= len(s.L) || s.L[k].kind != lkNum {
		return atom{}, false
	}
	a := atom{kind: aTime, j0: j}
	str := s.L[k].s
	switch {
	case strings.IndexByte(str, ':') > 0:
		p := strings.Split(str, ":")
		if len(p) > 3 || len(p[0]) > 2 || len(p[1]) != 2 || !isDigits(p[0]) || !isDigits(p[1]) || (len(p) == 3 && (len(p[2]) != 2 || !isDigits(p[2]))) {
			return atom{}, false
		}
		a.h, a.min, a.exact = atoi(p[0]), atoi(p[1]), true
	case strings.IndexByte(str, '.') > 0 && prep == rPrep:
		p := strings.Split(str, ".")
		if len(p) != 2 || len(p[0]) > 2 || len(p[1]) != 2 || !isDigits(p[0]) || !isDigits(p[1]) {
			return atom{}, false
		}
		a.h, a.min, a.exact = atoi(p[0]), atoi(p[1]), true
	default:
		v, ok := s.plain(k, 0, 24, 2)
		if !ok {
			return atom{}, false
		}
		a.h = v
		if s.L[k].nd == 2 && v < 10 {
			a.exact = true // "09" is a 24-hour clock
		}
	}
	if a.h > 23 || a.min > 59 {
		return atom{}, false
	}
	k++
	marked := false
	unitMark := false
	for guard := 0; guard < 4; guard++ {
		switch {
		case !marked && s.has(k, rHourMark):
			marked = true
			unitMark = s.has(k, rUnit)
			k++
			if mv, ok := s.plain(k, 0, 59, 2); ok && s.L[k].nd == 2 && !a.exact {
				if !s.has(k+1, rUnit) || s.has(k+1, rHourMark) || s.L[k+1].lx.unit == uMinute {
					a.min, a.exact = mv, true
					k++
					if s.has(k, rUnit) && s.L[k].lx.unit == uMinute {
						k++
					}
				}
			}
			continue
		case a.ampm == 0 && s.has(k, rAM|rPM) && a.h >= 1 && a.h <= 12:
			// German "am Montag": "am" before a date word is no a.m.
			if s.has(k, rAM) && (s.has(k+1, rWeekday|rMonth|rPart|rRelDay) || (k+1 < len(s.L) && s.L[k+1].kind == lkNum)) {
				break
			}
			if s.has(k, rPM) {
				a.ampm = rPM
			} else {
				a.ampm = rAM
			}
			k++
			continue
		case a.part == "" && s.has(k, rPartAfter) && (marked || prep == rPrep || a.exact || !s.has(k, rUnit)):
			// "в 2 часа дня", "в 3 дня" but not "на 2 дня" (for two days).
			a.part = s.L[k].lx.part
			k++
			continue
		}
		break
	}
	strong := a.exact && strings.IndexByte(str, ':') > 0 || a.ampm != 0 || a.part != "" || (marked && !unitMark)
	switch {
	case strong:
	case prep == rPrep || (prep == rWeakPrep) || (marked && prep != 0):
		if !marked && k < len(s.L) && s.L[k].kind == lkOther && looksLikeCount(s.L[k].s) {
			return atom{}, false
		}
		if !marked && s.has(k, rUnit) {
			return atom{}, false // "на 2 недели"
		}
		a.weak = prep == rWeakPrep && !marked
	default:
		return atom{}, false
	}
	a.j1 = k
	return a, true
}

func looksLikeCount(w string) bool {
	if countNouns[w] {
		return true
	}
	// "в 3 магазинах", "at 3 locations".
	if strings.HasSuffix(w, "ах") || strings.HasSuffix(w, "ях") {
		return true
	}
	if len(w) > 3 && w[len(w)-1] == 's' && w[0] < 0x80 {
		return true
	}
	return false
}

// weekdayOrSpan reads "в пятницу", "next Tuesday", "martes que viene",
// "на следующей неделе", "next month", "this morning", "next December".
func (s *dateScanner) weekdayOrSpan(j int) (atom, bool) {
	k, mod := j, modNone
	switch {
	case s.has(k, rNext):
		mod = modNext
		k++
	case s.has(k, rThis):
		mod = modThis
		k++
	}
	switch {
	case s.has(k, rWeekday):
		a := atom{kind: aWeekday, j0: j, n: s.L[k].lx.n, mod: mod}
		k++
		if mod == modNone && s.has(k, rNext) {
			a.mod = modNext
			k++
		}
		a.j1 = k
		return a, true
	case s.has(k, rUnit) && s.L[k].lx.n == 0 && s.L[k].lx.unit >= uWeek:
		u := s.L[k].lx.unit
		k++
		if mod == modNone {
			if !s.has(k, rNext) {
				return atom{}, false
			}
			mod = modNext
			k++
		}
		n := 0
		if mod == modNext {
			n = 1
		}
		return atom{kind: aRelSpan, j0: j, j1: k, u: u, n: n}, true
	case mod == modThis && s.has(k, rPart):
		return atom{kind: aDay, j0: j, j1: k + 1, n: 0, part: s.L[k].lx.part}, true
	case mod != modNone && s.has(k, rMonth) && s.L[k].lx.roles&rMonthNumber == 0:
		return atom{kind: aMonthSpan, j0: j, j1: k + 1, m: s.L[k].lx.n, mod: mod}, true
	}
	return atom{}, false
}

// single reads one-word atoms: "завтра", "tonight", "в декабре", "утром".
func (s *dateScanner) single(j int) (atom, bool) {
	switch {
	case s.has(j, rRelDay):
		return atom{kind: aDay, j0: j, j1: j + 1, n: s.L[j].lx.n, part: s.L[j].lx.part}, true
	case s.has(j, rMonth) && s.L[j].lx.roles&rMonthNumber == 0:
		return atom{kind: aMonthSpan, j0: j, j1: j + 1, m: s.L[j].lx.n}, true
	case s.has(j, rPart):
		return atom{kind: aPart, j0: j, j1: j + 1, part: s.L[j].lx.part}, true
	}
	return atom{}, false
}

type dateGroup struct {
	day, tm, part *atom
	j0, j1        int
}

func (g *dateGroup) accepts(a *atom) bool {
	if a.isDay() && g.day != nil || a.kind == aTime && g.tm != nil {
		return false
	}
	if a.part != "" && (g.part != nil || g.tm != nil && g.tm.part != "") {
		return false
	}
	return true
}

func (g *dateGroup) add(a *atom) {
	switch {
	case a.isDay():
		g.day = a
		if a.part != "" {
			g.part = a
		}
	case a.kind == aTime:
		g.tm = a
	case a.kind == aPart:
		g.part = a
	}
	if g.j1 == 0 || a.j1 > g.j1 {
		g.j1 = a.j1
	}
}

// group joins atoms that belong to one date: "в пятницу в 2 часа дня",
// "завтра, можно в 15?" (a day and a time at most two words apart).
func (s *dateScanner) group(atoms []atom) []dateGroup {
	var out []dateGroup
	var cur *dateGroup
	for k := range atoms {
		a := &atoms[k]
		if cur != nil && cur.accepts(a) {
			tight, loose := s.gap(cur.j1, a.j0)
			onlyDay := cur.day != nil && cur.tm == nil && cur.part == nil
			onlyTime := cur.tm != nil && cur.day == nil
			if tight || loose && (onlyDay && a.kind == aTime || onlyTime && a.isDay()) {
				cur.add(a)
				continue
			}
		}
		out = append(out, dateGroup{j0: a.j0})
		cur = &out[len(out)-1]
		cur.add(a)
	}
	return out
}

// gap says whether the lexemes between two atoms only connect them (tight)
// or are at most two other words within the same sentence (loose).
func (s *dateScanner) gap(from, to int) (tight, loose bool) {
	others := 0
	for j := from; j < to; j++ {
		l := s.L[j]
		switch l.kind {
		case lkBreak, lkDot:
			return false, false
		case lkWord:
			if l.lx.roles&(rFiller|rPrep|rWeakPrep) == 0 {
				others++
			}
		case lkSoft:
		default:
			others++
		}
	}
	return others == 0, others <= 2
}

// leading extends a group over the prepositions just before it ("в
// субботу", "на следующей неделе"), at most two, not into the previous group.
func (s *dateScanner) leading(j0, floor int) int {
	for n := 0; n < 2 && j0-1 >= floor; n++ {
		l := s.L[j0-1]
		if l.kind != lkWord || l.lx.roles&(rFiller|rPrep|rWeakPrep) == 0 || s.toks[l.i0].kind != tkWord {
			break
		}
		j0--
	}
	return j0
}

// extractDates finds and resolves every date in the unclaimed tokens.
func extractDates(text string, toks []token, now time.Time, english func() bool) []When {
	L := lexDates(toks)
	s := &dateScanner{toks: toks, L: L, english: english}
	atoms := s.scan()
	if len(atoms) == 0 {
		return nil
	}
	groups := s.group(atoms)
	var out []When
	floor := 0
	for _, g := range groups {
		if len(out) >= maxFound {
			break
		}
		if g.tm != nil && g.tm.weak && g.day == nil {
			g.tm = nil
			if g.part == nil {
				continue
			}
		}
		j0 := s.leading(g.j0, floor)
		floor = g.j1
		for k := L[g.j0].i0; k < L[g.j1-1].i1; k++ {
			toks[k].claimed = true
		}
		w, ok := resolve(g, now)
		if !ok {
			continue
		}
		w.Text = strings.TrimSpace(text[toks[L[j0].i0].start:toks[L[g.j1-1].i1-1].end])
		out = append(out, w)
	}
	return out
}

var partWindows = map[string][2]int{ // start hour, end hour (exclusive)
	partMorning:   {6, 12},
	partAfternoon: {12, 18},
	partEvening:   {18, 24},
	partNight:     {24, 30},
}

func resolve(g dateGroup, now time.Time) (When, bool) {
	loc := now.Location()
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
	w := When{}
	part := ""
	if g.part != nil {
		part = g.part.part
	}
	if g.tm != nil && g.tm.part != "" {
		part = g.tm.part
	}
	w.Part = part

	// The time of day, as hours and minutes after midnight.
	h, m := -1, 0
	if g.tm != nil {
		h, m = hourOf(g.tm, part), g.tm.min
	}
	// partEnd is when the named part of the day ends, for "still ahead".
	ahead := func(day time.Time) bool {
		if h >= 0 {
			return at(day, h, m).After(now)
		}
		if part != "" {
			return at(day, partWindows[part][1], 0).After(now)
		}
		return false
	}

	var day time.Time // a single day, when the date names one
	if g.day != nil {
		a := g.day
		switch a.kind {
		case aDay:
			day = today.AddDate(0, 0, a.n)
		case aWeekday:
			delta := (a.n - int(today.Weekday()) + 7) % 7
			switch a.mod {
			case modNext:
				monday := today.AddDate(0, 0, -((int(today.Weekday())+6)%7)+7)
				day = monday.AddDate(0, 0, (a.n+6)%7)
			case modThis:
				day = today.AddDate(0, 0, delta)
			default:
				day = today.AddDate(0, 0, delta)
				if delta == 0 && !ahead(today) {
					day = today.AddDate(0, 0, 7)
				}
			}
		case aDate:
			y := a.y
			if y == 0 {
				y = today.Year()
				if time.Date(y, time.Month(a.m), a.d, 0, 0, 0, 0, loc).Before(today) {
					y++
				}
				for !validDate(y, a.m, a.d) && y < today.Year()+8 { // 29 February
					y++
				}
			}
			day = time.Date(y, time.Month(a.m), a.d, 0, 0, 0, 0, loc)
		case aOffset:
			switch a.u {
			case uMinute, uHour:
				d := time.Duration(a.n) * time.Minute
				if a.u == uHour {
					d = time.Duration(a.n) * time.Hour
				}
				t := now.Add(d)
				w.Start, w.End, w.HasTime = t, t, true
				return w, sane(w, now)
			case uDay:
				day = today.AddDate(0, 0, a.n)
			case uWeek:
				day = today.AddDate(0, 0, 7*a.n)
			case uMonth:
				day = today.AddDate(0, a.n, 0)
			case uYear:
				day = today.AddDate(a.n, 0, 0)
			}
		case aMonthSpan:
			y := today.Year()
			if time.Month(a.m) < today.Month() || a.mod == modNext && time.Month(a.m) == today.Month() {
				y++
			}
			start := time.Date(y, time.Month(a.m), 1, 0, 0, 0, 0, loc)
			w.Start, w.End = start, start.AddDate(0, 1, 0).Add(-time.Second)
			return w, sane(w, now)
		case aRelSpan:
			var start, end time.Time
			switch a.u {
			case uWeek:
				monday := today.AddDate(0, 0, -((int(today.Weekday()) + 6) % 7))
				start = monday.AddDate(0, 0, 7*a.n)
				end = start.AddDate(0, 0, 7)
			case uMonth:
				start = time.Date(today.Year(), today.Month()+time.Month(a.n), 1, 0, 0, 0, 0, loc)
				end = start.AddDate(0, 1, 0)
			default:
				start = time.Date(today.Year()+a.n, 1, 1, 0, 0, 0, 0, loc)
				end = start.AddDate(1, 0, 0)
			}
			w.Start, w.End = start, end.Add(-time.Second)
			return w, sane(w, now)
		}
	} else {
		// No date: the next time the time of day or part comes round.
		day = today
		if (h >= 0 || part != "") && !ahead(today) {
			day = today.AddDate(0, 0, 1)
		}
	}
	switch {
	case h >= 0:
		w.Start = at(day, h, m)
		w.End, w.HasTime = w.Start, true
	case part != "":
		win := partWindows[part]
		w.Start, w.End = at(day, win[0], 0), at(day, win[1], 0).Add(-time.Second)
	default:
		w.Start, w.End = day, day.AddDate(0, 0, 1).Add(-time.Second)
	}
	return w, sane(w, now)
}

// at is day at h:m in day's location, counting hours past 24 into the next
// day and staying right across daylight-saving changes.
func at(day time.Time, h, m int) time.Time {
	return time.Date(day.Year(), day.Month(), day.Day(), h, m, 0, 0, day.Location())
}

func hourOf(a *atom, part string) int {
	h := a.h
	switch {
	case a.ampm == rPM && h < 12:
		h += 12
	case a.ampm == rAM && h == 12:
		h = 0
	case a.ampm != 0:
	case part == partAfternoon || part == partEvening:
		if h < 12 {
			h += 12
		}
	case part == partNight:
		if h == 12 {
			h = 0
		} else if h >= 8 && h < 12 {
			h += 12
		}
	case part == partMorning:
		if h == 12 {
			h = 0
		}
	case !a.exact && h >= 1 && h <= 7:
		h += 12
	}
	return h
}

// sane keeps results within five years of now: a wrong reading far away is
// worse than none.
func sane(w When, now time.Time) bool {
	lo, hi := now.AddDate(-5, 0, 0), now.AddDate(5, 0, 0)
	return !w.Start.Before(lo) && !w.End.After(hi) && !w.End.Before(w.Start)
}

func validDate(y, m, d int) bool {
	if m < 1 || m > 12 || d < 1 || d > 31 {
		return false
	}
	if y == 0 {
		y = 2024 // a leap year: "29.02" is a date
	}
	return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC).Day() == d
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// atoi reads up to nine ASCII digits; callers check isDigits first.
func atoi(s string) int {
	n := 0
	for i := 0; i < len(s) && i < 9; i++ {
		if s[i] >= '0' && s[i] <= '9' {
			n = n*10 + int(s[i]-'0')
		}
	}
	return n
}
