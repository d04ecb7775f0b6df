package meta

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"frontdesk/internal/channel/wire"
)

// Defaults for Client.
const (
	DefaultBaseURL    = "https://graph.facebook.com"
	DefaultVersion    = "v24.0"
	DefaultListButton = "Options"
)

// maxResponseBytes bounds what we read of a Graph response: a send
// answer is a few hundred bytes.
const maxResponseBytes = 1 << 20

// Client sends messages through the Graph API. One Client serves every
// account of every organisation: credentials come with each call. The
// zero value works.
type Client struct {
	// BaseURL is the Graph host, DefaultBaseURL when empty. Instagram
	// accounts connected with Instagram Login are served by
	// https://graph.instagram.com: use a second Client for them.
	BaseURL string
	// Version is the Graph API version in the path, DefaultVersion when
	// empty.
	Version string
	// HTTP is the client to use, http.DefaultClient when nil. Set its
	// Timeout: the context bounds each whole Send.
	HTTP *http.Client
	// ListButton labels the button that opens a WhatsApp list message
	// (at most 20 characters), DefaultListButton when empty.
	ListButton string
}

// Credentials say which account sends, and with what token: one of
// WhatsAppCredentials, MessengerCredentials, InstagramCredentials.
type Credentials interface {
	platform() wire.Platform
	sender() (id, token string)
}

// WhatsAppCredentials send from a WhatsApp Business phone number.
type WhatsAppCredentials struct {
	PhoneNumberID string
	AccessToken   string
}

// MessengerCredentials send as a Facebook Page.
type MessengerCredentials struct {
	PageID    string
	PageToken string
}

// InstagramCredentials send as an Instagram professional account.
type InstagramCredentials struct {
	AccountID   string
	AccessToken string
}

func (WhatsAppCredentials) platform() wire.Platform     { return wire.WhatsApp }
func (MessengerCredentials) platform() wire.Platform    { return wire.Messenger }
func (InstagramCredentials) platform() wire.Platform    { return wire.Instagram }
func (c WhatsAppCredentials) sender() (string, string)  { return c.PhoneNumberID, c.AccessToken }
func (c MessengerCredentials) sender() (string, string) { return c.PageID, c.PageToken }
func (c InstagramCredentials) sender() (string, string) { return c.AccountID, c.AccessToken }

// ErrInvalidOutbound is wire.ErrInvalidOutbound: an Outbound this adapter
// refuses before calling Meta. It is final; retrying cannot help.
var ErrInvalidOutbound = wire.ErrInvalidOutbound

// Send delivers out, as several messages when its text is over the
// platform's limit, and returns the platform's ids in order. A failure
// from Meta is a *wire.SendError classified for the delivery job; when a
// split text fails part-way, its Sent holds the ids that already went out.
func (c *Client) Send(ctx context.Context, creds Credentials, out wire.Outbound) (wire.Sent, error) {
	if creds == nil {
		return wire.Sent{}, fmt.Errorf("meta send: no credentials: %w", ErrInvalidOutbound)
	}
	p := creds.platform()
	id, token := creds.sender()
	if id == "" || token == "" {
		return wire.Sent{}, fmt.Errorf("%s send: account id or token missing: %w", p, ErrInvalidOutbound)
	}
	var (
		bodies []any
		err    error
	)
	switch p {
	case wire.WhatsApp:
		bodies, err = whatsAppRequests(out, c.listButton())
	default:
		bodies, err = messagingRequests(p, out)
	}
	if err != nil {
		return wire.Sent{}, fmt.Errorf("%s send: %w", p, err)
	}
	endpoint, err := c.endpoint(id)
	if err != nil {
		return wire.Sent{}, fmt.Errorf("%s send: %w", p, err)
	}
	var sent wire.Sent
	for _, b := range bodies {
		msgID, err := c.post(ctx, p, endpoint, token, b)
		if err != nil {
			if se, ok := wire.AsSendError(err); ok {
				se.Sent = append([]string(nil), sent.IDs...)
			}
			return sent, err
		}
		sent.IDs = append(sent.IDs, msgID)
	}
	return sent, nil
}

func (c *Client) listButton() string {
	if c.ListButton != "" {
		return c.ListButton
	}
	return DefaultListButton
}

func (c *Client) endpoint(id string) (string, error) {
	base, version := c.BaseURL, c.Version
	if base == "" {
		base = DefaultBaseURL
	}
	if version == "" {
		version = DefaultVersion
	}
	u, err := url.JoinPath(base, version, url.PathEscape(id), "messages")
	if err != nil {
		return "", fmt.Errorf("build endpoint: %w", err)
	}
	return u, nil
}

// post sends one message and returns its id.
func (c *Client) post(ctx context.Context, p wire.Platform, endpoint, token string, body any) (string, error) {
	payload, err := json.Marshal(body)
	if err != nil {
		return "", fmt.Errorf("%s send: encode request: %w", p, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(payload))
	if err != nil {
		return "", fmt.Errorf("%s send: build request: %w", p, err)
	}
	req.Header.Set("Content-Type", "application/json")
	status, raw, err := c.do(p, req, token)
	if err != nil {
		return "", err
	}
	var ok struct {
		MessageID string `json:"message_id"` // Messenger, Instagram
		Messages  []struct {
			ID string `json:"id"`
		} `json:"messages"` // WhatsApp
	}
	if err := json.Unmarshal(raw, &ok); err != nil {
		return "", acceptedWithoutID(p, status, fmt.Sprintf("undecodable response: %v", err))
	}
	id := ok.MessageID
	if len(ok.Messages) > 0 {
		id = ok.Messages[0].ID
	}
	if strings.TrimSpace(id) == "" {
		return "", acceptedWithoutID(p, status, "response has no message id")
	}
	return id, nil
}

// do sends req with token and returns a 2xx answer's status and body; any
// other answer is a *wire.SendError classified from Meta's error.
func (c *Client) do(p wire.Platform, req *http.Request, token string) (int, []byte, error) {
	req.Header.Set("Authorization", "Bearer "+token)
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, nil, wire.NetworkError(p, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if err != nil {
		// The status line arrived, the body did not: a send may or may not
		// have gone out, and only a retry can tell.
		return 0, nil, wire.NetworkError(p, fmt.Errorf("read response: %w", err))
	}
	if resp.StatusCode/100 != 2 {
		return 0, nil, classify(p, resp.StatusCode, resp.Header, raw)
	}
	return resp.StatusCode, raw, nil
}

// acceptedWithoutID is a 2xx we cannot read. It is not retried: Meta
// probably accepted the message, and a resend would duplicate it.
func acceptedWithoutID(p wire.Platform, status int, msg string) *wire.SendError {
	return &wire.SendError{Platform: p, HTTPStatus: status, Err: wire.PlatformError{Message: msg}}
}
