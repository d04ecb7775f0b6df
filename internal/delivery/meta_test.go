package delivery_test

import (
	"context"
	"encoding/json"
	"fmt"
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
	"frontdesk/internal/channel"
	"frontdesk/internal/channel/wire"
	"frontdesk/internal/config"
	"frontdesk/internal/conversation"
	"frontdesk/internal/delivery"
	"frontdesk/internal/eventlog"
	"frontdesk/jobs"
)

// metaFixtures are the meta adapter's copies of shared/fixtures/channels.
const metaFixtures = "../channel/meta/testdata"

// The accounts' ids at Meta, as the helpers below connect them, and the
// directory of their platform's fixtures.
const (
	waPhoneNumberID = "106540352242922" // connectWhatsApp's
	pageID          = "100200300400500"
	igAccountID     = "17841400000000001"
)

var fixtureDir = map[string]string{waPhoneNumberID: "whatsapp", pageID: "messenger", igAccountID: "instagram"}

func metaFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(metaFixtures, name))
	require.NoError(t, err)
	return b
}

func metaFixtureJSON(t *testing.T, name string) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(metaFixture(t, name), &m))
	return m
}

// graphAPI is a fake Graph API send endpoint. Each account answers with
// its platform's documented success (a new message id each time) unless
// a test queued another answer for it.
type graphAPI struct {
	*httptest.Server
	t        *testing.T
	mu       sync.Mutex
	requests []graphRequest
	queued   map[string][]graphAnswer
}

type graphRequest struct {
	Account string // the id in /<version>/<id>/messages
	Auth    string
	Body    map[string]any
	At      time.Time
	// ID is the message id answered, if the send succeeded.
	ID string
}

// graphAnswer is one queued answer; a zero status is the documented
// success. When wait is set the answer waits for it to close.
type graphAnswer struct {
	status int
	header map[string]string
	body   []byte
	wait   <-chan struct{}
}

func newGraphAPI(t *testing.T) *graphAPI {
	g := &graphAPI{t: t, queued: map[string][]graphAnswer{}}
	g.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		parts := strings.Split(r.URL.Path, "/")
		raw, _ := io.ReadAll(r.Body)
		req := graphRequest{Auth: r.Header.Get("Authorization"), At: time.Now()}
		if len(parts) == 4 && parts[3] == "messages" {
			req.Account = parts[2]
		}
		if err := json.Unmarshal(raw, &req.Body); err != nil || r.Method != http.MethodPost || fixtureDir[req.Account] == "" {
			t.Errorf("unexpected Graph request %s %s: %s", r.Method, r.URL.Path, raw)
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		g.mu.Lock()
		var a graphAnswer
		if q := g.queued[req.Account]; len(q) > 0 {
			a, g.queued[req.Account] = q[0], q[1:]
		}
		if a.status == 0 {
			var ok graphAnswer
			req.ID, ok = g.success(req)
			a.status, a.body = ok.status, ok.body
		}
		g.requests = append(g.requests, req)
		g.mu.Unlock()
		if a.wait != nil {
			<-a.wait
		}
		for k, v := range a.header {
			w.Header().Set(k, v)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(a.status)
		_, _ = w.Write(a.body)
	}))
	t.Cleanup(g.Close)
	return g
}

// success is the platform's send_response.json with a new message id.
// Called with g.mu held.
func (g *graphAPI) success(req graphRequest) (string, graphAnswer) {
	dir := fixtureDir[req.Account]
	resp := metaFixtureJSON(g.t, dir+"/send_response.json")
	var id string
	if dir == "whatsapp" {
		id = fmt.Sprintf("wamid.TEST%04d", len(g.requests)+1)
		resp["messages"].([]any)[0].(map[string]any)["id"] = id
	} else {
		id = fmt.Sprintf("m_TEST%04d", len(g.requests)+1)
		resp["message_id"] = id
		resp["recipient_id"] = req.Body["recipient"].(map[string]any)["id"]
	}
	body, _ := json.Marshal(resp)
	return id, graphAnswer{status: http.StatusOK, body: body}
}

// queue makes the account's next sends answer a, in order.
func (g *graphAPI) queue(account string, a ...graphAnswer) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.queued[account] = append(g.queued[account], a...)
}

