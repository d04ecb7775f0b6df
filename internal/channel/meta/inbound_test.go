package meta

import (
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"frontdesk/internal/channel/wire"
)

const testAppSecret = "test_app_secret_do_not_use"

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", filepath.FromSlash(name)))
	require.NoError(t, err)
	return b
}

type signatureVector struct {
	File      string `json:"file"`
	AppSecret string `json:"app_secret"`
	Sig256    string `json:"X-Hub-Signature-256"`
	BodyBytes int    `json:"body_bytes"`
}

func signatureVectors(t testing.TB) []signatureVector {
	t.Helper()
	var doc struct {
		Vectors []signatureVector `json:"vectors"`
	}
	require.NoError(t, json.Unmarshal(readFixture(t, "meta-common/signature_vectors.json"), &doc))
	require.NotEmpty(t, doc.Vectors)
	return doc.Vectors
}

func TestVerifySignatureVectors(t *testing.T) {
	t.Parallel()
	for _, v := range signatureVectors(t) {
		t.Run(v.File, func(t *testing.T) {
			t.Parallel()
			body := readFixture(t, v.File)
			require.Len(t, body, v.BodyBytes, "fixture copy must be byte-exact")
			require.NoError(t, VerifySignature(v.AppSecret, body, v.Sig256))

			// Any single flipped byte of the body breaks the signature.
			for i := range body {
				mut := append([]byte(nil), body...)
				mut[i] ^= 0x01
				require.ErrorIs(t, VerifySignature(v.AppSecret, mut, v.Sig256), wire.ErrBadSignature, "byte %d", i)
			}
			require.ErrorIs(t, VerifySignature("other_secret", body, v.Sig256), wire.ErrBadSignature)
		})
	}
}

func TestVerifySignatureRejects(t *testing.T) {
	t.Parallel()
	body := readFixture(t, "whatsapp/text_message.json")
	good := "sha256=b2d103290e619d7d25a86a7eb4fab6cb4741e3c051e4709652ec41f5cb89a97e"
	require.NoError(t, VerifySignature(testAppSecret, body, good))
	tests := []struct {
		name, secret, header string
	}{
		{"missing header", testAppSecret, ""},
		{"no prefix", testAppSecret, strings.TrimPrefix(good, "sha256=")},
		{"sha1 prefix", testAppSecret, "sha1=133bde9e8754eeb098c2b1b4fe4a7994f52b9da0"},
		{"not hex", testAppSecret, "sha256=zz" + good[9:]},
		{"short digest", testAppSecret, good[:len(good)-2]},
		{"long digest", testAppSecret, good + "00"},
		{"empty digest", testAppSecret, "sha256="},
		{"no secret configured", "", good},
		{"wrong digest", testAppSecret, "sha256=" + strings.Repeat("0", 64)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.ErrorIs(t, VerifySignature(tt.secret, body, tt.header), wire.ErrBadSignature)
		})
	}
}

func TestHandshake(t *testing.T) {
	t.Parallel()
	var vec struct {
		Query            map[string]string `json:"query"`
		ConfiguredToken  string            `json:"configured_verify_token"`
		ExpectedResponse struct {
			Body string `json:"body"`
		} `json:"expected_response"`
	}
	require.NoError(t, json.Unmarshal(readFixture(t, "meta-common/verify_subscription_get.json"), &vec))
	q := url.Values{}
	for k, v := range vec.Query {
		q.Set(k, v)
	}
	got, err := Handshake(q, vec.ConfiguredToken)
	require.NoError(t, err)
	require.Equal(t, vec.ExpectedResponse.Body, got)

	with := func(k, v string) url.Values {
		c := url.Values{}
		for kk, vv := range q {
			c[kk] = vv
		}
		if v == "" {
			c.Del(k)
		} else {
			c.Set(k, v)
		}
		return c
	}
	tests := []struct {
		name  string
		query url.Values
		token string
	}{
		{"wrong token", with("hub.verify_token", "guess"), vec.ConfiguredToken},
		{"missing token", with("hub.verify_token", ""), vec.ConfiguredToken},
		{"wrong mode", with("hub.mode", "unsubscribe"), vec.ConfiguredToken},
		{"no challenge", with("hub.challenge", ""), vec.ConfiguredToken},
		{"nothing configured", with("hub.verify_token", ""), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Handshake(tt.query, tt.token)
			require.ErrorIs(t, err, ErrHandshake)
		})
	}
}

