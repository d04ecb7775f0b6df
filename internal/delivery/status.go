package delivery

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"frontdesk/internal/channel"
	"frontdesk/internal/channel/wire"
	"frontdesk/internal/conversation"
	"frontdesk/internal/eventlog"
	"frontdesk/jobs"
)

// statusRank orders the statuses a platform reports, so a late "delivered"
// never moves a "read" message back; FAILED is final.
var statusRank = map[conversation.DeliveryStatus]wire.DeliveryStatus{
	conversation.DeliveryPending:   wire.StatusUnknown,
	conversation.DeliverySent:      wire.StatusSent,
	conversation.DeliveryDelivered: wire.StatusDelivered,
	conversation.DeliveryRead:      wire.StatusRead,
	conversation.DeliveryFailed:    wire.StatusFailed,
}

var fromWire = map[wire.DeliveryStatus]conversation.DeliveryStatus{
	wire.StatusSent:      conversation.DeliverySent,
	wire.StatusDelivered: conversation.DeliveryDelivered,
	wire.StatusRead:      conversation.DeliveryRead,
	wire.StatusFailed:    conversation.DeliveryFailed,
}

// ApplyStatus records a platform's delivery report (a WhatsApp status
// webhook; a Messenger echo of our message is a report of "sent") on the
// outbound message of account with that platform id. The status only moves
// forward, so reports arriving out of order or twice change nothing; a
// failure carries the platform's error to agents. It reports whether the
// message changed; a report about a message we don't know (sent from
// another tool) is ignored.
//
// reference is what we attached to the send and the platform echoes
// (WhatsApp biz_opaque_callback_data, Messenger message metadata): our
// message id. A report whose platform id we have not recorded, about a
// message still PENDING, is a send whose outcome we never committed (the
// process died between the platform's answer and our commit): the message
// takes the platform id and the status, so the run that takes its claim
// over finds it sent and does not send it twice.
func (s *Service) ApplyStatus(ctx context.Context, a *channel.Account, platformID, reference string, status wire.DeliveryStatus, errs []wire.PlatformError) (bool, error) {
	next, ok := fromWire[status]
	if !ok || platformID == "" {
		return false, nil
	}
	changed := false
	err := s.record(ctx, nil, "apply status", func(ctx context.Context, tx bun.Tx) error {
		msg := new(conversation.Message)
		err := tx.NewSelect().Model(msg).
			Where("message.organization_id = ? AND message.direction = 'OUT'", a.OrganizationID).
			Where("message.conversation_id IN (SELECT id FROM conversations WHERE channel_account_id = ?)", a.ID).
			Where("(message.external_id = ? OR message.id IN (SELECT message_id FROM message_deliveries WHERE ? = ANY(platform_ids)))", platformID, platformID).
			For("UPDATE").Limit(1).Scan(ctx)
		if errors.Is(err, sql.ErrNoRows) {
			msg, err = adoptUnrecordedSend(ctx, tx, a, platformID, reference)
			if msg == nil || err != nil {
				return err
			}
		} else if err != nil {
			return fmt.Errorf("find message %s: %w", platformID, err)
		}
		if wire.Advance(statusRank[msg.DeliveryStatus], status) == statusRank[msg.DeliveryStatus] {
			return nil
		}
		if _, err := tx.NewUpdate().Model(msg).Set("delivery_status = ?", next).WherePK().Exec(ctx); err != nil {
			return fmt.Errorf("update delivery status: %w", err)
		}
		payload := map[string]any{"status": next, "platformId": platformID, "source": "platform"}
		if len(errs) > 0 {
			e := errs[0]
			payload["error"] = map[string]any{"code": e.Code, "message": e.Message, "details": e.Details}
			if _, err := tx.NewUpdate().Model((*struct {
				bun.BaseModel `bun:"table:message_deliveries"`
			})(nil)).Set("error_reason = 'PLATFORM_FAILED', error_code = ?, error_message = ?, updated_at = now()", e.Code, e.Message).
				Where("message_id = ?", msg.ID).Exec(ctx); err != nil {
				return fmt.Errorf("record delivery error: %w", err)
			}
		}
		changed = true
		events := []*eventlog.Event{{OrganizationID: msg.OrganizationID, ConversationID: &msg.ConversationID, MessageID: &msg.ID,
			Type: eventlog.MessageDeliveryUpdated, Private: true, Payload: eventlog.Payload(payload)}}
		if next == conversation.DeliveryFailed {
			resend, err := s.resendAsTemplate(ctx, tx, a, msg, errs)
			if err != nil {
				return err
			}
			if resend != nil {
				payload["resentAs"] = resend.MessageID
				events[0].Payload = eventlog.Payload(payload)
				events = append(events, resend)
			}
		}
		return eventlog.Append(ctx, tx, events...)
	})
	return changed, err
}

