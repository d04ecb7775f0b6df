package delivery_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"frontdesk/internal/apptest"
	"frontdesk/internal/config"
	"frontdesk/internal/conversation"
	"frontdesk/internal/delivery"
	"frontdesk/internal/eventlog"
	"frontdesk/jobs"
)

const (
	botToken = "7123456789:AAHtestTOKENtestTOKENtestTOKEN12345"
	// chatID is the Telegram user of the fixtures.
	chatID = "7012345678"
	waID   = "16505550123"
)

// platform is an httptest server that answers like the Bot API or the
// Graph API: each request is recorded, and answer decides the response
// (the platform's documented success by default).
type platform struct {
	*httptest.Server
	mu       sync.Mutex
	requests []recorded
	answer   func(n int, r recorded) (int, []byte)
	// entered receives each request as it arrives, before it is answered.
	entered chan recorded
}

type recorded struct {
	Path string
	Auth string
	Body []byte
	At   time.Time
}

func newPlatform(t *testing.T, success []byte) *platform {
	p := &platform{entered: make(chan recorded, 100)}
	p.answer = func(int, recorded) (int, []byte) { return http.StatusOK, success }
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/getMe") || strings.HasSuffix(r.URL.Path, "/setWebhook") {
			// Connecting a bot checks its token; that is not a delivery.
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"ok":true,"result":{"id":7123456789,"is_bot":true,"first_name":"Shop"}}`))
			return
		}
		body, _ := io.ReadAll(r.Body)
		rec := recorded{Path: r.URL.Path, Auth: r.Header.Get("Authorization"), Body: body, At: time.Now()}
		p.mu.Lock()
		p.requests = append(p.requests, rec)
		n, answer := len(p.requests), p.answer
		p.mu.Unlock()
		p.entered <- rec
		status, resp := answer(n, rec)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write(resp)
	}))
	t.Cleanup(p.Close)
	return p
}

func (p *platform) setAnswer(f func(n int, r recorded) (int, []byte)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.answer = f
}

func (p *platform) recorded() []recorded {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]recorded(nil), p.requests...)
}

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	return b
}

type testBundle struct {
	srv      *apptest.Server
	org      *apptest.Org
	orgID    uuid.UUID
	telegram *platform
	graph    *platform
}

func setup(t *testing.T) *testBundle {
	t.Helper()
	tg := newPlatform(t, fixture(t, "telegram_sendMessage_response.json"))
	graph := newPlatform(t, fixture(t, "whatsapp_send_response.json"))
	srv := apptest.Start(t, func(c *config.Config) {
		c.TelegramAPIURL = tg.URL
		c.MetaGraphURL = graph.URL
	})
	org := srv.SignUp("Shop")
	return &testBundle{srv: srv, org: org, orgID: uuid.MustParse(org.ID), telegram: tg, graph: graph}
}

const connectQuery = `mutation($input: ConnectChannelInput!) { connectChannel(input: $input) { id } }`

// connect connects an account of kind with creds through GraphQL and
// returns its id.
func (b *testBundle) connect(kind, name string, creds map[string]any) uuid.UUID {
	var v struct{ ConnectChannel struct{ ID string } }
	b.srv.MustDo(b.org.OwnerToken, connectQuery, map[string]any{"input": map[string]any{
		"kind": kind, "name": name, strings.ToLower(kind): creds,
	}}, &v)
	return uuid.MustParse(v.ConnectChannel.ID)
}

func (b *testBundle) connectTelegram(*testing.T) uuid.UUID {
	return b.connect("TELEGRAM", "Shop bot", map[string]any{"botToken": botToken})
}

func (b *testBundle) connectWhatsApp(*testing.T) uuid.UUID {
	return b.connect("WHATSAPP", "Shop WhatsApp", map[string]any{
		"phoneNumberId": "106540352242922", "wabaId": "102290129340398",
		"accessToken": "EAAtestACCESStokenTESTtoken0123456789", "appSecret": "test_app_secret_do_not_use", "verifyToken": "verify-token-123",
	})
}

// conversationOn creates a customer with identity externalID on account,
// their conversation, and (when lastInbound is not nil) their message at
// that time.
func (b *testBundle) conversationOn(t *testing.T, account uuid.UUID, externalID string, lastInbound *time.Time) uuid.UUID {
	t.Helper()
	ctx := context.Background()
	db := b.srv.App.DB.Bun
	contact, conv := uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7())
	err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO contacts (id, organization_id, name) VALUES (?, ?, 'Анна')`, contact, b.orgID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO contact_identities (id, organization_id, contact_id, channel_account_id, external_id) VALUES (?, ?, ?, ?, ?)`,
			uuid.Must(uuid.NewV7()), b.orgID, contact, account, externalID); err != nil {
			return err
		}
		var last any
		if lastInbound != nil {
			last = *lastInbound
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO conversations (id, organization_id, channel_account_id, contact_id, last_inbound_at) VALUES (?, ?, ?, ?, ?)`,
			conv, b.orgID, account, contact, last); err != nil {
			return err
		}
		if lastInbound == nil {
			return nil
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO messages (id, organization_id, conversation_id, direction, author, text, external_id, processed_at, created_at)
			VALUES (?, ?, ?, 'IN', 'CONTACT', ?, 'tg:1', now(), ?)`, uuid.Must(uuid.NewV7()), b.orgID, conv, "Сколько стоит?", *lastInbound)
		return err
	})
	require.NoError(t, err)
	return conv
}

// botReply stores a bot message the way the pipeline does; also, when
// given, runs in the same transaction.
func (b *testBundle) botReply(t *testing.T, conv uuid.UUID, text string, buttons []conversation.Button, also func(ctx context.Context, tx bun.Tx, m *conversation.Message) error) uuid.UUID {
	t.Helper()
	var id uuid.UUID
	err := b.srv.App.DB.Bun.RunInTx(context.Background(), nil, func(ctx context.Context, tx bun.Tx) error {
		c, err := conversation.LockConversation(ctx, tx, b.orgID, conv)
		if err != nil {
			return err
		}
		m, ev, err := conversation.InsertBotReply(ctx, tx, b.srv.App.River, c, text, buttons)
		if err != nil {
			return err
		}
		id = m.ID
		if err := eventlog.Append(ctx, tx, ev); err != nil {
			return err
		}
		if also != nil {
			return also(ctx, tx, m)
		}
		return nil
	})
	require.NoError(t, err)
	return id
}

type messageRow struct {
	Status     string  `bun:"delivery_status"`
	ExternalID *string `bun:"external_id"`
}

// waitDelivered waits until the message has left PENDING.
func (b *testBundle) waitDelivered(t *testing.T, msg uuid.UUID) messageRow {
	t.Helper()
	var row messageRow
	require.Eventually(t, func() bool {
		row = b.message(t, msg)
		return row.Status != "PENDING"
	}, 20*time.Second, 20*time.Millisecond)
	return row
}

func (b *testBundle) message(t *testing.T, msg uuid.UUID) messageRow {
	t.Helper()
	var row messageRow
	require.NoError(t, b.srv.App.DB.Bun.NewRaw(`SELECT delivery_status, external_id FROM messages WHERE id = ?`, msg).Scan(context.Background(), &row))
	return row
}

// deliveryEvents returns the payloads of the message's
// MESSAGE_DELIVERY_UPDATED events.
func (b *testBundle) deliveryEvents(t *testing.T, msg uuid.UUID) []map[string]any {
	t.Helper()
	var raw []json.RawMessage
	require.NoError(t, b.srv.App.DB.Bun.NewRaw(`SELECT payload FROM events WHERE message_id = ? AND type = ? ORDER BY id`, msg, eventlog.MessageDeliveryUpdated).
		Scan(context.Background(), &raw))
	var out []map[string]any
	for _, r := range raw {
		var p map[string]any
		require.NoError(t, json.Unmarshal(r, &p))
		out = append(out, p)
	}
	return out
}

// jobState is the state of the message's delivery job.
func (b *testBundle) jobState(t *testing.T, msg uuid.UUID) string {
	t.Helper()
	var state string
	require.NoError(t, b.srv.App.DB.Bun.NewRaw(`SELECT state FROM river_job WHERE kind = 'deliver_message' AND args->>'message_id' = ?`, msg.String()).
		Scan(context.Background(), &state))
	return state
}

func ago(d time.Duration) *time.Time {
	at := time.Now().Add(-d)
	return &at
}

func TestTelegramBotReplyWithButtons(t *testing.T) {
	t.Parallel()
	b := setup(t)
	conv := b.conversationOn(t, b.connectTelegram(t), chatID, ago(time.Minute))

	msg := b.botReply(t, conv, "Чем можем помочь? / How can we help?", []conversation.Button{
		{Title: "Статус заказа", Payload: "order_status:A-10234"},
		{Title: "Сколько стоит?", Payload: "price_info"},
		{Title: "Talk to a human", Payload: "human_agent"},
	}, nil)

	row := b.waitDelivered(t, msg)
	require.Equal(t, "SENT", row.Status)
	require.Equal(t, "514", *row.ExternalID)
	reqs := b.telegram.recorded()
	require.Len(t, reqs, 1)
	require.Equal(t, "/bot"+botToken+"/sendMessage", reqs[0].Path)
	require.JSONEq(t, string(fixture(t, "telegram_sendMessage_inline_keyboard_request.json")), string(reqs[0].Body))
	events := b.deliveryEvents(t, msg)
	require.Len(t, events, 1)
	require.Equal(t, "SENT", events[0]["status"])
	require.Equal(t, []any{"514"}, events[0]["externalIds"])

	// The job is done; running it again, even twice at once, sends nothing.
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			require.NoError(t, b.srv.App.Delivery.Deliver(context.Background(), jobs.DeliverMessageArgs{OrganizationID: b.orgID, MessageID: msg}, delivery.Attempt{}))
		}()
	}
	wg.Wait()
	require.Len(t, b.telegram.recorded(), 1)
}

func TestConcurrentRunsSendOnce(t *testing.T) {
	t.Parallel()
	b := setup(t)
	conv := b.conversationOn(t, b.connectTelegram(t), chatID, ago(time.Minute))
	release := make(chan struct{})
	b.telegram.setAnswer(func(int, recorded) (int, []byte) {
		<-release
		return http.StatusOK, fixture(t, "telegram_sendMessage_response.json")
	})

	msg := b.botReply(t, conv, "Доставка по Москве стоит 350 ₽.", nil, nil)
	select {
	case <-b.telegram.entered: // River's run is sending, and holds the claim
	case <-time.After(20 * time.Second):
		t.Fatal("no send")
	}
	err := b.srv.App.Delivery.Deliver(context.Background(), jobs.DeliverMessageArgs{OrganizationID: b.orgID, MessageID: msg}, delivery.Attempt{})
	var wait *delivery.WaitError
	require.ErrorAs(t, err, &wait)
	require.Greater(t, wait.After, time.Minute)
	close(release)

	require.Equal(t, "SENT", b.waitDelivered(t, msg).Status)
	require.Len(t, b.telegram.recorded(), 1)
}

func TestStaleClaimIsTakenOver(t *testing.T) {
	t.Parallel()
	b := setup(t)
	conv := b.conversationOn(t, b.connectTelegram(t), chatID, ago(time.Minute))
	// A run claimed the message and died before sending: its claim is
	// fresh, so the job waits rather than risk a second send.
	msg := b.botReply(t, conv, "Доставка по Москве стоит 350 ₽.", nil, func(ctx context.Context, tx bun.Tx, m *conversation.Message) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO message_deliveries (message_id, organization_id, claimed_at, attempts) VALUES (?, ?, now(), 1)`, m.ID, m.OrganizationID)
		return err
	})
	args := jobs.DeliverMessageArgs{OrganizationID: b.orgID, MessageID: msg}
	var wait *delivery.WaitError
	require.ErrorAs(t, b.srv.App.Delivery.Deliver(context.Background(), args, delivery.Attempt{}), &wait)
	require.Empty(t, b.telegram.recorded())
	require.Equal(t, "PENDING", b.message(t, msg).Status)

	// Once the claim is older than the claim timeout, the next run sends.
	_, err := b.srv.App.DB.Bun.ExecContext(context.Background(), `UPDATE message_deliveries SET claimed_at = now() - interval '10 minutes' WHERE message_id = ?`, msg)
	require.NoError(t, err)
	if err := b.srv.App.Delivery.Deliver(context.Background(), args, delivery.Attempt{}); err != nil {
		// River's own run of the job may take the stale claim over first;
		// then this run must wait, and exactly one of them sends.
		require.ErrorAs(t, err, &wait)
	}
	require.Equal(t, "SENT", b.waitDelivered(t, msg).Status)
	require.Len(t, b.telegram.recorded(), 1)
	var attempts int
	require.NoError(t, b.srv.App.DB.Bun.NewRaw(`SELECT attempts FROM message_deliveries WHERE message_id = ?`, msg).Scan(context.Background(), &attempts))
	require.Equal(t, 2, attempts)
}

