package telegram_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/stretchr/testify/require"

	"frontdesk/internal/channel/telegram"
	"frontdesk/internal/channel/wire"
)

const testToken = "123456789:TEST-token_do_not_use"

// request is one call the fake Bot API received.
type request struct {
	method string // Bot API method, from the path
	body   map[string]any
	raw    []byte
}

type testBundle struct {
	client *telegram.Client
	server *httptest.Server
	mu     sync.Mutex
	reqs   []request
}

func (b *testBundle) requests() []request {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]request(nil), b.reqs...)
}

// setup starts a fake Bot API that checks every request's envelope and,
// for send methods, its fields against the Bot API's types and limits,
// then answers with reply(n, method) for the n-th request (from 0).
func setup(t *testing.T, reply func(n int, method string) (int, string)) *testBundle {
	t.Helper()
	b := &testBundle{}
	b.server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		method, ok := strings.CutPrefix(r.URL.Path, "/bot"+testToken+"/")
		if !ok || r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
			t.Errorf("bad request envelope: %s %s %q", r.Method, r.URL.Path, r.Header.Get("Content-Type"))
			w.WriteHeader(http.StatusTeapot)
			return
		}
		raw, err := io.ReadAll(r.Body)
		if err != nil {
			t.Errorf("read body: %v", err)
			return
		}
		var body map[string]any
		if err := json.Unmarshal(raw, &body); err != nil {
			t.Errorf("%s body is not a JSON object: %v", method, err)
			return
		}
		if strings.HasPrefix(method, "send") {
			checkSend(t, method, body)
		}
		b.mu.Lock()
		n := len(b.reqs)
		b.reqs = append(b.reqs, request{method: method, body: body, raw: raw})
		b.mu.Unlock()
		status, resp := reply(n, method)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, resp)
	}))
	t.Cleanup(b.server.Close)
	b.client = &telegram.Client{BaseURL: b.server.URL, HTTP: b.server.Client()}
	return b
}

func units(s string) int { return len(utf16.Encode([]rune(s))) }

// checkSend holds a send request to the shapes in the sendMessage fixtures
// and the documented limits.
func checkSend(t *testing.T, method string, body map[string]any) {
	t.Helper()
	allowed := map[string]bool{"chat_id": true, "text": true, "caption": true, "reply_parameters": true, "reply_markup": true,
		"photo": true, "document": true, "video": true, "audio": true, "sticker": true}
	for k := range body {
		if !allowed[k] {
			t.Errorf("%s: unexpected key %q", method, k)
		}
	}
	if _, ok := body["chat_id"].(float64); !ok {
		t.Errorf("%s: chat_id %#v is not a number", method, body["chat_id"])
	}
	if method == "sendMessage" {
		text, ok := body["text"].(string)
		if !ok || units(text) < 1 || units(text) > 4096 {
			t.Errorf("sendMessage: text of %d units (%v)", units(text), ok)
		}
	}
	if c, ok := body["caption"]; ok {
		s, isStr := c.(string)
		if !isStr || units(s) > 1024 {
			t.Errorf("%s: caption %#v", method, c)
		}
	}
	if rp, ok := body["reply_parameters"]; ok {
		m, isObj := rp.(map[string]any)
		if _, isNum := m["message_id"].(float64); !isObj || !isNum || len(m) != 1 {
			t.Errorf("%s: reply_parameters %#v", method, rp)
		}
	}
	if rm, ok := body["reply_markup"]; ok {
		rows, _ := rm.(map[string]any)["inline_keyboard"].([]any)
		if len(rows) == 0 {
			t.Errorf("%s: reply_markup %#v", method, rm)
		}
		for _, row := range rows {
			for _, btn := range row.([]any) {
				m := btn.(map[string]any)
				text, _ := m["text"].(string)
				data, _ := m["callback_data"].(string)
				if text == "" || len(data) < 1 || len(data) > 64 || len(m) != 2 {
					t.Errorf("%s: button %#v", method, m)
				}
			}
		}
	}
}

func fixture(t *testing.T, name string) string { return string(readFixture(t, name)) }

func okMessage(id int) string {
	return fmt.Sprintf(`{"ok":true,"result":{"message_id":%d,"chat":{"id":7012345678,"type":"private"},"date":1781000700,"text":"x"}}`, id)
}

