package pipeline

import (
	"context"
	"fmt"
	"strings"
	"time"

	"frontdesk/internal/conversation"
	"frontdesk/internal/replies"
)

// summary is the hand-off note for the team, in the team's language: the
// structured part translated, the customer's words as they wrote them.
func (t *turn) summary(ctx context.Context, reason string) (string, error) {
	lang := t.org.TeamLanguage
	recent, err := conversation.RecentMessages(ctx, t.tx, t.conv, 6)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n", replies.Label(lang, replies.LabelHandoffTitle))
	fmt.Fprintf(&b, "%s: %s\n", replies.Label(lang, replies.LabelReason), reason)
	if t.msg != nil { // a timer's turn answers no message
		fmt.Fprintf(&b, "%s: %s (%.0f%%, %s)\n", replies.Label(lang, replies.LabelIntent), t.res.Intent, t.res.Confidence*100, t.res.Language)
	}
	if t.active != nil {
		fmt.Fprintf(&b, "%s: %s\n", replies.Label(lang, replies.LabelScenario), t.active.Scenario)
	}
	if len(t.collected) > 0 {
		fmt.Fprintf(&b, "%s:\n", replies.Label(lang, replies.LabelFields))
		for _, line := range t.collected {
			fmt.Fprintf(&b, "  %s\n", line)
		}
	}
	if t.msg != nil {
		fmt.Fprintf(&b, "%s: %s\n", replies.Label(lang, replies.LabelAsk), t.msg.Text)
		if tr, ok := t.translate(ctx, t.msg.Text); ok {
			fmt.Fprintf(&b, "  (%s) %s\n", lang, tr)
		}
	}
	fmt.Fprintf(&b, "%s:\n", replies.Label(lang, replies.LabelLast))
	for _, m := range recent {
		who := "←"
		if m.Direction == conversation.Out {
			who = "→"
		}
		fmt.Fprintf(&b, "%s %s %s\n", m.CreatedAt.In(t.location()).Format("15:04"), who, m.Text)
	}
	return strings.TrimRight(b.String(), "\n"), nil
}

// location is the organisation's time zone.
func (t *turn) location() *time.Location {
	loc, err := time.LoadLocation(t.org.TimeZone)
	if err != nil {
		return time.UTC
	}
	return loc
}

// nextOpening formats when the business next opens, for after-hours replies.
func (t *turn) nextOpening() string {
	if opens, ok := t.nextOpeningAt(); ok {
		return replies.FormatTime(t.lang, opens)
	}
	return ""
}

// nextOpeningAt is the earliest start of a business-hours window after
// now, in the organisation's time zone; false when no hours are set.
func (t *turn) nextOpeningAt() (time.Time, bool) {
	loc := t.location()
	now := t.now.In(loc)
	for d := 0; d <= 7; d++ {
		day := now.AddDate(0, 0, d)
		wd := int(day.Weekday())
		if wd == 0 {
			wd = 7
		}
		var first time.Time
		for _, h := range t.settings.BusinessHours {
			if h.Weekday != wd {
				continue
			}
			// Windows are not sorted: take the day's earliest that is still ahead.
			opens, err := time.ParseInLocation("2006-01-02 15:04", day.Format("2006-01-02")+" "+h.Opens, loc)
			if err == nil && opens.After(now) && (first.IsZero() || opens.Before(first)) {
				first = opens
			}
		}
		if !first.IsZero() {
			return first, true
		}
	}
	return time.Time{}, false
}
