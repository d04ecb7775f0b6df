package meta

import (
	"testing"

	"github.com/stretchr/testify/require"

	"frontdesk/internal/channel/wire"
)

func waBody(value string) string {
	return `{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"metadata":{"phone_number_id":"PN"},` + value + `}}]}]}`
}

// TestParseCases covers shapes the platform fixtures do not: batches,
// the other WhatsApp message types and statuses, business-scoped ids,
// echoes, deletions, edits and the field/value form.
func TestParseCases(t *testing.T) {
	t.Parallel()
	sender := wire.Sender{ID: "16505550123", Phone: "+16505550123", Name: "A"}
	contacts := `"contacts":[{"profile":{"name":"A"},"wa_id":"16505550123"}],`
	tests := []struct {
		name string
		body string
		want []wire.Event
	}{
		{
			name: "whatsapp document, sticker, template button, unsupported type in one batch",
			body: waBody(contacts + `"messages":[
				{"from":"16505550123","id":"w1","timestamp":"10","type":"document","document":{"id":"d1","mime_type":"application/pdf","sha256":"h","filename":"a.pdf"}},
				{"from":"16505550123","id":"w2","timestamp":"11","type":"sticker","sticker":{"id":"s1","mime_type":"image/webp"}},
				{"from":"16505550123","id":"w3","timestamp":"12","type":"button","context":{"id":"ctx"},"button":{"payload":"YES","text":"Да"}},
				{"from":"16505550123","id":"w4","timestamp":"13","type":"location","location":{"latitude":1,"longitude":2}},
				{"from":"16505550123","id":"w5","timestamp":"14","type":"video","video":{"id":"v1","caption":"c"}},
				{"from":"16505550123","id":"w6","timestamp":"15","type":"audio","audio":{"id":"a1","mime_type":"audio/ogg"}},
				{"from":"16505550123","id":"w7","timestamp":"16","type":"interactive","interactive":{"type":"nfm_reply","nfm_reply":{}}},
				{"from":"16505550123","id":"w8","timestamp":"17","type":"unsupported","errors":[{"code":131051,"title":"Message type unknown","message":"Message type unknown","error_data":{"details":"Message type is currently not supported."}}]}
			]`),
			want: []wire.Event{
				{Platform: wire.WhatsApp, Kind: wire.Message, AccountID: "PN", ExternalID: "w1", ChatID: "16505550123", Sender: sender, At: unix(10),
					Media: []wire.Media{{Kind: wire.File, PlatformType: "document", ID: "d1", MIMEType: "application/pdf", SHA256: "h"}}},
				{Platform: wire.WhatsApp, Kind: wire.Message, AccountID: "PN", ExternalID: "w2", ChatID: "16505550123", Sender: sender, At: unix(11),
					Media: []wire.Media{{Kind: wire.OtherMedia, PlatformType: "sticker", ID: "s1", MIMEType: "image/webp"}}},
				{Platform: wire.WhatsApp, Kind: wire.Message, AccountID: "PN", ExternalID: "w3", ChatID: "16505550123", Sender: sender, At: unix(12),
					Payload: "YES", Text: "Да", RefID: "ctx"},
				{Platform: wire.WhatsApp, Kind: wire.Unsupported, AccountID: "PN", ExternalID: "w4", ChatID: "16505550123", Sender: sender, At: unix(13), Unsupported: "location"},
				{Platform: wire.WhatsApp, Kind: wire.Message, AccountID: "PN", ExternalID: "w5", ChatID: "16505550123", Sender: sender, At: unix(14), Text: "c",
					Media: []wire.Media{{Kind: wire.Video, PlatformType: "video", ID: "v1", Caption: "c"}}},
				{Platform: wire.WhatsApp, Kind: wire.Message, AccountID: "PN", ExternalID: "w6", ChatID: "16505550123", Sender: sender, At: unix(15),
					Media: []wire.Media{{Kind: wire.Audio, PlatformType: "audio", ID: "a1", MIMEType: "audio/ogg"}}},
				{Platform: wire.WhatsApp, Kind: wire.Unsupported, AccountID: "PN", ExternalID: "w7", ChatID: "16505550123", Sender: sender, At: unix(16), Unsupported: "interactive.nfm_reply"},
				{Platform: wire.WhatsApp, Kind: wire.Unsupported, AccountID: "PN", ExternalID: "w8", ChatID: "16505550123", Sender: sender, At: unix(17), Unsupported: "unsupported",
					Errors: []wire.PlatformError{{Code: 131051, Title: "Message type unknown", Message: "Message type unknown", Details: "Message type is currently not supported."}}},
			},
		},
		{
			name: "whatsapp business-scoped user id with and without a phone",
			body: waBody(`"contacts":[{"profile":{"name":"P"},"wa_id":"16505550123","user_id":"US.111"},{"profile":{"name":"U","username":"@u"},"user_id":"US.222"}],"messages":[
				{"from":"16505550123","id":"w1","timestamp":"1","type":"text","text":{"body":"hi"}},
				{"from_user_id":"US.222","id":"w2","timestamp":"2","type":"text","text":{"body":"yo"}}
			]`),
			want: []wire.Event{
				{Platform: wire.WhatsApp, Kind: wire.Message, AccountID: "PN", ExternalID: "w1", ChatID: "16505550123", At: unix(1), Text: "hi",
					Sender: wire.Sender{ID: "16505550123", ScopedID: "US.111", Name: "P", Phone: "+16505550123"}},
				{Platform: wire.WhatsApp, Kind: wire.Message, AccountID: "PN", ExternalID: "w2", ChatID: "US.222", At: unix(2), Text: "yo",
					Sender: wire.Sender{ID: "US.222", ScopedID: "US.222", Name: "U", Username: "@u"}},
			},
		},
		{
			name: "whatsapp played, unknown status and callback data; several changes and entries",
			body: `{"object":"whatsapp_business_account","entry":[
				{"id":"1","changes":[{"field":"messages","value":{"metadata":{"phone_number_id":"PN"},"statuses":[{"id":"m1","status":"played","timestamp":"5","recipient_id":"1650","biz_opaque_callback_data":"our-42"}]}},
				                     {"field":"message_template_status_update","value":{"event":"APPROVED"}}]},
				{"id":"2","changes":[{"field":"messages","value":{"metadata":{"phone_number_id":"PN2"},"statuses":[{"id":"m2","status":"deleted","timestamp":"6","recipient_id":"1650"}]}}]}]}`,
			want: []wire.Event{
				{Platform: wire.WhatsApp, Kind: wire.Status, AccountID: "PN", ExternalID: "m1:played", ChatID: "1650", Sender: wire.Sender{ID: "1650"}, At: unix(5), RefID: "m1", Status: wire.StatusRead, Metadata: "our-42"},
				{Platform: wire.WhatsApp, Kind: wire.Unsupported, AccountID: "1", Unsupported: "message_template_status_update"},
				{Platform: wire.WhatsApp, Kind: wire.Unsupported, AccountID: "PN2", ExternalID: "m2:deleted", ChatID: "1650", Sender: wire.Sender{ID: "1650"}, At: unix(6), RefID: "m2", Unsupported: "status.deleted"},
			},
		},
		{
			name: "messenger echo, delete, edit, reply, unsupported, read in one entry; two entries",
			body: `{"object":"page","entry":[{"id":"P","time":1781000000000,"messaging":[
				{"sender":{"id":"P"},"recipient":{"id":"U"},"timestamp":1781000000001,"message":{"mid":"e1","is_echo":true,"app_id":1517776481860111,"metadata":"our-7","text":"hello"}},
				{"sender":{"id":"U"},"recipient":{"id":"P"},"timestamp":"1781000000002","message":{"mid":"d1","is_deleted":true}},
				{"sender":{"id":"U"},"recipient":{"id":"P"},"timestamp":1781000000003,"message_edit":{"mid":"m1","text":"fixed","num_edit":2}},
				{"sender":{"id":"U"},"recipient":{"id":"P"},"timestamp":1781000000004,"message":{"mid":"r1","text":"this","reply_to":{"mid":"m0"}}},
				{"sender":{"id":"U"},"recipient":{"id":"P"},"timestamp":1781000000005,"message":{"mid":"u1","is_unsupported":true}},
				{"sender":{"id":"U"},"recipient":{"id":"P"},"timestamp":1781000000006,"read":{"watermark":1781000000000}}
			]},{"id":"P2","time":1781000000000,"messaging":[
				{"sender":{"id":"U2"},"recipient":{"id":"P2"},"timestamp":1781000000007,"message":{"mid":"a1","attachments":[{"type":"file","payload":{"url":"https://x/f"}},{"type":"fallback","payload":{"url":"https://x/l","title":"t"}}]}}
			]}]}`,
			want: []wire.Event{
				{Platform: wire.Messenger, Kind: wire.Echo, AccountID: "P", ExternalID: "e1", ChatID: "U", Sender: wire.Sender{ID: "P"}, At: unixMs(1781000000001), Text: "hello", AppID: "1517776481860111", Metadata: "our-7"},
				{Platform: wire.Messenger, Kind: wire.Delete, AccountID: "P", ExternalID: "d1:deleted", ChatID: "U", Sender: wire.Sender{ID: "U"}, At: unixMs(1781000000002), RefID: "d1"},
				{Platform: wire.Messenger, Kind: wire.Edit, AccountID: "P", ExternalID: "m1:edit:2", ChatID: "U", Sender: wire.Sender{ID: "U"}, At: unixMs(1781000000003), RefID: "m1", Text: "fixed"},
				{Platform: wire.Messenger, Kind: wire.Message, AccountID: "P", ExternalID: "r1", ChatID: "U", Sender: wire.Sender{ID: "U"}, At: unixMs(1781000000004), RefID: "m0", Text: "this"},
				{Platform: wire.Messenger, Kind: wire.Unsupported, AccountID: "P", ExternalID: "u1", ChatID: "U", Sender: wire.Sender{ID: "U"}, At: unixMs(1781000000005), Unsupported: "is_unsupported"},
				{Platform: wire.Messenger, Kind: wire.Unsupported, AccountID: "P", ChatID: "U", Sender: wire.Sender{ID: "U"}, At: unixMs(1781000000006), Unsupported: "read"},
				{Platform: wire.Messenger, Kind: wire.Message, AccountID: "P2", ExternalID: "a1", ChatID: "U2", Sender: wire.Sender{ID: "U2"}, At: unixMs(1781000000007),
					Media: []wire.Media{{Kind: wire.File, PlatformType: "file", URL: "https://x/f"}, {Kind: wire.OtherMedia, PlatformType: "fallback", URL: "https://x/l"}}},
			},
		},
		{
			name: "messenger field/value form with string seconds, and a postback without mid",
			body: `{"object":"page","entry":[{"id":"P","time":1781000000000,"changes":[
				{"field":"messaging_postbacks","value":{"sender":{"id":"U"},"recipient":{"id":"P"},"timestamp":"1527459824","postback":{"mid":"pb1","title":"Start","payload":"GET_STARTED"}}},
				{"field":"messaging_referrals","value":{"sender":{"id":"U"},"recipient":{"id":"P"},"timestamp":"1527459825","referral":{"ref":"x"}}}
			],"messaging":[{"sender":{"id":"U"},"recipient":{"id":"P"},"timestamp":1781000000009,"postback":{"title":"Menu","payload":"MENU"}}]}]}`,
			want: []wire.Event{
				{Platform: wire.Messenger, Kind: wire.Message, AccountID: "P", ExternalID: "postback:U:1781000000009", ChatID: "U", Sender: wire.Sender{ID: "U"}, At: unixMs(1781000000009), Text: "Menu", Payload: "MENU"},
				{Platform: wire.Messenger, Kind: wire.Message, AccountID: "P", ExternalID: "pb1", ChatID: "U", Sender: wire.Sender{ID: "U"}, At: unix(1527459824), Text: "Start", Payload: "GET_STARTED"},
				{Platform: wire.Messenger, Kind: wire.Unsupported, AccountID: "P", ChatID: "U", Sender: wire.Sender{ID: "U"}, At: unix(1527459825), Unsupported: "messaging_referrals"},
			},
		},
		{
			name: "instagram story reply, share, standby",
			body: `{"object":"instagram","entry":[{"id":"IG","time":1781000000000,"messaging":[
				{"sender":{"id":"S"},"recipient":{"id":"IG"},"timestamp":1781000000001,"message":{"mid":"i1","text":"wow","reply_to":{"story":{"url":"https://x/s","id":"st1"}}}},
				{"sender":{"id":"S"},"recipient":{"id":"IG"},"timestamp":1781000000002,"message":{"mid":"i2","attachments":[{"type":"ig_reel","payload":{"url":"https://x/r"}}]}}
			],"standby":[{"sender":{"id":"S"}}]}]}`,
			want: []wire.Event{
				{Platform: wire.Instagram, Kind: wire.Message, AccountID: "IG", ExternalID: "i1", ChatID: "S", Sender: wire.Sender{ID: "S"}, At: unixMs(1781000000001), Text: "wow",
					Media: []wire.Media{{Kind: wire.OtherMedia, PlatformType: "story", ID: "st1", URL: "https://x/s"}}},
				{Platform: wire.Instagram, Kind: wire.Message, AccountID: "IG", ExternalID: "i2", ChatID: "S", Sender: wire.Sender{ID: "S"}, At: unixMs(1781000000002),
					Media: []wire.Media{{Kind: wire.OtherMedia, PlatformType: "ig_reel", URL: "https://x/r"}}},
				{Platform: wire.Instagram, Kind: wire.Unsupported, AccountID: "IG", At: unixMs(1781000000000), Unsupported: "standby"},
			},
		},
		{name: "known object without entries", body: `{"object":"page"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Parse([]byte(tt.body))
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestParseMalformed(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, body string }{
		{"empty", ``},
		{"not json", `<xml/>`},
		{"truncated", `{"object":"page","entry":[`},
		{"unknown object", `{"object":"user","entry":[]}`},
		{"no object", `{"entry":[]}`},
		{"array", `[]`},
		{"entry not array", `{"object":"page","entry":{}}`},
		{"bad ms timestamp", `{"object":"page","entry":[{"id":"P","messaging":[{"sender":{"id":"U"},"timestamp":"soon","message":{"mid":"m"}}]}]}`},
		{"bad wa timestamp", waBody(`"messages":[{"from":"1","id":"w","timestamp":"x","type":"text","text":{"body":"a"}}]`)},
		{"wa value wrong type", waBody(`"messages":{}`)},
		{"text not string", `{"object":"instagram","entry":[{"id":"I","messaging":[{"sender":{"id":"U"},"message":{"mid":"m","text":5}}]}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse([]byte(tt.body))
			require.ErrorIs(t, err, wire.ErrMalformed)
		})
	}
}
