package channel

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"frontdesk/internal/apperror"
	"frontdesk/internal/auth"
	"frontdesk/internal/channel/telegram"
	"frontdesk/internal/channel/wire"
	"frontdesk/internal/database"
	"frontdesk/internal/secretbox"
)

// Status is an account's state; the values are the GraphQL enum's.
type Status string

// Account statuses.
const (
	StatusActive       Status = "ACTIVE"
	StatusError        Status = "ERROR"
	StatusDisconnected Status = "DISCONNECTED"
)

// WhatsAppCredentials connect a WhatsApp Business Cloud API number.
type WhatsAppCredentials struct {
	PhoneNumberID string `json:"phoneNumberId"`
	WabaID        string `json:"wabaId"`
	AccessToken   string `json:"accessToken"`
	AppSecret     string `json:"appSecret"`
	VerifyToken   string `json:"verifyToken"`
}

// MessengerCredentials connect a Facebook page.
type MessengerCredentials struct {
	PageID      string `json:"pageId"`
	PageToken   string `json:"pageToken"`
	AppSecret   string `json:"appSecret"`
	VerifyToken string `json:"verifyToken"`
}

// InstagramCredentials connect an Instagram professional account.
type InstagramCredentials struct {
	AccountID   string `json:"accountId"`
	AccessToken string `json:"accessToken"`
	AppSecret   string `json:"appSecret"`
	VerifyToken string `json:"verifyToken"`
}

// TelegramCredentials connect a bot. WebhookSecret is Frontdesk's own: it
// is generated on connect, given to Telegram with setWebhook, and checked
// on every update (X-Telegram-Bot-Api-Secret-Token).
type TelegramCredentials struct {
	BotToken      string `json:"botToken"`
	WebhookSecret string `json:"webhookSecret,omitempty"`
}

// ConnectInput is connectChannel's and updateChannel's input: the kind, a
// name, and exactly the credentials of that kind (none for a web chat).
type ConnectInput struct {
	Kind      Kind
	Name      string
	WhatsApp  *WhatsAppCredentials
	Messenger *MessengerCredentials
	Instagram *InstagramCredentials
	Telegram  *TelegramCredentials
}

var (
	numericID     = regexp.MustCompile(`^[0-9]{1,30}$`)
	telegramToken = regexp.MustCompile(`^[0-9]{1,20}:[A-Za-z0-9_-]{20,100}$`)
	verifyTokenRe = regexp.MustCompile(`^[\x21-\x7e]{8,200}$`)
)

// secretField checks a token or secret: printable, no spaces, bounded.
func secretField(field, v string, min int) error {
	if len(v) < min || len(v) > 1000 || strings.ContainsAny(v, " \t\r\n") || !utf8.ValidString(v) {
		return apperror.Invalid(field, "%d to 1000 characters without spaces", min)
	}
	return nil
}

// validate checks in and returns the credentials to seal and the
// platform's id of the account.
func (in *ConnectInput) validate() (creds any, externalID string, err error) {
	in.Name = strings.TrimSpace(in.Name)
	if in.Name == "" || utf8.RuneCountInString(in.Name) > 100 {
		return nil, "", apperror.Invalid("name", "1 to 100 characters")
	}
	given := 0
	for _, set := range []bool{in.WhatsApp != nil, in.Messenger != nil, in.Instagram != nil, in.Telegram != nil} {
		if set {
			given++
		}
	}
	want := map[Kind]bool{WhatsApp: in.WhatsApp != nil, Messenger: in.Messenger != nil, Instagram: in.Instagram != nil, Telegram: in.Telegram != nil}
	switch in.Kind {
	case WebChat:
		if given != 0 {
			return nil, "", apperror.Invalid("kind", "a web chat takes no platform credentials")
		}
		return nil, "", nil
	case WhatsApp, Messenger, Instagram, Telegram:
		if given != 1 || !want[in.Kind] {
			return nil, "", apperror.Invalid(strings.ToLower(string(in.Kind)), "give exactly the %s credentials", strings.ToLower(string(in.Kind)))
		}
	default:
		return nil, "", apperror.Invalid("kind", "channels of kind %s cannot be connected", in.Kind)
	}
	switch in.Kind {
	case WhatsApp:
		c := in.WhatsApp
		if !numericID.MatchString(c.WabaID) {
			return nil, "", apperror.Invalid("whatsapp.wabaId", "the numeric WhatsApp Business Account id")
		}
		return c, c.PhoneNumberID, checkMeta("whatsapp", "phoneNumberId", "the numeric phone number id from WhatsApp Manager",
			c.PhoneNumberID, "accessToken", c.AccessToken, c.AppSecret, c.VerifyToken)
	case Messenger:
		c := in.Messenger
		return c, c.PageID, checkMeta("messenger", "pageId", "the numeric Facebook page id",
			c.PageID, "pageToken", c.PageToken, c.AppSecret, c.VerifyToken)
	case Instagram:
		c := in.Instagram
		return c, c.AccountID, checkMeta("instagram", "accountId", "the numeric Instagram professional account id",
			c.AccountID, "accessToken", c.AccessToken, c.AppSecret, c.VerifyToken)
	default: // Telegram
		c := in.Telegram
		if !telegramToken.MatchString(c.BotToken) {
			return nil, "", apperror.Invalid("telegram.botToken", "a bot token as BotFather gives it: <bot id>:<secret>")
		}
		// The bot's id is the token's prefix; the webhook secret is ours.
		bot := c.BotToken[:strings.IndexByte(c.BotToken, ':')]
		return &TelegramCredentials{BotToken: c.BotToken, WebhookSecret: newWebhookSecret()}, bot, nil
	}
}

