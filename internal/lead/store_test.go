package lead

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"frontdesk/internal/apperror"
	"frontdesk/internal/auth"
	"frontdesk/internal/dbtest"
	"frontdesk/internal/organization"
)

// tenant is one organisation with a customer conversation.
type tenant struct {
	orgID, contactID, convID uuid.UUID
}

type testBundle struct {
	db   *bun.DB
	a, b tenant
}

func setup(t *testing.T) *testBundle {
	t.Helper()
	db := dbtest.New(t).Bun
	return &testBundle{db: db, a: newTenant(t, db, "RUB"), b: newTenant(t, db, "EUR")}
}

func newTenant(t *testing.T, db *bun.DB, currency string) tenant {
	t.Helper()
	ctx := context.Background()
	tn := tenant{orgID: uuid.Must(uuid.NewV7()), contactID: uuid.Must(uuid.NewV7()), convID: uuid.Must(uuid.NewV7())}
	channelID := uuid.Must(uuid.NewV7())
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`INSERT INTO organizations (id, name, slug, currency, time_zone) VALUES (?, 'Org', ?, ?, 'Europe/Moscow')`, []any{tn.orgID, tn.orgID.String(), currency}},
		{`INSERT INTO channel_accounts (id, organization_id, kind, name) VALUES (?, ?, 'WHATSAPP', 'WA')`, []any{channelID, tn.orgID}},
		{`INSERT INTO contacts (id, organization_id, name) VALUES (?, ?, 'Ivan')`, []any{tn.contactID, tn.orgID}},
		{`INSERT INTO conversations (id, organization_id, channel_account_id, contact_id) VALUES (?, ?, ?, ?)`, []any{tn.convID, tn.orgID, channelID, tn.contactID}},
	} {
		_, err := db.ExecContext(ctx, q.sql, q.args...)
		require.NoError(t, err)
	}
	return tn
}

// conversation adds another customer conversation to tn.
func (tn tenant) conversation(t *testing.T, db *bun.DB) uuid.UUID {
	t.Helper()
	id := uuid.Must(uuid.NewV7())
	_, err := db.ExecContext(context.Background(), `INSERT INTO conversations (id, organization_id, channel_account_id, contact_id)
		SELECT ?, organization_id, channel_account_id, contact_id FROM conversations WHERE id = ?`, id, tn.convID)
	require.NoError(t, err)
	return id
}

func (tn tenant) as(role auth.Role) context.Context {
	return auth.WithPrincipal(context.Background(), &auth.Principal{OrgID: tn.orgID, Role: role, UserID: uuid.Must(uuid.NewV7())})
}

func TestSettingsStore(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()

	s, err := Load(ctx, tb.db, tb.a.orgID)
	require.NoError(t, err)
	require.Equal(t, Settings{}.Effective(), s, "defaults without a row")

	in := Settings{
		PriceList:         []PriceItem{{Name: " Таргет ", Keywords: []string{"таргет", "target"}, PriceFrom: 30000, PriceTo: ptr(80000.0), Currency: "RUB"}},
		MinimumBudget:     &organization.Money{Amount: 100000, Currency: "RUB"},
		ConsultationHours: []organization.BusinessHours{{Weekday: 1, Opens: "10:00", Closes: "18:00"}},
		SlotMinutes:       45,
	}
	saved, err := Save(ctx, tb.db, tb.a.orgID, in)
	require.NoError(t, err)
	require.Equal(t, 30, saved.QualifyWithinDays)
	require.False(t, saved.UpdatedAt.IsZero())

	got, err := Load(ctx, tb.db, tb.a.orgID)
	require.NoError(t, err)
	require.Equal(t, "Таргет", got.PriceList[0].Name)
	require.Equal(t, 80000.0, *got.PriceList[0].PriceTo)
	require.Equal(t, organization.Money{Amount: 100000, Currency: "RUB"}, *got.MinimumBudget)
	require.Equal(t, 45, got.SlotMinutes)
	require.Equal(t, in.ConsultationHours, got.ConsultationHours)
	require.Equal(t, DefaultFollowUpAfterHours, *got.FollowUpAfterHours)
	require.Equal(t, DefaultAbandonAfterHours, *got.AbandonAfterHours)

	// 0 is stored as 0 (no reminder), not as the default.
	got.FollowUpAfterHours, got.AbandonAfterHours = ptr(0), ptr(100)
	_, err = Save(ctx, tb.db, tb.a.orgID, got)
	require.NoError(t, err)
	got, err = Load(ctx, tb.db, tb.a.orgID)
	require.NoError(t, err)
	require.Zero(t, *got.FollowUpAfterHours)
	require.Equal(t, 100*time.Hour, got.AbandonAfter())

	// Saving again replaces; clearing the minimum stores NULLs.
	got.MinimumBudget = nil
	_, err = Save(ctx, tb.db, tb.a.orgID, got)
	require.NoError(t, err)
	got, err = Load(ctx, tb.db, tb.a.orgID)
	require.NoError(t, err)
	require.Nil(t, got.MinimumBudget)

	// Invalid settings are refused; the other tenant still has defaults.
	_, err = Save(ctx, tb.db, tb.a.orgID, Settings{SlotMinutes: 1})
	require.ErrorIs(t, err, apperror.ErrInvalidInput)
	other, err := Load(ctx, tb.db, tb.b.orgID)
	require.NoError(t, err)
	require.Empty(t, other.PriceList)
}