func TestFloodControlWaitsRetryAfter(t *testing.T) {
	t.Parallel()
	b := setup(t)
	account := b.connectTelegram(t)
	conv := b.conversationOn(t, account, chatID, ago(time.Minute))
	var tooMany map[string]any
	require.NoError(t, json.Unmarshal(fixture(t, "telegram_error_429.json"), &tooMany))
	tooMany["parameters"] = map[string]any{"retry_after": 2} // the fixture's 5 s, shortened
	tooMany["description"] = "Too Many Requests: retry after 2"
	body, err := json.Marshal(tooMany)
	require.NoError(t, err)
	b.telegram.setAnswer(func(n int, _ recorded) (int, []byte) {
		if n == 1 {
			return http.StatusTooManyRequests, body
		}
		return http.StatusOK, fixture(t, "telegram_sendMessage_response.json")
	})

	msg := b.botReply(t, conv, "Доставка по Москве стоит 350 ₽.", nil, nil)
	require.Eventually(t, func() bool { return b.message(t, msg).Status == "SENT" }, 30*time.Second, 50*time.Millisecond)
	reqs := b.telegram.recorded()
	require.Len(t, reqs, 2)
	require.GreaterOrEqual(t, reqs[1].At.Sub(reqs[0].At), 2*time.Second)
	require.Len(t, b.deliveryEvents(t, msg), 1)
	var lastError *string
	require.NoError(t, b.srv.App.DB.Bun.NewRaw(`SELECT last_error FROM channel_accounts WHERE id = ?`, account).Scan(context.Background(), &lastError))
	require.NotNil(t, lastError)
	require.Contains(t, *lastError, "429")
}