// checkMeta checks the credentials every Meta platform takes: the
// account's numeric id, an access token, the app secret that signs
// webhooks and the token of the subscription handshake.
func checkMeta(kind, idField, idHint, id, tokenField, token, appSecret, verifyToken string) error {
	if !numericID.MatchString(id) {
		return apperror.Invalid(kind+"."+idField, "%s", idHint)
	}
	if err := secretField(kind+"."+tokenField, token, 20); err != nil {
		return err
	}
	if err := secretField(kind+".appSecret", appSecret, 16); err != nil {
		return err
	}
	if !verifyTokenRe.MatchString(verifyToken) {
		return apperror.Invalid(kind+".verifyToken", "8 to 200 printable characters without spaces")
	}
	return nil
}

// newWebhookSecret is a secret_token for Telegram's setWebhook: 1–256
// characters of A-Z a-z 0-9 _ -.
func newWebhookSecret() string {
	return strings.NewReplacer("+", "-", "/", "_").Replace(rand.Text() + rand.Text())
}

// TelegramAPI is the part of the Bot API a connect needs
// (telegram.Client).
type TelegramAPI interface {
	GetMe(ctx context.Context, token string) (telegram.Bot, error)
	SetWebhook(ctx context.Context, token, webhookURL, secret string, allowedUpdates []string) error
}

// Connections connects, updates and disconnects channel accounts.
type Connections struct {
	db       *bun.DB
	telegram TelegramAPI
	// box seals credentials; they are never returned by any query.
	box *secretbox.Box
	// publicURL is where platforms reach this deployment (webhook URLs).
	publicURL *url.URL
	now       func() time.Time
	// cache holds accounts read for webhooks and sends (Account).
	cache accountCache
}

// NewConnections returns the service; publicURL is the deployment's
// public base URL (FRONTDESK_PUBLIC_URL).
func NewConnections(db *bun.DB, box *secretbox.Box, publicURL string) (*Connections, error) {
	u, err := url.Parse(publicURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("public URL %q: want an absolute http(s) URL", publicURL)
	}
	return &Connections{db: db, box: box, publicURL: u, now: time.Now}, nil
}

// SetTelegram lets a Telegram connect check the bot token and point the
// bot's webhook here itself. Call it before serving.
func (c *Connections) SetTelegram(api TelegramAPI) { c.telegram = api }

// WebhookURL is where a's platform must deliver its webhooks; empty
// for kinds without webhooks.
func (c *Connections) WebhookURL(a *Account) string {
	switch a.Kind {
	case WhatsApp, Messenger, Instagram, Telegram:
		return c.publicURL.JoinPath("webhooks", strings.ToLower(string(a.Kind)), a.ID.String()).String()
	}
	return ""
}

// Connect creates a channel account with its sealed credentials; admins
// only.
func (c *Connections) Connect(ctx context.Context, in ConnectInput) (*Account, error) {
	return c.save(ctx, in, func(ctx context.Context, tx bun.Tx, orgID uuid.UUID) (*Account, error) {
		return Create(ctx, tx, orgID, in.Kind, in.Name)
	})
}

// Update replaces an account's name and credentials; its kind cannot
// change. A disconnected account is connected again.
func (c *Connections) Update(ctx context.Context, id uuid.UUID, in ConnectInput) (*Account, error) {
	return c.save(ctx, in, func(ctx context.Context, tx bun.Tx, orgID uuid.UUID) (*Account, error) {
		a, err := lockAccount(ctx, tx, orgID, id)
		if err != nil {
			return nil, err
		}
		if a.Kind != in.Kind {
			return nil, apperror.Invalid("kind", "an account of kind %s stays %s; connect a new one instead", a.Kind, a.Kind)
		}
		a.Name = in.Name
		if _, err := tx.NewUpdate().Model(a).Set("name = ?", a.Name).WherePK().Exec(ctx); err != nil {
			return nil, fmt.Errorf("rename channel account: %w", err)
		}
		return a, nil
	})
}

// save validates in (admins only), then, in one transaction, gets the
// account from load and attaches the credentials; a Telegram bot's webhook
// is registered after the commit.
func (c *Connections) save(ctx context.Context, in ConnectInput, load func(ctx context.Context, tx bun.Tx, orgID uuid.UUID) (*Account, error)) (*Account, error) {
	p, err := auth.Require(ctx, auth.Admins...)
	if err != nil {
		return nil, err
	}
	creds, externalID, err := in.validate()
	if err != nil {
		return nil, err
	}
	var a *Account
	err = c.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if a, err = load(ctx, tx, p.OrgID); err != nil {
			return err
		}
		return c.attach(ctx, tx, a, creds, externalID)
	})
	if err != nil {
		return nil, err
	}
	c.cache.forget(a.ID)
	c.registerWebhook(ctx, a, creds)
	return a, nil
}

