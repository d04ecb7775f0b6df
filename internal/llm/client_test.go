package llm

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

	"github.com/stretchr/testify/require"

	"frontdesk/internal/classify"
)

// recorded is one request the fake server received.
type recorded struct {
	Method, Path, Auth, ContentType string
	Body                            map[string]any
	Request                         chatRequest
}

// testBundle is a client talking to a fake OpenAI server.
type testBundle struct {
	client *Client
	server *httptest.Server
	mu     sync.Mutex
	reqs   []recorded
}

// requests returns what the server has received so far.
func (b *testBundle) requests() []recorded {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]recorded(nil), b.reqs...)
}

// setup starts a fake server answering with handler (after recording the
// request) and a client for it; cfg adjusts the client's Config.
func setup(t *testing.T, handler http.HandlerFunc, cfg ...func(*Config)) *testBundle {
	t.Helper()
	b := &testBundle{}
	b.server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		rec := recorded{Method: r.Method, Path: r.URL.Path, Auth: r.Header.Get("Authorization"), ContentType: r.Header.Get("Content-Type")}
		_ = json.Unmarshal(raw, &rec.Body)
		_ = json.Unmarshal(raw, &rec.Request)
		b.mu.Lock()
		b.reqs = append(b.reqs, rec)
		b.mu.Unlock()
		handler(w, r)
	}))
	t.Cleanup(b.server.Close)
	c := Config{BaseURL: b.server.URL + "/v1/", Model: "gpt-test", APIKey: "sk-test", Timeout: time.Second}
	for _, f := range cfg {
		f(&c)
	}
	client, err := New(c)
	require.NoError(t, err)
	b.client = client
	return b
}

// completion is a chat.completion body as the OpenAI API documents it, with
// content as the assistant's message.
func completion(content string) string {
	c, _ := json.Marshal(content)
	return `{"id":"chatcmpl-abc123","object":"chat.completion","created":1741569952,"model":"gpt-test",` +
		`"choices":[{"index":0,"message":{"role":"assistant","content":` + string(c) + `,"refusal":null,"annotations":[]},` +
		`"logprobs":null,"finish_reason":"stop"}],` +
		`"usage":{"prompt_tokens":19,"completion_tokens":10,"total_tokens":29},"service_tier":"default"}`
}

// answer returns a handler that answers every request with body and status.
func answer(status int, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}
}

// apiErrorBody is the OpenAI error shape.
func apiErrorBody(message, typ, code string) string {
	b, _ := json.Marshal(map[string]any{"error": map[string]any{"message": message, "type": typ, "param": nil, "code": code}})
	return string(b)
}

func intentLabels() []string {
	var out []string
	for _, i := range classify.Intents() {
		out = append(out, string(i))
	}
	return out
}

func TestNew(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		cfg  Config
		ok   bool
	}{
		{"valid https", Config{BaseURL: "https://api.openai.com/v1", Model: "gpt-4o-mini", APIKey: "k"}, true},
		{"valid http without key", Config{BaseURL: "http://localhost:11434/v1", Model: "llama3"}, true},
		{"relative URL", Config{BaseURL: "/v1", Model: "m"}, false},
		{"no scheme", Config{BaseURL: "api.openai.com/v1", Model: "m"}, false},
		{"ftp", Config{BaseURL: "ftp://example.com", Model: "m"}, false},
		{"empty URL", Config{Model: "m"}, false},
		{"query", Config{BaseURL: "https://example.com/v1?x=1", Model: "m"}, false},
		{"empty model", Config{BaseURL: "https://example.com/v1", Model: " "}, false},
		{"negative timeout", Config{BaseURL: "https://example.com/v1", Model: "m", Timeout: -time.Second}, false},
		{"unknown output", Config{BaseURL: "https://example.com/v1", Model: "m", Output: "xml"}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := New(tt.cfg)
			if !tt.ok {
				require.Error(t, err)
				require.Nil(t, c)
				return
			}
			require.NoError(t, err)
			require.Equal(t, DefaultTimeout, c.Timeout())
		})
	}
}

