package pipeline_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/rivertest"
	"github.com/riverqueue/river/rivertype"
	"github.com/stretchr/testify/require"

	"frontdesk/internal/apptest"
	"frontdesk/internal/lead"
	"frontdesk/internal/pipeline"
	"frontdesk/internal/replies"
	"frontdesk/jobs"
	"frontdesk/jobs/worker"
)

// timerWorld is a lead world whose timers a test works one at a time, at
// the pipeline time it chooses. Nothing else runs them: River's workers and
// its scheduler do not run in a lead world (apptest.StartAt), so a timer
// scheduled by the pipeline's clock stays scheduled, however long ago that
// date is by the wall.
type timerWorld struct {
	*leadWorld
	worker *rivertest.Worker[jobs.ScenarioTimerArgs, *sql.Tx]
}

func setupTimers(t *testing.T, currency, lang string) *timerWorld {
	t.Helper()
	w := setupLead(t, currency, lang)
	return &timerWorld{
		leadWorld: w,
		worker:    rivertest.NewWorker(t, riverdatabasesql.New(w.s.App.DB.SQL), &river.Config{}, worker.NewScenarioTimer(w.s.App.Pipeline)),
	}
}

type timerJob struct {
	row  *rivertype.JobRow
	args jobs.ScenarioTimerArgs
}

// timers returns every scenario timer of the test's database, oldest first.
func (w *timerWorld) timers(t *testing.T) []timerJob {
	t.Helper()
	rows, err := w.s.App.DB.SQL.Query(`SELECT id FROM river_job WHERE kind = 'scenario_timer' ORDER BY id`)
	require.NoError(t, err)
	defer rows.Close()
	var out []timerJob
	for rows.Next() {
		var id int64
		require.NoError(t, rows.Scan(&id))
		row, err := w.s.App.River.JobGet(context.Background(), id)
		require.NoError(t, err)
		var args jobs.ScenarioTimerArgs
		require.NoError(t, json.Unmarshal(row.EncodedArgs, &args))
		out = append(out, timerJob{row: row, args: args})
	}
	require.NoError(t, rows.Err())
	return out
}

// work runs a timer job through the real worker at pipeline time at. A
// job that is already finalized is put back in the queue first, as River's
// rescuer does with a job whose completion was lost (or that was running
// when it was cancelled), so a test can see what a second run does.
func (w *timerWorld) work(t *testing.T, job timerJob, at time.Time) *rivertest.WorkResult {
	t.Helper()
	w.clock.Set(at)
	ctx := context.Background()
	tx, err := w.s.App.DB.SQL.BeginTx(ctx, nil)
	require.NoError(t, err)
	defer func() { _ = tx.Rollback() }()
	_, err = tx.ExecContext(ctx, `UPDATE river_job SET state = 'retryable', finalized_at = NULL WHERE id = $1 AND finalized_at IS NOT NULL`, job.row.ID)
	require.NoError(t, err)
	res, err := w.worker.WorkJob(ctx, t, tx, job.row)
	require.NoError(t, err)
	require.NoError(t, tx.Commit())
	return res
}

func (w *timerWorld) botMessages(t *testing.T, v *apptest.Visitor) int {
	t.Helper()
	return count(t, w.s, `SELECT count(*) FROM messages WHERE conversation_id = $1 AND author = 'BOT'`, v.ConversationID)
}

// lastBot is the bot's latest message and its buttons' payloads.
func (w *timerWorld) lastBot(t *testing.T, v *apptest.Visitor) (string, []string) {
	t.Helper()
	var text string
	var raw []byte
	require.NoError(t, w.s.App.DB.SQL.QueryRow(`SELECT text, buttons FROM messages WHERE conversation_id = $1 AND author = 'BOT'
		ORDER BY created_at DESC, id DESC LIMIT 1`, v.ConversationID).Scan(&text, &raw))
	var buttons []struct{ Payload string }
	require.NoError(t, json.Unmarshal(raw, &buttons))
	var payloads []string
	for _, b := range buttons {
		payloads = append(payloads, b.Payload)
	}
	return text, payloads
}

// nudge is the reminder listing fields in lang, as the default tone words it.
func nudge(lang string, fields ...lead.Field) string {
	labels := make([]string, len(fields))
	for i, f := range fields {
		labels[i] = replies.Label(lang, f.LabelKey())
	}
	return replies.Render(lang, replies.Friendly, replies.FollowUpFields, replies.Params{"fields": replies.FormatList(lang, labels)})
}

