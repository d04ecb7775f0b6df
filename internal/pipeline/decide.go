package pipeline

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"frontdesk/internal/auth"
	"frontdesk/internal/classify"
	"frontdesk/internal/conversation"
	"frontdesk/internal/eventlog"
	"frontdesk/internal/extract"
	"frontdesk/internal/organization"
	"frontdesk/internal/replies"
)

// run classifies the message and decides, in the order that keeps a
// customer safe: a human owner silences the bot; escalation rules hand off
// at once; a "stop" ends follow-ups; uncertainty climbs the fallback ladder;
// then the intent's own handling.
func (t *turn) run(ctx context.Context) error {
	switch {
	case t.assist.verdict != nil:
		t.res = *t.assist.verdict
	case t.conv.IsStaff():
		t.res = t.p.classifier.Classify(t.msg.Text)
	default:
		t.res = t.p.classifier.ClassifyCustomer(t.msg.Text)
	}
	t.ents = extract.Extract(t.msg.Text, extractOptions(t.org, t.now))
	t.lang = t.replyLanguage()
	t.events = append(t.events, &eventlog.Event{
		OrganizationID: t.conv.OrganizationID, ConversationID: &t.conv.ID, MessageID: &t.msg.ID,
		Type: eventlog.MessageClassified, Private: true, Payload: eventlog.Payload(t.res),
	})
	if t.conv.Owner == conversation.OwnerHuman {
		return nil // one owner: after a hand-off the bot says nothing until returnToBot
	}
	if reason, ok := t.escalation(); ok {
		return t.handOff(ctx, reason, replies.Handoff)
	}
	if t.res.Intent == classify.IntentNotInterested && t.conv.ContactID != nil && isStop(t.msg.Text) {
		return t.optOut(ctx)
	}
	if t.active != nil && t.active.Scenario == organization.ScenarioLeadQualification {
		// Inside a scenario, answers are read by the scenario, whatever
		// the classifier makes of them.
		return t.stepLead(ctx)
	}
	if t.res.Intent == classify.IntentUnclear || t.res.Confidence < t.settings.ConfidenceThreshold {
		return t.clarifyOrHandOff(ctx)
	}
	t.conv.Clarifications = 0
	switch {
	case t.res.Intent == classify.IntentGreeting:
		t.say(replies.Greeting, nil)
		return nil
	case leadTriggers(t.res) && !t.conv.IsStaff():
		return t.startLead(ctx)
	default:
		// No automated scenario handles this intent yet: a person answers,
		// with everything the bot learnt in the summary.
		return t.handOff(ctx, "no automated scenario for "+string(t.res.Intent), replies.Handoff)
	}
}

// replyLanguage is the message's language when Frontdesk speaks it, else
// the conversation's, else the team's.
func (t *turn) replyLanguage() string {
	if replies.Supported(t.res.Language) {
		t.conv.Language = t.res.Language
		return t.res.Language
	}
	if replies.Supported(t.conv.Language) {
		return t.conv.Language
	}
	return t.org.TeamLanguage
}

// escalation applies the organisation's escalation rules to the verdict.
func (t *turn) escalation() (string, bool) {
	r := t.settings.EscalationRules
	on := func(b *bool) bool { return b == nil || *b }
	switch {
	case t.res.Intent == classify.IntentRefundRequest && on(r.Refund):
		return "refund request", true
	case t.res.Intent == classify.IntentHumanRequest && on(r.HumanRequest):
		return "customer asked for a person", true
	}
	for _, f := range t.res.Sensitive {
		switch {
		case (f == classify.FlagThreat || f == classify.FlagAbuse) && on(r.Threats):
			return "threat or abuse", true
		case f == classify.FlagLegal && on(r.Legal):
			return "legal threat", true
		case f == classify.FlagHealth && on(r.Health):
			return "health or safety", true
		}
	}
	if isDispute(t.res.Intent) {
		if lim := r.OrderValueAbove; lim != nil {
			for _, a := range t.ents.Amounts {
				cur := a.Currency
				if cur == "" {
					cur = t.org.Currency
				}
				if cur == lim.Currency && a.Amount > lim.Amount {
					return "dispute over an order above the value limit", true
				}
			}
		} else if t.res.Escalate {
			// No limit configured: the classifier's defaults judge the
			// order expensive.
			return "dispute over an expensive order", true
		}
	}
	text := strings.ToLower(t.msg.Text)
	for _, k := range r.Keywords {
		if k = strings.ToLower(strings.TrimSpace(k)); k != "" && strings.Contains(text, k) {
			return fmt.Sprintf("keyword %q", k), true
		}
	}
	return "", false
}

