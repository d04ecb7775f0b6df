package pgembed

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// DefaultDataDir is the data directory used when Options.DataDir is empty,
// relative to the working directory.
const DefaultDataDir = ".frontdesk/pg"

// startTimeout bounds how long pg_ctl waits for the server to accept
// connections, and how long we wait for one another process is starting.
const startTimeout = 30 * time.Second

// Options configures Start. The zero value is usable.
type Options struct {
	// DataDir is the cluster's data directory; DefaultDataDir when empty.
	// The server log (pg.log) is written next to it, in its parent.
	DataDir string
	// Port is the TCP port to listen on at 127.0.0.1; 0 picks a free one.
	// A cluster that is already running keeps the port it has.
	Port int
	// Logger receives progress messages; nil discards them.
	Logger *slog.Logger
	// BinDir holds initdb, pg_ctl and postgres; empty means FindBinaries.
	BinDir string
}

// Cluster is a PostgreSQL server running on 127.0.0.1 with trust
// authentication for the superuser "postgres".
type Cluster struct {
	port    int
	dataDir string
	runner  runner
	logger  *slog.Logger

	mu      sync.Mutex
	owned   bool // started by this process, so Stop stops it
	stopped bool
}

// Start makes sure a server is running on the cluster in opts.DataDir and
// returns it. On first use it creates the directory and runs initdb; if a
// server from an earlier run is still running there, it is reused as is
// (and Stop leaves it running). As root, initdb and the server run as the
// cluster's owner or, for a new cluster, the OS user "postgres", because
// PostgreSQL refuses to run as root.
//
// Start is not safe to call concurrently for the same DataDir.
func Start(ctx context.Context, opts Options) (*Cluster, error) {
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if opts.Port < 0 || opts.Port > 65535 {
		return nil, fmt.Errorf("start postgres: port %d out of range", opts.Port)
	}
	dataDir := opts.DataDir
	if dataDir == "" {
		dataDir = DefaultDataDir
	}
	dataDir, err := filepath.Abs(dataDir)
	if err != nil {
		return nil, fmt.Errorf("start postgres: resolve data dir: %w", err)
	}
	binDir := opts.BinDir
	if binDir == "" {
		if binDir, err = FindBinaries(); err != nil {
			return nil, fmt.Errorf("start postgres: %w", err)
		}
	}
	var runAs *osUser
	if os.Geteuid() == 0 {
		if runAs, err = rootServerUser(dataDir); err != nil {
			return nil, fmt.Errorf("start postgres: %w", err)
		}
	}
	c := &Cluster{dataDir: dataDir, runner: runner{binDir: binDir, user: runAs}, logger: logger}

	pf, running, err := runningServer(ctx, dataDir)
	if err != nil {
		return nil, fmt.Errorf("start postgres: %w", err)
	}
	if running {
		if opts.Port != 0 && opts.Port != pf.port {
			logger.WarnContext(ctx, "postgres already running on another port; using it", "data_dir", dataDir, "port", pf.port, "wanted_port", opts.Port)
		}
		logger.InfoContext(ctx, "reusing running postgres", "data_dir", dataDir, "port", pf.port, "pid", pf.pid)
		c.port = pf.port
		return c, nil
	}

	if !initialized(dataDir) {
		if err := c.initdb(ctx); err != nil {
			return nil, fmt.Errorf("start postgres: %w", err)
		}
	}
	logPath := filepath.Join(filepath.Dir(dataDir), "pg.log")
	if err := ensureFile(logPath, runAs); err != nil {
		return nil, fmt.Errorf("start postgres: %w", err)
	}
	for attempt := 1; ; attempt++ {
		port := opts.Port
		if port == 0 {
			if port, err = freePort(); err != nil {
				return nil, fmt.Errorf("start postgres: %w", err)
			}
		}
		portTaken, err := c.start(ctx, logPath, port)
		if err == nil {
			logger.InfoContext(ctx, "started postgres", "data_dir", dataDir, "port", port, "bin_dir", binDir, "log_file", logPath)
			c.port = port
			c.owned = true
			return c, nil
		}
		// A port picked by freePort can be taken before the server binds it.
		if !portTaken || opts.Port != 0 || attempt == 3 {
			return nil, err
		}
		logger.WarnContext(ctx, "postgres port taken, retrying with another", "port", port)
	}
}

