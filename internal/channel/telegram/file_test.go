package telegram_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"frontdesk/internal/channel/telegram"
	"frontdesk/internal/channel/wire"
)

func TestLookupFile(t *testing.T) {
	t.Parallel()
	b := setup(t, func(n int, method string) (int, string) {
		return 200, `{"ok":true,"result":{"file_id":"AgACAgIAAxkBAAIBAWTESTfileIdLarge00000000000000000000000","file_unique_id":"AQADTESTx0001","file_size":84210,"file_path":"photos/file_7.jpg"}}`
	})
	f, err := b.client.LookupFile(context.Background(), testToken, "AgACAgIAAxkBAAIBAWTESTfileIdLarge00000000000000000000000")
	require.NoError(t, err)
	require.Equal(t, telegram.File{Path: "photos/file_7.jpg", Size: 84210}, f)
	reqs := b.requests()
	require.Len(t, reqs, 1)
	require.Equal(t, "getFile", reqs[0].method)
	require.Equal(t, map[string]any{"file_id": "AgACAgIAAxkBAAIBAWTESTfileIdLarge00000000000000000000000"}, reqs[0].body)

	u, err := b.client.FileURL(testToken, f)
	require.NoError(t, err)
	require.Equal(t, b.server.URL+"/file/bot"+testToken+"/photos/file_7.jpg", u)
}

func TestLookupFileFailures(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		status int
		body   string
		retry  bool
	}{
		{"too big", 400, `{"ok":false,"error_code":400,"description":"Bad Request: file is too big"}`, false},
		{"flood", 429, `{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 3","parameters":{"retry_after":3}}`, true},
		{"outage", 502, `bad gateway`, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, func(int, string) (int, string) { return tc.status, tc.body })
			_, err := b.client.LookupFile(context.Background(), testToken, "file-1")
			se, ok := wire.AsSendError(err)
			require.True(t, ok, "%v", err)
			require.Equal(t, tc.retry, se.Retry)
			require.NotContains(t, err.Error(), testToken)
		})
	}
	b := setup(t, func(int, string) (int, string) {
		return 200, `{"ok":true,"result":{"file_id":"x","file_unique_id":"y"}}`
	})
	_, err := b.client.LookupFile(context.Background(), testToken, "x")
	require.ErrorContains(t, err, "no file_path")
}

func TestFileURLRefusesStrangePaths(t *testing.T) {
	t.Parallel()
	c := &telegram.Client{BaseURL: "https://api.example.test"}
	for _, p := range []string{"", "../bot/getMe", "photos/a?x=1", "photos/a#b"} {
		_, err := c.FileURL(testToken, telegram.File{Path: p})
		require.Error(t, err, p)
	}
	_, err := c.FileURL("bad token/..", telegram.File{Path: "photos/a.jpg"})
	require.ErrorIs(t, err, telegram.ErrInvalidToken)
}
