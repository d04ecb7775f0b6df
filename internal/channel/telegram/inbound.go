package telegram

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"frontdesk/internal/channel/wire"
)

// SecretHeader is the header in which Telegram repeats setWebhook's
// secret_token on every webhook request.
const SecretHeader = "X-Telegram-Bot-Api-Secret-Token"

// VerifySecret checks a webhook request's SecretHeader value against the
// secret given to setWebhook. It compares in constant time so the secret
// cannot be guessed byte by byte from response timings. An empty configured
// secret never matches: a bot without one would accept anybody's POSTs.
func VerifySecret(configured, header string) error {
	if configured == "" || header == "" {
		return wire.ErrBadSignature
	}
	if subtle.ConstantTimeCompare([]byte(configured), []byte(header)) != 1 {
		return wire.ErrBadSignature
	}
	return nil
}

// NewSecret returns a fresh secret_token for setWebhook. rand.Text gives
// 26 base32 characters (A-Z, 2-7, 130 bits), all inside Telegram's
// allowed set A-Z a-z 0-9 _ - and well under its 256-character limit.
func NewSecret() string {
	return rand.Text()
}

// validSecret reports whether s is acceptable as setWebhook's secret_token:
// 1–256 characters of A-Z a-z 0-9 _ -.
func validSecret(s string) bool {
	if len(s) < 1 || len(s) > 256 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// The Bot API's JSON shapes, reduced to the fields Frontdesk reads. Ids are
// int64 because user and chat ids can have up to 52 bits.
type (
	update struct {
		UpdateID      *int64             `json:"update_id"`
		Message       *message           `json:"message"`
		EditedMessage *message           `json:"edited_message"`
		CallbackQuery *callbackQuery     `json:"callback_query"`
		MyChatMember  *chatMemberUpdated `json:"my_chat_member"`
	}
	user struct {
		ID           int64  `json:"id"`
		IsBot        bool   `json:"is_bot"`
		FirstName    string `json:"first_name"`
		LastName     string `json:"last_name"`
		Username     string `json:"username"`
		LanguageCode string `json:"language_code"`
	}
	chat struct {
		ID int64 `json:"id"`
	}
	message struct {
		MessageID   int64         `json:"message_id"`
		From        *user         `json:"from"`
		Chat        *chat         `json:"chat"`
		Date        int64         `json:"date"`
		Text        string        `json:"text"`
		Caption     string        `json:"caption"`
		Photo       []photoSize   `json:"photo"`
		Document    *file         `json:"document"`
		Video       *file         `json:"video"`
		VideoNote   *file         `json:"video_note"`
		Animation   *file         `json:"animation"`
		Voice       *file         `json:"voice"`
		Audio       *file         `json:"audio"`
		Sticker     *file         `json:"sticker"`
		ReplyTo     *replyTo      `json:"reply_to_message"`
		ReplyMarkup *inlineMarkup `json:"reply_markup"`
	}
	replyTo struct {
		MessageID int64 `json:"message_id"`
	}
	photoSize struct {
		FileID   string `json:"file_id"`
		Width    int64  `json:"width"`
		Height   int64  `json:"height"`
		FileSize int64  `json:"file_size"`
	}
	// file covers Document, Video, VideoNote, Animation, Voice, Audio and
	// Sticker: they share file_id, file_size and (except Sticker)
	// mime_type.
	file struct {
		FileID   string `json:"file_id"`
		MIMEType string `json:"mime_type"`
		FileSize int64  `json:"file_size"`
	}
	inlineMarkup struct {
		InlineKeyboard [][]inlineButton `json:"inline_keyboard"`
	}
	inlineButton struct {
		Text         string `json:"text"`
		CallbackData string `json:"callback_data,omitempty"`
	}
	callbackQuery struct {
		ID      string   `json:"id"`
		From    *user    `json:"from"`
		Message *message `json:"message"`
		Data    string   `json:"data"`
	}
	chatMemberUpdated struct {
		Chat          *chat      `json:"chat"`
		From          *user      `json:"from"`
		Date          int64      `json:"date"`
		NewChatMember chatMember `json:"new_chat_member"`
	}
	chatMember struct {
		Status string `json:"status"`
	}
)

// BlockedType is Event.Unsupported for a my_chat_member update saying the
// user blocked the bot (new status "kicked" in a private chat). It arrives
// as an Unsupported event rather than a new wire kind so that the pipeline
// records and shows it without a change to wire; the conversation can be
// marked unreachable from it, as a 403 on send would do anyway. Other
// status changes arrive as "my_chat_member:<status>" (e.g.
// "my_chat_member:member" when the user unblocks the bot).
const BlockedType = "my_chat_member:kicked"

// unsupportedContent names message fields that carry content Frontdesk does
// not handle, so an agent sees "message:location" rather than a bare
// "message". The first one present wins.
var unsupportedContent = []string{
	"location", "venue", "contact", "poll", "dice", "game", "story",
	"invoice", "successful_payment", "paid_media", "checklist",
	"new_chat_members", "left_chat_member", "new_chat_title",
	"new_chat_photo", "pinned_message", "web_app_data",
}

// Parse turns one webhook body (a single JSON Update) into an Event. A body
// that is not JSON or has no update_id is wrapped in wire.ErrMalformed;
// every well-formed Update gives an Event, those Frontdesk cannot act on as
// wire.Unsupported with the Update field's name.
func Parse(body []byte) (wire.Event, error) {
	var u update
	if err := json.Unmarshal(body, &u); err != nil {
		return wire.Event{}, fmt.Errorf("parse telegram update: %w: %v", wire.ErrMalformed, err)
	}
	if u.UpdateID == nil {
		return wire.Event{}, fmt.Errorf("parse telegram update: %w: no update_id", wire.ErrMalformed)
	}
	ev := wire.Event{
		Platform:   wire.Telegram,
		ExternalID: "tg:" + strconv.FormatInt(*u.UpdateID, 10),
	}
	var err error
	switch {
	case u.Message != nil:
		err = fromMessage(&ev, u.Message, body, "message")
	case u.EditedMessage != nil:
		err = fromMessage(&ev, u.EditedMessage, body, "edited_message")
		if err == nil && ev.Kind == wire.Message {
			ev.Kind = wire.Edit
			ev.RefID = strconv.FormatInt(u.EditedMessage.MessageID, 10)
		}
	case u.CallbackQuery != nil:
		err = fromCallback(&ev, u.CallbackQuery)
	case u.MyChatMember != nil:
		err = fromChatMember(&ev, u.MyChatMember)
	default:
		ev.Kind = wire.Unsupported
		ev.Unsupported = updateType(body)
	}
	if err != nil {
		return wire.Event{}, fmt.Errorf("parse telegram update %s: %w", ev.ExternalID, err)
	}
	return ev, nil
}

// fromMessage fills ev from a message or edited_message. Text and caption
// both become Event.Text because on Telegram the caption is what the
// customer wrote; the caption also stays on the media it describes.
func fromMessage(ev *wire.Event, m *message, body []byte, field string) error {
	if m.Chat == nil {
		return fmt.Errorf("%w: %s without chat", wire.ErrMalformed, field)
	}
	ev.ChatID = strconv.FormatInt(m.Chat.ID, 10)
	ev.Sender = sender(m.From)
	ev.At = unixTime(m.Date)
	ev.Text = m.Text
	if ev.Text == "" {
		ev.Text = m.Caption
	}
	ev.Media = media(m)
	if ev.Text == "" && len(ev.Media) == 0 {
		ev.Kind = wire.Unsupported
		ev.Unsupported = field + ":" + messageContent(body, field)
		return nil
	}
	ev.Kind = wire.Message
	if m.ReplyTo != nil {
		ev.RefID = strconv.FormatInt(m.ReplyTo.MessageID, 10)
	}
	if p, ok := startParameter(m.Text); ok {
		// The deep-link parameter (t.me/bot?start=<p>) says where the
		// customer came from; it rides in Payload like a Messenger
		// "Get Started" postback, and the text stays as typed.
		ev.Payload = p
	}
	return nil
}

// startParameter reports whether text is a /start command (also in the
// group form /start@bot) and returns its deep-link parameter, if any.
func startParameter(text string) (string, bool) {
	rest, ok := strings.CutPrefix(text, "/start")
	if !ok {
		return "", false
	}
	if strings.HasPrefix(rest, "@") {
		i := strings.IndexAny(rest, " \t\n")
		if i < 0 {
			return "", true
		}
		rest = rest[i:]
	}
	if rest != "" && !strings.ContainsAny(rest[:1], " \t\n") {
		return "", false // "/startle" is not the command
	}
	return strings.TrimSpace(rest), true
}

// media lists m's attachments as references for a later download. Of a
// photo's sizes only the largest is kept: the others are thumbnails of it.
func media(m *message) []wire.Media {
	var out []wire.Media
	if best, ok := largestPhoto(m.Photo); ok {
		out = append(out, wire.Media{Kind: wire.Image, PlatformType: "photo", ID: best.FileID, Size: best.FileSize, Caption: m.Caption})
	}
	for _, f := range []struct {
		f    *file
		kind wire.MediaKind
		name string
	}{
		{m.Document, wire.File, "document"},
		{m.Video, wire.Video, "video"},
		{m.VideoNote, wire.Video, "video_note"},
		{m.Animation, wire.Video, "animation"},
		{m.Voice, wire.Audio, "voice"},
		{m.Audio, wire.Audio, "audio"},
		{m.Sticker, wire.OtherMedia, "sticker"},
	} {
		if f.f == nil || f.f.FileID == "" {
			continue
		}
		out = append(out, wire.Media{Kind: f.kind, PlatformType: f.name, ID: f.f.FileID, MIMEType: f.f.MIMEType, Size: f.f.FileSize, Caption: m.Caption})
	}
	return out
}

// largestPhoto picks the size with the most pixels, then the biggest file.
func largestPhoto(sizes []photoSize) (photoSize, bool) {
	var best photoSize
	found := false
	for _, p := range sizes {
		if p.FileID == "" {
			continue
		}
		if !found || p.Width*p.Height > best.Width*best.Height ||
			p.Width*p.Height == best.Width*best.Height && p.FileSize > best.FileSize {
			best, found = p, true
		}
	}
	return best, found
}

// fromCallback fills ev from a pressed inline button. Text is the button's
// title when the keyboard in the original message shows which button it
// was, so the conversation reads as the customer saw it.
func fromCallback(ev *wire.Event, q *callbackQuery) error {
	if q.ID == "" {
		return fmt.Errorf("%w: callback_query without id", wire.ErrMalformed)
	}
	ev.Kind = wire.Message
	ev.CallbackID = q.ID
	ev.Payload = q.Data
	ev.Sender = sender(q.From)
	// A CallbackQuery has no date of its own and arrives at once, so the
	// time of receipt stands in for the time of the press.
	ev.At = time.Now().UTC()
	if q.From != nil {
		// For a button on an inline-mode message there is no message and
		// no chat; in a private chat the chat id is the user's id.
		ev.ChatID = strconv.FormatInt(q.From.ID, 10)
	}
	if m := q.Message; m != nil {
		if m.Chat != nil {
			ev.ChatID = strconv.FormatInt(m.Chat.ID, 10)
		}
		ev.RefID = strconv.FormatInt(m.MessageID, 10)
		if m.ReplyMarkup != nil && q.Data != "" {
			ev.Text = buttonText(m.ReplyMarkup.InlineKeyboard, q.Data)
		}
	}
	if ev.ChatID == "" {
		return fmt.Errorf("%w: callback_query without from or message.chat", wire.ErrMalformed)
	}
	return nil
}

func buttonText(rows [][]inlineButton, data string) string {
	for _, row := range rows {
		for _, b := range row {
			if b.CallbackData == data {
				return b.Text
			}
		}
	}
	return ""
}

// fromChatMember surfaces a change of the bot's membership in a chat; see
// BlockedType.
func fromChatMember(ev *wire.Event, c *chatMemberUpdated) error {
	ev.Kind = wire.Unsupported
	status := c.NewChatMember.Status
	if status == "" {
		status = "unknown"
	}
	ev.Unsupported = "my_chat_member:" + status
	if c.Chat != nil {
		ev.ChatID = strconv.FormatInt(c.Chat.ID, 10)
	}
	ev.Sender = sender(c.From)
	ev.At = unixTime(c.Date)
	return nil
}

func sender(u *user) wire.Sender {
	if u == nil {
		return wire.Sender{}
	}
	return wire.Sender{
		ID:       strconv.FormatInt(u.ID, 10),
		Username: u.Username,
		Name:     strings.TrimSpace(u.FirstName + " " + u.LastName),
		Language: u.LanguageCode,
	}
}

func unixTime(s int64) time.Time {
	if s == 0 {
		return time.Time{}
	}
	return time.Unix(s, 0).UTC()
}

// updateType names the field of an Update Parse does not handle
// ("channel_post", "inline_query", ...). The body already decoded once, so
// a failure here only loses the name.
func updateType(body []byte) string {
	var fields map[string]json.RawMessage
	if json.Unmarshal(body, &fields) != nil {
		return "unknown"
	}
	// Sorted so that a body with several fields (Telegram sets at most
	// one) always gets the same name.
	// encoding/json matched update_id case-insensitively, so skip it the
	// same way.
	for _, k := range slices.Sorted(maps.Keys(fields)) {
		if k != "" && !strings.EqualFold(k, "update_id") {
			return k
		}
	}
	return "unknown"
}

// messageContent names the content of a message with neither text nor
// media Frontdesk handles.
func messageContent(body []byte, field string) string {
	var u map[string]json.RawMessage
	var m map[string]json.RawMessage
	if json.Unmarshal(body, &u) != nil || json.Unmarshal(u[field], &m) != nil {
		return "other"
	}
	for _, k := range unsupportedContent {
		if _, ok := m[k]; ok {
			return k
		}
	}
	return "other"
}
