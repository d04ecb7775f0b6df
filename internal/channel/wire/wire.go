// Package wire holds the platform-neutral shapes that channel adapters
// (internal/channel/meta, internal/channel/telegram) translate to and from:
// what arrived in a webhook, what to send, and how a send failed. The
// pipeline and the delivery jobs only ever see these.
package wire

import (
	"errors"
	"fmt"
	"time"
)

// Platform names a messaging platform.
type Platform string

// Platforms with adapters.
const (
	WhatsApp  Platform = "WHATSAPP"
	Messenger Platform = "MESSENGER"
	Instagram Platform = "INSTAGRAM"
	Telegram  Platform = "TELEGRAM"
)

// EventKind says what an inbound event is.
type EventKind string

// Inbound event kinds. Nothing a platform sends is dropped silently: what
// Frontdesk cannot act on arrives as Unsupported, with the platform's own
// type name in Event.Unsupported.
const (
	// Message is a customer's message: text, media, or a pressed button.
	Message EventKind = "MESSAGE"
	// Echo is a message the business account sent, as the platform echoes
	// it back (Meta is_echo): ours (Event.AppID / metadata tell) or typed
	// by a person in the platform's own app.
	Echo EventKind = "ECHO"
	// Edit replaces the text of an earlier message (Event.RefID).
	Edit EventKind = "EDIT"
	// Delete withdraws an earlier message (Event.RefID).
	Delete EventKind = "DELETE"
	// Status reports delivery of one of our messages (Event.RefID).
	Status EventKind = "STATUS"
	// Error is an out-of-band platform error not tied to one message.
	Error EventKind = "ERROR"
	// Unsupported is anything else, recorded and shown to agents.
	Unsupported EventKind = "UNSUPPORTED"
)

// DeliveryStatus is a platform's report on one of our messages, ordered so
// that a later report never moves a message back (read is not undone by a
// late delivered).
type DeliveryStatus int

// Delivery statuses in their order.
const (
	StatusUnknown DeliveryStatus = iota
	StatusSent
	StatusDelivered
	StatusRead
	// StatusFailed is final: it is never replaced.
	StatusFailed
)

// String is the status's name.
func (s DeliveryStatus) String() string {
	switch s {
	case StatusSent:
		return "SENT"
	case StatusDelivered:
		return "DELIVERED"
	case StatusRead:
		return "READ"
	case StatusFailed:
		return "FAILED"
	}
	return "UNKNOWN"
}

// Advance returns the status after next arrives on top of cur: statuses
// only move forward, and failed is final.
func Advance(cur, next DeliveryStatus) DeliveryStatus {
	if cur == StatusFailed || next <= cur {
		return cur
	}
	return next
}

// MediaKind is the kind of an attachment.
type MediaKind string

// Media kinds.
const (
	Image MediaKind = "IMAGE"
	Video MediaKind = "VIDEO"
	Audio MediaKind = "AUDIO"
	File  MediaKind = "FILE"
	// Sticker and other kinds the platform names go here too, with
	// Media.PlatformType set.
	OtherMedia MediaKind = "OTHER"
)

// Media is a reference to an attachment, fetched lazily by a job: a
// platform media id (WhatsApp, Telegram file_id) or a URL (Messenger,
// Instagram).
type Media struct {
	Kind         MediaKind
	PlatformType string // the platform's own type name ("image", "photo", "story_mention")
	ID           string // platform media id, if any
	URL          string // direct URL, if any
	MIMEType     string
	SHA256       string
	Caption      string
	Size         int64
}

// Sender is the customer (or, for echoes, the business side).
type Sender struct {
	// ID is the platform's stable user id for this business: WhatsApp
	// wa_id (or the business-scoped user id when no phone is given),
	// Messenger PSID, Instagram IGSID, Telegram user id (as text).
	ID string
	// ScopedID is WhatsApp's business-scoped user id when both it and the
	// phone-based wa_id are present.
	ScopedID string
	Name     string
	Username string
	Phone    string // E.164 when the platform gives a phone number
	Language string // IETF tag when the platform gives one (Telegram)
}

