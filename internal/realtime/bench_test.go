package realtime_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"frontdesk/internal/dbtest"
	"frontdesk/internal/eventlog"
	"frontdesk/internal/realtime"
)

// BenchmarkFanout measures commit-to-delivery of a batch of events to many
// subscribers of one organisation: each iteration commits batch events in
// one transaction, notifies, and waits until every subscriber has them all.
func BenchmarkFanout(b *testing.B) {
	for _, subs := range []int{1, 100, 1000} {
		b.Run(fmt.Sprintf("subscribers=%d", subs), func(b *testing.B) {
			const batch = 50
			db := dbtest.New(b)
			org := newOrg(b, db)
			hub := realtime.New(db, realtime.Config{}, nil)
			if err := hub.Start(b.Context()); err != nil {
				b.Fatal(err)
			}
			b.Cleanup(hub.Stop)
			var delivered atomic.Int64
			var wg sync.WaitGroup
			ctx, cancel := context.WithCancel(b.Context())
			defer func() { cancel(); wg.Wait() }()
			f := realtime.Filter{OrgID: org.ID}
			for range subs {
				ch, err := hub.Subscribe(ctx, f, nil)
				if err != nil {
					b.Fatal(err)
				}
				wg.Go(func() {
					for range ch {
						delivered.Add(1)
					}
				})
			}
			b.ResetTimer()
			for i := range b.N {
				events := make([]*eventlog.Event, batch)
				for j := range events {
					events[j] = event(org.ID, &org.Conv, eventlog.MessageReceived)
				}
				err := db.Bun.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
					return eventlog.Append(ctx, tx, events...)
				})
				if err != nil {
					b.Fatal(err)
				}
				hub.Notify()
				want := int64((i + 1) * batch * subs)
				// A benchmark's busy wait for the fan-out it measures; a
				// channel per delivery would cost more than the hub.
				for delivered.Load() < want {
					time.Sleep(20 * time.Microsecond)
				}
			}
			b.ReportMetric(float64(b.N*batch*subs)/b.Elapsed().Seconds(), "deliveries/s")
		})
	}
}
