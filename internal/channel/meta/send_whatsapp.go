package meta

import (
	"fmt"
	"strings"

	"frontdesk/internal/channel/textsplit"
	"frontdesk/internal/channel/wire"
)

// WhatsApp Cloud API limits (channels.md §2; WA/messages/text-messages,
// interactive-reply-buttons-messages, interactive list messages).
const (
	waTextLimit       = 4096 // text.body
	waButtonBodyLimit = 1024 // interactive body.text with reply buttons
	waListBodyLimit   = 4096 // interactive body.text with a list
	waListButtonLimit = 20   // action.button of a list
)

var (
	waButtons = choiceLimits{max: 3, title: 20, payload: 256, unique: true}
	waRows    = choiceLimits{max: 10, title: 24, payload: 200, unique: true}
)

// waRequest is the body of POST /<ver>/<PHONE_NUMBER_ID>/messages.
type waRequest struct {
	MessagingProduct      string         `json:"messaging_product"`
	RecipientType         string         `json:"recipient_type"`
	To                    string         `json:"to"`
	Type                  string         `json:"type"`
	Context               *waContext     `json:"context,omitempty"`
	Text                  *waText        `json:"text,omitempty"`
	Interactive           *waInteractive `json:"interactive,omitempty"`
	Template              *waTemplate    `json:"template,omitempty"`
	Image                 *waMediaOut    `json:"image,omitempty"`
	Video                 *waMediaOut    `json:"video,omitempty"`
	Audio                 *waMediaOut    `json:"audio,omitempty"`
	Document              *waMediaOut    `json:"document,omitempty"`
	BizOpaqueCallbackData string         `json:"biz_opaque_callback_data,omitempty"`
}

// waMediaOut is a media message's object: WhatsApp downloads the file from
// link (WA/messages/image-messages, document-messages).
type waMediaOut struct {
	Link     string `json:"link"`
	Filename string `json:"filename,omitempty"`
}

type waContext struct {
	MessageID string `json:"message_id"`
}

type waText struct {
	PreviewURL bool   `json:"preview_url"`
	Body       string `json:"body"`
}

type waBodyText struct {
	Text string `json:"text"`
}

type waInteractive struct {
	Type   string     `json:"type"`
	Body   waBodyText `json:"body"`
	Action waAction   `json:"action"`
}

type waAction struct {
	Buttons  []waReplyButton `json:"buttons,omitempty"`
	Button   string          `json:"button,omitempty"`
	Sections []waSection     `json:"sections,omitempty"`
}

type waReplyButton struct {
	Type  string  `json:"type"`
	Reply waReply `json:"reply"`
}

type waReply struct {
	ID    string `json:"id"`
	Title string `json:"title"`
}

type waSection struct {
	Rows []waReply `json:"rows"`
}

type waTemplate struct {
	Name       string        `json:"name"`
	Language   waLanguage    `json:"language"`
	Components []waComponent `json:"components,omitempty"`
}

type waLanguage struct {
	Code string `json:"code"`
}

type waComponent struct {
	Type       string        `json:"type"`
	Parameters []waParameter `json:"parameters"`
}

type waParameter struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

// whatsAppRequests turns out into the request bodies to send in order.
//
// Buttons: up to 3 that fit become reply buttons; 4 to 10 become a list
// message (one section, rows titled ≤ 24 runes, opened by listButton),
// since a list keeps the tap-to-answer payload; more than 10, or choices
// that cannot be made unique or whose id is too long, fall back to
// numbered text options. Text longer than the interactive body limit goes
// first as plain text parts, the buttons ride on the last part.
func whatsAppRequests(out wire.Outbound, listButton string) ([]any, error) {
	if err := checkOutbound(out); err != nil {
		return nil, err
	}
	base := func(typ string) waRequest {
		return waRequest{
			MessagingProduct: "whatsapp", RecipientType: "individual", To: out.ChatID, Type: typ,
			// Every part carries our reference, so each part's statuses
			// reconcile with our outbox.
			BizOpaqueCallbackData: out.Reference,
		}
	}
	if t := out.Template; t != nil {
		if strings.TrimSpace(t.Name) == "" || strings.TrimSpace(t.Language) == "" {
			return nil, fmt.Errorf("template needs a name and a language: %w", ErrInvalidOutbound)
		}
		r := base("template")
		r.Template = &waTemplate{Name: t.Name, Language: waLanguage{Code: t.Language}}
		if len(t.BodyParams) > 0 {
			c := waComponent{Type: "body"}
			for _, p := range t.BodyParams {
				c.Parameters = append(c.Parameters, waParameter{Type: "text", Text: p})
			}
			r.Template.Components = []waComponent{c}
		}
		return []any{withContext(r, out.ReplyTo)}, nil
	}

	// Files go first, one message each, then the text.
	reqs := make([]any, 0, len(out.Media)+1)
	for _, m := range out.Media {
		media := &waMediaOut{Link: m.URL}
		var r waRequest
		switch m.Kind {
		case wire.Image:
			r = base("image")
			r.Image = media
		case wire.Video:
			r = base("video")
			r.Video = media
		case wire.Audio:
			r = base("audio")
			r.Audio = media
		default:
			r = base("document")
			media.Filename = m.Caption
			r.Document = media
		}
		if len(reqs) == 0 {
			r = withContext(r, out.ReplyTo)
		}
		reqs = append(reqs, r)
	}
	if strings.TrimSpace(out.Text) == "" && len(out.Buttons) == 0 {
		return reqs, nil
	}

	text := out.Text
	var interactive *waInteractive
	bodyLimit := waTextLimit
	if len(out.Buttons) > 0 {
		if bs, ok := fitChoices(out.Buttons, waButtons); ok && strings.TrimSpace(text) != "" {
			interactive = &waInteractive{Type: "button"}
			for _, b := range bs {
				interactive.Action.Buttons = append(interactive.Action.Buttons, waReplyButton{Type: "reply", Reply: waReply{ID: b.Payload, Title: b.Title}})
			}
			bodyLimit = waButtonBodyLimit
		} else if bs, ok := fitChoices(out.Buttons, waRows); ok && strings.TrimSpace(text) != "" {
			interactive = &waInteractive{Type: "list", Action: waAction{Button: shorten(listButton, waListButtonLimit)}}
			sec := waSection{}
			for _, b := range bs {
				sec.Rows = append(sec.Rows, waReply{ID: b.Payload, Title: b.Title})
			}
			interactive.Action.Sections = []waSection{sec}
			bodyLimit = waListBodyLimit
		} else {
			text = numberedOptions(text, out.Buttons)
		}
	}

	parts := textsplit.Split(text, waTextLimit, textsplit.UTF16)
	if interactive != nil {
		last := parts[len(parts)-1]
		parts = append(parts[:len(parts)-1], textsplit.Split(last, bodyLimit, textsplit.UTF16)...)
	}
	media := len(reqs)
	for i, p := range parts {
		var r waRequest
		if interactive != nil && i == len(parts)-1 {
			r = base("interactive")
			in := *interactive
			in.Body = waBodyText{Text: p}
			r.Interactive = &in
		} else {
			r = base("text")
			r.Text = &waText{Body: p}
		}
		if i == 0 && media == 0 {
			r = withContext(r, out.ReplyTo)
		}
		reqs = append(reqs, r)
	}
	return reqs, nil
}

func withContext(r waRequest, replyTo string) waRequest {
	if replyTo != "" {
		r.Context = &waContext{MessageID: replyTo}
	}
	return r
}
