package lead

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"frontdesk/internal/apperror"
	"frontdesk/internal/currency"
	"frontdesk/internal/organization"
)

// SetQualifyWithinDays sets what a client asked for: nil keeps the
// default, and 0 is refused (Settings itself reads 0 as "the default").
func SetQualifyWithinDays(s *Settings, days *int) error {
	if days == nil {
		s.QualifyWithinDays = 0
		return nil
	}
	if *days < 1 || *days > 365 {
		return apperror.Invalid("qualifyWithinDays", "between 1 and 365 days")
	}
	s.QualifyWithinDays = *days
	return nil
}

// SetSlotMinutes sets what a client asked for: nil keeps the default, and 0
// is refused, as in SetQualifyWithinDays.
func SetSlotMinutes(s *Settings, minutes *int) error {
	if minutes == nil {
		s.SlotMinutes = 0
		return nil
	}
	if *minutes < 5 || *minutes > 480 {
		return apperror.Invalid("slotMinutes", "between 5 and 480 minutes")
	}
	s.SlotMinutes = *minutes
	return nil
}

// Defaults and bounds of [Settings].
const (
	DefaultQualifyWithinDays = 30
	DefaultSlotMinutes       = 30
	MaxPriceItems            = 200
	MaxKeywords              = 50
	MaxConsultationHours     = 50
	// DefaultFollowUpAfterHours and DefaultAbandonAfterHours are the
	// scenario's timers when an organisation has not set its own.
	DefaultFollowUpAfterHours = 24
	DefaultAbandonAfterHours  = 72
	MaxFollowUpAfterHours     = 720  // 30 days
	MaxAbandonAfterHours      = 2160 // 90 days
)

// PriceItem is one line of the price list: what a price question about any
// of its keywords (or its name) is answered with.
type PriceItem struct {
	Name string `json:"name"`
	// Keywords are matched case-insensitively at the start of a word, in
	// whatever languages the organisation writes them: ["таргет",
	// "target", "таргетированная реклама"]. The name is always a keyword.
	Keywords  []string `json:"keywords,omitempty"`
	PriceFrom float64  `json:"priceFrom"`
	// PriceTo is the top of a range; nil quotes "from PriceFrom".
	PriceTo  *float64 `json:"priceTo,omitempty"`
	Currency string   `json:"currency"`
}

// Settings are one organisation's lead qualification rules. The zero value
// of QualifyWithinDays and SlotMinutes, and a nil FollowUpAfterHours or
// AbandonAfterHours, mean the default (see Effective).
type Settings struct {
	PriceList []PriceItem
	// MinimumBudget is the smallest budget that qualifies, in the
	// organisation's currency; nil qualifies any budget.
	MinimumBudget *organization.Money
	// QualifyWithinDays: a lead qualifies only if it wants to start within
	// this many days of today.
	QualifyWithinDays int
	// ConsultationHours are the windows calls may be booked in, in the
	// organisation's time zone. None: no slots are offered.
	ConsultationHours []organization.BusinessHours
	// SlotMinutes is the length of one call.
	SlotMinutes int
	// FollowUpAfterHours is how long after its last unanswered question
	// the bot reminds a silent customer, once; 0 sends no reminder. A
	// pointer because 0 is a choice here, not "the default".
	FollowUpAfterHours *int
	// AbandonAfterHours is how long after its last unanswered question the
	// bot gives the run up (ABANDONED, without a message); 0 never does.
	// When both timers are on it must be later than the reminder.
	AbandonAfterHours *int
	// UpdatedAt is when the settings were last saved (zero for defaults).
	UpdatedAt time.Time
}

// Effective returns the settings with defaults filled in.
func (s Settings) Effective() Settings {
	if s.QualifyWithinDays == 0 {
		s.QualifyWithinDays = DefaultQualifyWithinDays
	}
	if s.SlotMinutes == 0 {
		s.SlotMinutes = DefaultSlotMinutes
	}
	if s.PriceList == nil {
		s.PriceList = []PriceItem{}
	}
	if s.ConsultationHours == nil {
		s.ConsultationHours = []organization.BusinessHours{}
	}
	if s.FollowUpAfterHours == nil {
		s.FollowUpAfterHours = newInt(DefaultFollowUpAfterHours)
	}
	if s.AbandonAfterHours == nil {
		s.AbandonAfterHours = newInt(DefaultAbandonAfterHours)
	}
	return s
}