func TestRequestShape(t *testing.T) {
	t.Parallel()
	b := setup(t, answer(200, completion(`{"intent":"price_inquiry","language":"ru","confidence":0.92}`)))
	_, err := b.client.Classify(context.Background(), "Сколько стоит?", intentLabels(), classify.Languages())
	require.NoError(t, err)

	reqs := b.requests()
	require.Len(t, reqs, 1)
	r := reqs[0]
	require.Equal(t, http.MethodPost, r.Method)
	require.Equal(t, "/v1/chat/completions", r.Path)
	require.Equal(t, "Bearer sk-test", r.Auth)
	require.Equal(t, "application/json", r.ContentType)
	require.Equal(t, "gpt-test", r.Body["model"])
	require.Contains(t, r.Body, "temperature", "temperature 0 must be sent, not omitted")
	require.InDelta(t, 0.0, r.Body["temperature"], 0)

	require.Len(t, r.Request.Messages, 2)
	require.Equal(t, "system", r.Request.Messages[0].Role)
	require.Contains(t, r.Request.Messages[0].Content, "schema")
	require.Equal(t, "user", r.Request.Messages[1].Role)
	var user struct{ Text string }
	require.NoError(t, json.Unmarshal([]byte(r.Request.Messages[1].Content), &user))
	require.Equal(t, "Сколько стоит?", user.Text)

	rf := r.Request.ResponseFormat
	require.NotNil(t, rf)
	require.Equal(t, "json_schema", rf.Type)
	require.NotNil(t, rf.JSONSchema)
	require.Equal(t, "intent_classification", rf.JSONSchema.Name)
	require.True(t, rf.JSONSchema.Strict)
	props := rf.JSONSchema.Schema["properties"].(map[string]any)
	require.Len(t, props["intent"].(map[string]any)["enum"], 22)
	require.Len(t, props["language"].(map[string]any)["enum"], 11, "10 languages and unknown")
	require.Equal(t, false, rf.JSONSchema.Schema["additionalProperties"])
	require.ElementsMatch(t, []any{"intent", "language", "confidence"}, rf.JSONSchema.Schema["required"])
}

func TestNoAPIKeyNoAuthorization(t *testing.T) {
	t.Parallel()
	b := setup(t, answer(200, completion(`{"text":"Hello"}`)), func(c *Config) { c.APIKey = "" })
	_, err := b.client.Translate(context.Background(), "Hola", "en")
	require.NoError(t, err)
	require.Empty(t, b.requests()[0].Auth)
}

func TestOutputModes(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		mode OutputMode
		want any
	}{
		{OutputJSONObject, map[string]any{"type": "json_object"}},
		{OutputPrompt, nil},
	} {
		t.Run(string(tt.mode), func(t *testing.T) {
			t.Parallel()
			// Without a schema models like to fence their JSON.
			b := setup(t, answer(200, completion("```json\n{\"text\":\"Hello, Ana\"}\n```")), func(c *Config) { c.Output = tt.mode })
			got, err := b.client.Translate(context.Background(), "Hola, Ana", "en")
			require.NoError(t, err)
			require.Equal(t, "Hello, Ana", got)
			require.Equal(t, tt.want, b.requests()[0].Body["response_format"])
		})
	}
}

// calls are the three operations, for tests that apply to each.
var calls = []struct {
	name string
	do   func(ctx context.Context, c *Client) error
}{
	{"classify", func(ctx context.Context, c *Client) error {
		_, err := c.Classify(ctx, "hi", intentLabels(), classify.Languages())
		return err
	}},
	{"reword", func(ctx context.Context, c *Client) error {
		_, err := c.Reword(ctx, "From 30 000 ₽.", "ru", "friendly", nil)
		return err
	}},
	{"translate", func(ctx context.Context, c *Client) error {
		_, err := c.Translate(ctx, "Hola", "en")
		return err
	}},
}

// sleepPast answers after d, or when the client goes away.
func sleepPast(d time.Duration, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(d):
		case <-r.Context().Done():
			return
		}
		answer(200, body)(w, r)
	}
}

// timeoutSlack is what a timeout may overrun by in these tests. The fake
// servers answer after 5 s, so a second still tells a timeout that fires
// from one that does not, and a loaded CI machine under -race (stalls of
// tens of milliseconds) does not fail them.
const timeoutSlack = time.Second

