package lead

import (
	"fmt"
	"strconv"
	"time"
)

// Verdict is Qualify's decision on a lead.
type Verdict string

// Verdicts.
const (
	// VerdictIncomplete: the budget or the start is still unknown.
	VerdictIncomplete Verdict = "INCOMPLETE"
	// VerdictCurrencyMismatch: the budget is in another currency than the
	// minimum's (the organisation's). Nothing is converted: the scenario
	// asks for the budget in the organisation's currency.
	VerdictCurrencyMismatch Verdict = "CURRENCY_MISMATCH"
	// VerdictQualified: budget at or above the minimum and a start within
	// QualifyWithinDays; offer call slots.
	VerdictQualified Verdict = "QUALIFIED"
	// VerdictUnqualified: the lead goes to the routed manager.
	VerdictUnqualified Verdict = "UNQUALIFIED"
)

// Status is the lead status a verdict leads to.
func (v Verdict) Status() Status {
	switch v {
	case VerdictQualified:
		return StatusQualified
	case VerdictUnqualified:
		return StatusUnqualified
	default:
		return StatusQualifying
	}
}

// Qualify decides on a lead from its budget and start alone (the other
// fields do not change the decision; the scenario asks for Missing ones
// anyway). A lead qualifies when its budget, in the minimum's currency, is
// at least the minimum (any budget when there is none) and its start day
// (Start.Start, in loc) is at most QualifyWithinDays after today in loc; a
// start in the past counts as today. reason says why, in English, for the
// team's records and the hand-off summary.
func Qualify(s Settings, f Fields, now time.Time, loc *time.Location) (Verdict, string) {
	s = s.Effective()
	if loc == nil {
		loc = time.UTC
	}
	if f.Budget == nil {
		return VerdictIncomplete, "budget unknown"
	}
	if f.Start == nil {
		return VerdictIncomplete, "start unknown"
	}
	if m := s.MinimumBudget; m != nil {
		if f.Budget.Currency != m.Currency {
			return VerdictCurrencyMismatch, fmt.Sprintf("budget in %s, the minimum is in %s", f.Budget.Currency, m.Currency)
		}
		if f.Budget.Amount < m.Amount {
			return VerdictUnqualified, fmt.Sprintf("budget %s %s is below the minimum %s %s",
				amount(f.Budget.Amount), f.Budget.Currency, amount(m.Amount), m.Currency)
		}
	}
	today := now.In(loc)
	deadline := time.Date(today.Year(), today.Month(), today.Day()+s.QualifyWithinDays, 0, 0, 0, 0, time.UTC)
	day := startDay(f.Start, loc)
	if day.After(deadline) {
		return VerdictUnqualified, fmt.Sprintf("start %s is more than %d days away", day.Format(time.DateOnly), s.QualifyWithinDays)
	}
	return VerdictQualified, fmt.Sprintf("budget and start (%s) within the rules", day.Format(time.DateOnly))
}

func amount(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