// sends are the requests from account to recipient (a WhatsApp "to", a
// Messenger or Instagram "recipient.id"), in order.
func (g *graphAPI) sends(account, recipient string) []graphRequest {
	g.mu.Lock()
	defer g.mu.Unlock()
	var out []graphRequest
	for _, r := range g.requests {
		to, _ := r.Body["to"].(string)
		if rcpt, ok := r.Body["recipient"].(map[string]any); ok {
			to, _ = rcpt["id"].(string)
		}
		if r.Account == account && to == recipient {
			out = append(out, r)
		}
	}
	return out
}

// setupMeta is setup with a graphAPI as the Graph host.
func setupMeta(t *testing.T) (*testBundle, *graphAPI) {
	t.Helper()
	graph := newGraphAPI(t)
	srv := apptest.Start(t, func(c *config.Config) { c.MetaGraphURL = graph.URL })
	org := srv.SignUp("Shop")
	return &testBundle{srv: srv, org: org, orgID: uuid.MustParse(org.ID)}, graph
}

func (b *testBundle) connectMessenger(*testing.T) uuid.UUID {
	return b.connect("MESSENGER", "Shop page", map[string]any{
		"pageId": pageID, "pageToken": "EAAtestPAGEtokenTESTtoken0123456789",
		"appSecret": "test_app_secret_do_not_use", "verifyToken": "verify-token-123",
	})
}

func (b *testBundle) connectInstagram(*testing.T) uuid.UUID {
	return b.connect("INSTAGRAM", "Shop Instagram", map[string]any{
		"accountId": igAccountID, "accessToken": "IGQVtestACCESStokenTESTtoken0123456789",
		"appSecret": "test_app_secret_do_not_use", "verifyToken": "verify-token-123",
	})
}

// agentReply sends text as the owner, the way the inbox does.
func (b *testBundle) agentReply(t *testing.T, conv uuid.UUID, text string) uuid.UUID {
	t.Helper()
	var v struct{ SendAgentMessage struct{ ID string } }
	b.srv.MustDo(b.org.OwnerToken, `mutation($c: ID!, $t: String!) { sendAgentMessage(conversationId: $c, text: $t) { id } }`,
		map[string]any{"c": conv, "t": text}, &v)
	return uuid.MustParse(v.SendAgentMessage.ID)
}

// lastInbound moves the customer's last message back in time.
func (b *testBundle) lastInbound(t *testing.T, conv uuid.UUID, ago time.Duration) {
	t.Helper()
	_, err := b.srv.App.DB.Bun.ExecContext(context.Background(), `UPDATE conversations SET last_inbound_at = now() - make_interval(secs => ?) WHERE id = ?`,
		ago.Seconds(), conv)
	require.NoError(t, err)
}

// deliveryRow is the message's message_deliveries row.
func (b *testBundle) deliveryRow(t *testing.T, msg uuid.UUID) (reason string, code int, platformIDs []string) {
	t.Helper()
	var ids string
	require.NoError(t, b.srv.App.DB.Bun.NewRaw(`SELECT coalesce(error_reason, ''), coalesce(error_code, 0), array_to_string(platform_ids, ',')
		FROM message_deliveries WHERE message_id = ?`, msg).Scan(context.Background(), &reason, &code, &ids))
	if ids != "" {
		platformIDs = strings.Split(ids, ",")
	}
	return reason, code, platformIDs
}

// job is how River ran the message's delivery job: its errors so far and
// how often it was snoozed.
func (b *testBundle) job(t *testing.T, msg uuid.UUID) (state string, errs, snoozes int) {
	t.Helper()
	require.NoError(t, b.srv.App.DB.Bun.NewRaw(`SELECT state, coalesce(array_length(errors, 1), 0), coalesce((metadata->>'snoozes')::int, 0)
		FROM river_job WHERE kind = 'deliver_message' AND args->>'message_id' = ?`, msg.String()).Scan(context.Background(), &state, &errs, &snoozes))
	return state, errs, snoozes
}

// accountError is the account's recorded last error, "" for none.
func (b *testBundle) accountError(t *testing.T, account uuid.UUID) string {
	t.Helper()
	var s string
	require.NoError(t, b.srv.App.DB.Bun.NewRaw(`SELECT coalesce(last_error, '') FROM channel_accounts WHERE id = ?`, account).Scan(context.Background(), &s))
	return s
}

