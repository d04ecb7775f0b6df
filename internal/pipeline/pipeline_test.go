package pipeline_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"frontdesk/internal/apptest"
	"frontdesk/internal/pipeline"
	"frontdesk/jobs"
)

func count(t *testing.T, s *apptest.Server, query string, args ...any) int {
	t.Helper()
	var n int
	require.NoError(t, s.App.DB.SQL.QueryRowContext(context.Background(), query, args...).Scan(&n))
	return n
}

// Refund demands, threats and requests for a person hand off at once; after
// that the bot stays silent however many messages follow.
func TestEscalationHandsOffAndSilencesTheBot(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	org := s.SignUp("Escalation")
	for _, tc := range []struct{ name, text, reason string }{
		{"refund", "Верните деньги за заказ, я хочу возврат", "refund request"},
		{"threat", "Если не решите вопрос, я подам на вас в суд", "legal threat"},
		{"human", "позовите человека", "customer asked for a person"},
		{"human en", "Can I talk to a real person please?", "customer asked for a person"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := s.StartWebChat(org)
			s.Say(v, tc.text)
			s.WaitProcessed()
			var conv struct {
				Conversation struct {
					Owner, HandoffReason string
					Assignee             *struct{ ID string }
				}
			}
			s.MustDo(org.OwnerToken, `query($c: ID!) { conversation(id: $c) { owner handoffReason assignee { id } } }`, map[string]any{"c": v.ConversationID}, &conv)
			require.Equal(t, "HUMAN", conv.Conversation.Owner)
			require.Equal(t, tc.reason, conv.Conversation.HandoffReason)
			bot := `SELECT count(*) FROM messages WHERE conversation_id = $1 AND author = 'BOT'`
			require.Equal(t, 1, count(t, s, bot, v.ConversationID), "one neutral hand-off reply")
			require.Equal(t, 1, count(t, s, `SELECT count(*) FROM messages WHERE conversation_id = $1 AND author = 'SYSTEM' AND private AND text LIKE '%'||$2||'%'`, v.ConversationID, tc.text), "the summary quotes the ask")

			for _, more := range []string{"hello?", "anyone there", "Сколько стоит?", "??", "please answer"} {
				s.Say(v, more)
			}
			s.WaitProcessed()
			require.Equal(t, 6, count(t, s, `SELECT count(*) FROM messages WHERE conversation_id = $1 AND direction = 'IN' AND processed_at IS NOT NULL`, v.ConversationID))
			require.Equal(t, 1, count(t, s, bot, v.ConversationID), "the bot says nothing after the hand-off")
		})
	}
}

// The fallback ladder: one clarifying question, then a neutral reply and a
// hand-off.
func TestUnclearClarifiesThenHandsOff(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	org := s.SignUp("Ladder")
	v := s.StartWebChat(org)
	s.Say(v, "??")
	s.WaitProcessed()
	require.Equal(t, 1, count(t, s, `SELECT count(*) FROM events WHERE conversation_id = $1 AND type = 'CLARIFICATION_ASKED'`, v.ConversationID))
	require.Equal(t, "BOT", ownerOf(t, s, v.ConversationID))
	s.Say(v, "🤔")
	s.WaitProcessed()
	require.Equal(t, "HUMAN", ownerOf(t, s, v.ConversationID))
	require.Equal(t, 2, count(t, s, `SELECT count(*) FROM messages WHERE conversation_id = $1 AND author = 'BOT'`, v.ConversationID))
	// The first bot reply introduced the bot.
	require.Equal(t, 1, count(t, s, `SELECT count(*) FROM messages WHERE conversation_id = $1 AND author = 'BOT' AND text LIKE '%Ladder%'`, v.ConversationID))
}

// "Stop" ends every follow-up for the contact.
func TestStopOptsOut(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	org := s.SignUp("Stop")
	v := s.StartWebChat(org)
	s.Say(v, "Не интересно, больше не пишите мне")
	s.WaitProcessed()
	require.Equal(t, 1, count(t, s, `SELECT count(*) FROM contacts c JOIN conversations v ON v.contact_id = c.id WHERE v.id = $1 AND c.opted_out_at IS NOT NULL`, v.ConversationID))
	require.Equal(t, 1, count(t, s, `SELECT count(*) FROM events WHERE conversation_id = $1 AND type = 'CONTACT_OPTED_OUT'`, v.ConversationID))
}

func ownerOf(t *testing.T, s *apptest.Server, conv string) string {
	t.Helper()
	var owner string
	require.NoError(t, s.App.DB.SQL.QueryRow(`SELECT owner FROM conversations WHERE id = $1`, conv).Scan(&owner))
	return owner
}

