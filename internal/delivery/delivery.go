package delivery

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"frontdesk/internal/channel"
	"frontdesk/internal/channel/meta"
	"frontdesk/internal/channel/telegram"
	"frontdesk/internal/channel/wire"
	"frontdesk/internal/conversation"
	"frontdesk/internal/database"
	"frontdesk/jobs"
)

// Reasons a message failed, in the event payload and
// message_deliveries.error_reason.
const (
	ReasonHandedOff        = "HANDED_OFF"
	ReasonOutsideWindow    = "OUTSIDE_WINDOW"
	ReasonNoInbound        = "NO_INBOUND"
	ReasonUnreachable      = "UNREACHABLE"
	ReasonNoRecipient      = "NO_RECIPIENT"
	ReasonDisconnected     = "CHANNEL_DISCONNECTED"
	ReasonInvalid          = "INVALID_MESSAGE"
	ReasonAuth             = "AUTHENTICATION_FAILED"
	ReasonPlatform         = "PLATFORM_ERROR"
	ReasonPartiallySent    = "PARTIALLY_SENT"
	ReasonRetriesExhausted = "RETRIES_EXHAUSTED"
)

// Defaults of Config.
const (
	DefaultSendTimeout  = 2 * time.Minute
	DefaultClaimTimeout = 5 * time.Minute
)

const (
	// recordTimeout bounds the transaction that records an outcome.
	recordTimeout = 15 * time.Second
	// orderWait is how long a message waits for an earlier one of its
	// conversation that is being sent, or about to be; orderRetryWait
	// when the earlier one waits for a retry.
	orderWait      = 200 * time.Millisecond
	orderRetryWait = 2 * time.Second
	// orderHorizon: messages stored further apart than this are not held
	// to their order, so one stuck message cannot hold its conversation
	// up for good.
	orderHorizon = 10 * time.Minute
	// throttleLimit is how long after it was stored a message may still
	// wait on the platform's "retry after"; past it the message fails
	// (RETRIES_EXHAUSTED) for an agent to see, rather than arrive late.
	throttleLimit = time.Hour
)

// TemplateResend is the Payload of an outbound message that the outbox
// stored to send a WhatsApp message again as the account's re-engagement
// template, after WhatsApp reported the original failed with 131047: it
// always goes out as the template, and is never re-sent itself.
const TemplateResend = "delivery:template-resend"

// Notifier is told after a commit that appended events (realtime.Hub).
type Notifier interface {
	Notify()
}

// Config holds the service's collaborators and limits.
type Config struct {
	DB *bun.DB
	// Connections opens the accounts' sealed credentials.
	Connections *channel.Connections
	Telegram    *telegram.Client
	Meta        *meta.Client
	Notifier    Notifier
	// Jobs enqueues, in the caller's transaction, the delivery of a message
	// the outbox stores itself (a template sent again after WhatsApp's
	// 131047).
	Jobs   conversation.Enqueuer
	Logger *slog.Logger
	// SendTimeout bounds one send (all parts of a split text);
	// DefaultSendTimeout when zero.
	SendTimeout time.Duration
	// ClaimTimeout is how old a claim must be before another run takes it
	// over (its run died mid-send); DefaultClaimTimeout when zero. It must
	// exceed SendTimeout.
	ClaimTimeout time.Duration
}

// Service delivers outbound messages.
type Service struct {
	db          *bun.DB
	conns       *channel.Connections
	tg          *telegram.Client
	meta        *meta.Client
	notify      Notifier
	jobs        conversation.Enqueuer
	log         *slog.Logger
	sendTimeout time.Duration
	claimTTL    time.Duration
}

// New returns a Service.
func New(cfg Config) (*Service, error) {
	s := &Service{
		db: cfg.DB, conns: cfg.Connections, tg: cfg.Telegram, meta: cfg.Meta, notify: cfg.Notifier, jobs: cfg.Jobs, log: cfg.Logger,
		sendTimeout: cfg.SendTimeout, claimTTL: cfg.ClaimTimeout,
	}
	if s.sendTimeout == 0 {
		s.sendTimeout = DefaultSendTimeout
	}
	if s.claimTTL == 0 {
		s.claimTTL = DefaultClaimTimeout
	}
	if s.claimTTL <= s.sendTimeout {
		return nil, fmt.Errorf("delivery: claim timeout %s must exceed send timeout %s", s.claimTTL, s.sendTimeout)
	}
	if s.db == nil || s.conns == nil || s.tg == nil || s.meta == nil || s.notify == nil || s.jobs == nil || s.log == nil {
		return nil, errors.New("delivery: every collaborator is required")
	}
	return s, nil
}

