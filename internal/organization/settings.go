package organization

import (
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"frontdesk/internal/apperror"
	"frontdesk/internal/currency"
)

// Tone is how the bot words its replies.
type Tone string

// Tones; the values are the GraphQL enum's.
const (
	ToneFriendly Tone = "FRIENDLY"
	ToneFormal   Tone = "FORMAL"
	ToneConcise  Tone = "CONCISE"
)

// ScenarioKind names one of Frontdesk's scenarios.
type ScenarioKind string

// Scenarios; the values are the GraphQL enum's.
const (
	ScenarioLeadQualification ScenarioKind = "LEAD_QUALIFICATION"
	ScenarioBooking           ScenarioKind = "BOOKING"
	ScenarioOrderTracking     ScenarioKind = "ORDER_TRACKING"
	ScenarioQuoteToPayment    ScenarioKind = "QUOTE_TO_PAYMENT"
	ScenarioReactivation      ScenarioKind = "REACTIVATION"
	ScenarioInternalRequest   ScenarioKind = "INTERNAL_REQUEST"
	ScenarioReception         ScenarioKind = "RECEPTION"
)

// RoutingMode says who receives a hand-off.
type RoutingMode string

// Routing modes.
const (
	// RoundRobin picks the next available agent or manager.
	RoundRobin RoutingMode = "ROUND_ROBIN"
	// NamedUser sends each scenario's hand-offs to the user named for it
	// (falling back to round robin for scenarios without one).
	NamedUser RoutingMode = "NAMED_USER"
)

// Settings steer the bot for one organisation. The zero value of every
// field means "use the default" (see Effective).
type Settings struct {
	Tone                Tone            `json:"tone,omitempty"`
	BotDisclosure       string          `json:"botDisclosure,omitempty"`
	ConfidenceThreshold float64         `json:"confidenceThreshold,omitempty"`
	BusinessHours       []BusinessHours `json:"businessHours,omitempty"`
	EscalationRules     EscalationRules `json:"escalationRules"`
	HandoffRouting      HandoffRouting  `json:"handoffRouting"`
}

// BusinessHours is one opening window on an ISO weekday (1 = Monday).
type BusinessHours struct {
	Weekday int    `json:"weekday"`
	Opens   string `json:"opens"`
	Closes  string `json:"closes"`
}

// Money is an amount in a currency (ISO 4217).
type Money struct {
	Amount   float64 `json:"amount"`
	Currency string  `json:"currency"`
}

// EscalationRules say what hands a conversation to a human at once. Nil
// booleans mean the default (on).
type EscalationRules struct {
	Refund          *bool    `json:"refund,omitempty"`
	Threats         *bool    `json:"threats,omitempty"`
	Legal           *bool    `json:"legal,omitempty"`
	Health          *bool    `json:"health,omitempty"`
	HumanRequest    *bool    `json:"humanRequest,omitempty"`
	OrderValueAbove *Money   `json:"orderValueAbove,omitempty"`
	Keywords        []string `json:"keywords,omitempty"`
}

// HandoffRouting says who receives hand-offs.
type HandoffRouting struct {
	Mode   RoutingMode     `json:"mode,omitempty"`
	Routes []ScenarioRoute `json:"routes,omitempty"`
}

// ScenarioRoute names the user who receives one scenario's hand-offs.
type ScenarioRoute struct {
	Scenario ScenarioKind `json:"scenario"`
	UserID   uuid.UUID    `json:"userId"`
}

// Defaults.
const (
	DefaultConfidenceThreshold = 0.55
	DefaultTone                = ToneFriendly
)

// Effective returns the settings with defaults filled in.
func (s Settings) Effective() Settings {
	if s.Tone == "" {
		s.Tone = DefaultTone
	}
	if s.ConfidenceThreshold == 0 {
		s.ConfidenceThreshold = DefaultConfidenceThreshold
	}
	on := true
	for _, b := range []**bool{&s.EscalationRules.Refund, &s.EscalationRules.Threats, &s.EscalationRules.Legal, &s.EscalationRules.Health, &s.EscalationRules.HumanRequest} {
		if *b == nil {
			*b = &on
		}
	}
	if s.HandoffRouting.Mode == "" {
		s.HandoffRouting.Mode = RoundRobin
	}
	return s
}

// RouteFor returns the user named for scenario, if any.
func (r HandoffRouting) RouteFor(scenario ScenarioKind) (uuid.UUID, bool) {
	if r.Mode != NamedUser {
		return uuid.Nil, false
	}
	for _, route := range r.Routes {
		if route.Scenario == scenario {
			return route.UserID, true
		}
	}
	return uuid.Nil, false
}

// OpenAt reports whether t falls in the business hours (in loc). No hours
// configured means always open.
func (s Settings) OpenAt(t time.Time, loc *time.Location) bool {
	if len(s.BusinessHours) == 0 {
		return true
	}
	t = t.In(loc)
	wd := int(t.Weekday())
	if wd == 0 {
		wd = 7
	}
	hm := t.Format("15:04")
	for _, h := range s.BusinessHours {
		if h.Weekday == wd && hm >= h.Opens && hm < h.Closes {
			return true
		}
	}
	return false
}

var clockRe = regexp.MustCompile(`^([01]\d|2[0-3]):[0-5]\d$`)

func validateSettings(s Settings) error {
	switch s.Tone {
	case "", ToneFriendly, ToneFormal, ToneConcise:
	default:
		return apperror.Invalid("tone", "unknown tone")
	}
	if utf8.RuneCountInString(s.BotDisclosure) > 300 {
		return apperror.Invalid("botDisclosure", "the disclosure line must be at most 300 characters")
	}
	if s.ConfidenceThreshold < 0 || s.ConfidenceThreshold > 1 {
		return apperror.Invalid("confidenceThreshold", "the confidence threshold must be between 0 and 1")
	}
	if len(s.BusinessHours) > 50 {
		return apperror.Invalid("businessHours", "at most 50 opening windows")
	}
	for i, h := range s.BusinessHours {
		if h.Weekday < 1 || h.Weekday > 7 || !clockRe.MatchString(h.Opens) || !clockRe.MatchString(h.Closes) || h.Opens >= h.Closes {
			return apperror.Invalid("businessHours", "window %d: weekday 1-7 (Monday = 1) and opens < closes as HH:MM", i+1)
		}
	}
	if m := s.EscalationRules.OrderValueAbove; m != nil {
		if m.Amount <= 0 || !currency.Valid(m.Currency) {
			return apperror.Invalid("escalationRules.orderValueAbove", "a positive amount with an ISO 4217 currency")
		}
	}
	if len(s.EscalationRules.Keywords) > 100 {
		return apperror.Invalid("escalationRules.keywords", "at most 100 keywords")
	}
	for _, k := range s.EscalationRules.Keywords {
		if n := utf8.RuneCountInString(strings.TrimSpace(k)); n < 2 || n > 100 {
			return apperror.Invalid("escalationRules.keywords", "keywords must be 2 to 100 characters")
		}
	}
	switch s.HandoffRouting.Mode {
	case "", RoundRobin, NamedUser:
	default:
		return apperror.Invalid("handoffRouting.mode", "unknown routing mode")
	}
	seen := map[ScenarioKind]bool{}
	for _, r := range s.HandoffRouting.Routes {
		if seen[r.Scenario] {
			return apperror.Invalid("handoffRouting.routes", "scenario %s is routed twice", r.Scenario)
		}
		seen[r.Scenario] = true
	}
	return nil
}

func (k ScenarioKind) String() string { return string(k) }
