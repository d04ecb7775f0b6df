package intake_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
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

	"frontdesk/internal/apptest"
	"frontdesk/internal/channel"
	"frontdesk/internal/clock"
	"frontdesk/internal/config"
)

// Fixtures are the adapters' byte-exact copies of shared/fixtures/channels.
const (
	metaFixtures     = "../channel/meta/testdata"
	telegramFixtures = "../channel/telegram/testdata"
	appSecret        = "test_app_secret_do_not_use" // the signature vectors' secret
	verifyToken      = "test-verify-token"
)

type harness struct {
	s   *apptest.Server
	org *apptest.Org
	// url and id of each connected account, by kind.
	url map[string]string
	id  map[string]string
}

func setup(t *testing.T, opts ...apptest.Option) *harness {
	t.Helper()
	return setupOn(t, apptest.Start(t, opts...))
}

// setupAt is setup on a server whose pipeline reads the test's clock and
// whose jobs the test works (apptest.StartAt).
func setupAt(t *testing.T, clk clock.Clock, opts ...apptest.Option) *harness {
	t.Helper()
	return setupOn(t, apptest.StartAt(t, clk, opts...))
}

func setupOn(t *testing.T, s *apptest.Server) *harness {
	t.Helper()
	h := &harness{s: s, org: s.SignUp("Channels"), url: map[string]string{}, id: map[string]string{}}
	for kind, creds := range map[string]map[string]any{
		"WHATSAPP":  {"phoneNumberId": "109876543210987", "wabaId": "102938475610293", "accessToken": "EAAG-test-access-token-0123456789", "appSecret": appSecret, "verifyToken": verifyToken},
		"MESSENGER": {"pageId": "100200300400500", "pageToken": "EAAG-test-page-token-0123456789", "appSecret": appSecret, "verifyToken": verifyToken},
		"INSTAGRAM": {"accountId": "17841400000000001", "accessToken": "IGQV-test-access-token-0123456789", "appSecret": appSecret, "verifyToken": verifyToken},
		"TELEGRAM":  {"botToken": "7123456789:AAH-telegram-test-token-0123456789"},
	} {
		var out struct {
			ConnectChannel struct{ ID, WebhookURL string }
		}
		s.MustDo(h.org.OwnerToken, `mutation($i: ConnectChannelInput!) { connectChannel(input: $i) { id webhookUrl } }`,
			map[string]any{"i": map[string]any{"kind": kind, "name": kind, strings.ToLower(kind): creds}}, &out)
		h.id[kind] = out.ConnectChannel.ID
		// The webhook URL is absolute on the public base URL; the test
		// server listens elsewhere.
		path := out.ConnectChannel.WebhookURL[strings.Index(out.ConnectChannel.WebhookURL, "/webhooks/"):]
		h.url[kind] = strings.TrimSuffix(s.URL, "/graphql") + path
	}
	return h
}

// telegramSecret opens the webhook secret Frontdesk generated for the bot.
func (h *harness) telegramSecret(t *testing.T) string {
	t.Helper()
	var c channel.TelegramCredentials
	require.NoError(t, h.s.App.Connections.Credentials(context.Background(),
		&channel.Account{ID: uuid.MustParse(h.id["TELEGRAM"]), OrganizationID: uuid.MustParse(h.org.ID)}, &c))
	require.NotEmpty(t, c.WebhookSecret)
	return c.WebhookSecret
}

func post(t *testing.T, url string, body []byte, header map[string]string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

func (h *harness) count(t *testing.T, query string, args ...any) int {
	t.Helper()
	var n int
	require.NoError(t, h.s.App.DB.SQL.QueryRow(query, args...).Scan(&n))
	return n
}

type vector struct {
	File      string `json:"file"`
	Signature string `json:"X-Hub-Signature-256"`
}

func vectors(t *testing.T) []vector {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(metaFixtures, "meta-common", "signature_vectors.json"))
	require.NoError(t, err)
	var v struct{ Vectors []vector }
	require.NoError(t, json.Unmarshal(b, &v))
	require.NotEmpty(t, v.Vectors)
	return v.Vectors
}

