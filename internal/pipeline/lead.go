package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"frontdesk/internal/channel"
	"frontdesk/internal/classify"
	"frontdesk/internal/conversation"
	"frontdesk/internal/eventlog"
	"frontdesk/internal/lead"
	"frontdesk/internal/organization"
	"frontdesk/internal/replies"
)

// The lead qualification scenario (scenario 1) as a contract:
//
//	trigger:  a price question (price_inquiry or quote_request) from a customer
//	required: budget, need, start, city, preferred contact
//	done:     a meeting booked in a free consultation slot
//	escalate: the organisation's escalation rules; an unqualified lead, no
//	          free slots, or answers the bot cannot use twice in a row go to
//	          the routed manager with a summary
//	timers:   while the bot waits for an answer, one reminder after the
//	          organisation's followUpAfterHours, and the run given up
//	          (ABANDONED, silently) after abandonAfterHours, both counted
//	          from the bot's last unanswered question (a reminder held
//	          back to business hours moves the abandon with it)
//
// States: "qualifying" (collecting fields) → "choosing_slot" (slots offered)
// → finished. The bot waits for the customer in both.
var leadContract = contract{
	scenario: organization.ScenarioLeadQualification,
	triggers: []classify.Intent{classify.IntentPriceInquiry, classify.IntentQuoteRequest},
	waiting:  []string{stateQualifying, stateChoosingSlot},
	timers: []timer{
		{purpose: TimerFollowUp, after: lead.Settings.FollowUpAfter, speaks: true, fire: (*turn).remindLead},
		{purpose: TimerAbandon, after: lead.Settings.AbandonAfter, fire: (*turn).abandonRun},
	},
}

const (
	stateQualifying   = "qualifying"
	stateChoosingSlot = "choosing_slot"
	// maxMisses is how many answers in a row may teach the bot nothing
	// before a person takes over.
	maxMisses    = 2
	slotsOffered = 3
)

// leadRun is the scenario's own state, kept in the run's fields.
type leadRun struct {
	Fields  lead.Fields `json:"fields"`
	Asked   lead.Field  `json:"asked,omitempty"`
	Offered []time.Time `json:"offered,omitempty"`
	Misses  int         `json:"misses,omitempty"`
}

func leadTriggers(res classify.Result) bool {
	return slices.Contains(leadContract.triggers, res.Intent)
}

// startLead answers a price question with the price list and starts
// qualifying; whatever the first message already says is kept.
func (t *turn) startLead(ctx context.Context) error {
	settings, err := t.leadSettings(ctx)
	if err != nil {
		return err
	}
	run, err := t.startRun(ctx, organization.ScenarioLeadQualification, stateQualifying)
	if err != nil {
		return err
	}
	t.active = run
	if item, ok := lead.MatchPrice(settings, t.msg.Text); ok {
		from := replies.FormatMoney(t.lang, item.PriceFrom, item.Currency)
		if item.PriceTo != nil {
			t.say(replies.PriceRangeTo, replies.Params{"item": item.Name, "from": from, "to": replies.FormatMoney(t.lang, *item.PriceTo, item.Currency)})
		} else {
			t.say(replies.PriceRange, replies.Params{"item": item.Name, "from": from})
		}
	} else {
		t.say(replies.PriceUnknown, nil)
	}
	found, _ := lead.Parse(t.msg.Text, t.lang, t.ents, t.org.Currency)
	state := &leadRun{}
	state.Fields, _, _ = lead.Merge(lead.Fields{}, found, false)
	return t.advanceLead(ctx, settings, state, true)
}

