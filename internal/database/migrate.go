package database

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/uptrace/bun/migrate"

	"frontdesk/migrations"
)

// migrationLockKey is the advisory lock every replica takes while it
// migrates; the value is arbitrary but fixed forever.
const migrationLockKey = 7_361_024_118

// Migrate applies River's migrations and then Frontdesk's, holding a
// session advisory lock so that only one process migrates at a time; the
// others wait, then find nothing left to do.
func Migrate(ctx context.Context, db *DB, log *slog.Logger) error {
	conn, err := db.SQL.Conn(ctx)
	if err != nil {
		return fmt.Errorf("migrate: acquire connection: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, migrationLockKey); err != nil {
		return fmt.Errorf("migrate: take lock: %w", err)
	}
	defer func() {
		_, _ = conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, migrationLockKey)
	}()

	rm, err := rivermigrate.New(riverdatabasesql.New(db.SQL), &rivermigrate.Config{Logger: log})
	if err != nil {
		return fmt.Errorf("migrate: river migrator: %w", err)
	}
	res, err := rm.Migrate(ctx, rivermigrate.DirectionUp, nil)
	if err != nil {
		return fmt.Errorf("migrate: river: %w", err)
	}
	for _, v := range res.Versions {
		log.InfoContext(ctx, "applied river migration", slog.Int("version", v.Version))
	}

	ms := migrate.NewMigrations()
	if err := ms.Discover(migrations.FS); err != nil {
		return fmt.Errorf("migrate: discover: %w", err)
	}
	m := migrate.NewMigrator(db.Bun, ms, migrate.WithMarkAppliedOnSuccess(true))
	if err := m.Init(ctx); err != nil {
		return fmt.Errorf("migrate: init: %w", err)
	}
	group, err := m.Migrate(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	for _, mg := range group.Migrations {
		log.InfoContext(ctx, "applied migration", slog.String("name", mg.Name))
	}
	return nil
}

// Pending reports how many of Frontdesk's migrations are not applied yet;
// /readyz is not ready until it is zero.
func Pending(ctx context.Context, db *DB) (int, error) {
	ms := migrate.NewMigrations()
	if err := ms.Discover(migrations.FS); err != nil {
		return 0, fmt.Errorf("discover migrations: %w", err)
	}
	m := migrate.NewMigrator(db.Bun, ms)
	missing, err := m.MissingMigrations(ctx)
	if err != nil {
		return 0, fmt.Errorf("list missing migrations: %w", err)
	}
	return len(missing), nil
}
