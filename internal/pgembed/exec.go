package pgembed

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// osUser is the account the server programs run as when we are root:
// initdb and postgres refuse to run as root.
type osUser struct {
	name     string
	uid, gid int
}

// rootServerUser picks the OS user to run initdb and pg_ctl as when we are
// root: the owner of an existing cluster, else the "postgres" account that
// Debian's packages create.
func rootServerUser(dataDir string) (*osUser, error) {
	if initialized(dataDir) {
		if uid, gid, ok := fileOwner(dataDir); ok && uid != 0 {
			name := strconv.Itoa(uid)
			if u, err := user.LookupId(name); err == nil {
				name = u.Username
			}
			return &osUser{name: name, uid: uid, gid: gid}, nil
		}
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		var unknown user.UnknownUserError
		if errors.As(err, &unknown) {
			return nil, errors.New("running as root, but initdb and postgres refuse to run as root and there is no \"postgres\" OS user to run them as: " +
				"create one (useradd --system --home-dir /var/lib/postgresql postgres; Debian's postgresql package does this) or run frontdesk as a normal user")
		}
		return nil, fmt.Errorf("look up OS user postgres: %w", err)
	}
	uid, err := strconv.Atoi(u.Uid)
	if err != nil {
		return nil, fmt.Errorf("parse uid of OS user postgres %q: %w", u.Uid, err)
	}
	gid, err := strconv.Atoi(u.Gid)
	if err != nil {
		return nil, fmt.Errorf("parse gid of OS user postgres %q: %w", u.Gid, err)
	}
	return &osUser{name: u.Username, uid: uid, gid: gid}, nil
}

// chown gives path to u; a no-op when u is nil (we run as ourselves).
func (u *osUser) chown(path string) error {
	if u == nil {
		return nil
	}
	if err := os.Chown(path, u.uid, u.gid); err != nil {
		return fmt.Errorf("chown %s to %s: %w", path, u.name, err)
	}
	return nil
}

// runner runs the PostgreSQL programs of one bin dir as one OS user.
type runner struct {
	binDir string
	user   *osUser
}

// run runs a program from the bin dir and returns its combined output. On
// failure the error carries the command and the tail of its output, which
// is where initdb and pg_ctl say what went wrong.
func (r runner) run(ctx context.Context, name string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, filepath.Join(r.binDir, name), args...)
	// Our working directory may be unreadable by the postgres user, and
	// every path we pass is absolute.
	cmd.Dir = "/"
	// English messages, so that the log checks below (and users) can read them.
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	cmd.SysProcAttr = r.user.sysProcAttr()
	// pg_ctl's daemonised server could hold our pipes open if it ever
	// skipped its log redirection; never hang on that.
	cmd.WaitDelay = 5 * time.Second
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	err := cmd.Run()
	if err != nil {
		return out.String(), fmt.Errorf("%s: %w%s", commandLine(name, args), err, section("output", out.String()))
	}
	return out.String(), nil
}

// commandLine renders a command for error messages, quoting arguments
// that hold spaces.
func commandLine(name string, args []string) string {
	parts := append([]string{name}, args...)
	for i, p := range parts {
		if p == "" || strings.ContainsAny(p, " \t\n'\"") {
			parts[i] = strconv.Quote(p)
		}
	}
	return strings.Join(parts, " ")
}

// tailLines and tailBytes bound how much program output an error carries.
const (
	tailLines = 15
	tailBytes = 2000
)

// tail returns the last lines of text, trimmed.
func tail(text string) string {
	text = strings.TrimSpace(text)
	lines := strings.Split(text, "\n")
	if len(lines) > tailLines {
		lines = lines[len(lines)-tailLines:]
	}
	text = strings.Join(lines, "\n")
	if len(text) > tailBytes {
		text = "..." + text[len(text)-tailBytes:]
	}
	return text
}

// section formats the tail of text for appending to an error message, or
// returns "" when there is nothing to show.
func section(label, text string) string {
	text = tail(text)
	if text == "" {
		return ""
	}
	return "\n--- " + label + " ---\n" + text
}

// shellQuote quotes s for /bin/sh: pg_ctl passes its -o string through a shell.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