// Every Meta fixture is accepted with its signature vector; with one byte
// changed it is refused with 401 and nothing is stored.
func TestMetaFixturesAreAuthenticated(t *testing.T) {
	t.Parallel()
	h := setup(t)
	for _, v := range vectors(t) {
		body, err := os.ReadFile(filepath.Join(metaFixtures, v.File))
		require.NoError(t, err)
		kind := strings.ToUpper(strings.Split(v.File, "/")[0])
		before := h.count(t, `SELECT count(*) FROM messages WHERE direction = 'IN'`)
		for i := range body {
			if i%7 != 0 && i != len(body)-1 { // every 7th byte and the last: enough to cover every part
				continue
			}
			tampered := bytes.Clone(body)
			tampered[i] ^= 0x01
			require.Equal(t, http.StatusUnauthorized, post(t, h.url[kind], tampered, map[string]string{"X-Hub-Signature-256": v.Signature}), "%s byte %d", v.File, i)
		}
		require.Equal(t, http.StatusUnauthorized, post(t, h.url[kind], body, nil), "%s without a signature", v.File)
		require.Equal(t, before, h.count(t, `SELECT count(*) FROM messages WHERE direction = 'IN'`), "%s: a refused request stored something", v.File)
		require.Equal(t, http.StatusOK, post(t, h.url[kind], body, map[string]string{"X-Hub-Signature-256": v.Signature}), v.File)
	}
	// The customer messages among them are stored once each, on the right
	// accounts, with the sender as a contact identity.
	require.Equal(t, 4, h.count(t, `SELECT count(*) FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE c.channel_account_id = $1 AND m.direction = 'IN'`, h.id["WHATSAPP"]))
	require.Equal(t, 4, h.count(t, `SELECT count(*) FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE c.channel_account_id = $1 AND m.direction = 'IN'`, h.id["MESSENGER"]))
	require.Equal(t, 3, h.count(t, `SELECT count(*) FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE c.channel_account_id = $1 AND m.direction = 'IN'`, h.id["INSTAGRAM"]))
	require.Equal(t, 1, h.count(t, `SELECT count(*) FROM contact_identities WHERE channel_account_id = $1`, h.id["WHATSAPP"]))
	var text, payload string
	require.NoError(t, h.s.App.DB.SQL.QueryRow(`SELECT m.text, m.payload FROM messages m JOIN conversations c ON c.id = m.conversation_id
		WHERE c.channel_account_id = $1 AND m.payload <> '' ORDER BY m.id LIMIT 1`, h.id["WHATSAPP"]).Scan(&text, &payload))
	require.NotEmpty(t, payload, "a pressed button arrives as payload")
	require.Equal(t, 1, h.count(t, `SELECT count(*) FROM channel_accounts WHERE id = $1 AND last_inbound_at IS NOT NULL`, h.id["WHATSAPP"]))
	h.s.WaitProcessed()
}

// Meta's subscription handshake echoes hub.challenge for the configured
// token only.
func TestMetaHandshake(t *testing.T) {
	t.Parallel()
	h := setup(t)
	get := func(url string) (int, string) {
		resp, err := http.Get(url)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	code, body := get(h.url["WHATSAPP"] + "?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=" + verifyToken)
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, "1158201444", body)
	code, _ = get(h.url["MESSENGER"] + "?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=wrong-token")
	require.Equal(t, http.StatusForbidden, code)
	code, _ = get(h.url["TELEGRAM"] + "?hub.mode=subscribe&hub.challenge=1&hub.verify_token=" + verifyToken)
	require.Equal(t, http.StatusNotFound, code)
}

