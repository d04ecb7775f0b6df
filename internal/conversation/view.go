package conversation

import (
	"encoding/json"

	"frontdesk/internal/auth"
	"frontdesk/internal/eventlog"
)

// What a web chat visitor may see is decided here, once, for conversations
// and for events: every path that hands either to a visitor (Get, the web
// chat session, the conversation's subscription, and the request and event
// loaders that resolve Message.conversation and Event.conversation) passes
// it through ForViewer or EventForViewer. A visitor learns that the bot or a
// person answers, and nothing of how the team handles the conversation:
// who is assigned, why it was handed off, the hand-off SLA, whether it
// escalated, what the team has not read.

// ForViewer returns c as p may see it: c itself for the team and for
// employees, its visitor view for a visitor.
func ForViewer(p *auth.Principal, c *Conversation) *Conversation {
	if c == nil || p == nil || p.Role != auth.RoleVisitor {
		return c
	}
	return c.VisitorView()
}

// VisitorView returns a copy of c with only what a visitor may see. The
// copy is built field by field from an allowlist, so a field added to
// Conversation later stays hidden from visitors until someone decides
// otherwise here.
func (c *Conversation) VisitorView() *Conversation {
	return &Conversation{
		ID:               c.ID,
		OrganizationID:   c.OrganizationID,
		ChannelAccountID: c.ChannelAccountID,
		ContactID:        c.ContactID,
		Status:           c.Status,
		// Owner HUMAN and HandedOffAt say that a person will answer.
		Owner:          c.Owner,
		HandedOffAt:    c.HandedOffAt,
		Language:       c.Language,
		LastInboundAt:  c.LastInboundAt,
		LastOutboundAt: c.LastOutboundAt,
		LastActivityAt: c.LastActivityAt,
		CreatedAt:      c.CreatedAt,
		Kind:           c.Kind,
	}
}

// visitorData lists, per event type, the payload keys a visitor may read;
// every other key, and the payload of every type not listed, is dropped.
var visitorData = map[eventlog.Type][]string{
	eventlog.MessageSent:  {"author"},          // bot or person: the visitor sees who wrote anyway
	eventlog.MediaUpdated: {"index", "status"}, // which of the visitor's files can be shown
}

// EventForViewer returns e as p may see it, or nil when p may not see it at
// all. The team sees e itself; a visitor sees a copy without the actor and
// with only the payload keys visitorData allows, and never sees private
// events or escalations (the team's alarm that the SLA passed). e may be
// shared with other subscribers, so it is never modified.
func EventForViewer(p *auth.Principal, e *eventlog.Event) *eventlog.Event {
	if e == nil || p == nil || p.Role != auth.RoleVisitor {
		return e
	}
	if e.Private || e.Type == eventlog.Escalated {
		return nil
	}
	v := *e
	v.ActorUserID = nil
	v.Payload = visitorPayload(e.Type, e.Payload)
	return &v
}

func visitorPayload(t eventlog.Type, payload json.RawMessage) json.RawMessage {
	keys := visitorData[t]
	if len(keys) == 0 {
		return json.RawMessage(`{}`)
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(payload, &all); err != nil {
		return json.RawMessage(`{}`)
	}
	kept := make(map[string]json.RawMessage, len(keys))
	for _, k := range keys {
		if v, ok := all[k]; ok {
			kept[k] = v
		}
	}
	return eventlog.Payload(kept)
}
