// Package meta is the adapter for Meta's three messaging platforms, the
// WhatsApp Cloud API, Messenger and Instagram: it checks and parses their
// webhooks into wire.Events and sends wire.Outbound messages through the
// Graph API. The three share one webhook signature, one handshake and one
// error shape, which is why they live in one package.
package meta

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"frontdesk/internal/channel/wire"
)

// signaturePrefix starts the X-Hub-Signature-256 header value.
const signaturePrefix = "sha256="

// VerifySignature checks Meta's X-Hub-Signature-256 header ("sha256=<hex>")
// against the HMAC-SHA256 of the raw request body keyed with the app
// secret. It must run on the bytes as received: Meta signs its own escaped
// serialisation, so a re-encoded body would not match. Any problem (no
// secret, no header, bad hex, wrong digest) is wire.ErrBadSignature.
func VerifySignature(appSecret string, body []byte, header string) error {
	if appSecret == "" {
		// An unset secret would make every attacker's HMAC("") valid.
		return fmt.Errorf("verify signature: no app secret configured: %w", wire.ErrBadSignature)
	}
	hexSum, ok := strings.CutPrefix(strings.TrimSpace(header), signaturePrefix)
	if !ok {
		return fmt.Errorf("verify signature: header %q is not sha256=<hex>: %w", truncateForLog(header), wire.ErrBadSignature)
	}
	// Meta sends lowercase hex; hex.DecodeString accepts either case, which
	// is harmless because the comparison is on the decoded bytes.
	got, err := hex.DecodeString(hexSum)
	if err != nil || len(got) != sha256.Size {
		return fmt.Errorf("verify signature: malformed digest: %w", wire.ErrBadSignature)
	}
	mac := hmac.New(sha256.New, []byte(appSecret))
	mac.Write(body)
	if !hmac.Equal(got, mac.Sum(nil)) {
		return fmt.Errorf("verify signature: digest mismatch: %w", wire.ErrBadSignature)
	}
	return nil
}

// ErrHandshake is returned by Handshake for a subscription request that is
// not Meta's or carries the wrong verify token: answer 403.
var ErrHandshake = errors.New("webhook subscription handshake refused")

// Handshake answers Meta's GET subscription request (hub.mode=subscribe,
// hub.verify_token, hub.challenge): when the token matches the configured
// one, the caller replies 200 with the returned challenge as the body.
func Handshake(query url.Values, verifyToken string) (challenge string, err error) {
	if verifyToken == "" {
		return "", fmt.Errorf("handshake: no verify token configured: %w", ErrHandshake)
	}
	if query.Get("hub.mode") != "subscribe" {
		return "", fmt.Errorf("handshake: hub.mode %q is not subscribe: %w", truncateForLog(query.Get("hub.mode")), ErrHandshake)
	}
	// Constant time so the token cannot be guessed byte by byte.
	if subtle.ConstantTimeCompare([]byte(query.Get("hub.verify_token")), []byte(verifyToken)) != 1 {
		return "", fmt.Errorf("handshake: verify token mismatch: %w", ErrHandshake)
	}
	challenge = query.Get("hub.challenge")
	if challenge == "" {
		return "", fmt.Errorf("handshake: no hub.challenge: %w", ErrHandshake)
	}
	return challenge, nil
}

// Webhook objects, one per platform.
const (
	objectWhatsApp  = "whatsapp_business_account"
	objectPage      = "page"
	objectInstagram = "instagram"
)

// envelope is the outer shape every Meta webhook shares.
type envelope struct {
	Object string          `json:"object"`
	Entry  []envelopeEntry `json:"entry"`
}

type envelopeEntry struct {
	ID        flexString        `json:"id"`
	Time      flexTime          `json:"time"`
	Changes   []json.RawMessage `json:"changes"`
	Messaging []json.RawMessage `json:"messaging"`
	// Standby holds items another app owns under Messenger's handover
	// protocol: recorded as unsupported, never answered.
	Standby []json.RawMessage `json:"standby"`
}

// Parse turns a webhook body into events, in the order Meta listed them:
// every entry, and every change or messaging item in it (Meta batches up to
// 1000). A body that is not JSON, or not one of the three objects, is an
// error wrapping wire.ErrMalformed. Items Frontdesk cannot act on come back
// as wire.Unsupported events rather than being dropped.
func Parse(body []byte) ([]wire.Event, error) {
	var env envelope
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, fmt.Errorf("parse meta webhook: %w: %w", wire.ErrMalformed, err)
	}
	switch env.Object {
	case objectWhatsApp, objectPage, objectInstagram:
	default:
		return nil, fmt.Errorf("parse meta webhook: unknown object %q: %w", truncateForLog(env.Object), wire.ErrMalformed)
	}
	var events []wire.Event
	for i, e := range env.Entry {
		var (
			got []wire.Event
			err error
		)
		switch env.Object {
		case objectWhatsApp:
			got, err = parseWhatsAppEntry(e)
		case objectPage:
			got, err = parseMessagingEntry(wire.Messenger, e)
		case objectInstagram:
			got, err = parseMessagingEntry(wire.Instagram, e)
		}
		if err != nil {
			return nil, fmt.Errorf("parse meta webhook entry %d: %w", i, err)
		}
		events = append(events, got...)
	}
	return events, nil
}

// malformed wraps a decoding failure of one item so callers can test for
// wire.ErrMalformed.
func malformed(what string, err error) error {
	return fmt.Errorf("decode %s: %w: %w", what, wire.ErrMalformed, err)
}

// flexString accepts a JSON string or number: Meta ids are strings in
// current payloads, but app_id and some ids arrive as numbers.
type flexString string

// UnmarshalJSON implements json.Unmarshaler.
func (s *flexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) {
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*s = flexString(v)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("id is neither string nor number: %w", err)
	}
	*s = flexString(n.String())
	return nil
}

// flexTime is a Unix timestamp given as a number or a numeric string, in
// seconds (WhatsApp, and Messenger's field/value form) or milliseconds
// (Messenger and Instagram messaging items). Values below 1e11 are read as
// seconds: 1e11 seconds is the year 5138, while 1e11 milliseconds is 1973,
// so the two ranges cannot be confused for real events.
type flexTime time.Time

// UnmarshalJSON implements json.Unmarshaler.
func (t *flexTime) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) {
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		b = []byte(v)
	}
	if len(b) == 0 {
		return nil
	}
	n, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		return fmt.Errorf("timestamp %q is not an integer: %w", truncateForLog(string(b)), err)
	}
	if n < 0 {
		return fmt.Errorf("timestamp %d is negative", n)
	}
	if n < 1e11 {
		*t = flexTime(time.Unix(n, 0).UTC())
	} else {
		*t = flexTime(time.UnixMilli(n).UTC())
	}
	return nil
}

// Time returns the timestamp; zero when the field was absent.
func (t flexTime) Time() time.Time { return time.Time(t) }

// typeName is the name an Unsupported event carries: the platform's own,
// or "unknown" when it gave an empty one, so the event still says
// something.
func typeName(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

// truncateForLog keeps attacker-controlled strings short in error texts.
func truncateForLog(s string) string {
	const max = 64
	if len(s) <= max {
		return s
	}
	for i := max; i > 0; i-- {
		if i < len(s) && (s[i]&0xC0) != 0x80 {
			return s[:i] + "…"
		}
	}
	return ""
}
