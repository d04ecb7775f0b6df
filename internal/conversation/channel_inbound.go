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
	"frontdesk/jobs"
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
	// CallbackID is a Telegram button press to acknowledge
	// (answerCallbackQuery), enqueued with the message.
	CallbackID string
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
		Attachments: orEmpty(in.Attachments), Buttons: []Button{}, DeliveryStatus: DeliveryNone,
		ExternalID: &in.ExternalID,
	}
	stored, err = s.receiveWith(ctx, a.OrganizationID, msg, func(ctx context.Context, tx bun.Tx) (*Conversation, []*eventlog.Event, error) {
		// One sender's first messages may arrive at once (Telegram sends
		// updates in parallel): the sender's lock makes them share one
		// contact and one conversation.
		conv, opened, err := lockedSenderConversation(ctx, tx, a, in)
		if err != nil || conv == nil {
			return conv, nil, err
		}
		if err := s.enqueueMediaFetch(ctx, tx, a.OrganizationID, msg); err != nil {
			return nil, nil, err
		}
		if in.CallbackID != "" {
			_, err = s.jobs.InsertTx(ctx, tx.Tx, jobs.AnswerCallbackArgs{OrganizationID: a.OrganizationID, ChannelAccountID: a.ID, CallbackID: in.CallbackID}, nil)
			if err != nil {
				return nil, nil, fmt.Errorf("enqueue callback answer: %w", err)
			}
		}
		return conv, opened, nil
	})
	if err != nil {
		return nil, false, fmt.Errorf("receive from %s: %w", a.Kind, err)
	}
	return msg, stored, nil
}

// RecordNotice stores what a customer did that the bot does not act on (an
// edit, a deletion, a sticker or another unsupported type) as an inbound
// message already marked processed, so agents see it in the conversation
// and nothing is dropped; text says what happened. Redeliveries are
// recognised by ExternalID as for messages.
func (s *Service) RecordNotice(ctx context.Context, in ChannelMessage) (stored bool, err error) {
	a := in.Account
	err = s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		conv, opened, err := lockedSenderConversation(ctx, tx, a, in)
		if err != nil || conv == nil {
			return err
		}
		m := &Message{
			ID: uuid.Must(uuid.NewV7()), OrganizationID: a.OrganizationID, ConversationID: conv.ID, Direction: In, Author: AuthorContact,
			Text: clip(in.Text, MaxTextLength), Attachments: orEmpty(in.Attachments), Buttons: []Button{}, DeliveryStatus: DeliveryNone,
			ExternalID: &in.ExternalID,
		}
		// Marked processed as it is stored: the pipeline never takes it.
		if _, err := tx.NewInsert().Model(m).Value("processed_at", "now()").Returning("created_at, processed_at").Exec(ctx); err != nil {
			return fmt.Errorf("insert notice: %w", err)
		}
		if err := s.enqueueMediaFetch(ctx, tx, a.OrganizationID, m); err != nil {
			return err
		}
		if _, err := tx.NewUpdate().Model((*Conversation)(nil)).Set("unread_count = unread_count + 1, last_activity_at = ?", m.CreatedAt).
			Where("id = ?", conv.ID).Exec(ctx); err != nil {
			return fmt.Errorf("update conversation: %w", err)
		}
		stored = true
		return eventlog.Append(ctx, tx, append(opened, &eventlog.Event{OrganizationID: a.OrganizationID, ConversationID: &conv.ID, MessageID: &m.ID,
			Type: eventlog.MessageReceived, Payload: eventlog.Payload(map[string]any{"processed": false, "notice": true})})...)
	})
	if err != nil {
		return false, fmt.Errorf("record %s notice: %w", a.Kind, err)
	}
	return stored, nil
}