// withoutMetadata checks that a Messenger request carries our message id
// as message.metadata (which Meta echoes back) and removes it, so the rest
// compares with a fixture. Instagram sends carry none.
func withoutMetadata(t *testing.T, dir string, body map[string]any, msg uuid.UUID) map[string]any {
	t.Helper()
	m := body["message"].(map[string]any)
	if dir == "messenger" {
		require.Equal(t, msg.String(), m["metadata"], "our id rides along as metadata")
		delete(m, "metadata")
	} else {
		require.NotContains(t, m, "metadata")
	}
	return body
}

// Messenger and Instagram: texts and quick replies as documented inside
// the 24-hour window; after it, a person's reply goes out tagged
// HUMAN_AGENT for 7 days and the bot's does not go out at all.
func TestMessengerAndInstagramDelivery(t *testing.T) {
	t.Parallel()
	b, graph := setupMeta(t)
	accounts := map[string]uuid.UUID{"messenger": b.connectMessenger(t), "instagram": b.connectInstagram(t)}
	for dir, id := range map[string]string{"messenger": pageID, "instagram": igAccountID} {
		t.Run(dir, func(t *testing.T) {
			t.Parallel()
			text := metaFixtureJSON(t, dir+"/send_text_request.json")
			customer := text["recipient"].(map[string]any)["id"].(string)
			conv := b.conversationOn(t, accounts[dir], customer, ago(time.Hour))
			sent := func(n int) []graphRequest {
				t.Helper()
				reqs := graph.sends(id, customer)
				require.Len(t, reqs, n)
				return reqs
			}

			// A text inside the window.
			msg := b.botReply(t, conv, text["message"].(map[string]any)["text"].(string), nil, nil)
			row := b.waitDelivered(t, msg)
			require.Equal(t, "SENT", row.Status)
			reqs := sent(1)
			require.Equal(t, reqs[0].ID, *row.ExternalID)
			require.True(t, strings.HasPrefix(reqs[0].Auth, "Bearer "))
			require.Equal(t, text, withoutMetadata(t, dir, reqs[0].Body, msg))

			// Buttons become quick replies.
			want := metaFixtureJSON(t, dir+"/send_quick_replies_request.json")
			var buttons []conversation.Button
			for _, q := range want["message"].(map[string]any)["quick_replies"].([]any) {
				q := q.(map[string]any)
				buttons = append(buttons, conversation.Button{Title: q["title"].(string), Payload: q["payload"].(string)})
			}
			msg = b.botReply(t, conv, want["message"].(map[string]any)["text"].(string), buttons, nil)
			require.Equal(t, "SENT", b.waitDelivered(t, msg).Status)
			require.Equal(t, want, withoutMetadata(t, dir, sent(2)[1].Body, msg))

			// A day later the bot may not write; nothing is sent.
			b.lastInbound(t, conv, 25*time.Hour)
			msg = b.botReply(t, conv, "Вы ещё здесь?", nil, nil)
			require.Equal(t, "FAILED", b.waitDelivered(t, msg).Status)
			require.Equal(t, delivery.ReasonOutsideWindow, b.deliveryEvents(t, msg)[0]["reason"])
			sent(2)

			// Three days later a person may, tagged HUMAN_AGENT.
			b.lastInbound(t, conv, 3*24*time.Hour)
			want = metaFixtureJSON(t, dir+"/send_human_agent_request.json")
			require.Equal(t, customer, want["recipient"].(map[string]any)["id"], "the fixtures share their customer")
			msg = b.agentReply(t, conv, want["message"].(map[string]any)["text"].(string))
			require.Equal(t, "SENT", b.waitDelivered(t, msg).Status)
			require.Equal(t, want, withoutMetadata(t, dir, sent(3)[2].Body, msg))
			events := b.deliveryEvents(t, msg)
			require.Len(t, events, 1)
			require.Equal(t, true, events[0]["humanAgent"])

			// After 7 days nobody may; nothing is sent.
			b.lastInbound(t, conv, 8*24*time.Hour)
			msg = b.agentReply(t, conv, "Мы всё ещё можем помочь.")
			require.Equal(t, "FAILED", b.waitDelivered(t, msg).Status)
			require.Equal(t, delivery.ReasonOutsideWindow, b.deliveryEvents(t, msg)[0]["reason"])
			sent(3)

			// Meta may close the window before our clock says so: its
			// "outside of allowed window" turns a person's reply into a
			// HUMAN_AGENT one at once.
			b.lastInbound(t, conv, 23*time.Hour)
			graph.queue(id, graphAnswer{status: http.StatusBadRequest, body: metaFixture(t, dir+"/error_outside_window.json")})
			msg = b.agentReply(t, conv, "Заказ #A-10234 будет у вас завтра.")
			row = b.waitDelivered(t, msg)
			require.Equal(t, "SENT", row.Status)
			reqs = sent(5)
			require.NotContains(t, reqs[3].Body, "tag")
			require.Equal(t, "MESSAGE_TAG", reqs[4].Body["messaging_type"])
			require.Equal(t, "HUMAN_AGENT", reqs[4].Body["tag"])
			require.Equal(t, reqs[4].ID, *row.ExternalID)
			require.Equal(t, true, b.deliveryEvents(t, msg)[0]["humanAgent"])
			require.Empty(t, b.accountError(t, accounts[dir]), "a closed window is about one customer, not the account")
		})
	}
}

