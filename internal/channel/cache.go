package channel

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/google/uuid"

	"frontdesk/internal/apperror"
)

// AccountCacheTTL is how long an account read for a webhook or a send is
// reused. Every webhook and every send needs its account and credentials;
// reading them each time was two statements per webhook and per reply.
// Writes made through this process (Connections, Templates, Forget) drop
// the entry at once; another process's writes show within this time.
const AccountCacheTTL = time.Second

// accountRow is an account with its sealed credentials, read in one
// statement.
type accountRow struct {
	Account     `bun:",extend"`
	Credentials []byte `bun:"credentials"`
}

type cachedAccount struct {
	account Account
	// plain is the opened credentials, nil for an account without any.
	plain []byte
	read  time.Time
}

// accountCache holds recently read accounts by id.
type accountCache struct {
	mu      sync.Mutex
	entries map[uuid.UUID]*cachedAccount
}

func (c *accountCache) get(id uuid.UUID, now time.Time) (*cachedAccount, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[id]
	if !ok || now.Sub(e.read) >= AccountCacheTTL {
		return nil, false
	}
	return e, true
}

func (c *accountCache) put(e *cachedAccount) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil {
		c.entries = make(map[uuid.UUID]*cachedAccount)
	}
	// Drop expired entries now and then, so accounts that stopped being
	// used do not stay in memory.
	if len(c.entries) >= 1024 {
		for id, old := range c.entries {
			if e.read.Sub(old.read) >= AccountCacheTTL {
				delete(c.entries, id)
			}
		}
	}
	c.entries[e.account.ID] = e
}

func (c *accountCache) forget(id uuid.UUID) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.entries, id)
}

// Account returns the account with id in any organisation, as read at most
// AccountCacheTTL ago: webhook endpoints name their account in the path,
// and the caller must then authenticate the request with that account's
// own secret. The result is the caller's copy.
func (c *Connections) Account(ctx context.Context, id uuid.UUID) (*Account, error) {
	e, err := c.cached(ctx, id)
	if err != nil {
		return nil, err
	}
	a := e.account
	return &a, nil
}

// Forget drops what this process holds of account id, so the next read
// sees the database. Call it after writing the account outside
// Connections.
func (c *Connections) Forget(id uuid.UUID) { c.cache.forget(id) }

// cached returns the entry of id, reading the account when it has none
// or the one it has is too old.
func (c *Connections) cached(ctx context.Context, id uuid.UUID) (*cachedAccount, error) {
	now := c.now()
	if e, ok := c.cache.get(id, now); ok {
		return e, nil
	}
	row := new(accountRow)
	err := c.db.NewSelect().Model(row).Where("account.id = ?", id).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperror.NotFoundf("channel account not found")
	}
	if err != nil {
		return nil, fmt.Errorf("find channel account: %w", err)
	}
	e := &cachedAccount{account: row.Account, read: now}
	if len(row.Credentials) > 0 {
		if e.plain, err = c.box.Open(row.Credentials, id[:]); err != nil {
			return nil, fmt.Errorf("open credentials of %s: %w", id, err)
		}
	}
	c.cache.put(e)
	return e, nil
}

// Credentials opens an account's credentials into dst (adapters and
// webhook handlers use it; the API never returns them). An account without
// credentials leaves dst untouched.
func (c *Connections) Credentials(ctx context.Context, a *Account, dst any) error {
	e, err := c.cached(ctx, a.ID)
	if err != nil {
		return fmt.Errorf("load credentials: %w", err)
	}
	if e.account.OrganizationID != a.OrganizationID {
		return fmt.Errorf("load credentials: %w", sql.ErrNoRows)
	}
	if e.plain == nil {
		return nil
	}
	if err := json.Unmarshal(e.plain, dst); err != nil {
		return fmt.Errorf("decode credentials: %w", err)
	}
	return nil
}
