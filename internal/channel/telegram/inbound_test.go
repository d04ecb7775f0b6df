package telegram_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"frontdesk/internal/channel/telegram"
	"frontdesk/internal/channel/wire"
)

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	return b
}

var anna = wire.Sender{ID: "7012345678", Username: "anna_test_user", Name: "Анна Петрова", Language: "ru"}

func TestParseFixtures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file string
		want wire.Event
	}{
		{"update_text.json", wire.Event{
			Platform: wire.Telegram, Kind: wire.Message, ExternalID: "tg:843219001", ChatID: "7012345678",
			Sender: anna, At: time.Unix(1781000600, 0).UTC(), Text: "Сколько стоит?",
		}},
		{"update_command_start.json", wire.Event{
			Platform: wire.Telegram, Kind: wire.Message, ExternalID: "tg:843219002", ChatID: "7012345678",
			Sender: anna, At: time.Unix(1781000590, 0).UTC(), Text: "/start",
		}},
		{"update_photo.json", wire.Event{
			Platform: wire.Telegram, Kind: wire.Message, ExternalID: "tg:843219003", ChatID: "7012345678",
			Sender: anna, At: time.Unix(1781000660, 0).UTC(), Text: "Where is my order #A-10234?",
			Media: []wire.Media{{
				Kind: wire.Image, PlatformType: "photo", ID: "AgACAgIAAxkBAAIBAWTESTfileIdLarge00000000000000000000000",
				Size: 84210, Caption: "Where is my order #A-10234?",
			}},
		}},
		{"update_callback_query.json", wire.Event{
			Platform: wire.Telegram, Kind: wire.Message, ExternalID: "tg:843219004", ChatID: "7012345678",
			Sender: anna, Text: "Статус заказа", Payload: "order_status:A-10234",
			CallbackID: "3012345678901234567", RefID: "514",
		}},
	}
	files, err := filepath.Glob("testdata/update_*.json")
	require.NoError(t, err)
	require.Len(t, files, len(tests), "every update fixture has a case")
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			got, err := telegram.Parse(readFixture(t, tt.file))
			require.NoError(t, err)
			if tt.want.At.IsZero() {
				// A callback has no date: Parse stamps the time of receipt.
				require.WithinDuration(t, time.Now(), got.At, time.Minute)
				got.At = time.Time{}
			}
			require.Equal(t, tt.want, got)
		})
	}
}

