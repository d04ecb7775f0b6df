package telegram

import (
	"context"
	"fmt"
	"strings"
)

// MaxDownload is the largest file the Bot API lets a bot download:
// getFile refuses bigger ones.
const MaxDownload = 20 << 20

// File is a file Telegram keeps for a bot, as getFile describes it.
type File struct {
	// Path is getFile's file_path: the file's place under the bot's
	// download URL (FileURL).
	Path string
	// Size is file_size in bytes, 0 when Telegram did not say.
	Size int64
}

// LookupFile resolves a file_id (of a photo size, document, voice...) with
// getFile. The file can then be downloaded from FileURL for at least an
// hour. A failure of the call is a *wire.SendError, classified like a
// send's: Retry for 5xx, 429 and network errors; a file over MaxDownload
// fails with a 400.
func (c *Client) LookupFile(ctx context.Context, token, fileID string) (File, error) {
	if fileID == "" {
		return File{}, fmt.Errorf("telegram getFile: no file id")
	}
	var f struct {
		FilePath string `json:"file_path"`
		FileSize int64  `json:"file_size"`
	}
	if err := c.call(ctx, token, "getFile", struct {
		FileID string `json:"file_id"`
	}{fileID}, &f); err != nil {
		return File{}, fmt.Errorf("telegram getFile: %w", err)
	}
	if f.FilePath == "" {
		return File{}, fmt.Errorf("telegram getFile: no file_path in the answer")
	}
	return File{Path: f.FilePath, Size: f.FileSize}, nil
}

// FileURL is where f is downloaded: <api>/file/bot<token>/<file_path>. The
// URL contains the bot token: fetch it, never log or store it, and keep it
// out of error messages.
func (c *Client) FileURL(token string, f File) (string, error) {
	if !validToken(token) {
		return "", ErrInvalidToken
	}
	p := strings.TrimPrefix(f.Path, "/")
	if p == "" || strings.Contains(p, "..") || strings.ContainsAny(p, "?#\\") {
		return "", fmt.Errorf("telegram file path %q is not a file path", f.Path)
	}
	return c.base() + "/file/bot" + token + "/" + p, nil
}
