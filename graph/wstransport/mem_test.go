package wstransport_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/require"

	"frontdesk/graph/wstransport"
)

// memClientEnv, when set to a websocket URL, turns TestHelperIdleClients
// into the client side of BenchmarkIdleSubscribedSocket.
const memClientEnv = "WSTRANSPORT_MEM_CLIENT_URL"

// BenchmarkIdleSubscribedSocket measures what one idle, acknowledged socket
// with one running never-ending subscription costs the server: live heap,
// goroutine stacks and goroutines. The clients run in a child process so
// that only the server's side is counted. Run it once:
//
//	go test -run '^$' -bench IdleSubscribedSocket -benchtime 1x ./graph/wstransport/
//
// WSMEM_N sets the number of sockets (default 500); WSMEM_HEAPPROFILE names
// a file for the heap profile taken while they are open (add
// -memprofilerate 1 to attribute every byte).
func BenchmarkIdleSubscribedSocket(b *testing.B) {
	n := 500
	if v := os.Getenv("WSMEM_N"); v != "" {
		var err error
		n, err = strconv.Atoi(v)
		require.NoError(b, err)
	}

	// As production configures it: keep-alive, revalidation and a session
	// deadline all armed.
	tb := setup(b, wstransport.Config{
		KeepAlive:          wstransport.DefaultKeepAlive,
		RevalidateInterval: wstransport.DefaultRevalidateInterval,
		Revalidate:         func(context.Context) (bool, error) { return false, nil },
		InitFunc: func(ctx context.Context, _ map[string]any) (context.Context, error) {
			ctx, cancel := context.WithDeadline(ctx, time.Now().Add(time.Hour))
			context.AfterFunc(ctx, cancel)
			return ctx, nil
		},
	})
	// The forever resolver reports each cancellation; don't let the
	// reports of hundreds of closing sockets block.
	drained := make(chan struct{})
	b.Cleanup(func() { close(drained) })
	go func() {
		for {
			select {
			case <-tb.events.cancelled:
			case <-drained:
				return
			}
		}
	}()

	// Warm up, so that one-time allocations (query cache, pools) are not
	// charged to the measured sockets.
	base := runtime.NumGoroutine()
	warm := startIdleClients(b, tb.url, 20)
	warm.stop(b)
	waitGoroutines(b, base)

	before := measure()
	for b.Loop() {
		clients := startIdleClients(b, tb.url, n)
		// Each socket has had its first "next" (the child's readiness
		// signal); this lets the server's per-operation buffers and
		// goroutines settle before the heap is measured. A benchmark,
		// not run by go test, and its figure, not a pass or fail, depends
		// on it.
		time.Sleep(500 * time.Millisecond)
		after := measure()
		if path := os.Getenv("WSMEM_HEAPPROFILE"); path != "" {
			writeHeapProfile(b, path)
		}
		clients.stop(b)
		waitGoroutines(b, base)

		per := func(a, b uint64) float64 { return (float64(a) - float64(b)) / float64(n) }
		b.ReportMetric(per(after.heapAlloc, before.heapAlloc), "heap-B/socket")
		b.ReportMetric(per(after.heapInuse, before.heapInuse), "heapinuse-B/socket")
		b.ReportMetric(per(after.stackInuse, before.stackInuse), "stack-B/socket")
		b.ReportMetric(float64(after.goroutines-before.goroutines)/float64(n), "goroutines/socket")
		if after.rssKB > 0 && before.rssKB > 0 {
			b.ReportMetric(float64(after.rssKB-before.rssKB)*1024/float64(n), "rss-B/socket")
		}
	}
}

func writeHeapProfile(tb testing.TB, path string) {
	tb.Helper()
	f, err := os.Create(path)
	require.NoError(tb, err)
	defer f.Close()
	require.NoError(tb, pprof.Lookup("heap").WriteTo(f, 0))
}

type memSample struct {
	heapAlloc, heapInuse, stackInuse uint64
	goroutines                       int
	rssKB                            int64
}

func measure() memSample {
	// Several collections: each halves the stacks that use less than a
	// quarter of their size, as time would on a long-lived idle socket.
	for range gcs() {
		runtime.GC()
	}
	debug.FreeOSMemory()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return memSample{
		heapAlloc:  m.HeapAlloc,
		heapInuse:  m.HeapInuse,
		stackInuse: m.StackInuse,
		goroutines: runtime.NumGoroutine(),
		rssKB:      readRSSKB(),
	}
}

