package telegram

import (
	"strings"

	"frontdesk/internal/channel/textsplit"
)

// Telegram's length limits. They are counted here in UTF-16 code units,
// the unit of Telegram's entity offsets: a text within the limit in UTF-16
// units is within it however Telegram counts characters (an emoji outside
// the BMP is two units but one character).
const (
	maxTextLen    = 4096 // sendMessage text, 1–4096 characters
	maxCaptionLen = 1024 // sendPhoto/sendDocument caption, 0–1024 characters
	maxAnswerLen  = 200  // answerCallbackQuery text, 0–200 characters
	maxCallback   = 64   // callback_data, 1–64 bytes
)

// textLen is s's length in UTF-16 code units.
func textLen(s string) int { return textsplit.Len(s, textsplit.UTF16) }

// splitText cuts s into parts of at most limit UTF-16 units at natural
// breaks (textsplit.Split). Whitespace around the text and at the cuts is
// dropped (Telegram strips it anyway), and a blank text has no parts.
func splitText(s string, limit int) []string {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil
	}
	return textsplit.Split(s, limit, textsplit.UTF16)
}

// truncate shortens s to at most limit UTF-16 units, marking the cut with
// an ellipsis.
func truncate(s string, limit int) string { return textsplit.Truncate(s, limit, textsplit.UTF16) }