func TestSendTextWithReply(t *testing.T) {
	t.Parallel()
	b := setup(t, func(int, string) (int, string) { return 200, fixture(t, "sendMessage_response.json") })
	sent, err := b.client.Send(context.Background(), testToken, wire.Outbound{
		ChatID: "7012345678", Text: "Доставка по Москве стоит 350 ₽.", ReplyTo: "512",
	})
	require.NoError(t, err)
	require.Equal(t, []string{"514"}, sent.IDs)
	reqs := b.requests()
	require.Len(t, reqs, 1)
	require.Equal(t, "sendMessage", reqs[0].method)
	require.JSONEq(t, fixture(t, "sendMessage_request.json"), string(reqs[0].raw))
}

func TestSendInlineKeyboard(t *testing.T) {
	t.Parallel()
	b := setup(t, func(int, string) (int, string) { return 200, fixture(t, "sendMessage_response.json") })
	sent, err := b.client.Send(context.Background(), testToken, wire.Outbound{
		ChatID: "7012345678", Text: "Чем можем помочь? / How can we help?",
		Buttons: []wire.Button{
			{Title: "Статус заказа", Payload: "order_status:A-10234"},
			{Title: "Сколько стоит?", Payload: "price_info"},
			{Title: "Talk to a human", Payload: "human_agent"},
		},
	})
	require.NoError(t, err)
	require.Equal(t, []string{"514"}, sent.IDs)
	require.JSONEq(t, fixture(t, "sendMessage_inline_keyboard_request.json"), string(b.requests()[0].raw))
}

func TestSendLongTitlesGetTheirOwnRows(t *testing.T) {
	t.Parallel()
	b := setup(t, func(int, string) (int, string) { return 200, okMessage(1) })
	_, err := b.client.Send(context.Background(), testToken, wire.Outbound{
		ChatID: "5", Text: "Choose",
		Buttons: []wire.Button{
			{Title: "Book a call with our manager", Payload: "a"},
			{Title: "Yes", Payload: "b"},
			{Title: "No", Payload: "c"},
			{Title: "Maybe", Payload: "d"},
		},
	})
	require.NoError(t, err)
	rows := b.requests()[0].body["reply_markup"].(map[string]any)["inline_keyboard"].([]any)
	var sizes []int
	for _, r := range rows {
		sizes = append(sizes, len(r.([]any)))
	}
	require.Equal(t, []int{1, 2, 1}, sizes)
}

func longText() string {
	var sb strings.Builder
	for p := 0; p < 12; p++ {
		for s := 0; s < 20; s++ {
			fmt.Fprintf(&sb, "Абзац %d, предложение %d: доставка по Москве стоит 350 ₽ 🚚. ", p, s)
		}
		sb.WriteString("\n\n")
	}
	return sb.String()
}

func TestSendSplitsLongText(t *testing.T) {
	t.Parallel()
	b := setup(t, func(n int, _ string) (int, string) { return 200, okMessage(600 + n) })
	text := longText()
	require.Greater(t, units(text), 2*4096)
	sent, err := b.client.Send(context.Background(), testToken, wire.Outbound{
		ChatID: "7012345678", Text: text, ReplyTo: "512",
		Buttons: []wire.Button{{Title: "OK", Payload: "ok"}},
	})
	require.NoError(t, err)
	reqs := b.requests()
	require.GreaterOrEqual(t, len(reqs), 3)
	require.Len(t, sent.IDs, len(reqs))
	require.Equal(t, "600", sent.IDs[0])
	var parts []string
	for i, r := range reqs {
		_, hasReply := r.body["reply_parameters"]
		_, hasMarkup := r.body["reply_markup"]
		require.Equal(t, i == 0, hasReply, "reply_parameters only on the first part")
		require.Equal(t, i == len(reqs)-1, hasMarkup, "buttons only on the last part")
		part := r.body["text"].(string)
		if i < len(reqs)-1 {
			require.True(t, strings.HasSuffix(part, "."), "part %d ends mid-sentence: %q", i, part[len(part)-20:])
		}
		parts = append(parts, part)
	}
	require.Equal(t, strings.Fields(text), strings.Fields(strings.Join(parts, " ")))
}