// stepLead feeds one more customer message into an active lead run.
func (t *turn) stepLead(ctx context.Context) error {
	settings, err := t.leadSettings(ctx)
	if err != nil {
		return err
	}
	state, err := t.decodeLeadRun()
	if err != nil {
		return err
	}
	if t.active.State == stateChoosingSlot {
		if done, err := t.chooseSlot(ctx, settings, state); done || err != nil {
			return err
		}
	}
	var found lead.Fields
	var correction bool
	if state.Asked != "" {
		found, correction = lead.ParseReply(t.msg.Text, t.lang, t.ents, t.org.Currency, state.Asked)
	} else {
		found, correction = lead.Parse(t.msg.Text, t.lang, t.ents, t.org.Currency)
	}
	merged, filled, corrected := lead.Merge(state.Fields, found, correction)
	state.Fields = merged
	for _, f := range corrected {
		t.say(replies.Corrected, replies.Params{"field": replies.Label(t.lang, f.LabelKey())})
	}
	if len(filled) == 0 && len(corrected) == 0 {
		state.Misses++
		if state.Misses >= maxMisses {
			return t.leadHandOff(ctx, state, "the customer's answers could not be understood")
		}
	} else {
		state.Misses = 0
	}
	if len(corrected) > 0 && t.active.State == stateChoosingSlot {
		// A corrected budget or start may change the verdict: decide again.
		t.active.State = stateQualifying
	}
	return t.advanceLead(ctx, settings, state, false)
}

// advanceLead asks what is missing or, once everything is known, decides.
func (t *turn) advanceLead(ctx context.Context, settings lead.Settings, state *leadRun, first bool) error {
	loc := t.location()
	verdict, reason := lead.Qualify(settings, state.Fields, t.now, loc)
	if err := t.saveLead(ctx, state, verdict.Status()); err != nil {
		return err
	}
	if verdict == lead.VerdictCurrencyMismatch {
		state.Asked = lead.FieldBudget
		t.say(replies.CurrencyMismatch, replies.Params{"currency": t.org.Currency})
		return t.saveLeadRun(ctx, state)
	}
	if missing := lead.Missing(state.Fields); len(missing) > 0 {
		var b strings.Builder
		if first {
			b.WriteString(replies.Render(t.lang, replies.Tone(t.settings.Tone), replies.AskIntro, nil))
		}
		for _, f := range missing {
			if b.Len() > 0 {
				b.WriteString("\n")
			}
			b.WriteString(replies.Render(t.lang, replies.Tone(t.settings.Tone), f.AskKey(), nil))
		}
		state.Asked = missing[0]
		t.replies = append(t.replies, reply{text: b.String()})
		return t.saveLeadRun(ctx, state)
	}
	state.Asked = ""
	switch verdict {
	case lead.VerdictQualified:
		return t.offerSlots(ctx, settings, state, replies.OfferSlots)
	default:
		t.say(replies.LeadUnqualified, nil)
		return t.leadHandOff(ctx, state, "lead not qualified: "+reason)
	}
}

// offerSlots offers the next free consultation slots as buttons, after
// the catalogue text key.
func (t *turn) offerSlots(ctx context.Context, settings lead.Settings, state *leadRun, key replies.Key) error {
	slots, err := t.freeSlots(ctx, settings)
	if err != nil {
		return err
	}
	if len(slots) == 0 {
		return t.noSlotLeft(ctx, state)
	}
	t.replies = append(t.replies, reply{text: replies.Render(t.lang, replies.Tone(t.settings.Tone), key, nil), buttons: t.slotButtons(slots)})
	state.Offered = slots
	t.active.State = stateChoosingSlot
	return t.saveLeadRun(ctx, state)
}

// freeSlots are the next consultation slots nobody has booked.
func (t *turn) freeSlots(ctx context.Context, settings lead.Settings) ([]time.Time, error) {
	booked, err := lead.BookedStarts(ctx, t.tx, t.org.ID, t.now, t.now.AddDate(0, 0, 60))
	if err != nil {
		return nil, err
	}
	return lead.Slots(settings, t.now, t.location(), booked, slotsOffered), nil
}

// slotButtons are the slots as buttons, in the organisation's time zone.
func (t *turn) slotButtons(slots []time.Time) []conversation.Button {
	loc := t.location()
	buttons := make([]conversation.Button, len(slots))
	for i, s := range slots {
		buttons[i] = conversation.Button{Title: replies.FormatTime(t.lang, s.In(loc)), Payload: lead.SlotPayload(s.In(loc))}
	}
	return buttons
}

