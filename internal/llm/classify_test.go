package llm

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"frontdesk/internal/classify"
)

func TestClassify(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name    string
		content string
		want    Verdict
	}{
		{"price inquiry", `{"intent":"price_inquiry","language":"ru","confidence":0.92}`, Verdict{"price_inquiry", "ru", 0.92}},
		{"unknown language", `{"intent":"unclear","language":"unknown","confidence":0}`, Verdict{"unclear", "unknown", 0}},
		{"bounds", `{"intent":"human_request","language":"en","confidence":1}`, Verdict{"human_request", "en", 1}},
		{"field order and spaces", "\n{ \"confidence\": 0.5, \"language\": \"ar\", \"intent\": \"greeting\" }\n", Verdict{"greeting", "ar", 0.5}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, answer(200, completion(tt.content)))
			got, err := b.client.Classify(context.Background(), "text", intentLabels(), classify.Languages())
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
			// The verdict converts to the built-in classifier's types.
			require.True(t, classify.Intent(got.Intent).Valid())
		})
	}
}

func TestClassifyInvalid(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name    string
		content string
	}{
		{"wrong label", `{"intent":"buy_now","language":"en","confidence":0.9}`},
		{"label in other case", `{"intent":"PRICE_INQUIRY","language":"en","confidence":0.9}`},
		{"language not offered", `{"intent":"greeting","language":"ja","confidence":0.9}`},
		{"confidence above 1", `{"intent":"greeting","language":"en","confidence":1.5}`},
		{"confidence below 0", `{"intent":"greeting","language":"en","confidence":-0.1}`},
		{"confidence as string", `{"intent":"greeting","language":"en","confidence":"high"}`},
		{"confidence huge", `{"intent":"greeting","language":"en","confidence":1e400}`},
		{"missing confidence", `{"intent":"greeting","language":"en"}`},
		{"missing intent", `{"language":"en","confidence":0.3}`},
		{"null intent", `{"intent":null,"language":"en","confidence":0.3}`},
		{"extra field", `{"intent":"greeting","language":"en","confidence":0.3,"reason":"hi"}`},
		{"prose", `The intent is greeting.`},
		{"empty object", `{}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, answer(200, completion(tt.content)))
			v, err := b.client.Classify(context.Background(), "hello", intentLabels(), classify.Languages())
			require.ErrorIs(t, err, ErrInvalidOutput)
			require.Zero(t, v)
		})
	}
}

func TestClassifyOffersOnlyTheGivenLabels(t *testing.T) {
	t.Parallel()
	// A customer's message: the staff intents are not offered, so the model
	// may not pick one.
	customer := []string{"greeting", "price_inquiry", "unclear"}
	b := setup(t, answer(200, completion(`{"intent":"shift_swap","language":"en","confidence":0.9}`)))
	_, err := b.client.Classify(context.Background(), "swap my shift", customer, []string{"en", "unknown"})
	require.ErrorIs(t, err, ErrInvalidOutput)

	schema := b.requests()[0].Request.ResponseFormat.JSONSchema.Schema
	raw, err := json.Marshal(schema["properties"])
	require.NoError(t, err)
	require.JSONEq(t, `{
		"intent": {"type":"string","enum":["greeting","price_inquiry","unclear"]},
		"language": {"type":"string","enum":["en","unknown"]},
		"confidence": {"type":"number"}
	}`, string(raw))
}

func TestClassifyNeedsIntents(t *testing.T) {
	t.Parallel()
	b := setup(t, answer(200, completion(`{}`)))
	_, err := b.client.Classify(context.Background(), "hello", nil, classify.Languages())
	require.Error(t, err)
	_, err = b.client.Classify(context.Background(), "hello", []string{"greeting", ""}, nil)
	require.Error(t, err)
	require.Empty(t, b.requests(), "nothing is sent")
}
