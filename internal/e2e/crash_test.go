package e2e_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
)

// The settings of the crash tests' processes. River refuses a rescue time
// below its job timeout, one minute, which the app leaves at River's
// default (config's minJobRescueAfter); the delivery and eager timeouts
// are short so that recovery is quick.
const (
	crashRescueAfter   = time.Minute
	crashSendTimeout   = 3 * time.Second
	crashClaimTimeout  = 6 * time.Second
	crashEagerFallback = 5 * time.Second
	// crashLLMTimeout outlasts the held model call, so the held message
	// cannot fall back to the built-in wording before the kill.
	crashLLMTimeout = 20 * time.Second
	crashBotToken   = "7123456789:AAH-crash-test-token-0123456789"
	// settleWithin bounds recovery after the restart: River's leader
	// lease (15 s) must lapse, a job killed mid-run is rescued once it
	// has run crashRescueAfter, at the rescuer's next run (every 30 s).
	settleWithin = crashRescueAfter + 75*time.Second
)

// The chats of a crash test: one answered before the crash, the one the
// crash interrupts, one written after the restart.
const (
	controlChat int64 = 1001
	crashChat   int64 = 1002
	afterChat   int64 = 1003
)

// crashPoint is where the process is killed on the way from an accepted
// inbound message to its delivered reply.
type crashPoint int

const (
	// beforeReply: the webhook was answered 200, the pipeline's
	// transaction (reply included) has not committed: it waits on the
	// language model.
	beforeReply crashPoint = iota
	// beforeSend: the reply is stored and claimed, its sendMessage reached
	// the platform, which never took it.
	beforeSend
	// inSendWindow: the platform took the sendMessage; the process dies
	// before the answer reaches it, so the outcome is never committed.
	// This is the outbox's one documented window: the reply may arrive
	// twice.
	inSendWindow
	// afterCommit: the reply is recorded SENT.
	afterCommit
)

