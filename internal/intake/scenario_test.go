package intake_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"frontdesk/internal/clock"
	"frontdesk/internal/config"
)

// fakeTelegram answers the Bot API as the fixtures document and keeps
// every sendMessage, checking its keys and limits as it goes.
type fakeTelegram struct {
	*httptest.Server
	t        *testing.T
	mu       sync.Mutex
	sent     []tgSent
	answered []string
}

type tgSent struct {
	ChatID  int64
	Text    string
	Buttons [][]struct {
		Text         string `json:"text"`
		CallbackData string `json:"callback_data"`
	}
}

func newFakeTelegram(t *testing.T) *fakeTelegram {
	f := &fakeTelegram{t: t}
	id := 1000
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		method := r.URL.Path[strings.LastIndexByte(r.URL.Path, '/')+1:]
		var body map[string]json.RawMessage
		_ = json.NewDecoder(r.Body).Decode(&body)
		f.mu.Lock()
		defer f.mu.Unlock()
		switch method {
		case "getMe":
			_, _ = w.Write([]byte(`{"ok":true,"result":{"id":7123456789,"is_bot":true,"first_name":"Shop"}}`))
		case "answerCallbackQuery":
			var cb string
			_ = json.Unmarshal(body["callback_query_id"], &cb)
			f.answered = append(f.answered, cb)
			_, _ = w.Write([]byte(`{"ok":true,"result":true}`))
		case "sendMessage":
			for k := range body {
				if k != "chat_id" && k != "text" && k != "reply_markup" && k != "reply_parameters" {
					f.t.Errorf("sendMessage: unexpected key %q", k)
				}
			}
			var s tgSent
			if err := json.Unmarshal(body["chat_id"], &s.ChatID); err != nil {
				f.t.Errorf("sendMessage: chat_id is not a number: %s", body["chat_id"])
			}
			_ = json.Unmarshal(body["text"], &s.Text)
			if n := len([]rune(s.Text)); n < 1 || n > 4096 {
				f.t.Errorf("sendMessage: text of %d characters", n)
			}
			if rm, ok := body["reply_markup"]; ok {
				var m struct {
					InlineKeyboard json.RawMessage `json:"inline_keyboard"`
				}
				require.NoError(f.t, json.Unmarshal(rm, &m))
				require.NoError(f.t, json.Unmarshal(m.InlineKeyboard, &s.Buttons))
				for _, row := range s.Buttons {
					for _, b := range row {
						if b.Text == "" || len(b.CallbackData) < 1 || len(b.CallbackData) > 64 {
							f.t.Errorf("inline button %+v out of Telegram's limits", b)
						}
					}
				}
			}
			f.sent = append(f.sent, s)
			id++
			fmt.Fprintf(w, `{"ok":true,"result":{"message_id":%d,"date":1781000000,"chat":{"id":%d,"type":"private"},"text":"ok"}}`, id, s.ChatID)
		default:
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"ok":false,"error_code":404,"description":"Not Found"}`))
		}
	}))
	t.Cleanup(f.Close)
	return f
}

// waitSent waits until n messages were sent and returns them, polling the
// fake Bot API's record with a deadline.
func (f *fakeTelegram) waitSent(t *testing.T, n int) []tgSent {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		f.mu.Lock()
		got := append([]tgSent(nil), f.sent...)
		f.mu.Unlock()
		if len(got) >= n {
			return got
		}
		require.True(t, time.Now().Before(deadline), "only %d of %d messages reached Telegram", len(got), n)
		time.Sleep(10 * time.Millisecond)
	}
}

// Scenario 1 over Telegram: a price question, the answers in one message,
// a slot button pressed; every reply reaches the (fake) Bot API.
func TestLeadQualificationOverTelegram(t *testing.T) {
	t.Parallel()
	tg := newFakeTelegram(t)
	h := setupAt(t, clock.NewManual(scenarioNow), func(c *config.Config) { c.TelegramAPIURL = tg.URL })
	scenarioSettings(t, h)
	hdr := map[string]string{"X-Telegram-Bot-Api-Secret-Token": h.telegramSecret(t)}
	const chat = 555000111
	update := 800000
	say := func(text string) {
		update++
		body := fmt.Sprintf(`{"update_id": %d, "message": {"message_id": %d, "from": {"id": %d, "is_bot": false, "first_name": "Олег", "language_code": "ru"}, "chat": {"id": %d, "type": "private"}, "date": 1781000000, "text": %q}}`,
			update, update, chat, chat, text)
		require.Equal(t, http.StatusOK, post(t, h.url["TELEGRAM"], []byte(body), hdr))
		h.s.WaitProcessed()
	}

	say("Сколько стоит таргет?")
	sent := tg.waitSent(t, 2)
	all := ""
	for _, s := range sent {
		require.Equal(t, int64(chat), s.ChatID)
		all += s.Text + "\n"
	}
	require.Contains(t, all, "30\u00a0000", "the price at once")
	require.Contains(t, all, "бюджет", "then the qualifying questions")

	before := len(sent)
	say("бюджет 200 тысяч в месяц, продаем мебель, хотим начать на следующей неделе, Казань, лучше в WhatsApp")
	sent = tg.waitSent(t, before+1)
	offer := sent[len(sent)-1]
	var buttons []string
	for _, row := range offer.Buttons {
		for _, b := range row {
			buttons = append(buttons, b.CallbackData)
		}
	}
	require.Len(t, buttons, 3, "slot buttons as an inline keyboard: %+v", offer)

	// The customer presses the second slot.
	before = len(sent)
	update++
	press := fmt.Sprintf(`{"update_id": %d, "callback_query": {"id": "4382bfdwdsb323b2d9", "from": {"id": %d, "is_bot": false, "first_name": "Олег"}, "message": {"message_id": 1003, "from": {"id": 7123456789, "is_bot": true, "first_name": "Shop"}, "chat": {"id": %d, "type": "private"}, "date": 1781000000, "text": "slots"}, "chat_instance": "-1", "data": %q}}`,
		update, chat, chat, buttons[1])
	require.Equal(t, http.StatusOK, post(t, h.url["TELEGRAM"], []byte(press), hdr))
	h.s.WaitProcessed()
	sent = tg.waitSent(t, before+1)
	require.Contains(t, sent[len(sent)-1].Text, "WhatsApp", "the booking is confirmed")
	require.Equal(t, 1, h.count(t, `SELECT count(*) FROM meetings WHERE status = 'BOOKED'`))
	require.Equal(t, 1, h.count(t, `SELECT count(*) FROM scenario_runs WHERE outcome = 'DONE'`))
	require.Equal(t, 1, h.count(t, `SELECT count(*) FROM leads WHERE status = 'QUALIFIED' AND city = 'Казань'`))
	// The callback is answered by its own job, after the reply: poll the
	// fake Bot API's record, with a deadline.
	deadline := time.Now().Add(10 * time.Second)
	for {
		tg.mu.Lock()
		n := len(tg.answered)
		tg.mu.Unlock()
		if n > 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	tg.mu.Lock()
	answered := append([]string(nil), tg.answered...)
	tg.mu.Unlock()
	require.Equal(t, []string{"4382bfdwdsb323b2d9"}, answered)
	// Every reply is recorded as delivered (the last one a moment after
	// Telegram took it).
	waitOutbox(t, h)
	require.Zero(t, h.count(t, `SELECT count(*) FROM messages WHERE direction = 'OUT' AND author = 'BOT' AND delivery_status <> 'SENT'`), "every reply delivered")
}