// A customer who asks the price and then says nothing gets one reminder a
// day later, in their language, naming what is still missing; two days
// after that the run is given up, silently, and metrics count it.
func TestLeadFollowUpThenAbandon(t *testing.T) {
	t.Parallel()
	w := setupTimers(t, "RUB", "ru")
	v := w.s.StartWebChat(w.org)
	ctx := context.Background()
	w.say(t, v, "Сколько стоит таргет?", "")

	timers := w.timers(t)
	require.Len(t, timers, 1)
	followUp := timers[0]
	require.Equal(t, pipeline.TimerFollowUp, followUp.args.Purpose)
	require.Equal(t, rivertype.JobStateScheduled, followUp.row.State)
	require.Equal(t, river.QueueDefault, followUp.row.Queue)
	require.True(t, leadNow.Add(24*time.Hour).Equal(followUp.row.ScheduledAt), "scheduled at %s", followUp.row.ScheduledAt)
	// Unique per run, purpose and version: it cannot be scheduled twice.
	again, err := w.s.App.River.Insert(ctx, followUp.args, nil)
	require.NoError(t, err)
	require.True(t, again.UniqueSkippedAsDuplicate)
	require.Equal(t, followUp.row.ID, again.Job.ID)

	bots := w.botMessages(t, v)
	// Early by the pipeline's clock: it waits.
	res := w.work(t, followUp, leadNow.Add(time.Hour))
	require.Equal(t, river.EventKindJobSnoozed, res.EventKind)
	require.Equal(t, bots, w.botMessages(t, v))

	res = w.work(t, followUp, leadNow.Add(24*time.Hour))
	require.Equal(t, river.EventKindJobCompleted, res.EventKind)
	require.Equal(t, bots+1, w.botMessages(t, v), "one reminder")
	text, buttons := w.lastBot(t, v)
	require.Equal(t, nudge("ru", lead.AllFields...), text)
	require.Empty(t, buttons)
	require.Equal(t, 1, count(t, w.s, `SELECT count(*) FROM events WHERE conversation_id = $1 AND type = 'FOLLOW_UP_SENT'`, v.ConversationID))
	require.Equal(t, 1, count(t, w.s, `SELECT count(*) FROM events e JOIN messages m ON m.id = e.message_id
		WHERE e.conversation_id = $1 AND e.type = 'MESSAGE_SENT' AND m.text = $2`, v.ConversationID, text), "stored and announced like any reply")

	// Working the same job again (a retry after a lost completion) sends
	// nothing and schedules nothing more.
	res = w.work(t, followUp, leadNow.Add(24*time.Hour+time.Minute))
	require.Equal(t, river.EventKindJobCompleted, res.EventKind)
	require.Equal(t, bots+1, w.botMessages(t, v))

	timers = w.timers(t)
	require.Len(t, timers, 2)
	abandon := timers[1]
	require.Equal(t, pipeline.TimerAbandon, abandon.args.Purpose)
	require.Equal(t, followUp.args.RunID, abandon.args.RunID)
	require.Greater(t, abandon.args.Version, followUp.args.Version)
	require.True(t, leadNow.Add(72*time.Hour).Equal(abandon.row.ScheduledAt), "72 hours after the question: %s", abandon.row.ScheduledAt)

	res = w.work(t, abandon, leadNow.Add(72*time.Hour))
	require.Equal(t, river.EventKindJobCompleted, res.EventKind)
	require.Equal(t, bots+1, w.botMessages(t, v), "giving up says nothing")
	require.Equal(t, "ABANDONED", w.runOutcome(t, v))
	require.Equal(t, 1, count(t, w.s, `SELECT count(*) FROM events WHERE conversation_id = $1 AND type = 'SCENARIO_FINISHED' AND payload->>'outcome' = 'ABANDONED'`, v.ConversationID))
	require.Len(t, w.timers(t), 2, "nothing follows an abandon")

	var out struct {
		Metrics struct {
			RunsStarted, RunsFinished, RunsDone int
			CompletionRate                      *float64
		}
	}
	w.s.MustDo(w.org.OwnerToken, `query($f: Time!, $t: Time!) { metrics(from: $f, to: $t, scenario: LEAD_QUALIFICATION) { runsStarted runsFinished runsDone completionRate } }`,
		map[string]any{"f": leadNow.Add(-48 * time.Hour).Format(time.RFC3339), "t": leadNow.Add(96 * time.Hour).Format(time.RFC3339)}, &out)
	require.Equal(t, 1, out.Metrics.RunsStarted)
	require.Equal(t, 1, out.Metrics.RunsFinished)
	require.Zero(t, out.Metrics.RunsDone)
	require.Equal(t, 0.0, *out.Metrics.CompletionRate)
}

