package conversation

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"
	"github.com/uptrace/bun"

	"frontdesk/internal/channel"
	"frontdesk/internal/database"
	"frontdesk/internal/eventlog"
	"frontdesk/jobs"
)

// The functions in this file work inside a caller's transaction, so that
// the pipeline can combine them with its own writes and commit once.

// LockConversation loads a conversation of orgID for update.
func LockConversation(ctx context.Context, tx bun.Tx, orgID, id uuid.UUID) (*Conversation, error) {
	return lockConversation(ctx, tx, orgID, id)
}

// ErrEarlierPending means an earlier inbound message of the same
// conversation has not been processed yet: messages are answered in the
// order they came, so the caller should retry shortly. Messages older than
// a minute are not waited for (their job may have failed for good).
var ErrEarlierPending = errors.New("an earlier message of the conversation is still being processed")

// ClaimMessage marks an unprocessed inbound message of orgID as processed
// at `at` and returns it, or nil when there is nothing to do (already
// processed, outbound, or gone), or ErrEarlierPending. The mark is part of
// the caller's transaction: if that rolls back, the message is unclaimed
// again, and a concurrent claim waits on the row and then finds it taken.
func ClaimMessage(ctx context.Context, tx bun.Tx, orgID, id uuid.UUID, at time.Time) (*Message, error) {
	m := new(Message)
	err := database.ScanOne(ctx, tx, m, `UPDATE messages AS m SET processed_at = $1
		WHERE m.organization_id = $2 AND m.id = $3 AND m.direction = 'IN' AND m.processed_at IS NULL
		  AND NOT EXISTS (SELECT 1 FROM messages e WHERE e.conversation_id = m.conversation_id AND e.direction = 'IN'
		      AND e.processed_at IS NULL AND e.id < m.id AND e.created_at > now() - interval '1 minute')
		RETURNING m.*`, at, orgID, id)
	if err == nil {
		return m, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("claim message: %w", err)
	}
	// Nothing claimed: done already, or waiting for an earlier message.
	waiting, err := tx.NewSelect().Model((*Message)(nil)).
		Where("organization_id = ? AND id = ? AND direction = 'IN' AND processed_at IS NULL", orgID, id).Exists(ctx)
	if err != nil {
		return nil, fmt.Errorf("claim message: %w", err)
	}
	if waiting {
		return nil, ErrEarlierPending
	}
	return nil, nil
}

// RecentMessages returns the conversation's last n non-private messages,
// oldest first.
func RecentMessages(ctx context.Context, db bun.IDB, conv *Conversation, n int) ([]*Message, error) {
	var out []*Message
	err := db.NewSelect().Model(&out).Where("conversation_id = ? AND NOT private", conv.ID).Order("id DESC").Limit(int64(n)).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("recent messages: %w", err)
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out, nil
}

// InsertBotReply stores an outbound bot message (with buttons, if any),
// enqueues its delivery through enq when its channel needs one, and
// returns its MESSAGE_SENT event for the caller to append. The caller holds
// the conversation's lock, has checked that the bot owns it, and saves the
// conversation afterwards: InsertBotReply sets conv's last outbound and
// activity times but does not write them, so a turn updates the row once.
func InsertBotReply(ctx context.Context, tx bun.Tx, enq Enqueuer, conv *Conversation, text string, buttons []Button) (*Message, *eventlog.Event, error) {
	if buttons == nil {
		buttons = []Button{}
	}
	m := &Message{
		ID: uuid.Must(uuid.NewV7()), OrganizationID: conv.OrganizationID, ConversationID: conv.ID,
		Direction: Out, Author: AuthorBot, Text: text, Attachments: []Attachment{}, Buttons: buttons,
		DeliveryStatus: deliveryFor(conv),
	}
	if _, err := tx.NewInsert().Model(m).Returning("created_at").Exec(ctx); err != nil {
		return nil, nil, fmt.Errorf("insert bot reply: %w", err)
	}
	if err := enqueueDelivery(ctx, tx, enq, m); err != nil {
		return nil, nil, err
	}
	conv.LastOutboundAt, conv.LastActivityAt = &m.CreatedAt, m.CreatedAt
	return m, &eventlog.Event{OrganizationID: conv.OrganizationID, ConversationID: &conv.ID, MessageID: &m.ID, Type: eventlog.MessageSent,
		Payload: eventlog.Payload(map[string]any{"author": AuthorBot})}, nil
}

