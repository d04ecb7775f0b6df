package apptest

import (
	"errors"
	"io"
	"net"
	"net/url"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"frontdesk/internal/config"
)

// DBProxy is a TCP proxy between one test's server and PostgreSQL, which
// the test can cut to play a database outage without touching the
// PostgreSQL server that every other test shares.
type DBProxy struct {
	t  testing.TB
	ln net.Listener

	mu     sync.Mutex
	target string // host:port of PostgreSQL, from the first DATABASE_URL seen
	cut    bool
	conns  map[net.Conn]struct{}
}

// NewDBProxy listens on a free local port until the test ends. Pass
// Option() to Start to route the server's database connections through it.
func NewDBProxy(t testing.TB) *DBProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	p := &DBProxy{t: t, ln: ln, conns: map[net.Conn]struct{}{}}
	go p.accept()
	t.Cleanup(func() {
		_ = ln.Close()
		p.Cut()
	})
	return p
}

// Option points the server's DATABASE_URL at the proxy, which forwards to
// the host the URL named.
func (p *DBProxy) Option() Option {
	return func(c *config.Config) {
		u, err := url.Parse(c.DatabaseURL)
		require.NoError(p.t, err)
		p.mu.Lock()
		if p.target == "" {
			p.target = u.Host
		}
		p.mu.Unlock()
		u.Host = p.ln.Addr().String()
		c.DatabaseURL = u.String()
	}
}

// Cut closes every proxied connection and refuses new ones (each is reset
// as soon as it is accepted) until Restore.
func (p *DBProxy) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cut = true
	for c := range p.conns {
		reset(c)
		delete(p.conns, c)
	}
}

// Restore lets connections through again.
func (p *DBProxy) Restore() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cut = false
}

func (p *DBProxy) accept() {
	for {
		client, err := p.ln.Accept()
		if errors.Is(err, net.ErrClosed) {
			return
		}
		if err != nil {
			continue
		}
		go p.forward(client)
	}
}

func (p *DBProxy) forward(client net.Conn) {
	p.mu.Lock()
	cut, target := p.cut, p.target
	p.mu.Unlock()
	if cut || target == "" {
		reset(client)
		return
	}
	server, err := net.Dial("tcp", target)
	if err != nil {
		reset(client)
		return
	}
	p.mu.Lock()
	if p.cut { // cut while dialling
		p.mu.Unlock()
		reset(client)
		reset(server)
		return
	}
	p.conns[client], p.conns[server] = struct{}{}, struct{}{}
	p.mu.Unlock()
	done := make(chan struct{}, 2)
	pipe := func(dst, src net.Conn) {
		_, _ = io.Copy(dst, src)
		done <- struct{}{}
	}
	go pipe(server, client)
	go pipe(client, server)
	<-done
	p.mu.Lock()
	delete(p.conns, client)
	delete(p.conns, server)
	p.mu.Unlock()
	_ = client.Close()
	_ = server.Close()
	<-done
}

// reset closes c with a TCP reset, as a dead peer or a refused
// connection would look to the driver.
func reset(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = c.Close()
}
