package realtime

import "frontdesk/internal/eventlog"

// TailForTest returns the dispatcher's tail position.
func (h *Hub) TailForTest() eventlog.Position {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.tail
}

// ReadsForTest returns how many times the dispatcher has read the log.
func (h *Hub) ReadsForTest() int64 { return h.reads.Load() }