func TestBlockedBotFailsAndMarksUnreachable(t *testing.T) {
	t.Parallel()
	b := setup(t)
	conv := b.conversationOn(t, b.connectTelegram(t), chatID, ago(time.Minute))
	b.telegram.setAnswer(func(int, recorded) (int, []byte) {
		return http.StatusForbidden, fixture(t, "telegram_error_403_blocked.json")
	})

	msg := b.botReply(t, conv, "Доставка по Москве стоит 350 ₽.", nil, nil)
	require.Equal(t, "FAILED", b.waitDelivered(t, msg).Status)
	require.Eventually(t, func() bool { return b.jobState(t, msg) == "completed" }, 10*time.Second, 20*time.Millisecond, "no retry")
	require.Len(t, b.telegram.recorded(), 1)
	events := b.deliveryEvents(t, msg)
	require.Len(t, events, 1)
	require.Equal(t, "FAILED", events[0]["status"])
	require.Equal(t, delivery.ReasonUnreachable, events[0]["reason"])
	require.EqualValues(t, 403, events[0]["code"])
	var unreachable *time.Time
	require.NoError(t, b.srv.App.DB.Bun.NewRaw(`SELECT unreachable_at FROM contact_identities WHERE external_id = ?`, chatID).Scan(context.Background(), &unreachable))
	require.NotNil(t, unreachable)

	// Until the customer writes again, nothing more is tried.
	next := b.botReply(t, conv, "Вы ещё здесь?", nil, nil)
	require.Equal(t, "FAILED", b.waitDelivered(t, next).Status)
	require.Equal(t, delivery.ReasonUnreachable, b.deliveryEvents(t, next)[0]["reason"])
	require.Len(t, b.telegram.recorded(), 1)
}