// SendTimeout is the most one send may take; a job's timeout must exceed it.
func (s *Service) SendTimeout() time.Duration { return s.sendTimeout }

// WaitError asks for the delivery to be tried again after After, without
// counting as a failed attempt: the platform asked us to slow down, or
// another run holds the message's claim.
type WaitError struct {
	After  time.Duration
	Reason string
}

func (e *WaitError) Error() string {
	return fmt.Sprintf("delivery: try again in %s: %s", e.After, e.Reason)
}

// Attempt describes the job run that calls Deliver.
type Attempt struct {
	// Final is set on the job's last attempt: an error that would be
	// retried fails the message instead.
	Final bool
}

// Deliver sends the message of args if it still waits for delivery. See
// the package comment for what happens when.
//
// A send costs four statements: the message with its order check, the
// claim, the conversation with its recipient, and the record of the
// outcome. Every webhook's reply goes through here, so each round trip
// shows in the end-to-end throughput.
func (s *Service) Deliver(ctx context.Context, args jobs.DeliverMessageArgs, at Attempt) error {
	msg, wait, err := s.load(ctx, args)
	if err != nil || msg == nil {
		return err
	}
	if wait > 0 {
		return &WaitError{After: wait, Reason: "an earlier message of the conversation is still being delivered"}
	}
	claimed, err := s.claim(ctx, msg)
	if err != nil || !claimed {
		return err
	}
	d, fail, err := s.prepare(ctx, msg)
	if err != nil {
		return s.release(ctx, msg, err)
	}
	if fail != nil {
		return s.fail(ctx, d, *fail)
	}
	sent, err := s.send(ctx, d)
	if err == nil {
		return s.succeed(ctx, d, sent)
	}
	return s.failed(ctx, d, sent, err, at)
}

// pendingMessage is a message read for delivery, with what its order
// check found.
type pendingMessage struct {
	conversation.Message `bun:",extend"`
	// EarlierRetrying is NULL when no earlier outbound message of the
	// conversation waits for delivery, false when one is being sent (or
	// about to be), true when one waits for a retry.
	EarlierRetrying *bool `bun:"earlier_retrying,scanonly"`
}

// load reads the message of args, nil when it no longer waits for
// delivery, and how long it must wait for an earlier outbound message of
// its conversation, zero when none waits.
//
// Why the wait: platforms show messages in the order they receive them,
// and a turn's replies (the disclosure line, the answer, the slot offer)
// are stored together in the order they are meant to be read; each has
// its own job, and without this the jobs would send them in whatever order
// they run. Ids are UUIDv7, so they order messages as they were stored.
func (s *Service) load(ctx context.Context, args jobs.DeliverMessageArgs) (*conversation.Message, time.Duration, error) {
	row := new(pendingMessage)
	err := database.ScanOne(ctx, s.db, row, `SELECT message.*,
			(SELECT d.claimed_at IS NULL AND d.error_reason IS NOT NULL FROM messages e
			LEFT JOIN message_deliveries d ON d.message_id = e.id
			WHERE e.conversation_id = message.conversation_id AND e.id < message.id AND e.direction = 'OUT' AND e.delivery_status = 'PENDING'
			  AND e.created_at > message.created_at - make_interval(secs => $3)
			LIMIT 1) AS earlier_retrying
		FROM messages AS message WHERE message.organization_id = $1 AND message.id = $2`,
		args.OrganizationID, args.MessageID, orderHorizon.Seconds())
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, 0, nil // deleted with its organisation or conversation
	case err != nil:
		return nil, 0, fmt.Errorf("deliver: load message: %w", err)
	case row.DeliveryStatus != conversation.DeliveryPending:
		return nil, 0, nil
	case row.EarlierRetrying == nil:
		return &row.Message, 0, nil
	case *row.EarlierRetrying:
		return &row.Message, orderRetryWait, nil
	default:
		return &row.Message, orderWait, nil
	}
}

