package meta

import (
	"context"
	"fmt"
	"net/url"

	"frontdesk/internal/channel/wire"
)

// Template is a WhatsApp message template as the Business Management API
// lists it.
type Template struct {
	ID   string
	Name string
	// Language is the template's locale code ("en_US", "ru").
	Language string
	// Status is Meta's review status: APPROVED, PENDING, REJECTED,
	// PAUSED, DISABLED... Only APPROVED templates can be sent.
	Status string
	// Category is MARKETING, UTILITY or AUTHENTICATION.
	Category   string
	Components []TemplateComponent
}

// TemplateComponent is one part of a template: HEADER, BODY, FOOTER or
// BUTTONS. Text holds placeholders {{1}}, {{2}}...
type TemplateComponent struct {
	Type   string
	Format string
	Text   string
}

// templateFields are the fields asked for; without fields Graph returns
// only some of them.
const templateFields = "id,name,language,status,category,components"

// Paging of MessageTemplates: a WhatsApp Business Account holds at most
// 6,000 templates (250 before verification), so 60 pages of 100 cover any.
const (
	templatePageSize = 100
	maxTemplatePages = 60
)

// MessageTemplates lists every template of a WhatsApp Business Account
// (GET /<version>/<waba-id>/message_templates), whatever its status,
// following the answer's cursors. A failure is a *wire.SendError (Retry
// for 5xx, throttling and network errors; code 190 for a dead token).
func (c *Client) MessageTemplates(ctx context.Context, token, wabaID string) ([]Template, error) {
	if wabaID == "" || token == "" {
		return nil, fmt.Errorf("whatsapp templates: account id and token are required")
	}
	endpoint, err := c.graphURL(wabaID, "message_templates")
	if err != nil {
		return nil, fmt.Errorf("whatsapp templates: %w", err)
	}
	var out []Template
	after := ""
	for range maxTemplatePages {
		q := url.Values{"fields": {templateFields}, "limit": {fmt.Sprint(templatePageSize)}}
		if after != "" {
			q.Set("after", after)
		}
		var page struct {
			Data []struct {
				ID         string `json:"id"`
				Name       string `json:"name"`
				Language   string `json:"language"`
				Status     string `json:"status"`
				Category   string `json:"category"`
				Components []struct {
					Type   string `json:"type"`
					Format string `json:"format"`
					Text   string `json:"text"`
				} `json:"components"`
			} `json:"data"`
			Paging struct {
				Cursors struct {
					After string `json:"after"`
				} `json:"cursors"`
				Next string `json:"next"`
			} `json:"paging"`
		}
		if err := c.get(ctx, wire.WhatsApp, endpoint+"?"+q.Encode(), token, &page); err != nil {
			return nil, fmt.Errorf("whatsapp templates: %w", err)
		}
		for _, d := range page.Data {
			t := Template{ID: d.ID, Name: d.Name, Language: d.Language, Status: d.Status, Category: d.Category}
			for _, c := range d.Components {
				t.Components = append(t.Components, TemplateComponent(c))
			}
			out = append(out, t)
		}
		// Graph gives "next" only when there is another page; the cursor
		// is reused rather than the URL, which names Graph's own host.
		if page.Paging.Next == "" || page.Paging.Cursors.After == "" || page.Paging.Cursors.After == after || len(page.Data) == 0 {
			return out, nil
		}
		after = page.Paging.Cursors.After
	}
	return out, nil
}
