package lead

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"frontdesk/internal/apperror"
	"frontdesk/internal/auth"
	"frontdesk/internal/currency"
	"frontdesk/internal/organization"
	"frontdesk/internal/pagecursor"
)

// Page bounds for List.
const (
	DefaultPageSize = 50
	MaxPageSize     = 100
)

// Service implements the lead use cases of the API: team members read
// leads and settings and update leads; owners and admins change settings.
type Service struct {
	db *bun.DB
}

// NewService returns a Service.
func NewService(db *bun.DB) *Service { return &Service{db: db} }

// Settings returns the caller's organisation's lead settings, defaults
// filled in.
func (s *Service) Settings(ctx context.Context) (*Settings, error) {
	p, err := auth.Require(ctx, auth.Team...)
	if err != nil {
		return nil, err
	}
	st, err := Load(ctx, s.db, p.OrgID)
	if err != nil {
		return nil, err
	}
	return &st, nil
}

// UpdateSettings replaces the caller's organisation's lead settings; owners
// and admins only. Budgets are compared in the organisation's currency, so
// the minimum budget must be in it (an empty currency means it); an empty
// price item currency also means the organisation's.
func (s *Service) UpdateSettings(ctx context.Context, in Settings) (*Settings, error) {
	p, err := auth.Require(ctx, auth.Admins...)
	if err != nil {
		return nil, err
	}
	var out Settings
	err = s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var orgCurrency string
		if err := tx.NewSelect().Model((*organization.Organization)(nil)).Column("currency").
			Where("id = ?", p.OrgID).For("SHARE").Scan(ctx, &orgCurrency); err != nil {
			return fmt.Errorf("read organization currency: %w", err)
		}
		// Codes are stored in canonical form ("eur" is EUR); Validate
		// refuses the ones currency.Normalize does not know.
		canonical := func(code string) string {
			if code == "" {
				return orgCurrency
			}
			if c, ok := currency.Normalize(code); ok {
				return c
			}
			return code
		}
		in.PriceList = append([]PriceItem(nil), in.PriceList...)
		for i := range in.PriceList {
			in.PriceList[i].Currency = canonical(in.PriceList[i].Currency)
		}
		if m := in.MinimumBudget; m != nil {
			mm := *m
			mm.Currency = canonical(mm.Currency)
			if !currency.Valid(mm.Currency) {
				return apperror.Invalid("minimumBudget", "a non-negative amount with an ISO 4217 currency")
			}
			if mm.Currency != orgCurrency {
				return apperror.Invalid("minimumBudget", "the minimum budget must be in the organisation's currency, %s", orgCurrency)
			}
			in.MinimumBudget = &mm
		}
		var err error
		out, err = Save(ctx, tx, p.OrgID, in)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("update lead settings: %w", err)
	}
	return &out, nil
}

// Filter narrows List.
type Filter struct {
	Status *Status
}

// Page is one page of leads, newest first, with each item's cursor.
type Page struct {
	Items   []*Lead
	Cursors []string
	HasNext bool
}

// List returns a page of the caller's organisation's leads, newest first:
// first (0 to MaxPageSize) items after the cursor after ("" for the first
// page).
func (s *Service) List(ctx context.Context, first int, after string, f Filter) (*Page, error) {
	p, err := auth.Require(ctx, auth.Team...)
	if err != nil {
		return nil, err
	}
	if first < 0 || first > MaxPageSize {
		return nil, apperror.Invalid("first", "first must be between 0 and %d", MaxPageSize)
	}
	var leads []*Lead
	q := s.db.NewSelect().Model(&leads).Where("organization_id = ?", p.OrgID)
	if after != "" {
		at, id, err := pagecursor.Decode("l", after)
		if err != nil {
			return nil, err
		}
		q.Where("(created_at, id) < (?, ?)", at, id)
	}
	if f.Status != nil {
		if !f.Status.Valid() {
			return nil, apperror.Invalid("filter.status", "unknown lead status")
		}
		q.Where("status = ?", *f.Status)
	}
	q.OrderExpr("created_at DESC, id DESC").Limit(int64(first + 1))
	if err := q.Scan(ctx); err != nil {
		return nil, fmt.Errorf("list leads: %w", err)
	}
	page := &Page{Items: leads}
	if len(leads) > first {
		page.Items, page.HasNext = leads[:first], true
	}
	for _, l := range page.Items {
		page.Cursors = append(page.Cursors, cursor(l))
	}
	return page, nil
}