// clarifyOrHandOff is the fallback ladder: ask once, then hand off.
func (t *turn) clarifyOrHandOff(ctx context.Context) error {
	if t.conv.Clarifications == 0 {
		t.conv.Clarifications++
		t.say(replies.Clarify, nil)
		t.events = append(t.events, &eventlog.Event{OrganizationID: t.conv.OrganizationID, ConversationID: &t.conv.ID, MessageID: &t.msg.ID, Type: eventlog.ClarificationAsked})
		return nil
	}
	t.conv.Clarifications = 0
	return t.handOff(ctx, "request still unclear after a clarifying question", replies.NotUnderstoodHandoff)
}

// optOut stops every follow-up for the contact: it records the opt-out,
// which every scenario timer checks when it fires, cancels the timers
// already scheduled for the contact's runs, and ends the active run.
func (t *turn) optOut(ctx context.Context) error {
	_, err := t.tx.NewUpdate().Model((*conversation.Contact)(nil)).Set("opted_out_at = ?", t.now).
		Where("id = ? AND opted_out_at IS NULL", *t.conv.ContactID).Exec(ctx)
	if err != nil {
		return fmt.Errorf("opt out: %w", err)
	}
	if err := t.cancelContactTimers(ctx, *t.conv.ContactID); err != nil {
		return err
	}
	t.events = append(t.events, &eventlog.Event{OrganizationID: t.conv.OrganizationID, ConversationID: &t.conv.ID, MessageID: &t.msg.ID, Type: eventlog.ContactOptedOut})
	if t.active != nil {
		if err := t.finishRun(ctx, t.active, OutcomeAbandoned); err != nil {
			return err
		}
	}
	t.say(replies.StopConfirmed, nil)
	return nil
}

// handOff tells the customer a person takes over, gives the conversation
// to the routed team member, and leaves the team a summary.
func (t *turn) handOff(ctx context.Context, reason string, key replies.Key) error {
	scenario := organization.ScenarioReception
	if t.active != nil {
		scenario = t.active.Scenario
		if t.active.Scenario == organization.ScenarioLeadQualification {
			state := &leadRun{}
			if json.Unmarshal(t.active.Fields, state) == nil {
				t.collected = t.leadSummaryLines(state)
			}
		}
	}
	return t.handOffTo(ctx, reason, key, scenario, true)
}

// handOffTo hands off to the person routed for scenario; say tells the
// customer with key (a scenario that already said its last word passes
// false).
func (t *turn) handOffTo(ctx context.Context, reason string, key replies.Key, scenario organization.ScenarioKind, say bool) error {
	switch {
	case !say: // the scenario has already told the customer
	case t.settings.OpenAt(t.now, t.location()):
		t.say(key, nil)
	default:
		t.say(replies.HandoffAfterHours, replies.Params{"opens": t.nextOpening()})
	}
	if err := t.sendReplies(ctx); err != nil {
		return err
	}
	assignee, err := t.route(ctx, scenario)
	if err != nil {
		return err
	}
	if t.active != nil {
		if err := t.finishRun(ctx, t.active, OutcomeHandedOff); err != nil {
			return err
		}
	}
	ev, err := conversation.HandOffTx(ctx, t.tx, t.enq, t.conv, reason, assignee)
	if err != nil {
		return err
	}
	t.events = append(t.events, ev)
	summary, err := t.summary(ctx, reason)
	if err != nil {
		return err
	}
	_, note, err := conversation.InsertSystemNote(ctx, t.tx, t.conv, summary)
	if err != nil {
		return err
	}
	t.events = append(t.events, note)
	return nil
}

