package clock_test

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"frontdesk/internal/clock"
)

func TestManual(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	c := clock.NewManual(start)
	require.True(t, start.Equal(c.Now()))
	require.True(t, start.Equal(c.Now()), "it does not move by itself")
	require.True(t, start.Add(time.Hour).Equal(c.Advance(time.Hour)))
	require.True(t, start.Add(time.Hour).Equal(c.Now()))
	c.Set(start.Add(-time.Hour))
	require.True(t, start.Add(-time.Hour).Equal(c.Now()), "set moves it backwards too")

	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 100 {
				c.Advance(time.Second)
				_ = c.Now()
			}
		})
	}
	wg.Wait()
	require.True(t, start.Add(-time.Hour+400*time.Second).Equal(c.Now()))
}

func TestSystem(t *testing.T) {
	t.Parallel()
	var c clock.Clock = clock.System{}
	before := time.Now()
	now := c.Now()
	require.False(t, now.Before(before))
	require.False(t, now.After(time.Now()))
}
