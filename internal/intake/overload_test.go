package intake

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// With every slot taken a delivery waits briefly, then is turned away with
// 503 and Retry-After for the platform to redeliver; a freed slot lets the
// next one through.
func TestBusyWebhookIsTurnedAway(t *testing.T) {
	t.Parallel()
	h := &Handler{slots: make(chan struct{}, 1)}
	h.slots <- struct{}{}
	req := httptest.NewRequest(http.MethodPost, "/webhooks/whatsapp/x", strings.NewReader("{}"))
	rec := httptest.NewRecorder()
	start := time.Now()
	h.receive(rec, req)
	require.Equal(t, http.StatusServiceUnavailable, rec.Code)
	require.Equal(t, "1", rec.Header().Get("Retry-After"))
	require.GreaterOrEqual(t, time.Since(start), queueWait, "it waited for a slot first")

	go func() {
		// Free the slot only once acquire is (very likely) waiting: a slot
		// freed while waiting is what is under test.
		time.Sleep(20 * time.Millisecond)
		<-h.slots
	}()
	require.True(t, h.acquire(t.Context()), "a slot freed while waiting is taken")
}
