package meta

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"

	"frontdesk/internal/channel/wire"
)

// msgItem is one Messenger or Instagram entry.messaging[] item (or the
// value of an entry.changes[] item in the newer field/value form).
type msgItem struct {
	Sender struct {
		ID flexString `json:"id"`
	} `json:"sender"`
	Recipient struct {
		ID flexString `json:"id"`
	} `json:"recipient"`
	Timestamp   flexTime     `json:"timestamp"`
	Message     *msgMessage  `json:"message"`
	Postback    *msgPostback `json:"postback"`
	MessageEdit *struct {
		MID     string `json:"mid"`
		Text    string `json:"text"`
		NumEdit int    `json:"num_edit"`
	} `json:"message_edit"`
}

type msgMessage struct {
	MID         string `json:"mid"`
	Text        string `json:"text"`
	Attachments []struct {
		Type    string `json:"type"`
		Payload *struct {
			URL string `json:"url"`
		} `json:"payload"`
	} `json:"attachments"`
	QuickReply *struct {
		Payload string `json:"payload"`
	} `json:"quick_reply"`
	ReplyTo *struct {
		MID   string `json:"mid"`
		Story *struct {
			URL string     `json:"url"`
			ID  flexString `json:"id"`
		} `json:"story"`
	} `json:"reply_to"`
	IsEcho        bool       `json:"is_echo"`
	IsDeleted     bool       `json:"is_deleted"`
	IsUnsupported bool       `json:"is_unsupported"`
	AppID         flexString `json:"app_id"`
	Metadata      string     `json:"metadata"`
}

type msgPostback struct {
	MID     string `json:"mid"`
	Title   string `json:"title"`
	Payload string `json:"payload"`
}

// msgAttachmentKinds maps Messenger/Instagram attachment types; the rest
// (share, story_mention, ig_reel, reel, fallback, template, ...) are
// OtherMedia with their type name kept.
var msgAttachmentKinds = map[string]wire.MediaKind{
	"image": wire.Image,
	"video": wire.Video,
	"audio": wire.Audio,
	"file":  wire.File,
}

// msgEnvelopeKeys are the item keys that say who and when, not what.
var msgEnvelopeKeys = []string{"sender", "recipient", "timestamp"}

type msgEntryChange struct {
	Field string          `json:"field"`
	Value json.RawMessage `json:"value"`
}

func parseMessagingEntry(p wire.Platform, e envelopeEntry) ([]wire.Event, error) {
	var events []wire.Event
	for _, raw := range e.Messaging {
		ev, err := parseMessagingItem(p, e, raw, "")
		if err != nil {
			return nil, err
		}
		events = append(events, ev)
	}
	for _, raw := range e.Changes {
		var ch msgEntryChange
		if err := json.Unmarshal(raw, &ch); err != nil {
			return nil, malformed("messaging change", err)
		}
		ev, err := parseMessagingItem(p, e, ch.Value, ch.Field)
		if err != nil {
			return nil, err
		}
		events = append(events, ev)
	}
	for range e.Standby {
		events = append(events, wire.Event{Platform: p, Kind: wire.Unsupported, AccountID: string(e.ID), At: e.Time.Time(), Unsupported: "standby"})
	}
	return events, nil
}