func TestParseCases(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		body string
		want wire.Event
	}{
		{
			name: "big ids and no last name",
			body: `{"update_id":9007199254740991,"message":{"message_id":1,"from":{"id":4503599627370495,"is_bot":false,"first_name":"Bob"},"chat":{"id":-1004503599627370495,"type":"supergroup"},"date":1781000000,"text":"hi"}}`,
			want: wire.Event{Platform: wire.Telegram, Kind: wire.Message, ExternalID: "tg:9007199254740991",
				ChatID: "-1004503599627370495", Sender: wire.Sender{ID: "4503599627370495", Name: "Bob"},
				At: time.Unix(1781000000, 0).UTC(), Text: "hi"},
		},
		{
			name: "missing from",
			body: `{"update_id":1,"message":{"message_id":2,"chat":{"id":-100123,"type":"supergroup"},"date":1781000000,"text":"anon"}}`,
			want: wire.Event{Platform: wire.Telegram, Kind: wire.Message, ExternalID: "tg:1", ChatID: "-100123",
				At: time.Unix(1781000000, 0).UTC(), Text: "anon"},
		},
		{
			name: "start with deep-link parameter",
			body: `{"update_id":3,"message":{"message_id":4,"from":{"id":5,"first_name":"A"},"chat":{"id":5,"type":"private"},"date":1,"text":"/start ad_spring-24","entities":[{"offset":0,"length":6,"type":"bot_command"}]}}`,
			want: wire.Event{Platform: wire.Telegram, Kind: wire.Message, ExternalID: "tg:3", ChatID: "5",
				Sender: wire.Sender{ID: "5", Name: "A"}, At: time.Unix(1, 0).UTC(), Text: "/start ad_spring-24", Payload: "ad_spring-24"},
		},
		{
			name: "start addressed to the bot in a group",
			body: `{"update_id":3,"message":{"message_id":4,"chat":{"id":-5},"date":1,"text":"/start@shop_bot x"}}`,
			want: wire.Event{Platform: wire.Telegram, Kind: wire.Message, ExternalID: "tg:3", ChatID: "-5",
				At: time.Unix(1, 0).UTC(), Text: "/start@shop_bot x", Payload: "x"},
		},
		{
			name: "a word starting with /start is not the command",
			body: `{"update_id":3,"message":{"message_id":4,"chat":{"id":5},"date":1,"text":"/startle me"}}`,
			want: wire.Event{Platform: wire.Telegram, Kind: wire.Message, ExternalID: "tg:3", ChatID: "5",
				At: time.Unix(1, 0).UTC(), Text: "/startle me"},
		},
		{
			name: "reply to our message",
			body: `{"update_id":6,"message":{"message_id":7,"chat":{"id":5},"date":1,"text":"yes","reply_to_message":{"message_id":514,"chat":{"id":5},"date":1}}}`,
			want: wire.Event{Platform: wire.Telegram, Kind: wire.Message, ExternalID: "tg:6", ChatID: "5",
				At: time.Unix(1, 0).UTC(), Text: "yes", RefID: "514"},
		},
		{
			name: "edited message",
			body: `{"update_id":8,"edited_message":{"message_id":512,"from":{"id":5,"first_name":"A","last_name":"B"},"chat":{"id":5},"date":1781000600,"edit_date":1781000700,"text":"Сколько стоит доставка?"}}`,
			want: wire.Event{Platform: wire.Telegram, Kind: wire.Edit, ExternalID: "tg:8", ChatID: "5",
				Sender: wire.Sender{ID: "5", Name: "A B"}, At: time.Unix(1781000600, 0).UTC(), Text: "Сколько стоит доставка?", RefID: "512"},
		},
		{
			name: "document, voice and sticker as references",
			body: `{"update_id":9,"message":{"message_id":1,"chat":{"id":5},"date":1,"caption":"invoice","document":{"file_id":"D1","file_unique_id":"u","mime_type":"application/pdf","file_size":10}}}`,
			want: wire.Event{Platform: wire.Telegram, Kind: wire.Message, ExternalID: "tg:9", ChatID: "5",
				At: time.Unix(1, 0).UTC(), Text: "invoice",
				Media: []wire.Media{{Kind: wire.File, PlatformType: "document", ID: "D1", MIMEType: "application/pdf", Size: 10, Caption: "invoice"}}},
		},
		{
			name: "voice",
			body: `{"update_id":10,"message":{"message_id":1,"chat":{"id":5},"date":1,"voice":{"file_id":"V1","file_unique_id":"u","duration":3,"mime_type":"audio/ogg"}}}`,
			want: wire.Event{Platform: wire.Telegram, Kind: wire.Message, ExternalID: "tg:10", ChatID: "5",
				At: time.Unix(1, 0).UTC(), Media: []wire.Media{{Kind: wire.Audio, PlatformType: "voice", ID: "V1", MIMEType: "audio/ogg"}}},
		},
		{
			name: "sticker",
			body: `{"update_id":11,"message":{"message_id":1,"chat":{"id":5},"date":1,"sticker":{"file_id":"S1","file_unique_id":"u","type":"regular","width":512,"height":512}}}`,
			want: wire.Event{Platform: wire.Telegram, Kind: wire.Message, ExternalID: "tg:11", ChatID: "5",
				At: time.Unix(1, 0).UTC(), Media: []wire.Media{{Kind: wire.OtherMedia, PlatformType: "sticker", ID: "S1"}}},
		},
		{
			name: "location is unsupported content",
			body: `{"update_id":12,"message":{"message_id":1,"from":{"id":5,"first_name":"A"},"chat":{"id":5},"date":1,"location":{"latitude":55.7,"longitude":37.6}}}`,
			want: wire.Event{Platform: wire.Telegram, Kind: wire.Unsupported, ExternalID: "tg:12", ChatID: "5",
				Sender: wire.Sender{ID: "5", Name: "A"}, At: time.Unix(1, 0).UTC(), Unsupported: "message:location"},
		},
		{
			name: "user blocked the bot",
			body: `{"update_id":13,"my_chat_member":{"chat":{"id":5,"type":"private"},"from":{"id":5,"first_name":"A"},"date":1781000800,"old_chat_member":{"status":"member","user":{"id":7,"is_bot":true,"first_name":"Bot"}},"new_chat_member":{"status":"kicked","user":{"id":7,"is_bot":true,"first_name":"Bot"},"until_date":0}}}`,
			want: wire.Event{Platform: wire.Telegram, Kind: wire.Unsupported, ExternalID: "tg:13", ChatID: "5",
				Sender: wire.Sender{ID: "5", Name: "A"}, At: time.Unix(1781000800, 0).UTC(), Unsupported: telegram.BlockedType},
		},
		{
			name: "unknown update type",
			body: `{"update_id":14,"inline_query":{"id":"1","from":{"id":5,"first_name":"A"},"query":"x","offset":""}}`,
			want: wire.Event{Platform: wire.Telegram, Kind: wire.Unsupported, ExternalID: "tg:14", Unsupported: "inline_query"},
		},
		{
			name: "update with no content at all",
			body: `{"update_id":0}`,
			want: wire.Event{Platform: wire.Telegram, Kind: wire.Unsupported, ExternalID: "tg:0", Unsupported: "unknown"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := telegram.Parse([]byte(tt.body))
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestParseMalformed(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, body string }{
		{"empty body", ``},
		{"not JSON", `<html>`},
		{"JSON null", `null`},
		{"array", `[{"update_id":1}]`},
		{"no update_id", `{"message":{"message_id":1,"chat":{"id":5},"date":1,"text":"x"}}`},
		{"update_id is text", `{"update_id":"1"}`},
		{"id beyond int64", `{"update_id":1,"message":{"message_id":1,"chat":{"id":99999999999999999999},"date":1,"text":"x"}}`},
		{"message without chat", `{"update_id":1,"message":{"message_id":1,"date":1,"text":"x"}}`},
		{"callback without id", `{"update_id":1,"callback_query":{"from":{"id":5,"first_name":"A"},"data":"x"}}`},
		{"callback with nowhere to answer", `{"update_id":1,"callback_query":{"id":"9","data":"x"}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := telegram.Parse([]byte(tt.body))
			require.ErrorIs(t, err, wire.ErrMalformed)
		})
	}
}

func TestVerifySecret(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, configured, header string
		ok                       bool
	}{
		{"match", "tg-Test_Secret_0123456789", "tg-Test_Secret_0123456789", true},
		{"missing header", "tg-Test_Secret_0123456789", "", false},
		{"wrong", "tg-Test_Secret_0123456789", "tg-Test_Secret_0123456788", false},
		{"prefix", "tg-Test_Secret_0123456789", "tg-Test", false},
		{"nothing configured", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := telegram.VerifySecret(tt.configured, tt.header)
			if tt.ok {
				require.NoError(t, err)
			} else {
				require.ErrorIs(t, err, wire.ErrBadSignature)
			}
		})
	}
}

func TestNewSecretIsValidForSetWebhook(t *testing.T) {
	t.Parallel()
	a, b := telegram.NewSecret(), telegram.NewSecret()
	require.NotEqual(t, a, b)
	for _, s := range []string{a, b} {
		require.NotEmpty(t, s)
		require.LessOrEqual(t, len(s), 256)
		require.Empty(t, strings.Trim(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"))
	}
}

// FuzzParse feeds arbitrary bodies to Parse: it must never panic, fail only
// with ErrMalformed, and on success give an Event the pipeline can store.
func FuzzParse(f *testing.F) {
	files, err := filepath.Glob("testdata/update_*.json")
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		ev, err := telegram.Parse(body)
		if err != nil {
			if !errors.Is(err, wire.ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed", err)
			}
			return
		}
		if !strings.HasPrefix(ev.ExternalID, "tg:") || len(ev.ExternalID) < 4 {
			t.Fatalf("ExternalID %q", ev.ExternalID)
		}
		if ev.Kind == "" || ev.Platform != wire.Telegram {
			t.Fatalf("Kind %q Platform %q", ev.Kind, ev.Platform)
		}
		if ev.Kind == wire.Unsupported && ev.Unsupported == "" {
			t.Fatal("Unsupported event without a type name")
		}
		if (ev.Kind == wire.Message || ev.Kind == wire.Edit) && ev.ChatID == "" {
			t.Fatal("message without a chat to answer")
		}
		if ev.Kind == wire.Edit && ev.RefID == "" {
			t.Fatal("edit without RefID")
		}
		for _, m := range ev.Media {
			if m.ID == "" || m.Kind == "" {
				t.Fatalf("media without id or kind: %+v", m)
			}
		}
	})
}
