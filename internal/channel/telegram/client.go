package telegram

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"frontdesk/internal/channel/wire"
)

// DefaultBaseURL is the Bot API server.
const DefaultBaseURL = "https://api.telegram.org"

// AllowedUpdates are the Update types Frontdesk subscribes to with
// setWebhook: my_chat_member is listed so that a user blocking the bot is
// seen even before a send fails.
var AllowedUpdates = []string{"message", "edited_message", "callback_query", "my_chat_member"}

// maxResponse bounds how much of a Bot API response is read: a Message is
// a few kilobytes, so anything near this is not the Bot API.
const maxResponse = 1 << 20

// defaultHTTP is used when Client.HTTP is nil. The timeout backs up the
// caller's context so that a hung connection cannot hold a delivery job.
var defaultHTTP = &http.Client{Timeout: 30 * time.Second}

// ErrInvalidToken is returned for a bot token that is empty or has
// characters a token never has; it is checked because the token is part
// of the URL path.
var ErrInvalidToken = errors.New("telegram bot token is empty or malformed")

// Client calls the Bot API. The zero value is ready to use. The bot token
// is passed per call (one process serves many bots); it appears only in
// request URLs and is removed from every error this package returns, so
// errors can be logged.
type Client struct {
	// BaseURL replaces DefaultBaseURL (tests, a local Bot API server).
	BaseURL string
	// HTTP replaces a default client with a 30-second timeout.
	HTTP *http.Client
}

func (c *Client) base() string {
	if c.BaseURL == "" {
		return DefaultBaseURL
	}
	return strings.TrimRight(c.BaseURL, "/")
}

func (c *Client) httpClient() *http.Client {
	if c.HTTP == nil {
		return defaultHTTP
	}
	return c.HTTP
}

