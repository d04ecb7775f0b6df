package meta

import (
	"encoding/json"
	"fmt"
	"strings"

	"frontdesk/internal/channel/wire"
)

// waChange is one entry.changes[] item of a WhatsApp webhook.
type waChange struct {
	Field string          `json:"field"`
	Value json.RawMessage `json:"value"`
}

// waValue is the value of a "messages" change: inbound messages, statuses
// of ours, and out-of-band errors.
type waValue struct {
	Metadata struct {
		DisplayPhoneNumber string `json:"display_phone_number"`
		PhoneNumberID      string `json:"phone_number_id"`
	} `json:"metadata"`
	Contacts []waContact  `json:"contacts"`
	Messages []waMessage  `json:"messages"`
	Statuses []waStatus   `json:"statuses"`
	Errors   []graphError `json:"errors"`
}

// waContact is who sent the messages of a change. UserID is the
// business-scoped user id (BSUID) Meta adds from 2026; a user with a
// username may come with it alone and no wa_id.
type waContact struct {
	Profile struct {
		Name     string `json:"name"`
		Username string `json:"username"`
	} `json:"profile"`
	WaID   string `json:"wa_id"`
	UserID string `json:"user_id"`
}

type waMedia struct {
	ID       string `json:"id"`
	MIMEType string `json:"mime_type"`
	SHA256   string `json:"sha256"`
	Caption  string `json:"caption"`
	URL      string `json:"url"`
	Filename string `json:"filename"`
}

type waMessage struct {
	From       string   `json:"from"`
	FromUserID string   `json:"from_user_id"`
	ID         string   `json:"id"`
	Timestamp  flexTime `json:"timestamp"`
	Type       string   `json:"type"`
	Context    *struct {
		From string `json:"from"`
		ID   string `json:"id"`
	} `json:"context"`
	Text *struct {
		Body string `json:"body"`
	} `json:"text"`
	Image       *waMedia `json:"image"`
	Video       *waMedia `json:"video"`
	Audio       *waMedia `json:"audio"`
	Document    *waMedia `json:"document"`
	Sticker     *waMedia `json:"sticker"`
	Interactive *struct {
		Type        string `json:"type"`
		ButtonReply *struct {
			ID    string `json:"id"`
			Title string `json:"title"`
		} `json:"button_reply"`
		ListReply *struct {
			ID          string `json:"id"`
			Title       string `json:"title"`
			Description string `json:"description"`
		} `json:"list_reply"`
	} `json:"interactive"`
	Button *struct {
		Payload string `json:"payload"`
		Text    string `json:"text"`
	} `json:"button"`
	Errors []graphError `json:"errors"`
}

type waStatus struct {
	ID                    string       `json:"id"`
	Status                string       `json:"status"`
	Timestamp             flexTime     `json:"timestamp"`
	RecipientID           string       `json:"recipient_id"`
	RecipientUserID       string       `json:"recipient_user_id"`
	BizOpaqueCallbackData string       `json:"biz_opaque_callback_data"`
	Errors                []graphError `json:"errors"`
}

// waStatuses maps WhatsApp status names. "played" (a voice message was
// listened to) is mapped to read: playing implies the message reached and
// was opened by the user, and wire.DeliveryStatus has nothing beyond read;
// the ExternalID keeps "played" so it is still a distinct, deduplicable
// event.
var waStatuses = map[string]wire.DeliveryStatus{
	"sent":      wire.StatusSent,
	"delivered": wire.StatusDelivered,
	"read":      wire.StatusRead,
	"played":    wire.StatusRead,
	"failed":    wire.StatusFailed,
}

// waMediaKinds maps the WhatsApp media message types.
var waMediaKinds = map[string]wire.MediaKind{
	"image":    wire.Image,
	"video":    wire.Video,
	"audio":    wire.Audio,
	"document": wire.File,
	"sticker":  wire.OtherMedia,
}

func parseWhatsAppEntry(e envelopeEntry) ([]wire.Event, error) {
	var events []wire.Event
	for _, raw := range e.Changes {
		var ch waChange
		if err := json.Unmarshal(raw, &ch); err != nil {
			return nil, malformed("whatsapp change", err)
		}
		if ch.Field != "messages" {
			// Account, template and other management fields: recorded, not
			// acted on.
			events = append(events, wire.Event{
				Platform:    wire.WhatsApp,
				Kind:        wire.Unsupported,
				AccountID:   string(e.ID),
				At:          e.Time.Time(),
				Unsupported: typeName(ch.Field),
			})
			continue
		}
		var v waValue
		if err := json.Unmarshal(ch.Value, &v); err != nil {
			return nil, malformed("whatsapp messages value", err)
		}
		got, err := v.events()
		if err != nil {
			return nil, err
		}
		events = append(events, got...)
	}
	return events, nil
}