// FollowUpAfter is FollowUpAfterHours as a duration (the default when
// unset); 0 means no reminder.
func (s Settings) FollowUpAfter() time.Duration {
	return hours(s.FollowUpAfterHours, DefaultFollowUpAfterHours)
}

// AbandonAfter is AbandonAfterHours as a duration (the default when
// unset); 0 means the run is never given up.
func (s Settings) AbandonAfter() time.Duration {
	return hours(s.AbandonAfterHours, DefaultAbandonAfterHours)
}

func hours(h *int, def int) time.Duration {
	if h == nil {
		return time.Duration(def) * time.Hour
	}
	return time.Duration(*h) * time.Hour
}

func newInt(v int) *int { return &v }

var (
	clockRe = regexp.MustCompile(`^([01]\d|2[0-3]):[0-5]\d$`)
)

// Validate checks the settings; it returns an INVALID_INPUT *apperror.Error
// naming the field at fault.
func (s Settings) Validate() error {
	if len(s.PriceList) > MaxPriceItems {
		return apperror.Invalid("priceList", "at most %d price items", MaxPriceItems)
	}
	for i, it := range s.PriceList {
		if n := utf8.RuneCountInString(strings.TrimSpace(it.Name)); n < 1 || n > 200 {
			return apperror.Invalid("priceList", "item %d: the name must be 1 to 200 characters", i+1)
		}
		if len(it.Keywords) > MaxKeywords {
			return apperror.Invalid("priceList", "item %d: at most %d keywords", i+1, MaxKeywords)
		}
		for _, k := range it.Keywords {
			if n := utf8.RuneCountInString(strings.TrimSpace(k)); n < 2 || n > 100 {
				return apperror.Invalid("priceList", "item %d: keywords must be 2 to 100 characters", i+1)
			}
		}
		if !currency.Valid(it.Currency) {
			return apperror.Invalid("priceList", "item %d: currency must be an ISO 4217 code like EUR", i+1)
		}
		if !(it.PriceFrom >= 0) || it.PriceFrom > 1e12 {
			return apperror.Invalid("priceList", "item %d: the price must be zero or more", i+1)
		}
		if it.PriceTo != nil && (!(*it.PriceTo >= it.PriceFrom) || *it.PriceTo > 1e12) {
			return apperror.Invalid("priceList", "item %d: the top of the range must not be below its start", i+1)
		}
	}
	if m := s.MinimumBudget; m != nil {
		if !(m.Amount >= 0) || m.Amount > 1e12 || !currency.Valid(m.Currency) {
			return apperror.Invalid("minimumBudget", "a non-negative amount with an ISO 4217 currency")
		}
	}
	if s.QualifyWithinDays < 0 || s.QualifyWithinDays > 365 {
		return apperror.Invalid("qualifyWithinDays", "between 1 and 365 days")
	}
	if s.SlotMinutes != 0 && (s.SlotMinutes < 5 || s.SlotMinutes > 480) {
		return apperror.Invalid("slotMinutes", "between 5 and 480 minutes")
	}
	if len(s.ConsultationHours) > MaxConsultationHours {
		return apperror.Invalid("consultationHours", "at most %d windows", MaxConsultationHours)
	}
	for i, h := range s.ConsultationHours {
		if h.Weekday < 1 || h.Weekday > 7 || !clockRe.MatchString(h.Opens) || !clockRe.MatchString(h.Closes) || h.Opens >= h.Closes {
			return apperror.Invalid("consultationHours", "window %d: weekday 1-7 (Monday = 1) and opens < closes as HH:MM", i+1)
		}
	}
	if h := s.FollowUpAfterHours; h != nil && (*h < 0 || *h > MaxFollowUpAfterHours) {
		return apperror.Invalid("followUpAfterHours", "between 0 (no reminder) and %d hours", MaxFollowUpAfterHours)
	}
	if h := s.AbandonAfterHours; h != nil && (*h < 0 || *h > MaxAbandonAfterHours) {
		return apperror.Invalid("abandonAfterHours", "between 0 (never) and %d hours", MaxAbandonAfterHours)
	}
	if f, a := s.FollowUpAfter(), s.AbandonAfter(); f > 0 && a > 0 && a <= f {
		return apperror.Invalid("abandonAfterHours", "must be later than followUpAfterHours (or 0)")
	}
	return nil
}

