package pipeline

import (
	"context"
	"fmt"
	"strings"
	"time"

	"frontdesk/internal/apperror"
	"frontdesk/internal/auth"
	"frontdesk/internal/channel"
	"frontdesk/internal/classify"
	"frontdesk/internal/conversation"
	"frontdesk/internal/extract"
	"frontdesk/internal/organization"
)

// Classification is what the pipeline understands of one message: the
// classifier's verdict and the entities found, resolved in the
// organisation's time zone and country.
type Classification struct {
	classify.Result
	Entities Entities
}

// Entities are the first entity of each kind found in a message.
type Entities struct {
	OrderID      *string
	Phone        *string
	Email        *string
	DateText     *string
	ResolvedTime *time.Time
	Amount       *float64
	Currency     *string
	SKU          *string
	City         *string
}

// ClassifyText classifies text as the pipeline would for the caller's
// organisation, so admins can test their setup. On the STAFF channel the
// employees' intents are considered too, as in the staff chat.
func (p *Processor) ClassifyText(ctx context.Context, text string, kind *channel.Kind) (*Classification, error) {
	pr, err := auth.Require(ctx, auth.Admins...)
	if err != nil {
		return nil, err
	}
	text = strings.TrimSpace(text)
	if text == "" || len(text) > conversation.MaxTextLength*4 {
		return nil, apperror.Invalid("text", "text must be 1 to %d characters", conversation.MaxTextLength)
	}
	org := new(organization.Organization)
	if err := p.db.NewSelect().Model(org).Where("id = ?", pr.OrgID).Scan(ctx); err != nil {
		return nil, fmt.Errorf("load organization: %w", err)
	}
	ents := extract.Extract(text, extractOptions(org, p.nowFor(pr.OrgID)))
	res := p.classifier.ClassifyCustomer(text)
	if kind != nil && *kind == channel.Staff {
		res = p.classifier.Classify(text)
	}
	return &Classification{Result: res, Entities: firstEntities(ents)}, nil
}

// extractOptions sets the extractor up for an organisation.
func extractOptions(org *organization.Organization, now time.Time) extract.Options {
	loc, err := time.LoadLocation(org.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	return extract.Options{Now: now, Location: loc, Country: org.Country}
}

func firstEntities(e extract.Entities) Entities {
	str := func(s string) *string {
		if s == "" {
			return nil
		}
		return &s
	}
	out := Entities{OrderID: str(e.OrderID), Phone: str(e.Phone), Email: str(e.Email), SKU: str(e.SKU), City: str(e.City)}
	if len(e.Dates) > 0 {
		d := e.Dates[0]
		out.DateText, out.ResolvedTime = &d.Text, &d.Start
	}
	if len(e.Amounts) > 0 {
		a := e.Amounts[0]
		out.Amount, out.Currency = &a.Amount, str(a.Currency)
	}
	return out
}