func TestSendMedia(t *testing.T) {
	t.Parallel()
	b := setup(t, func(n int, _ string) (int, string) { return 200, okMessage(700 + n) })
	sent, err := b.client.Send(context.Background(), testToken, wire.Outbound{
		ChatID: "7012345678", ReplyTo: "513", Text: "Вот ваш счёт",
		Media: []wire.Media{
			{Kind: wire.Image, ID: "AgACAgIAAxkBAAIBAWTESTfileIdLarge", Caption: "Фото заказа"},
			{Kind: wire.File, URL: "https://files.example.com/invoice.pdf"},
		},
		Buttons: []wire.Button{{Title: "Оплатить", Payload: "pay:A-10234"}},
	})
	require.NoError(t, err)
	require.Equal(t, []string{"700", "701", "702"}, sent.IDs)
	reqs := b.requests()
	require.Equal(t, "sendPhoto", reqs[0].method)
	require.Equal(t, map[string]any{
		"chat_id": float64(7012345678), "photo": "AgACAgIAAxkBAAIBAWTESTfileIdLarge", "caption": "Фото заказа",
		"reply_parameters": map[string]any{"message_id": float64(513)},
	}, reqs[0].body)
	require.Equal(t, "sendDocument", reqs[1].method)
	require.Equal(t, map[string]any{"chat_id": float64(7012345678), "document": "https://files.example.com/invoice.pdf"}, reqs[1].body)
	require.Equal(t, "sendMessage", reqs[2].method)
	require.Contains(t, reqs[2].body, "reply_markup")
}

func TestSendErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		status      int
		body        string
		retry       bool
		retryAfter  time.Duration
		unreachable bool
		code        int
	}{
		{"429 flood control", 429, "error_429.json", true, 5 * time.Second, false, 429},
		{"403 blocked by the user", 403, "error_403_blocked.json", false, 0, true, 403},
		{"403 user deactivated", 403, `{"ok":false,"error_code":403,"description":"Forbidden: user is deactivated"}`, false, 0, true, 403},
		{"400 chat not found", 400, `{"ok":false,"error_code":400,"description":"Bad Request: chat not found"}`, false, 0, true, 400},
		{"400 other is permanent", 400, `{"ok":false,"error_code":400,"description":"Bad Request: message text is empty"}`, false, 0, false, 400},
		{"401 bad token is permanent", 401, `{"ok":false,"error_code":401,"description":"Unauthorized"}`, false, 0, false, 401},
		{"500", 500, `{"ok":false,"error_code":500,"description":"Internal Server Error"}`, true, 0, false, 500},
		{"502 from a proxy", 502, `<html>Bad Gateway</html>`, true, 0, false, 502},
		{"retry_after under another code", 400, `{"ok":false,"error_code":400,"description":"x","parameters":{"retry_after":3}}`, true, 3 * time.Second, false, 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			body := tt.body
			if strings.HasSuffix(body, ".json") {
				body = fixture(t, body)
			}
			b := setup(t, func(int, string) (int, string) { return tt.status, body })
			sent, err := b.client.Send(context.Background(), testToken, wire.Outbound{ChatID: "7012345678", Text: "hi"})
			require.Error(t, err)
			require.Empty(t, sent.IDs)
			se, ok := wire.AsSendError(err)
			require.True(t, ok, "%v is a SendError", err)
			require.Equal(t, wire.Telegram, se.Platform)
			require.Equal(t, tt.status, se.HTTPStatus)
			require.Equal(t, tt.code, se.Err.Code)
			require.Equal(t, tt.retry, se.Retry)
			require.Equal(t, tt.retryAfter, se.RetryAfter)
			require.Equal(t, tt.unreachable, se.Unreachable)
			require.Empty(t, se.Sent)
			require.NotContains(t, err.Error(), testToken)
		})
	}
}