// registerWebhook, for a Telegram bot, checks the token (getMe) and points
// the bot's updates at this account's webhook URL with its secret
// (setWebhook). Meta's webhooks are set up in the app dashboard, with the
// URL and verify token shown on the account. A failure does not undo the
// connect: it marks the account (status ERROR for a refused token, and
// lastError) so admins see what to fix, and updateChannel tries again.
func (c *Connections) registerWebhook(ctx context.Context, a *Account, creds any) {
	tc, ok := creds.(*TelegramCredentials)
	if !ok || c.telegram == nil {
		return
	}
	var problem string
	status := StatusActive
	if _, err := c.telegram.GetMe(ctx, tc.BotToken); err != nil {
		problem = "Telegram did not accept the bot token: " + err.Error()
		if se, ok := wire.AsSendError(err); ok && (se.HTTPStatus == 401 || se.HTTPStatus == 404) {
			status = StatusError
		}
	} else if u := c.WebhookURL(a); !strings.HasPrefix(u, "https://") {
		problem = "Telegram delivers updates only to https: set FRONTDESK_PUBLIC_URL to this server's public https address, then run updateChannel"
	} else if err := c.telegram.SetWebhook(ctx, tc.BotToken, u, tc.WebhookSecret, nil); err != nil {
		problem = "setWebhook failed: " + err.Error()
	}
	if problem == "" {
		return
	}
	now := c.now()
	problem = ErrorNote(problem)
	a.Status, a.LastError, a.LastErrorAt = status, &problem, &now
	if _, err := c.db.NewUpdate().Model(a).Column("status", "last_error", "last_error_at").WherePK().Exec(context.WithoutCancel(ctx)); err != nil {
		slog.WarnContext(ctx, "record telegram webhook problem", slog.String("account_id", a.ID.String()), slog.Any("error", err))
	}
	c.cache.forget(a.ID)
}

// Disconnect stops an account: its webhooks are refused, nothing is sent
// through it, and its credentials are erased. Its conversations stay.
func (c *Connections) Disconnect(ctx context.Context, id uuid.UUID) (*Account, error) {
	p, err := auth.Require(ctx, auth.Admins...)
	if err != nil {
		return nil, err
	}
	var a *Account
	err = c.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if a, err = lockAccount(ctx, tx, p.OrgID, id); err != nil {
			return err
		}
		if a.Kind == Staff {
			return apperror.Invalid("id", "the staff chat cannot be disconnected")
		}
		a.Status, a.UpdatedAt = StatusDisconnected, c.now()
		_, err = tx.NewUpdate().Model(a).Column("status", "updated_at").Set("credentials = NULL").WherePK().Exec(ctx)
		if err != nil {
			return fmt.Errorf("disconnect channel account: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	c.cache.forget(a.ID)
	return a, nil
}

// attach stores the platform id and sealed credentials and marks the
// account active, clearing an earlier error.
func (c *Connections) attach(ctx context.Context, tx bun.Tx, a *Account, creds any, externalID string) error {
	a.Status, a.UpdatedAt, a.LastError, a.LastErrorAt = StatusActive, c.now(), nil, nil
	if externalID != "" {
		a.ExternalID = &externalID
	}
	_, err := tx.NewUpdate().Model(a).Column("status", "updated_at", "external_id", "last_error", "last_error_at").WherePK().Exec(ctx)
	if err != nil {
		if database.IsUniqueViolation(err) {
			return apperror.New(apperror.Conflict, "this %s account is already connected to an organisation", strings.ToLower(string(a.Kind)))
		}
		return fmt.Errorf("connect channel account: %w", err)
	}
	if creds == nil {
		return nil
	}
	return SaveCredentials(ctx, tx, c.box, a.OrganizationID, a.ID, creds)
}

func lockAccount(ctx context.Context, tx bun.Tx, orgID, id uuid.UUID) (*Account, error) {
	a := new(Account)
	err := tx.NewSelect().Model(a).Where("organization_id = ? AND id = ?", orgID, id).For("UPDATE").Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperror.NotFoundf("channel account not found")
	}
	if err != nil {
		return nil, fmt.Errorf("load channel account: %w", err)
	}
	return a, nil
}

// MetaWebhookSecrets returns the app secret that signs a WhatsApp,
// Messenger or Instagram account's webhooks and the token its subscription
// handshake must present: the three kinds store them under the same keys.
func (c *Connections) MetaWebhookSecrets(ctx context.Context, a *Account) (appSecret, verifyToken string, err error) {
	switch a.Kind {
	case WhatsApp, Messenger, Instagram:
	default:
		return "", "", fmt.Errorf("%s has no Meta webhook", a.Kind)
	}
	var s struct {
		AppSecret   string `json:"appSecret"`
		VerifyToken string `json:"verifyToken"`
	}
	err = c.Credentials(ctx, a, &s)
	return s.AppSecret, s.VerifyToken, err
}
