package media

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"frontdesk/internal/channel"
	"frontdesk/internal/channel/wire"
	"frontdesk/internal/conversation"
	"frontdesk/internal/eventlog"
	"frontdesk/jobs"
)

// Attempt describes the job run that calls Fetch.
type Attempt struct {
	// Final is set on the job's last attempt: a failure that could pass
	// is then recorded as FAILED instead of being retried.
	Final bool
}

// Fetch downloads the pending platform files of the message args names
// and records each outcome on its attachment. It returns an error when a
// file may still be fetched later (River retries the job; files already
// settled are not fetched again). Running it twice, or concurrently, has
// no second effect: only a PENDING attachment is ever settled.
func (s *Service) Fetch(ctx context.Context, args jobs.FetchMediaArgs, at Attempt) error {
	msgs, err := conversation.MessagesByIDs(ctx, s.db, args.OrganizationID, []uuid.UUID{args.MessageID})
	if err != nil {
		return fmt.Errorf("fetch media: %w", err)
	}
	if len(msgs) == 0 {
		return nil // deleted since: nothing to keep
	}
	msg := msgs[0]
	pending, err := s.pendingFiles(ctx, msg)
	if err != nil || len(pending) == 0 {
		return err
	}
	src, err := s.source(ctx, msg)
	if err != nil {
		if !at.Final {
			return err
		}
		s.log.WarnContext(ctx, "media: cannot open the channel", slog.String("message_id", msg.ID.String()), slog.Any("error", err))
		src = &source{s: s, unavailable: "the channel's credentials could not be read"}
	}
	var retry []string
	for _, f := range pending {
		if err := ctx.Err(); err != nil {
			return err
		}
		res := src.fetch(ctx, msg.Attachments[f.Index])
		if res.temporary && !at.Final {
			retry = append(retry, fmt.Sprintf("attachment %d: %s", f.Index, res.err))
		}
		if err := s.record(ctx, msg, f, res, at); err != nil {
			return err
		}
	}
	if len(retry) > 0 {
		return fmt.Errorf("fetch media of message %s: %s", msg.ID, strings.Join(retry, "; "))
	}
	return nil
}

// pendingFiles creates the rows of msg's platform attachments that have
// none yet and returns those still PENDING.
func (s *Service) pendingFiles(ctx context.Context, msg *conversation.Message) ([]*File, error) {
	var rows []*File
	for i, a := range msg.Attachments {
		if a.Platform != "" {
			rows = append(rows, &File{ID: uuid.Must(uuid.NewV7()), OrganizationID: msg.OrganizationID, MessageID: msg.ID, Index: i,
				Status: StatusPending, MimeType: a.MimeType})
		}
	}
	if len(rows) == 0 {
		return nil, nil
	}
	if _, err := s.db.NewInsert().Model(&rows).Column("id", "organization_id", "message_id", "attachment_index", "status", "mime_type").
		On("CONFLICT (message_id, attachment_index) DO NOTHING").Exec(ctx); err != nil {
		return nil, fmt.Errorf("fetch media: create rows: %w", err)
	}
	var pending []*File
	err := s.db.NewSelect().Model(&pending).Column(fileColumns...).
		Where("organization_id = ? AND message_id = ? AND status = ?", msg.OrganizationID, msg.ID, StatusPending).
		Order("attachment_index").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("fetch media: load rows: %w", err)
	}
	return pending, nil
}

// result is how fetching one file ended.
type result struct {
	content  []byte
	mimeType string
	// status is READY, TOO_LARGE or FAILED; a temporary failure leaves
	// the file PENDING.
	status    Status
	temporary bool
	// size is the announced size of a file over MaxSize, when known.
	size int64
	err  string
}

func ready(content []byte, mimeType string) result {
	return result{content: content, mimeType: mimeType, status: StatusReady}
}

func failed(format string, a ...any) result {
	return result{status: StatusFailed, err: fmt.Sprintf(format, a...)}
}

func tooLarge(size int64) result {
	r := result{status: StatusTooLarge, size: size, err: fmt.Sprintf("the file is over the %d MiB Frontdesk keeps", MaxSize>>20)}
	if size > 0 {
		r.err = fmt.Sprintf("the file has %d bytes, over the %d MiB Frontdesk keeps", size, MaxSize>>20)
	}
	return r
}

// fromError classifies a platform call's failure: one the platform may get
// over (5xx, throttling, a network error) is temporary.
func fromError(what string, err error) result {
	var big *tooLargeError
	if errors.As(err, &big) {
		return tooLarge(big.size)
	}
	if se, ok := wire.AsSendError(err); ok {
		msg := se.Err.String()
		if se.HTTPStatus != 0 {
			msg = fmt.Sprintf("HTTP %d: %s", se.HTTPStatus, msg)
		} else if u := se.Unwrap(); u != nil {
			msg = withoutURL(u).Error()
		}
		return result{status: StatusFailed, temporary: se.Retry, err: what + ": " + msg}
	}
	// Not classified (an undecodable answer, a cancelled context): try
	// again, and give up with the job's attempts.
	return result{status: StatusFailed, temporary: true, err: what + ": " + withoutURL(err).Error()}
}