// adoptUnrecordedSend finds the PENDING message that reference names on
// account a and records platformID as its platform id: the platform has
// the message, though our record of the send never committed. It returns
// nil when there is no such message.
func adoptUnrecordedSend(ctx context.Context, tx bun.Tx, a *channel.Account, platformID, reference string) (*conversation.Message, error) {
	id, err := uuid.Parse(reference)
	if err != nil {
		return nil, nil
	}
	msg := new(conversation.Message)
	err = tx.NewSelect().Model(msg).
		Where("message.organization_id = ? AND message.id = ? AND message.direction = 'OUT' AND message.delivery_status = ?", a.OrganizationID, id, conversation.DeliveryPending).
		Where("message.conversation_id IN (SELECT id FROM conversations WHERE channel_account_id = ?)", a.ID).
		For("UPDATE").Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("find message %s: %w", reference, err)
	}
	if _, err := tx.NewUpdate().Model(msg).Set("external_id = coalesce(external_id, ?)", platformID).WherePK().Exec(ctx); err != nil {
		return nil, fmt.Errorf("record platform id: %w", err)
	}
	if _, err := tx.NewRaw(`INSERT INTO message_deliveries AS d (message_id, organization_id, platform_ids) VALUES (?, ?, ARRAY[?])
		ON CONFLICT (message_id) DO UPDATE SET platform_ids = array_append(d.platform_ids, ?), updated_at = now()
		WHERE NOT ? = ANY(d.platform_ids)`, msg.ID, msg.OrganizationID, platformID, platformID, platformID).Exec(ctx); err != nil {
		return nil, fmt.Errorf("record platform id: %w", err)
	}
	return msg, nil
}

// reengagementCode is WhatsApp's "more than 24 hours have passed since the
// recipient last replied": only a template may be sent.
const reengagementCode = 131047

// resendAsTemplate stores, in tx, a copy of msg to be sent as the
// account's re-engagement template, with its delivery job, when WhatsApp
// reported msg failed with 131047 (channels.md: treat it as "switch to a
// template" even when the window looked open) and the account has a
// template. It returns the copy's MESSAGE_SENT event, or nil when there is
// nothing to send: no template, another error, or msg was such a copy.
func (s *Service) resendAsTemplate(ctx context.Context, tx bun.Tx, a *channel.Account, msg *conversation.Message, errs []wire.PlatformError) (*eventlog.Event, error) {
	if a.Kind != channel.WhatsApp || msg.Payload == TemplateResend || len(errs) == 0 || errs[0].Code != reengagementCode {
		return nil, nil
	}
	t, err := a.ReengagementTemplate()
	if err != nil || t == nil {
		return nil, err
	}
	m := &conversation.Message{
		ID: uuid.Must(uuid.NewV7()), OrganizationID: msg.OrganizationID, ConversationID: msg.ConversationID,
		Direction: conversation.Out, Author: msg.Author, AuthorUserID: msg.AuthorUserID, Text: msg.Text,
		Attachments: []conversation.Attachment{}, Buttons: []conversation.Button{}, Payload: TemplateResend,
		DeliveryStatus: conversation.DeliveryPending,
	}
	if _, err := tx.NewInsert().Model(m).Returning("created_at").Exec(ctx); err != nil {
		return nil, fmt.Errorf("store template resend: %w", err)
	}
	if _, err := s.jobs.InsertTx(ctx, tx.Tx, jobs.DeliverMessageArgs{OrganizationID: m.OrganizationID, MessageID: m.ID}, nil); err != nil {
		return nil, fmt.Errorf("enqueue template resend: %w", err)
	}
	return &eventlog.Event{OrganizationID: m.OrganizationID, ConversationID: &m.ConversationID, MessageID: &m.ID, Type: eventlog.MessageSent,
		Payload: eventlog.Payload(map[string]any{"author": m.Author, "resendOf": msg.ID, "template": t.Name})}, nil
}