// TestCrashPoints kills a server process (SIGKILL) at each point of an
// accepted Telegram message's way to its delivered reply, restarts it on
// the same database, and checks against the platform's own request counts
// that every accepted message was answered once and every reply delivered
// once; only a kill after the platform took the reply and before our
// commit may deliver it twice.
func TestCrashPoints(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		point crashPoint
		// maxCopies is how often the interrupted reply may reach the platform.
		maxCopies int
	}{
		{name: "before the reply is stored", point: beforeReply, maxCopies: 1},
		{name: "before the send", point: beforeSend, maxCopies: 1},
		{name: "after the send before the commit", point: inSendWindow, maxCopies: 2},
		{name: "after the commit", point: afterCommit, maxCopies: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := setupCrash(t)

			// A message answered in full before the crash: its reply is
			// what every other chat must get.
			b.say(controlChat, "Hello")
			b.waitSettled(30*time.Second, controlChat)
			control := b.chat(controlChat)
			require.Len(t, control.replies, 1, "one reply to the control message: %+v", control)
			want := control.replies[0].text

			// The crash.
			switch tc.point {
			case beforeReply:
				held := b.model.holdNext()
				b.say(crashChat, "Hello")
				held.wait(t, 10*time.Second, "the pipeline's model call")
				b.srv.kill()
				held.release()
				c := b.chat(crashChat)
				require.Equal(t, 1, c.inbound, "the accepted message is stored")
				require.Zero(t, c.processed, "not processed before the kill")
				require.Empty(t, c.replies, "no reply stored before the kill")
				t.Logf("killed with the message's job %s", b.jobStates("process_message"))
			case beforeSend, inSendWindow:
				held := b.tg.holdNext(crashChat, tc.point == inSendWindow)
				b.say(crashChat, "Hello")
				held.wait(t, 15*time.Second, "the reply's sendMessage")
				b.srv.kill()
				held.release()
				c := b.chat(crashChat)
				require.Len(t, c.replies, 1, "the reply is stored: %+v", c)
				require.Equal(t, "PENDING", c.replies[0].status)
				require.True(t, c.replies[0].claimed, "the reply was claimed for its send")
				accepted := 0
				if tc.point == inSendWindow {
					accepted = 1
				}
				require.Equal(t, accepted, b.tg.count(crashChat, want), "sendMessage the platform took before the kill")
			case afterCommit:
				b.say(crashChat, "Hello")
				b.waitFor(15*time.Second, "the reply recorded SENT", func() bool {
					c := b.chat(crashChat)
					return len(c.replies) == 1 && c.replies[0].status == "SENT"
				})
				b.srv.kill()
				require.Equal(t, 1, b.tg.count(crashChat, want))
				t.Logf("killed with the reply's job %s", b.jobStates("deliver_message"))
			}

			// The restart, on the same database and settings.
			restarted := time.Now()
			b.srv = startServer(t, "restarted", b.env)
			ready := b.srv.waitReady(30 * time.Second)
			b.say(afterChat, "Hello")
			b.waitFor(settleWithin, "the interrupted reply delivered", func() bool {
				c := b.chat(crashChat)
				return len(c.replies) == 1 && c.replies[0].status == "SENT" && b.tg.count(crashChat, want) > 0
			})
			recovered := time.Since(restarted)
			b.waitSettled(settleWithin, controlChat, crashChat, afterChat)
			settled := time.Since(restarted)

			// Every accepted message was processed once, with one reply,
			// recorded SENT.
			for _, chat := range []int64{controlChat, crashChat, afterChat} {
				c := b.chat(chat)
				require.Equal(t, 1, c.inbound, "chat %d: inbound messages", chat)
				require.Equal(t, 1, c.processed, "chat %d: processed", chat)
				require.Len(t, c.replies, 1, "chat %d: one reply per inbound message: %+v", chat, c)
				require.Equal(t, want, c.replies[0].text, "chat %d", chat)
				require.Equal(t, "SENT", c.replies[0].status, "chat %d", chat)
			}
			require.Zero(t, count(t, b.db, `SELECT count(*) FROM river_job WHERE kind IN ('process_message', 'deliver_message') AND state = 'discarded'`), "discarded jobs")

			// Every reply reached the platform once; the interrupted one at
			// most maxCopies times; nothing else was sent.
			copies := b.tg.count(crashChat, want)
			require.Equal(t, map[int64]map[string]int{
				controlChat: {want: 1}, crashChat: {want: copies}, afterChat: {want: 1},
			}, b.tg.snapshot(), "sendMessage requests the platform took, by chat and text")
			require.GreaterOrEqual(t, copies, 1)
			require.LessOrEqual(t, copies, tc.maxCopies, "the interrupted reply reached the customer %d times", copies)
			t.Logf("restart: ready in %v; interrupted reply delivered %v after the restart; all settled (jobs finished) after %v; "+
				"platform took the interrupted reply %d time(s), %d sendMessage requests in all; delivery attempts of the interrupted reply: %d",
				ready.Round(time.Millisecond), recovered.Round(time.Millisecond), settled.Round(time.Millisecond),
				copies, b.tg.requests(), b.chat(crashChat).replies[0].attempts)
		})
	}
}

// crashBundle is one crash test's world: its database, the fake platform
// and model, the server process (replaced on restart) and the connected
// Telegram bot.
type crashBundle struct {
	t     *testing.T
	db    *pgx.Conn
	env   settings
	srv   *server
	tg    *botAPI
	model *heldModel
	// account is the Telegram account's id, hook its webhook path.
	account string
	hook    string
	update  int
}

