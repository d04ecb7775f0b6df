package pgembed

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// pidFile is what we need from a running server's postmaster.pid.
type pidFile struct {
	pid    int
	port   int
	status string // "starting", "ready", "stopping", "standby"; "" while still being written
}

// readPIDFile reads dataDir/postmaster.pid; a missing file yields an error
// matching fs.ErrNotExist.
func readPIDFile(dataDir string) (pidFile, error) {
	data, err := os.ReadFile(filepath.Join(dataDir, "postmaster.pid"))
	if err != nil {
		return pidFile{}, fmt.Errorf("read postmaster.pid: %w", err)
	}
	return parsePIDFile(string(data))
}

// parsePIDFile parses postmaster.pid. Its lines are, in order: pid, data
// directory, start time, port, socket directory, listen address, shared
// memory key and status (see pidfile.h in the PostgreSQL sources).
func parsePIDFile(data string) (pidFile, error) {
	lines := strings.Split(data, "\n")
	if len(lines) < 4 {
		return pidFile{}, fmt.Errorf("parse postmaster.pid: %d lines, want at least 4", len(lines))
	}
	pid, err := strconv.Atoi(strings.TrimSpace(lines[0]))
	if err != nil || pid <= 0 {
		return pidFile{}, fmt.Errorf("parse postmaster.pid: bad pid %q", lines[0])
	}
	port, err := strconv.Atoi(strings.TrimSpace(lines[3]))
	if err != nil || port <= 0 || port > 65535 {
		return pidFile{}, fmt.Errorf("parse postmaster.pid: bad port %q", lines[3])
	}
	pf := pidFile{pid: pid, port: port}
	if len(lines) > 7 {
		pf.status = strings.TrimSpace(lines[7])
	}
	return pf, nil
}