func TestTimeout(t *testing.T) {
	t.Parallel()
	const timeout = 150 * time.Millisecond
	for _, call := range calls {
		t.Run(call.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, sleepPast(5*time.Second, completion(`{"text":"x"}`)), func(c *Config) { c.Timeout = timeout })
			start := time.Now()
			err := call.do(context.Background(), b.client)
			elapsed := time.Since(start)
			t.Logf("timeout %s, returned after %s", timeout, elapsed)
			require.ErrorIs(t, err, ErrTimeout)
			require.ErrorIs(t, err, context.DeadlineExceeded)
			require.GreaterOrEqual(t, elapsed, timeout)
			require.Less(t, elapsed, timeout+timeoutSlack, "a failing LLM costs no more than its timeout")
		})
	}
}

func TestTimeoutWhileReadingBody(t *testing.T) {
	t.Parallel()
	const timeout = 150 * time.Millisecond
	b := setup(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(200)
		_, _ = io.WriteString(w, `{"id":"chatcmpl-1","choices":[`)
		w.(http.Flusher).Flush()
		select {
		case <-time.After(5 * time.Second):
		case <-r.Context().Done():
		}
	}, func(c *Config) { c.Timeout = timeout })
	start := time.Now()
	_, err := b.client.Translate(context.Background(), "Hola", "en")
	require.ErrorIs(t, err, ErrTimeout)
	require.Less(t, time.Since(start), timeout+timeoutSlack)
}

func TestCallerDeadlineShorterThanTimeout(t *testing.T) {
	t.Parallel()
	b := setup(t, sleepPast(5*time.Second, completion(`{"text":"x"}`)), func(c *Config) { c.Timeout = 5 * time.Second })
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := b.client.Translate(ctx, "Hola", "en")
	require.ErrorIs(t, err, ErrTimeout)
	require.Less(t, time.Since(start), 100*time.Millisecond+timeoutSlack)
}

func TestCallerCancel(t *testing.T) {
	t.Parallel()
	b := setup(t, sleepPast(5*time.Second, completion(`{"text":"x"}`)))
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	_, err := b.client.Translate(ctx, "Hola", "en")
	require.ErrorIs(t, err, context.Canceled)
	require.NotErrorIs(t, err, ErrTimeout)
}

func TestUnreachableServer(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	c, err := New(Config{BaseURL: url, Model: "m", Timeout: time.Second})
	require.NoError(t, err)
	_, err = c.Translate(context.Background(), "Hola", "en")
	require.Error(t, err)
	require.NotErrorIs(t, err, ErrInvalidOutput)
	require.NotErrorIs(t, err, ErrTimeout)
}

func TestHTTPErrors(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name      string
		status    int
		body      string
		want      HTTPError
		temporary bool
	}{
		{"rate limit", 429, apiErrorBody("Rate limit reached for gpt-test in organization org-1 on requests per min (RPM): Limit 3, Used 3.", "requests", "rate_limit_exceeded"),
			HTTPError{StatusCode: 429, Type: "requests", Code: "rate_limit_exceeded", Message: "Rate limit reached for gpt-test in organization org-1 on requests per min (RPM): Limit 3, Used 3."}, true},
		{"server error", 500, apiErrorBody("The server had an error while processing your request. Sorry about that!", "server_error", ""),
			HTTPError{StatusCode: 500, Type: "server_error", Message: "The server had an error while processing your request. Sorry about that!"}, true},
		{"bad key", 401, apiErrorBody("Incorrect API key provided: sk-test.", "invalid_request_error", "invalid_api_key"),
			HTTPError{StatusCode: 401, Type: "invalid_request_error", Code: "invalid_api_key", Message: "Incorrect API key provided: sk-test."}, false},
		{"numeric code", 400, `{"error":{"message":"bad schema","type":"BadRequestError","code":400}}`,
			HTTPError{StatusCode: 400, Type: "BadRequestError", Code: "400", Message: "bad schema"}, false},
		{"html gateway error", 502, "<html><body>Bad Gateway</body></html>", HTTPError{StatusCode: 502}, true},
		{"long message", 503, apiErrorBody(strings.Repeat("é", 1000), "server_error", "overloaded"),
			HTTPError{StatusCode: 503, Type: "server_error", Code: "overloaded", Message: strings.Repeat("é", 150) + "…"}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, answer(tt.status, tt.body))
			for _, call := range calls {
				err := call.do(context.Background(), b.client)
				var he *HTTPError
				require.ErrorAs(t, err, &he, call.name)
				require.Equal(t, tt.want, *he)
				require.Equal(t, tt.temporary, he.Temporary())
				require.Contains(t, err.Error(), fmt.Sprintf("HTTP %d", tt.status))
				require.NotErrorIs(t, err, ErrInvalidOutput)
			}
		})
	}
}