// Messenger's 551 "This person isn't available right now" fails the
// message at once and marks the customer unreachable.
func TestMessengerUserUnavailable(t *testing.T) {
	t.Parallel()
	b, graph := setupMeta(t)
	account := b.connectMessenger(t)
	const psid = "6543210987654321"
	conv := b.conversationOn(t, account, psid, ago(time.Minute))
	graph.queue(pageID, graphAnswer{status: http.StatusBadRequest, body: metaFixture(t, "messenger/error_user_unavailable.json")})

	msg := b.botReply(t, conv, "Ваш заказ #A-10234 передан в доставку.", nil, nil)
	require.Equal(t, "FAILED", b.waitDelivered(t, msg).Status)
	require.Eventually(t, func() bool { return b.jobState(t, msg) == "completed" }, 10*time.Second, 20*time.Millisecond, "no retry")
	require.Len(t, graph.sends(pageID, psid), 1)
	events := b.deliveryEvents(t, msg)
	require.Len(t, events, 1)
	require.Equal(t, delivery.ReasonUnreachable, events[0]["reason"])
	require.EqualValues(t, 551, events[0]["code"])
	reason, code, _ := b.deliveryRow(t, msg)
	require.Equal(t, delivery.ReasonUnreachable, reason)
	require.Equal(t, 551, code)
	var unreachable *time.Time
	require.NoError(t, b.srv.App.DB.Bun.NewRaw(`SELECT unreachable_at FROM contact_identities WHERE external_id = ?`, psid).Scan(context.Background(), &unreachable))
	require.NotNil(t, unreachable)
	require.Empty(t, b.accountError(t, account), "one unreachable customer says nothing about the account")
}

// Meta's rate limits are retried until the message goes out: with River's
// backoff, or after the Retry-After the platform gave.
func TestMetaRateLimitIsRetried(t *testing.T) {
	t.Parallel()
	b, graph := setupMeta(t)
	for _, tc := range []struct {
		name      string
		account   string
		connect   func(*testing.T) uuid.UUID
		recipient string
		answer    graphAnswer
		code      string
	}{
		{
			name: "messenger 613", account: pageID, connect: b.connectMessenger, recipient: "6543210987654321", code: "613",
			answer: graphAnswer{status: http.StatusBadRequest, body: metaFixture(t, "messenger/error_rate_limit.json")},
		},
		{
			name: "whatsapp 130429 with Retry-After", account: waPhoneNumberID, connect: b.connectWhatsApp, recipient: waID, code: "130429",
			answer: graphAnswer{status: http.StatusTooManyRequests, header: map[string]string{"Retry-After": "2"}, body: metaFixture(t, "whatsapp/error_rate_limit.json")},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			account := tc.connect(t)
			conv := b.conversationOn(t, account, tc.recipient, ago(time.Minute))
			graph.queue(tc.account, tc.answer)

			msg := b.botReply(t, conv, "Доставка по Москве стоит 350 ₽.", nil, nil)
			row := b.waitDelivered(t, msg)
			require.Equal(t, "SENT", row.Status)
			reqs := graph.sends(tc.account, tc.recipient)
			require.Len(t, reqs, 2)
			require.Equal(t, reqs[0].Body, reqs[1].Body, "the same message again")
			require.Equal(t, reqs[1].ID, *row.ExternalID)
			events := b.deliveryEvents(t, msg)
			require.Len(t, events, 1, "one outcome")
			require.Equal(t, "SENT", events[0]["status"])
			require.Contains(t, b.accountError(t, account), tc.code, "the account shows it was throttled")
			_, errs, snoozes := b.job(t, msg)
			if after := tc.answer.header["Retry-After"]; after != "" {
				require.GreaterOrEqual(t, reqs[1].At.Sub(reqs[0].At), 2*time.Second)
				require.Equal(t, 1, snoozes, "waiting as told uses up no attempt")
				require.Zero(t, errs)
			} else {
				require.Equal(t, 1, errs, "retried with River's backoff")
				require.Zero(t, snoozes)
			}
		})
	}
}

