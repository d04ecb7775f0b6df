package channel

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"frontdesk/internal/secretbox"
)

// SaveCredentials seals creds (any JSON value: tokens, app secrets) and
// stores them on the account. They are bound to the account id, so a sealed
// blob copied to another row does not open.
func SaveCredentials(ctx context.Context, db bun.IDB, box *secretbox.Box, orgID, accountID uuid.UUID, creds any) error {
	plain, err := json.Marshal(creds)
	if err != nil {
		return fmt.Errorf("encode credentials: %w", err)
	}
	res, err := db.NewUpdate().Model((*Account)(nil)).
		Set("credentials = ?", box.Seal(plain, accountID[:])).
		Where("organization_id = ? AND id = ?", orgID, accountID).Exec(ctx)
	if err != nil {
		return fmt.Errorf("save credentials: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return fmt.Errorf("save credentials: account %s not found", accountID)
	}
	return nil
}

// LoadCredentials reads and opens the account's credentials into dst, past
// Connections' cache. An account without credentials leaves dst
// untouched.
func LoadCredentials(ctx context.Context, db bun.IDB, box *secretbox.Box, orgID, accountID uuid.UUID, dst any) error {
	var sealed []byte
	err := db.NewSelect().Model((*Account)(nil)).Column("credentials").
		Where("organization_id = ? AND id = ?", orgID, accountID).Scan(ctx, &sealed)
	if err != nil {
		return fmt.Errorf("load credentials: %w", err)
	}
	if len(sealed) == 0 {
		return nil
	}
	plain, err := box.Open(sealed, accountID[:])
	if err != nil {
		return fmt.Errorf("open credentials of %s: %w", accountID, err)
	}
	if err := json.Unmarshal(plain, dst); err != nil {
		return fmt.Errorf("decode credentials: %w", err)
	}
	return nil
}
