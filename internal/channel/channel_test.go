package channel_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"frontdesk/internal/apperror"
	"frontdesk/internal/channel"
	"frontdesk/internal/database"
	"frontdesk/internal/dbtest"
	"frontdesk/internal/secretbox"
)

// withOrganization returns a database with one organisation, its id, and
// a box to seal credentials with.
func withOrganization(t *testing.T) (*database.DB, uuid.UUID, *secretbox.Box) {
	t.Helper()
	db := dbtest.New(t)
	org := uuid.New()
	_, err := db.SQL.ExecContext(t.Context(), `INSERT INTO organizations (id, name, slug) VALUES ($1, 'A', $2)`, org, org.String())
	require.NoError(t, err)
	box, err := secretbox.New(bytes.Repeat([]byte{3}, 32))
	require.NoError(t, err)
	return db, org, box
}

func TestCredentialsAreSealedAtRest(t *testing.T) {
	t.Parallel()
	db, org, box := withOrganization(t)
	ctx := context.Background()
	a, err := channel.Create(ctx, db.Bun, org, channel.WhatsApp, "Sales")
	require.NoError(t, err)
	b, err := channel.Create(ctx, db.Bun, org, channel.WhatsApp, "Support")
	require.NoError(t, err)

	type creds struct{ AccessToken string }
	require.NoError(t, channel.SaveCredentials(ctx, db.Bun, box, org, a.ID, creds{AccessToken: "EAAG-very-secret"}))

	var raw []byte
	require.NoError(t, db.SQL.QueryRowContext(ctx, `SELECT credentials FROM channel_accounts WHERE id = $1`, a.ID).Scan(&raw))
	require.NotContains(t, string(raw), "very-secret")

	conns, err := channel.NewConnections(db.Bun, box, "https://frontdesk.example")
	require.NoError(t, err)
	var got creds
	require.NoError(t, conns.Credentials(ctx, a, &got))
	require.Equal(t, "EAAG-very-secret", got.AccessToken)

	// A sealed blob moved to another account does not open.
	_, err = db.SQL.ExecContext(ctx, `UPDATE channel_accounts SET credentials = $1 WHERE id = $2`, raw, b.ID)
	require.NoError(t, err)
	require.ErrorIs(t, conns.Credentials(ctx, b, &got), secretbox.ErrDecrypt)
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

func TestAccountCache(t *testing.T) {
	t.Parallel()
	db, org, box := withOrganization(t)
	ctx := context.Background()
	conns, err := channel.NewConnections(db.Bun, box, "https://frontdesk.example")
	require.NoError(t, err)
	now := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	channel.SetClock(conns, func() time.Time { return now })

	a, err := channel.Create(ctx, db.Bun, org, channel.WhatsApp, "Sales")
	require.NoError(t, err)
	type creds struct{ AccessToken string }
	require.NoError(t, channel.SaveCredentials(ctx, db.Bun, box, org, a.ID, creds{AccessToken: "first"}))

	got, err := conns.Account(ctx, a.ID)
	require.NoError(t, err)
	require.Equal(t, channel.StatusActive, got.Status)
	got.Status = channel.StatusError // the caller's copy: the cache keeps its own

	// Written behind the cache's back: not seen within the TTL...
	_, err = db.SQL.ExecContext(ctx, `UPDATE channel_accounts SET status = 'DISCONNECTED' WHERE id = $1`, a.ID)
	require.NoError(t, err)
	require.NoError(t, channel.SaveCredentials(ctx, db.Bun, box, org, a.ID, creds{AccessToken: "second"}))
	now = now.Add(channel.AccountCacheTTL - time.Millisecond)
	got, err = conns.Account(ctx, a.ID)
	require.NoError(t, err)
	require.Equal(t, channel.StatusActive, got.Status)
	var c creds
	require.NoError(t, conns.Credentials(ctx, a, &c))
	require.Equal(t, "first", c.AccessToken)

	// ...and seen once it has passed.
	now = now.Add(time.Millisecond)
	got, err = conns.Account(ctx, a.ID)
	require.NoError(t, err)
	require.Equal(t, channel.StatusDisconnected, got.Status)
	require.NoError(t, conns.Credentials(ctx, a, &c))
	require.Equal(t, "second", c.AccessToken)

	// Forget drops it at once.
	_, err = db.SQL.ExecContext(ctx, `UPDATE channel_accounts SET status = 'ACTIVE' WHERE id = $1`, a.ID)
	require.NoError(t, err)
	conns.Forget(a.ID)
	got, err = conns.Account(ctx, a.ID)
	require.NoError(t, err)
	require.Equal(t, channel.StatusActive, got.Status)

	// Another organisation's account does not open, cached or not.
	other := *a
	other.OrganizationID = uuid.New()
	require.Error(t, conns.Credentials(ctx, &other, &c))
	_, err = conns.Account(ctx, uuid.New())
	require.ErrorIs(t, err, apperror.ErrNotFound)
}