// WhatsApp's 131047 inside our window: the account's re-engagement
// template goes out instead; without one the message fails for agents to
// see.
func TestWhatsAppReengagement(t *testing.T) {
	t.Parallel()
	b, graph := setupMeta(t)
	account := b.connectWhatsApp(t)
	reengage := func() {
		graph.queue(waPhoneNumberID, graphAnswer{status: http.StatusBadRequest, body: metaFixture(t, "whatsapp/error_reengagement_131047.json")})
	}

	// No template: failed, visibly, after the one request.
	textReq := metaFixtureJSON(t, "whatsapp/send_text_request.json")
	text := textReq["text"].(map[string]any)["body"].(string)
	conv := b.conversationOn(t, account, waID, ago(time.Hour))
	reengage()
	msg := b.botReply(t, conv, text, nil, nil)
	require.Equal(t, "FAILED", b.waitDelivered(t, msg).Status)
	require.Eventually(t, func() bool { return b.jobState(t, msg) == "completed" }, 10*time.Second, 20*time.Millisecond, "no retry")
	reqs := graph.sends(waPhoneNumberID, waID)
	require.Len(t, reqs, 1)
	require.Equal(t, msg.String(), reqs[0].Body["biz_opaque_callback_data"])
	delete(reqs[0].Body, "biz_opaque_callback_data")
	textReq["to"] = waID
	require.Equal(t, textReq, reqs[0].Body)
	events := b.deliveryEvents(t, msg)
	require.Len(t, events, 1)
	require.Equal(t, "FAILED", events[0]["status"])
	require.Equal(t, delivery.ReasonOutsideWindow, events[0]["reason"])
	require.EqualValues(t, 131047, events[0]["code"])
	// Agents read why: WhatsApp's details, and that no template is set.
	require.Contains(t, events[0]["error"], "More than 24 hours have passed since the recipient last replied")
	require.Contains(t, events[0]["error"], "no re-engagement template")
	require.Empty(t, b.accountError(t, account))

	// With a template: the same message switches to it.
	_, err := b.srv.App.DB.Bun.ExecContext(context.Background(), `UPDATE channel_accounts SET settings = ?::jsonb WHERE id = ?`,
		`{"reengagementTemplate": {"name": "order_follow_up", "language": "ru", "textParam": true}}`, account)
	require.NoError(t, err)
	b.srv.App.Connections.Forget(account) // written behind the cache's back
	template := func(to string, msg uuid.UUID, text string) string {
		raw, err := json.Marshal(map[string]any{
			"messaging_product": "whatsapp", "recipient_type": "individual", "to": to, "type": "template",
			"template": map[string]any{
				"name": "order_follow_up", "language": map[string]any{"code": "ru"},
				"components": []any{map[string]any{"type": "body", "parameters": []any{map[string]any{"type": "text", "text": text}}}},
			},
			"biz_opaque_callback_data": msg.String(),
		})
		require.NoError(t, err)
		return string(raw)
	}
	const second = "16505550177"
	conv = b.conversationOn(t, account, second, ago(time.Hour))
	reengage()
	msg = b.botReply(t, conv, "Чем можем помочь? / How can we help?", []conversation.Button{
		{Title: "Статус заказа", Payload: "order_status"}, {Title: "Сколько стоит?", Payload: "price_info"},
	}, nil)
	row := b.waitDelivered(t, msg)
	require.Equal(t, "SENT", row.Status)
	reqs = graph.sends(waPhoneNumberID, second)
	require.Len(t, reqs, 2)
	require.Equal(t, "interactive", reqs[0].Body["type"])
	got, err := json.Marshal(reqs[1].Body)
	require.NoError(t, err)
	require.JSONEq(t, template(second, msg, "Чем можем помочь? / How can we help?"), string(got))
	require.Equal(t, reqs[1].ID, *row.ExternalID)
	events = b.deliveryEvents(t, msg)
	require.Len(t, events, 1)
	require.Equal(t, "order_follow_up", events[0]["template"])
	_, _, ids := b.deliveryRow(t, msg)
	require.Equal(t, []string{reqs[1].ID}, ids)

	// Outside the window the template goes out at once.
	const third = "16505550178"
	conv = b.conversationOn(t, account, third, ago(30*time.Hour))
	msg = b.botReply(t, conv, "Вы ещё здесь?", nil, nil)
	require.Equal(t, "SENT", b.waitDelivered(t, msg).Status)
	reqs = graph.sends(waPhoneNumberID, third)
	require.Len(t, reqs, 1)
	got, err = json.Marshal(reqs[0].Body)
	require.NoError(t, err)
	require.JSONEq(t, template(third, msg, "Вы ещё здесь?"), string(got))
}

