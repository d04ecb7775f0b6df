package meta

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"frontdesk/internal/channel/wire"
)

// Graph error codes the delivery job must tell apart (channels.md §2-4;
// WhatsApp support/error-codes, Messenger send-api/error-codes).
var (
	// retryCodes are throttling and transient failures: 130429 throughput,
	// 131056 pair rate limit, 80007 WABA rate limit, 4 app call limit,
	// 613 Messenger rate limit, 2 temporary failure, 131000 and 131016
	// WhatsApp "something went wrong" / service unavailable.
	retryCodes = []int{130429, 131056, 80007, 4, 613, 2, 131000, 131016}
	// windowSubcodes are Messenger's and Instagram's code-10 subcodes for
	// "sent outside of allowed window" (community-sourced, so the message
	// text is checked too).
	windowSubcodes = []int{2018278, 2534022}
	// recipientSubcodes are the code-100 subcodes that mean the recipient
	// does not exist for this page or account: Messenger 2018001 "No
	// matching user found" and Instagram 2534014 "user not found"
	// (community-sourced). Plain code 100 is an invalid parameter, i.e.
	// our bug, and stays permanent rather than marking a customer
	// unreachable.
	recipientSubcodes = []int{2018001, 2534014}
)

// classify turns a non-2xx Graph response into a SendError. Meta asks
// for handling on code and details, not titles; HTTP status only decides
// when the body carries no code.
func classify(p wire.Platform, status int, h http.Header, body []byte) *wire.SendError {
	se := &wire.SendError{Platform: p, HTTPStatus: status}
	var env struct {
		Error *graphError `json:"error"`
	}
	if json.Unmarshal(body, &env) == nil && env.Error != nil {
		se.Err = env.Error.platformError()
	} else {
		se.Err = wire.PlatformError{Message: bodySnippet(body)}
	}
	code, sub := se.Err.Code, se.Err.Subcode
	switch {
	case code == 131047:
		se.OutsideWindow = true
	case code == 10 && p != wire.WhatsApp &&
		(slices.Contains(windowSubcodes, sub) || strings.Contains(strings.ToLower(se.Err.Message), "outside of allowed window")):
		// Code 10 is also Graph's generic "permission denied", so only
		// the window subcodes or text make it a window error.
		se.OutsideWindow = true
	case code == 551 || code == 131026:
		se.Unreachable = true
	case code == 100 && slices.Contains(recipientSubcodes, sub):
		se.Unreachable = true
	case slices.Contains(retryCodes, code),
		status >= 500, status == http.StatusTooManyRequests,
		env.Error != nil && env.Error.IsTransient:
		se.Retry = true
	}
	if d, ok := retryAfter(h.Get("Retry-After")); ok {
		se.RetryAfter = d
	}
	return se
}

// retryAfter reads a Retry-After header: delay seconds or an HTTP date.
func retryAfter(v string) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(time.Until(t), 0), true
	}
	return 0, false
}

// bodySnippet keeps a non-JSON error body (a proxy's HTML page) short.
func bodySnippet(b []byte) string {
	const max = 200
	if len(b) > max {
		b = b[:max]
		for len(b) > 0 && !utf8.Valid(b) {
			b = b[:len(b)-1]
		}
	}
	return strings.TrimSpace(string(b))
}