func TestSendNetworkErrorIsRetriedAndHidesTheToken(t *testing.T) {
	t.Parallel()
	b := setup(t, func(int, string) (int, string) { return 200, okMessage(1) })
	b.server.Close()
	_, err := b.client.Send(context.Background(), testToken, wire.Outbound{ChatID: "5", Text: "hi"})
	se, ok := wire.AsSendError(err)
	require.True(t, ok, "%v", err)
	require.True(t, se.Retry)
	require.Zero(t, se.HTTPStatus)
	require.NotNil(t, errors.Unwrap(se))
	require.NotContains(t, err.Error(), testToken)
	require.Contains(t, err.Error(), "/bot<token>/sendMessage")
}

func TestSendFailingHalfwayReportsWhatWentOut(t *testing.T) {
	t.Parallel()
	b := setup(t, func(n int, _ string) (int, string) {
		if n == 1 {
			return 429, fixture(t, "error_429.json")
		}
		return 200, okMessage(800 + n)
	})
	sent, err := b.client.Send(context.Background(), testToken, wire.Outbound{ChatID: "5", Text: longText()})
	se, ok := wire.AsSendError(err)
	require.True(t, ok, "%v", err)
	require.True(t, se.Retry)
	require.Equal(t, []string{"800"}, se.Sent)
	require.Equal(t, []string{"800"}, sent.IDs)
	require.Len(t, b.requests(), 2)
}

func TestSendRefusesWhatTelegramCannotCarry(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		out  wire.Outbound
	}{
		{"callback data over 64 bytes", wire.Outbound{ChatID: "5", Text: "x", Buttons: []wire.Button{{Title: "Статус", Payload: strings.Repeat("я", 33)}}}},
		{"empty payload", wire.Outbound{ChatID: "5", Text: "x", Buttons: []wire.Button{{Title: "A"}}}},
		{"button without title", wire.Outbound{ChatID: "5", Text: "x", Buttons: []wire.Button{{Title: " ", Payload: "a"}}}},
		{"caption over 1024", wire.Outbound{ChatID: "5", Media: []wire.Media{{Kind: wire.Image, ID: "f", Caption: strings.Repeat("a", 1025)}}}},
		{"media without reference", wire.Outbound{ChatID: "5", Media: []wire.Media{{Kind: wire.Image}}}},
		{"nothing to send", wire.Outbound{ChatID: "5", Text: " \n "}},
		{"template", wire.Outbound{ChatID: "5", Text: "x", Template: &wire.Template{Name: "t"}}},
		{"chat id not a number", wire.Outbound{ChatID: "anna", Text: "x"}},
		{"reply-to not a message id", wire.Outbound{ChatID: "5", Text: "x", ReplyTo: "wamid.X"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, func(int, string) (int, string) { return 200, okMessage(1) })
			_, err := b.client.Send(context.Background(), testToken, tt.out)
			require.ErrorIs(t, err, wire.ErrInvalidOutbound)
			require.Empty(t, b.requests(), "nothing is sent")
		})
	}
	t.Run("64 bytes is fine", func(t *testing.T) {
		t.Parallel()
		b := setup(t, func(int, string) (int, string) { return 200, okMessage(1) })
		_, err := b.client.Send(context.Background(), testToken, wire.Outbound{ChatID: "5", Text: "x",
			Buttons: []wire.Button{{Title: "Статус", Payload: strings.Repeat("я", 32)}}})
		require.NoError(t, err)
	})
}

func TestBadTokenIsRefusedWithoutARequest(t *testing.T) {
	t.Parallel()
	b := setup(t, func(int, string) (int, string) { return 200, okMessage(1) })
	for _, tok := range []string{"", "123:abc/../../x", "123:abc?x=1"} {
		_, err := b.client.Send(context.Background(), tok, wire.Outbound{ChatID: "5", Text: "x"})
		require.ErrorIs(t, err, telegram.ErrInvalidToken)
	}
	require.Empty(t, b.requests())
}