// The replies of one turn are stored together and reach the customer in
// that order: while the first is with the platform, the second waits.
func TestTurnRepliesGoOutInOrder(t *testing.T) {
	t.Parallel()
	b, graph := setupMeta(t)
	conv := b.conversationOn(t, b.connectWhatsApp(t), waID, ago(time.Minute))
	release := make(chan struct{})
	var once sync.Once
	open := func() { once.Do(func() { close(release) }) }
	t.Cleanup(open) // a failed test must not leave the platform hanging
	graph.queue(waPhoneNumberID, graphAnswer{wait: release})

	var second uuid.UUID
	first := b.botReply(t, conv, "Я виртуальный помощник компании.", nil, func(ctx context.Context, tx bun.Tx, m *conversation.Message) error {
		c, err := conversation.LockConversation(ctx, tx, b.orgID, conv)
		if err != nil {
			return err
		}
		m2, ev, err := conversation.InsertBotReply(ctx, tx, b.srv.App.River, c, "Таргет стоит от 30 000 ₽.", nil)
		if err != nil {
			return err
		}
		second = m2.ID
		return eventlog.Append(ctx, tx, ev)
	})
	// The first is with the platform; the second's job has run and
	// waits (or, were order not kept, has been sent).
	require.Eventually(t, func() bool {
		_, _, snoozes := b.job(t, second)
		sent := len(graph.sends(waPhoneNumberID, waID))
		return sent >= 2 || (sent == 1 && snoozes > 0)
	}, 20*time.Second, 10*time.Millisecond)
	reqs := graph.sends(waPhoneNumberID, waID)
	require.Len(t, reqs, 1, "the second reply overtook the first")
	require.Equal(t, first.String(), reqs[0].Body["biz_opaque_callback_data"])
	open()

	require.Equal(t, "SENT", b.waitDelivered(t, first).Status)
	require.Equal(t, "SENT", b.waitDelivered(t, second).Status)
	reqs = graph.sends(waPhoneNumberID, waID)
	require.Len(t, reqs, 2)
	require.Equal(t, second.String(), reqs[1].Body["biz_opaque_callback_data"])
}

// A platform that keeps saying "retry after" does not hold a message
// forever: one stored over an hour ago fails for agents to see instead of
// arriving late.
func TestThrottledTooLongFails(t *testing.T) {
	t.Parallel()
	b, graph := setupMeta(t)
	account := b.connectWhatsApp(t)
	conv := b.conversationOn(t, account, waID, ago(time.Minute))
	graph.queue(waPhoneNumberID, graphAnswer{status: http.StatusTooManyRequests, header: map[string]string{"Retry-After": "1"},
		body: metaFixture(t, "whatsapp/error_rate_limit.json")})
	msg := b.botReply(t, conv, "Доставка по Москве стоит 350 ₽.", nil, func(ctx context.Context, tx bun.Tx, m *conversation.Message) error {
		_, err := tx.ExecContext(ctx, `UPDATE messages SET created_at = now() - interval '61 minutes' WHERE id = ?`, m.ID)
		return err
	})
	row := b.waitDelivered(t, msg)
	require.Equal(t, "FAILED", row.Status)
	require.Len(t, graph.sends(waPhoneNumberID, waID), 1, "no second try")
	events := b.deliveryEvents(t, msg)
	require.Len(t, events, 1)
	require.Equal(t, delivery.ReasonRetriesExhausted, events[0]["reason"])
}

