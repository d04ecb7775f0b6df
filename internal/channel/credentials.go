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