// RecordEcho stores a message that a person sent from the platform's own
// app (Meta is_echo not sent by Frontdesk) as an agent message and gives
// the conversation to humans, so the bot stops talking over them. in's
// SenderID is the customer the echo was sent to. An echo of one of our own
// sends (its reference is one of our message ids, or its platform id is
// already recorded) stores nothing.
func (s *Service) RecordEcho(ctx context.Context, in ChannelMessage, reference string) (stored bool, err error) {
	a := in.Account
	err = s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if id, err := uuid.Parse(reference); err == nil {
			ours, err := tx.NewSelect().Model((*Message)(nil)).Where("organization_id = ? AND id = ?", a.OrganizationID, id).Exists(ctx)
			if err != nil {
				return fmt.Errorf("look up echoed message: %w", err)
			}
			if ours {
				return nil
			}
		}
		conv, opened, err := lockedSenderConversation(ctx, tx, a, in)
		if err != nil || conv == nil {
			return err
		}
		if ours, err := echoOfOurSend(ctx, tx, conv.ID, in); err != nil || ours {
			return err
		}
		m := &Message{
			ID: uuid.Must(uuid.NewV7()), OrganizationID: a.OrganizationID, ConversationID: conv.ID, Direction: Out, Author: AuthorUser,
			Text: clip(in.Text, MaxTextLength), Attachments: orEmpty(in.Attachments), Buttons: []Button{}, DeliveryStatus: DeliverySent,
			ExternalID: &in.ExternalID,
		}
		if _, err := tx.NewInsert().Model(m).Returning("created_at").Exec(ctx); err != nil {
			return fmt.Errorf("insert echo: %w", err)
		}
		if err := s.enqueueMediaFetch(ctx, tx, a.OrganizationID, m); err != nil {
			return err
		}
		events := append(opened, &eventlog.Event{OrganizationID: a.OrganizationID, ConversationID: &conv.ID, MessageID: &m.ID, Type: eventlog.MessageSent,
			Payload: eventlog.Payload(map[string]any{"author": AuthorUser, "via": "platform app"})})
		if _, err := tx.NewUpdate().Model((*Conversation)(nil)).
			Set("last_outbound_at = ?, last_human_reply_at = ?, last_activity_at = ?", m.CreatedAt, m.CreatedAt, m.CreatedAt).
			Where("id = ?", conv.ID).Exec(ctx); err != nil {
			return fmt.Errorf("update conversation: %w", err)
		}
		if conv.Owner == OwnerBot {
			e, err := HandOffTx(ctx, tx, s.jobs, conv, "a person replied in the platform's app", nil)
			if err != nil {
				return err
			}
			events = append(events, e)
		}
		stored = true
		return eventlog.Append(ctx, tx, events...)
	})
	if err != nil {
		return false, fmt.Errorf("record %s echo: %w", a.Kind, err)
	}
	return stored, nil
}

// echoOfOurSend reports whether an echo without our reference (Instagram
// echoes carry none, and a split text's later parts neither) is one of
// Frontdesk's own sends in conversation convID: its platform id is one the
// outbox recorded, or the outbox is sending a message containing its text
// right now (the echo can overtake the recording of the send). One
// statement, so one snapshot sees the send either in flight or recorded.
func echoOfOurSend(ctx context.Context, tx bun.Tx, convID uuid.UUID, in ChannelMessage) (bool, error) {
	var ours bool
	err := tx.NewRaw(`SELECT EXISTS (SELECT 1 FROM messages m JOIN message_deliveries d ON d.message_id = m.id
		WHERE m.conversation_id = ? AND m.direction = 'OUT' AND m.created_at > now() - interval '7 days'
		  AND (? = ANY (d.platform_ids)
		    OR (m.delivery_status = 'PENDING' AND d.claimed_at IS NOT NULL AND ? <> '' AND strpos(m.text, ?) > 0)))`,
		convID, in.ExternalID, in.Text, in.Text).Scan(ctx, &ours)
	if err != nil {
		return false, fmt.Errorf("look up echoed send: %w", err)
	}
	return ours, nil
}

