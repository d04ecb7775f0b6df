package channel

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"frontdesk/internal/apperror"
	"frontdesk/internal/auth"
	"frontdesk/internal/channel/meta"
	"frontdesk/internal/channel/wire"
)

// TemplateLister lists a WhatsApp Business Account's message templates
// (meta.Client).
type TemplateLister interface {
	MessageTemplates(ctx context.Context, token, wabaID string) ([]meta.Template, error)
}

// Templates lists WhatsApp accounts' message templates from the platform
// and sets which one re-engages a customer after the 24-hour window
// (the account setting reengagementTemplate, read by internal/delivery).
type Templates struct {
	db    *bun.DB
	conns *Connections
	api   TemplateLister
}

// NewTemplates returns the service.
func NewTemplates(db *bun.DB, conns *Connections, api TemplateLister) *Templates {
	return &Templates{db: db, conns: conns, api: api}
}

// List returns a WhatsApp account's templates as Meta has them, whatever
// their status, by name then language; admins only. Another kind of
// account is INVALID_INPUT. Meta refusing (a dead token, a wrong WhatsApp
// Business Account id) is CONFLICT with Meta's message, so admins know to
// fix the credentials; Meta not answering is an INTERNAL error saying so.
func (t *Templates) List(ctx context.Context, accountID uuid.UUID) ([]*meta.Template, error) {
	p, err := auth.Require(ctx, auth.Admins...)
	if err != nil {
		return nil, err
	}
	a, err := whatsAppAccount(ctx, t.db, p.OrgID, accountID)
	if err != nil {
		return nil, err
	}
	if a.Status == StatusDisconnected {
		return nil, apperror.Invalid("channelId", "the account is disconnected; connect it again with updateChannel")
	}
	var c WhatsAppCredentials
	if err := t.conns.Credentials(ctx, a, &c); err != nil {
		return nil, fmt.Errorf("list templates: %w", err)
	}
	list, err := t.api.MessageTemplates(ctx, c.AccessToken, c.WabaID)
	if err != nil {
		if se, ok := wire.AsSendError(err); ok && !se.Retry {
			return nil, apperror.New(apperror.Conflict, "WhatsApp refused to list the templates (code %d): %s", se.Err.Code, se.Err.Message)
		}
		return nil, &apperror.Error{Code: apperror.Internal, Message: "WhatsApp did not answer; try again later"}
	}
	out := make([]*meta.Template, len(list))
	for i := range list {
		out[i] = &list[i]
	}
	slices.SortStableFunc(out, func(x, y *meta.Template) int {
		if c := strings.Compare(x.Name, y.Name); c != 0 {
			return c
		}
		return strings.Compare(x.Language, y.Language)
	})
	return out, nil
}

var (
	// Meta's template names: lowercase letters, digits and underscores.
	templateName = regexp.MustCompile(`^[a-z0-9_]{1,512}$`)
	// Meta's template language codes: "en", "en_US", "zh_HK", "fil".
	templateLanguage = regexp.MustCompile(`^[a-z]{2,3}(_[A-Za-z]{2,4})?$`)
)

// SetReengagement sets a WhatsApp account's re-engagement template, or
// removes it when tmpl is nil; admins only. The name and the language (the
// locale code the template was approved in) are both required. Other
// settings of the account are kept.
func (t *Templates) SetReengagement(ctx context.Context, accountID uuid.UUID, tmpl *ReengagementTemplate) (*Account, error) {
	p, err := auth.Require(ctx, auth.Admins...)
	if err != nil {
		return nil, err
	}
	if tmpl != nil {
		tmpl.Name, tmpl.Language = strings.TrimSpace(tmpl.Name), strings.TrimSpace(tmpl.Language)
		if !templateName.MatchString(tmpl.Name) {
			return nil, apperror.Invalid("template.name", "the template's name as in WhatsApp Manager: lowercase letters, digits and underscores")
		}
		if tmpl.Language == "" {
			return nil, apperror.Invalid("template.language", "the language is required: the locale code the template was approved in, such as en_US")
		}
		if !templateLanguage.MatchString(tmpl.Language) {
			return nil, apperror.Invalid("template.language", "a locale code such as en, en_US or pt_BR")
		}
	}
	var a *Account
	err = t.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if a, err = lockAccount(ctx, tx, p.OrgID, accountID); err != nil {
			return err
		}
		if a.Kind != WhatsApp {
			return apperror.Invalid("channelId", "only WhatsApp accounts have message templates; this one is %s", a.Kind)
		}
		settings := map[string]json.RawMessage{}
		if len(a.Settings) > 0 {
			if err := json.Unmarshal(a.Settings, &settings); err != nil {
				return fmt.Errorf("read account settings: %w", err)
			}
		}
		if tmpl == nil {
			delete(settings, "reengagementTemplate")
		} else {
			raw, err := json.Marshal(tmpl)
			if err != nil {
				return fmt.Errorf("encode template: %w", err)
			}
			settings["reengagementTemplate"] = raw
		}
		raw, err := json.Marshal(settings)
		if err != nil {
			return fmt.Errorf("encode account settings: %w", err)
		}
		a.Settings, a.UpdatedAt = raw, time.Now()
		if _, err := tx.NewUpdate().Model(a).Column("settings", "updated_at").WherePK().Exec(ctx); err != nil {
			return fmt.Errorf("save account settings: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	t.conns.Forget(a.ID)
	return a, nil
}

// whatsAppAccount loads an account of orgID, INVALID_INPUT unless it is a
// WhatsApp account.
func whatsAppAccount(ctx context.Context, db bun.IDB, orgID, id uuid.UUID) (*Account, error) {
	accounts, err := ByIDs(ctx, db, orgID, []uuid.UUID{id})
	if err != nil {
		return nil, err
	}
	if len(accounts) == 0 {
		return nil, apperror.NotFoundf("channel account not found")
	}
	if a := accounts[0]; a.Kind != WhatsApp {
		return nil, apperror.Invalid("channelId", "only WhatsApp accounts have message templates; this one is %s", a.Kind)
	}
	return accounts[0], nil
}
