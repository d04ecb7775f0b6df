package graph_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"frontdesk/internal/apptest"
	"frontdesk/internal/extract"
	"frontdesk/internal/lead"
	"frontdesk/internal/organization"
)

// createLead stores a lead for a fresh web chat conversation of org through
// the lead package's store, as the pipeline would. The conversation has no
// messages, so the pipeline never touches the lead.
func createLead(t *testing.T, s *apptest.Server, org *apptest.Org, f lead.Fields, status lead.Status) *lead.Lead {
	t.Helper()
	conv := s.StartWebChat(org)
	l, err := lead.CreateOrUpdateLead(context.Background(), s.App.DB.Bun, uuid.MustParse(org.ID), uuid.MustParse(conv.ConversationID), uuid.Nil, "WEBCHAT", f, status)
	require.NoError(t, err)
	return l
}

func bookMeeting(t *testing.T, s *apptest.Server, l *lead.Lead, start time.Time) *lead.Meeting {
	t.Helper()
	m, err := lead.BookMeeting(context.Background(), s.App.DB.Bun, l, start, start.Add(30*time.Minute))
	require.NoError(t, err)
	return m
}

// leadBundle is one organisation with a principal of every team role.
type leadBundle struct {
	s          *apptest.Server
	org        *apptest.Org
	adminToken string
	agentToken string
	empToken   string
	visitor    *apptest.Visitor
}

func setupLeads(t *testing.T) *leadBundle {
	t.Helper()
	s := apptest.Start(t)
	b := &leadBundle{s: s, org: s.SignUp("Lead Co")}
	_, _, b.adminToken = inviteWithToken(t, s, b.org, "ADMIN")
	_, _, b.agentToken = inviteWithToken(t, s, b.org, "AGENT")
	_, _, b.empToken = inviteWithToken(t, s, b.org, "EMPLOYEE")
	b.visitor = s.StartWebChat(b.org)
	return b
}

const leadSettingsFields = `priceList { name keywords priceFrom priceTo currency } minimumBudget { amount currency }
	qualifyWithinDays consultationHours { weekday opens closes } slotMinutes followUpAfterHours abandonAfterHours updatedAt`

type leadSettingsJSON struct {
	PriceList []struct {
		Name      string
		Keywords  []string
		PriceFrom float64
		PriceTo   *float64
		Currency  string
	}
	MinimumBudget *struct {
		Amount   float64
		Currency string
	}
	QualifyWithinDays int
	ConsultationHours []struct {
		Weekday       int
		Opens, Closes string
	}
	SlotMinutes        int
	FollowUpAfterHours int
	AbandonAfterHours  int
	UpdatedAt          *time.Time
}