// lockedSenderConversation is senderConversation under the sender's lock,
// or nil when a message with in.ExternalID is stored there already. opened
// is the CONVERSATION_OPENED event of a conversation it opened, for the
// caller to append with its own.
func lockedSenderConversation(ctx context.Context, tx bun.Tx, a *channel.Account, in ChannelMessage) (conv *Conversation, opened []*eventlog.Event, err error) {
	if in.SenderID == "" || in.ExternalID == "" {
		return nil, nil, fmt.Errorf("sender and message id are required")
	}
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtextextended(?, 0))`, a.ID.String()+"/"+in.SenderID); err != nil {
		return nil, nil, fmt.Errorf("lock sender: %w", err)
	}
	conv, opened, err = senderConversation(ctx, tx, a, in)
	if err != nil || opened != nil {
		// A conversation opened just now holds no message to redeliver.
		return conv, opened, err
	}
	dup, err := tx.NewSelect().Model((*Message)(nil)).Where("conversation_id = ? AND external_id = ?", conv.ID, in.ExternalID).Exists(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("look for a redelivery: %w", err)
	}
	if dup {
		return nil, nil, nil
	}
	return conv, nil, nil
}

// enqueueMediaFetch enqueues, in tx, the job that downloads m's platform
// media, when it has any: the files are fetched soon after the message is
// stored (Messenger's and Instagram's links expire), and never for a
// message that was not.
func (s *Service) enqueueMediaFetch(ctx context.Context, tx bun.Tx, orgID uuid.UUID, m *Message) error {
	for _, a := range m.Attachments {
		if a.Platform == "" {
			continue
		}
		if _, err := s.jobs.InsertTx(ctx, tx.Tx, jobs.FetchMediaArgs{OrganizationID: orgID, MessageID: m.ID}, nil); err != nil {
			return fmt.Errorf("enqueue media fetch: %w", err)
		}
		return nil
	}
	return nil
}

func orEmpty(a []Attachment) []Attachment {
	if a == nil {
		return []Attachment{}
	}
	return a
}

// senderConversation returns the sender's latest conversation on the
// account, locked, creating the contact, its identity and the
// conversation when the sender is new; opened is the event of a
// conversation opened now.
func senderConversation(ctx context.Context, tx bun.Tx, a *channel.Account, in ChannelMessage) (*Conversation, []*eventlog.Event, error) {
	var contactID uuid.UUID
	err := tx.NewRaw(`SELECT contact_id FROM contact_identities WHERE channel_account_id = ? AND external_id = ?`, a.ID, in.SenderID).Scan(ctx, &contactID)
	if errors.Is(err, sql.ErrNoRows) {
		return newSenderConversation(ctx, tx, a, in)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("find contact: %w", err)
	}
	conv := new(Conversation)
	err = tx.NewSelect().Model(conv).ColumnExpr("conversation.*").ColumnExpr("ca.kind").
		Join("JOIN channel_accounts AS ca ON ca.id = conversation.channel_account_id").
		Where("conversation.organization_id = ? AND conversation.channel_account_id = ? AND conversation.contact_id = ?", a.OrganizationID, a.ID, contactID).
		OrderExpr("conversation.created_at DESC").Limit(1).For("NO KEY UPDATE OF conversation").Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return openConversation(ctx, tx, a, contactID, in.Language, nil)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("find conversation: %w", err)
	}
	return conv, nil, nil
}

// newSenderConversation creates the contact, its identity and its
// conversation in one statement: a new customer's first message is the
// common webhook, and each round trip counts.
func newSenderConversation(ctx context.Context, tx bun.Tx, a *channel.Account, in ChannelMessage) (*Conversation, []*eventlog.Event, error) {
	name := clip(strings.TrimSpace(in.SenderName), 200)
	c := &Contact{ID: uuid.Must(uuid.NewV7()), OrganizationID: a.OrganizationID, Name: name, Phone: clip(in.Phone, 32), Language: clip(in.Language, 16)}
	contact := tx.NewInsert().Model(c)
	identity := tx.NewRaw(`INSERT INTO contact_identities (id, organization_id, contact_id, channel_account_id, external_id) VALUES (?, ?, ?, ?, ?)`,
		uuid.Must(uuid.NewV7()), a.OrganizationID, c.ID, a.ID, in.SenderID)
	return openConversation(ctx, tx, a, c.ID, c.Language, func(q *bun.InsertQuery) *bun.InsertQuery {
		return q.With("contact", contact).With("identity", identity)
	})
}

// openConversation opens a conversation with the contact; with, when not
// nil, adds to the insert (the statements creating the contact).
func openConversation(ctx context.Context, tx bun.Tx, a *channel.Account, contactID uuid.UUID, lang string, with func(*bun.InsertQuery) *bun.InsertQuery) (*Conversation, []*eventlog.Event, error) {
	conv := &Conversation{
		ID: uuid.Must(uuid.NewV7()), OrganizationID: a.OrganizationID, ChannelAccountID: a.ID,
		ContactID: &contactID, Status: StatusOpen, Owner: OwnerBot, Language: lang, Kind: a.Kind,
	}
	q := tx.NewInsert().Model(conv).Returning("last_activity_at, created_at")
	if with != nil {
		q = with(q)
	}
	if _, err := q.Exec(ctx); err != nil {
		return nil, nil, fmt.Errorf("insert conversation: %w", err)
	}
	return conv, []*eventlog.Event{{
		OrganizationID: a.OrganizationID, ConversationID: &conv.ID, Type: eventlog.ConversationOpened,
		Payload: eventlog.Payload(map[string]any{"channel": a.Kind}),
	}}, nil
}

// clip shortens s to at most n runes: platforms' limits are not ours.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n])
}