// claim takes the message for this run, in one statement that commits on
// its own. It reports false, nil when the message is no longer PENDING,
// and a *WaitError while another run's claim is fresh.
//
// The message row is locked first: a run recording the message's outcome
// holds that lock until it commits, and READ COMMITTED then re-reads the
// row, so a message that run just recorded as sent is not claimed again.
func (s *Service) claim(ctx context.Context, msg *conversation.Message) (bool, error) {
	var attempts int
	err := s.db.DB.QueryRowContext(ctx, `WITH m AS (
			SELECT id, organization_id FROM messages
			WHERE organization_id = $1 AND id = $2 AND delivery_status = 'PENDING'
			FOR NO KEY UPDATE
		)
		INSERT INTO message_deliveries AS d (message_id, organization_id, claimed_at, attempts)
		SELECT id, organization_id, now(), 1 FROM m
		ON CONFLICT (message_id) DO UPDATE SET claimed_at = now(), attempts = d.attempts + 1, updated_at = now()
		WHERE d.claimed_at IS NULL OR d.claimed_at < now() - make_interval(secs => $3)
		RETURNING d.attempts`, msg.OrganizationID, msg.ID, s.claimTTL.Seconds()).Scan(&attempts)
	switch {
	case err == nil:
		if attempts > 1 {
			s.log.InfoContext(ctx, "delivery claimed", slog.String("message_id", msg.ID.String()), slog.Int("attempts", attempts))
		}
		return true, nil
	case !errors.Is(err, sql.ErrNoRows):
		return false, fmt.Errorf("deliver: claim message: %w", err)
	}
	var status conversation.DeliveryStatus
	var claimedAt time.Time
	err = s.db.NewRaw(`SELECT m.delivery_status, coalesce(d.claimed_at, now()) FROM messages m
		LEFT JOIN message_deliveries d ON d.message_id = m.id WHERE m.id = ?`, msg.ID).Scan(ctx, &status, &claimedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("deliver: read claim: %w", err)
	}
	if status != conversation.DeliveryPending {
		return false, nil
	}
	wait := time.Until(claimedAt.Add(s.claimTTL))
	if wait < time.Second {
		wait = time.Second
	}
	return false, &WaitError{After: wait, Reason: "another run is sending this message"}
}

// delivery is everything one send needs, read after the claim.
type delivery struct {
	msg      *conversation.Message
	conv     *conversation.Conversation
	account  *channel.Account
	identity uuid.UUID
	out      wire.Outbound
	// template is the account's re-engagement template (WhatsApp).
	template *wire.Template
	// accountWritten is set when a record transaction wrote the account,
	// whose cached copy must then be dropped.
	accountWritten bool
}

// failure is a final outcome other than SENT.
type failure struct {
	reason string
	// message says what happened, for agents.
	message string
	// platform is the platform's error, if it gave one.
	platform *wire.SendError
	// sent are ids of parts that went out before the failure.
	sent []string
}

// target is a message's conversation with its channel's kind and its
// customer's newest identity on that channel, read in one statement.
type target struct {
	conversation.Conversation `bun:",extend"`
	IdentityID                *uuid.UUID `bun:"ident_id,scanonly"`
	ExternalID                *string    `bun:"ident_external_id,scanonly"`
	UnreachableAt             *time.Time `bun:"ident_unreachable_at,scanonly"`
	UnreachableReason         *string    `bun:"ident_unreachable_reason,scanonly"`
	// Now is the database's clock, which the messaging window is measured
	// on (last_inbound_at is written with it).
	Now time.Time `bun:"db_now,scanonly"`
}