func TestLeadSettings(t *testing.T) {
	t.Parallel()
	b := setupLeads(t)
	s := b.s
	read := `{ leadSettings { ` + leadSettingsFields + ` } }`
	update := `mutation($i: LeadSettingsInput!) { updateLeadSettings(input: $i) { ` + leadSettingsFields + ` } }`

	// Never saved: the defaults, readable by the whole team.
	for _, tok := range []string{b.org.OwnerToken, b.adminToken, b.agentToken} {
		var out struct{ LeadSettings leadSettingsJSON }
		s.MustDo(tok, read, nil, &out)
		require.Empty(t, out.LeadSettings.PriceList)
		require.NotNil(t, out.LeadSettings.PriceList, "an empty list, not null")
		require.Nil(t, out.LeadSettings.MinimumBudget)
		require.Equal(t, 30, out.LeadSettings.QualifyWithinDays)
		require.Equal(t, 30, out.LeadSettings.SlotMinutes)
		require.Empty(t, out.LeadSettings.ConsultationHours)
		require.Equal(t, 24, out.LeadSettings.FollowUpAfterHours)
		require.Equal(t, 72, out.LeadSettings.AbandonAfterHours)
		require.Nil(t, out.LeadSettings.UpdatedAt)
	}

	// Round trip. Omitted currencies mean the organisation's (USD).
	input := map[string]any{
		"priceList": []any{
			map[string]any{"name": " Targeting ", "keywords": []any{"таргет", "target ads"}, "priceFrom": 300, "priceTo": 500.5, "currency": "EUR"},
			map[string]any{"name": "SEO", "priceFrom": 200},
		},
		"minimumBudget":     map[string]any{"amount": 1000, "currency": ""},
		"qualifyWithinDays": 14,
		"consultationHours": []any{map[string]any{"weekday": 1, "opens": "09:00", "closes": "12:00"}, map[string]any{"weekday": 5, "opens": "14:00", "closes": "18:30"}},
		"slotMinutes":       45,
		// 0 is a choice (no reminder), not the default.
		"followUpAfterHours": 0,
		"abandonAfterHours":  120,
	}
	var saved struct{ UpdateLeadSettings leadSettingsJSON }
	s.MustDo(b.org.OwnerToken, update, map[string]any{"i": input}, &saved)
	got := saved.UpdateLeadSettings
	require.Len(t, got.PriceList, 2)
	require.Equal(t, "Targeting", got.PriceList[0].Name)
	require.Equal(t, []string{"таргет", "target ads"}, got.PriceList[0].Keywords)
	require.Equal(t, 300.0, got.PriceList[0].PriceFrom)
	require.Equal(t, 500.5, *got.PriceList[0].PriceTo)
	require.Equal(t, "EUR", got.PriceList[0].Currency)
	require.Equal(t, "SEO", got.PriceList[1].Name)
	require.Empty(t, got.PriceList[1].Keywords)
	require.Nil(t, got.PriceList[1].PriceTo)
	require.Equal(t, "USD", got.PriceList[1].Currency)
	require.Equal(t, 1000.0, got.MinimumBudget.Amount)
	require.Equal(t, "USD", got.MinimumBudget.Currency)
	require.Equal(t, 14, got.QualifyWithinDays)
	require.Equal(t, 45, got.SlotMinutes)
	require.Zero(t, got.FollowUpAfterHours)
	require.Equal(t, 120, got.AbandonAfterHours)
	require.Len(t, got.ConsultationHours, 2)
	require.Equal(t, "18:30", got.ConsultationHours[1].Closes)
	require.NotNil(t, got.UpdatedAt)

	// The team reads what was saved.
	var agentView struct{ LeadSettings leadSettingsJSON }
	s.MustDo(b.agentToken, read, nil, &agentView)
	require.Equal(t, got, agentView.LeadSettings)

	// Invalid settings change nothing.
	priceItem := func(extra map[string]any) map[string]any {
		it := map[string]any{"name": "Item", "priceFrom": 100}
		for k, v := range extra {
			it[k] = v
		}
		return map[string]any{"priceList": []any{it}}
	}
	hours := func(weekday int, opens, closes string) map[string]any {
		return map[string]any{"consultationHours": []any{map[string]any{"weekday": weekday, "opens": opens, "closes": closes}}}
	}
	for name, in := range map[string]map[string]any{
		"currency not ISO 4217":           priceItem(map[string]any{"currency": "euro"}),
		"currency ISO 4217 does not know": priceItem(map[string]any{"currency": "ZZZ"}),
		"priceTo below priceFrom":         priceItem(map[string]any{"priceTo": 50}),
		"negative price":                  priceItem(map[string]any{"priceFrom": -1}),
		"empty name":                      {"priceList": []any{map[string]any{"name": "  ", "priceFrom": 1}}},
		"one-letter keyword":              priceItem(map[string]any{"keywords": []any{"x"}}),
		"minimum budget in EUR":           {"minimumBudget": map[string]any{"amount": 10, "currency": "EUR"}},
		"negative minimum budget":         {"minimumBudget": map[string]any{"amount": -10, "currency": "USD"}},
		"weekday 0":                       hours(0, "09:00", "10:00"),
		"weekday 8":                       hours(8, "09:00", "10:00"),
		"opens after closes":              hours(1, "18:00", "09:00"),
		"opens equals closes":             hours(1, "09:00", "09:00"),
		"not a clock":                     hours(1, "9am", "10:00"),
		"25 o'clock":                      hours(1, "09:00", "25:00"),
		"qualifyWithinDays too many":      {"qualifyWithinDays": 366},
		"qualifyWithinDays zero":          {"qualifyWithinDays": 0},
		"slotMinutes too short":           {"slotMinutes": 1},
		"negative followUpAfterHours":     {"followUpAfterHours": -1},
		"negative abandonAfterHours":      {"abandonAfterHours": -1},
		"abandon before the reminder":     {"followUpAfterHours": 48, "abandonAfterHours": 24},
		"reminder after 30 days":          {"followUpAfterHours": 721},
	} {
		r := s.Do(b.org.OwnerToken, update, map[string]any{"i": in})
		require.Equal(t, []string{"INVALID_INPUT"}, r.Codes(), "%s: %+v", name, r.Errors)
		require.JSONEq(t, `null`, string(r.Data), name)
	}
	// A missing required field is refused by validation, before anything runs.
	r := s.Do(b.org.OwnerToken, update, map[string]any{"i": map[string]any{"priceList": []any{map[string]any{"name": "x"}}}})
	require.Equal(t, []string{"GRAPHQL_VALIDATION_FAILED"}, r.Codes())
	s.MustDo(b.org.OwnerToken, read, nil, &agentView)
	require.Equal(t, got, agentView.LeadSettings)

	// Only owners and admins change the settings.
	for _, tok := range []string{b.agentToken, b.empToken, b.visitor.Token} {
		r := s.Do(tok, update, map[string]any{"i": map[string]any{"qualifyWithinDays": 1}})
		require.Equal(t, []string{"FORBIDDEN"}, r.Codes())
	}
	// Employees and visitors do not read them.
	for _, tok := range []string{b.empToken, b.visitor.Token} {
		require.Equal(t, []string{"FORBIDDEN"}, s.Do(tok, read, nil).Codes())
	}
	require.Equal(t, []string{"UNAUTHENTICATED"}, s.Do("", read, nil).Codes())

	// The input replaces the settings: what is omitted is cleared or
	// takes its default.
	var replaced struct{ UpdateLeadSettings leadSettingsJSON }
	s.MustDo(b.adminToken, update, map[string]any{"i": map[string]any{"slotMinutes": 60}}, &replaced)
	require.Empty(t, replaced.UpdateLeadSettings.PriceList)
	require.Nil(t, replaced.UpdateLeadSettings.MinimumBudget)
	require.Empty(t, replaced.UpdateLeadSettings.ConsultationHours)
	require.Equal(t, 30, replaced.UpdateLeadSettings.QualifyWithinDays)
	require.Equal(t, 60, replaced.UpdateLeadSettings.SlotMinutes)
}