// One inbound message gets one reply however often its job runs: twice at
// once, and again after a crash just before commit.
func TestProcessingIsIdempotent(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	org := s.SignUp("Idempotent")
	v := s.StartWebChat(org)
	// A message stored without its job, so only this test processes it.
	msgID := uuid.Must(uuid.NewV7())
	_, err := s.App.DB.SQL.Exec(`INSERT INTO messages (id, organization_id, conversation_id, direction, author, text)
		SELECT $1, organization_id, id, 'IN', 'CONTACT', 'hello' FROM conversations WHERE id = $2`, msgID, v.ConversationID)
	require.NoError(t, err)
	args := jobs.ProcessMessageArgs{OrganizationID: uuid.MustParse(org.ID), MessageID: msgID}
	replies := `SELECT count(*) FROM messages WHERE conversation_id = $1 AND author = 'BOT'`

	crash := errors.New("crash before commit")
	s.App.Pipeline.SetBeforeCommit(func() error { return crash })
	require.ErrorIs(t, s.App.Pipeline.Process(context.Background(), args), crash)
	require.Zero(t, count(t, s, replies, v.ConversationID), "a crash before commit leaves nothing behind")
	s.App.Pipeline.SetBeforeCommit(nil)

	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Go(func() { errs[i] = s.App.Pipeline.Process(context.Background(), args) })
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	require.NoError(t, s.App.Pipeline.Process(context.Background(), args))
	require.Equal(t, 1, count(t, s, replies, v.ConversationID))
	require.Equal(t, 1, count(t, s, `SELECT count(*) FROM events WHERE message_id = $1 AND type = 'MESSAGE_CLASSIFIED'`, msgID))
}

// Admins can see what the pipeline understands of a message.
func TestClassifyQuery(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	org := s.SignUp("Classify")
	s.MustDo(org.OwnerToken, `mutation { updateOrganizationSettings(input: {timeZone: "Europe/Moscow", country: "RU", currency: "RUB"}) { id } }`, nil, nil)
	var out struct {
		Classify struct {
			Language, Intent string
			Confidence       float64
			Escalate         bool
			Entities         struct {
				Phone, City, DateText, Currency *string
				Amount                          *float64
			}
		}
	}
	s.MustDo(org.OwnerToken, `query($t: String!) { classify(text: $t, channel: WEBCHAT) { language intent confidence escalate urgency customerType sensitive
		entities { orderId phone email dateText resolvedTime amount currency sku city } } }`,
		map[string]any{"t": "Бюджет 150 000 руб, Казань, звоните 8 (916) 123-45-67 завтра в 15:00"}, &out)
	c := out.Classify
	require.Equal(t, "ru", c.Language)
	require.Equal(t, "+79161234567", *c.Entities.Phone)
	require.Equal(t, "Казань", *c.Entities.City)
	require.Equal(t, 150000.0, *c.Entities.Amount)
	require.Equal(t, "RUB", *c.Entities.Currency)
	require.NotNil(t, c.Entities.DateText)
	s.MustDo(org.OwnerToken, `{ classify(text: "Сколько стоит таргет?") { intent confidence language escalate } }`, nil, &out)
	require.Equal(t, "PRICE_INQUIRY", out.Classify.Intent)
	s.MustDo(org.OwnerToken, `{ classify(text: "позовите человека") { intent escalate } }`, nil, &out)
	require.Equal(t, "HUMAN_REQUEST", out.Classify.Intent)
	require.True(t, out.Classify.Escalate)

	_, agent := s.Invite(org, "AGENT")
	r := s.Do(agent, `{ classify(text: "hi") { intent } }`, nil)
	require.Equal(t, []string{"FORBIDDEN"}, r.Codes())
}

// Messages of one conversation are answered in order: a later message whose
// job runs first waits for the earlier one.
func TestMessagesAreAnsweredInOrder(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	org := s.SignUp("Ordering")
	v := s.StartWebChat(org)
	store := func(text string) jobs.ProcessMessageArgs {
		id := uuid.Must(uuid.NewV7())
		_, err := s.App.DB.SQL.Exec(`INSERT INTO messages (id, organization_id, conversation_id, direction, author, text)
			SELECT $1, organization_id, id, 'IN', 'CONTACT', $3 FROM conversations WHERE id = $2`, id, v.ConversationID, text)
		require.NoError(t, err)
		return jobs.ProcessMessageArgs{OrganizationID: uuid.MustParse(org.ID), MessageID: id}
	}
	first, second := store("hello"), store("How much is it?")
	ctx := context.Background()
	require.ErrorIs(t, s.App.Pipeline.Process(ctx, second), pipeline.ErrEarlierPending)
	require.Zero(t, count(t, s, `SELECT count(*) FROM messages WHERE conversation_id = $1 AND processed_at IS NOT NULL`, v.ConversationID), "the refused run left nothing behind")
	require.NoError(t, s.App.Pipeline.Process(ctx, first))
	require.NoError(t, s.App.Pipeline.Process(ctx, second))
	require.Equal(t, 2, count(t, s, `SELECT count(*) FROM messages WHERE conversation_id = $1 AND processed_at IS NOT NULL`, v.ConversationID))
}
