// Package intake is the platforms' way in: one webhook endpoint per
// channel account, /webhooks/<platform>/<account id>. A request is
// authenticated (Meta's X-Hub-Signature-256 over the raw body, Telegram's
// secret token) before anything is parsed, normalised by the platform's
// adapter, and each customer message is stored with its processing job in
// one transaction (conversation.ReceiveFromChannel); then the platform gets
// its 200 at once and the work happens after. Redeliveries are recognised
// by the platform's message id and have no second effect.
package intake

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"frontdesk/internal/apperror"
	"frontdesk/internal/channel"
	"frontdesk/internal/channel/meta"
	"frontdesk/internal/channel/telegram"
	"frontdesk/internal/channel/wire"
	"frontdesk/internal/conversation"
)

// MaxBody is the largest webhook body accepted: WhatsApp's payloads go up
// to 3 MB.
const MaxBody = 3 << 20

// MaxInFlight is how many webhook deliveries are handled at once. Beyond
// it a delivery waits up to queueWait, then gets 503: the platforms
// redeliver later, whereas taking every request under overload would
// exhaust the database pool and slow every accepted message down with it.
const MaxInFlight = 32

// queueWait is how long a delivery may wait for a free slot.
const queueWait = 250 * time.Millisecond

// What an account's lastError says about a failed webhook: a fixed
// description an admin can act on. The error itself, which may quote SQL
// or our internals, goes to the log only.
const (
	problemUnreadable = "a delivery could not be read; it was acknowledged and skipped"
	problemNotStored  = "a delivery could not be stored; the platform will deliver it again"
	problemSecrets    = "the account's credentials could not be read; update the channel's credentials"
)

// Statuses applies platforms' delivery reports (delivery.Service).
type Statuses interface {
	ApplyStatus(ctx context.Context, a *channel.Account, platformID, reference string, status wire.DeliveryStatus, errs []wire.PlatformError) (bool, error)
}

// Handler serves the webhook endpoints.
type Handler struct {
	db       *bun.DB
	conns    *channel.Connections
	convs    *conversation.Service
	statuses Statuses
	log      *slog.Logger
	mux      *http.ServeMux
	// slots holds a token per delivery being handled (MaxInFlight).
	slots chan struct{}
}

// New returns the webhook handler; mount it at /webhooks/.
func New(db *bun.DB, conns *channel.Connections, convs *conversation.Service, statuses Statuses, log *slog.Logger) *Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	h := &Handler{db: db, conns: conns, convs: convs, statuses: statuses, log: log, mux: http.NewServeMux(), slots: make(chan struct{}, MaxInFlight)}
	h.mux.HandleFunc("GET /webhooks/{platform}/{id}", h.handshake)
	h.mux.HandleFunc("POST /webhooks/{platform}/{id}", h.receive)
	return h
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

// account finds the active account the path names, of the path's kind:
// NOT_FOUND when there is none, and whatever reading it failed with
// otherwise (UNAVAILABLE when the database cannot be reached).
func (h *Handler) account(r *http.Request) (*channel.Account, error) {
	id, err := uuid.Parse(r.PathValue("id"))
	if err != nil {
		return nil, apperror.ErrNotFound
	}
	kind := channel.Kind(strings.ToUpper(r.PathValue("platform")))
	a, err := h.conns.Account(r.Context(), id)
	if err != nil {
		return nil, err
	}
	if a.Kind != kind || a.Status == channel.StatusDisconnected {
		return nil, apperror.ErrNotFound
	}
	return a, nil
}

// noAccount answers a request whose account could not be found: 404 only
// when it does not exist, since a platform may stop delivering to (or
// disable) a webhook that answers 404; 503 while the database cannot be
// reached.
func (h *Handler) noAccount(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, apperror.ErrNotFound):
		http.NotFound(w, r)
	case errors.Is(err, apperror.ErrUnavailable):
		h.unavailable(w, r, err)
	default:
		h.log.ErrorContext(r.Context(), "webhook account lookup failed", slog.Any("error", err))
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
	}
}

// unavailable answers 503 with Retry-After while the database cannot be
// reached: the platform delivers again later, and nothing is recorded on
// the account, which is not at fault (and could not be written anyway).
func (h *Handler) unavailable(w http.ResponseWriter, r *http.Request, err error) {
	h.log.WarnContext(r.Context(), "webhook deferred: database unavailable", slog.Any("error", err))
	w.Header().Set("Retry-After", strconv.Itoa(apperror.RetryAfterSeconds))
	http.Error(w, "temporarily unavailable, deliver again later", http.StatusServiceUnavailable)
}