// WhatsApp usually reports 131047 after it accepted the message, in a
// "failed" status. With a re-engagement template the message goes out again
// as the template, once: a copy that fails the same way is not re-sent.
// Without one the failure is all agents see.
func TestWhatsAppReengagementStatusResendsTemplate(t *testing.T) {
	t.Parallel()
	b, graph := setupMeta(t)
	accountID := b.connectWhatsApp(t)
	conv := b.conversationOn(t, accountID, waID, ago(time.Hour))
	ctx := context.Background()
	account := func() *channel.Account {
		a := new(channel.Account)
		require.NoError(t, b.srv.App.DB.Bun.NewSelect().Model(a).Where("id = ?", accountID).Scan(ctx))
		return a
	}
	failed := []wire.PlatformError{{Code: 131047, Title: "Re-engagement message", Message: "Re-engagement message",
		Details: "More than 24 hours have passed since the recipient last replied to the sender number."}}

	// No template: the message is failed, nothing else.
	msg := b.botReply(t, conv, "Ваш заказ собран.", nil, nil)
	row := b.waitDelivered(t, msg)
	require.Equal(t, "SENT", row.Status)
	changed, err := b.srv.App.Delivery.ApplyStatus(ctx, account(), *row.ExternalID, "", wire.StatusFailed, failed)
	require.NoError(t, err)
	require.True(t, changed)
	require.Equal(t, "FAILED", b.message(t, msg).Status)
	var copies int
	require.NoError(t, b.srv.App.DB.Bun.NewRaw(`SELECT count(*) FROM messages WHERE payload = ?`, delivery.TemplateResend).Scan(ctx, &copies))
	require.Zero(t, copies)

	// With a template: one copy, sent as the template.
	_, err = b.srv.App.DB.Bun.ExecContext(ctx, `UPDATE channel_accounts SET settings = ?::jsonb WHERE id = ?`,
		`{"reengagementTemplate": {"name": "order_follow_up", "language": "ru", "textParam": true}}`, accountID)
	require.NoError(t, err)
	b.srv.App.Connections.Forget(accountID) // written behind the cache's back
	msg = b.botReply(t, conv, "Ваш заказ передан в доставку.", nil, nil)
	row = b.waitDelivered(t, msg)
	require.Equal(t, "SENT", row.Status)
	for range 2 { // a redelivered status changes nothing
		_, err = b.srv.App.Delivery.ApplyStatus(ctx, account(), *row.ExternalID, "", wire.StatusFailed, failed)
		require.NoError(t, err)
	}
	var resend uuid.UUID
	require.NoError(t, b.srv.App.DB.Bun.NewRaw(`SELECT id FROM messages WHERE payload = ?`, delivery.TemplateResend).Scan(ctx, &resend))
	row = b.waitDelivered(t, resend)
	require.Equal(t, "SENT", row.Status)
	reqs := graph.sends(waPhoneNumberID, waID)
	require.Len(t, reqs, 3)
	require.Equal(t, "template", reqs[2].Body["type"])
	require.Equal(t, resend.String(), reqs[2].Body["biz_opaque_callback_data"])
	tpl := reqs[2].Body["template"].(map[string]any)
	require.Equal(t, "order_follow_up", tpl["name"])
	require.Contains(t, fmt.Sprint(tpl["components"]), "Ваш заказ передан в доставку.")
	events := b.deliveryEvents(t, msg)
	require.Len(t, events, 2, "sent, then failed")
	require.Equal(t, resend.String(), events[1]["resentAs"])

	// The copy fails the same way: no copy of the copy.
	_, err = b.srv.App.Delivery.ApplyStatus(ctx, account(), *row.ExternalID, "", wire.StatusFailed, failed)
	require.NoError(t, err)
	require.NoError(t, b.srv.App.DB.Bun.NewRaw(`SELECT count(*) FROM messages WHERE payload = ?`, delivery.TemplateResend).Scan(ctx, &copies))
	require.Equal(t, 1, copies)
}