const leadFields = `id status budget { amount currency } need city startDate preferredContact channel
	conversation { id } meeting { id startsAt endsAt status } createdAt updatedAt`

type leadJSON struct {
	ID     string
	Status string
	Budget *struct {
		Amount   float64
		Currency string
	}
	Need             string
	City             string
	StartDate        *string
	PreferredContact string
	Channel          *string
	Conversation     struct{ ID string }
	Meeting          *struct {
		ID               string
		StartsAt, EndsAt time.Time
		Status           string
	}
	CreatedAt, UpdatedAt time.Time
}

type leadsJSON struct {
	Leads struct {
		Edges []struct {
			Cursor string
			Node   leadJSON
		}
		PageInfo struct {
			HasNextPage bool
			EndCursor   *string
		}
	}
}

func (l leadsJSON) ids() []string {
	var out []string
	for _, e := range l.Leads.Edges {
		out = append(out, e.Node.ID)
	}
	return out
}

func TestLeads(t *testing.T) {
	t.Parallel()
	b := setupLeads(t)
	s := b.s
	other := s.SignUp("Other Co")

	start := time.Date(2030, 5, 17, 0, 0, 0, 0, time.UTC)
	first := createLead(t, s, b.org, lead.Fields{}, lead.StatusNew)
	second := createLead(t, s, b.org, lead.Fields{Need: "furniture shop ads"}, lead.StatusQualifying)
	third := createLead(t, s, b.org, lead.Fields{
		Budget: &organization.Money{Amount: 5000, Currency: "EUR"}, Need: "targeted ads", City: "Berlin",
		Start: &extract.When{Text: "17 May 2030", Start: start, End: start.Add(24*time.Hour - time.Second)}, Contact: "whatsapp",
	}, lead.StatusQualified)
	foreign := createLead(t, s, other, lead.Fields{Need: "other org"}, lead.StatusQualified)

	// The third lead's booked call is the latest-starting BOOKED one: an
	// earlier booked call and a later cancelled one do not count.
	at := time.Date(2030, 5, 20, 10, 0, 0, 0, time.UTC)
	bookMeeting(t, s, third, at.Add(-time.Hour))
	booked := bookMeeting(t, s, third, at)
	cancelled := bookMeeting(t, s, third, at.Add(time.Hour))
	_, err := lead.CancelMeeting(context.Background(), s.App.DB.Bun, third.OrganizationID, cancelled.ID)
	require.NoError(t, err)

	list := `query($f: Int, $a: String, $s: LeadStatus) { leads(first: $f, after: $a, filter: {status: $s}) {
		edges { cursor node { ` + leadFields + ` } } pageInfo { hasNextPage endCursor } } }`

	// Newest first, paged.
	var page leadsJSON
	s.MustDo(b.agentToken, list, map[string]any{"f": 2}, &page)
	require.Equal(t, []string{third.ID.String(), second.ID.String()}, page.ids())
	require.True(t, page.Leads.PageInfo.HasNextPage)
	require.Equal(t, page.Leads.Edges[1].Cursor, *page.Leads.PageInfo.EndCursor)
	n := page.Leads.Edges[0].Node
	require.Equal(t, "QUALIFIED", n.Status)
	require.Equal(t, 5000.0, n.Budget.Amount)
	require.Equal(t, "EUR", n.Budget.Currency)
	require.Equal(t, "2030-05-17", *n.StartDate)
	require.Equal(t, "WEBCHAT", *n.Channel)
	require.Equal(t, third.ConversationID.String(), n.Conversation.ID)
	require.Equal(t, booked.ID.String(), n.Meeting.ID)
	require.Nil(t, page.Leads.Edges[1].Node.Meeting)
	require.Nil(t, page.Leads.Edges[1].Node.Budget)
	require.Nil(t, page.Leads.Edges[1].Node.StartDate)

	var rest leadsJSON
	s.MustDo(b.agentToken, list, map[string]any{"f": 2, "a": *page.Leads.PageInfo.EndCursor}, &rest)
	require.Equal(t, []string{first.ID.String()}, rest.ids())
	require.False(t, rest.Leads.PageInfo.HasNextPage)

	// The default page holds them all; a filter narrows it.
	var all leadsJSON
	s.MustDo(b.org.OwnerToken, `{ leads { edges { node { id } } } }`, nil, &all)
	require.Equal(t, []string{third.ID.String(), second.ID.String(), first.ID.String()}, all.ids())
	var filtered leadsJSON
	s.MustDo(b.org.OwnerToken, list, map[string]any{"s": "QUALIFYING"}, &filtered)
	require.Equal(t, []string{second.ID.String()}, filtered.ids())
	s.MustDo(b.org.OwnerToken, list, map[string]any{"s": "WON"}, &filtered)
	require.Empty(t, filtered.ids())
	require.False(t, filtered.Leads.PageInfo.HasNextPage)
	require.Nil(t, filtered.Leads.PageInfo.EndCursor)

	// Bad paging arguments.
	requireOneCode(t, s.Do(b.agentToken, list, map[string]any{"f": 101}), "INVALID_INPUT")
	requireOneCode(t, s.Do(b.agentToken, list, map[string]any{"f": -1}), "INVALID_INPUT")
	requireOneCode(t, s.Do(b.agentToken, list, map[string]any{"a": "not-a-cursor"}), "INVALID_INPUT")
	requireOneCode(t, s.Do(b.agentToken, list, map[string]any{"s": "MAYBE"}), "GRAPHQL_VALIDATION_FAILED")

	// One lead, with its relations.
	one := `query($id: ID!) { lead(id: $id) { ` + leadFields + ` } }`
	var got struct{ Lead leadJSON }
	s.MustDo(b.agentToken, one, map[string]any{"id": third.ID.String()}, &got)
	require.Equal(t, n, got.Lead)
	require.Equal(t, "targeted ads", got.Lead.Need)
	require.Equal(t, "Berlin", got.Lead.City)
	require.Equal(t, "whatsapp", got.Lead.PreferredContact)
	require.True(t, at.Equal(got.Lead.Meeting.StartsAt))
	require.True(t, at.Add(30*time.Minute).Equal(got.Lead.Meeting.EndsAt))
	require.Equal(t, "BOOKED", got.Lead.Meeting.Status)
	// The conversation resolves through the request's loaders like any other.
	var withConv struct {
		Lead struct {
			Conversation struct {
				ID      string
				Channel struct{ Kind string }
				Contact struct{ Name string }
			}
		}
	}
	s.MustDo(b.agentToken, `query($id: ID!) { lead(id: $id) { conversation { id channel { kind } contact { name } } } }`,
		map[string]any{"id": first.ID.String()}, &withConv)
	require.Equal(t, first.ConversationID.String(), withConv.Lead.Conversation.ID)
	require.Equal(t, "WEBCHAT", withConv.Lead.Conversation.Channel.Kind)
	require.Equal(t, "Visitor", withConv.Lead.Conversation.Contact.Name)

	// Unknown ids and other organisations' ids are NOT_FOUND.
	for _, id := range []string{uuid.NewString(), foreign.ID.String(), "not-a-uuid"} {
		r := s.Do(b.agentToken, one, map[string]any{"id": id})
		requireOneCode(t, r, "NOT_FOUND")
		require.JSONEq(t, `{"lead": null}`, string(r.Data))
	}
	// Employees and visitors see no leads.
	for _, tok := range []string{b.empToken, b.visitor.Token} {
		requireOneCode(t, s.Do(tok, list, nil), "FORBIDDEN")
		requireOneCode(t, s.Do(tok, one, map[string]any{"id": first.ID.String()}), "FORBIDDEN")
	}

	// Update.
	upd := `mutation($id: ID!, $i: UpdateLeadInput!) { updateLead(id: $id, input: $i) { ` + leadFields + ` } }`
	var updated struct{ UpdateLead leadJSON }
	s.MustDo(b.agentToken, upd, map[string]any{"id": third.ID.String(), "i": map[string]any{
		"status": "WON", "need": "  a new website  ", "city": "", "preferredContact": "Telegram",
		"budget": map[string]any{"amount": 7000, "currency": "USD"}, "startDate": "2031-01-02",
	}}, &updated)
	u := updated.UpdateLead
	require.Equal(t, "WON", u.Status)
	require.Equal(t, "a new website", u.Need)
	require.Equal(t, "", u.City)
	require.Equal(t, "telegram", u.PreferredContact)
	require.Equal(t, 7000.0, u.Budget.Amount)
	require.Equal(t, "USD", u.Budget.Currency)
	require.Equal(t, "2031-01-02", *u.StartDate)
	require.Equal(t, booked.ID.String(), u.Meeting.ID)
	require.False(t, u.UpdatedAt.Before(n.UpdatedAt))
	// Omitted fields stay; the change is stored.
	s.MustDo(b.org.OwnerToken, upd, map[string]any{"id": third.ID.String(), "i": map[string]any{"city": "Paris"}}, &updated)
	require.Equal(t, "WON", updated.UpdateLead.Status)
	require.Equal(t, "a new website", updated.UpdateLead.Need)
	require.Equal(t, "Paris", updated.UpdateLead.City)
	s.MustDo(b.agentToken, one, map[string]any{"id": third.ID.String()}, &got)
	require.Equal(t, updated.UpdateLead, got.Lead)
	s.MustDo(b.org.OwnerToken, list, map[string]any{"s": "WON"}, &filtered)
	require.Equal(t, []string{third.ID.String()}, filtered.ids())

	// Bad input changes nothing.
	for name, in := range map[string]map[string]any{
		"unknown contact":  {"preferredContact": "pigeon"},
		"negative budget":  {"budget": map[string]any{"amount": -1, "currency": "USD"}},
		"bad currency":     {"budget": map[string]any{"amount": 1, "currency": "dollars"}},
		"not a date":       {"startDate": "next week"},
		"impossible date":  {"startDate": "2031-02-30"},
		"date with a time": {"startDate": "2031-01-02T10:00:00Z"},
		"need too long":    {"need": strings.Repeat("x", 501)},
	} {
		r := s.Do(b.agentToken, upd, map[string]any{"id": third.ID.String(), "i": in})
		require.Equal(t, []string{"INVALID_INPUT"}, r.Codes(), "%s: %+v", name, r.Errors)
	}
	requireOneCode(t, s.Do(b.agentToken, upd, map[string]any{"id": third.ID.String(), "i": map[string]any{"status": "MAYBE"}}), "GRAPHQL_VALIDATION_FAILED")
	s.MustDo(b.agentToken, one, map[string]any{"id": third.ID.String()}, &got)
	require.Equal(t, updated.UpdateLead, got.Lead)

	for _, id := range []string{uuid.NewString(), foreign.ID.String(), "not-a-uuid"} {
		r := s.Do(b.org.OwnerToken, upd, map[string]any{"id": id, "i": map[string]any{"status": "LOST"}})
		requireOneCode(t, r, "NOT_FOUND")
	}
	for _, tok := range []string{b.empToken, b.visitor.Token} {
		requireOneCode(t, s.Do(tok, upd, map[string]any{"id": first.ID.String(), "i": map[string]any{"status": "LOST"}}), "FORBIDDEN")
	}
	// The other organisation's lead is as it was.
	var foreignView struct{ Lead leadJSON }
	s.MustDo(other.OwnerToken, one, map[string]any{"id": foreign.ID.String()}, &foreignView)
	require.Equal(t, "QUALIFIED", foreignView.Lead.Status)
	require.Equal(t, "other org", foreignView.Lead.Need)
}
