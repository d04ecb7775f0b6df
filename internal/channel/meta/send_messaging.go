package meta

import (
	"fmt"

	"frontdesk/internal/channel/textsplit"
	"frontdesk/internal/channel/wire"
)

// Messenger and Instagram limits (channels.md §3-4): Messenger text is
// under 2000 characters, Instagram text at most 1000 UTF-8 bytes; both
// take at most 13 quick replies with titles of 20 characters and payloads
// of 1000.
const (
	messengerTextLimit = 1999
	instagramTextLimit = 1000
)

var quickReplies = choiceLimits{max: 13, title: 20, payload: 1000}

// msgRequest is the Send API body for Messenger and Instagram.
type msgRequest struct {
	Recipient     msgRecipient `json:"recipient"`
	MessagingType string       `json:"messaging_type,omitempty"`
	Tag           string       `json:"tag,omitempty"`
	Message       msgOut       `json:"message"`
}

type msgRecipient struct {
	ID string `json:"id"`
}

type msgOut struct {
	Text         string          `json:"text,omitempty"`
	Attachment   *msgAttachment  `json:"attachment,omitempty"`
	QuickReplies []msgQuickReply `json:"quick_replies,omitempty"`
	Metadata     string          `json:"metadata,omitempty"`
}

// msgAttachment is a file sent by URL, which Meta downloads
// (MSG/send-messages#sending_attachments).
type msgAttachment struct {
	Type    string            `json:"type"`
	Payload msgAttachmentFile `json:"payload"`
}

type msgAttachmentFile struct {
	URL string `json:"url"`
}

type msgQuickReply struct {
	ContentType string `json:"content_type"`
	Title       string `json:"title"`
	Payload     string `json:"payload"`
}

// messagingRequests turns out into Send API bodies for Messenger or
// Instagram.
//
// Buttons become quick replies on the last part when they fit (≤ 13);
// more than 13, or a payload over 1000, fall back to numbered text
// options rather than silently dropping choices. HumanAgent sends use
// messaging_type MESSAGE_TAG with tag HUMAN_AGENT. Messenger sends carry
// Reference as message.metadata, which Meta echoes back (message_echoes);
// Instagram's send reference documents no metadata field, so none is sent
// there. Instagram plain texts omit messaging_type, as Meta's own
// Instagram example does. Templates are WhatsApp-only and refused.
func messagingRequests(p wire.Platform, out wire.Outbound) ([]any, error) {
	if err := checkOutbound(out); err != nil {
		return nil, err
	}
	if out.Template != nil {
		return nil, fmt.Errorf("templates exist only on WhatsApp: %w", ErrInvalidOutbound)
	}
	limit, m := messengerTextLimit, textsplit.Measure(textsplit.UTF16)
	if p == wire.Instagram {
		limit, m = instagramTextLimit, textsplit.UTF8Bytes
	}
	// Files go first, one message each. Instagram takes images, videos and
	// audio; any other file goes to the customer as its link in the text.
	text := out.Text
	var files []msgAttachment
	for _, m := range out.Media {
		typ := map[wire.MediaKind]string{wire.Image: "image", wire.Video: "video", wire.Audio: "audio"}[m.Kind]
		if typ == "" && p == wire.Instagram {
			link := m.URL
			if m.Caption != "" {
				link = m.Caption + ": " + m.URL
			}
			if text != "" {
				text += "\n"
			}
			text += link
			continue
		}
		if typ == "" {
			typ = "file"
		}
		files = append(files, msgAttachment{Type: typ, Payload: msgAttachmentFile{URL: m.URL}})
	}
	var qrs []msgQuickReply
	if len(out.Buttons) > 0 {
		if bs, ok := fitChoices(out.Buttons, quickReplies); ok && text != "" {
			for _, b := range bs {
				qrs = append(qrs, msgQuickReply{ContentType: "text", Title: b.Title, Payload: b.Payload})
			}
		} else {
			text = numberedOptions(text, out.Buttons)
		}
	}
	var parts []string
	if text != "" {
		parts = textsplit.Split(text, limit, m)
	}
	reqs := make([]any, 0, len(files)+len(parts))
	for _, f := range files {
		r := msgRequest{Recipient: msgRecipient{ID: out.ChatID}, MessagingType: "RESPONSE", Message: msgOut{Attachment: &f}}
		if out.HumanAgent {
			r.MessagingType, r.Tag = "MESSAGE_TAG", "HUMAN_AGENT"
		}
		if p == wire.Messenger {
			r.Message.Metadata = out.Reference
		}
		reqs = append(reqs, r)
	}
	for i, part := range parts {
		r := msgRequest{Recipient: msgRecipient{ID: out.ChatID}, Message: msgOut{Text: part}}
		last := i == len(parts)-1
		if last {
			r.Message.QuickReplies = qrs
		}
		switch {
		case out.HumanAgent:
			r.MessagingType, r.Tag = "MESSAGE_TAG", "HUMAN_AGENT"
		case p == wire.Messenger || (last && len(qrs) > 0):
			r.MessagingType = "RESPONSE"
		}
		if p == wire.Messenger {
			r.Message.Metadata = out.Reference
		}
		reqs = append(reqs, r)
	}
	return reqs, nil
}