// record settles f, an attachment of msg, with res, unless another run
// settled it first, and appends a MEDIA_UPDATED event in the same
// transaction. A temporary failure only notes the error, except on the
// last attempt.
func (s *Service) record(ctx context.Context, msg *conversation.Message, f *File, res result, at Attempt) error {
	settled := !res.temporary || at.Final
	status := res.status
	if res.temporary {
		status = StatusFailed
	}
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		q := tx.NewUpdate().Model((*File)(nil)).
			Set("attempts = attempts + 1, updated_at = now()").
			Where("id = ? AND status = ?", f.ID, StatusPending)
		switch {
		case res.status == StatusReady:
			sum := sha256.Sum256(res.content)
			q = q.Set("status = ?, content = ?, size = ?, sha256 = ?, mime_type = ?, error = NULL, fetched_at = now()",
				StatusReady, res.content, len(res.content), hex.EncodeToString(sum[:]), res.mimeType)
		case res.temporary && !at.Final:
			q = q.Set("error = ?", clip(res.err))
		case res.temporary:
			q = q.Set("status = ?, error = ?", StatusFailed, clip(fmt.Sprintf("gave up after %d attempts: %s", f.Attempts+1, res.err)))
		case res.status == StatusTooLarge && res.size > 0:
			q = q.Set("status = ?, size = ?, error = ?", StatusTooLarge, res.size, clip(res.err))
		default:
			q = q.Set("status = ?, error = ?", res.status, clip(res.err))
		}
		r, err := q.Exec(ctx)
		if err != nil {
			return err
		}
		if n, _ := r.RowsAffected(); n == 0 || !settled {
			return nil
		}
		return eventlog.Append(ctx, tx, &eventlog.Event{OrganizationID: msg.OrganizationID, ConversationID: &msg.ConversationID, MessageID: &msg.ID,
			Type: eventlog.MediaUpdated, Payload: eventlog.Payload(map[string]any{"index": f.Index, "status": status})})
	})
	if err != nil {
		return fmt.Errorf("fetch media: record attachment %d: %w", f.Index, err)
	}
	if settled && s.notify != nil {
		s.notify.Notify()
	}
	if res.status != StatusReady {
		s.log.InfoContext(ctx, "media not fetched", slog.String("message_id", f.MessageID.String()), slog.Int("index", f.Index),
			slog.Bool("temporary", res.temporary), slog.String("reason", res.err))
	}
	return nil
}

func clip(s string) string {
	const max = 500
	if len(s) <= max {
		return s
	}
	return strings.ToValidUTF8(s[:max], "")
}

// source fetches the files of one channel account.
type source struct {
	s       *Service
	account *channel.Account
	// token is the account's access token (WhatsApp) or bot token
	// (Telegram); Messenger's and Instagram's URLs need none.
	token string
	// unavailable, when set, is why no file of this account can be
	// fetched (a disconnected account).
	unavailable string
}

// source finds msg's channel account and opens its credentials.
func (s *Service) source(ctx context.Context, msg *conversation.Message) (*source, error) {
	convs, err := conversation.ConversationsByIDs(ctx, s.db, msg.OrganizationID, []uuid.UUID{msg.ConversationID})
	if err != nil {
		return nil, fmt.Errorf("fetch media: %w", err)
	}
	if len(convs) == 0 {
		return &source{s: s, unavailable: "the conversation is gone"}, nil
	}
	accounts, err := channel.ByIDs(ctx, s.db, msg.OrganizationID, []uuid.UUID{convs[0].ChannelAccountID})
	if err != nil {
		return nil, fmt.Errorf("fetch media: %w", err)
	}
	if len(accounts) == 0 {
		return &source{s: s, unavailable: "the channel account is gone"}, nil
	}
	src := &source{s: s, account: accounts[0]}
	if src.account.Status == channel.StatusDisconnected {
		src.unavailable = "the channel was disconnected before the file was fetched"
		return src, nil
	}
	switch src.account.Kind {
	case channel.WhatsApp:
		var c channel.WhatsAppCredentials
		if err := s.conns.Credentials(ctx, src.account, &c); err != nil {
			return nil, fmt.Errorf("fetch media: %w", err)
		}
		src.token = c.AccessToken
	case channel.Telegram:
		var c channel.TelegramCredentials
		if err := s.conns.Credentials(ctx, src.account, &c); err != nil {
			return nil, fmt.Errorf("fetch media: %w", err)
		}
		src.token = c.BotToken
	}
	return src, nil
}

