package lead

import (
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"frontdesk/internal/extract"
	"frontdesk/internal/organization"
)

// Status of a lead; the values are the GraphQL enum's.
type Status string

// Statuses.
const (
	// StatusNew: the lead asked about prices; nothing collected yet.
	StatusNew Status = "NEW"
	// StatusQualifying: the bot is collecting the fields.
	StatusQualifying Status = "QUALIFYING"
	// StatusQualified: budget and start within the rules.
	StatusQualified Status = "QUALIFIED"
	// StatusUnqualified: outside the rules, for a manager to review.
	StatusUnqualified Status = "UNQUALIFIED"
	// StatusWon and StatusLost are set by the team.
	StatusWon  Status = "WON"
	StatusLost Status = "LOST"
)

// Statuses lists every status.
var Statuses = []Status{StatusNew, StatusQualifying, StatusQualified, StatusUnqualified, StatusWon, StatusLost}

// Valid reports whether s is a known status.
func (s Status) Valid() bool {
	for _, v := range Statuses {
		if s == v {
			return true
		}
	}
	return false
}

// Lead is a customer conversation's qualification record.
type Lead struct {
	bun.BaseModel `bun:"table:leads,alias:lead"`

	ID             uuid.UUID  `bun:"id,pk,type:uuid"`
	OrganizationID uuid.UUID  `bun:"organization_id,type:uuid"`
	ConversationID uuid.UUID  `bun:"conversation_id,type:uuid"`
	ContactID      *uuid.UUID `bun:"contact_id,type:uuid"`
	Status         Status     `bun:"status"`
	BudgetAmount   *float64   `bun:"budget_amount"`
	BudgetCurrency string     `bun:"budget_currency"`
	// BudgetPer is "month", "year" or "".
	BudgetPer string `bun:"budget_per"`
	Need      string `bun:"need"`
	City      string `bun:"city"`
	// StartDate is the civil day they want to start, as midnight UTC.
	StartDate        *time.Time `bun:"start_date,type:date"`
	PreferredContact string     `bun:"preferred_contact"`
	// Channel is the kind of channel the lead wrote on (WHATSAPP, ...).
	Channel   string    `bun:"channel"`
	CreatedAt time.Time `bun:"created_at,nullzero,notnull,default:current_timestamp"`
	UpdatedAt time.Time `bun:"updated_at,nullzero,notnull,default:current_timestamp"`
}

// Budget is the lead's budget, or nil.
func (l *Lead) Budget() *organization.Money {
	if l.BudgetAmount == nil {
		return nil
	}
	return &organization.Money{Amount: *l.BudgetAmount, Currency: l.BudgetCurrency}
}

// Fields returns what the lead has told us, for resuming a scenario from
// the stored lead: the start becomes the whole day of StartDate in loc.
func (l *Lead) Fields(loc *time.Location) Fields {
	if loc == nil {
		loc = time.UTC
	}
	f := Fields{Budget: l.Budget(), BudgetPer: l.BudgetPer, Need: l.Need, City: l.City, Contact: l.PreferredContact}
	if l.StartDate != nil {
		d := l.StartDate.UTC()
		start := time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, loc)
		f.Start = &extract.When{Text: d.Format(time.DateOnly), Start: start, End: start.AddDate(0, 0, 1).Add(-time.Second)}
	}
	return f
}

// MeetingStatus is the state of a booked call.
type MeetingStatus string

// Meeting statuses.
const (
	MeetingBooked    MeetingStatus = "BOOKED"
	MeetingCancelled MeetingStatus = "CANCELLED"
)

// Meeting is a call booked with a lead.
type Meeting struct {
	bun.BaseModel `bun:"table:meetings,alias:meeting"`

	ID             uuid.UUID     `bun:"id,pk,type:uuid"`
	OrganizationID uuid.UUID     `bun:"organization_id,type:uuid"`
	LeadID         uuid.UUID     `bun:"lead_id,type:uuid"`
	ConversationID uuid.UUID     `bun:"conversation_id,type:uuid"`
	StartsAt       time.Time     `bun:"starts_at"`
	EndsAt         time.Time     `bun:"ends_at"`
	Status         MeetingStatus `bun:"status"`
	CreatedAt      time.Time     `bun:"created_at,nullzero,notnull,default:current_timestamp"`
}