// Get returns one of the caller's organisation's leads.
func (s *Service) Get(ctx context.Context, id uuid.UUID) (*Lead, error) {
	p, err := auth.Require(ctx, auth.Team...)
	if err != nil {
		return nil, err
	}
	leads, err := LeadsByIDs(ctx, s.db, p.OrgID, []uuid.UUID{id})
	if err != nil {
		return nil, err
	}
	if len(leads) == 0 {
		return nil, apperror.NotFoundf("lead not found")
	}
	return leads[0], nil
}

// Meetings returns the calls booked with one of the caller's
// organisation's leads, by start.
func (s *Service) Meetings(ctx context.Context, leadID uuid.UUID) ([]*Meeting, error) {
	p, err := auth.Require(ctx, auth.Team...)
	if err != nil {
		return nil, err
	}
	return MeetingsByLeadIDs(ctx, s.db, p.OrgID, []uuid.UUID{leadID})
}

// CancelMeeting cancels a booked call of the caller's organisation.
func (s *Service) CancelMeeting(ctx context.Context, id uuid.UUID) (*Meeting, error) {
	p, err := auth.Require(ctx, auth.Team...)
	if err != nil {
		return nil, err
	}
	return CancelMeeting(ctx, s.db, p.OrgID, id)
}

// UpdateInput changes a lead; nil fields stay as they are, and an empty
// string clears a text field.
type UpdateInput struct {
	Status           *Status
	Need             *string
	City             *string
	PreferredContact *string
	Budget           *organization.Money
	// StartDate is a civil day; only its year, month and day count.
	StartDate *time.Time
}

// Update changes one of the caller's organisation's leads (team members).
func (s *Service) Update(ctx context.Context, id uuid.UUID, in UpdateInput) (*Lead, error) {
	p, err := auth.Require(ctx, auth.Team...)
	if err != nil {
		return nil, err
	}
	var l *Lead
	err = s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		l = new(Lead)
		err := tx.NewSelect().Model(l).Where("organization_id = ? AND id = ?", p.OrgID, id).For("UPDATE").Scan(ctx)
		if errors.Is(err, sql.ErrNoRows) {
			return apperror.NotFoundf("lead not found")
		}
		if err != nil {
			return err
		}
		if err := applyUpdate(l, in); err != nil {
			return err
		}
		_, err = tx.NewUpdate().Model(l).
			Column("status", "need", "city", "preferred_contact", "budget_amount", "budget_currency", "budget_per", "start_date").
			Set("updated_at = now()").WherePK().Returning("updated_at").Exec(ctx)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("update lead: %w", err)
	}
	return l, nil
}

func applyUpdate(l *Lead, in UpdateInput) error {
	if in.Status != nil {
		if !in.Status.Valid() {
			return apperror.Invalid("status", "unknown lead status")
		}
		l.Status = *in.Status
	}
	text := func(field string, v *string, maxLen int, dst *string) error {
		if v == nil {
			return nil
		}
		t := strings.TrimSpace(*v)
		if utf8.RuneCountInString(t) > maxLen {
			return apperror.Invalid(field, "%s must be at most %d characters", field, maxLen)
		}
		*dst = t
		return nil
	}
	if err := text("need", in.Need, 500, &l.Need); err != nil {
		return err
	}
	if err := text("city", in.City, 100, &l.City); err != nil {
		return err
	}
	if in.PreferredContact != nil {
		c := strings.ToLower(strings.TrimSpace(*in.PreferredContact))
		if c != "" && ContactLabelKey(c) == "" {
			return apperror.Invalid("preferredContact", "one of whatsapp, telegram, phone, email, call")
		}
		l.PreferredContact = c
	}
	if b := in.Budget; b != nil {
		code, ok := currency.Normalize(b.Currency)
		if !(b.Amount >= 0) || b.Amount > 1e12 || !ok {
			return apperror.Invalid("budget", "a non-negative amount with an ISO 4217 currency")
		}
		amount := b.Amount
		l.BudgetAmount, l.BudgetCurrency = &amount, code
	}
	if d := in.StartDate; d != nil {
		day := time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, time.UTC)
		l.StartDate = &day
	}
	return nil
}

func cursor(l *Lead) string { return pagecursor.Encode("l", l.CreatedAt, l.ID) }