// fetch downloads one attachment from the account's platform.
func (src *source) fetch(ctx context.Context, a conversation.Attachment) result {
	if src.unavailable != "" {
		return failed("%s", src.unavailable)
	}
	if a.Size > MaxSize {
		return tooLarge(a.Size)
	}
	mediaID := a.MediaID
	if mediaID == "" {
		mediaID, _ = strings.CutPrefix(a.URL, "media-id:")
		if mediaID == a.URL {
			mediaID = ""
		}
	}
	s := src.s
	switch src.account.Kind {
	case channel.WhatsApp:
		// The media id gives a fresh URL, the size before any download,
		// and the hash. The webhook's own url (rolled out since November
		// 2025) is used only without an id: its lifetime is not
		// documented.
		dl, mimeType, hash := a.URL, a.MimeType, a.SHA256
		if mediaID != "" {
			info, err := s.meta.Media(ctx, src.token, mediaID)
			if err != nil {
				return fromError("whatsapp media lookup", err)
			}
			if info.FileSize > MaxSize {
				return tooLarge(info.FileSize)
			}
			dl = info.URL
			if info.MIMEType != "" {
				mimeType = info.MIMEType
			}
			if info.SHA256 != "" {
				hash = info.SHA256
			}
		}
		return s.get(ctx, "whatsapp download", dl, src.token, mimeType, hash)
	case channel.Telegram:
		if mediaID == "" {
			return failed("telegram: the message names no file_id")
		}
		f, err := s.tg.LookupFile(ctx, src.token, mediaID)
		if err != nil {
			return fromError("telegram getFile", err)
		}
		if f.Size > MaxSize {
			return tooLarge(f.Size)
		}
		u, err := s.tg.FileURL(src.token, f)
		if err != nil {
			return failed("telegram: %v", err)
		}
		return s.get(ctx, "telegram download", u, "", a.MimeType, "")
	case channel.Messenger, channel.Instagram:
		// The payload's URL is signed and needs no token; it expires,
		// which is why the job runs right after the message is stored.
		return s.get(ctx, strings.ToLower(string(src.account.Kind))+" download", a.URL, "", a.MimeType, "")
	default:
		return failed("%s has no platform files", src.account.Kind)
	}
}

// tooLargeError is a download over MaxSize; size is the announced size,
// 0 when the server did not say.
type tooLargeError struct{ size int64 }

func (e *tooLargeError) Error() string { return fmt.Sprintf("file over %d bytes", MaxSize) }

// get downloads rawURL (with token as a bearer token, if any), checks the
// file against the platform's hash, if it gave one, and settles its MIME
// type: the platform's, else the server's, else sniffed.
func (s *Service) get(ctx context.Context, what, rawURL, token, mimeType, hash string) result {
	if rawURL == "" {
		return failed("%s: the platform gave no URL for the file", what)
	}
	body, serverType, err := s.download(ctx, rawURL, token)
	if err != nil {
		return fromError(what, err)
	}
	if want, ok := decodeSHA256(hash); ok {
		if got := sha256.Sum256(body); !bytes.Equal(got[:], want) {
			return failed("%s: the file's SHA-256 is %s, the platform announced %s", what, hex.EncodeToString(got[:]), hex.EncodeToString(want))
		}
	} else if hash != "" {
		s.log.WarnContext(ctx, "platform hash in an unknown format; not checked", slog.String("hash", hash))
	}
	if mimeType == "" {
		mimeType = serverType
	}
	if t, _, err := mime.ParseMediaType(mimeType); err != nil || t == "application/octet-stream" {
		mimeType = http.DetectContentType(body)
	}
	return ready(body, mimeType)
}

// download GETs a file of at most MaxSize. Failures are *wire.SendError
// (Retry for 429, 5xx and network errors) or *tooLargeError; none contains the
// URL, which may hold a token (Telegram).
func (s *Service) download(ctx context.Context, rawURL, token string) ([]byte, string, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, "", errors.New("the file's URL is not an http(s) URL")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, "", errors.New("cannot build the download request")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	// Meta's media host refuses some requests without a User-Agent.
	req.Header.Set("User-Agent", "Frontdesk")
	resp, err := s.http.Do(req)
	if err != nil {
		return nil, "", wire.NetworkError("", withoutURL(err))
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
		return nil, "", &wire.SendError{HTTPStatus: resp.StatusCode,
			Retry: resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500,
			Err:   wire.PlatformError{Message: http.StatusText(resp.StatusCode)}}
	}
	if resp.ContentLength > MaxSize {
		return nil, "", &tooLargeError{size: resp.ContentLength}
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxSize+1))
	if err != nil {
		return nil, "", wire.NetworkError("", withoutURL(err))
	}
	if len(body) > MaxSize {
		return nil, "", &tooLargeError{}
	}
	return body, resp.Header.Get("Content-Type"), nil
}

// withoutURL drops the request URL net/http puts in its errors.
func withoutURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %w", ue.Op, ue.Err)
	}
	return err
}

// decodeSHA256 reads a platform's SHA-256: WhatsApp gives base64 in
// webhooks, and hex has been seen from the media endpoint.
func decodeSHA256(s string) ([]byte, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, false
	}
	if b, err := hex.DecodeString(s); err == nil && len(b) == sha256.Size {
		return b, true
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil && len(b) == sha256.Size {
			return b, true
		}
	}
	return nil, false
}
