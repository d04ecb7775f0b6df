package pgembed

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
)

type testBundle struct {
	// baseDir is a fresh directory the server's OS user can reach; it
	// stays owned by us, as a project folder would.
	baseDir string
	binDir  string
	logger  *slog.Logger
}

func setup(t *testing.T) *testBundle {
	t.Helper()
	binDir, err := FindBinaries()
	if errors.Is(err, ErrNotInstalled) {
		t.Skip("PostgreSQL server binaries not installed:", err)
	}
	require.NoError(t, err)
	// Not t.TempDir(): that is 0700, so the postgres OS user (used when the
	// tests run as root) could not reach it; and /tmp keeps socket paths short.
	baseDir, err := os.MkdirTemp("/tmp", "pgembed-test-")
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, os.RemoveAll(baseDir)) })
	require.NoError(t, os.Chmod(baseDir, 0o755))
	return &testBundle{baseDir: baseDir, binDir: binDir, logger: slog.New(slog.NewTextHandler(t.Output(), nil))}
}

// start starts a cluster and stops it when the test ends.
func (b *testBundle) start(t *testing.T, opts Options) *Cluster {
	t.Helper()
	if opts.DataDir == "" {
		opts.DataDir = filepath.Join(b.baseDir, ".frontdesk", "pg")
	}
	if opts.Logger == nil {
		opts.Logger = b.logger
	}
	began := time.Now()
	c, err := Start(t.Context(), opts)
	require.NoError(t, err)
	t.Logf("Start took %s", time.Since(began))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		require.NoError(t, c.Stop(ctx))
	})
	return c
}

func query(t *testing.T, c *Cluster, sql string) int {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), c.DSN("postgres"))
	require.NoError(t, err)
	defer conn.Close(context.Background())
	var n int
	require.NoError(t, conn.QueryRow(t.Context(), sql).Scan(&n))
	return n
}

func requirePortClosed(t *testing.T, port int) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), time.Second)
	if err == nil {
		_ = conn.Close()
	}
	require.Error(t, err, "port %d still accepts connections", port)
}

func TestStartStop(t *testing.T) {
	t.Parallel()
	b := setup(t)
	c := b.start(t, Options{BinDir: b.binDir})

	require.Positive(t, c.Port())
	require.Equal(t, "postgres://postgres@127.0.0.1:"+strconv.Itoa(c.Port())+"/app?sslmode=disable", c.DSN("app"))
	require.Equal(t, 1, query(t, c, "SELECT 1"))
	require.FileExists(t, filepath.Join(b.baseDir, ".frontdesk", "pg.log"))

	began := time.Now()
	require.NoError(t, c.Stop(t.Context()))
	t.Logf("Stop took %s", time.Since(began))
	requirePortClosed(t, c.Port())
	require.NoFileExists(t, filepath.Join(b.baseDir, ".frontdesk", "pg", "postmaster.pid"))
	require.NoError(t, c.Stop(t.Context()), "second Stop is a no-op")
}

func TestStartFindsBinaries(t *testing.T) {
	t.Parallel()
	b := setup(t)
	c := b.start(t, Options{}) // BinDir from FindBinaries
	require.Equal(t, 1, query(t, c, "SELECT 1"))
}

func TestStartReusesRunningCluster(t *testing.T) {
	t.Parallel()
	b := setup(t)
	first := b.start(t, Options{BinDir: b.binDir})
	second := b.start(t, Options{BinDir: b.binDir, Port: first.Port() + 1})

	require.Equal(t, first.Port(), second.Port(), "reuses the running server's port")
	require.Equal(t, 1, query(t, second, "SELECT 1"))

	require.NoError(t, second.Stop(t.Context()))
	require.Equal(t, 1, query(t, first, "SELECT 1"), "Stop leaves a reused server running")

	require.NoError(t, first.Stop(t.Context()))
	requirePortClosed(t, first.Port())
}

func TestStartRestartsExistingCluster(t *testing.T) {
	t.Parallel()
	b := setup(t)
	first := b.start(t, Options{BinDir: b.binDir})
	conn, err := pgx.Connect(t.Context(), first.DSN("postgres"))
	require.NoError(t, err)
	_, err = conn.Exec(t.Context(), "CREATE TABLE kept (id int); INSERT INTO kept VALUES (1), (2)")
	require.NoError(t, err)
	require.NoError(t, conn.Close(t.Context()))
	require.NoError(t, first.Stop(t.Context()))

	port, err := freePort()
	require.NoError(t, err)
	second := b.start(t, Options{BinDir: b.binDir, Port: port})
	require.Equal(t, port, second.Port())
	require.Equal(t, 2, query(t, second, "SELECT count(*) FROM kept"), "data survives a restart")
}

func TestStartPortInUse(t *testing.T) {
	t.Parallel()
	b := setup(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = l.Close() })
	port := l.Addr().(*net.TCPAddr).Port

	_, err = Start(t.Context(), Options{DataDir: filepath.Join(b.baseDir, "pg"), BinDir: b.binDir, Port: port, Logger: b.logger})
	require.ErrorContains(t, err, "start postgres on port "+strconv.Itoa(port))
	require.ErrorContains(t, err, "Address already in use", "error carries the server log")
}

func TestStartErrors(t *testing.T) {
	t.Parallel()
	b := setup(t)

	t.Run("DataDirNotACluster", func(t *testing.T) {
		t.Parallel()
		dataDir := filepath.Join(b.baseDir, "notacluster")
		require.NoError(t, os.Mkdir(dataDir, 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(dataDir, "stray.txt"), []byte("x"), 0o644))
		_, err := Start(t.Context(), Options{DataDir: dataDir, BinDir: b.binDir})
		require.ErrorContains(t, err, "initdb")
		require.ErrorContains(t, err, "exists but is not empty", "error carries initdb's output")
	})

	t.Run("BinDirWithoutPostgres", func(t *testing.T) {
		t.Parallel()
		_, err := Start(t.Context(), Options{DataDir: filepath.Join(b.baseDir, "nobin"), BinDir: t.TempDir()})
		require.ErrorContains(t, err, "initdb")
	})

	t.Run("BadPort", func(t *testing.T) {
		t.Parallel()
		_, err := Start(t.Context(), Options{DataDir: filepath.Join(b.baseDir, "badport"), BinDir: b.binDir, Port: 70000})
		require.ErrorContains(t, err, "out of range")
	})
}

func TestStartStalePIDFile(t *testing.T) {
	t.Parallel()
	b := setup(t)
	first := b.start(t, Options{BinDir: b.binDir})
	require.NoError(t, first.Stop(t.Context()))

	// As after a crash: a pid file whose process is gone.
	dataDir := filepath.Join(b.baseDir, ".frontdesk", "pg")
	stale := strings.Join([]string{"999999999", dataDir, "0", strconv.Itoa(first.Port()), dataDir, "127.0.0.1", "0 0", "ready   ", ""}, "\n")
	require.NoError(t, os.WriteFile(filepath.Join(dataDir, "postmaster.pid"), []byte(stale), 0o600))
	if uid, gid, ok := fileOwner(dataDir); ok {
		require.NoError(t, os.Chown(filepath.Join(dataDir, "postmaster.pid"), uid, gid))
	}

	second := b.start(t, Options{BinDir: b.binDir})
	require.Equal(t, 1, query(t, second, "SELECT 1"))
}