// prepare loads the conversation, the account and the recipient, and
// applies the send-time checks. It returns a failure for a message that
// must not be sent.
func (s *Service) prepare(ctx context.Context, msg *conversation.Message) (*delivery, *failure, error) {
	row := new(target)
	err := database.ScanOne(ctx, s.db, row, `SELECT conversation.*, ca.kind,
			ci.id AS ident_id, ci.external_id AS ident_external_id,
			ci.unreachable_at AS ident_unreachable_at, ci.unreachable_reason AS ident_unreachable_reason, now() AS db_now
		FROM conversations AS conversation
		JOIN channel_accounts AS ca ON ca.id = conversation.channel_account_id
		LEFT JOIN LATERAL (SELECT id, external_id, unreachable_at, unreachable_reason FROM contact_identities
			WHERE channel_account_id = conversation.channel_account_id AND contact_id = conversation.contact_id
			ORDER BY created_at DESC LIMIT 1) AS ci ON true
		WHERE conversation.id = $1`, msg.ConversationID)
	d := &delivery{msg: msg, conv: &row.Conversation}
	if err != nil {
		return d, nil, fmt.Errorf("deliver: load conversation: %w", err)
	}
	if d.account, err = s.conns.Account(ctx, d.conv.ChannelAccountID); err != nil {
		return d, nil, fmt.Errorf("deliver: load account: %w", err)
	}
	if d.account.Status == channel.StatusDisconnected {
		return d, &failure{reason: ReasonDisconnected, message: "the channel was disconnected"}, nil
	}
	if msg.Author == conversation.AuthorBot && handedOffSince(d.conv, msg.CreatedAt) {
		return d, &failure{reason: ReasonHandedOff, message: "a person took the conversation over before the bot's message went out"}, nil
	}
	if d.conv.ContactID == nil {
		return d, &failure{reason: ReasonNoRecipient, message: "the conversation has no customer"}, nil
	}
	if row.IdentityID == nil || row.ExternalID == nil {
		return d, &failure{reason: ReasonNoRecipient, message: "the customer has no identity on this channel"}, nil
	}
	d.identity = *row.IdentityID
	if row.UnreachableAt != nil && (d.conv.LastInboundAt == nil || d.conv.LastInboundAt.Before(*row.UnreachableAt)) {
		why := "the platform reported the customer unreachable"
		if row.UnreachableReason != nil {
			why += ": " + *row.UnreachableReason
		}
		return d, &failure{reason: ReasonUnreachable, message: why + "; they have not written since"}, nil
	}
	d.out = outbound(msg, *row.ExternalID)
	t, err := d.account.ReengagementTemplate()
	if err != nil {
		return d, nil, fmt.Errorf("deliver: %w", err)
	}
	if t != nil {
		d.template = &wire.Template{Name: t.Name, Language: t.Language}
		if t.TextParam {
			d.template.BodyParams = []string{msg.Text}
		}
	}
	if f := d.applyWindow(row.Now); f != nil {
		return d, f, nil
	}
	if msg.Payload == TemplateResend && d.out.Template == nil {
		if d.template == nil {
			return d, &failure{reason: ReasonOutsideWindow, message: "WhatsApp refused the message outside the 24-hour window, and the account no longer has a re-engagement template"}, nil
		}
		d.useTemplate()
	}
	return d, nil, nil
}

// handedOffSince reports whether a person took conv over after a message
// stored at stored. A bot reply stored in the hand-off's own transaction
// (the "a colleague will answer" line) has the same timestamp and still
// goes out. An agent's reply hands off without handed_off_at; its time is
// last_human_reply_at.
func handedOffSince(conv *conversation.Conversation, stored time.Time) bool {
	if conv.Owner != conversation.OwnerHuman {
		return false
	}
	at := conv.HandedOffAt
	if at == nil {
		at = conv.LastHumanReplyAt
	}
	return at == nil || at.After(stored)
}

// applyWindow adapts d.out to the platform's messaging window at now
// (channel.MessagingWindow, the rules the inbox shows agents too), or
// returns why it cannot be sent.
func (d *delivery) applyWindow(now time.Time) *failure {
	last := d.conv.LastInboundAt
	switch channel.MessagingWindow(d.conv.Kind, last, d.template != nil, now).State {
	case channel.WindowNotStarted:
		return &failure{reason: ReasonNoInbound, message: "the customer has not written to the bot yet, and bots cannot start conversations"}
	case channel.WindowTemplateOnly:
		d.useTemplate()
	case channel.WindowHumanAgentOnly:
		if d.msg.Author != conversation.AuthorUser {
			return &failure{reason: ReasonOutsideWindow, message: "more than 24 hours since the customer's last message; only a person may answer, within 7 days"}
		}
		d.out.HumanAgent = true
	case channel.WindowClosed:
		switch {
		case d.conv.Kind == channel.WhatsApp && last == nil:
			return &failure{reason: ReasonOutsideWindow, message: "the customer has not written on WhatsApp yet, and the account has no re-engagement template"}
		case d.conv.Kind == channel.WhatsApp:
			return &failure{reason: ReasonOutsideWindow, message: "more than 24 hours since the customer's last message, and the account has no re-engagement template"}
		case last == nil:
			return &failure{reason: ReasonOutsideWindow, message: "the customer has not written on this channel yet"}
		default:
			return &failure{reason: ReasonOutsideWindow, message: "more than 7 days since the customer's last message; nobody may write until they do"}
		}
	}
	return nil
}

