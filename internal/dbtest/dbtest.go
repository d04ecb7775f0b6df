// Package dbtest gives each test its own freshly migrated PostgreSQL
// database, cloned from a template that is migrated once per schema version.
//
// The server is the one in FRONTDESK_TEST_DATABASE_URL, or PostgreSQL on
// 127.0.0.1:5432 as user postgres. Databases are dropped when the test ends.
package dbtest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"frontdesk/internal/database"
	"frontdesk/migrations"
)

// templateLockKey serialises template creation across test binaries.
const templateLockKey = 7_361_024_119

var (
	templateOnce sync.Once
	templateName string
	templateErr  error
	counter      atomic.Int64
)

// BaseURL is the server tests use, pointed at its maintenance database.
func BaseURL() string {
	if u := os.Getenv("FRONTDESK_TEST_DATABASE_URL"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
}

// NewURL creates an empty, migrated database for t and returns its URL.
func NewURL(t testing.TB) string {
	t.Helper()
	ctx := context.Background()
	templateOnce.Do(func() { templateName, templateErr = ensureTemplate(ctx) })
	if templateErr != nil {
		t.Fatalf("dbtest: template: %v", templateErr)
	}
	name := fmt.Sprintf("fdtest_%d_%d_%s", os.Getpid(), counter.Add(1), strings.ReplaceAll(uuid.NewString()[:8], "-", ""))
	conn, err := pgx.Connect(ctx, BaseURL())
	if err != nil {
		t.Fatalf("dbtest: connect: %v", err)
	}
	defer conn.Close(ctx)
	// The template may be busy for a moment while another binary clones it.
	var cerr error
	for range 50 {
		_, cerr = conn.Exec(ctx, fmt.Sprintf("CREATE DATABASE %s TEMPLATE %s", name, templateName))
		if cerr == nil || !strings.Contains(cerr.Error(), "being accessed by other users") {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if cerr != nil {
		t.Fatalf("dbtest: create database: %v", cerr)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), BaseURL())
		if err != nil {
			return
		}
		defer c.Close(context.Background())
		_, _ = c.Exec(context.Background(), fmt.Sprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)", name))
	})
	u, err := database.WithDatabase(BaseURL(), name)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// New opens a fresh migrated database for t, closed when t ends.
func New(t testing.TB) *database.DB {
	t.Helper()
	db, err := database.Open(context.Background(), NewURL(t), 10)
	if err != nil {
		t.Fatalf("dbtest: open: %v", err)
	}
	t.Cleanup(db.Close)
	return db
}

// ensureTemplate creates and migrates the template database for the
// current migrations, named by their hash so a schema change makes a new one.
func ensureTemplate(ctx context.Context) (string, error) {
	h := sha256.New()
	err := fs.WalkDir(migrations.FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(migrations.FS, path)
		if err != nil {
			return err
		}
		h.Write([]byte(path))
		h.Write(b)
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("hash migrations: %w", err)
	}
	name := "fdtpl_" + hex.EncodeToString(h.Sum(nil))[:16]

	conn, err := pgx.Connect(ctx, BaseURL())
	if err != nil {
		return "", fmt.Errorf("connect: %w", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, templateLockKey); err != nil {
		return "", fmt.Errorf("lock: %w", err)
	}
	defer conn.Exec(ctx, `SELECT pg_advisory_unlock($1)`, templateLockKey) //nolint:errcheck

	var ready bool
	err = conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1 AND datistemplate)`, name).Scan(&ready)
	if err != nil {
		return "", fmt.Errorf("look up template: %w", err)
	}
	if ready {
		return name, nil
	}
	// A half-built template from a crashed run is rebuilt from scratch.
	if _, err := conn.Exec(ctx, fmt.Sprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)", name)); err != nil {
		return "", fmt.Errorf("drop stale template: %w", err)
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return "", fmt.Errorf("create template: %w", err)
	}
	u, err := database.WithDatabase(BaseURL(), name)
	if err != nil {
		return "", err
	}
	db, err := database.Open(ctx, u, 2)
	if err != nil {
		return "", fmt.Errorf("open template: %w", err)
	}
	err = database.Migrate(ctx, db, slog.New(slog.DiscardHandler))
	db.Close()
	if err != nil {
		return "", fmt.Errorf("migrate template: %w", err)
	}
	if _, err := conn.Exec(ctx, fmt.Sprintf("ALTER DATABASE %s WITH is_template true", name)); err != nil {
		return "", fmt.Errorf("mark template: %w", err)
	}
	return name, nil
}