// An answer moves the run on: the timer set before it does nothing, and the
// one set after it names only what is still missing.
func TestFollowUpAfterAnAnswer(t *testing.T) {
	t.Parallel()
	w := setupTimers(t, "USD", "en")
	v := w.s.StartWebChat(w.org)
	w.say(t, v, "How much is targeting?", "")
	w.say(t, v, "budget $200,000 a month, we sell furniture", "")
	timers := w.timers(t)
	require.Len(t, timers, 2)
	stale, current := timers[0], timers[1]
	require.Equal(t, stale.args.Purpose, current.args.Purpose)
	require.Greater(t, current.args.Version, stale.args.Version)

	bots := w.botMessages(t, v)
	res := w.work(t, stale, leadNow.Add(24*time.Hour))
	require.Equal(t, river.EventKindJobCompleted, res.EventKind)
	require.Equal(t, bots, w.botMessages(t, v), "the stale timer says nothing")
	require.Len(t, w.timers(t), 2, "and schedules nothing")

	w.work(t, current, leadNow.Add(24*time.Hour))
	require.Equal(t, bots+1, w.botMessages(t, v))
	text, _ := w.lastBot(t, v)
	require.Equal(t, nudge("en", lead.FieldStart, lead.FieldCity, lead.FieldContact), text)
}

// Slots offered and no answer: the reminder offers free slots again as
// buttons.
func TestFollowUpReoffersSlots(t *testing.T) {
	t.Parallel()
	w := setupTimers(t, "USD", "en")
	v := w.s.StartWebChat(w.org)
	w.say(t, v, "How much is targeting?", "")
	r := w.say(t, v, "budget $200,000 a month, we sell furniture, want to start next week, Berlin, WhatsApp is best", "")
	require.Len(t, r[0].Buttons, 3)
	timers := w.timers(t)
	w.work(t, timers[len(timers)-1], leadNow.Add(24*time.Hour))
	text, buttons := w.lastBot(t, v)
	require.Equal(t, replies.Render("en", replies.Friendly, replies.FollowUpSlots, nil), text)
	require.Len(t, buttons, 3)
	for _, b := range buttons {
		at, ok := lead.ParseSlotPayload(b)
		require.True(t, ok)
		require.True(t, at.After(leadNow.Add(24*time.Hour)), "only slots still ahead: %s", at)
	}
	// The reminder's buttons book like the first offer's.
	var title string
	require.NoError(t, w.s.App.DB.SQL.QueryRow(`SELECT buttons->0->>'title' FROM messages WHERE conversation_id = $1 AND author = 'BOT'
		ORDER BY created_at DESC, id DESC LIMIT 1`, v.ConversationID).Scan(&title))
	w.say(t, v, title, buttons[0]) // still at the reminder's time
	require.Equal(t, "DONE", w.runOutcome(t, v))
}

// "Stop" ends every follow-up: the queued timer is cancelled with the
// opt-out, and a timer of a later run of the same contact says nothing.
func TestStopEndsFollowUps(t *testing.T) {
	t.Parallel()
	w := setupTimers(t, "RUB", "ru")
	v := w.s.StartWebChat(w.org)
	w.say(t, v, "Сколько стоит таргет?", "")
	followUp := w.timers(t)[0]
	w.say(t, v, "Не интересно, больше не пишите мне", "")
	require.Equal(t, "ABANDONED", w.runOutcome(t, v))
	row, err := w.s.App.River.JobGet(context.Background(), followUp.row.ID)
	require.NoError(t, err)
	require.Equal(t, rivertype.JobStateCancelled, row.State, "cancelled in the opt-out's transaction")

	bots := w.botMessages(t, v)
	w.work(t, followUp, leadNow.Add(24*time.Hour))
	require.Equal(t, bots, w.botMessages(t, v), "even worked, a cancelled timer says nothing")

	// The contact asks again; the bot answers, but never follows up.
	w.clock.Set(leadNow)
	require.NotEmpty(t, w.say(t, v, "Сколько стоит таргет?", ""))
	timers := w.timers(t)
	require.Len(t, timers, 2)
	bots = w.botMessages(t, v)
	res := w.work(t, timers[1], leadNow.Add(24*time.Hour))
	require.Equal(t, river.EventKindJobCompleted, res.EventKind)
	require.Equal(t, bots, w.botMessages(t, v))
	require.Len(t, w.timers(t), 2)
}