// Telegram updates need the generated secret token; with it, a
// redelivered update (three times, also concurrently) is stored once.
func TestTelegramSecretAndRedelivery(t *testing.T) {
	t.Parallel()
	h := setup(t)
	secret := h.telegramSecret(t)
	for _, f := range []string{"update_text.json", "update_command_start.json", "update_photo.json", "update_callback_query.json"} {
		body, err := os.ReadFile(filepath.Join(telegramFixtures, f))
		require.NoError(t, err)
		require.Equal(t, http.StatusUnauthorized, post(t, h.url["TELEGRAM"], body, nil), f)
		require.Equal(t, http.StatusUnauthorized, post(t, h.url["TELEGRAM"], body, map[string]string{"X-Telegram-Bot-Api-Secret-Token": secret + "x"}), f)
		require.Zero(t, h.count(t, `SELECT count(*) FROM messages WHERE external_id IS NOT NULL`), f)
	}
	body, err := os.ReadFile(filepath.Join(telegramFixtures, "update_text.json"))
	require.NoError(t, err)
	hdr := map[string]string{"X-Telegram-Bot-Api-Secret-Token": secret}
	var wg sync.WaitGroup
	codes := make([]int, 3)
	for i := range codes {
		wg.Add(1)
		go func() { defer wg.Done(); codes[i] = post(t, h.url["TELEGRAM"], body, hdr) }()
	}
	wg.Wait()
	require.Equal(t, http.StatusOK, post(t, h.url["TELEGRAM"], body, hdr))
	require.Equal(t, []int{200, 200, 200}, codes)
	require.Equal(t, 1, h.count(t, `SELECT count(*) FROM messages WHERE direction = 'IN' AND external_id IS NOT NULL`))
	require.Equal(t, 1, h.count(t, `SELECT count(*) FROM conversations WHERE channel_account_id = $1`, h.id["TELEGRAM"]))
	// One message, one turn: the bot answered once (its disclosure line
	// and its reply), with one delivery job per outbound message.
	h.s.WaitProcessed()
	replies := h.count(t, `SELECT count(*) FROM messages WHERE author = 'BOT'`)
	require.Positive(t, replies)
	require.Equal(t, 1, h.count(t, `SELECT count(*) FROM events WHERE type = 'MESSAGE_CLASSIFIED'`), "the message was processed once")
	require.Equal(t, replies, h.count(t, `SELECT count(*) FROM river_job WHERE kind = 'deliver_message'`))

	// The other updates of the same user land in the same conversation.
	for _, f := range []string{"update_command_start.json", "update_photo.json", "update_callback_query.json"} {
		body, err := os.ReadFile(filepath.Join(telegramFixtures, f))
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, post(t, h.url["TELEGRAM"], body, hdr), f)
	}
	require.Equal(t, 4, h.count(t, `SELECT count(*) FROM messages WHERE direction = 'IN' AND external_id IS NOT NULL`))
	require.Equal(t, 1, h.count(t, `SELECT count(*) FROM conversations WHERE channel_account_id = $1`, h.id["TELEGRAM"]))
	// Opened once, before its first message, in the same transaction.
	require.Equal(t, 1, h.count(t, `SELECT count(*) FROM events WHERE type = 'CONVERSATION_OPENED'`))
	require.Equal(t, 1, h.count(t, `SELECT count(*) FROM events o JOIN events r ON r.conversation_id = o.conversation_id
		WHERE o.type = 'CONVERSATION_OPENED' AND r.type = 'MESSAGE_RECEIVED' AND r.txid = o.txid AND r.id > o.id`))
	require.Equal(t, 1, h.count(t, `SELECT count(*) FROM contacts c JOIN contact_identities i ON i.contact_id = c.id`))
	h.s.WaitProcessed()
}

// Requests for unknown, mismatched or disconnected accounts get 404;
// oversized bodies 413; unreadable but authentic bodies are acknowledged
// and shown on the account.
func TestWebhookRefusals(t *testing.T) {
	t.Parallel()
	h := setup(t)
	base := strings.TrimSuffix(h.s.URL, "/graphql")
	require.Equal(t, http.StatusNotFound, post(t, base+"/webhooks/telegram/not-a-uuid", []byte(`{}`), nil))
	require.Equal(t, http.StatusNotFound, post(t, base+"/webhooks/telegram/"+uuid.NewString(), []byte(`{}`), nil))
	require.Equal(t, http.StatusNotFound, post(t, base+"/webhooks/whatsapp/"+h.id["TELEGRAM"], []byte(`{}`), nil))
	huge := bytes.Repeat([]byte("a"), 3<<20+1)
	require.Equal(t, http.StatusRequestEntityTooLarge, post(t, h.url["TELEGRAM"], huge, map[string]string{"X-Telegram-Bot-Api-Secret-Token": h.telegramSecret(t)}))
	require.Equal(t, http.StatusOK, post(t, h.url["TELEGRAM"], []byte(`{"not":"an update"}`), map[string]string{"X-Telegram-Bot-Api-Secret-Token": h.telegramSecret(t)}))
	require.Equal(t, 1, h.count(t, `SELECT count(*) FROM channel_accounts WHERE id = $1 AND last_error LIKE 'webhook:%'`, h.id["TELEGRAM"]))

	h.s.MustDo(h.org.OwnerToken, `mutation($id: ID!) { disconnectChannel(id: $id) { id } }`, map[string]any{"id": h.id["WHATSAPP"]}, nil)
	body, err := os.ReadFile(filepath.Join(metaFixtures, "whatsapp", "text_message.json"))
	require.NoError(t, err)
	require.Equal(t, http.StatusNotFound, post(t, h.url["WHATSAPP"], body, nil))
}

