package conversation

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"frontdesk/internal/channel"
	"frontdesk/internal/eventlog"
)

// ChannelMessage is a customer's message from a platform webhook,
// normalised by the channel adapter.
type ChannelMessage struct {
	Account *channel.Account
	// SenderID is the platform's id of the customer for this account
	// (contact_identities.external_id): WhatsApp wa_id or scoped id, PSID,
	// IGSID, Telegram user id.
	SenderID   string
	SenderName string
	Phone      string
	Language   string
	// ExternalID is the platform's id of the message (wamid, mid,
	// "tg:<update_id>"): a redelivery with the same id is not stored again.
	ExternalID  string
	Text        string
	Payload     string
	Attachments []Attachment
}

// ReceiveFromChannel stores a platform message in the sender's
// conversation on that account (creating the contact and the conversation
// on first contact) with its processing job, in one transaction. It
// reports stored = false, and stores nothing, for a message already
// stored: webhook redeliveries, however late, have no second effect.
func (s *Service) ReceiveFromChannel(ctx context.Context, in ChannelMessage) (msg *Message, stored bool, err error) {
	a := in.Account
	if in.SenderID == "" || in.ExternalID == "" {
		return nil, false, fmt.Errorf("receive from %s: sender and message id are required", a.Kind)
	}
	msg = &Message{
		ID: uuid.Must(uuid.NewV7()), Direction: In, Author: AuthorContact,
		Text: clip(in.Text, MaxTextLength), Payload: clip(in.Payload, 1000),
		Attachments: in.Attachments, Buttons: []Button{}, DeliveryStatus: DeliveryNone,
		ExternalID: &in.ExternalID,
	}
	if msg.Attachments == nil {
		msg.Attachments = []Attachment{}
	}
	stored, err = s.receiveWith(ctx, a.OrganizationID, msg, func(ctx context.Context, tx bun.Tx) (*Conversation, error) {
		// One sender's first messages may arrive at once (Telegram sends
		// updates in parallel): serialise them so they share one contact
		// and one conversation.
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtextextended(?, 0))`, a.ID.String()+"/"+in.SenderID); err != nil {
			return nil, fmt.Errorf("lock sender: %w", err)
		}
		conv, err := senderConversation(ctx, tx, a, in)
		if err != nil {
			return nil, err
		}
		dup, err := tx.NewSelect().Model((*Message)(nil)).
			Where("conversation_id = ? AND external_id = ?", conv.ID, in.ExternalID).Exists(ctx)
		if err != nil {
			return nil, fmt.Errorf("look for a redelivery: %w", err)
		}
		if dup {
			return nil, nil
		}
		if _, err := tx.NewUpdate().Model((*channel.Account)(nil)).Set("last_inbound_at = now()").
			Where("id = ?", a.ID).Exec(ctx); err != nil {
			return nil, fmt.Errorf("record last inbound: %w", err)
		}
		return conv, nil
	})
	if err != nil {
		return nil, false, fmt.Errorf("receive from %s: %w", a.Kind, err)
	}
	return msg, stored, nil
}

// senderConversation returns the sender's latest conversation on the
// account, locked, creating the contact, its identity and the
// conversation when the sender is new.
func senderConversation(ctx context.Context, tx bun.Tx, a *channel.Account, in ChannelMessage) (*Conversation, error) {
	var contactID uuid.UUID
	err := tx.NewRaw(`SELECT contact_id FROM contact_identities WHERE channel_account_id = ? AND external_id = ?`, a.ID, in.SenderID).Scan(ctx, &contactID)
	if errors.Is(err, sql.ErrNoRows) {
		return newSenderConversation(ctx, tx, a, in)
	}
	if err != nil {
		return nil, fmt.Errorf("find contact: %w", err)
	}
	conv := new(Conversation)
	err = tx.NewSelect().Model(conv).ColumnExpr("conversation.*").ColumnExpr("ca.kind").
		Join("JOIN channel_accounts AS ca ON ca.id = conversation.channel_account_id").
		Where("conversation.organization_id = ? AND conversation.channel_account_id = ? AND conversation.contact_id = ?", a.OrganizationID, a.ID, contactID).
		OrderExpr("conversation.created_at DESC").Limit(1).For("NO KEY UPDATE OF conversation").Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return openConversation(ctx, tx, a, contactID, in.Language)
	}
	if err != nil {
		return nil, fmt.Errorf("find conversation: %w", err)
	}
	return conv, nil
}

func newSenderConversation(ctx context.Context, tx bun.Tx, a *channel.Account, in ChannelMessage) (*Conversation, error) {
	name := clip(strings.TrimSpace(in.SenderName), 200)
	c := &Contact{ID: uuid.Must(uuid.NewV7()), OrganizationID: a.OrganizationID, Name: name, Phone: clip(in.Phone, 32), Language: clip(in.Language, 16)}
	if _, err := tx.NewInsert().Model(c).Exec(ctx); err != nil {
		return nil, fmt.Errorf("insert contact: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO contact_identities (id, organization_id, contact_id, channel_account_id, external_id) VALUES (?, ?, ?, ?, ?)`,
		uuid.Must(uuid.NewV7()), a.OrganizationID, c.ID, a.ID, in.SenderID); err != nil {
		return nil, fmt.Errorf("insert contact identity: %w", err)
	}
	return openConversation(ctx, tx, a, c.ID, c.Language)
}

func openConversation(ctx context.Context, tx bun.Tx, a *channel.Account, contactID uuid.UUID, lang string) (*Conversation, error) {
	conv := &Conversation{
		ID: uuid.Must(uuid.NewV7()), OrganizationID: a.OrganizationID, ChannelAccountID: a.ID,
		ContactID: &contactID, Status: StatusOpen, Owner: OwnerBot, Language: lang, Kind: a.Kind,
	}
	if _, err := tx.NewInsert().Model(conv).Returning("last_activity_at, created_at").Exec(ctx); err != nil {
		return nil, fmt.Errorf("insert conversation: %w", err)
	}
	err := eventlog.Append(ctx, tx, &eventlog.Event{
		OrganizationID: a.OrganizationID, ConversationID: &conv.ID, Type: eventlog.ConversationOpened,
		Payload: eventlog.Payload(map[string]any{"channel": a.Kind}),
	})
	return conv, err
}

// clip shortens s to at most n runes: platforms' limits are not ours.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n])
}
