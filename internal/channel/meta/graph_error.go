package meta

import (
	"encoding/json"

	"frontdesk/internal/channel/wire"
)

// graphError is the error object of the Graph API, both in a failed
// send's response ({"error":{...}}) and in WhatsApp webhooks (statuses[]
// errors[], value.errors[]). error_data is an object with "details" in
// WhatsApp errors but a plain string in some older Graph errors, so it is
// kept raw and read by details().
type graphError struct {
	Message     string          `json:"message"`
	Type        string          `json:"type"`
	Code        int             `json:"code"`
	Subcode     int             `json:"error_subcode"`
	Title       string          `json:"title"`
	UserTitle   string          `json:"error_user_title"`
	ErrorData   json.RawMessage `json:"error_data"`
	IsTransient bool            `json:"is_transient"`
	FBTraceID   string          `json:"fbtrace_id"`
	Href        string          `json:"href"`
}

func (g graphError) details() string {
	if len(g.ErrorData) == 0 {
		return ""
	}
	var obj struct {
		Details string `json:"details"`
	}
	if json.Unmarshal(g.ErrorData, &obj) == nil {
		return obj.Details
	}
	var s string
	if json.Unmarshal(g.ErrorData, &s) == nil {
		return s
	}
	return ""
}

func (g graphError) platformError() wire.PlatformError {
	title := g.Title
	if title == "" {
		title = g.UserTitle
	}
	return wire.PlatformError{
		Code:    g.Code,
		Subcode: g.Subcode,
		Title:   title,
		Message: g.Message,
		Details: g.details(),
	}
}

func platformErrors(gs []graphError) []wire.PlatformError {
	if len(gs) == 0 {
		return nil
	}
	out := make([]wire.PlatformError, len(gs))
	for i, g := range gs {
		out[i] = g.platformError()
	}
	return out
}