func (v *waValue) events() ([]wire.Event, error) {
	account := v.Metadata.PhoneNumberID
	var events []wire.Event
	for i, m := range v.Messages {
		if m.ID == "" {
			// Without a wamid the message could neither be deduplicated
			// nor replied to in context; Meta always sends one.
			return nil, fmt.Errorf("whatsapp message %d has no id: %w", i, wire.ErrMalformed)
		}
		events = append(events, v.message(account, m))
	}
	for i, s := range v.Statuses {
		if s.ID == "" {
			return nil, fmt.Errorf("whatsapp status %d has no message id: %w", i, wire.ErrMalformed)
		}
		events = append(events, waStatusEvent(account, s))
	}
	if len(v.Errors) > 0 {
		events = append(events, wire.Event{
			Platform:  wire.WhatsApp,
			Kind:      wire.Error,
			AccountID: account,
			Errors:    platformErrors(v.Errors),
		})
	}
	return events, nil
}

// sender finds the contact of message m. Meta lists one contact per sender;
// matching on wa_id or user_id keeps a batched change with several senders
// right, and a lone contact is taken as is.
func (v *waValue) sender(m waMessage) wire.Sender {
	var c *waContact
	for i := range v.Contacts {
		k := &v.Contacts[i]
		if (m.From != "" && k.WaID == m.From) || (m.FromUserID != "" && k.UserID == m.FromUserID) {
			c = k
			break
		}
	}
	if c == nil && len(v.Contacts) == 1 && m.From == "" && m.FromUserID == "" {
		c = &v.Contacts[0]
	}
	s := wire.Sender{}
	waID, userID := m.From, m.FromUserID
	if c != nil {
		s.Name = c.Profile.Name
		s.Username = c.Profile.Username
		if c.WaID != "" {
			waID = c.WaID
		}
		if c.UserID != "" {
			userID = c.UserID
		}
	}
	// The phone-based wa_id stays the primary id while Meta sends it (it is
	// what existing conversations are keyed on); the business-scoped id is
	// kept alongside so a later phone-less message from the same person can
	// be matched, and used alone when there is no phone.
	s.ScopedID = userID
	if waID != "" {
		s.ID = waID
		s.Phone = "+" + waID
	} else {
		s.ID = userID
	}
	return s
}

func (v *waValue) message(account string, m waMessage) wire.Event {
	ev := wire.Event{
		Platform:   wire.WhatsApp,
		Kind:       wire.Message,
		AccountID:  account,
		ExternalID: m.ID,
		Sender:     v.sender(m),
		At:         m.Timestamp.Time(),
		Errors:     platformErrors(m.Errors),
	}
	ev.ChatID = ev.Sender.ID
	if m.Context != nil {
		ev.RefID = m.Context.ID
	}
	unsupported := func(name string) wire.Event {
		ev.Kind = wire.Unsupported
		ev.Unsupported = typeName(name)
		return ev
	}
	switch m.Type {
	case "text":
		if m.Text == nil {
			return unsupported(m.Type)
		}
		ev.Text = m.Text.Body
	case "image", "video", "audio", "document", "sticker":
		md := map[string]*waMedia{"image": m.Image, "video": m.Video, "audio": m.Audio, "document": m.Document, "sticker": m.Sticker}[m.Type]
		if md == nil {
			return unsupported(m.Type)
		}
		ev.Media = []wire.Media{{
			Kind: waMediaKinds[m.Type], PlatformType: m.Type,
			ID: md.ID, URL: md.URL, MIMEType: md.MIMEType, SHA256: md.SHA256, Caption: md.Caption,
		}}
		// The caption is the customer's words: it goes in Text too, so
		// everything that reads text (classifier, previews) sees it.
		ev.Text = md.Caption
	case "interactive":
		switch {
		case m.Interactive == nil:
			return unsupported(m.Type)
		case m.Interactive.Type == "button_reply" && m.Interactive.ButtonReply != nil:
			ev.Payload, ev.Text = m.Interactive.ButtonReply.ID, m.Interactive.ButtonReply.Title
		case m.Interactive.Type == "list_reply" && m.Interactive.ListReply != nil:
			ev.Payload, ev.Text = m.Interactive.ListReply.ID, m.Interactive.ListReply.Title
		default:
			return unsupported("interactive." + m.Interactive.Type)
		}
	case "button":
		if m.Button == nil {
			return unsupported(m.Type)
		}
		ev.Payload, ev.Text = m.Button.Payload, m.Button.Text
	default:
		// location, contacts, reaction, order, system, unsupported, and
		// whatever Meta adds next.
		return unsupported(m.Type)
	}
	return ev
}

func waStatusEvent(account string, s waStatus) wire.Event {
	ev := wire.Event{
		Platform:   wire.WhatsApp,
		Kind:       wire.Status,
		AccountID:  account,
		ExternalID: s.ID + ":" + s.Status,
		ChatID:     s.RecipientID,
		Sender:     wire.Sender{ID: s.RecipientID, ScopedID: s.RecipientUserID},
		At:         s.Timestamp.Time(),
		RefID:      s.ID,
		Errors:     platformErrors(s.Errors),
		Metadata:   s.BizOpaqueCallbackData,
	}
	if ev.ChatID == "" {
		ev.ChatID = s.RecipientUserID
		ev.Sender.ID = s.RecipientUserID
	}
	st, ok := waStatuses[strings.ToLower(s.Status)]
	if !ok {
		ev.Kind = wire.Unsupported
		ev.Unsupported = "status." + s.Status
		return ev
	}
	ev.Status = st
	return ev
}