// useTemplate sends the account's template instead of the free text.
func (d *delivery) useTemplate() {
	d.out.Template = d.template
	d.out.Text, d.out.Buttons, d.out.Media = "", nil, nil
}

// outbound builds what to send for msg to chatID.
func outbound(msg *conversation.Message, chatID string) wire.Outbound {
	out := wire.Outbound{ChatID: chatID, Text: msg.Text, Reference: msg.ID.String()}
	for _, b := range msg.Buttons {
		out.Buttons = append(out.Buttons, wire.Button{Title: b.Title, Payload: b.Payload})
	}
	for _, a := range msg.Attachments {
		m := wire.Media{URL: a.URL, MIMEType: a.MimeType, Kind: wire.File}
		switch {
		case strings.HasPrefix(a.MimeType, "image/"):
			m.Kind = wire.Image
		case strings.HasPrefix(a.MimeType, "video/"):
			m.Kind = wire.Video
		case strings.HasPrefix(a.MimeType, "audio/"):
			m.Kind = wire.Audio
		default:
			// A document is shown with its name (WhatsApp filename,
			// Telegram caption).
			m.Caption = a.Name
		}
		out.Media = append(out.Media, m)
	}
	return out
}

// send calls the platform once, and once more when the answer says the
// window is closed and there is a way to send anyway (a template, the
// HUMAN_AGENT tag).
func (s *Service) send(ctx context.Context, d *delivery) (wire.Sent, error) {
	ctx, cancel := context.WithTimeout(ctx, s.sendTimeout)
	defer cancel()
	sent, err := s.sendOnce(ctx, d)
	se, ok := wire.AsSendError(err)
	if !ok || !se.OutsideWindow || len(sent.IDs) > 0 {
		return sent, err
	}
	switch {
	case d.conv.Kind == channel.WhatsApp && d.template != nil && d.out.Template == nil:
		d.useTemplate()
	case (d.conv.Kind == channel.Messenger || d.conv.Kind == channel.Instagram) && d.msg.Author == conversation.AuthorUser && !d.out.HumanAgent &&
		d.conv.LastInboundAt != nil && time.Since(*d.conv.LastInboundAt) <= channel.HumanAgentWindow:
		d.out.HumanAgent = true
	default:
		return sent, err
	}
	return s.sendOnce(ctx, d)
}

func (s *Service) sendOnce(ctx context.Context, d *delivery) (wire.Sent, error) {
	switch d.conv.Kind {
	case channel.Telegram:
		var c channel.TelegramCredentials
		if err := s.conns.Credentials(ctx, d.account, &c); err != nil {
			return wire.Sent{}, err
		}
		return s.tg.Send(ctx, c.BotToken, d.out)
	case channel.WhatsApp:
		var c channel.WhatsAppCredentials
		if err := s.conns.Credentials(ctx, d.account, &c); err != nil {
			return wire.Sent{}, err
		}
		return s.meta.Send(ctx, meta.WhatsAppCredentials{PhoneNumberID: c.PhoneNumberID, AccessToken: c.AccessToken}, d.out)
	case channel.Messenger:
		var c channel.MessengerCredentials
		if err := s.conns.Credentials(ctx, d.account, &c); err != nil {
			return wire.Sent{}, err
		}
		return s.meta.Send(ctx, meta.MessengerCredentials{PageID: c.PageID, PageToken: c.PageToken}, d.out)
	case channel.Instagram:
		var c channel.InstagramCredentials
		if err := s.conns.Credentials(ctx, d.account, &c); err != nil {
			return wire.Sent{}, err
		}
		return s.meta.Send(ctx, meta.InstagramCredentials{AccountID: c.AccountID, AccessToken: c.AccessToken}, d.out)
	}
	return wire.Sent{}, fmt.Errorf("%w: channel %s has no platform to deliver to", wire.ErrInvalidOutbound, d.conv.Kind)
}