func TestCreateOrUpdateLead(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()

	f, _ := parse("бюджет 150к в месяц, продаем мебель", "ru")
	l, err := CreateOrUpdateLead(ctx, tb.db, tb.a.orgID, tb.a.convID, tb.a.contactID, "WHATSAPP", f, StatusQualifying)
	require.NoError(t, err)
	require.Equal(t, StatusQualifying, l.Status)
	require.Equal(t, 150000.0, *l.BudgetAmount)
	require.Equal(t, "RUB", l.BudgetCurrency)
	require.Equal(t, "month", l.BudgetPer)
	require.Equal(t, "продаем мебель", l.Need)
	require.Nil(t, l.StartDate)
	require.Equal(t, tb.a.contactID, *l.ContactID)

	// The same conversation updates the same lead; unknown fields keep
	// their stored values.
	f2, _ := parse("стартуем в декабре, Казань, вотсап", "ru")
	l2, err := CreateOrUpdateLead(ctx, tb.db, tb.a.orgID, tb.a.convID, uuid.Nil, "", f2, StatusQualified)
	require.NoError(t, err)
	require.Equal(t, l.ID, l2.ID)
	require.Equal(t, StatusQualified, l2.Status)
	require.Equal(t, "продаем мебель", l2.Need)
	require.Equal(t, 150000.0, *l2.BudgetAmount)
	require.Equal(t, "2026-12-01", l2.StartDate.Format(time.DateOnly))
	require.Equal(t, "Казань", l2.City)
	require.Equal(t, "whatsapp", l2.PreferredContact)
	require.Equal(t, "WHATSAPP", l2.Channel)
	require.Equal(t, tb.a.contactID, *l2.ContactID)

	// The stored lead resumes as Fields.
	back := l2.Fields(moscow)
	require.Empty(t, Missing(back))
	v, _ := Qualify(Settings{MinimumBudget: &organization.Money{Amount: 100000, Currency: "RUB"}}, back, testNow, moscow)
	require.Equal(t, VerdictQualified, v)

	// The team's WON is kept.
	_, err = tb.db.NewUpdate().Model((*Lead)(nil)).Set("status = ?", StatusWon).Where("id = ?", l.ID).Exec(ctx)
	require.NoError(t, err)
	l3, err := CreateOrUpdateLead(ctx, tb.db, tb.a.orgID, tb.a.convID, uuid.Nil, "", Fields{City: "Самара"}, StatusQualifying)
	require.NoError(t, err)
	require.Equal(t, StatusWon, l3.Status)
	require.Equal(t, "Самара", l3.City)

	// Another organisation cannot reach this conversation's lead.
	_, err = CreateOrUpdateLead(ctx, tb.db, tb.b.orgID, tb.a.convID, uuid.Nil, "", Fields{City: "Berlin"}, StatusQualifying)
	require.ErrorIs(t, err, apperror.ErrNotFound)
	_, err = LeadByConversation(ctx, tb.db, tb.b.orgID, tb.a.convID)
	require.ErrorIs(t, err, apperror.ErrNotFound)
	got, err := LeadByConversation(ctx, tb.db, tb.a.orgID, tb.a.convID)
	require.NoError(t, err)
	require.Equal(t, "Самара", got.City)

	_, err = CreateOrUpdateLead(ctx, tb.db, tb.a.orgID, tb.a.convID, uuid.Nil, "", Fields{}, "MAYBE")
	require.ErrorIs(t, err, apperror.ErrInvalidInput)

	byConv, err := LeadsByConversationIDs(ctx, tb.db, tb.b.orgID, []uuid.UUID{tb.a.convID})
	require.NoError(t, err)
	require.Empty(t, byConv)
}

