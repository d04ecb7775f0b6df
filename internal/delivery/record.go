package delivery

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"frontdesk/internal/channel"
	"frontdesk/internal/channel/wire"
	"frontdesk/internal/conversation"
	"frontdesk/internal/eventlog"
)

// record runs fn in one short transaction on a context detached from the
// job's: once the platform has the message, a cancelled job must still
// record it. Subscribers are told after the commit. d is the send it
// records, nil for none.
func (s *Service) record(ctx context.Context, d *delivery, op string, fn func(ctx context.Context, tx bun.Tx) error) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	defer cancel()
	err := s.db.RunInTx(ctx, nil, fn)
	if d != nil && d.accountWritten {
		// The next send must read the status this one wrote, not the
		// copy cached before it.
		s.conns.Forget(d.account.ID)
		d.accountWritten = false
	}
	if err != nil {
		return fmt.Errorf("deliver: %s: %w", op, err)
	}
	s.notify.Notify()
	return nil
}

// setStatus moves the message from PENDING to status; it reports false
// when the message had already left PENDING (a run that took a stale
// claim over got there first).
func setStatus(ctx context.Context, tx bun.Tx, msg *conversation.Message, status conversation.DeliveryStatus, externalID *string) (bool, error) {
	q := tx.NewUpdate().Model((*conversation.Message)(nil)).Set("delivery_status = ?", status).
		Where("id = ? AND delivery_status = ?", msg.ID, conversation.DeliveryPending)
	if externalID != nil {
		q.Set("external_id = ?", *externalID)
	}
	res, err := q.Exec(ctx)
	if err != nil {
		return false, fmt.Errorf("update message: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// succeed records a message the platform accepted, in one statement that
// commits on its own: the status, the delivery row and the event. The
// message must still be PENDING; a run that took a stale claim over and
// got there first leaves nothing to record.
func (s *Service) succeed(ctx context.Context, d *delivery, sent wire.Sent) error {
	var first *string
	if len(sent.IDs) > 0 {
		first = &sent.IDs[0]
	}
	ids := sent.IDs
	if ids == nil {
		ids = []string{}
	}
	payload := map[string]any{"status": conversation.DeliverySent, "externalIds": ids}
	if d.out.Template != nil {
		payload["template"] = d.out.Template.Name
	}
	if d.out.HumanAgent {
		payload["humanAgent"] = true
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	defer cancel()
	// $n parameters, so the statement is prepared once per connection
	// (database.Open) rather than planned for every reply.
	_, err := s.db.DB.ExecContext(ctx, `WITH m AS (
			UPDATE messages SET delivery_status = $1, external_id = coalesce($2, external_id)
			WHERE id = $3 AND delivery_status = $4
			RETURNING id, organization_id, conversation_id
		), d AS (
			UPDATE message_deliveries SET claimed_at = NULL, platform_ids = $5, error_reason = NULL, error_code = NULL,
			  error_message = NULL, updated_at = now()
			WHERE message_id IN (SELECT id FROM m)
		)
		INSERT INTO events (organization_id, conversation_id, message_id, type, private, payload)
		SELECT organization_id, conversation_id, id, $6, true, $7::jsonb FROM m`,
		string(conversation.DeliverySent), first, d.msg.ID, string(conversation.DeliveryPending), ids,
		string(eventlog.MessageDeliveryUpdated), string(eventlog.Payload(payload)))
	if err != nil {
		return fmt.Errorf("deliver: record sent: %w", err)
	}
	s.notify.Notify()
	// A send that works shows the credentials work again. The account was
	// read for this send: an account that was fine then needs no
	// statement (one that failed since recovers on its next send).
	if d.account.Status == channel.StatusError {
		_, err = s.db.NewUpdate().Model((*channel.Account)(nil)).Set("status = ?", channel.StatusActive).Set("updated_at = now()").
			Where("id = ? AND status = ?", d.account.ID, channel.StatusError).Exec(ctx)
		s.conns.Forget(d.account.ID)
		if err != nil {
			return fmt.Errorf("deliver: mark account active: %w", err)
		}
	}
	return nil
}

// fail records a final failure, raising an event for agents.
func (s *Service) fail(ctx context.Context, d *delivery, f failure) error {
	var first *string
	if len(f.sent) > 0 {
		first = &f.sent[0]
	}
	ids := f.sent
	if ids == nil {
		ids = []string{}
	}
	var code *int
	if f.platform != nil {
		code = &f.platform.Err.Code
	}
	err := s.record(ctx, d, "record failure", func(ctx context.Context, tx bun.Tx) error {
		moved, err := setStatus(ctx, tx, d.msg, conversation.DeliveryFailed, first)
		if err != nil || !moved {
			return err
		}
		_, err = tx.NewRaw(`INSERT INTO message_deliveries AS d (message_id, organization_id, platform_ids, error_reason, error_code, error_message)
			VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (message_id) DO UPDATE SET claimed_at = NULL, platform_ids = excluded.platform_ids, error_reason = excluded.error_reason,
			  error_code = excluded.error_code, error_message = excluded.error_message, updated_at = now()`,
			d.msg.ID, d.msg.OrganizationID, pgdialect.Array(ids), f.reason, code, f.message).Exec(ctx)
		if err != nil {
			return fmt.Errorf("update delivery: %w", err)
		}
		if f.reason == ReasonUnreachable && f.platform != nil {
			_, err := tx.NewRaw(`UPDATE contact_identities SET unreachable_at = now(), unreachable_reason = ? WHERE id = ?`,
				f.platform.Err.String(), d.identity).Exec(ctx)
			if err != nil {
				return fmt.Errorf("mark recipient unreachable: %w", err)
			}
		}
		if f.accountWide() {
			if err := s.accountError(ctx, tx, d, f.message, f.reason == ReasonAuth); err != nil {
				return err
			}
		}
		payload := map[string]any{"status": conversation.DeliveryFailed, "reason": f.reason, "error": f.message}
		if code != nil {
			payload["code"] = *code
		}
		if len(ids) > 0 {
			payload["externalIds"] = ids
		}
		return eventlog.Append(ctx, tx, d.event(payload))
	})
	if err != nil {
		return err
	}
	s.log.WarnContext(ctx, "delivery failed", slog.String("message_id", d.msg.ID.String()), slog.String("reason", f.reason), slog.String("error", f.message))
	return nil
}

// recordRetry notes a failure that will be retried: the claim is released
// for the next run, and the account shows the error.
func (s *Service) recordRetry(ctx context.Context, d *delivery, se *wire.SendError) error {
	return s.record(ctx, d, "record retry", func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.NewRaw(`UPDATE message_deliveries SET claimed_at = NULL, error_reason = ?, error_code = ?, error_message = ?, updated_at = now()
			WHERE message_id = ?`, ReasonPlatform, se.Err.Code, describe(se), d.msg.ID).Exec(ctx)
		if err != nil {
			return fmt.Errorf("release claim: %w", err)
		}
		return s.accountError(ctx, tx, d, describe(se), false)
	})
}

// release gives the claim back after an error on our side, and returns
// that error for River to retry.
func (s *Service) release(ctx context.Context, msg *conversation.Message, cause error) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	defer cancel()
	if _, err := s.db.NewRaw(`UPDATE message_deliveries SET claimed_at = NULL, updated_at = now() WHERE message_id = ?`, msg.ID).Exec(ctx); err != nil {
		return fmt.Errorf("%w (and release claim: %v)", cause, err)
	}
	return cause
}

// accountError records an account's latest delivery failure; auth marks
// it ERROR until an admin updates its credentials or a send works again.
func (s *Service) accountError(ctx context.Context, tx bun.Tx, d *delivery, message string, auth bool) error {
	a := d.account
	now := time.Now()
	message = channel.ErrorNote(message)
	a.LastError, a.LastErrorAt, a.UpdatedAt = &message, &now, now
	cols := []string{"last_error", "last_error_at", "updated_at"}
	if auth && a.Status == channel.StatusActive {
		a.Status = channel.StatusError
		cols = append(cols, "status")
	}
	if _, err := tx.NewUpdate().Model(a).Column(cols...).WherePK().Exec(ctx); err != nil {
		return fmt.Errorf("record account error: %w", err)
	}
	d.accountWritten = true
	return nil
}

// event is d's MESSAGE_DELIVERY_UPDATED event with payload.
func (d *delivery) event(payload map[string]any) *eventlog.Event {
	return &eventlog.Event{
		OrganizationID: d.msg.OrganizationID, ConversationID: &d.msg.ConversationID, MessageID: &d.msg.ID,
		Type: eventlog.MessageDeliveryUpdated, Private: true, Payload: eventlog.Payload(payload),
	}
}