// DSN returns a connection URL for database as the superuser "postgres".
func (c *Cluster) DSN(database string) string {
	u := url.URL{
		Scheme:   "postgres",
		User:     url.User("postgres"),
		Host:     net.JoinHostPort("127.0.0.1", strconv.Itoa(c.port)),
		Path:     "/" + database,
		RawQuery: "sslmode=disable",
	}
	return u.String()
}

// Port returns the TCP port the server listens on at 127.0.0.1.
func (c *Cluster) Port() int { return c.port }

// Stop shuts the server down (pg_ctl stop -m fast) and waits for it to
// exit. It does nothing for a server that this process did not start, and
// nothing on later calls. Give it a context that is not already cancelled:
// on shutdown, derive one with context.WithoutCancel and a timeout.
func (c *Cluster) Stop(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.owned {
		c.logger.DebugContext(ctx, "leaving postgres running: not started by this process", "data_dir", c.dataDir, "port", c.port)
		return nil
	}
	if c.stopped {
		return nil
	}
	if _, err := os.Stat(filepath.Join(c.dataDir, "postmaster.pid")); errors.Is(err, fs.ErrNotExist) {
		// Someone stopped it for us.
		c.stopped = true
		return nil
	}
	_, err := c.runner.run(ctx, "pg_ctl", "-D", c.dataDir, "stop", "-m", "fast", "-w", "-t", strconv.Itoa(int(startTimeout.Seconds())))
	if err != nil {
		return fmt.Errorf("stop postgres: %w", err)
	}
	c.stopped = true
	c.logger.InfoContext(ctx, "stopped postgres", "data_dir", c.dataDir, "port", c.port)
	return nil
}

