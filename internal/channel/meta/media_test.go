package meta_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"frontdesk/internal/channel/meta"
	"frontdesk/internal/channel/wire"
)

const mediaToken = "EAAG-test-access-token-0123456789"

// graphServer answers GETs the way the Graph API documents them, after
// checking the bearer token; handler gets the path and query.
func graphServer(t *testing.T, handler func(w http.ResponseWriter, r *http.Request)) *meta.Client {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || r.Header.Get("Authorization") != "Bearer "+mediaToken {
			t.Errorf("unexpected %s %s auth=%q", r.Method, r.URL, r.Header.Get("Authorization"))
			w.WriteHeader(http.StatusTeapot)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		handler(w, r)
	}))
	t.Cleanup(srv.Close)
	return &meta.Client{BaseURL: srv.URL, Version: "v24.0", HTTP: srv.Client()}
}

func TestMediaResolvesAnID(t *testing.T) {
	t.Parallel()
	for name, size := range map[string]string{"size as a string": `"84210"`, "size as a number": `84210`} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c := graphServer(t, func(w http.ResponseWriter, r *http.Request) {
				require.Equal(t, "/v24.0/1098765432109876", r.URL.Path)
				io.WriteString(w, `{"messaging_product":"whatsapp","url":"https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=1098765432109876&ext=1781000060&hash=ATtest",
					"mime_type":"image/jpeg","sha256":"4f3a4b2c","file_size":`+size+`,"id":"1098765432109876"}`)
			})
			info, err := c.Media(context.Background(), mediaToken, "1098765432109876")
			require.NoError(t, err)
			require.Equal(t, meta.MediaInfo{
				ID: "1098765432109876", URL: "https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=1098765432109876&ext=1781000060&hash=ATtest",
				MIMEType: "image/jpeg", SHA256: "4f3a4b2c", FileSize: 84210,
			}, info)
		})
	}
}

func TestMediaErrorsAreClassified(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		status int
		body   string
		retry  bool
		code   int
	}{
		{"unknown id", 400, `{"error":{"message":"Unsupported get request.","type":"GraphMethodException","code":100,"error_subcode":33,"fbtrace_id":"A"}}`, false, 100},
		{"dead token", 401, `{"error":{"message":"Error validating access token","type":"OAuthException","code":190,"fbtrace_id":"B"}}`, false, 190},
		{"outage", 503, `<html>busy</html>`, true, 0},
		{"throttled", 400, `{"error":{"message":"(#4) Application request limit reached","type":"OAuthException","code":4,"fbtrace_id":"C"}}`, true, 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := graphServer(t, func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tc.status)
				io.WriteString(w, tc.body)
			})
			_, err := c.Media(context.Background(), mediaToken, "42")
			se, ok := wire.AsSendError(err)
			require.True(t, ok, "%v", err)
			require.Equal(t, tc.retry, se.Retry)
			require.Equal(t, tc.code, se.Err.Code)
		})
	}
	// A network failure is retried.
	c := &meta.Client{BaseURL: "http://127.0.0.1:1", Version: "v24.0"}
	_, err := c.Media(context.Background(), mediaToken, "42")
	se, ok := wire.AsSendError(err)
	require.True(t, ok, "%v", err)
	require.True(t, se.Retry)
	// An id that would change the path is refused before any request.
	_, err = c.Media(context.Background(), mediaToken, "..")
	require.Error(t, err)
}

func TestMessageTemplatesFollowsCursors(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	c := graphServer(t, func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		require.Equal(t, "/v24.0/102938475610293/message_templates", r.URL.Path)
		require.Equal(t, "id,name,language,status,category,components", r.URL.Query().Get("fields"))
		switch r.URL.Query().Get("after") {
		case "":
			io.WriteString(w, `{"data":[
				{"name":"order_update","components":[{"type":"HEADER","format":"TEXT","text":"Your order"},{"type":"BODY","text":"Hello {{1}}, your order {{2}} is on its way."},{"type":"BUTTONS","buttons":[{"type":"QUICK_REPLY","text":"Thanks"}]}],
				 "language":"en_US","status":"APPROVED","category":"UTILITY","id":"594425479261596"},
				{"name":"order_update","components":[{"type":"BODY","text":"Здравствуйте, {{1}}!"}],"language":"ru","status":"PENDING","category":"UTILITY","id":"594425479261597"}],
				"paging":{"cursors":{"before":"MAZDZD","after":"MQZDZD"},"next":"https://graph.facebook.com/v24.0/102938475610293/message_templates?after=MQZDZD"}}`)
		case "MQZDZD":
			io.WriteString(w, `{"data":[{"name":"promo","components":[],"language":"en","status":"REJECTED","category":"MARKETING","id":"1"}],
				"paging":{"cursors":{"before":"MQZDZD","after":"MgZDZD"}}}`)
		default:
			t.Errorf("unexpected cursor %q", r.URL.Query().Get("after"))
		}
	})
	got, err := c.MessageTemplates(context.Background(), mediaToken, "102938475610293")
	require.NoError(t, err)
	require.EqualValues(t, 2, calls.Load())
	require.Equal(t, []meta.Template{
		{ID: "594425479261596", Name: "order_update", Language: "en_US", Status: "APPROVED", Category: "UTILITY", Components: []meta.TemplateComponent{
			{Type: "HEADER", Format: "TEXT", Text: "Your order"}, {Type: "BODY", Text: "Hello {{1}}, your order {{2}} is on its way."}, {Type: "BUTTONS"}}},
		{ID: "594425479261597", Name: "order_update", Language: "ru", Status: "PENDING", Category: "UTILITY", Components: []meta.TemplateComponent{
			{Type: "BODY", Text: "Здравствуйте, {{1}}!"}}},
		{ID: "1", Name: "promo", Language: "en", Status: "REJECTED", Category: "MARKETING"},
	}, got)
}

func TestMessageTemplatesRefusedToken(t *testing.T) {
	t.Parallel()
	c := graphServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, `{"error":{"message":"Error validating access token: Session has expired","type":"OAuthException","code":190,"error_subcode":463,"fbtrace_id":"D"}}`)
	})
	_, err := c.MessageTemplates(context.Background(), mediaToken, "102938475610293")
	se, ok := wire.AsSendError(err)
	require.True(t, ok, "%v", err)
	require.False(t, se.Retry)
	require.Equal(t, 190, se.Err.Code)
}