func TestAnswerCallbackQuery(t *testing.T) {
	t.Parallel()
	b := setup(t, func(int, string) (int, string) { return 200, fixture(t, "answerCallbackQuery_response.json") })
	ctx := context.Background()
	require.NoError(t, b.client.AnswerCallbackQuery(ctx, testToken, "3012345678901234567", "Проверяем заказ #A-10234…"))
	require.NoError(t, b.client.AnswerCallbackQuery(ctx, testToken, "3012345678901234567", strings.Repeat("Ж", 300)))
	require.NoError(t, b.client.AnswerCallbackQuery(ctx, testToken, "3012345678901234567", ""))
	reqs := b.requests()
	require.Equal(t, "answerCallbackQuery", reqs[0].method)
	require.JSONEq(t, fixture(t, "answerCallbackQuery_request.json"), string(reqs[0].raw))
	long := reqs[1].body["text"].(string)
	require.LessOrEqual(t, units(long), 200)
	require.True(t, strings.HasSuffix(long, "…"))
	require.Equal(t, map[string]any{"callback_query_id": "3012345678901234567"}, reqs[2].body)

	b2 := setup(t, func(int, string) (int, string) {
		return 400, `{"ok":false,"error_code":400,"description":"Bad Request: query is too old and response timeout expired or query ID is invalid"}`
	})
	err := b2.client.AnswerCallbackQuery(ctx, testToken, "1", "x")
	se, ok := wire.AsSendError(err)
	require.True(t, ok)
	require.False(t, se.Retry)
}

func TestSetWebhook(t *testing.T) {
	t.Parallel()
	b := setup(t, func(int, string) (int, string) {
		return 200, `{"ok":true,"result":true,"description":"Webhook was set"}`
	})
	ctx := context.Background()
	require.NoError(t, b.client.SetWebhook(ctx, testToken, "https://bot.example.com/webhooks/telegram", "tg-Test_Secret_0123456789",
		[]string{"message", "edited_message", "callback_query"}))
	reqs := b.requests()
	require.Equal(t, "setWebhook", reqs[0].method)
	require.JSONEq(t, fixture(t, "setWebhook_request.json"), string(reqs[0].raw))

	require.NoError(t, b.client.SetWebhook(ctx, testToken, "https://bot.example.com/webhooks/telegram", telegram.NewSecret(), nil))
	require.Equal(t, []any{"message", "edited_message", "callback_query", "my_chat_member"}, b.requests()[1].body["allowed_updates"])

	require.Error(t, b.client.SetWebhook(ctx, testToken, "http://bot.example.com/", "s", nil))
	require.Error(t, b.client.SetWebhook(ctx, testToken, "https://bot.example.com/", "bad secret!", nil))
	require.Error(t, b.client.SetWebhook(ctx, testToken, "https://bot.example.com/", strings.Repeat("a", 257), nil))
	require.Len(t, b.requests(), 2)
}

func TestGetFile(t *testing.T) {
	t.Parallel()
	b := setup(t, func(int, string) (int, string) {
		return 200, `{"ok":true,"result":{"file_id":"AgAC","file_unique_id":"AQAD","file_size":84210,"file_path":"photos/file_7.jpg"}}`
	})
	u, err := b.client.GetFile(context.Background(), testToken, "AgAC")
	require.NoError(t, err)
	require.Equal(t, b.server.URL+"/file/bot"+testToken+"/photos/file_7.jpg", u)
	reqs := b.requests()
	require.Equal(t, "getFile", reqs[0].method)
	require.Equal(t, map[string]any{"file_id": "AgAC"}, reqs[0].body)

	b2 := setup(t, func(int, string) (int, string) {
		return 400, `{"ok":false,"error_code":400,"description":"Bad Request: file is too big"}`
	})
	_, err = b2.client.GetFile(context.Background(), testToken, "AgAC")
	require.Error(t, err)
}

func TestGetMe(t *testing.T) {
	t.Parallel()
	b := setup(t, func(int, string) (int, string) {
		return 200, `{"ok":true,"result":{"id":7123456789,"is_bot":true,"first_name":"Test Shop Bot","username":"test_shop_example_bot"}}`
	})
	bot, err := b.client.GetMe(context.Background(), testToken)
	require.NoError(t, err)
	require.Equal(t, telegram.Bot{ID: 7123456789, Username: "test_shop_example_bot", Name: "Test Shop Bot"}, bot)
	require.Equal(t, "getMe", b.requests()[0].method)

	b2 := setup(t, func(int, string) (int, string) {
		return 401, `{"ok":false,"error_code":401,"description":"Unauthorized"}`
	})
	_, err = b2.client.GetMe(context.Background(), testToken)
	se, ok := wire.AsSendError(err)
	require.True(t, ok)
	require.Equal(t, 401, se.Err.Code)
}