// Event is one normalised inbound item. A webhook body can hold many.
type Event struct {
	Platform Platform
	Kind     EventKind
	// AccountID is the business account the event is addressed to:
	// WhatsApp phone_number_id, Messenger page id, Instagram account id,
	// Telegram bot (empty: the endpoint says which).
	AccountID string
	// ExternalID identifies the event for deduplication: wamid, mid,
	// "tg:<update_id>"; for a status, "<wamid>:<status>". A redelivery
	// carries the same ExternalID.
	ExternalID string
	// ChatID is where a reply goes: WhatsApp wa_id, PSID, IGSID, Telegram
	// chat id (as text).
	ChatID string
	Sender Sender
	At     time.Time
	Text   string
	Media  []Media
	// Payload is the pressed button's payload (WhatsApp button_reply/
	// list_reply id or template button payload, Messenger/Instagram
	// quick_reply or postback payload, Telegram callback_query data).
	Payload string
	// CallbackID is Telegram's callback_query id, to be answered with
	// answerCallbackQuery.
	CallbackID string
	// RefID is the platform id of the message this event refers to: the
	// one replied to, edited, deleted, or whose status this is.
	RefID string
	// Status and Errors are set for Status events (and Errors for Error
	// events).
	Status DeliveryStatus
	Errors []PlatformError
	// Metadata is what we attached when sending (WhatsApp
	// biz_opaque_callback_data, Meta echo metadata): our own message id,
	// which makes an echo or status reconcilable with our outbox.
	Metadata string
	// AppID is the sending app of an echo (Meta app_id): ours or another.
	AppID string
	// Unsupported is the platform's type name for Unsupported events.
	Unsupported string
}

// PlatformError is an error a platform reported, synchronously or in a
// webhook.
type PlatformError struct {
	Code    int
	Subcode int
	Title   string
	Message string
	Details string
}

func (e PlatformError) String() string {
	if e.Subcode != 0 {
		return fmt.Sprintf("%d/%d %s", e.Code, e.Subcode, e.Message)
	}
	return fmt.Sprintf("%d %s", e.Code, e.Message)
}

// Button is a choice offered with a message.
type Button struct {
	Title   string
	Payload string
}

// Outbound is one message to send.
type Outbound struct {
	// ChatID is the recipient (Event.ChatID of the conversation).
	ChatID string
	Text   string
	// Buttons are offered as the platform's quick replies, reply buttons
	// or inline keyboard, within its limits.
	Buttons []Button
	Media   []Media
	// ReplyTo is a platform message id to quote, if any.
	ReplyTo string
	// HumanAgent marks a person's reply sent outside the standard window
	// (Meta HUMAN_AGENT tag).
	HumanAgent bool
	// Template, when set, sends an approved WhatsApp template instead of
	// free text (outside the 24-hour window).
	Template *Template
	// Reference is our own id for the message, sent along where the
	// platform echoes it back (biz_opaque_callback_data, metadata).
	Reference string
}

// Template is an approved WhatsApp message template.
type Template struct {
	Name     string
	Language string
	// BodyParams fill the body's {{1}}, {{2}}... in order.
	BodyParams []string
}

// Sent is the platform's acceptance of one send: a long text may have
// been split, so one Outbound can give several ids.
type Sent struct {
	IDs []string
}

// SendError is a failed send, classified so the delivery job knows what to
// do next.
type SendError struct {
	Platform Platform
	// HTTPStatus is the response status, 0 for a network error.
	HTTPStatus int
	Err        PlatformError
	// Retry: the send may succeed later (5xx, 429, throttling codes,
	// network errors); RetryAfter is the platform's wait, if it gave one.
	Retry      bool
	RetryAfter time.Duration
	// OutsideWindow: the messaging window is closed (WhatsApp 131047,
	// Meta code 10): send a template or a HUMAN_AGENT reply instead.
	OutsideWindow bool
	// Unreachable: the user cannot be messaged any more (blocked the bot,
	// invalid recipient, 551); final.
	Unreachable bool
	// Sent counts the parts of a split text that went out before the
	// failure: resending must start after them.
	Sent  []string
	cause error
}

func (e *SendError) Error() string {
	switch {
	case e.HTTPStatus == 0 && e.cause != nil:
		return fmt.Sprintf("%s send: %v", e.Platform, e.cause)
	default:
		return fmt.Sprintf("%s send: HTTP %d: %s", e.Platform, e.HTTPStatus, e.Err)
	}
}

// Unwrap returns the underlying network error, if any.
func (e *SendError) Unwrap() error { return e.cause }

// NetworkError wraps a transport failure (no response): always retryable.
func NetworkError(p Platform, err error) *SendError {
	return &SendError{Platform: p, Retry: true, cause: err}
}

// AsSendError returns err's SendError, if it has one.
func AsSendError(err error) (*SendError, bool) {
	var se *SendError
	ok := errors.As(err, &se)
	return se, ok
}

// ErrBadSignature is returned for a webhook whose signature or secret
// token is missing or wrong: answer 401 and store nothing.
var ErrBadSignature = errors.New("webhook signature missing or invalid")

// ErrMalformed wraps a webhook body that is not what the platform sends.
var ErrMalformed = errors.New("malformed webhook payload")

// ErrInvalidOutbound wraps an Outbound that an adapter refuses before
// calling the platform because the platform would reject it or change it
// silently (a button payload over the platform's limit, a caption too long,
// a template on a platform without templates): final, do not retry.
var ErrInvalidOutbound = errors.New("outbound message cannot be sent as given")