func sign(body []byte) string {
	m := hmac.New(sha256.New, []byte(appSecret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// A message a person typed in the page's own inbox comes back as an echo:
// it is recorded as an agent message and the bot stops talking. Echoes of
// our own sends, and redeliveries, store nothing.
func TestEchoOfAPersonTakesTheConversationOver(t *testing.T) {
	t.Parallel()
	h := setup(t)
	customer := map[string]any{"object": "page", "entry": []any{map[string]any{"id": "100200300400500", "time": 1732350000000,
		"messaging": []any{map[string]any{"sender": map[string]any{"id": "6543210987654321"}, "recipient": map[string]any{"id": "100200300400500"},
			"timestamp": 1732350000000, "message": map[string]any{"mid": "m_customer_1", "text": "hello"}}}}}}
	body, err := json.Marshal(customer)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, post(t, h.url["MESSENGER"], body, map[string]string{"X-Hub-Signature-256": sign(body)}))
	h.s.WaitProcessed()

	echo := func(mid, metadata string) []byte {
		msg := map[string]any{"mid": mid, "text": "Hi, this is Anna from the shop", "is_echo": true, "app_id": 263902037430900}
		if metadata != "" {
			msg["metadata"] = metadata
		}
		b, err := json.Marshal(map[string]any{"object": "page", "entry": []any{map[string]any{"id": "100200300400500", "time": 1732350060000,
			"messaging": []any{map[string]any{"sender": map[string]any{"id": "100200300400500"}, "recipient": map[string]any{"id": "6543210987654321"},
				"timestamp": 1732350060000, "message": msg}}}}})
		require.NoError(t, err)
		return b
	}
	// Our own reply, echoed with its reference: nothing new.
	var ours string
	require.NoError(t, h.s.App.DB.SQL.QueryRow(`SELECT id FROM messages WHERE author = 'BOT' ORDER BY id LIMIT 1`).Scan(&ours))
	b := echo("m_ours_1", ours)
	require.Equal(t, http.StatusOK, post(t, h.url["MESSENGER"], b, map[string]string{"X-Hub-Signature-256": sign(b)}))
	require.Zero(t, h.count(t, `SELECT count(*) FROM messages WHERE author = 'USER'`))

	b = echo("m_person_1", "")
	for range 2 {
		require.Equal(t, http.StatusOK, post(t, h.url["MESSENGER"], b, map[string]string{"X-Hub-Signature-256": sign(b)}))
	}
	require.Equal(t, 1, h.count(t, `SELECT count(*) FROM messages WHERE author = 'USER' AND direction = 'OUT' AND external_id = 'm_person_1'`))
	require.Equal(t, 1, h.count(t, `SELECT count(*) FROM conversations WHERE channel_account_id = $1 AND owner = 'HUMAN'`, h.id["MESSENGER"]))
	require.Equal(t, 1, h.count(t, `SELECT count(*) FROM events WHERE type = 'HANDED_OFF'`))

	// The customer writes again: the bot stays silent.
	bots := h.count(t, `SELECT count(*) FROM messages WHERE author = 'BOT'`)
	customer["entry"].([]any)[0].(map[string]any)["messaging"].([]any)[0].(map[string]any)["message"] = map[string]any{"mid": "m_customer_2", "text": "how much is delivery?"}
	body, err = json.Marshal(customer)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, post(t, h.url["MESSENGER"], body, map[string]string{"X-Hub-Signature-256": sign(body)}))
	h.s.WaitProcessed()
	require.Equal(t, bots, h.count(t, `SELECT count(*) FROM messages WHERE author = 'BOT'`))
}

// Edits and unsupported messages are recorded for agents, never dropped,
// and the bot does not act on them.
func TestEditsAndUnsupportedAreRecorded(t *testing.T) {
	t.Parallel()
	h := setup(t)
	hdr := map[string]string{"X-Telegram-Bot-Api-Secret-Token": h.telegramSecret(t)}
	for _, u := range []string{
		`{"update_id": 900001, "edited_message": {"message_id": 55, "from": {"id": 11122233, "is_bot": false, "first_name": "Ivan"}, "chat": {"id": 11122233, "type": "private"}, "date": 1732350000, "edit_date": 1732350100, "text": "Сколько стоит доставка в Казань?"}}`,
		`{"update_id": 900002, "message": {"message_id": 56, "from": {"id": 11122233, "is_bot": false, "first_name": "Ivan"}, "chat": {"id": 11122233, "type": "private"}, "date": 1732350200, "location": {"latitude": 55.79, "longitude": 49.12}}}`,
	} {
		require.Equal(t, http.StatusOK, post(t, h.url["TELEGRAM"], []byte(u), hdr))
	}
	require.Equal(t, 2, h.count(t, `SELECT count(*) FROM messages WHERE direction = 'IN' AND processed_at IS NOT NULL AND (text LIKE '(edited a message)%' OR text LIKE '(sent %')`))
	h.s.WaitProcessed()
	require.Zero(t, h.count(t, `SELECT count(*) FROM messages WHERE author = 'BOT'`), "the bot does not answer notices")
}

// WhatsApp statuses move an outbound message forward only: read is not
// undone by a late delivered, and a failure reaches agents with its code.
func TestWhatsAppStatusesAreMonotonic(t *testing.T) {
	t.Parallel()
	h := setup(t)
	byVector := map[string]string{}
	for _, v := range vectors(t) {
		byVector[v.File] = v.Signature
	}
	postFixture := func(name string) {
		t.Helper()
		body, err := os.ReadFile(filepath.Join(metaFixtures, "whatsapp", name))
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, post(t, h.url["WHATSAPP"], body, map[string]string{"X-Hub-Signature-256": byVector["whatsapp/"+name]}), name)
	}
	postFixture("text_message.json") // the customer's conversation
	h.s.WaitProcessed()
	var convID string
	require.NoError(t, h.s.App.DB.SQL.QueryRow(`SELECT id FROM conversations WHERE channel_account_id = $1`, h.id["WHATSAPP"]).Scan(&convID))
	// Two messages of ours the platform knows by these ids.
	for _, wamid := range []string{"wamid.HBgLMTY1MDU1NTAxMjMVAgARGBJGQTk0QjdDMjE5RTBBMTc3MEEA", "wamid.HBgLMTY1MDU1NTAxMjMVAgARGBI1QzdEMDhFMTIzNDU2Nzg5QUIA"} {
		_, err := h.s.App.DB.SQL.Exec(`INSERT INTO messages (id, organization_id, conversation_id, direction, author, text, delivery_status, external_id)
			SELECT $1, organization_id, id, 'OUT', 'BOT', 'Цена от 30 000 ₽', 'SENT', $3 FROM conversations WHERE id = $2`, uuid.New(), convID, wamid)
		require.NoError(t, err)
	}
	status := func(wamid string) string {
		var s string
		require.NoError(t, h.s.App.DB.SQL.QueryRow(`SELECT delivery_status FROM messages WHERE external_id = $1`, wamid).Scan(&s))
		return s
	}
	const first = "wamid.HBgLMTY1MDU1NTAxMjMVAgARGBJGQTk0QjdDMjE5RTBBMTc3MEEA"
	postFixture("status_read.json")
	require.Equal(t, "READ", status(first))
	postFixture("status_delivered.json")
	postFixture("status_sent.json")
	postFixture("status_read.json")
	require.Equal(t, "READ", status(first), "never back from read")
	require.Equal(t, 1, h.count(t, `SELECT count(*) FROM events WHERE type = 'MESSAGE_DELIVERY_UPDATED' AND payload->>'platformId' = $1`, first))

	postFixture("status_failed_131047.json")
	require.Equal(t, "FAILED", status("wamid.HBgLMTY1MDU1NTAxMjMVAgARGBI1QzdEMDhFMTIzNDU2Nzg5QUIA"))
	require.Equal(t, 1, h.count(t, `SELECT count(*) FROM events WHERE type = 'MESSAGE_DELIVERY_UPDATED' AND (payload->'error'->>'code')::int = 131047`))
}

