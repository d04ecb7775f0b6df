package meta

import (
	"errors"
	"testing"

	"frontdesk/internal/channel/wire"
)

// inboundFixtures are the raw webhook bodies used as fuzz seeds (the
// committed corpus in testdata/fuzz holds the same bodies).
var inboundFixtures = []string{
	"whatsapp/text_message.json", "whatsapp/image_message.json",
	"whatsapp/interactive_button_reply.json", "whatsapp/interactive_list_reply.json",
	"whatsapp/status_sent.json", "whatsapp/status_delivered.json", "whatsapp/status_read.json",
	"whatsapp/status_failed_131047.json", "whatsapp/webhook_error_130429.json",
	"messenger/text_message.json", "messenger/image_message.json",
	"messenger/quick_reply_message.json", "messenger/postback.json",
	"instagram/text_message.json", "instagram/image_message.json", "instagram/quick_reply_message.json",
}

var platforms = map[wire.Platform]bool{wire.WhatsApp: true, wire.Messenger: true, wire.Instagram: true}

func FuzzParse(f *testing.F) {
	for _, name := range inboundFixtures {
		f.Add(readFixture(f, name))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		events, err := Parse(body)
		if err != nil {
			if !errors.Is(err, wire.ErrMalformed) {
				t.Fatalf("error does not wrap ErrMalformed: %v", err)
			}
			if events != nil {
				t.Fatalf("events returned with an error: %v", events)
			}
			return
		}
		for i, ev := range events {
			if !platforms[ev.Platform] {
				t.Fatalf("event %d: platform %q", i, ev.Platform)
			}
			switch ev.Kind {
			case wire.Message, wire.Echo, wire.Edit, wire.Delete:
				if ev.ExternalID == "" {
					t.Fatalf("event %d: %s without ExternalID", i, ev.Kind)
				}
			case wire.Status:
				if ev.RefID == "" || ev.Status == wire.StatusUnknown {
					t.Fatalf("event %d: status without RefID or status: %+v", i, ev)
				}
			case wire.Error:
				if len(ev.Errors) == 0 {
					t.Fatalf("event %d: error event without errors", i)
				}
			case wire.Unsupported:
				if ev.Unsupported == "" {
					t.Fatalf("event %d: unsupported without a type name", i)
				}
			default:
				t.Fatalf("event %d: kind %q", i, ev.Kind)
			}
		}
	})
}

func FuzzVerifySignature(f *testing.F) {
	for _, v := range signatureVectors(f) {
		f.Add(v.AppSecret, readFixture(f, v.File), v.Sig256)
	}
	f.Add("", []byte("{}"), "sha256=")
	f.Fuzz(func(t *testing.T, secret string, body []byte, header string) {
		err := VerifySignature(secret, body, header)
		if err != nil && !errors.Is(err, wire.ErrBadSignature) {
			t.Fatalf("error does not wrap ErrBadSignature: %v", err)
		}
		if err == nil && secret == "" {
			t.Fatal("accepted with no secret")
		}
	})
}
