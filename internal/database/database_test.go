package database_test

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"frontdesk/internal/database"
	"frontdesk/internal/dbtest"
)

// Several replicas starting at once on a database that does not exist yet
// must all succeed, and every migration must be recorded once.
func TestConcurrentCreateAndMigrate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	name := "fdtest_mig_" + uuid.NewString()[:8]
	url, err := database.WithDatabase(dbtest.BaseURL(), name)
	require.NoError(t, err)
	t.Cleanup(func() {
		db, err := database.Open(ctx, dbtest.BaseURL(), 1)
		if err == nil {
			_, _ = db.SQL.ExecContext(ctx, fmt.Sprintf("DROP DATABASE IF EXISTS %q WITH (FORCE)", name))
			db.Close()
		}
	})

	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Go(func() {
			if err := database.EnsureDatabase(ctx, url); err != nil {
				errs[i] = err
				return
			}
			db, err := database.Open(ctx, url, 2)
			if err != nil {
				errs[i] = err
				return
			}
			defer db.Close()
			errs[i] = database.Migrate(ctx, db, slog.New(slog.DiscardHandler))
		})
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}

	db, err := database.Open(ctx, url, 1)
	require.NoError(t, err)
	defer db.Close()
	var dup int
	require.NoError(t, db.SQL.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT name FROM bun_migrations GROUP BY name HAVING count(*) > 1) d`).Scan(&dup))
	require.Zero(t, dup)
	require.NoError(t, db.SQL.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT version FROM river_migration GROUP BY line, version HAVING count(*) > 1) d`).Scan(&dup))
	require.Zero(t, dup)
	pending, err := database.Pending(ctx, db)
	require.NoError(t, err)
	require.Zero(t, pending)
}

func TestTemplateClone(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	pending, err := database.Pending(context.Background(), db)
	require.NoError(t, err)
	require.Zero(t, pending)
}

// A statement sent through database/sql with arguments is prepared once
// per connection and reused; one without arguments (bun's, values written
// into the text) is never prepared, inside a transaction or not.
func TestStatementsWithArgumentsArePrepared(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db := dbtest.New(t)
	conn, err := db.SQL.Conn(ctx)
	require.NoError(t, err)
	defer conn.Close()

	var n int
	for i := range 3 {
		require.NoError(t, conn.QueryRowContext(ctx, `SELECT $1::int + 1`, i).Scan(&n))
		require.Equal(t, i+1, n)
		_, err := conn.ExecContext(ctx, `SELECT $1::int - 1`, i)
		require.NoError(t, err)
		require.NoError(t, conn.QueryRowContext(ctx, `SELECT 41 + 1`).Scan(&n))
	}
	tx, err := conn.BeginTx(ctx, nil)
	require.NoError(t, err)
	require.NoError(t, tx.QueryRowContext(ctx, `SELECT $1::int * 2`, 21).Scan(&n))
	require.Equal(t, 42, n)
	require.NoError(t, tx.Commit())

	prepared := func(stmt string) int {
		var c int
		require.NoError(t, conn.QueryRowContext(ctx, `SELECT count(*)::int FROM pg_prepared_statements WHERE statement = $1`, stmt).Scan(&c))
		return c
	}
	require.Equal(t, 1, prepared(`SELECT $1::int + 1`))
	require.Equal(t, 1, prepared(`SELECT $1::int - 1`))
	require.Equal(t, 1, prepared(`SELECT $1::int * 2`))
	require.Zero(t, prepared(`SELECT 41 + 1`))
}

// ScanOne reads one row into a bun model with its arguments as parameters,
// on the pool or in a transaction, and says sql.ErrNoRows for none.
func TestScanOne(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db := dbtest.New(t)
	type row struct {
		Name  string `bun:"datname"`
		Limit int    `bun:"datconnlimit"`
	}
	const q = `SELECT datname, datconnlimit FROM pg_database WHERE datname = $1`
	var r row
	require.NoError(t, database.ScanOne(ctx, db.Bun, &r, q, "postgres"))
	require.Equal(t, "postgres", r.Name)
	require.ErrorIs(t, database.ScanOne(ctx, db.Bun, &r, q, "no such database"), sql.ErrNoRows)

	tx, err := db.Bun.BeginTx(ctx, nil)
	require.NoError(t, err)
	defer tx.Rollback() //nolint:errcheck
	r = row{}
	require.NoError(t, database.ScanOne(ctx, tx, &r, q, "template1"))
	require.Equal(t, "template1", r.Name)
	var prepared int
	require.NoError(t, tx.QueryRowContext(ctx, `SELECT count(*) FROM pg_prepared_statements WHERE statement = '`+q+`'`).Scan(&prepared))
	require.Equal(t, 1, prepared, "prepared on the transaction's connection")
}