func TestErrorInSuccessfulResponse(t *testing.T) {
	t.Parallel()
	b := setup(t, answer(200, apiErrorBody("model overloaded", "server_error", "overloaded")))
	_, err := b.client.Translate(context.Background(), "Hola", "en")
	var he *HTTPError
	require.ErrorAs(t, err, &he)
	require.Equal(t, "overloaded", he.Code)
}

func TestInvalidResponses(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		body string
	}{
		{"not JSON", "garbage"},
		{"empty body", ""},
		{"JSON array", "[]"},
		{"no choices", `{"id":"x","object":"chat.completion","choices":[]}`},
		{"null content", strings.Replace(completion(""), `"content":""`, `"content":null`, 1)},
		{"empty content", completion("  ")},
		{"refusal", strings.Replace(completion(""), `"refusal":null`, `"refusal":"I can't help with that."`, 1)},
		{"truncated", strings.Replace(completion(`{"text":"Hel`), `"finish_reason":"stop"`, `"finish_reason":"length"`, 1)},
		{"content filter", strings.Replace(completion(`{"text":"x"}`), `"finish_reason":"stop"`, `"finish_reason":"content_filter"`, 1)},
		{"content garbage", completion("Sure! Here is the translation: Hello")},
		{"content array", completion(`["Hello"]`)},
		{"content null", completion(`null`)},
		{"content wrong type", completion(`{"text":42}`)},
		{"content extra field", completion(`{"text":"Hello","note":"I translated it"}`)},
		{"content trailing data", completion(`{"text":"Hello"} {"text":"Bye"}`)},
		{"content empty text", completion(`{"text":""}`)},
		{"oversized body", completion(`{"text":"Hello"}`)[:40] + strings.Repeat(" ", maxResponseBytes) + completion(`{"text":"Hello"}`)[40:]},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, answer(200, tt.body))
			_, err := b.client.Translate(context.Background(), "Hola", "en")
			require.ErrorIs(t, err, ErrInvalidOutput)
		})
	}
}

func TestHugeBodyIsNotReadToTheEnd(t *testing.T) {
	t.Parallel()
	b := setup(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(200)
		chunk := []byte(strings.Repeat("x", 32<<10))
		for i := 0; i < 32<<10; i++ { // 1 GiB unless the client stops reading
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	})
	start := time.Now()
	_, err := b.client.Translate(context.Background(), "Hola", "en")
	require.ErrorIs(t, err, ErrInvalidOutput)
	require.Less(t, time.Since(start), 500*time.Millisecond)
}

func TestErrorsWrapTheOperation(t *testing.T) {
	t.Parallel()
	b := setup(t, answer(200, completion("garbage")))
	for _, call := range calls {
		err := call.do(context.Background(), b.client)
		require.True(t, strings.HasPrefix(err.Error(), "llm "+call.name+": "), err.Error())
		require.True(t, errors.Is(err, ErrInvalidOutput))
	}
}

func TestHTTPClientTimeoutIsATimeout(t *testing.T) {
	t.Parallel()
	b := setup(t, sleepPast(5*time.Second, completion(`{"text":"x"}`)), func(c *Config) {
		c.Timeout = 5 * time.Second
		c.HTTPClient = &http.Client{Timeout: 100 * time.Millisecond}
	})
	_, err := b.client.Translate(context.Background(), "Hola", "en")
	require.ErrorIs(t, err, ErrTimeout)
}
