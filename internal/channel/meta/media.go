package meta

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"frontdesk/internal/channel/wire"
)

// MediaInfo is what the Graph API says about a WhatsApp media object
// (GET /<version>/<media-id>): where to download it and what it is.
type MediaInfo struct {
	ID string
	// URL is where the file is, for about five minutes; the download
	// needs the same access token.
	URL      string
	MIMEType string
	// SHA256 is the file's hash as Meta gives it (hex or base64).
	SHA256   string
	FileSize int64
}

// Media resolves a WhatsApp media id, the id an inbound image, audio,
// video, document or sticker carries, with the account's access token.
// Media ids of inbound messages stay valid for 30 days; the
// URL this returns expires after five minutes, so download it at once. A
// failure is a *wire.SendError (Retry for 5xx, throttling and network
// errors).
func (c *Client) Media(ctx context.Context, token, mediaID string) (MediaInfo, error) {
	if mediaID == "" || token == "" {
		return MediaInfo{}, fmt.Errorf("whatsapp media: media id and token are required")
	}
	u, err := c.graphURL(mediaID)
	if err != nil {
		return MediaInfo{}, fmt.Errorf("whatsapp media: %w", err)
	}
	var r struct {
		ID       string       `json:"id"`
		URL      string       `json:"url"`
		MIMEType string       `json:"mime_type"`
		SHA256   string       `json:"sha256"`
		FileSize flexibleSize `json:"file_size"`
	}
	if err := c.get(ctx, wire.WhatsApp, u, token, &r); err != nil {
		return MediaInfo{}, fmt.Errorf("whatsapp media: %w", err)
	}
	if r.URL == "" {
		return MediaInfo{}, fmt.Errorf("whatsapp media: the answer has no url")
	}
	return MediaInfo{ID: r.ID, URL: r.URL, MIMEType: r.MIMEType, SHA256: r.SHA256, FileSize: int64(r.FileSize)}, nil
}

// flexibleSize reads file_size, which Meta's reference shows as a string
// and live answers give as a number.
type flexibleSize int64

func (s *flexibleSize) UnmarshalJSON(b []byte) error {
	v := strings.Trim(string(b), `"`)
	if v == "" || v == "null" {
		*s = 0
		return nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return fmt.Errorf("file_size %s is not a size", b)
	}
	*s = flexibleSize(n)
	return nil
}

// graphURL is <base>/<version>/<segments...>, each segment escaped.
func (c *Client) graphURL(segments ...string) (string, error) {
	base, version := c.BaseURL, c.Version
	if base == "" {
		base = DefaultBaseURL
	}
	if version == "" {
		version = DefaultVersion
	}
	parts := []string{version}
	for _, s := range segments {
		if s == "" || s == "." || s == ".." {
			return "", fmt.Errorf("bad path segment %q", s)
		}
		parts = append(parts, url.PathEscape(s))
	}
	u, err := url.JoinPath(base, parts...)
	if err != nil {
		return "", fmt.Errorf("build URL: %w", err)
	}
	return u, nil
}

// get GETs a Graph API URL with token and decodes the JSON answer into
// dst. A failure is a *wire.SendError classified like a send's.
func (c *Client) get(ctx context.Context, p wire.Platform, u, token string, dst any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	_, raw, err := c.do(p, req, token)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(raw, dst); err != nil {
		return fmt.Errorf("decode response: %w", err)
	}
	return nil
}
