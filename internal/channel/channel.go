// Package channel stores the accounts through which customers and staff
// reach an organisation (WhatsApp numbers, pages, bots, the web chat widget,
// the staff chat). Platform adapters live in sub-packages.
package channel

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"frontdesk/internal/apperror"
	"frontdesk/internal/auth"
)

// Kind is a channel platform; the values are the GraphQL enum's.
type Kind string

// Channel kinds.
const (
	WhatsApp  Kind = "WHATSAPP"
	Instagram Kind = "INSTAGRAM"
	Messenger Kind = "MESSENGER"
	Telegram  Kind = "TELEGRAM"
	WebChat   Kind = "WEBCHAT"
	Staff     Kind = "STAFF"
)

// Account is one connected channel of an organisation.
type Account struct {
	bun.BaseModel `bun:"table:channel_accounts"`

	ID             uuid.UUID       `bun:"id,pk,type:uuid"`
	OrganizationID uuid.UUID       `bun:"organization_id,type:uuid"`
	Kind           Kind            `bun:"kind"`
	Name           string          `bun:"name"`
	PublicKey      *string         `bun:"public_key"`
	Settings       json.RawMessage `bun:"settings,type:jsonb"`
	Status         Status          `bun:"status"`
	// ExternalID is the platform's id of the account: WhatsApp phone
	// number id, page id, Instagram account id, Telegram bot id.
	ExternalID *string `bun:"external_id"`
	// LastInboundAt is when its last webhook was accepted; LastError and
	// LastErrorAt tell its latest failure (delivery or webhook).
	LastInboundAt *time.Time `bun:"last_inbound_at"`
	LastError     *string    `bun:"last_error"`
	LastErrorAt   *time.Time `bun:"last_error_at"`
	CreatedAt     time.Time  `bun:"created_at,nullzero,notnull,default:current_timestamp"`
	UpdatedAt     time.Time  `bun:"updated_at,nullzero,notnull,default:current_timestamp"`
}

// Create inserts an account; a web chat account gets a fresh public key.
func Create(ctx context.Context, db bun.IDB, orgID uuid.UUID, kind Kind, name string) (*Account, error) {
	a := &Account{ID: uuid.Must(uuid.NewV7()), OrganizationID: orgID, Kind: kind, Name: name, Settings: json.RawMessage(`{}`), Status: StatusActive}
	if kind == WebChat {
		k := "wc_" + rand.Text()
		a.PublicKey = &k
	}
	if _, err := db.NewInsert().Model(a).Returning("created_at, updated_at").Exec(ctx); err != nil {
		return nil, fmt.Errorf("insert channel account: %w", err)
	}
	return a, nil
}

// List returns the organisation's accounts, oldest first.
func List(ctx context.Context, db bun.IDB, orgID uuid.UUID) ([]*Account, error) {
	var out []*Account
	err := db.NewSelect().Model(&out).Where("organization_id = ?", orgID).Order("created_at", "id").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("list channel accounts: %w", err)
	}
	return out, nil
}

// ByIDs loads accounts of one organisation by id (for dataloaders).
func ByIDs(ctx context.Context, db bun.IDB, orgID uuid.UUID, ids []uuid.UUID) ([]*Account, error) {
	var out []*Account
	err := db.NewSelect().Model(&out).Where("organization_id = ? AND id IN (?)", orgID, bun.List(ids)).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("load channel accounts: %w", err)
	}
	return out, nil
}

// ByID finds an account by id in any organisation: webhook endpoints name
// their account in the path, and the caller must then authenticate the
// request with that account's own secret.
func ByID(ctx context.Context, db bun.IDB, id uuid.UUID) (*Account, error) {
	a := new(Account)
	err := db.NewSelect().Model(a).Where("id = ?", id).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperror.NotFoundf("channel account not found")
	}
	if err != nil {
		return nil, fmt.Errorf("find channel account: %w", err)
	}
	return a, nil
}

// ByPublicKey finds an active web chat account by its widget key. Public
// keys are global, so this is the one lookup not scoped by organisation.
func ByPublicKey(ctx context.Context, db bun.IDB, key string) (*Account, error) {
	a := new(Account)
	err := db.NewSelect().Model(a).Where("public_key = ? AND kind = ? AND status = 'ACTIVE'", key, WebChat).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperror.NotFoundf("no web chat with that public key")
	}
	if err != nil {
		return nil, fmt.Errorf("find web chat by key: %w", err)
	}
	return a, nil
}

// FirstOfKind returns the organisation's first account of kind, creating
// it when there is none (used for the staff chat).
func FirstOfKind(ctx context.Context, db bun.IDB, orgID uuid.UUID, kind Kind, name string) (*Account, error) {
	a := new(Account)
	err := db.NewSelect().Model(a).Where("organization_id = ? AND kind = ?", orgID, kind).Order("created_at").Limit(1).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return Create(ctx, db, orgID, kind, name)
	}
	if err != nil {
		return nil, fmt.Errorf("find %s channel: %w", kind, err)
	}
	return a, nil
}

// Service exposes channel accounts to the API.
type Service struct{ db bun.IDB }

// NewService returns a Service.
func NewService(db bun.IDB) *Service { return &Service{db: db} }

// List returns the caller's organisation's channel accounts; team only.
func (s *Service) List(ctx context.Context) ([]*Account, error) {
	p, err := auth.Require(ctx, auth.Team...)
	if err != nil {
		return nil, err
	}
	return List(ctx, s.db, p.OrgID)
}
