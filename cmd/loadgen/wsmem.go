package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"time"
)

// wsmemOptions configures the memory-per-socket benchmark.
type wsmemOptions struct {
	N               int
	Settle          time.Duration
	Warm            int
	DialConcurrency int
	HeapProfile     string
}

func cmdWSMem(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("wsmem", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		d  dbFlags
		tf targetFlags
		o  wsmemOptions
	)
	d.register(fs)
	tf.register(fs)
	fs.IntVar(&o.N, "n", 1000, "idle subscribed WebSockets")
	fs.DurationVar(&o.Settle, "settle", 2*time.Second, "wait after the last subscribe before measuring")
	fs.IntVar(&o.Warm, "warm", 20, "sockets opened and closed first, so one-time allocations are not charged to the measured ones")
	fs.IntVar(&o.DialConcurrency, "dial-concurrency", 50, "sockets opened at once")
	fs.StringVar(&o.HeapProfile, "heapprofile", "", "write the server's heap profile (after the sockets are open) to this file; loadgen's own servers only")
	pid := fs.Int("pid", 0, "server process id, with -url (its RSS is read from /proc)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Minute+o.Settle)
	defer cancel()
	var t target
	if tf.URL != "" {
		var err error
		if t, err = tf.external(); err != nil {
			return err
		}
		if *pid == 0 {
			return errors.New("-url needs -pid to read the server's memory")
		}
		t.PID = *pid
	} else {
		if err := d.prepare(ctx, stderr); err != nil {
			return err
		}
		var extra []string
		if o.HeapProfile != "" {
			// Record every allocation, so the profile attributes each byte.
			extra = append(extra, "-memprofilerate", "1")
		}
		c, err := spawnServe(ctx, d, stderr, extra...)
		if err != nil {
			return err
		}
		defer c.Stop()
		t = c.Target
	}
	r, err := runWSMem(ctx, t, o)
	if err != nil {
		return err
	}
	r.print(stdout)
	return nil
}

// memSample is the server's memory at one moment.
type memSample struct {
	RSSKB int64 // min VmRSS over a few samples
	Stats *procStats
}

// sampleMem reads the server's RSS three times, 200 ms apart, and keeps
// the minimum (RSS only grows transiently); with a stats URL it first
// forces a GC and returns freed memory to the OS.
func sampleMem(ctx context.Context, t target, gc bool) (memSample, error) {
	var s memSample
	if t.StatsURL != "" {
		st, err := fetchStats(ctx, t.StatsURL, gc)
		if err != nil {
			return s, err
		}
		s.Stats = st
	}
	for i := range 3 {
		if i > 0 {
			time.Sleep(200 * time.Millisecond)
		}
		kb, err := readRSSKB(t.PID)
		if err != nil {
			return s, err
		}
		if s.RSSKB == 0 || kb < s.RSSKB {
			s.RSSKB = kb
		}
	}
	return s, nil
}

// runWSMem measures the server's memory before and after opening o.N idle
// subscribed sockets, and reports the difference per socket.
func runWSMem(ctx context.Context, t target, o wsmemOptions) (*result, error) {
	if t.PID == 0 {
		return nil, errors.New("wsmem: no server pid")
	}
	if o.Warm > 0 {
		warm, err := dialAll(ctx, t, o.Warm, o.DialConcurrency)
		if err != nil {
			return nil, fmt.Errorf("warm-up: %w", err)
		}
		time.Sleep(200 * time.Millisecond)
		closeAll(warm)
		time.Sleep(500 * time.Millisecond)
	}
	before, err := sampleMem(ctx, t, true)
	if err != nil {
		return nil, err
	}
	clients, err := dialAll(ctx, t, o.N, o.DialConcurrency)
	if err != nil {
		return nil, err
	}
	defer closeAll(clients)
	// Answer keep-alive pings like a real client, without recording.
	readCtx, stopReading := context.WithCancel(ctx)
	defer stopReading()
	for _, c := range clients {
		go func() {
			for {
				_, b, err := c.conn.Read(readCtx)
				if err != nil {
					return
				}
				var m wsMessage
				if json.Unmarshal(b, &m) == nil && m.Type == "ping" {
					_ = c.send(readCtx, wsMessage{Type: "pong"})
				}
			}
		}()
	}
	select {
	case <-time.After(o.Settle):
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	raw, err := sampleMem(ctx, t, false)
	if err != nil {
		return nil, err
	}
	after, err := sampleMem(ctx, t, true)
	if err != nil {
		return nil, err
	}
	if o.HeapProfile != "" && t.StatsURL != "" {
		abs, err := filepath.Abs(o.HeapProfile)
		if err != nil {
			return nil, err
		}
		if _, err := fetchStats(ctx, t.StatsURL+"?heap="+url.QueryEscape(abs)+"&x=", false); err != nil {
			return nil, err
		}
	}
	perKB := func(a, b int64) float64 { return round(float64(a-b)/float64(o.N), 2) }
	r := &result{Bench: "wsmem"}
	r.add("sockets", o.N, "")
	r.add("rss_before_kb", before.RSSKB, "KiB")
	r.add("rss_after_kb", raw.RSSKB, "KiB")
	r.add("rss_per_socket_kb", perKB(raw.RSSKB, before.RSSKB), "KiB (VmRSS delta / n)")
	r.add("rss_per_socket_after_gc_kb", perKB(after.RSSKB, before.RSSKB), "KiB (after forced GC + FreeOSMemory)")
	if before.Stats != nil && after.Stats != nil {
		r.add("heap_per_socket_kb", round(float64(int64(after.Stats.HeapInuse)-int64(before.Stats.HeapInuse))/1024/float64(o.N), 2), "KiB (HeapInuse delta / n)")
		r.add("stack_per_socket_kb", round(float64(int64(after.Stats.StackInuse)-int64(before.Stats.StackInuse))/1024/float64(o.N), 2), "KiB (StackInuse delta / n)")
		r.add("goroutines_per_socket", round(float64(after.Stats.Goroutines-before.Stats.Goroutines)/float64(o.N), 2), "")
	}
	r.check("<= 40 KiB per socket (raw RSS)", perKB(raw.RSSKB, before.RSSKB) <= 40)
	return r, nil
}