// route picks who receives a hand-off: the user named for the scenario, or
// the least-loaded active agent or manager (round robin by load).
func (t *turn) route(ctx context.Context, scenario organization.ScenarioKind) (*uuid.UUID, error) {
	if id, ok := t.settings.HandoffRouting.RouteFor(scenario); ok {
		return &id, nil
	}
	var ids []uuid.UUID
	err := t.tx.NewRaw(`SELECT u.id FROM users u
		LEFT JOIN conversations c ON c.assignee_id = u.id AND c.owner = 'HUMAN' AND c.status <> 'CLOSED'
		WHERE u.organization_id = ? AND u.active AND u.role IN (?)
		GROUP BY u.id ORDER BY count(c.id), u.id LIMIT 1`,
		t.conv.OrganizationID, bun.List([]auth.Role{auth.RoleAgent, auth.RoleManager})).Scan(ctx, &ids)
	if err != nil {
		return nil, fmt.Errorf("route hand-off: %w", err)
	}
	if len(ids) == 0 {
		return nil, nil // nobody to route to: it waits in the shared inbox
	}
	return &ids[0], nil
}

// say queues a catalogue reply in the customer's language and the
// organisation's tone.
func (t *turn) say(key replies.Key, params replies.Params) {
	t.replies = append(t.replies, reply{text: replies.Render(t.lang, replies.Tone(t.settings.Tone), key, params)})
}

// sendReplies stores the queued replies, the disclosure line first on
// first contact. It is the one place bot messages are written, and it
// checks ownership there: a conversation a human owns gets nothing.
func (t *turn) sendReplies(ctx context.Context) error {
	if len(t.replies) == 0 || t.conv.Owner != conversation.OwnerBot {
		t.replies = nil
		return nil
	}
	disclosure := ""
	if t.conv.DisclosedAt == nil {
		disclosure = t.settings.BotDisclosure
		if disclosure == "" {
			disclosure = replies.Render(t.lang, replies.Tone(t.settings.Tone), replies.DisclosureDefault, replies.Params{"org": t.org.Name})
		}
		now := t.now
		t.conv.DisclosedAt = &now
	}
	for i, r := range t.replies {
		// The organisation's disclosure line is sent as written, never reworded.
		text := t.reword(ctx, r.text)
		if i == 0 && disclosure != "" {
			text = disclosure + "\n" + text
		}
		_, ev, err := conversation.InsertBotReply(ctx, t.tx, t.enq, t.conv, text, r.buttons)
		if err != nil {
			return err
		}
		t.events = append(t.events, ev)
	}
	t.replies = nil
	return nil
}

// commit sends what is queued, saves the conversation's pipeline state,
// marks the message processed and appends the events.
func (t *turn) commit(ctx context.Context) error {
	if err := t.sendReplies(ctx); err != nil {
		return err
	}
	_, err := t.tx.NewUpdate().Model(t.conv).Column("clarifications", "disclosed_at", "language", "last_outbound_at", "last_activity_at").WherePK().Exec(ctx)
	if err != nil {
		return fmt.Errorf("save conversation: %w", err)
	}
	if err := eventlog.Append(ctx, t.tx, t.events...); err != nil {
		return err
	}
	return t.enq.flush(ctx, t.tx.Tx)
}

// isStop reports an explicit request to stop writing, as opposed to a mere
// "not interested" (which a later scenario may still follow up politely).
func isStop(text string) bool {
	t := strings.ToLower(text)
	return slices.ContainsFunc(stopPhrases, func(p string) bool { return strings.Contains(t, p) })
}

var stopPhrases = []string{
	"stop", "unsubscribe", "don't write", "do not write", "don't message", "do not contact", "stop writing",
	"не пишите", "не пиши", "хватит писать", "отпишите", "стоп", "больше не пишите",
	"не пишіть", "більше не пишіть",
	"no me escriban", "no escriban", "deja de escribir", "não me escreva", "parem de escrever",
	"schreiben sie mir nicht", "nicht mehr schreiben", "abmelden",
	"ne m'écrivez plus", "arrêtez de m'écrire", "non scrivetemi", "smettete di scrivere",
	"yazmayın", "bana yazmayın", "توقف", "لا تراسلني",
}

// isDispute reports intents that complain about an order or ask money back.
func isDispute(i classify.Intent) bool {
	switch i {
	case classify.IntentComplaint, classify.IntentOrderDamaged, classify.IntentOrderNotReceived, classify.IntentOrderDelayed:
		return true
	}
	return false
}
