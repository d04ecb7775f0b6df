package pgembed

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// fakeBinDir creates dir holding executables with the given names.
func fakeBinDir(t *testing.T, dir string, names ...string) string {
	t.Helper()
	require.NoError(t, os.MkdirAll(dir, 0o755))
	for _, name := range names {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte("#!/bin/sh\n"), 0o755))
	}
	return dir
}

func TestFindBinaries(t *testing.T) {
	t.Parallel()

	t.Run("PATHSymlinkResolved", func(t *testing.T) {
		t.Parallel()
		root := t.TempDir()
		real := fakeBinDir(t, filepath.Join(root, "lib", "postgresql", "15", "bin"), serverBinaries...)
		pathDir := filepath.Join(root, "usr-local-bin")
		require.NoError(t, os.Mkdir(pathDir, 0o755))
		require.NoError(t, os.Symlink(filepath.Join(real, "initdb"), filepath.Join(pathDir, "initdb")))

		got, err := findBinaries(strings.Join([]string{filepath.Join(root, "missing"), pathDir}, string(os.PathListSeparator)), filepath.Join(root, "none"))
		require.NoError(t, err)
		require.Equal(t, real, got)
	})

	t.Run("PATHIncompleteFallsBackToVersioned", func(t *testing.T) {
		t.Parallel()
		root := t.TempDir()
		pathDir := fakeBinDir(t, filepath.Join(root, "bin"), "initdb") // a client-only install
		want := fakeBinDir(t, filepath.Join(root, "pg", "14", "bin"), serverBinaries...)

		got, err := findBinaries(pathDir, filepath.Join(root, "pg"))
		require.NoError(t, err)
		require.Equal(t, want, got)
	})

	t.Run("HighestCompleteVersionFirst", func(t *testing.T) {
		t.Parallel()
		root := t.TempDir()
		fakeBinDir(t, filepath.Join(root, "9.6", "bin"), serverBinaries...)
		fakeBinDir(t, filepath.Join(root, "10", "bin"), serverBinaries...)
		want := fakeBinDir(t, filepath.Join(root, "13", "bin"), serverBinaries...)
		fakeBinDir(t, filepath.Join(root, "16", "bin"), "pg_ctl", "psql") // incomplete
		fakeBinDir(t, filepath.Join(root, "common", "bin"), serverBinaries...)

		got, err := findBinaries("", root)
		require.NoError(t, err)
		require.Equal(t, want, got)
	})

	t.Run("NotInstalled", func(t *testing.T) {
		t.Parallel()
		root := t.TempDir()
		_, err := findBinaries(root, filepath.Join(root, "none"))
		require.ErrorIs(t, err, ErrNotInstalled)
		require.ErrorContains(t, err, "apt-get install postgresql")
	})

	t.Run("ThisMachine", func(t *testing.T) {
		t.Parallel()
		want := filepath.Join(debianRoot, "15", "bin")
		if !hasServerBinaries(want) {
			t.Skip("no Debian PostgreSQL 15 install here")
		}
		got, err := FindBinaries()
		require.NoError(t, err)
		require.Equal(t, want, got)

		got, err = findBinaries("", debianRoot)
		require.NoError(t, err, "found without PATH")
		require.Equal(t, want, got)
	})
}