// parseMessagingItem turns one item into one event. field is the change's
// field name in the field/value form, used to name an item we do not know.
func parseMessagingItem(p wire.Platform, e envelopeEntry, raw json.RawMessage, field string) (wire.Event, error) {
	var it msgItem
	if err := json.Unmarshal(raw, &it); err != nil {
		return wire.Event{}, malformed("messaging item", err)
	}
	ev := wire.Event{
		Platform:  p,
		AccountID: string(e.ID),
		ChatID:    string(it.Sender.ID),
		Sender:    wire.Sender{ID: string(it.Sender.ID)},
		At:        it.Timestamp.Time(),
	}
	if ev.AccountID == "" {
		ev.AccountID = string(it.Recipient.ID)
	}
	if ev.At.IsZero() {
		ev.At = e.Time.Time()
	}
	switch {
	case it.Message != nil:
		if it.Message.MID == "" {
			// Meta tells us to deduplicate on mid; a message without one
			// is not something it sends.
			return wire.Event{}, fmt.Errorf("messaging message has no mid: %w", wire.ErrMalformed)
		}
		messageEvent(&ev, it)
	case it.Postback != nil:
		ev.Kind = wire.Message
		ev.ExternalID = it.Postback.MID
		if ev.ExternalID == "" {
			// Older postbacks carry no mid; sender and time identify a tap
			// well enough to drop Meta's redeliveries of it.
			ev.ExternalID = "postback:" + string(it.Sender.ID) + ":" + strconv.FormatInt(ev.At.UnixMilli(), 10)
		}
		ev.Text, ev.Payload = it.Postback.Title, it.Postback.Payload
	case it.MessageEdit != nil:
		if it.MessageEdit.MID == "" {
			return wire.Event{}, fmt.Errorf("message edit has no mid: %w", wire.ErrMalformed)
		}
		ev.Kind = wire.Edit
		ev.RefID = it.MessageEdit.MID
		ev.Text = it.MessageEdit.Text
		// The edit needs its own id: deduplicating on the original mid
		// would swallow it as a redelivery of the message.
		ev.ExternalID = it.MessageEdit.MID + ":edit:" + strconv.Itoa(it.MessageEdit.NumEdit)
	default:
		ev.Kind = wire.Unsupported
		ev.Unsupported = typeName(unknownItemName(raw, field))
	}
	return ev, nil
}

func messageEvent(ev *wire.Event, it msgItem) {
	m := it.Message
	ev.Kind = wire.Message
	ev.ExternalID = m.MID
	ev.Text = m.Text
	if m.QuickReply != nil {
		ev.Payload = m.QuickReply.Payload
	}
	if m.ReplyTo != nil {
		ev.RefID = m.ReplyTo.MID
		if s := m.ReplyTo.Story; s != nil {
			// A reply to the business's story: the story is what the
			// customer is talking about, so it rides along as media.
			ev.Media = append(ev.Media, wire.Media{Kind: wire.OtherMedia, PlatformType: "story", ID: string(s.ID), URL: s.URL})
		}
	}
	for _, a := range m.Attachments {
		md := wire.Media{Kind: wire.OtherMedia, PlatformType: a.Type}
		if k, ok := msgAttachmentKinds[a.Type]; ok {
			md.Kind = k
		}
		if a.Payload != nil {
			md.URL = a.Payload.URL
		}
		ev.Media = append(ev.Media, md)
	}
	switch {
	case m.IsDeleted:
		ev.Kind = wire.Delete
		ev.RefID = m.MID
		ev.ExternalID = m.MID + ":deleted"
		ev.Text, ev.Media, ev.Payload = "", nil, ""
	case m.IsEcho:
		// Our (or a page admin's) message coming back: the customer is the
		// recipient, the business the sender.
		ev.Kind = wire.Echo
		ev.ChatID = string(it.Recipient.ID)
		ev.AppID = string(m.AppID)
		ev.Metadata = m.Metadata
	case m.IsUnsupported:
		ev.Kind = wire.Unsupported
		ev.Unsupported = "is_unsupported"
	}
}

// unknownItemName names an item with none of the keys we handle: the
// change field when there is one, else its first non-envelope key
// (read, delivery, reaction, referral, optin, ...).
func unknownItemName(raw json.RawMessage, field string) string {
	if field != "" {
		return field
	}
	var keys map[string]json.RawMessage
	if json.Unmarshal(raw, &keys) != nil {
		return "unknown"
	}
	var names []string
	for k := range keys {
		if !slices.Contains(msgEnvelopeKeys, k) {
			names = append(names, k)
		}
	}
	if len(names) == 0 {
		return "empty"
	}
	slices.Sort(names)
	return names[0]
}
