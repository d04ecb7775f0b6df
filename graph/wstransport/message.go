package wstransport

import (
	"bytes"
	"encoding/json"
	"fmt"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql"
	"github.com/coder/websocket"
)

// Subprotocol is the only websocket subprotocol this transport speaks.
const Subprotocol = "graphql-transport-ws"

// Message types of the graphql-transport-ws protocol.
const (
	typeConnectionInit = "connection_init"
	typeConnectionAck  = "connection_ack"
	typePing           = "ping"
	typePong           = "pong"
	typeSubscribe      = "subscribe"
	typeNext           = "next"
	typeError          = "error"
	typeComplete       = "complete"
)

// Close codes defined by the protocol, plus the standard ones this transport
// uses.
const (
	CloseBadRequest         websocket.StatusCode = 4400
	CloseUnauthorized       websocket.StatusCode = 4401
	CloseForbidden          websocket.StatusCode = 4403
	CloseInitTimeout        websocket.StatusCode = 4408
	CloseSubscriberExists   websocket.StatusCode = 4409
	CloseTooManyInitRequest websocket.StatusCode = 4429
	CloseGoingAway                               = websocket.StatusGoingAway
	CloseSlowConsumer                            = websocket.StatusPolicyViolation
)

// maxCloseReason is the longest close reason a close frame can carry.
const maxCloseReason = 123

// message is one protocol message in either direction.
type message struct {
	ID      string          `json:"id,omitempty"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload,omitempty"`

	// params is the decoded payload of a subscribe message.
	params *graphql.RawParams
}

// protocolError is a client message the protocol does not allow; Reason is
// short and safe to send as the close reason.
type protocolError struct {
	Reason string
}

func (e *protocolError) Error() string { return e.Reason }

func badRequest(reason string) error { return &protocolError{Reason: reason} }

// parseMessage decodes and checks the shape of a client message. It does not
// check whether the message is allowed in the connection's current state.
func parseMessage(data []byte) (message, error) {
	var m message
	if err := json.Unmarshal(data, &m); err != nil {
		return message{}, badRequest("Invalid message received")
	}
	switch m.Type {
	case typeConnectionInit:
		if !isObjectOrAbsent(m.Payload) {
			return message{}, badRequest("Invalid connection_init payload")
		}
	case typePing, typePong:
	case typeSubscribe:
		if m.ID == "" {
			return message{}, badRequest("Invalid subscribe id")
		}
		params, err := parseSubscribePayload(m.Payload)
		if err != nil {
			return message{}, err
		}
		m.params = params
	case typeComplete:
		if m.ID == "" {
			return message{}, badRequest("Invalid complete id")
		}
	case "":
		return message{}, badRequest("Missing message type")
	default:
		return message{}, badRequest("Invalid message type")
	}
	return m, nil
}

// parseSubscribePayload decodes the payload of a subscribe message. The query
// must be a non-empty string, except for automatic persisted queries whose
// extensions carry the hash instead.
func parseSubscribePayload(payload json.RawMessage) (*graphql.RawParams, error) {
	if !isObject(payload) {
		return nil, badRequest("Invalid subscribe payload")
	}
	var shape struct {
		Query *string `json:"query"`
	}
	if err := json.Unmarshal(payload, &shape); err != nil || shape.Query == nil {
		return nil, badRequest("Invalid subscribe payload query")
	}

	params := &graphql.RawParams{}
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.UseNumber() // keep large integer variables exact, as gqlgen does
	if err := dec.Decode(params); err != nil {
		return nil, badRequest("Invalid subscribe payload")
	}
	if params.Query == "" && params.Extensions["persistedQuery"] == nil {
		return nil, badRequest("Invalid subscribe payload query")
	}
	return params, nil
}

func isObject(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) > 0 && raw[0] == '{'
}

func isObjectOrAbsent(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) == 0 || bytes.Equal(raw, []byte("null")) || raw[0] == '{'
}

// encode marshals a server message.
func encode(m message) ([]byte, error) {
	b, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("encode %s message: %w", m.Type, err)
	}
	return b, nil
}

// closeReason truncates s to what a close frame can carry without splitting
// a UTF-8 sequence.
func closeReason(s string) string {
	if len(s) <= maxCloseReason {
		return s
	}
	i := maxCloseReason
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i]
}