// noSlotLeft gives a qualified lead to a manager when no slot is free.
func (t *turn) noSlotLeft(ctx context.Context, state *leadRun) error {
	t.say(replies.LeadComplete, replies.Params{"contact": t.contactLabel(state)})
	return t.leadHandOff(ctx, state, "qualified lead; no free consultation slot to offer")
}

// remindLead is the lead scenario's reminder to a customer who went
// silent: the questions still open or, when slots were offered, fresh free
// slots as buttons (the offered ones may have passed or been taken). It
// saves the run, so the run moves on: the same timer firing again finds
// nothing to do, and the abandon timer is set at the new version.
func (t *turn) remindLead(ctx context.Context, settings lead.Settings) error {
	state, err := t.decodeLeadRun()
	if err != nil {
		return err
	}
	payload := map[string]any{"runId": t.active.ID, "scenario": t.active.Scenario, "state": t.active.State}
	if t.active.State == stateChoosingSlot {
		slots, err := t.freeSlots(ctx, settings)
		if err != nil {
			return err
		}
		if len(slots) == 0 {
			return t.noSlotLeft(ctx, state)
		}
		t.replies = append(t.replies, reply{text: replies.Render(t.lang, replies.Tone(t.settings.Tone), replies.FollowUpSlots, nil), buttons: t.slotButtons(slots)})
		state.Offered = slots
		payload["slots"] = slots
	} else if open := openFields(state); len(open) > 0 {
		labels := make([]string, len(open))
		for i, f := range open {
			labels[i] = replies.Label(t.lang, f.LabelKey())
		}
		t.say(replies.FollowUpFields, replies.Params{"fields": replies.FormatList(t.lang, labels)})
		payload["fields"] = open
	}
	if len(t.replies) > 0 {
		t.event(eventlog.FollowUpSent, payload)
	}
	return t.saveLeadRun(ctx, state)
}

// openFields are the fields a reminder asks for again, in the order they
// are asked: the unknown ones, and the one last asked even if known (a
// budget in the wrong currency).
func openFields(state *leadRun) []lead.Field {
	var out []lead.Field
	for _, f := range lead.AllFields {
		if !state.Fields.Has(f) || f == state.Asked {
			out = append(out, f)
		}
	}
	return out
}

// abandonRun gives up a run whose customer never answered. It says
// nothing; the run ends ABANDONED with the SCENARIO_FINISHED event every
// other end emits, so metrics count it.
func (t *turn) abandonRun(ctx context.Context, _ lead.Settings) error {
	return t.finishRun(ctx, t.active, OutcomeAbandoned)
}

// chooseSlot books the slot the customer picked. It reports whether the
// message was handled as a choice.
func (t *turn) chooseSlot(ctx context.Context, settings lead.Settings, state *leadRun) (bool, error) {
	loc := t.location()
	start, ok := lead.ChooseSlot(t.msg.Text, t.msg.Payload, state.Offered, t.ents, t.now, loc)
	if !ok {
		if t.msg.Payload != "" || looksLikeChoice(t.msg.Text) {
			return true, t.offerSlots(ctx, settings, state, replies.SlotUnclear)
		}
		return false, nil // maybe a correction or another answer: the caller parses it
	}
	l, err := lead.LeadByConversation(ctx, t.tx, t.org.ID, t.conv.ID)
	if err != nil {
		return true, err
	}
	m, err := lead.BookMeeting(ctx, t.tx, l, start, start.Add(time.Duration(settings.Effective().SlotMinutes)*time.Minute))
	if errors.Is(err, lead.ErrSlotTaken) {
		return true, t.offerSlots(ctx, settings, state, replies.SlotTaken)
	}
	if err != nil {
		return true, err
	}
	t.event(eventlog.MeetingBooked, map[string]any{"meetingId": m.ID, "leadId": l.ID, "startsAt": m.StartsAt})
	t.say(replies.MeetingBooked, replies.Params{"time": replies.FormatTime(t.lang, start.In(loc)), "contact": t.contactLabel(state)})
	state.Offered = nil
	t.active.State = "booked"
	if err := t.encodeLeadRun(state); err != nil {
		return true, err
	}
	return true, t.finishRun(ctx, t.active, OutcomeDone)
}