// InsertSystemNote stores a private note written by Frontdesk itself (the
// hand-off summary) and returns its NOTE_ADDED event.
func InsertSystemNote(ctx context.Context, tx bun.Tx, conv *Conversation, text string) (*Message, *eventlog.Event, error) {
	m := &Message{
		ID: uuid.Must(uuid.NewV7()), OrganizationID: conv.OrganizationID, ConversationID: conv.ID,
		Direction: Out, Author: AuthorSystem, Text: text, Attachments: []Attachment{}, Buttons: []Button{},
		DeliveryStatus: DeliveryNone, Private: true,
	}
	if _, err := tx.NewInsert().Model(m).Returning("created_at").Exec(ctx); err != nil {
		return nil, nil, fmt.Errorf("insert note: %w", err)
	}
	return m, &eventlog.Event{OrganizationID: conv.OrganizationID, ConversationID: &conv.ID, MessageID: &m.ID, Type: eventlog.NoteAdded, Private: true}, nil
}

// HandOffTx gives the conversation to humans, assigns it to assignee when
// given, and schedules the hand-off SLA check, all in tx. It updates conv
// and returns the HANDED_OFF event.
func HandOffTx(ctx context.Context, tx bun.Tx, enq Enqueuer, conv *Conversation, reason string, assignee *uuid.UUID) (*eventlog.Event, error) {
	var sla int
	var at time.Time
	if err := tx.NewRaw(`SELECT handoff_sla_seconds, now() FROM organizations WHERE id = ?`, conv.OrganizationID).Scan(ctx, &sla, &at); err != nil {
		return nil, fmt.Errorf("read hand-off sla: %w", err)
	}
	at = at.Truncate(time.Microsecond)
	conv.Owner, conv.HandoffReason, conv.HandedOffAt = OwnerHuman, reason, &at
	columns := []string{"owner", "handoff_reason", "handed_off_at"}
	if assignee != nil {
		conv.AssigneeID = assignee
		columns = append(columns, "assignee_id")
	}
	if _, err := tx.NewUpdate().Model(conv).Column(columns...).WherePK().Exec(ctx); err != nil {
		return nil, fmt.Errorf("hand off: %w", err)
	}
	_, err := enq.InsertTx(ctx, tx.Tx, jobs.HandoffSLAArgs{OrganizationID: conv.OrganizationID, ConversationID: conv.ID, HandedOffAt: at},
		&river.InsertOpts{ScheduledAt: at.Add(time.Duration(sla) * time.Second)})
	if err != nil {
		return nil, fmt.Errorf("schedule hand-off sla: %w", err)
	}
	payload := map[string]any{"reason": reason, "slaSeconds": sla}
	if assignee != nil {
		payload["assigneeId"] = assignee
	}
	return &eventlog.Event{OrganizationID: conv.OrganizationID, ConversationID: &conv.ID, Type: eventlog.HandedOff, Payload: eventlog.Payload(payload)}, nil
}

// deliveryFor is the initial delivery status of an outbound message: web
// chat and staff chat messages reach their reader through the
// conversation's own subscription; other channels go through the outbox.
func deliveryFor(conv *Conversation) DeliveryStatus {
	if conv.Kind == channel.WebChat || conv.Kind == channel.Staff || conv.Kind == "" {
		return DeliverySent
	}
	return DeliveryPending
}

// enqueueDelivery inserts m's delivery job in tx, the transaction that
// stores m, when m waits for delivery: a stored outbound message is never
// left without its job, whatever crashes next.
func enqueueDelivery(ctx context.Context, tx bun.Tx, enq Enqueuer, m *Message) error {
	if m.DeliveryStatus != DeliveryPending {
		return nil
	}
	if _, err := enq.InsertTx(ctx, tx.Tx, jobs.DeliverMessageArgs{OrganizationID: m.OrganizationID, MessageID: m.ID}, nil); err != nil {
		return fmt.Errorf("enqueue delivery: %w", err)
	}
	return nil
}
