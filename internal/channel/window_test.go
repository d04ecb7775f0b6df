package channel_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"frontdesk/internal/channel"
)

func TestMessagingWindow(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	ago := func(d time.Duration) *time.Time { t := now.Add(-d); return &t }
	closes := func(last *time.Time, d time.Duration) *time.Time { t := last.Add(d); return &t }
	const day = 24 * time.Hour
	for _, tc := range []struct {
		name     string
		kind     channel.Kind
		last     *time.Time
		template bool
		want     channel.WindowState
		closesIn time.Duration // after last; 0: no ClosesAt
	}{
		{"whatsapp fresh", channel.WhatsApp, ago(time.Hour), false, channel.WindowOpen, day},
		{"whatsapp exactly 24h", channel.WhatsApp, ago(day), false, channel.WindowOpen, day},
		{"whatsapp late, no template", channel.WhatsApp, ago(day + time.Second), false, channel.WindowClosed, 0},
		{"whatsapp late, template", channel.WhatsApp, ago(day + time.Second), true, channel.WindowTemplateOnly, 0},
		{"whatsapp fresh, template", channel.WhatsApp, ago(time.Minute), true, channel.WindowOpen, day},
		{"whatsapp never wrote, template", channel.WhatsApp, nil, true, channel.WindowTemplateOnly, 0},
		{"whatsapp never wrote", channel.WhatsApp, nil, false, channel.WindowClosed, 0},
		{"messenger fresh", channel.Messenger, ago(23 * time.Hour), false, channel.WindowOpen, day},
		{"messenger human agent", channel.Messenger, ago(2 * day), false, channel.WindowHumanAgentOnly, 7 * day},
		{"messenger exactly 7 days", channel.Messenger, ago(7 * day), false, channel.WindowHumanAgentOnly, 7 * day},
		{"messenger past 7 days", channel.Messenger, ago(7*day + time.Second), false, channel.WindowClosed, 0},
		{"messenger never wrote", channel.Messenger, nil, false, channel.WindowClosed, 0},
		{"instagram human agent", channel.Instagram, ago(3 * day), true, channel.WindowHumanAgentOnly, 7 * day},
		{"instagram fresh", channel.Instagram, ago(time.Hour), false, channel.WindowOpen, day},
		{"telegram never wrote", channel.Telegram, nil, false, channel.WindowNotStarted, 0},
		{"telegram long ago", channel.Telegram, ago(365 * day), false, channel.WindowOpen, 0},
		{"web chat", channel.WebChat, nil, false, channel.WindowOpen, 0},
		{"staff", channel.Staff, ago(30 * day), false, channel.WindowOpen, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := channel.MessagingWindow(tc.kind, tc.last, tc.template, now)
			require.Equal(t, tc.want, got.State)
			if tc.closesIn == 0 {
				require.Nil(t, got.ClosesAt)
			} else {
				require.Equal(t, closes(tc.last, tc.closesIn), got.ClosesAt)
			}
		})
	}
}

func TestWindowOfReadsTheTemplateSetting(t *testing.T) {
	t.Parallel()
	now := time.Now()
	late := now.Add(-48 * time.Hour)
	for _, tc := range []struct {
		settings string
		kind     channel.Kind
		want     channel.WindowState
		template *channel.ReengagementTemplate
	}{
		{`{}`, channel.WhatsApp, channel.WindowClosed, nil},
		{`{"reengagementTemplate":{"name":"follow_up","language":"en_US","textParam":true}}`, channel.WhatsApp, channel.WindowTemplateOnly,
			&channel.ReengagementTemplate{Name: "follow_up", Language: "en_US", TextParam: true}},
		{`{"reengagementTemplate":{"name":"follow_up"}}`, channel.WhatsApp, channel.WindowClosed, nil},
		{`{"reengagementTemplate":{"name":"follow_up","language":"en"}}`, channel.Messenger, channel.WindowHumanAgentOnly, nil},
	} {
		a := &channel.Account{Kind: tc.kind, Settings: json.RawMessage(tc.settings)}
		require.Equal(t, tc.want, channel.WindowOf(a, &late, now).State, tc.settings)
		got, err := a.ReengagementTemplate()
		require.NoError(t, err)
		require.Equal(t, tc.template, got, tc.settings)
	}
	_, err := (&channel.Account{Kind: channel.WhatsApp, Settings: json.RawMessage(`[`)}).ReengagementTemplate()
	require.Error(t, err)
}
