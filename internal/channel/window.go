package channel

import (
	"encoding/json"
	"fmt"
	"time"
)

// The platforms' messaging windows (docs/channels.md §2-5).
const (
	// StandardWindow is how long after the customer's last message
	// WhatsApp, Messenger and Instagram accept any message from the
	// business.
	StandardWindow = 24 * time.Hour
	// HumanAgentWindow is how long after the customer's last message a
	// person (not automation) may still reply on Messenger and Instagram,
	// tagged HUMAN_AGENT.
	HumanAgentWindow = 7 * 24 * time.Hour
)

// WindowState says what the business may send in a conversation right
// now; the values are the GraphQL enum's.
type WindowState string

// Window states.
const (
	// WindowOpen: any message may be sent.
	WindowOpen WindowState = "OPEN"
	// WindowHumanAgentOnly: only a person's reply, tagged HUMAN_AGENT
	// (Messenger, Instagram, within 7 days of the customer's message).
	WindowHumanAgentOnly WindowState = "HUMAN_AGENT_ONLY"
	// WindowTemplateOnly: only the account's approved re-engagement
	// template (WhatsApp after 24 hours).
	WindowTemplateOnly WindowState = "TEMPLATE_ONLY"
	// WindowClosed: nothing may be sent until the customer writes again.
	WindowClosed WindowState = "CLOSED"
	// WindowNotStarted: the customer has not written yet, and the
	// platform does not let the business start (Telegram bots).
	WindowNotStarted WindowState = "NOT_STARTED"
)

// Window is a conversation's messaging window at one moment.
type Window struct {
	State WindowState
	// ClosesAt is when State next gets narrower (OPEN becomes
	// HUMAN_AGENT_ONLY, TEMPLATE_ONLY or CLOSED; HUMAN_AGENT_ONLY becomes
	// CLOSED); nil when nothing changes until the customer writes.
	ClosesAt *time.Time
}

// MessagingWindow is the one statement of the platforms' window rules: what
// the business may send at now on a channel of kind, given when the
// customer last wrote (nil: never) and whether the account has a
// re-engagement template (WhatsApp only). A message exactly 24 hours old
// still leaves the window open.
//
//   - WhatsApp: OPEN for 24 hours after the customer's last message; then,
//     and before the first one, TEMPLATE_ONLY with a template, else CLOSED.
//   - Messenger, Instagram: OPEN for 24 hours, HUMAN_AGENT_ONLY until 7
//     days, then CLOSED; CLOSED before the customer's first message.
//   - Telegram: no window once the customer has written; NOT_STARTED
//     before, since bots cannot start conversations.
//   - Web chat and staff chat: always OPEN.
func MessagingWindow(kind Kind, lastInbound *time.Time, hasTemplate bool, now time.Time) Window {
	at := func(d time.Duration) *time.Time { t := lastInbound.Add(d); return &t }
	switch kind {
	case Telegram:
		if lastInbound == nil {
			return Window{State: WindowNotStarted}
		}
	case WhatsApp:
		if lastInbound != nil && now.Sub(*lastInbound) <= StandardWindow {
			return Window{State: WindowOpen, ClosesAt: at(StandardWindow)}
		}
		if hasTemplate {
			return Window{State: WindowTemplateOnly}
		}
		return Window{State: WindowClosed}
	case Messenger, Instagram:
		switch {
		case lastInbound == nil:
			return Window{State: WindowClosed}
		case now.Sub(*lastInbound) <= StandardWindow:
			return Window{State: WindowOpen, ClosesAt: at(StandardWindow)}
		case now.Sub(*lastInbound) <= HumanAgentWindow:
			return Window{State: WindowHumanAgentOnly, ClosesAt: at(HumanAgentWindow)}
		default:
			return Window{State: WindowClosed}
		}
	}
	return Window{State: WindowOpen}
}

// WindowOf is MessagingWindow for a conversation on account a.
func WindowOf(a *Account, lastInbound *time.Time, now time.Time) Window {
	t, _ := a.ReengagementTemplate()
	return MessagingWindow(a.Kind, lastInbound, t != nil, now)
}

// ReengagementTemplate is a WhatsApp account's setting
// reengagementTemplate: the approved template sent instead of a message
// when the 24-hour window has closed.
type ReengagementTemplate struct {
	Name     string `json:"name"`
	Language string `json:"language"`
	// TextParam fills the template's body parameter {{1}} with the
	// message's text.
	TextParam bool `json:"textParam"`
}

// ReengagementTemplate returns the account's re-engagement template, or nil
// when it has none (or is not a WhatsApp account). A template without a
// name or a language counts as none, as it cannot be sent.
func (a *Account) ReengagementTemplate() (*ReengagementTemplate, error) {
	if a.Kind != WhatsApp || len(a.Settings) == 0 {
		return nil, nil
	}
	var s struct {
		Template *ReengagementTemplate `json:"reengagementTemplate"`
	}
	if err := json.Unmarshal(a.Settings, &s); err != nil {
		return nil, fmt.Errorf("read account settings: %w", err)
	}
	if t := s.Template; t == nil || t.Name == "" || t.Language == "" {
		return nil, nil
	}
	return s.Template, nil
}
