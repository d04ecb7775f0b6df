package pgembed

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestTail(t *testing.T) {
	t.Parallel()
	var lines []string
	for i := range 40 {
		lines = append(lines, strings.Repeat("x", i))
	}
	got := tail(strings.Join(lines, "\n") + "\n\n")
	require.Len(t, strings.Split(got, "\n"), tailLines)
	require.True(t, strings.HasSuffix(got, lines[39]))

	require.LessOrEqual(t, len(tail(strings.Repeat("y", 10*tailBytes))), tailBytes+3)
	require.Empty(t, section("output", " \n"))
}

func TestShellQuote(t *testing.T) {
	t.Parallel()
	require.Equal(t, `'/tmp/a b'`, shellQuote("/tmp/a b"))
	require.Equal(t, `'it'\''s'`, shellQuote("it's"))
}

func TestCommandLine(t *testing.T) {
	t.Parallel()
	require.Equal(t, `pg_ctl -D /d -o "-p 5 -k '/x'" start`, commandLine("pg_ctl", []string{"-D", "/d", "-o", "-p 5 -k '/x'", "start"}))
}