// Once a person owns the conversation, the bot's timers say nothing.
func TestFollowUpAfterHandOff(t *testing.T) {
	t.Parallel()
	w := setupTimers(t, "RUB", "ru")
	v := w.s.StartWebChat(w.org)
	w.say(t, v, "Сколько стоит таргет?", "")
	followUp := w.timers(t)[0]
	w.s.MustDo(w.org.OwnerToken, `mutation($c: ID!) { handOffConversation(conversationId: $c, reason: "VIP") { id } }`,
		map[string]any{"c": v.ConversationID}, nil)
	require.Equal(t, "", w.runOutcome(t, v), "a manual hand-off leaves the run open")

	bots := w.botMessages(t, v)
	res := w.work(t, followUp, leadNow.Add(24*time.Hour))
	require.Equal(t, river.EventKindJobCompleted, res.EventKind)
	require.Equal(t, bots, w.botMessages(t, v))
	require.Len(t, w.timers(t), 1, "no abandon timer either")
}

// Outside business hours the reminder waits (snoozes) for the opening.
func TestFollowUpWaitsForBusinessHours(t *testing.T) {
	t.Parallel()
	w := setupTimers(t, "RUB", "ru")
	w.s.MustDo(w.org.OwnerToken, `mutation { updateOrganizationSettings(input: {businessHours: [
		{weekday: 1, opens: "09:00", closes: "18:00"}, {weekday: 2, opens: "09:00", closes: "18:00"}, {weekday: 3, opens: "09:00", closes: "18:00"},
		{weekday: 4, opens: "09:00", closes: "18:00"}, {weekday: 5, opens: "09:00", closes: "18:00"}]}) { id } }`, nil, nil)
	v := w.s.StartWebChat(w.org)
	w.say(t, v, "Сколько стоит таргет?", "") // Tuesday 10:00, open
	followUp := w.timers(t)[0]

	bots := w.botMessages(t, v)
	wednesdayEvening := leadNow.Add(34 * time.Hour) // 20:00 in Moscow
	before := time.Now()
	res := w.work(t, followUp, wednesdayEvening)
	require.Equal(t, river.EventKindJobSnoozed, res.EventKind)
	require.Equal(t, bots, w.botMessages(t, v))
	// Snoozed until Thursday 09:00, thirteen hours on.
	require.WithinRange(t, res.Job.ScheduledAt, before.Add(13*time.Hour-time.Minute), time.Now().Add(13*time.Hour+time.Minute))

	w.work(t, followUp, leadNow.Add(47*time.Hour)) // Thursday 09:00
	require.Equal(t, bots+1, w.botMessages(t, v))
}

// A reminder switched off (0 hours) leaves only the abandon timer.
func TestFollowUpSwitchedOff(t *testing.T) {
	t.Parallel()
	w := setupTimers(t, "RUB", "ru")
	ctx := context.Background()
	orgID := uuid.MustParse(w.org.ID)
	s, err := lead.Load(ctx, w.s.App.DB.Bun, orgID)
	require.NoError(t, err)
	off := 0
	s.FollowUpAfterHours = &off
	_, err = lead.Save(ctx, w.s.App.DB.Bun, orgID, s)
	require.NoError(t, err)
	v := w.s.StartWebChat(w.org)
	w.say(t, v, "Сколько стоит таргет?", "")
	timers := w.timers(t)
	require.Len(t, timers, 1)
	require.Equal(t, pipeline.TimerAbandon, timers[0].args.Purpose)
	require.True(t, leadNow.Add(72*time.Hour).Equal(timers[0].row.ScheduledAt))
}