func setupCrash(t *testing.T) *crashBundle {
	t.Helper()
	_, url := newDatabase(t)
	b := &crashBundle{t: t, tg: newBotAPI(t), model: newHeldModel(t), update: 500000}
	b.env = baseSettings(t, url).with(
		// Telegram sets webhooks on https URLs only; the test posts to
		// the process's own address.
		"FRONTDESK_PUBLIC_URL", "https://frontdesk.example",
		"FRONTDESK_TELEGRAM_API_URL", b.tg.URL,
		"FRONTDESK_LLM_BASE_URL", b.model.URL+"/v1",
		"FRONTDESK_LLM_MODEL", "crash-test",
		"FRONTDESK_LLM_TIMEOUT", crashLLMTimeout.String(),
		"FRONTDESK_JOB_RESCUE_AFTER", crashRescueAfter.String(),
		"FRONTDESK_DELIVERY_SEND_TIMEOUT", crashSendTimeout.String(),
		"FRONTDESK_DELIVERY_CLAIM_TIMEOUT", crashClaimTimeout.String(),
		"FRONTDESK_EAGER_FALLBACK", crashEagerFallback.String(),
	)
	b.srv = startServer(t, "first", b.env)
	b.srv.waitReady(30 * time.Second)
	b.db = connect(t, url)

	var out struct {
		ConnectChannel struct{ ID, WebhookURL, Status string }
	}
	b.srv.query(b.srv.token(), `mutation($i: ConnectChannelInput!) { connectChannel(input: $i) { id webhookUrl status } }`,
		map[string]any{"i": map[string]any{"kind": "TELEGRAM", "name": "Crash bot", "telegram": map[string]any{"botToken": crashBotToken}}}, &out)
	require.Equal(t, "ACTIVE", out.ConnectChannel.Status, "the bot connects: getMe and setWebhook answered")
	i := strings.Index(out.ConnectChannel.WebhookURL, "/webhooks/")
	require.GreaterOrEqual(t, i, 0, "webhook URL %q", out.ConnectChannel.WebhookURL)
	b.account, b.hook = out.ConnectChannel.ID, out.ConnectChannel.WebhookURL[i:]
	require.NotEmpty(t, b.tg.webhookSecret(), "setWebhook carried the webhook's secret")
	return b
}

// say posts a Telegram update with a customer's text message in chat (a
// private chat: the customer's id is the chat's) to the current process,
// and requires 200: the message is accepted.
func (b *crashBundle) say(chat int64, text string) {
	b.t.Helper()
	b.update++
	body := fmt.Sprintf(`{"update_id": %d, "message": {"message_id": %d, "from": {"id": %d, "is_bot": false, "first_name": "Crash", "language_code": "en"}, "chat": {"id": %d, "type": "private"}, "date": %d, "text": %q}}`,
		b.update, b.update, chat, chat, time.Now().Unix(), text)
	req, err := http.NewRequest(http.MethodPost, "http://"+b.srv.addr+b.hook, strings.NewReader(body))
	require.NoError(b.t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Telegram-Bot-Api-Secret-Token", b.tg.webhookSecret())
	res, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	require.NoError(b.t, err, "post the webhook")
	raw, _ := io.ReadAll(res.Body)
	res.Body.Close()
	require.Equal(b.t, http.StatusOK, res.StatusCode, "webhook: %s", raw)
}

// chatState is what the database holds for one customer chat.
type chatState struct {
	inbound, processed int
	replies            []storedReply
}

type storedReply struct {
	text, status string
	claimed      bool
	attempts     int
}

func (b *crashBundle) chat(chat int64) chatState {
	b.t.Helper()
	rows, err := b.db.Query(context.Background(), `SELECT m.direction, m.author, m.text, m.delivery_status, m.processed_at IS NOT NULL,
			d.claimed_at IS NOT NULL, coalesce(d.attempts, 0)
		FROM contact_identities ci
		JOIN conversations c ON c.contact_id = ci.contact_id AND c.channel_account_id = ci.channel_account_id
		JOIN messages m ON m.conversation_id = c.id
		LEFT JOIN message_deliveries d ON d.message_id = m.id
		WHERE ci.channel_account_id = $1 AND ci.external_id = $2
		ORDER BY m.id`, b.account, fmt.Sprint(chat))
	require.NoError(b.t, err)
	defer rows.Close()
	var s chatState
	for rows.Next() {
		var dir, author string
		var r storedReply
		var processed bool
		require.NoError(b.t, rows.Scan(&dir, &author, &r.text, &r.status, &processed, &r.claimed, &r.attempts))
		switch {
		case dir == "IN":
			s.inbound++
			if processed {
				s.processed++
			}
		case author == "BOT":
			s.replies = append(s.replies, r)
		}
	}
	require.NoError(b.t, rows.Err())
	return s
}

// jobStates describes the River jobs of kind by state.
func (b *crashBundle) jobStates(kind string) string {
	b.t.Helper()
	rows, err := b.db.Query(context.Background(), `SELECT state::text, count(*) FROM river_job WHERE kind = $1 GROUP BY 1 ORDER BY 1`, kind)
	require.NoError(b.t, err)
	states, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (string, error) {
		var state string
		var n int
		err := r.Scan(&state, &n)
		return fmt.Sprintf("%s: %d", state, n), err
	})
	require.NoError(b.t, err)
	return kind + " {" + strings.Join(states, ", ") + "}"
}

