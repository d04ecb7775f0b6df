// Package llm is the optional large-language-model provider: a client for
// any OpenAI-compatible chat-completions endpoint that classifies a message,
// rewords a drafted reply and translates a customer's words for the hand-off
// summary.
//
// Frontdesk works without it. Every call is therefore bounded by the
// client's Timeout, and every answer is checked before it is returned: a
// classification must be one of the offered labels, and a reworded or
// translated text must keep every number of its source and add no number,
// currency, link, e-mail or phone that is not in the source or the
// organisation's facts. Anything else is ErrInvalidOutput, so a caller can
// always fall back to its own, built-in result.
package llm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// DefaultTimeout bounds a call when Config.Timeout is zero.
const DefaultTimeout = 3 * time.Second

// maxResponseBytes caps the body read from a successful response: the
// answers asked for are a few hundred bytes, so more is a misbehaving server.
const maxResponseBytes = 64 << 10

// maxErrorBytes caps the body read from an error response.
const maxErrorBytes = 8 << 10

// OutputMode says how the endpoint is asked to answer in JSON.
type OutputMode string

// Output modes. Whatever the mode, the answer is validated locally.
const (
	// OutputJSONSchema sends response_format {"type":"json_schema"} with a
	// strict schema (OpenAI structured outputs, vLLM, llama.cpp, Ollama's
	// OpenAI API). It is the default.
	OutputJSONSchema OutputMode = "json_schema"
	// OutputJSONObject sends response_format {"type":"json_object"}, for
	// endpoints that support JSON mode but not schemas.
	OutputJSONObject OutputMode = "json_object"
	// OutputPrompt sends no response_format and relies on the system prompt,
	// which always describes the expected JSON.
	OutputPrompt OutputMode = "prompt"
)

// Config configures a Client.
type Config struct {
	// BaseURL is the API root without the endpoint, an absolute http(s) URL
	// such as https://api.openai.com/v1 or http://localhost:11434/v1.
	BaseURL string
	// Model is the model name sent with every request.
	Model string
	// APIKey is sent as a bearer token; empty sends no Authorization header
	// (local servers).
	APIKey string
	// Timeout bounds each call, connection and body included; zero means
	// DefaultTimeout.
	Timeout time.Duration
	// HTTPClient sends the requests; nil means a client of its own on
	// http.DefaultTransport. Its own Timeout, if any, also applies.
	HTTPClient *http.Client
	// Output says how JSON is requested; empty means OutputJSONSchema.
	Output OutputMode
}

// Client calls one chat-completions endpoint. It is immutable and safe for
// concurrent use.
type Client struct {
	endpoint string
	model    string
	apiKey   string
	timeout  time.Duration
	http     *http.Client
	output   OutputMode
}

// New validates cfg and returns a Client. It does not contact the server.
func New(cfg Config) (*Client, error) {
	u, err := url.Parse(strings.TrimSpace(cfg.BaseURL))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("llm config: BaseURL %q must be an absolute http(s) URL", cfg.BaseURL)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("llm config: BaseURL %q must not have a query or fragment", cfg.BaseURL)
	}
	model := strings.TrimSpace(cfg.Model)
	if model == "" {
		return nil, errors.New("llm config: Model must be set")
	}
	if cfg.Timeout < 0 {
		return nil, fmt.Errorf("llm config: Timeout %s must not be negative", cfg.Timeout)
	}
	timeout := cfg.Timeout
	if timeout == 0 {
		timeout = DefaultTimeout
	}
	output := cfg.Output
	switch output {
	case "":
		output = OutputJSONSchema
	case OutputJSONSchema, OutputJSONObject, OutputPrompt:
	default:
		return nil, fmt.Errorf("llm config: unknown Output %q", cfg.Output)
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{}
	}
	return &Client{
		endpoint: strings.TrimRight(u.String(), "/") + "/chat/completions",
		model:    model,
		apiKey:   cfg.APIKey,
		timeout:  timeout,
		http:     hc,
		output:   output,
	}, nil
}

// Timeout is the bound of each call.
func (c *Client) Timeout() time.Duration { return c.timeout }

// complete sends one chat completion asking for JSON that matches schema and
// decodes the answer into out. It returns ErrTimeout when the call's
// deadline passes, an *HTTPError for an error status and ErrInvalidOutput
// for an answer that is not exactly one JSON object of the schema's fields.
func (c *Client) complete(ctx context.Context, system, user string, schema outputSchema, out any) error {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()

	body, err := json.Marshal(c.request(system, user, schema))
	if err != nil {
		return fmt.Errorf("encode request: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	if c.apiKey != "" {
		req.Header.Set("Authorization", "Bearer "+c.apiKey)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return deadlineError(ctx, err)
	}
	defer resp.Body.Close()

	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		data, err := io.ReadAll(io.LimitReader(resp.Body, maxErrorBytes))
		if err != nil && ctx.Err() != nil {
			return deadlineError(ctx, err)
		}
		return newHTTPError(resp.StatusCode, data)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes+1))
	if err != nil {
		return deadlineError(ctx, fmt.Errorf("read response: %w", err))
	}
	if len(data) > maxResponseBytes {
		return fmt.Errorf("%w: response body exceeds %d bytes", ErrInvalidOutput, maxResponseBytes)
	}
	content, err := messageContent(data)
	if err != nil {
		return err
	}
	return decodeStrict(content, out)
}

// request builds the wire request for one call.
func (c *Client) request(system, user string, schema outputSchema) chatRequest {
	r := chatRequest{
		Model: c.model,
		Messages: []chatMessage{
			{Role: "system", Content: system},
			{Role: "user", Content: user},
		},
		Temperature: 0,
	}
	switch c.output {
	case OutputJSONSchema:
		r.ResponseFormat = &responseFormat{Type: "json_schema", JSONSchema: &jsonSchema{
			Name: schema.name, Strict: true, Schema: schema.schema,
		}}
	case OutputJSONObject:
		r.ResponseFormat = &responseFormat{Type: "json_object"}
	}
	return r
}

// deadlineError turns a failure caused by the call's deadline into
// ErrTimeout and one caused by the caller's cancellation into its context
// error, so callers can tell a slow provider from their own shutdown.
func deadlineError(ctx context.Context, err error) error {
	switch ctx.Err() {
	case context.DeadlineExceeded:
		return ErrTimeout
	case context.Canceled:
		return fmt.Errorf("llm request canceled: %w", context.Canceled)
	}
	// Config.HTTPClient's own Timeout, or a transport deadline.
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return ErrTimeout
	}
	return fmt.Errorf("llm request: %w", err)
}