// failed turns a send error into the outcome: retry (error), wait
// (*WaitError) or a final failure.
func (s *Service) failed(ctx context.Context, d *delivery, sent wire.Sent, err error, at Attempt) error {
	se, isSend := wire.AsSendError(err)
	parts := sent.IDs
	if isSend && len(se.Sent) > len(parts) {
		parts = se.Sent
	}
	switch {
	case len(parts) > 0:
		return s.fail(ctx, d, failure{reason: ReasonPartiallySent, message: "only the first parts of a long text went out: " + err.Error(), platform: se, sent: parts})
	case errors.Is(err, wire.ErrInvalidOutbound) || errors.Is(err, meta.ErrInvalidOutbound):
		return s.fail(ctx, d, failure{reason: ReasonInvalid, message: err.Error()})
	case errors.Is(err, telegram.ErrInvalidToken):
		return s.fail(ctx, d, failure{reason: ReasonAuth, message: err.Error()})
	case !isSend:
		// Our side (credentials, a response we could not read): retry.
		if at.Final {
			return s.fail(ctx, d, failure{reason: ReasonRetriesExhausted, message: err.Error()})
		}
		return s.release(ctx, d.msg, err)
	case se.Unreachable:
		return s.fail(ctx, d, failure{reason: ReasonUnreachable, message: describe(se), platform: se})
	case se.OutsideWindow:
		return s.fail(ctx, d, failure{reason: ReasonOutsideWindow, message: d.closedWindow() + ": " + describe(se), platform: se})
	case se.Retry:
		// A wait the platform asks for is a snooze, which uses up no
		// attempt: without a bound, a platform that keeps throttling would
		// hold the message (and its conversation's later ones) forever.
		if at.Final || (se.RetryAfter > 0 && time.Since(d.msg.CreatedAt) > throttleLimit) {
			return s.fail(ctx, d, failure{reason: ReasonRetriesExhausted, message: describe(se), platform: se})
		}
		if rerr := s.recordRetry(ctx, d, se); rerr != nil {
			return rerr
		}
		if se.RetryAfter > 0 {
			return &WaitError{After: se.RetryAfter, Reason: describe(se)}
		}
		return err
	case authFailure(se):
		return s.fail(ctx, d, failure{reason: ReasonAuth, message: describe(se), platform: se})
	default:
		return s.fail(ctx, d, failure{reason: ReasonPlatform, message: describe(se), platform: se})
	}
}

// describe is a platform's refusal for agents and admins. Meta puts the
// reason in error_data.details ("More than 24 hours have passed since the
// recipient last replied..."), which its code and title alone do not say.
func describe(se *wire.SendError) string {
	msg := se.Error()
	if d := strings.TrimSpace(se.Err.Details); d != "" && !strings.Contains(msg, d) {
		msg += ": " + d
	}
	return msg
}

// closedWindow says, for agents, why a message the platform refused as
// outside its messaging window did not go out another way.
func (d *delivery) closedWindow() string {
	switch {
	case d.conv.Kind == channel.WhatsApp && d.out.Template != nil:
		return "WhatsApp refused even the re-engagement template as outside the customer service window"
	case d.conv.Kind == channel.WhatsApp:
		return "WhatsApp says 24 hours have passed since the customer's last message, and the account has no re-engagement template"
	case d.out.HumanAgent:
		return "the platform refused even a person's reply tagged HUMAN_AGENT as outside the messaging window"
	default:
		return "the platform says the 24-hour messaging window has closed; only a person may answer, within 7 days"
	}
}

// authFailure reports a rejected token: HTTP 401, Graph code 190.
func authFailure(se *wire.SendError) bool {
	return se.HTTPStatus == http.StatusUnauthorized || se.Err.Code == http.StatusUnauthorized || (se.Platform != wire.Telegram && se.Err.Code == 190)
}

// accountWide reports whether f says something about the account's health
// rather than about one customer or one message.
func (f failure) accountWide() bool {
	switch f.reason {
	case ReasonAuth, ReasonPlatform, ReasonRetriesExhausted:
		return f.platform != nil || f.reason == ReasonAuth
	}
	return false
}
