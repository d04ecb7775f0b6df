package pgembed

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// ErrNotInstalled is returned when no directory holding the PostgreSQL
// server binaries (initdb, pg_ctl and postgres) can be found.
var ErrNotInstalled = errors.New("postgresql server binaries (initdb, pg_ctl, postgres) not found on PATH or in /usr/lib/postgresql/<version>/bin; " +
	"install them (Debian/Ubuntu: apt-get install postgresql; macOS: brew install postgresql) or set the bin dir explicitly")

// serverBinaries are the programs a bin dir must hold to be usable.
var serverBinaries = []string{"initdb", "pg_ctl", "postgres"}

// debianRoot is where Debian and Ubuntu install one folder per major version.
const debianRoot = "/usr/lib/postgresql"

// FindBinaries returns a directory that holds initdb, pg_ctl and postgres.
// It looks on PATH first, following symlinks (Debian's wrappers and
// /usr/local/bin links point into a versioned folder), then in Debian's
// /usr/lib/postgresql/<version>/bin, highest version first. It returns an
// error wrapping ErrNotInstalled when none is found.
func FindBinaries() (string, error) {
	return findBinaries(os.Getenv("PATH"), debianRoot)
}

func findBinaries(pathList, versionRoot string) (string, error) {
	for _, dir := range filepath.SplitList(pathList) {
		if dir == "" {
			continue
		}
		initdb, err := filepath.EvalSymlinks(filepath.Join(dir, "initdb"))
		if err != nil || !isExecutable(initdb) {
			continue
		}
		if binDir := filepath.Dir(initdb); hasServerBinaries(binDir) {
			return binDir, nil
		}
	}
	for _, binDir := range versionedBinDirs(versionRoot) {
		if hasServerBinaries(binDir) {
			return binDir, nil
		}
	}
	return "", fmt.Errorf("find postgresql binaries: %w", ErrNotInstalled)
}

// versionedBinDirs lists root/<version>/bin, highest version first.
func versionedBinDirs(root string) []string {
	entries, err := os.ReadDir(root)
	if err != nil {
		return nil
	}
	type versioned struct {
		dir   string
		major int
		minor int
	}
	var found []versioned
	for _, e := range entries {
		// Versions are "15" since PostgreSQL 10 and "9.6" before it.
		majorText, minorText, _ := strings.Cut(e.Name(), ".")
		major, err := strconv.Atoi(majorText)
		if err != nil {
			continue
		}
		minor, _ := strconv.Atoi(minorText)
		found = append(found, versioned{dir: filepath.Join(root, e.Name(), "bin"), major: major, minor: minor})
	}
	slices.SortFunc(found, func(a, b versioned) int {
		if a.major != b.major {
			return b.major - a.major
		}
		return b.minor - a.minor
	})
	dirs := make([]string, 0, len(found))
	for _, v := range found {
		dirs = append(dirs, v.dir)
	}
	return dirs
}

func hasServerBinaries(dir string) bool {
	for _, name := range serverBinaries {
		if !isExecutable(filepath.Join(dir, name)) {
			return false
		}
	}
	return true
}

func isExecutable(path string) bool {
	info, err := os.Stat(path)
	return err == nil && info.Mode().IsRegular() && info.Mode().Perm()&0o111 != 0
}