func TestBotMessageAfterHandOffIsNotSent(t *testing.T) {
	t.Parallel()
	b := setup(t)
	conv := b.conversationOn(t, b.connectTelegram(t), chatID, ago(time.Minute))

	// Stored a minute before a person took the conversation over.
	msg := b.botReply(t, conv, "Доставка по Москве стоит 350 ₽.", nil, func(ctx context.Context, tx bun.Tx, m *conversation.Message) error {
		if _, err := tx.ExecContext(ctx, `UPDATE messages SET created_at = now() - interval '1 minute' WHERE id = ?`, m.ID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE conversations SET owner = 'HUMAN', handoff_reason = 'agent', handed_off_at = now() WHERE id = ?`, conv)
		return err
	})
	require.Equal(t, "FAILED", b.waitDelivered(t, msg).Status)
	require.Equal(t, delivery.ReasonHandedOff, b.deliveryEvents(t, msg)[0]["reason"])

	// The bot's line in the hand-off's own transaction ("a colleague will
	// answer") still goes out.
	notice := b.botReply(t, conv, "Передаю вас коллеге.", nil, nil)
	require.Equal(t, "SENT", b.waitDelivered(t, notice).Status)
	require.Len(t, b.telegram.recorded(), 1)
}

func TestTelegramNeedsTheCustomerFirst(t *testing.T) {
	t.Parallel()
	b := setup(t)
	conv := b.conversationOn(t, b.connectTelegram(t), chatID, nil)
	msg := b.botReply(t, conv, "Здравствуйте!", nil, nil)
	require.Equal(t, "FAILED", b.waitDelivered(t, msg).Status)
	require.Equal(t, delivery.ReasonNoInbound, b.deliveryEvents(t, msg)[0]["reason"])
	require.Empty(t, b.telegram.recorded())
}

func TestAgentReplyIsDelivered(t *testing.T) {
	t.Parallel()
	b := setup(t)
	conv := b.conversationOn(t, b.connectTelegram(t), chatID, ago(time.Minute))
	var v struct {
		SendAgentMessage struct{ ID string }
	}
	b.srv.MustDo(b.org.OwnerToken, `mutation($c: ID!, $t: String!) { sendAgentMessage(conversationId: $c, text: $t) { id } }`,
		map[string]any{"c": conv, "t": "Доставка по Москве стоит 350 ₽."}, &v)
	msg := uuid.MustParse(v.SendAgentMessage.ID)
	require.Equal(t, "SENT", b.waitDelivered(t, msg).Status)
	reqs := b.telegram.recorded()
	require.Len(t, reqs, 1)
	require.JSONEq(t, `{"chat_id": 7012345678, "text": "Доставка по Москве стоит 350 ₽."}`, string(reqs[0].Body))

	// A web chat reply reaches its reader without the outbox.
	visitor := b.srv.StartWebChat(b.org)
	b.srv.MustDo(b.org.OwnerToken, `mutation($c: ID!, $t: String!) { sendAgentMessage(conversationId: $c, text: $t) { id } }`,
		map[string]any{"c": visitor.ConversationID, "t": "Hello"}, &v)
	require.Equal(t, "SENT", b.message(t, uuid.MustParse(v.SendAgentMessage.ID)).Status)
	var n int
	require.NoError(t, b.srv.App.DB.Bun.NewRaw(`SELECT count(*) FROM river_job WHERE kind = 'deliver_message'`).Scan(context.Background(), &n))
	require.Equal(t, 1, n)
}

func TestWhatsAppWindow(t *testing.T) {
	t.Parallel()
	b := setup(t)
	account := b.connectWhatsApp(t)

	// Inside the window: one Graph call, the documented text message.
	inside := b.conversationOn(t, account, waID, ago(time.Hour))
	msg := b.botReply(t, inside, "Здравствуйте! Доставка по Москве стоит 350 ₽.", nil, nil)
	row := b.waitDelivered(t, msg)
	require.Equal(t, "SENT", row.Status)
	require.Equal(t, "wamid.HBgLMTY1MDU1NTAxMjMVAgARGBJGQTk0QjdDMjE5RTBBMTc3MEEA", *row.ExternalID)
	reqs := b.graph.recorded()
	require.Len(t, reqs, 1)
	require.True(t, strings.HasSuffix(reqs[0].Path, "/106540352242922/messages"), reqs[0].Path)
	require.Equal(t, "Bearer EAAtestACCESStokenTESTtoken0123456789", reqs[0].Auth)
	var got map[string]any
	require.NoError(t, json.Unmarshal(reqs[0].Body, &got))
	require.Equal(t, msg.String(), got["biz_opaque_callback_data"], "our id rides along for reconciliation")
	delete(got, "biz_opaque_callback_data")
	var want map[string]any
	require.NoError(t, json.Unmarshal(fixture(t, "whatsapp_send_text_request.json"), &want))
	want["to"] = waID // the fixture writes the number with +; we send the wa_id WhatsApp gave us
	require.Equal(t, want, got)

	// Outside it, with no template configured: failed for agents to see,
	// and WhatsApp is not called.
	outside := b.conversationOn(t, account, "16505550199", ago(25*time.Hour))
	late := b.botReply(t, outside, "Вы ещё здесь?", nil, nil)
	require.Equal(t, "FAILED", b.waitDelivered(t, late).Status)
	events := b.deliveryEvents(t, late)
	require.Len(t, events, 1)
	require.Equal(t, delivery.ReasonOutsideWindow, events[0]["reason"])
	require.Len(t, b.graph.recorded(), 1)
}