func unix(sec int64) time.Time  { return time.Unix(sec, 0).UTC() }
func unixMs(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

var (
	waAnna   = wire.Sender{ID: "16505550123", Name: "Анна Петрова", Phone: "+16505550123"}
	ourWamid = "wamid.HBgLMTY1MDU1NTAxMjMVAgARGBJGQTk0QjdDMjE5RTBBMTc3MEEA"
	igMid    = "aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxNDAwMDAwMDAwMDAxOjM0MDI4MjM2Njg0MTcxMDMwMTI0NDI1OTQ3ODQ2NjI5NDI1Mjg2OjMxNjk4NjM2NDY1NzU1NzA2ODE5MzAwMDAwMDAwMDAwMDA"
)

const (
	waPhoneID = "109876543210987"
	pageID    = "100200300400500"
	psid      = "6543210987654321"
	igID      = "17841400000000001"
	igsid     = "987654321098765"
)

// inboundCases are every inbound fixture with the exact events it gives.
var inboundCases = []struct {
	file string
	want []wire.Event
}{
	{"whatsapp/text_message.json", []wire.Event{{
		Platform: wire.WhatsApp, Kind: wire.Message, AccountID: waPhoneID,
		ExternalID: "wamid.HBgLMTY1MDU1NTAxMjMVAgASGBQzQUI4RTJGNzA5QzFENDQ2QjFCMQA=",
		ChatID:     "16505550123", Sender: waAnna, At: unix(1781000000), Text: "Сколько стоит?",
	}}},
	{"whatsapp/image_message.json", []wire.Event{{
		Platform: wire.WhatsApp, Kind: wire.Message, AccountID: waPhoneID,
		ExternalID: "wamid.HBgLMTY1MDU1NTAxMjMVAgASGBQzQUQ3QzQ1MkE4MEI2RkU5RDQ1NQA=",
		ChatID:     "16505550123", Sender: waAnna, At: unix(1781000060), Text: "Where is my order #A-10234?",
		Media: []wire.Media{{
			Kind: wire.Image, PlatformType: "image", ID: "1098765432109876",
			URL:      "https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=1098765432109876&ext=1781000060&hash=ATtestHashValue0001",
			MIMEType: "image/jpeg", SHA256: "q1Vn3v9Yb7m0k2ZtR8xWc4pE6sH1uJ5dL0aF2gK9TQo=", Caption: "Where is my order #A-10234?",
		}},
	}}},
	{"whatsapp/interactive_button_reply.json", []wire.Event{{
		Platform: wire.WhatsApp, Kind: wire.Message, AccountID: waPhoneID,
		ExternalID: "wamid.HBgLMTY1MDU1NTAxMjMVAgASGBQzQUYxMDlCNEU3RDJDODhBMEE5NgA=",
		ChatID:     "16505550123", Sender: waAnna, At: unix(1781000120),
		Text: "Статус заказа", Payload: "order_status", RefID: ourWamid,
	}}},
	{"whatsapp/interactive_list_reply.json", []wire.Event{{
		Platform: wire.WhatsApp, Kind: wire.Message, AccountID: waPhoneID,
		ExternalID: "wamid.HBgLMTY1MDU1NTAxMjMVAgASGBQzQTIyQ0E5MDE3QjQ1NkUwRjNBNgA=",
		ChatID:     "16505550123", Sender: waAnna, At: unix(1781000130),
		Text: "Курьер", Payload: "delivery_courier", RefID: ourWamid,
	}}},
	{"whatsapp/status_sent.json", []wire.Event{{
		Platform: wire.WhatsApp, Kind: wire.Status, AccountID: waPhoneID, ExternalID: ourWamid + ":sent",
		ChatID: "16505550123", Sender: wire.Sender{ID: "16505550123"}, At: unix(1781000010), RefID: ourWamid, Status: wire.StatusSent,
	}}},
	{"whatsapp/status_delivered.json", []wire.Event{{
		Platform: wire.WhatsApp, Kind: wire.Status, AccountID: waPhoneID, ExternalID: ourWamid + ":delivered",
		ChatID: "16505550123", Sender: wire.Sender{ID: "16505550123"}, At: unix(1781000012), RefID: ourWamid, Status: wire.StatusDelivered,
	}}},
	{"whatsapp/status_read.json", []wire.Event{{
		Platform: wire.WhatsApp, Kind: wire.Status, AccountID: waPhoneID, ExternalID: ourWamid + ":read",
		ChatID: "16505550123", Sender: wire.Sender{ID: "16505550123"}, At: unix(1781000045), RefID: ourWamid, Status: wire.StatusRead,
	}}},
	{"whatsapp/status_failed_131047.json", []wire.Event{{
		Platform: wire.WhatsApp, Kind: wire.Status, AccountID: waPhoneID,
		ExternalID: "wamid.HBgLMTY1MDU1NTAxMjMVAgARGBI1QzdEMDhFMTIzNDU2Nzg5QUIA:failed",
		ChatID:     "16505550123", Sender: wire.Sender{ID: "16505550123"}, At: unix(1781090000),
		RefID: "wamid.HBgLMTY1MDU1NTAxMjMVAgARGBI1QzdEMDhFMTIzNDU2Nzg5QUIA", Status: wire.StatusFailed,
		Errors: []wire.PlatformError{{
			Code: 131047, Title: "Re-engagement message", Message: "Re-engagement message",
			Details: "More than 24 hours have passed since the recipient last replied to the sender number.",
		}},
	}}},
	{"whatsapp/webhook_error_130429.json", []wire.Event{{
		Platform: wire.WhatsApp, Kind: wire.Error, AccountID: waPhoneID,
		Errors: []wire.PlatformError{{
			Code: 130429, Title: "Rate limit hit", Message: "Rate limit hit",
			Details: "Message failed to send because there were too many messages sent from this phone number in a short period of time",
		}},
	}}},
	{"messenger/text_message.json", []wire.Event{{
		Platform: wire.Messenger, Kind: wire.Message, AccountID: pageID,
		ExternalID: "m_TESTq7Vb2fGZk1nYx0dE9aR3sLwP8uJc4hT6mN5oQ2iK1vB7yX0zA3eD",
		ChatID:     psid, Sender: wire.Sender{ID: psid}, At: unixMs(1781000200120), Text: "Where is my order #A-10234?",
	}}},
	{"messenger/image_message.json", []wire.Event{{
		Platform: wire.Messenger, Kind: wire.Message, AccountID: pageID,
		ExternalID: "m_TESTa1B2c3D4e5F6g7H8i9J0kLmNoPqRsTuVwXyZ0123456789abcdefgh",
		ChatID:     psid, Sender: wire.Sender{ID: psid}, At: unixMs(1781000260300),
		Media: []wire.Media{{Kind: wire.Image, PlatformType: "image", URL: "https://scontent.xx.fbcdn.net/v/t1.15752-9/test_receipt_photo.jpg?_nc_cat=1&oh=00_TEST&oe=6A000000"}},
	}}},
	{"messenger/quick_reply_message.json", []wire.Event{{
		Platform: wire.Messenger, Kind: wire.Message, AccountID: pageID,
		ExternalID: "m_TESTzY9xW8vU7tS6rQ5pO4nM3lK2jI1hG0fEdCbA9876543210zyxwvu",
		ChatID:     psid, Sender: wire.Sender{ID: psid}, At: unixMs(1781000320050), Text: "Доставка", Payload: "DELIVERY_INFO",
	}}},
	{"messenger/postback.json", []wire.Event{{
		Platform: wire.Messenger, Kind: wire.Message, AccountID: pageID,
		ExternalID: "m_TESTpostbackMid0123456789abcdefABCDEFghijklmnopqrstuv",
		ChatID:     psid, Sender: wire.Sender{ID: psid}, At: unixMs(1781000380000), Text: "Оформить заказ", Payload: "CHECKOUT",
	}}},
	{"instagram/text_message.json", []wire.Event{{
		Platform: wire.Instagram, Kind: wire.Message, AccountID: igID, ExternalID: igMid + "w",
		ChatID: igsid, Sender: wire.Sender{ID: igsid}, At: unixMs(1781000400100), Text: "Сколько стоит доставка?",
	}}},
	{"instagram/image_message.json", []wire.Event{{
		Platform: wire.Instagram, Kind: wire.Message, AccountID: igID, ExternalID: igMid + "x",
		ChatID: igsid, Sender: wire.Sender{ID: igsid}, At: unixMs(1781000460100),
		Media: []wire.Media{{Kind: wire.Image, PlatformType: "image", URL: "https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=1234567890123456&signature=TEST_SIGNATURE_VALUE"}},
	}}},
	{"instagram/quick_reply_message.json", []wire.Event{{
		Platform: wire.Instagram, Kind: wire.Message, AccountID: igID, ExternalID: igMid + "y",
		ChatID: igsid, Sender: wire.Sender{ID: igsid}, At: unixMs(1781000520100), Text: "Order status", Payload: "ORDER_STATUS",
	}}},
}

func TestParseFixtures(t *testing.T) {
	t.Parallel()
	// Every inbound fixture in the three folders must have a case.
	var files []string
	for _, dir := range []string{"whatsapp", "messenger", "instagram"} {
		names, err := filepath.Glob(filepath.Join("testdata", dir, "*.json"))
		require.NoError(t, err)
		for _, n := range names {
			base := filepath.Base(n)
			if strings.HasPrefix(base, "send_") || strings.HasPrefix(base, "error_") {
				continue
			}
			files = append(files, dir+"/"+base)
		}
	}
	var covered []string
	for _, tc := range inboundCases {
		covered = append(covered, tc.file)
	}
	require.ElementsMatch(t, files, covered)

	for _, tc := range inboundCases {
		t.Run(tc.file, func(t *testing.T) {
			t.Parallel()
			got, err := Parse(readFixture(t, tc.file))
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}
