package lead

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"frontdesk/internal/extract"
)

// Slot search bounds.
const (
	// MinLeadTime is how soon a call may start at the earliest.
	MinLeadTime = time.Hour
	// slotHorizonDays is how far ahead Slots looks.
	slotHorizonDays = 60
	// maxSlots bounds what one call to Slots returns.
	maxSlots = 20
)

// Slots returns the starts of the next n free calls: SlotMinutes long,
// inside the consultation hours (in loc), starting at least MinLeadTime
// after now, and not overlapping a booked call (booked are starts of calls
// SlotMinutes long). Windows are cut into slots from their opening time.
// Without consultation hours there are no slots.
func Slots(s Settings, now time.Time, loc *time.Location, booked []time.Time, n int) []time.Time {
	s = s.Effective()
	if n <= 0 || len(s.ConsultationHours) == 0 {
		return nil
	}
	n = min(n, maxSlots)
	if loc == nil {
		loc = time.UTC
	}
	length := time.Duration(s.SlotMinutes) * time.Minute
	earliest := now.Add(MinLeadTime)
	today := now.In(loc)
	var out []time.Time
	for d := 0; d < slotHorizonDays && len(out) < n; d++ {
		day := time.Date(today.Year(), today.Month(), today.Day()+d, 0, 0, 0, 0, loc)
		wd := isoWeekday(day)
		var found []time.Time
		for _, h := range s.ConsultationHours {
			if h.Weekday != wd {
				continue
			}
			opens, ok1 := clockOn(day, h.Opens, loc)
			closes, ok2 := clockOn(day, h.Closes, loc)
			if !ok1 || !ok2 {
				continue
			}
			for t := opens; !t.Add(length).After(closes); t = t.Add(length) {
				if t.Before(earliest) || overlaps(t, length, booked) {
					continue
				}
				found = append(found, t)
			}
		}
		slices.SortFunc(found, func(a, b time.Time) int { return a.Compare(b) })
		found = slices.CompactFunc(found, func(a, b time.Time) bool { return a.Equal(b) })
		out = append(out, found...)
	}
	if len(out) > n {
		out = out[:n]
	}
	return out
}

func isoWeekday(t time.Time) int {
	wd := int(t.Weekday())
	if wd == 0 {
		wd = 7
	}
	return wd
}

// clockOn is day's wall clock hh:mm in loc.
func clockOn(day time.Time, hm string, loc *time.Location) (time.Time, bool) {
	h, m, ok := strings.Cut(hm, ":")
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if !ok || err1 != nil || err2 != nil {
		return time.Time{}, false
	}
	return time.Date(day.Year(), day.Month(), day.Day(), hh, mm, 0, 0, loc), true
}

func overlaps(t time.Time, length time.Duration, booked []time.Time) bool {
	for _, b := range booked {
		if t.Before(b.Add(length)) && b.Before(t.Add(length)) {
			return true
		}
	}
	return false
}

// slotPrefix starts a slot button's payload.
const slotPrefix = "slot:"

// SlotPayload is the payload of the button that offers the slot starting at
// t: "slot:" and t in RFC 3339 as t's location writes it
// ("slot:2026-11-25T11:00:00+03:00").
func SlotPayload(t time.Time) string { return slotPrefix + t.Format(time.RFC3339) }

// ParseSlotPayload reads a SlotPayload.
func ParseSlotPayload(payload string) (time.Time, bool) {
	rest, ok := strings.CutPrefix(strings.TrimSpace(payload), slotPrefix)
	if !ok || len(rest) > 40 {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339, rest)
	return t, err == nil
}

// ChooseSlot reads which of the offered slots the customer chose: a pressed
// slot button (payload), the date and time they wrote ("давайте завтра в
// 11", "Wednesday 12:30"), an ordinal in any built-in language ("второй",
// "the first one", "zweite", "el segundo", "последний") or a bare number
// ("2", "вариант 2"). Only an offered slot is ever returned; false means
// the answer names none of them (ask again, or offer fresh slots).
func ChooseSlot(text, payload string, offered []time.Time, ex extract.Entities, now time.Time, loc *time.Location) (time.Time, bool) {
	if len(offered) == 0 {
		return time.Time{}, false
	}
	if loc == nil {
		loc = time.UTC
	}
	if t, ok := ParseSlotPayload(payload); ok {
		return offeredAt(offered, t)
	}
	// A date and time that is an offered slot.
	for _, d := range ex.Dates {
		if d.HasTime {
			if t, ok := offeredAt(offered, d.Start); ok {
				return t, true
			}
		}
	}
	text = clip(text)
	ws := splitWords(lower(text))
	if i, ok := ordinal(ws, len(offered)); ok {
		return offered[i], true
	}
	for _, d := range ex.Dates {
		day := d.Start.In(loc)
		var onDay, atClock []time.Time
		for _, o := range offered {
			ol := o.In(loc)
			if sameDay(ol, day) {
				onDay = append(onDay, o)
			}
			if d.HasTime && ol.Hour() == day.Hour() && ol.Minute() == day.Minute() {
				atClock = append(atClock, o)
			}
		}
		switch {
		case !d.HasTime && len(onDay) == 1:
			// "давайте в среду" with one slot on Wednesday.
			return onDay[0], true
		case d.HasTime && len(onDay) == 0 && len(atClock) == 1:
			// "в 11" read as today, but 11:00 is offered only on one other day.
			return atClock[0], true
		}
	}
	return time.Time{}, false
}

func offeredAt(offered []time.Time, t time.Time) (time.Time, bool) {
	for _, o := range offered {
		if o.Equal(t) {
			return o, true
		}
	}
	return time.Time{}, false
}

func sameDay(a, b time.Time) bool {
	return a.Year() == b.Year() && a.YearDay() == b.YearDay()
}

// numberNouns may precede a bare option number ("вариант 2", "option 2").
var numberNouns = phrases("вариант", "варіант", "номер", "слот", "option", "slot", "number", "no", "opción", "opcion",
	"número", "numero", "variante", "nummer", "option", "opzione", "opção", "opcao", "seçenek", "secenek", "الخيار", "رقم")

// ordinal finds the position the customer named among n offered slots.
func ordinal(ws []word, n int) (int, bool) {
	for _, o := range ordinalWords {
		if contains(ws, o.words) {
			i := o.index
			if i < 0 {
				i = n - 1
			}
			if i < n {
				return i, true
			}
			return 0, false
		}
	}
	// A bare number: "2", "2)", "#2", "вариант 2", "option 2 please".
	for k, w := range ws {
		v, err := strconv.Atoi(w.s)
		if err != nil || v < 1 || v > n {
			continue
		}
		alone := len(ws) <= 2
		if k > 0 {
			for _, p := range numberNouns {
				if _, ok := p.matchAt(ws, k-1); ok {
					alone = true
				}
			}
		}
		if alone {
			return v - 1, true
		}
	}
	return 0, false
}