// An agent's files reach the platform by link, before the text; files
// that are not public https URLs are refused before anything is stored.
func TestAgentAttachmentsAreDelivered(t *testing.T) {
	t.Parallel()
	b, graph := setupMeta(t)
	conv := b.conversationOn(t, b.connectWhatsApp(t), waID, ago(time.Minute))
	send := `mutation($c: ID!, $t: String!, $a: [AttachmentInput!]) { sendAgentMessage(conversationId: $c, text: $t, attachments: $a) { id text attachments { url mimeType name status } } }`
	var v struct {
		SendAgentMessage struct {
			ID          string
			Text        string
			Attachments []struct{ URL, MimeType, Name, Status string }
		}
	}
	b.srv.MustDo(b.org.OwnerToken, send, map[string]any{"c": conv, "t": "", "a": []map[string]any{
		{"url": "https://cdn.example.com/catalog.pdf", "mimeType": "application/pdf", "name": "catalog.pdf"},
	}}, &v)
	require.Empty(t, v.SendAgentMessage.Text, "files alone are a message")
	require.Len(t, v.SendAgentMessage.Attachments, 1)
	require.Equal(t, "EXTERNAL", v.SendAgentMessage.Attachments[0].Status)
	msg := uuid.MustParse(v.SendAgentMessage.ID)
	require.Equal(t, "SENT", b.waitDelivered(t, msg).Status)
	reqs := graph.sends(waPhoneNumberID, waID)
	require.Len(t, reqs, 1)
	require.Equal(t, "document", reqs[0].Body["type"])
	require.Equal(t, map[string]any{"link": "https://cdn.example.com/catalog.pdf", "filename": "catalog.pdf"}, reqs[0].Body["document"])

	for name, a := range map[string][]map[string]any{
		"not https": {{"url": "http://cdn.example.com/a.jpg", "mimeType": "image/jpeg"}},
		"no type":   {{"url": "https://cdn.example.com/a.jpg", "mimeType": "jpeg"}},
	} {
		r := b.srv.Do(b.org.OwnerToken, send, map[string]any{"c": conv, "t": "see", "a": a})
		require.NotEmpty(t, r.Errors, name)
		require.Equal(t, "INVALID_INPUT", r.Errors[0].Extensions["code"], name)
	}
	require.Len(t, graph.sends(waPhoneNumberID, waID), 1, "nothing more was sent")
}

// A process that dies after WhatsApp accepted a message, before recording
// it, leaves the message PENDING under a claim. WhatsApp's "sent" status
// carries our reference (biz_opaque_callback_data): the message takes the
// platform's id and status, and the run that takes the claim over sends
// nothing.
func TestUnrecordedSendIsReconciledFromStatus(t *testing.T) {
	t.Parallel()
	b, graph := setupMeta(t)
	accountID := b.connectWhatsApp(t)
	conv := b.conversationOn(t, accountID, waID, ago(time.Minute))
	ctx := context.Background()
	msg := b.botReply(t, conv, "Ваш заказ собран.", nil, func(ctx context.Context, tx bun.Tx, m *conversation.Message) error {
		// The dead process's claim.
		_, err := tx.ExecContext(ctx, `INSERT INTO message_deliveries (message_id, organization_id, claimed_at, attempts) VALUES (?, ?, now(), 1)`, m.ID, m.OrganizationID)
		return err
	})
	a := new(channel.Account)
	require.NoError(t, b.srv.App.DB.Bun.NewSelect().Model(a).Where("id = ?", accountID).Scan(ctx))

	// A status for a platform id we never recorded, naming no message of
	// ours, changes nothing.
	changed, err := b.srv.App.Delivery.ApplyStatus(ctx, a, "wamid.unknown", uuid.NewString(), wire.StatusSent, nil)
	require.NoError(t, err)
	require.False(t, changed)

	changed, err = b.srv.App.Delivery.ApplyStatus(ctx, a, "wamid.ours", msg.String(), wire.StatusSent, nil)
	require.NoError(t, err)
	require.True(t, changed)
	row := b.message(t, msg)
	require.Equal(t, "SENT", row.Status)
	require.Equal(t, "wamid.ours", *row.ExternalID)
	_, _, ids := b.deliveryRow(t, msg)
	require.Equal(t, []string{"wamid.ours"}, ids)
	// Later statuses find it by that id.
	changed, err = b.srv.App.Delivery.ApplyStatus(ctx, a, "wamid.ours", "", wire.StatusDelivered, nil)
	require.NoError(t, err)
	require.True(t, changed)

	// The takeover finds nothing to send.
	require.NoError(t, b.srv.App.Delivery.Deliver(ctx, jobs.DeliverMessageArgs{OrganizationID: b.orgID, MessageID: msg}, delivery.Attempt{}))
	require.Empty(t, graph.sends(waPhoneNumberID, waID))
}
