package pipeline_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"frontdesk/internal/apptest"
	"frontdesk/internal/clock"
	"frontdesk/internal/lead"
	"frontdesk/internal/organization"
)

// The clock every lead test runs at: Tuesday 24 November 2026, 10:00 in Moscow.
var leadNow = time.Date(2026, 11, 24, 10, 0, 0, 0, time.FixedZone("MSK", 3*3600))

type leadWorld struct {
	s   *apptest.Server
	org *apptest.Org
	// clock is the pipeline's: River does not run here, so a job scheduled
	// from it waits until the test works it (apptest.StartAt).
	clock *clock.Manual
}

func setupLead(t *testing.T, currency, lang string) *leadWorld {
	t.Helper()
	clk := clock.NewManual(leadNow)
	s := apptest.StartAt(t, clk)
	org := s.SignUp("Target Pro")
	s.MustDo(org.OwnerToken, `mutation($c: String!, $l: String!) { updateOrganizationSettings(input: {timeZone: "Europe/Moscow", country: "RU", currency: $c, teamLanguage: $l}) { id } }`,
		map[string]any{"c": currency, "l": lang}, nil)
	_, _ = s.Invite(org, "MANAGER")
	to := 90000.0
	_, err := lead.Save(context.Background(), s.App.DB.Bun, uuid.MustParse(org.ID), lead.Settings{
		PriceList:         []lead.PriceItem{{Name: "Таргет", Keywords: []string{"таргет", "target", "targeting", "таргетированная реклама"}, PriceFrom: 30000, PriceTo: &to, Currency: currency}},
		MinimumBudget:     &organization.Money{Amount: 100000, Currency: currency},
		QualifyWithinDays: 30,
		ConsultationHours: []organization.BusinessHours{{Weekday: 2, Opens: "10:00", Closes: "18:00"}, {Weekday: 3, Opens: "10:00", Closes: "18:00"}, {Weekday: 4, Opens: "10:00", Closes: "18:00"}},
		SlotMinutes:       30,
	})
	require.NoError(t, err)
	return &leadWorld{s: s, org: org, clock: clk}
}

type botMessage struct {
	Text    string
	Buttons []struct{ Title, Payload string }
}

// say sends a visitor message, waits for the pipeline and returns the bot's
// replies to it.
func (w *leadWorld) say(t *testing.T, v *apptest.Visitor, text, payload string) []botMessage {
	t.Helper()
	var before int
	require.NoError(t, w.s.App.DB.SQL.QueryRow(`SELECT count(*) FROM messages WHERE conversation_id = $1 AND author = 'BOT'`, v.ConversationID).Scan(&before))
	vars := map[string]any{"c": v.ConversationID, "t": text}
	if payload != "" {
		vars["p"] = payload
	}
	w.s.MustDo(v.Token, `mutation($c: ID!, $t: String!, $p: String) { sendVisitorMessage(conversationId: $c, text: $t, payload: $p) { id } }`, vars, nil)
	w.s.WaitProcessed()
	var out struct {
		Conversation struct {
			Messages struct {
				Edges []struct {
					Node struct {
						Author  string
						Text    string
						Buttons []struct{ Title, Payload string }
					}
				}
			}
		}
	}
	w.s.MustDo(v.Token, `query($c: ID!) { conversation(id: $c) { messages(first: 100) { edges { node { author text buttons { title payload } } } } } }`,
		map[string]any{"c": v.ConversationID}, &out)
	var bots []botMessage
	for i := len(out.Conversation.Messages.Edges) - 1; i >= 0; i-- {
		n := out.Conversation.Messages.Edges[i].Node
		if n.Author == "BOT" {
			bots = append(bots, botMessage{Text: n.Text, Buttons: n.Buttons})
		}
	}
	return bots[before:]
}

type leadView struct {
	Status, Need, City, PreferredContact string
	BudgetAmount                         *float64
	BudgetCurrency                       string
	StartDate                            *time.Time
}

func (w *leadWorld) lead(t *testing.T, v *apptest.Visitor) leadView {
	t.Helper()
	var l leadView
	require.NoError(t, w.s.App.DB.SQL.QueryRow(`SELECT status, need, city, preferred_contact, budget_amount, budget_currency, start_date FROM leads WHERE conversation_id = $1`, v.ConversationID).
		Scan(&l.Status, &l.Need, &l.City, &l.PreferredContact, &l.BudgetAmount, &l.BudgetCurrency, &l.StartDate))
	return l
}

func (w *leadWorld) runOutcome(t *testing.T, v *apptest.Visitor) string {
	t.Helper()
	var outcome *string
	require.NoError(t, w.s.App.DB.SQL.QueryRow(`SELECT outcome FROM scenario_runs WHERE conversation_id = $1 ORDER BY started_at DESC LIMIT 1`, v.ConversationID).Scan(&outcome))
	if outcome == nil {
		return ""
	}
	return *outcome
}

func (w *leadWorld) doneRuns(t *testing.T) int {
	t.Helper()
	var out struct {
		Metrics struct{ RunsDone, Bookings int }
	}
	w.s.MustDo(w.org.OwnerToken, `query($f: Time!, $t: Time!) { metrics(from: $f, to: $t, scenario: LEAD_QUALIFICATION) { runsDone bookings } }`,
		// The pipeline's clock is fixed; the log's times are real: a window
		// around both.
		map[string]any{"f": leadNow.Add(-48 * time.Hour).Format(time.RFC3339), "t": leadNow.Add(48 * time.Hour).Format(time.RFC3339)}, &out)
	return out.Metrics.RunsDone
}

