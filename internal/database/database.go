// Package database opens Frontdesk's PostgreSQL connections, creates the
// database when it is missing, and applies the schema (Frontdesk's and
// River's) under one advisory lock so that replicas may start together.
package database

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
)

// DB bundles the two faces of one connection pool: pgx for LISTEN and
// River's listener, bun (over database/sql) for the stores and for River's
// transactional inserts.
type DB struct {
	Pool *pgxpool.Pool
	SQL  *sql.DB
	Bun  *bun.DB
}

// Open connects to databaseURL and checks the server answers. The pool
// holds at most maxConns connections, unless the URL sets pgx's
// pool_max_conns, which wins (tests keep their servers small that way).
func Open(ctx context.Context, databaseURL string, maxConns int32) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(databaseURL)
	if err != nil {
		return nil, fmt.Errorf("parse database url: %w", err)
	}
	if maxConns > 0 && !strings.Contains(databaseURL, "pool_max_conns=") {
		cfg.MaxConns = maxConns
	}
	cfg.MaxConnIdleTime = 5 * time.Minute
	// bun interpolates arguments into the SQL text, so nearly every
	// statement is unique: preparing and caching each one (pgx's default)
	// costs an extra round trip and churns the statement cache for nothing.
	// Statements with arguments through database/sql are prepared
	// (openSQL).
	cfg.ConnConfig.DefaultQueryExecMode = pgx.QueryExecModeExec
	// Without a prepare step pgx picks parameter types from Go types, so
	// tell it that uuid.UUID (and a bare [16]byte) is PostgreSQL's uuid.
	cfg.AfterConnect = func(_ context.Context, conn *pgx.Conn) error {
		conn.TypeMap().RegisterDefaultPgType(uuid.UUID{}, "uuid")
		conn.TypeMap().RegisterDefaultPgType([16]byte{}, "uuid")
		return nil
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open pool: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("ping database: %w", err)
	}
	sqldb := openSQL(pool)
	return &DB{Pool: pool, SQL: sqldb, Bun: bun.NewDB(sqldb, pgdialect.New())}, nil
}

// Close releases every connection.
func (db *DB) Close() {
	_ = db.Bun.Close()
	db.Pool.Close()
}

// Reachable reports whether a PostgreSQL server answers at databaseURL's
// host, whatever the database (it connects to the maintenance database).
func Reachable(ctx context.Context, databaseURL string) error {
	maint, _, err := maintenanceURL(databaseURL)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, maint)
	if err != nil {
		return fmt.Errorf("connect to postgres: %w", err)
	}
	return conn.Close(ctx)
}

// EnsureDatabase creates the database named in databaseURL when it does not
// exist yet. Concurrent callers are safe: losing the race is success.
func EnsureDatabase(ctx context.Context, databaseURL string) error {
	maint, name, err := maintenanceURL(databaseURL)
	if err != nil {
		return err
	}
	conn, err := pgx.Connect(ctx, maint)
	if err != nil {
		return fmt.Errorf("connect to maintenance database: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var exists bool
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
		return fmt.Errorf("look up database %q: %w", name, err)
	}
	if exists {
		return nil
	}
	_, err = conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize())
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && (pgErr.Code == "42P04" || pgErr.Code == "23505") {
		// 42P04 duplicate_database; 23505 when two creates race on the catalog.
		return nil
	}
	if err != nil {
		return fmt.Errorf("create database %q: %w", name, err)
	}
	slog.Default().DebugContext(ctx, "created database", slog.String("database", name))
	return nil
}

// maintenanceURL points databaseURL at the "postgres" database and returns
// the original database name.
func maintenanceURL(databaseURL string) (string, string, error) {
	u, err := url.Parse(databaseURL)
	if err != nil {
		return "", "", fmt.Errorf("parse database url: %w", err)
	}
	name := strings.TrimPrefix(u.Path, "/")
	if name == "" {
		return "", "", errors.New("database url names no database")
	}
	u.Path = "/postgres"
	// A single connection: pgxpool's settings (pool_max_conns, ...) would
	// reach the server as unknown run-time parameters.
	q := u.Query()
	for k := range q {
		if strings.HasPrefix(k, "pool_") {
			q.Del(k)
		}
	}
	u.RawQuery = q.Encode()
	return u.String(), name, nil
}

// WithDatabase returns databaseURL pointed at another database name.
func WithDatabase(databaseURL, name string) (string, error) {
	u, err := url.Parse(databaseURL)
	if err != nil {
		return "", fmt.Errorf("parse database url: %w", err)
	}
	u.Path = "/" + name
	return u.String(), nil
}

// IsUniqueViolation reports whether err is PostgreSQL's unique_violation
// (23505): the caller turns it into a conflict the user can act on.
func IsUniqueViolation(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23505"
}
