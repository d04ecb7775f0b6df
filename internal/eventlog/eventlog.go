// Package eventlog is Frontdesk's append-only record of everything that
// happens: messages, status changes, hand-offs, escalations. Subscriptions,
// metrics and the audit trail read it.
//
// Ordering: each row stores the id of the transaction that wrote it (txid).
// A reader returns only rows whose txid is below the oldest transaction of
// this database still running when its snapshot was taken (the SQL function
// event_horizon()), ordered by (txid, id). Every
// transaction below that horizon has ended, so no row can later appear
// before a position a reader has already passed: the order is gap-free and
// identical for every reader, whatever order concurrent writers commit in.
// Writes that are causally ordered (the second starts after the first
// commits) keep their commit order, because transaction ids grow.
package eventlog

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"frontdesk/internal/apperror"
)

// Type names what happened; the values are the GraphQL enum's.
type Type string

// Event types.
const (
	MessageReceived      Type = "MESSAGE_RECEIVED"
	MessageSent          Type = "MESSAGE_SENT"
	NoteAdded            Type = "NOTE_ADDED"
	ConversationOpened   Type = "CONVERSATION_OPENED"
	ConversationReopened Type = "CONVERSATION_REOPENED"
	ConversationClosed   Type = "CONVERSATION_CLOSED"
	ConversationRead     Type = "CONVERSATION_READ"
	ConversationAssigned Type = "CONVERSATION_ASSIGNED"
	HandedOff            Type = "HANDED_OFF"
	ReturnedToBot        Type = "RETURNED_TO_BOT"
	Escalated            Type = "ESCALATED"
	// MessageClassified records the pipeline's verdict on an inbound
	// message (team only).
	MessageClassified Type = "MESSAGE_CLASSIFIED"
	// ClarificationAsked records the fallback ladder's first step.
	ClarificationAsked Type = "CLARIFICATION_ASKED"
	// ContactOptedOut records a "stop": no more follow-ups for the contact.
	ContactOptedOut Type = "CONTACT_OPTED_OUT"
	// ScenarioStarted, ScenarioUpdated and ScenarioFinished trace a
	// scenario run; metrics read completion and outcomes from them.
	ScenarioStarted  Type = "SCENARIO_STARTED"
	ScenarioUpdated  Type = "SCENARIO_UPDATED"
	ScenarioFinished Type = "SCENARIO_FINISHED"
	// FollowUpSent records a scenario's reminder to a customer who went
	// silent, sent by a timer rather than in answer to a message.
	FollowUpSent Type = "FOLLOW_UP_SENT"
	// LeadUpdated records a lead's new fields or status.
	LeadUpdated Type = "LEAD_UPDATED"
	// MeetingBooked records a booked call or appointment.
	MeetingBooked Type = "MEETING_BOOKED"
	// MessageDeliveryUpdated records the outbox's progress on an outbound
	// message (team only): the payload's status is SENT with the
	// platform's ids, or FAILED with a reason (OUTSIDE_WINDOW,
	// UNREACHABLE, HANDED_OFF, ...) and the platform's error.
	MessageDeliveryUpdated Type = "MESSAGE_DELIVERY_UPDATED"
	// MediaUpdated records that a customer's file was fetched from its
	// platform, or given up on: the payload names the attachment's index
	// and its status (READY, TOO_LARGE, FAILED).
	MediaUpdated Type = "MEDIA_UPDATED"
)

// Event is one row of the log.
type Event struct {
	bun.BaseModel `bun:"table:events"`

	ID             int64      `bun:"id,pk,autoincrement"`
	TxID           uint64     `bun:"txid,scanonly"`
	OrganizationID uuid.UUID  `bun:"organization_id,type:uuid"`
	ConversationID *uuid.UUID `bun:"conversation_id,type:uuid"`
	MessageID      *uuid.UUID `bun:"message_id,type:uuid"`
	ActorUserID    *uuid.UUID `bun:"actor_user_id,type:uuid"`
	Type           Type       `bun:"type"`
	// Private events are hidden from visitors (notes, assignments).
	Private    bool            `bun:"private"`
	Payload    json.RawMessage `bun:"payload,type:jsonb"`
	OccurredAt time.Time       `bun:"occurred_at,scanonly"`
	// StaffConversation marks events of staff conversations, which the
	// customer inbox does not show. It is read from the conversation, not stored.
	StaffConversation bool `bun:"-"`
}

// Cursor returns the event's opaque resume position.
func (e *Event) Cursor() string { return Position{TxID: e.TxID, ID: e.ID}.String() }

// Position is a place in the log's total order.
type Position struct {
	TxID uint64
	ID   int64
}

// Less reports whether p comes before q.
func (p Position) Less(q Position) bool {
	return p.TxID < q.TxID || (p.TxID == q.TxID && p.ID < q.ID)
}

// String encodes p as an opaque cursor.
func (p Position) String() string {
	return base64.RawURLEncoding.EncodeToString([]byte("ev:" + strconv.FormatUint(p.TxID, 10) + ":" + strconv.FormatInt(p.ID, 10)))
}

// ParseCursor decodes a cursor made by Position.String. An empty cursor is
// the zero position (the start of the log).
func ParseCursor(s string) (Position, error) {
	if s == "" {
		return Position{}, nil
	}
	bad := apperror.Invalid("after", "invalid cursor")
	if len(s) > 64 {
		return Position{}, bad
	}
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return Position{}, bad
	}
	parts := strings.Split(string(raw), ":")
	if len(parts) != 3 || parts[0] != "ev" {
		return Position{}, bad
	}
	tx, err1 := strconv.ParseUint(parts[1], 10, 64)
	id, err2 := strconv.ParseInt(parts[2], 10, 64)
	if err1 != nil || err2 != nil || id < 0 {
		return Position{}, bad
	}
	return Position{TxID: tx, ID: id}, nil
}

// Append writes events inside the caller's transaction (db is a bun.Tx in
// every service). Subscribers learn of them after commit, through the
// realtime notifier.
func Append(ctx context.Context, db bun.IDB, events ...*Event) error {
	if len(events) == 0 {
		return nil
	}
	for _, e := range events {
		if len(e.Payload) == 0 {
			e.Payload = json.RawMessage(`{}`)
		}
	}
	_, err := db.NewInsert().Model(&events).
		ExcludeColumn("id").
		Returning("id, txid::text::bigint AS txid, occurred_at").
		Exec(ctx)
	if err != nil {
		return fmt.Errorf("append events: %w", err)
	}
	return nil
}

// Payload marshals v for Event.Payload; v must be JSON-encodable.
func Payload(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("eventlog: payload not encodable: %v", err))
	}
	return b
}
