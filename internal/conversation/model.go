// Package conversation holds customers' (and employees') conversations with
// an organisation: contacts, conversations, messages and notes, ownership
// (bot or human), assignment, hand-offs and their SLA. Every change appends
// to the event log in the same transaction.
package conversation

import (
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"frontdesk/internal/channel"
)

// Status of a conversation; the values are the GraphQL enum's.
type Status string

// Statuses.
const (
	StatusOpen    Status = "OPEN"
	StatusWaiting Status = "WAITING"
	StatusClosed  Status = "CLOSED"
)

// Owner says who answers: the bot, or a human after a hand-off.
type Owner string

// Owners.
const (
	OwnerBot   Owner = "BOT"
	OwnerHuman Owner = "HUMAN"
)

// Direction of a message.
type Direction string

// Directions.
const (
	In  Direction = "IN"
	Out Direction = "OUT"
)

// Author of a message.
type Author string

// Authors.
const (
	AuthorContact Author = "CONTACT"
	AuthorBot     Author = "BOT"
	AuthorUser    Author = "USER"
	AuthorSystem  Author = "SYSTEM"
)

// DeliveryStatus of an outbound message.
type DeliveryStatus string

// Delivery statuses.
const (
	DeliveryNone      DeliveryStatus = "NONE"
	DeliveryPending   DeliveryStatus = "PENDING"
	DeliverySent      DeliveryStatus = "SENT"
	DeliveryDelivered DeliveryStatus = "DELIVERED"
	DeliveryRead      DeliveryStatus = "READ"
	DeliveryFailed    DeliveryStatus = "FAILED"
)

// Contact is a customer. One contact may hold identities on several channels.
type Contact struct {
	bun.BaseModel `bun:"table:contacts"`

	ID             uuid.UUID `bun:"id,pk,type:uuid"`
	OrganizationID uuid.UUID `bun:"organization_id,type:uuid"`
	Name           string    `bun:"name"`
	Email          string    `bun:"email"`
	Phone          string    `bun:"phone"`
	Language       string    `bun:"language"`
	// OptedOutAt is when the contact asked us to stop writing.
	OptedOutAt *time.Time `bun:"opted_out_at"`
	CreatedAt  time.Time  `bun:"created_at,nullzero,notnull,default:current_timestamp"`
}

// Conversation is one thread between a contact (or an employee, in the
// staff chat) and the organisation on one channel account.
type Conversation struct {
	bun.BaseModel `bun:"table:conversations"`

	ID               uuid.UUID  `bun:"id,pk,type:uuid"`
	OrganizationID   uuid.UUID  `bun:"organization_id,type:uuid"`
	ChannelAccountID uuid.UUID  `bun:"channel_account_id,type:uuid"`
	ContactID        *uuid.UUID `bun:"contact_id,type:uuid"`
	StaffUserID      *uuid.UUID `bun:"staff_user_id,type:uuid"`
	Status           Status     `bun:"status"`
	Owner            Owner      `bun:"owner"`
	HandoffReason    string     `bun:"handoff_reason"`
	HandedOffAt      *time.Time `bun:"handed_off_at"`
	Urgent           bool       `bun:"urgent"`
	AssigneeID       *uuid.UUID `bun:"assignee_id,type:uuid"`
	Language         string     `bun:"language"`
	UnreadCount      int        `bun:"unread_count"`
	LastInboundAt    *time.Time `bun:"last_inbound_at"`
	LastOutboundAt   *time.Time `bun:"last_outbound_at"`
	LastHumanReplyAt *time.Time `bun:"last_human_reply_at"`
	LastActivityAt   time.Time  `bun:"last_activity_at,nullzero,notnull,default:current_timestamp"`
	// Clarifications counts clarifying questions asked in a row.
	Clarifications int `bun:"clarifications"`
	// DisclosedAt is when the bot first introduced itself.
	DisclosedAt *time.Time `bun:"disclosed_at"`
	CreatedAt   time.Time  `bun:"created_at,nullzero,notnull,default:current_timestamp"`

	// Kind is the channel's kind, joined in by queries that need it.
	Kind channel.Kind `bun:"kind,scanonly"`
}

// IsStaff reports whether this is an employee's staff conversation.
func (c *Conversation) IsStaff() bool { return c.StaffUserID != nil }

// Attachment is a file attached to a message, stored by reference. An
// attachment that arrived from a platform (Platform set) is downloaded by
// the fetch_media job, enqueued with the message, and kept by
// internal/media; URL, MediaID, SHA256 and Size are then what the platform
// said about it.
type Attachment struct {
	// URL is where the file is, or "media-id:<id>" for a platform media
	// id without a URL.
	URL      string `json:"url"`
	MimeType string `json:"mimeType"`
	Name     string `json:"name"`
	// Platform is the platform the file came from (WHATSAPP, MESSENGER,
	// INSTAGRAM, TELEGRAM); empty for files that are not fetched.
	Platform string `json:"platform,omitempty"`
	// MediaID is the platform's id of the file: WhatsApp media id,
	// Telegram file_id.
	MediaID string `json:"mediaId,omitempty"`
	// SHA256 is the file's hash as the platform gave it (WhatsApp: base64).
	SHA256 string `json:"sha256,omitempty"`
	// Size is the file's size in bytes as the platform gave it; 0 when it
	// did not say.
	Size int64 `json:"size,omitempty"`
}

// Button is a choice offered in a message; a pressed button comes back as
// its payload.
type Button struct {
	Title   string `json:"title"`
	Payload string `json:"payload"`
}

// Message is one message or private note in a conversation.
type Message struct {
	bun.BaseModel `bun:"table:messages"`

	ID             uuid.UUID      `bun:"id,pk,type:uuid"`
	OrganizationID uuid.UUID      `bun:"organization_id,type:uuid"`
	ConversationID uuid.UUID      `bun:"conversation_id,type:uuid"`
	Direction      Direction      `bun:"direction"`
	Author         Author         `bun:"author"`
	AuthorUserID   *uuid.UUID     `bun:"author_user_id,type:uuid"`
	Text           string         `bun:"text"`
	Attachments    []Attachment   `bun:"attachments,type:jsonb"`
	Buttons        []Button       `bun:"buttons,type:jsonb"`
	Payload        string         `bun:"payload"`
	ExternalID     *string        `bun:"external_id"`
	DeliveryStatus DeliveryStatus `bun:"delivery_status"`
	Private        bool           `bun:"private"`
	// ProcessedAt is set, for inbound messages, in the transaction that
	// acted on them: the pipeline's idempotency mark.
	ProcessedAt *time.Time `bun:"processed_at"`
	CreatedAt   time.Time  `bun:"created_at,nullzero,notnull,default:current_timestamp"`
}