// leadHandOff gives a lead to the routed manager with the collected fields
// in the summary.
func (t *turn) leadHandOff(ctx context.Context, state *leadRun, reason string) error {
	if err := t.encodeLeadRun(state); err != nil {
		return err
	}
	t.collected = t.leadSummaryLines(state)
	return t.handOffTo(ctx, reason, replies.Handoff, organization.ScenarioLeadQualification, false)
}

// saveLead records the lead with what is known so far.
func (t *turn) saveLead(ctx context.Context, state *leadRun, status lead.Status) error {
	kind := string(t.conv.Kind)
	if kind == "" {
		kind = string(channel.WebChat)
	}
	var contactID uuid.UUID
	if t.conv.ContactID != nil {
		contactID = *t.conv.ContactID
	}
	l, err := lead.CreateOrUpdateLead(ctx, t.tx, t.org.ID, t.conv.ID, contactID, kind, state.Fields, status)
	if err != nil {
		return err
	}
	t.event(eventlog.LeadUpdated, map[string]any{"leadId": l.ID, "status": l.Status})
	return nil
}

// leadSettings loads the organisation's lead settings once per turn.
func (t *turn) leadSettings(ctx context.Context) (lead.Settings, error) {
	if t.leadSet == nil {
		s, err := lead.Load(ctx, t.tx, t.org.ID)
		if err != nil {
			return lead.Settings{}, err
		}
		t.leadSet = &s
	}
	return *t.leadSet, nil
}

func (t *turn) decodeLeadRun() (*leadRun, error) {
	state := &leadRun{}
	if err := json.Unmarshal(t.active.Fields, state); err != nil {
		return nil, fmt.Errorf("decode lead run: %w", err)
	}
	return state, nil
}

func (t *turn) encodeLeadRun(state *leadRun) error {
	b, err := json.Marshal(state)
	if err != nil {
		return fmt.Errorf("encode lead run: %w", err)
	}
	t.active.Fields = b
	return nil
}

func (t *turn) saveLeadRun(ctx context.Context, state *leadRun) error {
	if err := t.encodeLeadRun(state); err != nil {
		return err
	}
	return t.saveRun(ctx, t.active)
}

// contactLabel names how the manager will reach the customer.
func (t *turn) contactLabel(state *leadRun) string {
	if k := lead.ContactLabelKey(state.Fields.Contact); k != "" {
		return replies.Label(t.lang, k)
	}
	return replies.Label(t.lang, replies.ContactPhone)
}

// leadSummaryLines are the collected fields for the hand-off summary, in
// the team's language.
func (t *turn) leadSummaryLines(state *leadRun) []string {
	lang := t.org.TeamLanguage
	f := state.Fields
	var out []string
	add := func(field lead.Field, v string) {
		if v != "" {
			out = append(out, replies.Label(lang, field.LabelKey())+": "+v)
		}
	}
	if f.Budget != nil {
		b := replies.FormatMoney(lang, f.Budget.Amount, f.Budget.Currency)
		if f.BudgetPer != "" {
			b += " / " + f.BudgetPer
		}
		add(lead.FieldBudget, b)
	}
	add(lead.FieldNeed, f.Need)
	if f.Start != nil {
		add(lead.FieldStart, f.Start.Text+" ("+replies.FormatDate(lang, f.Start.Start.In(t.location()))+")")
	}
	add(lead.FieldCity, f.City)
	if k := lead.ContactLabelKey(f.Contact); k != "" {
		add(lead.FieldContact, replies.Label(lang, k))
	}
	return out
}

// looksLikeChoice reports a short reply that can only mean picking a slot.
func looksLikeChoice(text string) bool {
	return len([]rune(strings.TrimSpace(text))) <= 12
}
