package channel_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"frontdesk/internal/channel"
	"frontdesk/internal/dbtest"
	"frontdesk/internal/secretbox"
)

func TestCredentialsAreSealedAtRest(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	ctx := context.Background()
	org := uuid.New()
	_, err := db.SQL.ExecContext(ctx, `INSERT INTO organizations (id, name, slug) VALUES ($1, 'A', $2)`, org, org.String())
	require.NoError(t, err)
	box, err := secretbox.New(bytes.Repeat([]byte{3}, 32))
	require.NoError(t, err)
	a, err := channel.Create(ctx, db.Bun, org, channel.WhatsApp, "Sales")
	require.NoError(t, err)
	b, err := channel.Create(ctx, db.Bun, org, channel.WhatsApp, "Support")
	require.NoError(t, err)

	type creds struct{ AccessToken string }
	require.NoError(t, channel.SaveCredentials(ctx, db.Bun, box, org, a.ID, creds{AccessToken: "EAAG-very-secret"}))

	var raw []byte
	require.NoError(t, db.SQL.QueryRowContext(ctx, `SELECT credentials FROM channel_accounts WHERE id = $1`, a.ID).Scan(&raw))
	require.NotContains(t, string(raw), "very-secret")

	var got creds
	require.NoError(t, channel.LoadCredentials(ctx, db.Bun, box, org, a.ID, &got))
	require.Equal(t, "EAAG-very-secret", got.AccessToken)

	// A sealed blob moved to another account does not open.
	_, err = db.SQL.ExecContext(ctx, `UPDATE channel_accounts SET credentials = $1 WHERE id = $2`, raw, b.ID)
	require.NoError(t, err)
	require.ErrorIs(t, channel.LoadCredentials(ctx, db.Bun, box, org, b.ID, &got), secretbox.ErrDecrypt)
	// Another organisation cannot reach it.
	require.Error(t, channel.SaveCredentials(ctx, db.Bun, box, uuid.New(), a.ID, creds{}))
}

func TestWebChatHasPublicKey(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	ctx := context.Background()
	org := uuid.New()
	_, err := db.SQL.ExecContext(ctx, `INSERT INTO organizations (id, name, slug) VALUES ($1, 'A', $2)`, org, org.String())
	require.NoError(t, err)
	a, err := channel.Create(ctx, db.Bun, org, channel.WebChat, "Site")
	require.NoError(t, err)
	require.NotNil(t, a.PublicKey)
	found, err := channel.ByPublicKey(ctx, db.Bun, *a.PublicKey)
	require.NoError(t, err)
	require.Equal(t, a.ID, found.ID)
	_, err = channel.ByPublicKey(ctx, db.Bun, "wc_nope")
	require.Error(t, err)
}