// initdb creates the data directory (and any missing parents, given to the
// server's OS user) and initialises a cluster in it.
func (c *Cluster) initdb(ctx context.Context) error {
	c.logger.InfoContext(ctx, "initialising postgres data directory", "data_dir", c.dataDir)
	created, err := makeDirs(c.dataDir)
	if err != nil {
		return fmt.Errorf("create data dir: %w", err)
	}
	for _, dir := range append(created, c.dataDir) {
		if err := c.runner.user.chown(dir); err != nil {
			return fmt.Errorf("create data dir: %w", err)
		}
	}
	args := []string{"-D", c.dataDir, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-instructions"}
	out, err := c.runner.run(ctx, "initdb", append(args, "--locale=C.UTF-8")...)
	if err != nil && strings.Contains(out, "invalid locale name") {
		// Old C libraries lack C.UTF-8; the C locale sorts the same.
		_, err = c.runner.run(ctx, "initdb", append(args, "--locale=C")...)
	}
	if err != nil {
		if u := c.runner.user; u != nil && strings.Contains(err.Error(), "Permission denied") {
			err = fmt.Errorf("%w\n(initdb ran as OS user %q, which needs search permission on every parent of %s)", err, u.name, c.dataDir)
		}
		return fmt.Errorf("initdb: %w", err)
	}
	return nil
}

// start runs pg_ctl start on port. portTaken reports that the server
// failed because the port was in use.
func (c *Cluster) start(ctx context.Context, logPath string, port int) (portTaken bool, err error) {
	var logStart int64
	if info, err := os.Stat(logPath); err == nil {
		logStart = info.Size()
	}
	serverOpts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1", port, shellQuote(socketDir(c.dataDir)))
	_, err = c.runner.run(ctx, "pg_ctl", "-D", c.dataDir, "-w", "-t", strconv.Itoa(int(startTimeout.Seconds())), "-l", logPath, "-o", serverOpts, "start")
	if err == nil {
		return false, nil
	}
	// pg_ctl only says "Examine the log output"; the reason is in the log.
	logText := readFrom(logPath, logStart)
	return strings.Contains(logText, "Address already in use"),
		fmt.Errorf("start postgres on port %d: %w%s", port, err, section("server log "+logPath, logText))
}

// runningServer reports the server already running in dataDir, if any,
// waiting for one that is still starting up.
func runningServer(ctx context.Context, dataDir string) (pidFile, bool, error) {
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	for {
		pf, err := readPIDFile(dataDir)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return pidFile{}, false, nil
		case err == nil && !processAlive(pf.pid):
			// Left by a crash; the server clears it when it starts.
			return pidFile{}, false, nil
		case err == nil && (pf.status == "ready" || pf.status == "standby"):
			addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(pf.port))
			conn, dialErr := (&net.Dialer{Timeout: 2 * time.Second}).DialContext(ctx, "tcp", addr)
			if dialErr != nil {
				return pidFile{}, false, fmt.Errorf("postgres (pid %d) is running in %s but does not answer on %s: %w; stop it, or remove postmaster.pid if that pid is not postgres",
					pf.pid, dataDir, addr, dialErr)
			}
			_ = conn.Close()
			return pf, true, nil
		}
		// Starting, stopping, or the pid file is half written: look again.
		select {
		case <-ctx.Done():
			if err == nil {
				err = fmt.Errorf("status %q", pf.status)
			}
			return pidFile{}, false, fmt.Errorf("wait for postgres running in %s: %w (last seen: %w)", dataDir, ctx.Err(), err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// initialized reports whether dataDir holds a cluster.
func initialized(dataDir string) bool {
	_, err := os.Stat(filepath.Join(dataDir, "PG_VERSION"))
	return err == nil
}

// makeDirs creates dir (mode 0700, as PostgreSQL wants) and its missing
// parents (0755, so the server's OS user can reach it), returning the ones
// it created.
func makeDirs(dir string) ([]string, error) {
	var missing []string
	for d := dir; ; d = filepath.Dir(d) {
		_, err := os.Stat(d)
		if err == nil {
			break
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("stat %s: %w", d, err)
		}
		missing = append(missing, d)
		if filepath.Dir(d) == d {
			break
		}
	}
	created := make([]string, 0, len(missing))
	for i := len(missing) - 1; i >= 0; i-- {
		perm := os.FileMode(0o755)
		if missing[i] == dir {
			perm = 0o700
		}
		if err := os.Mkdir(missing[i], perm); err != nil {
			return nil, fmt.Errorf("mkdir %s: %w", missing[i], err)
		}
		created = append(created, missing[i])
	}
	return created, nil
}

// ensureFile creates path if needed and gives it to u, so the server can
// append to it even in a directory it cannot write.
func ensureFile(path string, u *osUser) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o640)
	if err != nil {
		return fmt.Errorf("create log file: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("create log file: %w", err)
	}
	return u.chown(path)
}

// readFrom returns the content of path after offset, or "" if unreadable.
func readFrom(path string, offset int64) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		return ""
	}
	data, err := io.ReadAll(io.LimitReader(f, 1<<20))
	if err != nil {
		return ""
	}
	return string(data)
}

// maxSocketDir keeps "<dir>/.s.PGSQL.<port>" within the 107 bytes a Unix
// socket path may have.
const maxSocketDir = 107 - len("/.s.PGSQL.65535") - 1

// socketDir picks where the server puts its Unix socket: the data
// directory, which its OS user always owns, unless that path is too long;
// then /tmp (not $TMPDIR, which the server's OS user may not be able to write).
// We connect over TCP; the socket is for psql -h and pg_ctl.
func socketDir(dataDir string) string {
	if len(dataDir) <= maxSocketDir {
		return dataDir
	}
	return "/tmp"
}

// freePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("pick free port: %w", err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	if err := l.Close(); err != nil {
		return 0, fmt.Errorf("pick free port: %w", err)
	}
	return port, nil
}
