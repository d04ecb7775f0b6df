package channel_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"frontdesk/internal/channel"
)

func TestErrorNote(t *testing.T) {
	t.Parallel()
	require.Equal(t, "webhook: bad thing", channel.ErrorNote("  webhook:\x00 bad\n\tthing \x07"))
	require.Equal(t, "caf\uFFFD", channel.ErrorNote("caf\xe9"))
	for _, long := range []string{strings.Repeat("я", 600), "x" + strings.Repeat("Ошибка ", 200), strings.Repeat("a", 501)} {
		got := channel.ErrorNote(long)
		require.True(t, utf8.ValidString(got))
		require.Equal(t, channel.MaxErrorNote, utf8.RuneCountInString(got))
		require.True(t, strings.HasSuffix(got, "…"))
	}
	exact := strings.Repeat("я", channel.MaxErrorNote)
	require.Equal(t, exact, channel.ErrorNote(exact))
}
