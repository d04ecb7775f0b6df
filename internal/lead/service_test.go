package lead

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"frontdesk/internal/apperror"
	"frontdesk/internal/auth"
	"frontdesk/internal/organization"
)

func TestServiceSettings(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	svc := NewService(tb.db)

	// Reading needs a team member; writing an admin.
	_, err := svc.Settings(context.Background())
	require.ErrorIs(t, err, apperror.ErrUnauthenticated)
	_, err = svc.Settings(tb.a.as(auth.RoleEmployee))
	require.ErrorIs(t, err, apperror.ErrForbidden)
	s, err := svc.Settings(tb.a.as(auth.RoleAgent))
	require.NoError(t, err)
	require.Equal(t, DefaultQualifyWithinDays, s.QualifyWithinDays)
	_, err = svc.UpdateSettings(tb.a.as(auth.RoleManager), Settings{})
	require.ErrorIs(t, err, apperror.ErrForbidden)

	// Currencies default to the organisation's; the minimum must be in it.
	got, err := svc.UpdateSettings(tb.a.as(auth.RoleAdmin), Settings{
		PriceList:     []PriceItem{{Name: "Таргет", PriceFrom: 30000}},
		MinimumBudget: &organization.Money{Amount: 100000},
	})
	require.NoError(t, err)
	require.Equal(t, "RUB", got.PriceList[0].Currency)
	require.Equal(t, "RUB", got.MinimumBudget.Currency)
	_, err = svc.UpdateSettings(tb.a.as(auth.RoleOwner), Settings{MinimumBudget: &organization.Money{Amount: 1000, Currency: "USD"}})
	require.ErrorIs(t, err, apperror.ErrInvalidInput)
	e, _ := apperror.As(err)
	require.Equal(t, "minimumBudget", e.Field)

	// Each organisation sees its own.
	s, err = svc.Settings(tb.a.as(auth.RoleAgent))
	require.NoError(t, err)
	require.Len(t, s.PriceList, 1)
	s, err = svc.Settings(tb.b.as(auth.RoleAgent))
	require.NoError(t, err)
	require.Empty(t, s.PriceList)
	require.Nil(t, s.MinimumBudget)
}

func TestServiceLeads(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	svc := NewService(tb.db)

	// Five leads in A (one QUALIFIED), one in B.
	var ids []uuid.UUID
	for i := range 5 {
		status := StatusQualifying
		if i == 2 {
			status = StatusQualified
		}
		l, err := CreateOrUpdateLead(ctx, tb.db, tb.a.orgID, tb.a.conversation(t, tb.db), tb.a.contactID, "WHATSAPP", Fields{City: "Казань"}, status)
		require.NoError(t, err)
		ids = append(ids, l.ID)
	}
	lb, err := CreateOrUpdateLead(ctx, tb.db, tb.b.orgID, tb.b.convID, tb.b.contactID, "WHATSAPP", Fields{}, StatusNew)
	require.NoError(t, err)

	agent := tb.a.as(auth.RoleAgent)
	_, err = svc.List(tb.a.as(auth.RoleEmployee), 10, "", Filter{})
	require.ErrorIs(t, err, apperror.ErrForbidden)

	// Newest first, two pages.
	p1, err := svc.List(agent, 3, "", Filter{})
	require.NoError(t, err)
	require.True(t, p1.HasNext)
	require.Len(t, p1.Items, 3)
	require.Len(t, p1.Cursors, 3)
	p2, err := svc.List(agent, 3, p1.Cursors[2], Filter{})
	require.NoError(t, err)
	require.False(t, p2.HasNext)
	var seen []uuid.UUID
	for _, l := range append(p1.Items, p2.Items...) {
		seen = append(seen, l.ID)
	}
	require.Equal(t, []uuid.UUID{ids[4], ids[3], ids[2], ids[1], ids[0]}, seen)

	q := StatusQualified
	pq, err := svc.List(agent, 10, "", Filter{Status: &q})
	require.NoError(t, err)
	require.Len(t, pq.Items, 1)
	require.Equal(t, ids[2], pq.Items[0].ID)

	_, err = svc.List(agent, 101, "", Filter{})
	require.ErrorIs(t, err, apperror.ErrInvalidInput)
	_, err = svc.List(agent, 10, "bogus", Filter{})
	require.ErrorIs(t, err, apperror.ErrInvalidInput)
	bad := Status("MAYBE")
	_, err = svc.List(agent, 10, "", Filter{Status: &bad})
	require.ErrorIs(t, err, apperror.ErrInvalidInput)

	// Get and Update are scoped by organisation.
	l, err := svc.Get(agent, ids[0])
	require.NoError(t, err)
	require.Equal(t, "Казань", l.City)
	_, err = svc.Get(agent, lb.ID)
	require.ErrorIs(t, err, apperror.ErrNotFound)
	_, err = svc.Update(agent, lb.ID, UpdateInput{City: ptr("x")})
	require.ErrorIs(t, err, apperror.ErrNotFound)

	won := StatusWon
	start := time.Date(2027, 1, 15, 0, 0, 0, 0, moscow)
	l, err = svc.Update(agent, ids[0], UpdateInput{
		Status: &won, Need: ptr("  мебель  "), City: ptr(""), PreferredContact: ptr("Telegram"),
		Budget: &organization.Money{Amount: 500000, Currency: "RUB"}, StartDate: &start,
	})
	require.NoError(t, err)
	require.Equal(t, StatusWon, l.Status)
	require.Equal(t, "мебель", l.Need)
	require.Empty(t, l.City)
	require.Equal(t, "telegram", l.PreferredContact)
	l, err = svc.Get(agent, ids[0])
	require.NoError(t, err)
	require.Equal(t, StatusWon, l.Status)
	require.Equal(t, "2027-01-15", l.StartDate.Format(time.DateOnly))
	require.Equal(t, organization.Money{Amount: 500000, Currency: "RUB"}, *l.Budget())

	for _, in := range []UpdateInput{
		{Status: &bad},
		{PreferredContact: ptr("pigeon")},
		{Budget: &organization.Money{Amount: -1, Currency: "RUB"}},
		{City: ptr(string(make([]rune, 101)))},
	} {
		_, err = svc.Update(agent, ids[1], in)
		require.ErrorIs(t, err, apperror.ErrInvalidInput)
	}

	// Meetings of another organisation's lead are invisible.
	_, err = BookMeeting(ctx, tb.db, lb, at(25, 11, 0), at(25, 11, 30))
	require.NoError(t, err)
	ms, err := svc.Meetings(agent, lb.ID)
	require.NoError(t, err)
	require.Empty(t, ms)
	ms, err = svc.Meetings(tb.b.as(auth.RoleManager), lb.ID)
	require.NoError(t, err)
	require.Len(t, ms, 1)
	_, err = svc.CancelMeeting(agent, ms[0].ID)
	require.ErrorIs(t, err, apperror.ErrNotFound)
}