func gcs() int {
	n, err := strconv.Atoi(os.Getenv("WSMEM_GCS"))
	if err != nil {
		return 1
	}
	return n
}

func readRSSKB() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb
		}
	}
	return 0
}

// waitGoroutines waits until the closed sockets' goroutines have gone.
func waitGoroutines(tb testing.TB, want int) {
	tb.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for runtime.NumGoroutine() > want {
		if time.Now().After(deadline) {
			tb.Fatalf("%d goroutines left, want %d", runtime.NumGoroutine(), want)
		}
		time.Sleep(20 * time.Millisecond) // goroutines ending signal nothing: poll the count, with a deadline
	}
}

// idleClients is a child process holding idle subscribed sockets.
type idleClients struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
}

// startIdleClients starts a child process that opens n sockets to url, each
// acknowledged and subscribed to the never-ending subscription, and returns
// once they all got their first result.
func startIdleClients(tb testing.TB, url string, n int) *idleClients {
	tb.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperIdleClients$", "-test.bench=^$")
	cmd.Env = append(os.Environ(), memClientEnv+"="+url, "WSMEM_CLIENTS="+strconv.Itoa(n))
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	require.NoError(tb, err)
	stdout, err := cmd.StdoutPipe()
	require.NoError(tb, err)
	require.NoError(tb, cmd.Start())
	c := &idleClients{cmd: cmd, stdin: stdin}
	tb.Cleanup(func() { _ = c.stdin.Close(); _ = c.cmd.Wait() })

	line, err := bufio.NewReader(stdout).ReadString('\n')
	require.NoError(tb, err)
	require.Equal(tb, "ready\n", line)
	return c
}

// stop closes the child's sockets and waits for it to exit.
func (c *idleClients) stop(tb testing.TB) {
	tb.Helper()
	require.NoError(tb, c.stdin.Close())
	require.NoError(tb, c.cmd.Wait())
}

// TestHelperIdleClients is the child process of startIdleClients; it does
// nothing in a normal test run.
func TestHelperIdleClients(t *testing.T) {
	t.Parallel()
	url := os.Getenv(memClientEnv)
	if url == "" {
		t.Skip("helper process for BenchmarkIdleSubscribedSocket")
	}
	n, err := strconv.Atoi(os.Getenv("WSMEM_CLIENTS"))
	require.NoError(t, err)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	conns := make([]*websocket.Conn, n)
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
		sem  = make(chan struct{}, 50)
	)
	for i := range conns {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			ws, err := dialIdle(ctx, url)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
				return
			}
			conns[i] = ws
		}()
	}
	wg.Wait()
	require.Empty(t, errs)

	// Answer keep-alive pings like a real client.
	for _, ws := range conns {
		go func() {
			for {
				_, b, err := ws.Read(ctx)
				if err != nil {
					return
				}
				if strings.Contains(string(b), `"ping"`) {
					_ = ws.Write(ctx, websocket.MessageText, []byte(`{"type":"pong"}`))
				}
			}
		}()
	}
	fmt.Println("ready")
	_, _ = io.Copy(io.Discard, os.Stdin)
	for _, ws := range conns {
		_ = ws.Close(websocket.StatusNormalClosure, "")
	}
}

// dialIdle opens a socket, initialises it and starts the never-ending
// subscription.
func dialIdle(ctx context.Context, url string) (*websocket.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{Subprotocols: []string{wstransport.Subprotocol}})
	if err != nil {
		return nil, err
	}
	expect := func(typ string) error {
		_, b, err := ws.Read(ctx)
		if err != nil {
			return err
		}
		var m wireMsg
		if err := json.Unmarshal(b, &m); err != nil {
			return err
		}
		if m.Type != typ {
			return fmt.Errorf("got %s, want %s", b, typ)
		}
		return nil
	}
	for _, step := range []struct{ send, want string }{
		{`{"type":"connection_init","payload":{"token":"t"}}`, "connection_ack"},
		{`{"type":"subscribe","id":"1","payload":{"query":"subscription { forever }"}}`, "next"},
	} {
		if err := ws.Write(ctx, websocket.MessageText, []byte(step.send)); err != nil {
			return nil, err
		}
		if err := expect(step.want); err != nil {
			return nil, err
		}
	}
	return ws, nil
}
