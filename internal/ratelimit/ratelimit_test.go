package ratelimit_test

import (
	"fmt"
	"net/netip"
	"testing"

	"github.com/stretchr/testify/require"

	"frontdesk/internal/ratelimit"
)

func TestLimiterBurstThenRefuses(t *testing.T) {
	t.Parallel()
	l := ratelimit.New(0.001, 3, 10)
	for range 3 {
		require.True(t, l.Allow("a"))
	}
	require.False(t, l.Allow("a"))
	require.True(t, l.Allow("b"), "another key has its own bucket")
}

// However many distinct keys arrive, the store keeps at most its capacity.
func TestLimiterStoreIsBounded(t *testing.T) {
	t.Parallel()
	l := ratelimit.New(1, 1, 1000)
	for i := range 50_000 {
		l.Allow(fmt.Sprintf("junk-%d", i))
	}
	require.Equal(t, 1000, l.Len())
}

func TestSlots(t *testing.T) {
	t.Parallel()
	s := ratelimit.NewSlots(2)
	require.True(t, s.Acquire("u"))
	require.True(t, s.Acquire("u"))
	require.False(t, s.Acquire("u"))
	require.True(t, s.Acquire("v"))
	s.Release("u")
	require.True(t, s.Acquire("u"))
	require.False(t, s.Acquire("u"))
}

func TestClientAddr(t *testing.T) {
	t.Parallel()
	proxies := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	tests := []struct {
		name   string
		remote string
		xff    []string
		want   string
	}{
		{"direct client", "203.0.113.7:5555", nil, "203.0.113.7"},
		{"untrusted peer's header is ignored", "203.0.113.7:5555", []string{"198.51.100.1"}, "203.0.113.7"},
		{"trusted proxy", "10.1.2.3:80", []string{"198.51.100.1"}, "198.51.100.1"},
		{"forged entries left of the real client", "10.1.2.3:80", []string{"1.1.1.1, 198.51.100.1"}, "198.51.100.1"},
		{"two trusted hops", "10.1.2.3:80", []string{"198.51.100.1, 10.9.9.9"}, "198.51.100.1"},
		{"several header lines", "10.1.2.3:80", []string{"1.1.1.1", "198.51.100.1, 10.9.9.9"}, "198.51.100.1"},
		{"only proxies", "10.1.2.3:80", []string{"10.0.0.5"}, "10.0.0.5"},
		{"no header from a proxy", "10.1.2.3:80", nil, "10.1.2.3"},
		{"garbage stops the walk", "10.1.2.3:80", []string{"198.51.100.1, not-an-ip"}, "10.1.2.3"},
		{"ipv6 peer", "[::1]:80", []string{"2001:db8::1"}, "2001:db8::1"},
		{"mapped ipv4", "[::ffff:203.0.113.7]:80", nil, "203.0.113.7"},
		{"entry with a port", "10.1.2.3:80", []string{"198.51.100.1:4711"}, "198.51.100.1"},
		{"bracketed ipv6 entry", "10.1.2.3:80", []string{"[2001:db8::2]"}, "2001:db8::2"},
		{"unparsable remote", "pipe", nil, "pipe"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, ratelimit.ClientAddr(tt.remote, tt.xff, proxies))
		})
	}
}

// FuzzClientAddr: whatever a client puts in X-Forwarded-For, the key is
// never empty, never longer than the input offers, and an untrusted peer
// always gets its own address.
func FuzzClientAddr(f *testing.F) {
	for _, s := range []string{"198.51.100.1", "1.1.1.1, 198.51.100.1", "[2001:db8::2]", "x, , ,", "198.51.100.1:99, 10.0.0.1", "%zone, fe80::1%eth0"} {
		f.Add("10.1.2.3:80", s)
		f.Add("203.0.113.7:5555", s)
	}
	proxies := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	f.Fuzz(func(t *testing.T, remote, xff string) {
		got := ratelimit.ClientAddr(remote, []string{xff}, proxies)
		if got == "" && remote != "" {
			t.Fatalf("empty key for remote %q, xff %q", remote, xff)
		}
		if peer, err := netip.ParseAddrPort(remote); err == nil && !proxies[0].Contains(peer.Addr().Unmap()) {
			if got != peer.Addr().Unmap().String() {
				t.Fatalf("untrusted peer %q keyed as %q", remote, got)
			}
		}
	})
}

func TestSubnet(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"203.0.113.7":          "203.0.113.7",
		"2001:db8:1:2:aaaa::1": "2001:db8:1:2::/64",
		"2001:db8:1:2:bbbb::9": "2001:db8:1:2::/64",
		"fe80::1%eth0":         "fe80::/64",
		"not an address":       "not an address",
		"::ffff:203.0.113.7":   "::ffff:203.0.113.7",
	} {
		require.Equal(t, want, ratelimit.Subnet(in), in)
	}
}