// validToken reports whether token looks like "<bot id>:<secret>": only
// digits, letters, ':', '_' and '-', so it cannot change the URL's path.
func validToken(token string) bool {
	if token == "" || len(token) > 256 {
		return false
	}
	for i := 0; i < len(token); i++ {
		c := token[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == ':' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// apiResponse is the envelope of every Bot API answer.
type apiResponse struct {
	OK          bool            `json:"ok"`
	Result      json.RawMessage `json:"result"`
	ErrorCode   int             `json:"error_code"`
	Description string          `json:"description"`
	Parameters  *struct {
		RetryAfter      int   `json:"retry_after"`
		MigrateToChatID int64 `json:"migrate_to_chat_id"`
	} `json:"parameters"`
}

// call POSTs req as JSON to method and decodes the result into result. A
// failure of the call itself is a *wire.SendError.
func (c *Client) call(ctx context.Context, token, method string, req, result any) error {
	if !validToken(token) {
		return ErrInvalidToken
	}
	body, err := json.Marshal(req)
	if err != nil {
		return fmt.Errorf("encode %s request: %w", method, err)
	}
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base()+"/bot"+token+"/"+method, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("build %s request: %w", method, redactErr(err, token))
	}
	hreq.Header.Set("Content-Type", "application/json")
	resp, err := c.httpClient().Do(hreq)
	if err != nil {
		return wire.NetworkError(wire.Telegram, redactErr(err, token))
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return wire.NetworkError(wire.Telegram, redactErr(err, token))
	}
	var r apiResponse
	decodeErr := json.Unmarshal(raw, &r)
	if decodeErr == nil && r.OK && resp.StatusCode/100 == 2 {
		if result == nil {
			return nil
		}
		if err := json.Unmarshal(r.Result, result); err != nil {
			return fmt.Errorf("decode %s result: %w", method, err)
		}
		return nil
	}
	return classify(resp.StatusCode, r)
}

// classify turns a failed answer into a SendError. It rests on error_code
// and parameters, not on description: Telegram warns that error_code
// contents are "subject to change" and documents no description texts at
// all, so the only text matched is "chat not found", and only to mark a 400
// unreachable rather than to retry anything.
func classify(status int, r apiResponse) *wire.SendError {
	code := r.ErrorCode
	if code == 0 {
		// Not a Bot API body (a proxy's error page): the HTTP status is
		// all there is.
		code = status
	}
	se := &wire.SendError{
		Platform:   wire.Telegram,
		HTTPStatus: status,
		Err:        wire.PlatformError{Code: code, Message: r.Description},
	}
	if p := r.Parameters; p != nil {
		if p.RetryAfter > 0 {
			// Flood control, whatever the code says.
			se.Retry = true
			se.RetryAfter = time.Duration(p.RetryAfter) * time.Second
		}
		if p.MigrateToChatID != 0 {
			se.Err.Details = "migrate_to_chat_id=" + strconv.FormatInt(p.MigrateToChatID, 10)
		}
	}
	switch {
	case code == http.StatusTooManyRequests || code >= 500 || status >= 500:
		se.Retry = true
	case code == http.StatusForbidden:
		// Bot blocked by the user, user deactivated, bot kicked from the
		// group: final until the user writes again.
		se.Unreachable = true
	case code == http.StatusBadRequest && strings.Contains(strings.ToLower(r.Description), "chat not found"):
		se.Unreachable = true
	}
	return se
}

// redactErr replaces the token in err's text, where net/http puts the
// whole request URL.
func redactErr(err error, token string) error {
	if !strings.Contains(err.Error(), token) {
		return err
	}
	var ue *url.Error
	if errors.As(err, &ue) && !strings.Contains(ue.Err.Error(), token) {
		return &url.Error{Op: ue.Op, URL: strings.ReplaceAll(ue.URL, token, "<token>"), Err: ue.Err}
	}
	return errors.New(strings.ReplaceAll(err.Error(), token, "<token>"))
}

// sendRequest is the body of sendMessage and the send<Media> methods.
type sendRequest struct {
	ChatID          any              `json:"chat_id"`
	Text            string           `json:"text,omitempty"`
	Photo           string           `json:"photo,omitempty"`
	Document        string           `json:"document,omitempty"`
	Video           string           `json:"video,omitempty"`
	Audio           string           `json:"audio,omitempty"`
	Sticker         string           `json:"sticker,omitempty"`
	Caption         string           `json:"caption,omitempty"`
	ReplyParameters *replyParameters `json:"reply_parameters,omitempty"`
	ReplyMarkup     *inlineMarkup    `json:"reply_markup,omitempty"`
}

type replyParameters struct {
	MessageID int64 `json:"message_id"`
}

// Send sends out and returns the new message ids. Media go first, in
// order, each with its own caption (sendPhoto for images, sendVideo,
// sendAudio, sendSticker for stickers, sendDocument for the rest; by
// file_id or URL); then the text, split on paragraph, sentence or word
// boundaries into parts of at most 4096 characters. ReplyTo quotes on the
// first message, the buttons ride on the last. When a later part fails,
// the returned error's SendError.Sent (and Sent.IDs) hold the ids already
// sent. An Outbound Telegram cannot carry as given is refused before
// anything is sent, wrapping wire.ErrInvalidOutbound.
func (c *Client) Send(ctx context.Context, token string, out wire.Outbound) (wire.Sent, error) {
	reqs, err := plan(out)
	if err != nil {
		return wire.Sent{}, err
	}
	var sent wire.Sent
	for _, r := range reqs {
		var m struct {
			MessageID int64 `json:"message_id"`
		}
		if err := c.call(ctx, token, r.method, r.body, &m); err != nil {
			if se, ok := wire.AsSendError(err); ok {
				se.Sent = append([]string(nil), sent.IDs...)
			}
			return sent, fmt.Errorf("telegram %s: %w", r.method, err)
		}
		sent.IDs = append(sent.IDs, strconv.FormatInt(m.MessageID, 10))
	}
	return sent, nil
}

type planned struct {
	method string
	body   *sendRequest
}

// plan turns out into the Bot API calls that send it, checking every limit
// first so that nothing is half-sent for a reason known in advance.
func plan(out wire.Outbound) ([]planned, error) {
	invalid := func(format string, args ...any) error {
		return fmt.Errorf("telegram send: %w: %s", wire.ErrInvalidOutbound, fmt.Sprintf(format, args...))
	}
	if out.Template != nil {
		return nil, invalid("Telegram has no message templates")
	}
	chatID, err := chatIDValue(out.ChatID)
	if err != nil {
		return nil, invalid("%v", err)
	}
	var reply *replyParameters
	if out.ReplyTo != "" {
		id, err := strconv.ParseInt(out.ReplyTo, 10, 64)
		if err != nil {
			return nil, invalid("reply-to id %q is not a Telegram message id", out.ReplyTo)
		}
		reply = &replyParameters{MessageID: id}
	}
	keyboard, err := inlineKeyboard(out.Buttons)
	if err != nil {
		return nil, invalid("%v", err)
	}
	var reqs []planned
	for i, m := range out.Media {
		r := &sendRequest{ChatID: chatID, Caption: m.Caption}
		ref := m.ID
		if ref == "" {
			ref = m.URL
		}
		if ref == "" {
			return nil, invalid("media %d has neither file_id nor URL", i)
		}
		if n := textLen(m.Caption); n > maxCaptionLen {
			return nil, invalid("media %d caption is %d characters, Telegram allows %d", i, n, maxCaptionLen)
		}
		var method string
		switch {
		case m.Kind == wire.Image:
			method, r.Photo = "sendPhoto", ref
		case m.Kind == wire.Video:
			method, r.Video = "sendVideo", ref
		case m.Kind == wire.Audio:
			method, r.Audio = "sendAudio", ref
		case m.PlatformType == "sticker":
			// Stickers carry no caption.
			method, r.Sticker, r.Caption = "sendSticker", ref, ""
		default:
			method, r.Document = "sendDocument", ref
		}
		reqs = append(reqs, planned{method, r})
	}
	for _, part := range splitText(out.Text, maxTextLen) {
		reqs = append(reqs, planned{"sendMessage", &sendRequest{ChatID: chatID, Text: part}})
	}
	if len(reqs) == 0 {
		return nil, invalid("nothing to send: no text and no media")
	}
	reqs[0].body.ReplyParameters = reply
	reqs[len(reqs)-1].body.ReplyMarkup = keyboard
	return reqs, nil
}

// chatIDValue gives chat_id as the Bot API takes it: an integer for a
// numeric id (as in the fixtures), else an @channel username.
func chatIDValue(s string) (any, error) {
	if id, err := strconv.ParseInt(s, 10, 64); err == nil {
		return id, nil
	}
	if strings.HasPrefix(s, "@") && len(s) > 1 {
		return s, nil
	}
	return nil, fmt.Errorf("chat id %q is neither a number nor an @username", s)
}

// shortTitle is the longest button title that still shares a row: two
// such buttons fit side by side on a phone.
const shortTitle = 20

// inlineKeyboard lays buttons out one per row, except that two consecutive
// short titles share a row. A payload over callback_data's 64 bytes is
// refused rather than cut: a cut payload would come back as a different
// choice, and mapping it to a short id would need storage this package
// does not have.
func inlineKeyboard(buttons []wire.Button) (*inlineMarkup, error) {
	if len(buttons) == 0 {
		return nil, nil
	}
	var rows [][]inlineButton
	for i, b := range buttons {
		if strings.TrimSpace(b.Title) == "" {
			return nil, fmt.Errorf("button %d has no title", i)
		}
		if n := len(b.Payload); n < 1 || n > maxCallback {
			return nil, fmt.Errorf("button %d payload is %d bytes, Telegram's callback_data takes 1–%d", i, n, maxCallback)
		}
		ib := inlineButton{Text: b.Title, CallbackData: b.Payload}
		if last := len(rows) - 1; last >= 0 && len(rows[last]) == 1 &&
			utf8.RuneCountInString(rows[last][0].Text) <= shortTitle && utf8.RuneCountInString(b.Title) <= shortTitle {
			rows[last] = append(rows[last], ib)
			continue
		}
		rows = append(rows, []inlineButton{ib})
	}
	return &inlineMarkup{InlineKeyboard: rows}, nil
}

// AnswerCallbackQuery stops the spinner on a pressed button, showing text
// (if any) as a notification. Telegram requires an answer to every callback
// query. A text over 200 characters is shortened with an ellipsis rather
// than refused: a refusal would leave the spinner running.
func (c *Client) AnswerCallbackQuery(ctx context.Context, token, callbackID, text string) error {
	if callbackID == "" {
		return fmt.Errorf("telegram answerCallbackQuery: %w: no callback id", wire.ErrInvalidOutbound)
	}
	req := struct {
		CallbackQueryID string `json:"callback_query_id"`
		Text            string `json:"text,omitempty"`
	}{callbackID, truncate(text, maxAnswerLen)}
	if err := c.call(ctx, token, "answerCallbackQuery", req, nil); err != nil {
		return fmt.Errorf("telegram answerCallbackQuery: %w", err)
	}
	return nil
}

// maxConnections is setWebhook's max_connections: Telegram's default of
// 40 parallel deliveries, sent explicitly so a re-registration resets it.
const maxConnections = 40

// SetWebhook points the bot's updates at webhookURL (HTTPS), with secret
// (see NewSecret) coming back in SecretHeader. A nil allowedUpdates means
// AllowedUpdates. Pending updates are kept (drop_pending_updates false) so
// that messages sent while the webhook moved are not lost.
func (c *Client) SetWebhook(ctx context.Context, token, webhookURL, secret string, allowedUpdates []string) error {
	if !strings.HasPrefix(webhookURL, "https://") {
		return fmt.Errorf("telegram setWebhook: webhook URL must be HTTPS")
	}
	if !validSecret(secret) {
		return fmt.Errorf("telegram setWebhook: secret token must be 1–256 characters of A-Z a-z 0-9 _ -")
	}
	if allowedUpdates == nil {
		allowedUpdates = AllowedUpdates
	}
	req := struct {
		URL                string   `json:"url"`
		SecretToken        string   `json:"secret_token"`
		AllowedUpdates     []string `json:"allowed_updates"`
		MaxConnections     int      `json:"max_connections"`
		DropPendingUpdates bool     `json:"drop_pending_updates"`
	}{webhookURL, secret, allowedUpdates, maxConnections, false}
	if err := c.call(ctx, token, "setWebhook", req, nil); err != nil {
		return fmt.Errorf("telegram setWebhook: %w", err)
	}
	return nil
}

// GetFile resolves a file_id to a download URL, valid for at least an
// hour (files up to 20 MB). The URL contains the bot token: fetch it, never
// log or store it.
func (c *Client) GetFile(ctx context.Context, token, fileID string) (string, error) {
	if fileID == "" {
		return "", fmt.Errorf("telegram getFile: no file id")
	}
	var f struct {
		FilePath string `json:"file_path"`
	}
	if err := c.call(ctx, token, "getFile", struct {
		FileID string `json:"file_id"`
	}{fileID}, &f); err != nil {
		return "", fmt.Errorf("telegram getFile: %w", err)
	}
	if f.FilePath == "" {
		return "", fmt.Errorf("telegram getFile: no file_path in the answer (file too big to download?)")
	}
	return c.base() + "/file/bot" + token + "/" + f.FilePath, nil
}

// Bot is the account behind a token, as getMe reports it.
type Bot struct {
	ID       int64
	Username string
	Name     string
}

// GetMe checks a token when a bot is connected: a wrong token fails with a
// SendError (401), a right one names the bot.
func (c *Client) GetMe(ctx context.Context, token string) (Bot, error) {
	var u user
	if err := c.call(ctx, token, "getMe", struct{}{}, &u); err != nil {
		return Bot{}, fmt.Errorf("telegram getMe: %w", err)
	}
	if !u.IsBot {
		return Bot{}, fmt.Errorf("telegram getMe: the token's account is not a bot")
	}
	return Bot{ID: u.ID, Username: u.Username, Name: strings.TrimSpace(u.FirstName + " " + u.LastName)}, nil
}
