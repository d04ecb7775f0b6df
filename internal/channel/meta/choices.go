package meta

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"frontdesk/internal/channel/wire"
)

// choiceLimits are a platform's limits on tappable choices (WhatsApp reply
// buttons and list rows, Messenger and Instagram quick replies).
type choiceLimits struct {
	max     int // how many
	title   int // runes per title
	payload int // runes per payload (id)
	// unique: titles and payloads must be unique (WhatsApp).
	unique bool
}

// fitChoices shapes buttons for a platform: titles over the limit are
// shortened with "…" (a shortened title still says what it is; the payload
// is what we act on), an empty payload becomes the title. It reports false
// when the buttons cannot be offered natively at all: too many, an empty
// title, a payload over the limit (cutting an id would break it), or
// titles or payloads that collide where they must be unique.
func fitChoices(bs []wire.Button, l choiceLimits) ([]wire.Button, bool) {
	if len(bs) == 0 || len(bs) > l.max {
		return nil, false
	}
	out := make([]wire.Button, len(bs))
	titles := map[string]bool{}
	payloads := map[string]bool{}
	for i, b := range bs {
		title := strings.TrimSpace(b.Title)
		if title == "" {
			return nil, false
		}
		payload := b.Payload
		if payload == "" {
			payload = title
		}
		if utf8.RuneCountInString(payload) > l.payload {
			return nil, false
		}
		title = shorten(title, l.title)
		if l.unique && (titles[title] || payloads[payload]) {
			return nil, false
		}
		titles[title], payloads[payload] = true, true
		out[i] = wire.Button{Title: title, Payload: payload}
	}
	return out, true
}

// shorten cuts s to at most n runes, ending with "…" when it was cut.
func shorten(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:n-1])) + "…"
}

// numberedOptions is the fallback when choices cannot be offered as
// buttons: the text followed by "1. Title" lines, so every option is still
// visible and the customer can answer with its number or its words (which
// the pipeline reads like any text; no payload comes back).
func numberedOptions(text string, bs []wire.Button) string {
	var b strings.Builder
	b.WriteString(text)
	if text != "" {
		b.WriteString("\n\n")
	}
	for i, btn := range bs {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(strconv.Itoa(i+1) + ". " + strings.TrimSpace(btn.Title))
	}
	return b.String()
}

// checkOutbound refuses what no platform here can send.
func checkOutbound(out wire.Outbound) error {
	if strings.TrimSpace(out.ChatID) == "" {
		return fmt.Errorf("no recipient: %w", ErrInvalidOutbound)
	}
	for _, m := range out.Media {
		if !strings.HasPrefix(m.URL, "https://") {
			return fmt.Errorf("media must be at a public https URL for the platform to fetch: %w", ErrInvalidOutbound)
		}
	}
	if out.Template == nil && strings.TrimSpace(out.Text) == "" && len(out.Buttons) == 0 && len(out.Media) == 0 {
		return fmt.Errorf("nothing to send: %w", ErrInvalidOutbound)
	}
	return nil
}
