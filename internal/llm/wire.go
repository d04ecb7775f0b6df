package llm

import (
	"encoding/json"
	"io"
	"strings"
)

// chatRequest is the body of POST /chat/completions.
type chatRequest struct {
	Model    string        `json:"model"`
	Messages []chatMessage `json:"messages"`
	// Temperature is always sent, 0 included: answers must be repeatable.
	Temperature    float64         `json:"temperature"`
	ResponseFormat *responseFormat `json:"response_format,omitempty"`
}

type chatMessage struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

type responseFormat struct {
	Type       string      `json:"type"`
	JSONSchema *jsonSchema `json:"json_schema,omitempty"`
}

type jsonSchema struct {
	Name   string         `json:"name"`
	Strict bool           `json:"strict"`
	Schema map[string]any `json:"schema"`
}

// outputSchema names the JSON an answer must match.
type outputSchema struct {
	name   string
	schema map[string]any
}

// chatResponse is the part of a completion that is read.
type chatResponse struct {
	Choices []struct {
		Message struct {
			Content *string `json:"content"`
			Refusal *string `json:"refusal"`
		} `json:"message"`
		FinishReason string `json:"finish_reason"`
	} `json:"choices"`
	Error *apiError `json:"error"`
}

type errorEnvelope struct {
	Error *apiError `json:"error"`
}

type apiError struct {
	Message string          `json:"message"`
	Type    string          `json:"type"`
	Code    json.RawMessage `json:"code"`
}

// messageContent returns choices[0].message.content of a successful
// response body.
func messageContent(body []byte) (string, error) {
	var r chatResponse
	if err := json.Unmarshal(body, &r); err != nil {
		return "", invalid("response is not a chat completion: %v", err)
	}
	if r.Error != nil {
		return "", &HTTPError{StatusCode: 200, Type: r.Error.Type, Code: rawCode(r.Error.Code),
			Message: truncate(strings.TrimSpace(r.Error.Message), maxMessageBytes)}
	}
	if len(r.Choices) == 0 {
		return "", invalid("response has no choices")
	}
	ch := r.Choices[0]
	if ch.Message.Refusal != nil && *ch.Message.Refusal != "" {
		return "", invalid("model refused: %s", truncate(*ch.Message.Refusal, maxMessageBytes))
	}
	switch ch.FinishReason {
	case "length":
		return "", invalid("answer truncated at the token limit")
	case "content_filter":
		return "", invalid("answer withheld by the content filter")
	}
	if ch.Message.Content == nil || strings.TrimSpace(*ch.Message.Content) == "" {
		return "", invalid("empty message content")
	}
	return *ch.Message.Content, nil
}

// decodeStrict decodes content, one JSON object, into out: unknown fields
// and trailing data are refused. A Markdown code fence around the object,
// which models add when no schema is enforced, is removed first.
func decodeStrict(content string, out any) error {
	content = stripFence(strings.TrimSpace(content))
	dec := json.NewDecoder(strings.NewReader(content))
	dec.DisallowUnknownFields()
	if err := dec.Decode(out); err != nil {
		return invalid("answer does not match the schema: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return invalid("answer has data after the JSON object")
	}
	return nil
}

// stripFence removes a ```json ... ``` fence around s.
func stripFence(s string) string {
	if !strings.HasPrefix(s, "```") || !strings.HasSuffix(s, "```") || len(s) < 6 {
		return s
	}
	s = strings.TrimSuffix(strings.TrimPrefix(s, "```"), "```")
	if i := strings.IndexByte(s, '\n'); i >= 0 && strings.TrimSpace(s[:i]) == "json" {
		s = s[i+1:]
	}
	return strings.TrimSpace(s)
}