// A Telegram button press is answered (answerCallbackQuery) once, however
// often Telegram delivers it.
func TestTelegramButtonPressIsAnswered(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	answered := map[string]int{}
	sent, err := os.ReadFile(filepath.Join(telegramFixtures, "sendMessage_response.json"))
	require.NoError(t, err)
	tg := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case strings.HasSuffix(r.URL.Path, "/answerCallbackQuery"):
			var req struct {
				CallbackQueryID string `json:"callback_query_id"`
			}
			if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.CallbackQueryID == "" {
				http.Error(w, `{"ok":false,"error_code":400,"description":"Bad Request"}`, http.StatusBadRequest)
				return
			}
			mu.Lock()
			answered[req.CallbackQueryID]++
			mu.Unlock()
			_, _ = w.Write([]byte(`{"ok":true,"result":true}`))
		default:
			_, _ = w.Write(sent)
		}
	}))
	t.Cleanup(tg.Close)
	h := setup(t, func(c *config.Config) { c.TelegramAPIURL = tg.URL })
	body, err := os.ReadFile(filepath.Join(telegramFixtures, "update_callback_query.json"))
	require.NoError(t, err)
	var update struct {
		CallbackQuery struct{ ID string } `json:"callback_query"`
	}
	require.NoError(t, json.Unmarshal(body, &update))
	hdr := map[string]string{"X-Telegram-Bot-Api-Secret-Token": h.telegramSecret(t)}
	for range 3 {
		require.Equal(t, http.StatusOK, post(t, h.url["TELEGRAM"], body, hdr))
	}
	// Answered by its own job: poll the fake Bot API's record, with a
	// deadline.
	deadline := time.Now().Add(10 * time.Second)
	for {
		mu.Lock()
		n := answered[update.CallbackQuery.ID]
		mu.Unlock()
		if n > 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	h.s.WaitProcessed()
	mu.Lock()
	defer mu.Unlock()
	require.Equal(t, map[string]int{update.CallbackQuery.ID: 1}, answered)
	require.Equal(t, 1, h.count(t, `SELECT count(*) FROM messages WHERE direction = 'IN' AND payload <> ''`))
}

