// Package ratelimit bounds how fast and how much one client may use the
// API: a token bucket per client key, kept in a store of bounded size, and a
// count of the connections each key holds open.
//
// Keys are what the server verified (a user, a visitor) or, failing that,
// the client's address: never what a client merely claims, such as an
// unverified token, which would buy a fresh bucket per request.
package ratelimit

import (
	"net/netip"
	"strings"
	"sync"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"golang.org/x/time/rate"
)

// DefaultCapacity is how many clients' buckets a Limiter keeps. The least
// recently seen client's bucket is dropped first: a full one it would have
// found again after a quiet spell.
const DefaultCapacity = 100_000

// Limiter is a token bucket per key, refilled at rps up to burst.
type Limiter struct {
	rps   rate.Limit
	burst int

	mu      sync.Mutex // makes find-or-create one step
	buckets *lru.Cache[string, *rate.Limiter]
}

// New returns a Limiter keeping at most capacity keys (DefaultCapacity if
// capacity < 1).
func New(rps float64, burst, capacity int) *Limiter {
	if capacity < 1 {
		capacity = DefaultCapacity
	}
	c, err := lru.New[string, *rate.Limiter](capacity)
	if err != nil {
		panic(err) // only for a size below 1, excluded above
	}
	return &Limiter{rps: rate.Limit(rps), burst: burst, buckets: c}
}

// Allow takes one token from key's bucket and reports whether there was one.
func (l *Limiter) Allow(key string) bool {
	return l.bucket(key).AllowN(time.Now(), 1)
}

func (l *Limiter) bucket(key string) *rate.Limiter {
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets.Get(key)
	if !ok {
		b = rate.NewLimiter(l.rps, l.burst)
		l.buckets.Add(key, b)
	}
	return b
}

// Len is the number of keys whose buckets are kept.
func (l *Limiter) Len() int { return l.buckets.Len() }

// Slots counts what each key holds open (WebSockets) against a cap per key.
// Its size is bounded by the connections open at once.
type Slots struct {
	max int

	mu   sync.Mutex
	held map[string]int
}

// NewSlots returns Slots allowing max per key.
func NewSlots(max int) *Slots {
	return &Slots{max: max, held: map[string]int{}}
}

// Acquire takes one of key's slots; false when it holds max already. A
// successful Acquire must be matched by one Release.
func (s *Slots) Acquire(key string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.held[key] >= s.max {
		return false
	}
	s.held[key]++
	return true
}

// Release gives back one of key's slots.
func (s *Slots) Release(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.held[key] <= 1 {
		delete(s.held, key)
		return
	}
	s.held[key]--
}

// ClientAddr is the address of the client behind r: the peer's own
// address, unless the peer is one of the trusted proxies, in which case
// X-Forwarded-For is read from the right (the entry the nearest proxy
// appended) past every trusted hop to the first address that is not one.
// Entries a client wrote itself stand left of that and are never read, so a
// client cannot choose its own key. A malformed entry stops the walk at the
// last address known good.
func ClientAddr(remoteAddr string, forwardedFor []string, trusted []netip.Prefix) string {
	peer, ok := parseAddr(remoteAddr)
	if !ok {
		return remoteAddr
	}
	if !isTrusted(peer, trusted) {
		return peer.String()
	}
	client := peer
	for i := len(forwardedFor) - 1; i >= 0; i-- {
		hops := strings.Split(forwardedFor[i], ",")
		for j := len(hops) - 1; j >= 0; j-- {
			a, ok := parseAddr(strings.TrimSpace(hops[j]))
			if !ok {
				return client.String()
			}
			client = a
			if !isTrusted(a, trusted) {
				return a.String()
			}
		}
	}
	return client.String()
}

// parseAddr reads an IP address, with or without a port (and brackets for
// IPv6), as RemoteAddr and X-Forwarded-For carry them.
func parseAddr(s string) (netip.Addr, bool) {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap(), true
	}
	a, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(s, "["), "]"))
	if err != nil {
		return netip.Addr{}, false
	}
	return a.Unmap().WithZone(""), true
}

func isTrusted(a netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// Subnet is the key of a client address: an IPv4 address itself, an IPv6
// one by its /64, since one end site is handed a whole /64 and could take a
// fresh address (and a fresh bucket) for every request. Anything that is
// not an address is its own key.
func Subnet(addr string) string {
	a, err := netip.ParseAddr(addr)
	if err != nil || !a.Is6() || a.Is4In6() {
		return addr
	}
	p, err := a.WithZone("").Prefix(64)
	if err != nil {
		return addr
	}
	return p.String()
}