func TestBookMeeting(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	start := at(25, 11, 0)
	end := start.Add(30 * time.Minute)

	l1, err := CreateOrUpdateLead(ctx, tb.db, tb.a.orgID, tb.a.convID, tb.a.contactID, "WHATSAPP", Fields{}, StatusQualified)
	require.NoError(t, err)
	l2, err := CreateOrUpdateLead(ctx, tb.db, tb.a.orgID, tb.a.conversation(t, tb.db), tb.a.contactID, "WHATSAPP", Fields{}, StatusQualified)
	require.NoError(t, err)
	lb, err := CreateOrUpdateLead(ctx, tb.db, tb.b.orgID, tb.b.convID, tb.b.contactID, "WHATSAPP", Fields{}, StatusQualified)
	require.NoError(t, err)

	m, err := BookMeeting(ctx, tb.db, l1, start, end)
	require.NoError(t, err)
	require.Equal(t, MeetingBooked, m.Status)
	require.True(t, m.StartsAt.Equal(start))

	// The slot is taken: refused with a CONFLICT, and the caller's
	// transaction survives to do something else.
	err = tb.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		_, err := BookMeeting(ctx, tx, l2, start, end)
		require.ErrorIs(t, err, ErrSlotTaken)
		require.ErrorIs(t, err, apperror.ErrConflict)
		_, err = BookMeeting(ctx, tx, l2, start.Add(time.Hour), end.Add(time.Hour))
		return err
	})
	require.NoError(t, err)

	// Another organisation has its own calendar.
	_, err = BookMeeting(ctx, tb.db, lb, start, end)
	require.NoError(t, err)

	booked, err := BookedStarts(ctx, tb.db, tb.a.orgID, at(25, 0, 0), at(26, 0, 0))
	require.NoError(t, err)
	require.Len(t, booked, 2)
	require.True(t, booked[0].Equal(start))
	require.True(t, booked[1].Equal(start.Add(time.Hour)))

	// Booked starts feed Slots.
	s := Settings{ConsultationHours: []organization.BusinessHours{{Weekday: 3, Opens: "11:00", Closes: "13:00"}}}
	free := Slots(s, testNow, moscow, booked, 4)
	require.Equal(t, []time.Time{at(25, 11, 30), at(25, 12, 30), time.Date(2026, 12, 2, 11, 0, 0, 0, moscow), time.Date(2026, 12, 2, 11, 30, 0, 0, moscow)}, free)

	// Cancelling frees the slot; other tenants cannot cancel.
	_, err = CancelMeeting(ctx, tb.db, tb.b.orgID, m.ID)
	require.ErrorIs(t, err, apperror.ErrNotFound)
	c, err := CancelMeeting(ctx, tb.db, tb.a.orgID, m.ID)
	require.NoError(t, err)
	require.Equal(t, MeetingCancelled, c.Status)
	_, err = BookMeeting(ctx, tb.db, l2, start, end)
	require.NoError(t, err)

	ms, err := MeetingsByLeadIDs(ctx, tb.db, tb.a.orgID, []uuid.UUID{l1.ID, l2.ID})
	require.NoError(t, err)
	require.Len(t, ms, 3)
	ms, err = MeetingsByLeadIDs(ctx, tb.db, tb.b.orgID, []uuid.UUID{l1.ID, l2.ID})
	require.NoError(t, err)
	require.Empty(t, ms)

	_, err = BookMeeting(ctx, tb.db, l1, end, start)
	require.ErrorIs(t, err, apperror.ErrInvalidInput)
}

// TestBookMeetingRace books one slot from many transactions at once:
// exactly one wins.
func TestBookMeetingRace(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	const n = 8
	leads := make([]*Lead, n)
	for i := range leads {
		var err error
		leads[i], err = CreateOrUpdateLead(ctx, tb.db, tb.a.orgID, tb.a.conversation(t, tb.db), tb.a.contactID, "WHATSAPP", Fields{}, StatusQualified)
		require.NoError(t, err)
	}
	start := at(26, 12, 0)
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range leads {
		wg.Go(func() {
			errs[i] = tb.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
				_, err := BookMeeting(ctx, tx, leads[i], start, start.Add(30*time.Minute))
				if err == nil {
					time.Sleep(20 * time.Millisecond) // hold the slot while the others try
				}
				return err
			})
		})
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		if err == nil {
			won++
			continue
		}
		require.True(t, errors.Is(err, ErrSlotTaken), "%v", err)
	}
	require.Equal(t, 1, won)
}