// Instagram echoes carry no reference to our message. An echo of a send
// the outbox recorded (its platform id), or of one it is sending right now
// (its text, before the send is recorded), is ours: nothing is stored and
// the bot keeps the conversation. A person's echo still takes it over.
func TestInstagramEchoOfOurSendIsRecognised(t *testing.T) {
	t.Parallel()
	h := setup(t)
	const account, customer = "17841400000000001", "987654321098765"
	webhook := func(sender, recipient string, message map[string]any) {
		t.Helper()
		b, err := json.Marshal(map[string]any{"object": "instagram", "entry": []any{map[string]any{"id": account, "time": 1781000400600,
			"messaging": []any{map[string]any{"sender": map[string]any{"id": sender}, "recipient": map[string]any{"id": recipient},
				"timestamp": 1781000400100, "message": message}}}}})
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, post(t, h.url["INSTAGRAM"], b, map[string]string{"X-Hub-Signature-256": sign(b)}))
	}
	webhook(customer, account, map[string]any{"mid": "ig_customer_1", "text": "hello"})
	h.s.WaitProcessed()

	// The bot's replies wait for delivery (the test platform answers 503).
	// Say the first went out as two parts and was recorded, and another
	// is being sent now.
	var ids []string
	rows, err := h.s.App.DB.SQL.Query(`SELECT m.id FROM messages m JOIN conversations c ON c.id = m.conversation_id
		WHERE c.channel_account_id = $1 AND m.author = 'BOT' ORDER BY m.id`, h.id["INSTAGRAM"])
	require.NoError(t, err)
	for rows.Next() {
		var id string
		require.NoError(t, rows.Scan(&id))
		ids = append(ids, id)
	}
	require.NoError(t, rows.Err())
	require.NotEmpty(t, ids)
	sent, inFlight := ids[0], uuid.Must(uuid.NewV7()).String()
	exec := func(q string, args ...any) {
		t.Helper()
		_, err := h.s.App.DB.SQL.Exec(q, args...)
		require.NoError(t, err)
	}
	exec(`INSERT INTO message_deliveries (message_id, organization_id, platform_ids) SELECT id, organization_id, '{ig_part_1,ig_part_2}' FROM messages WHERE id = $1
		ON CONFLICT (message_id) DO UPDATE SET platform_ids = EXCLUDED.platform_ids, claimed_at = NULL`, sent)
	exec(`UPDATE messages SET delivery_status = 'SENT', external_id = 'ig_part_1' WHERE id = $1`, sent)
	webhook(account, customer, map[string]any{"mid": "ig_part_2", "text": "the second part", "is_echo": true})
	exec(`INSERT INTO messages (id, organization_id, conversation_id, direction, author, text, attachments, buttons, delivery_status)
		SELECT $2, organization_id, conversation_id, 'OUT', 'BOT', 'Hello! How can I help you today?', '[]', '[]', 'PENDING' FROM messages WHERE id = $1`,
		sent, inFlight)
	exec(`INSERT INTO message_deliveries (message_id, organization_id, claimed_at) SELECT id, organization_id, now() FROM messages WHERE id = $1`, inFlight)
	webhook(account, customer, map[string]any{"mid": "ig_in_flight", "text": "How can I help you today?", "is_echo": true})
	require.Zero(t, h.count(t, `SELECT count(*) FROM messages WHERE author = 'USER'`))
	require.Zero(t, h.count(t, `SELECT count(*) FROM conversations WHERE owner = 'HUMAN'`))

	// A person typing in Instagram's app.
	webhook(account, customer, map[string]any{"mid": "ig_person_1", "text": "Hi, Anna here", "is_echo": true})
	require.Equal(t, 1, h.count(t, `SELECT count(*) FROM messages WHERE author = 'USER' AND external_id = 'ig_person_1'`))
	require.Equal(t, 1, h.count(t, `SELECT count(*) FROM conversations WHERE channel_account_id = $1 AND owner = 'HUMAN'`, h.id["INSTAGRAM"]))
}

