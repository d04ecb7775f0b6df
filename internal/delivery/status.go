package delivery

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/uptrace/bun"

	"frontdesk/internal/channel"
	"frontdesk/internal/channel/wire"
	"frontdesk/internal/conversation"
	"frontdesk/internal/eventlog"
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
// webhook) on the outbound message of account with that platform id. The
// status only moves forward, so reports arriving out of order or twice
// change nothing; a failure carries the platform's error to agents. It
// reports whether the message changed; a report about a message we don't
// know (sent from another tool) is ignored.
func (s *Service) ApplyStatus(ctx context.Context, a *channel.Account, platformID string, status wire.DeliveryStatus, errs []wire.PlatformError) (bool, error) {
	next, ok := fromWire[status]
	if !ok || platformID == "" {
		return false, nil
	}
	changed := false
	err := s.record(ctx, "apply status", func(ctx context.Context, tx bun.Tx) error {
		msg := new(conversation.Message)
		err := tx.NewSelect().Model(msg).
			Where("message.organization_id = ? AND message.direction = 'OUT'", a.OrganizationID).
			Where("message.conversation_id IN (SELECT id FROM conversations WHERE channel_account_id = ?)", a.ID).
			Where("(message.external_id = ? OR message.id IN (SELECT message_id FROM message_deliveries WHERE ? = ANY(platform_ids)))", platformID, platformID).
			For("UPDATE").Limit(1).Scan(ctx)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
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
		return eventlog.Append(ctx, tx, &eventlog.Event{OrganizationID: msg.OrganizationID, ConversationID: &msg.ConversationID, MessageID: &msg.ID,
			Type: eventlog.MessageDeliveryUpdated, Private: true, Payload: eventlog.Payload(payload)})
	})
	return changed, err
}