func TestLeadQualificationRussian(t *testing.T) {
	t.Parallel()
	w := setupLead(t, "RUB", "ru")
	v := w.s.StartWebChat(w.org)

	r := w.say(t, v, "Сколько стоит таргет?", "")
	require.Len(t, r, 2)
	require.Contains(t, r[0].Text, "30\u00a0000") // the price, at once
	require.Contains(t, r[1].Text, "бюджет")      // then the qualifying questions

	r = w.say(t, v, "бюджет 200 тысяч в месяц, продаем мебель, хотим начать на следующей неделе, Казань, лучше в WhatsApp", "")
	l := w.lead(t, v)
	require.Equal(t, "QUALIFIED", l.Status)
	require.Equal(t, 200000.0, *l.BudgetAmount)
	require.Equal(t, "RUB", l.BudgetCurrency)
	require.Contains(t, l.Need, "мебель")
	require.Equal(t, "Казань", l.City)
	require.Equal(t, "whatsapp", l.PreferredContact)
	require.Equal(t, "2026-11-30", l.StartDate.Format("2006-01-02"))
	require.Len(t, r, 1)
	require.Len(t, r[0].Buttons, 3, "slot buttons")

	r = w.say(t, v, r[0].Buttons[1].Title, r[0].Buttons[1].Payload)
	require.Len(t, r, 1)
	require.Contains(t, r[0].Text, "WhatsApp")
	require.Equal(t, "DONE", w.runOutcome(t, v))
	var meetings int
	require.NoError(t, w.s.App.DB.SQL.QueryRow(`SELECT count(*) FROM meetings WHERE conversation_id = $1 AND status = 'BOOKED'`, v.ConversationID).Scan(&meetings))
	require.Equal(t, 1, meetings)
	require.Equal(t, 1, w.doneRuns(t))
}

func TestLeadQualificationEnglishWithSlotAsText(t *testing.T) {
	t.Parallel()
	w := setupLead(t, "USD", "en")
	v := w.s.StartWebChat(w.org)
	r := w.say(t, v, "How much is targeting?", "")
	require.Len(t, r, 2)
	require.Contains(t, r[0].Text, "$30,000")
	r = w.say(t, v, "budget $200,000 a month, we sell furniture, want to start next week, Berlin, WhatsApp is best", "")
	require.Equal(t, "QUALIFIED", w.lead(t, v).Status)
	require.Len(t, r[0].Buttons, 3)
	r = w.say(t, v, "the first one", "")
	require.Equal(t, "DONE", w.runOutcome(t, v))
	require.Len(t, r, 1)
}

// Only missing fields are asked again, and a corrected budget is taken.
func TestLeadCorrectionAndMissingFields(t *testing.T) {
	t.Parallel()
	w := setupLead(t, "RUB", "ru")
	v := w.s.StartWebChat(w.org)
	w.say(t, v, "Сколько стоит таргет?", "")
	r := w.say(t, v, "бюджет 50 тысяч, продаем мебель", "")
	require.Equal(t, "QUALIFYING", w.lead(t, v).Status)
	require.Len(t, r, 1)
	require.NotContains(t, r[0].Text, "бюджет", "the budget is not asked again")
	w.say(t, v, "нет, бюджет 300 тысяч", "")
	require.Equal(t, 300000.0, *w.lead(t, v).BudgetAmount)
	r = w.say(t, v, "начать хотим в декабре, Казань, звоните", "")
	require.Equal(t, "QUALIFIED", w.lead(t, v).Status)
	require.Len(t, r[len(r)-1].Buttons, 3)
}

// A lead that does not qualify goes to the routed manager with a summary.
func TestLeadUnqualifiedHandsOffWithSummary(t *testing.T) {
	t.Parallel()
	w := setupLead(t, "RUB", "ru")
	v := w.s.StartWebChat(w.org)
	w.say(t, v, "Сколько стоит таргет?", "")
	w.say(t, v, "бюджет 20 тысяч, продаем цветы, начать хотим в марте, Самара, пишите в телеграм", "")
	require.Equal(t, "UNQUALIFIED", w.lead(t, v).Status)
	require.Equal(t, "HANDED_OFF", w.runOutcome(t, v))
	require.Equal(t, "HUMAN", ownerOf(t, w.s, v.ConversationID))
	var summary string
	require.NoError(t, w.s.App.DB.SQL.QueryRow(`SELECT text FROM messages WHERE conversation_id = $1 AND author = 'SYSTEM' AND private`, v.ConversationID).Scan(&summary))
	require.Contains(t, summary, "LEAD_QUALIFICATION")
	require.Contains(t, summary, "Самара")
	require.Contains(t, summary, "цветы")
	var assignee *string
	require.NoError(t, w.s.App.DB.SQL.QueryRow(`SELECT u.role FROM conversations c JOIN users u ON u.id = c.assignee_id WHERE c.id = $1`, v.ConversationID).Scan(&assignee))
	require.Equal(t, "MANAGER", *assignee)
}
