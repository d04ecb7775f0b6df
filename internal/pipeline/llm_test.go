package pipeline_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"frontdesk/internal/apptest"
	"frontdesk/internal/llm"
	"frontdesk/jobs"
)

// chatServer answers like an OpenAI-compatible chat-completions endpoint
// with content(body) as the model's message.
func chatServer(t *testing.T, delay time.Duration, content func(system string) string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Messages []struct{ Role, Content string } `json:"messages"`
		}
		_ = json.NewDecoder(r.Body).Decode(&req)
		if delay > 0 {
			select {
			case <-time.After(delay):
			case <-r.Context().Done():
				return
			}
		}
		system := ""
		if len(req.Messages) > 0 {
			system = req.Messages[0].Content
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"id": "chatcmpl-1", "object": "chat.completion", "model": "test",
			"choices": []any{map[string]any{"index": 0, "finish_reason": "stop",
				"message": map[string]any{"role": "assistant", "content": content(system)}}},
		})
	}))
	t.Cleanup(srv.Close)
	return srv
}

// storeMessage stores an inbound message without its job, so only the test
// processes it, and returns the job's arguments.
func storeMessage(t *testing.T, s *apptest.Server, org *apptest.Org, text string) (jobs.ProcessMessageArgs, string) {
	t.Helper()
	v := s.StartWebChat(org)
	id := uuid.Must(uuid.NewV7())
	_, err := s.App.DB.SQL.Exec(`INSERT INTO messages (id, organization_id, conversation_id, direction, author, text)
		SELECT $1, organization_id, id, 'IN', 'CONTACT', $3 FROM conversations WHERE id = $2`, id, v.ConversationID, text)
	require.NoError(t, err)
	return jobs.ProcessMessageArgs{OrganizationID: uuid.MustParse(org.ID), MessageID: id}, v.ConversationID
}

func botReply(t *testing.T, s *apptest.Server, conv string) string {
	t.Helper()
	var text string
	require.NoError(t, s.App.DB.SQL.QueryRow(`SELECT text FROM messages WHERE conversation_id = $1 AND author = 'BOT'`, conv).Scan(&text))
	return text
}

// A model that times out or answers garbage costs at most its timeout; the
// reply comes from the built-in path.
func TestLLMFailureFallsBackWithinTimeout(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	org := s.SignUp("LLM Fallback")
	ctx := context.Background()
	const timeout = 300 * time.Millisecond

	// Baseline: the same work with no model.
	args, _ := storeMessage(t, s, org, "??")
	start := time.Now()
	require.NoError(t, s.App.Pipeline.Process(ctx, args))
	baseline := time.Since(start)

	slow := chatServer(t, 5*time.Second, func(string) string { return `{"intent":"greeting","language":"en","confidence":0.9}` })
	model, err := llm.New(llm.Config{BaseURL: slow.URL, Model: "test", Timeout: timeout})
	require.NoError(t, err)
	s.App.Pipeline.SetLLM(model)
	args, conv := storeMessage(t, s, org, "??")
	start = time.Now()
	require.NoError(t, s.App.Pipeline.Process(ctx, args))
	elapsed := time.Since(start)
	// The database work of the same message, measured again now, in case
	// the machine got busier meanwhile.
	s.App.Pipeline.SetLLM(nil)
	again, _ := storeMessage(t, s, org, "??")
	start = time.Now()
	require.NoError(t, s.App.Pipeline.Process(ctx, again))
	baseline = max(baseline, time.Since(start))
	t.Logf("with a model that times out: %s (timeout %s, without a model %s)", elapsed, timeout, baseline)
	// The server answers after 5 s. Slack of a second keeps a loaded CI
	// machine's stalls (seen: 68 ms over, under -race) from failing the
	// test while still telling a timeout that fires from one that does not.
	require.Less(t, elapsed-baseline, timeout+time.Second, "the model may cost at most its timeout: its 5 s answer is never waited for")
	require.Contains(t, botReply(t, s, conv), "?", "the built-in clarifying question")

	garbage := chatServer(t, 0, func(string) string { return `not json at all` })
	model, err = llm.New(llm.Config{BaseURL: garbage.URL, Model: "test", Timeout: timeout})
	require.NoError(t, err)
	s.App.Pipeline.SetLLM(model)
	args, conv = storeMessage(t, s, org, "hello")
	require.NoError(t, s.App.Pipeline.Process(ctx, args))
	require.Contains(t, botReply(t, s, conv), "LLM Fallback", "built-in greeting with the disclosure")
	s.App.Pipeline.SetLLM(nil)
}

// A working model words the reply; one that changes a fact is refused.
func TestLLMRewordsWithoutChangingFacts(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	org := s.SignUp("LLM Words")
	ctx := context.Background()
	reworded := chatServer(t, 0, func(system string) string {
		if strings.Contains(strings.ToLower(system), "intent") {
			return `{"intent":"greeting","language":"en","confidence":0.9}`
		}
		return `{"text":"Good day! What can I do for you?"}`
	})
	model, err := llm.New(llm.Config{BaseURL: reworded.URL, Model: "test", Timeout: time.Second})
	require.NoError(t, err)
	s.App.Pipeline.SetLLM(model)
	args, conv := storeMessage(t, s, org, "hello")
	require.NoError(t, s.App.Pipeline.Process(ctx, args))
	reply := botReply(t, s, conv)
	require.Contains(t, reply, "Good day! What can I do for you?")
	require.Contains(t, reply, "LLM Words", "the disclosure line is kept as written")
	s.App.Pipeline.SetLLM(nil)
}