// settingsRow is the lead_settings table.
type settingsRow struct {
	bun.BaseModel `bun:"table:lead_settings"`

	OrganizationID        uuid.UUID                    `bun:"organization_id,pk,type:uuid"`
	PriceList             []PriceItem                  `bun:"price_list,type:jsonb"`
	MinimumBudgetAmount   *float64                     `bun:"minimum_budget_amount"`
	MinimumBudgetCurrency *string                      `bun:"minimum_budget_currency"`
	QualifyWithinDays     int                          `bun:"qualify_within_days"`
	ConsultationHours     []organization.BusinessHours `bun:"consultation_hours,type:jsonb"`
	SlotMinutes           int                          `bun:"slot_minutes"`
	FollowUpAfterHours    int                          `bun:"follow_up_after_hours"`
	AbandonAfterHours     int                          `bun:"abandon_after_hours"`
	UpdatedAt             time.Time                    `bun:"updated_at,nullzero,notnull,default:current_timestamp"`
}

// Load returns orgID's settings with defaults filled in; an organisation
// that never saved any gets the defaults.
func Load(ctx context.Context, db bun.IDB, orgID uuid.UUID) (Settings, error) {
	row := new(settingsRow)
	err := db.NewSelect().Model(row).Where("organization_id = ?", orgID).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return Settings{}.Effective(), nil
	}
	if err != nil {
		return Settings{}, fmt.Errorf("load lead settings: %w", err)
	}
	s := Settings{
		PriceList: row.PriceList, QualifyWithinDays: row.QualifyWithinDays,
		ConsultationHours: row.ConsultationHours, SlotMinutes: row.SlotMinutes, UpdatedAt: row.UpdatedAt,
		FollowUpAfterHours: newInt(row.FollowUpAfterHours), AbandonAfterHours: newInt(row.AbandonAfterHours),
	}
	if row.MinimumBudgetAmount != nil && row.MinimumBudgetCurrency != nil {
		s.MinimumBudget = &organization.Money{Amount: *row.MinimumBudgetAmount, Currency: *row.MinimumBudgetCurrency}
	}
	return s.Effective(), nil
}

// Save validates s and stores it as orgID's settings, returning them as
// stored (defaults filled in).
func Save(ctx context.Context, db bun.IDB, orgID uuid.UUID, s Settings) (Settings, error) {
	if err := s.Validate(); err != nil {
		return Settings{}, err
	}
	s = s.Effective()
	for i := range s.PriceList {
		s.PriceList[i].Name = strings.TrimSpace(s.PriceList[i].Name)
	}
	row := &settingsRow{
		OrganizationID: orgID, PriceList: s.PriceList, QualifyWithinDays: s.QualifyWithinDays,
		ConsultationHours: s.ConsultationHours, SlotMinutes: s.SlotMinutes,
		FollowUpAfterHours: *s.FollowUpAfterHours, AbandonAfterHours: *s.AbandonAfterHours,
	}
	if m := s.MinimumBudget; m != nil {
		row.MinimumBudgetAmount, row.MinimumBudgetCurrency = &m.Amount, &m.Currency
	}
	_, err := db.NewInsert().Model(row).
		On("CONFLICT (organization_id) DO UPDATE").
		Set("price_list = EXCLUDED.price_list").
		Set("minimum_budget_amount = EXCLUDED.minimum_budget_amount").
		Set("minimum_budget_currency = EXCLUDED.minimum_budget_currency").
		Set("qualify_within_days = EXCLUDED.qualify_within_days").
		Set("consultation_hours = EXCLUDED.consultation_hours").
		Set("slot_minutes = EXCLUDED.slot_minutes").
		Set("follow_up_after_hours = EXCLUDED.follow_up_after_hours").
		Set("abandon_after_hours = EXCLUDED.abandon_after_hours").
		Set("updated_at = now()").
		Returning("updated_at").Exec(ctx)
	if err != nil {
		return Settings{}, fmt.Errorf("save lead settings: %w", err)
	}
	s.UpdatedAt = row.UpdatedAt
	return s, nil
}

// MatchPrice returns the price item a text asks about: the one with the
// longest keyword (or name) found at the start of a word of text,
// case-insensitively, so "таргет" matches "таргета" and "таргетированную"
// but not "претаргет". Ties go to the earlier item.
func MatchPrice(s Settings, text string) (PriceItem, bool) {
	norm := normalize(text)
	best, bestLen := -1, 0
	for i, it := range s.PriceList {
		for _, k := range append([]string{it.Name}, it.Keywords...) {
			k = normalize(k)
			if k == "" || len(k) <= bestLen {
				continue
			}
			if hasPrefixWord(norm, k) {
				best, bestLen = i, len(k)
			}
		}
	}
	if best < 0 {
		return PriceItem{}, false
	}
	return s.PriceList[best], true
}
