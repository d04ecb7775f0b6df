package app

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"frontdesk/internal/lead"
	"frontdesk/internal/organization"
)

// SeedDemo creates the demo organisation on first start, with a price list,
// a minimum budget and consultation hours so that a price question in the
// demo web chat runs lead qualification all the way to a booked call. It
// reports whether it created anything.
func (a *App) SeedDemo(ctx context.Context) (bool, error) {
	created, err := a.Organizations.SeedDemo(ctx)
	if err != nil || !created {
		return created, err
	}
	var orgID uuid.UUID
	if err := a.DB.Bun.NewSelect().Model((*organization.Organization)(nil)).Column("id").Where("slug = ?", organization.DemoSlug).Scan(ctx, &orgID); err != nil {
		return true, fmt.Errorf("seed demo leads: %w", err)
	}
	to := 1500.0
	weekdays := []organization.BusinessHours{}
	for d := 1; d <= 5; d++ {
		weekdays = append(weekdays, organization.BusinessHours{Weekday: d, Opens: "10:00", Closes: "18:00"})
	}
	_, err = lead.Save(ctx, a.DB.Bun, orgID, lead.Settings{
		PriceList: []lead.PriceItem{
			{Name: "Targeted ads", Keywords: []string{"таргет", "таргетированная реклама", "target", "targeting", "ads", "реклама"}, PriceFrom: 500, PriceTo: &to, Currency: "EUR"},
			{Name: "Website", Keywords: []string{"сайт", "website", "landing", "лендинг"}, PriceFrom: 2000, Currency: "EUR"},
		},
		MinimumBudget:     &organization.Money{Amount: 1000, Currency: "EUR"},
		QualifyWithinDays: 30,
		ConsultationHours: weekdays,
		SlotMinutes:       30,
	})
	if err != nil {
		return true, fmt.Errorf("seed demo leads: %w", err)
	}
	return true, nil
}

// RemoveDemo deletes the demo organisation and everything that belongs to
// it, its River jobs included, in one transaction: either all of it goes
// or nothing does. It reports whether there was a demo organisation.
func (a *App) RemoveDemo(ctx context.Context) (bool, error) {
	removed := false
	err := a.DB.Bun.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		id, err := organization.DeleteDemo(ctx, tx)
		if err != nil || id == uuid.Nil {
			return err
		}
		// A River job names its organisation only inside its JSON args
		// (every args type in jobs/ carries organization_id), so no
		// foreign key cascades to it. A job that is running right now is
		// deleted too: its worker finds the organisation gone.
		if _, err := tx.ExecContext(ctx, `DELETE FROM river_job WHERE args->>'organization_id' = ?`, id.String()); err != nil {
			return fmt.Errorf("delete demo jobs: %w", err)
		}
		removed = true
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("remove demo: %w", err)
	}
	return removed, nil
}

// RemoveDemoCommand is the command that removes the demo organisation from
// a production database (RemoveDemo).
const RemoveDemoCommand = "frontdesk unseed -production"

// WarnDemo logs a warning when the database holds the demo organisation:
// production calls it at start-up, since anyone who read the README can
// sign in to that organisation and its web chat key is public.
func (a *App) WarnDemo(ctx context.Context) error {
	demo, err := a.Organizations.Demo(ctx)
	if err != nil || demo == nil {
		return err
	}
	a.Log.WarnContext(ctx, "the database holds the demo organisation, whose users share the password published in the README; remove it with: "+RemoveDemoCommand,
		slog.String("slug", demo.Slug), slog.String("name", demo.Name), slog.String("organization_id", demo.ID.String()),
		slog.String("remove_with", RemoveDemoCommand))
	return nil
}