// waitSettled waits until every message of chats is processed, every bot
// reply is SENT, and no pipeline or delivery job is left to run: nothing
// can still reach the platform.
func (b *crashBundle) waitSettled(limit time.Duration, chats ...int64) {
	b.t.Helper()
	b.waitFor(limit, "every message answered and every job finished", func() bool {
		for _, chat := range chats {
			c := b.chat(chat)
			if c.inbound == 0 || c.processed < c.inbound || len(c.replies) == 0 {
				return false
			}
			for _, r := range c.replies {
				if r.status != "SENT" {
					return false
				}
			}
		}
		return count(b.t, b.db, `SELECT count(*) FROM river_job WHERE kind IN ('process_message', 'deliver_message')
			AND state NOT IN ('completed', 'cancelled', 'discarded')`) == 0
	})
}

// waitFor polls cond until it holds, failing the test after limit. The
// conditions are in the database or in another process, which signal
// nothing.
func (b *crashBundle) waitFor(limit time.Duration, what string, cond func() bool) {
	b.t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			b.t.Fatalf("%s: not within %v (%s, %s; platform took %v)", what, limit,
				b.jobStates("process_message"), b.jobStates("deliver_message"), b.tg.snapshot())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// hold is a request the test holds until it releases it.
type hold struct {
	arrived chan struct{}
	done    chan struct{}
	once    sync.Once
}

func newHold() *hold { return &hold{arrived: make(chan struct{}), done: make(chan struct{})} }

// wait waits for the held request to arrive.
func (h *hold) wait(t *testing.T, limit time.Duration, what string) {
	t.Helper()
	select {
	case <-h.arrived:
	case <-time.After(limit):
		t.Fatalf("%s did not arrive within %v", what, limit)
	}
}

// release lets the held request's handler return.
func (h *hold) release() { h.once.Do(func() { close(h.done) }) }

// block holds the request until it is released, its client goes away, or
// the test ends.
func (h *hold) block(r *http.Request, ended <-chan struct{}) {
	close(h.arrived)
	select {
	case <-h.done:
	case <-r.Context().Done():
	case <-ended:
	}
}

// botAPI is a fake Telegram Bot API: it counts every sendMessage it takes,
// by chat and text, and can hold the next one to a chat, taken or not.
type botAPI struct {
	*httptest.Server
	t     *testing.T
	ended chan struct{}

	mu     sync.Mutex
	secret string
	sent   map[int64]map[string]int
	total  int
	nextID int64
	holds  map[int64]*heldSend
}

type heldSend struct {
	*hold
	// taken: the platform takes the message (counts it, it reaches the
	// customer) and then withholds its answer.
	taken bool
}

func newBotAPI(t *testing.T) *botAPI {
	f := &botAPI{t: t, ended: make(chan struct{}), sent: map[int64]map[string]int{}, holds: map[int64]*heldSend{}, nextID: 9000}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	// Cleanups run last-registered first: held handlers return, then the
	// server closes.
	t.Cleanup(f.Close)
	t.Cleanup(func() { close(f.ended) })
	return f
}

func (f *botAPI) serve(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	if !strings.HasPrefix(r.URL.Path, "/bot"+crashBotToken+"/") {
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(`{"ok":false,"error_code":401,"description":"Unauthorized"}`))
		return
	}
	var body struct {
		ChatID      int64  `json:"chat_id"`
		Text        string `json:"text"`
		SecretToken string `json:"secret_token"`
	}
	_ = json.NewDecoder(r.Body).Decode(&body)
	switch method := r.URL.Path[strings.LastIndexByte(r.URL.Path, '/')+1:]; method {
	case "getMe":
		_, _ = w.Write([]byte(`{"ok":true,"result":{"id":7123456789,"is_bot":true,"first_name":"Crash"}}`))
	case "setWebhook":
		f.mu.Lock()
		f.secret = body.SecretToken
		f.mu.Unlock()
		_, _ = w.Write([]byte(`{"ok":true,"result":true}`))
	case "sendMessage":
		f.mu.Lock()
		h := f.holds[body.ChatID]
		delete(f.holds, body.ChatID)
		taken := h == nil || h.taken
		if taken {
			if f.sent[body.ChatID] == nil {
				f.sent[body.ChatID] = map[string]int{}
			}
			f.sent[body.ChatID][body.Text]++
			f.total++
		}
		f.nextID++
		id := f.nextID
		f.mu.Unlock()
		if h != nil {
			h.block(r, f.ended)
			if !taken {
				w.WriteHeader(http.StatusBadGateway)
				_, _ = w.Write([]byte(`{"ok":false,"error_code":502,"description":"Bad Gateway"}`))
				return
			}
		}
		fmt.Fprintf(w, `{"ok":true,"result":{"message_id":%d,"date":%d,"chat":{"id":%d,"type":"private"},"text":"ok"}}`, id, time.Now().Unix(), body.ChatID)
	default:
		f.t.Errorf("unexpected Bot API call %s", method)
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"ok":false,"error_code":404,"description":"Not Found"}`))
	}
}

// holdNext holds the next sendMessage to chat until released; taken says
// whether the platform takes it first.
func (f *botAPI) holdNext(chat int64, taken bool) *heldSend {
	h := &heldSend{hold: newHold(), taken: taken}
	f.mu.Lock()
	f.holds[chat] = h
	f.mu.Unlock()
	f.t.Cleanup(h.release)
	return h
}

func (f *botAPI) webhookSecret() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.secret
}

// count is how many sendMessage of text to chat the platform took.
func (f *botAPI) count(chat int64, text string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.sent[chat][text]
}

// requests is how many sendMessage the platform took in all.
func (f *botAPI) requests() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.total
}

// snapshot is a copy of the counts by chat and text.
func (f *botAPI) snapshot() map[int64]map[string]int {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make(map[int64]map[string]int, len(f.sent))
	for chat, texts := range f.sent {
		out[chat] = make(map[string]int, len(texts))
		for text, n := range texts {
			out[chat][text] = n
		}
	}
	return out
}

// heldModel is an OpenAI-compatible endpoint that fails every call at once
// (so the built-in wording stands), except one the test holds.
type heldModel struct {
	*httptest.Server
	ended chan struct{}
	mu    sync.Mutex
	next  *hold
}

func newHeldModel(t *testing.T) *heldModel {
	m := &heldModel{ended: make(chan struct{})}
	m.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m.mu.Lock()
		h := m.next
		m.next = nil
		m.mu.Unlock()
		if h != nil {
			h.block(r, m.ended)
		}
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte(`{"error":{"message":"unavailable","type":"server_error"}}`))
	}))
	t.Cleanup(m.Close)
	t.Cleanup(func() { close(m.ended) })
	return m
}

// holdNext holds the model's next call until released.
func (m *heldModel) holdNext() *hold {
	h := newHold()
	m.mu.Lock()
	m.next = h
	m.mu.Unlock()
	return h
}