// handshake answers Meta's subscription check with hub.challenge.
func (h *Handler) handshake(w http.ResponseWriter, r *http.Request) {
	a, err := h.account(r)
	if err != nil {
		h.noAccount(w, r, err)
		return
	}
	_, token, err := h.conns.MetaWebhookSecrets(r.Context(), a)
	if err != nil {
		h.fail(w, r, a, http.StatusNotFound, problemSecrets, err)
		return
	}
	challenge, err := meta.Handshake(r.URL.Query(), token)
	if err != nil {
		http.Error(w, "subscription refused", http.StatusForbidden)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = io.WriteString(w, challenge)
}

// receive authenticates, parses and stores one webhook delivery.
func (h *Handler) receive(w http.ResponseWriter, r *http.Request) {
	if !h.acquire(r.Context()) {
		w.Header().Set("Retry-After", "1")
		http.Error(w, "busy, deliver again later", http.StatusServiceUnavailable)
		return
	}
	defer func() { <-h.slots }()
	a, err := h.account(r)
	if err != nil {
		h.noAccount(w, r, err)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(w, "cannot read body", http.StatusBadRequest)
		return
	}
	events, err := h.authenticateAndParse(r.Context(), a, r.Header, body)
	switch {
	case errors.Is(err, wire.ErrBadSignature):
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	case errors.Is(err, wire.ErrMalformed):
		// Signed by the platform yet unreadable: a retry brings the same
		// bytes, so acknowledge it and let admins see it on the account.
		h.log.WarnContext(r.Context(), "unreadable webhook", slog.String("account_id", a.ID.String()), slog.Any("error", err))
		h.recordError(r.Context(), a, problemUnreadable)
		w.WriteHeader(http.StatusOK)
		return
	case err != nil:
		h.fail(w, r, a, http.StatusInternalServerError, problemSecrets, err)
		return
	}
	for _, e := range events {
		// The one place platform text enters: a NUL could never be
		// stored, and an unacknowledged delivery comes back forever.
		e.StripNUL()
		if err := h.store(r.Context(), a, e); err != nil {
			// Not acknowledged: the platform redelivers, and what was
			// stored already is recognised then.
			h.fail(w, r, a, http.StatusInternalServerError, problemNotStored, err)
			return
		}
	}
	h.touch(r.Context(), a)
	w.WriteHeader(http.StatusOK)
}

// touch records that the account received a webhook (lastInboundAt, its
// health), to the second. It runs on its own after the messages are
// stored: inside their transactions every message of an account would
// update the account's one row and hold its lock until commit, queueing
// the account's webhooks behind each other. The account was read at the
// start of this request, so a busy account skips the statement entirely.
func (h *Handler) touch(ctx context.Context, a *channel.Account) {
	if a.LastInboundAt != nil && time.Since(*a.LastInboundAt) < time.Second {
		return
	}
	if _, err := h.db.NewUpdate().Model((*channel.Account)(nil)).Set("last_inbound_at = now()").
		Where("id = ? AND (last_inbound_at IS NULL OR last_inbound_at < now() - interval '1 second')", a.ID).Exec(ctx); err != nil {
		h.log.WarnContext(ctx, "record last inbound", slog.String("account_id", a.ID.String()), slog.Any("error", err))
	}
	h.conns.Forget(a.ID)
}

// authenticateAndParse checks the request's signature or secret token on
// the raw body, then parses it.
func (h *Handler) authenticateAndParse(ctx context.Context, a *channel.Account, hdr http.Header, body []byte) ([]wire.Event, error) {
	if a.Kind == channel.Telegram {
		var c channel.TelegramCredentials
		if err := h.conns.Credentials(ctx, a, &c); err != nil {
			return nil, err
		}
		if err := telegram.VerifySecret(c.WebhookSecret, hdr.Get(telegram.SecretHeader)); err != nil {
			return nil, err
		}
		e, err := telegram.Parse(body)
		if err != nil {
			return nil, err
		}
		return []wire.Event{e}, nil
	}
	switch a.Kind {
	case channel.WhatsApp, channel.Messenger, channel.Instagram:
	default:
		return nil, fmt.Errorf("%s takes no webhooks: %w", a.Kind, wire.ErrBadSignature)
	}
	secret, _, err := h.conns.MetaWebhookSecrets(ctx, a)
	if err != nil {
		return nil, err
	}
	if err := meta.VerifySignature(secret, body, hdr.Get("X-Hub-Signature-256")); err != nil {
		return nil, err
	}
	return meta.Parse(body)
}

// store acts on one event. Customer messages go to the pipeline.
func (h *Handler) store(ctx context.Context, a *channel.Account, e wire.Event) error {
	if e.AccountID != "" && a.ExternalID != nil && e.AccountID != *a.ExternalID {
		// Meta delivers every number or page of an app to each callback
		// URL of that app: this one belongs to another account.
		h.log.InfoContext(ctx, "webhook event for another account", slog.String("account_id", a.ID.String()),
			slog.String("addressed_to", e.AccountID), slog.String("external_id", e.ExternalID))
		return nil
	}
	var atts []conversation.Attachment
	for _, m := range e.Media {
		atts = append(atts, attachment(a.Kind, m))
	}
	in := conversation.ChannelMessage{
		Account: a, SenderID: e.Sender.ID, SenderName: e.Sender.Name, Phone: e.Sender.Phone, Language: e.Sender.Language,
		ExternalID: e.ExternalID, Text: e.Text, Payload: e.Payload, Attachments: atts, CallbackID: e.CallbackID,
	}
	var err error
	switch e.Kind {
	case wire.Message:
		_, _, err = h.convs.ReceiveFromChannel(ctx, in)
	case wire.Echo:
		// An echo of our own send says the platform has it: if our record
		// of that send never committed, this settles it.
		if e.Metadata != "" {
			if _, err := h.statuses.ApplyStatus(ctx, a, e.ExternalID, e.Metadata, wire.StatusSent, nil); err != nil {
				return err
			}
		}
		// Sent to the customer, from the business side.
		in.SenderID, in.SenderName, in.Phone, in.Language = e.ChatID, "", "", ""
		_, err = h.convs.RecordEcho(ctx, in, e.Metadata)
	case wire.Edit:
		in.Text = "(edited a message) " + e.Text
		_, err = h.convs.RecordNotice(ctx, in)
	case wire.Delete:
		in.Text = "(deleted a message)"
		_, err = h.convs.RecordNotice(ctx, in)
	case wire.Unsupported:
		if in.SenderID == "" {
			h.log.InfoContext(ctx, "webhook item without a sender", slog.String("account_id", a.ID.String()),
				slog.String("type", e.Unsupported), slog.String("external_id", e.ExternalID))
			return nil
		}
		in.Text = fmt.Sprintf("(sent %s, which Frontdesk cannot show) %s", e.Unsupported, e.Text)
		_, err = h.convs.RecordNotice(ctx, in)
	case wire.Status:
		// RefID is our message's platform id; out of order and repeated
		// reports change nothing.
		_, err = h.statuses.ApplyStatus(ctx, a, e.RefID, e.Metadata, e.Status, e.Errors)
	case wire.Error:
		// The platform's own words, which tell the admin what to fix.
		reported := make([]string, len(e.Errors))
		for i, pe := range e.Errors {
			reported[i] = pe.String()
		}
		h.recordError(ctx, a, "the platform reported an error: "+strings.Join(reported, "; "))
	default:
		h.log.InfoContext(ctx, "webhook event not acted on", slog.String("account_id", a.ID.String()),
			slog.String("kind", string(e.Kind)), slog.String("external_id", e.ExternalID))
	}
	return err
}

// attachment records a media reference with what the platform said about
// the file; the file itself is fetched by the fetch_media job that
// conversation enqueues with the message (internal/media). A platform
// media id without a URL (WhatsApp, Telegram) is shown as media-id:<id>.
func attachment(kind channel.Kind, m wire.Media) conversation.Attachment {
	ref := m.URL
	if ref == "" {
		ref = "media-id:" + m.ID
	}
	name := m.Caption
	if name == "" {
		name = m.PlatformType
	}
	return conversation.Attachment{URL: ref, MimeType: m.MIMEType, Name: name,
		Platform: string(kind), MediaID: m.ID, SHA256: m.SHA256, Size: max(m.Size, 0)}
}

// acquire takes a slot, waiting up to queueWait.
func (h *Handler) acquire(ctx context.Context) bool {
	select {
	case h.slots <- struct{}{}:
		return true
	default:
	}
	t := time.NewTimer(queueWait)
	defer t.Stop()
	select {
	case h.slots <- struct{}{}:
		return true
	case <-t.C:
		return false
	case <-ctx.Done():
		return false
	}
}

// fail answers with status, logs err and records problem (one of the
// fixed descriptions above) on the account. A platform that hung up is not
// the account's fault: it redelivers, and nothing is recorded; nor is a
// database outage, which answers 503.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, a *channel.Account, status int, problem string, err error) {
	if r.Context().Err() != nil {
		h.log.InfoContext(r.Context(), "webhook abandoned by the platform", slog.String("account_id", a.ID.String()), slog.Any("error", err))
		return
	}
	if errors.Is(err, apperror.ErrUnavailable) {
		h.unavailable(w, r, err)
		return
	}
	h.log.ErrorContext(r.Context(), "webhook failed", slog.String("account_id", a.ID.String()), slog.Any("error", err))
	h.recordError(r.Context(), a, problem)
	http.Error(w, http.StatusText(status), status)
}

// recordError shows problem on the account as its lastError.
func (h *Handler) recordError(ctx context.Context, a *channel.Account, problem string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	if _, err := h.db.NewUpdate().Model((*channel.Account)(nil)).Set("last_error = ?, last_error_at = now()", channel.ErrorNote("webhook: "+problem)).
		Where("id = ?", a.ID).Exec(ctx); err != nil {
		h.log.WarnContext(ctx, "record webhook error", slog.Any("error", err))
	}
	h.conns.Forget(a.ID)
}