// A Meta delivery redelivered (three times at once, then again) is one
// message and one turn on each platform.
func TestMetaRedeliveryIsOneMessage(t *testing.T) {
	t.Parallel()
	h := setup(t)
	byVector := map[string]string{}
	for _, v := range vectors(t) {
		byVector[v.File] = v.Signature
	}
	for _, f := range []string{"whatsapp/text_message.json", "messenger/text_message.json", "instagram/text_message.json"} {
		body, err := os.ReadFile(filepath.Join(metaFixtures, f))
		require.NoError(t, err)
		kind := strings.ToUpper(strings.Split(f, "/")[0])
		hdr := map[string]string{"X-Hub-Signature-256": byVector[f]}
		var wg sync.WaitGroup
		codes := make([]int, 3)
		for i := range codes {
			wg.Go(func() { codes[i] = post(t, h.url[kind], body, hdr) })
		}
		wg.Wait()
		require.Equal(t, []int{200, 200, 200}, codes, f)
		require.Equal(t, http.StatusOK, post(t, h.url[kind], body, hdr), f)
		require.Equal(t, 1, h.count(t, `SELECT count(*) FROM messages m JOIN conversations c ON c.id = m.conversation_id
			WHERE c.channel_account_id = $1 AND m.direction = 'IN'`, h.id[kind]), f)
	}
	h.s.WaitProcessed()
	require.Equal(t, 3, h.count(t, `SELECT count(*) FROM events WHERE type = 'MESSAGE_CLASSIFIED'`), "each message processed once")
	replies := h.count(t, `SELECT count(*) FROM messages WHERE author = 'BOT'`)
	require.Positive(t, replies)
	require.Equal(t, replies, h.count(t, `SELECT count(*) FROM river_job WHERE kind = 'deliver_message'`), "one delivery per reply")
	for _, kind := range []string{"WHATSAPP", "MESSENGER", "INSTAGRAM"} {
		require.Equal(t, 1, h.count(t, `SELECT count(DISTINCT m.created_at) FROM messages m JOIN conversations c ON c.id = m.conversation_id
			WHERE c.channel_account_id = $1 AND m.author = 'BOT'`, h.id[kind]), "%s: one turn of replies", kind)
	}
}
