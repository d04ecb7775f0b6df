package wstransport

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// subscribe starts the operation of a subscribe message. It reports false
// if the connection is closing because of it.
func (c *conn) subscribe(session context.Context, m message, start time.Time) bool {
	c.mu.Lock()
	if c.findOpLocked(m.ID) >= 0 {
		c.closeLocked(CloseSubscriberExists, closeReason("Subscriber for "+m.ID+" already exists"))
		c.mu.Unlock()
		return false
	}
	if len(c.ops) >= c.cfg.MaxOperations {
		c.enqueueErrorsLocked(m.ID, gqlerror.List{{Message: "too many operations on this connection"}})
		c.mu.Unlock()
		return true
	}
	c.mu.Unlock()

	if c.cfg.Operation != nil {
		octx, err := c.cfg.Operation(session)
		if err != nil {
			resp := c.exec.DispatchError(session, gqlerror.List{{Message: err.Error(), Err: err}})
			c.mu.Lock()
			defer c.mu.Unlock()
			c.enqueueErrorsLocked(m.ID, resp.Errors)
			return true
		}
		session = octx
	}

	// Only this goroutine adds operations, so the id stays free meanwhile.
	params := m.params
	params.Headers = c.header
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}
	ctx := graphql.StartOperationTrace(session)
	rc, errs := c.exec.CreateOperationContext(ctx, params)
	if errs != nil {
		resp := c.exec.DispatchError(graphql.WithOperationContext(ctx, rc), errs)
		c.mu.Lock()
		defer c.mu.Unlock()
		if errcode.GetErrorKind(errs) == errcode.KindProtocol {
			// Parse and validation failures: the operation never started.
			c.enqueueErrorsLocked(m.ID, resp.Errors)
			return true
		}
		c.enqueueResponseLocked(m.ID, resp)
		c.enqueueLocked(message{ID: m.ID, Type: typeComplete})
		return true
	}

	ctx, cancel := context.WithCancel(graphql.WithOperationContext(ctx, rc))
	op := &operation{id: m.ID, ctx: ctx, cancel: cancel}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closing {
		cancel()
		return false
	}
	c.ops = append(c.ops, op)
	c.wg.Add(1)
	go c.run(ctx, op, rc)
	return true
}

// run executes op and streams its results until it ends or is cancelled.
func (c *conn) run(ctx context.Context, op *operation, rc *graphql.OperationContext) {
	defer c.wg.Done()
	defer op.cancel()
	defer func() {
		if r := recover(); r != nil {
			// The executor recovers resolver panics itself; this one came
			// from the transport's side of the stream. Keep the server up
			// and report it as the presenter would, without its text.
			c.log().ErrorContext(ctx, "websocket operation panicked", "operation_id", op.id, "panic", r)
			err := rc.Recover(ctx, r)
			var gqlErr *gqlerror.Error
			if !errors.As(err, &gqlErr) {
				gqlErr = &gqlerror.Error{Message: "internal system error"}
			}
			c.finish(op, func() { c.enqueueErrorsLocked(op.id, gqlerror.List{gqlErr}) })
		}
	}()

	responses, ctx := c.exec.DispatchOperation(ctx, rc)
	for {
		resp := responses(ctx)
		if resp == nil {
			break
		}
		b, err := json.Marshal(resp)
		if err != nil {
			c.log().ErrorContext(ctx, "websocket response dropped", "error", err, "operation_id", op.id)
			continue
		}
		c.mu.Lock()
		if c.runningLocked(op) {
			c.enqueueLocked(message{ID: op.id, Type: typeNext, Payload: b})
		}
		c.mu.Unlock()
	}
	c.finish(op, func() { c.enqueueLocked(message{ID: op.id, Type: typeComplete}) })
}

// finish removes op and sends its last message with last, unless the
// client completed it or the connection is closing: the protocol allows no
// message for an id after the client's complete.
func (c *conn) finish(op *operation, last func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	i := slices.Index(c.ops, op)
	if i < 0 {
		return
	}
	c.removeOpLocked(i)
	last()
}

// stopOperation handles the client's complete: the operation is cancelled
// and its id is free for reuse at once. Unknown ids are ignored; the
// operation may have just ended.
func (c *conn) stopOperation(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if i := c.findOpLocked(id); i >= 0 {
		c.ops[i].cancel()
		c.removeOpLocked(i)
	}
}

// findOpLocked returns the index in c.ops of the operation with id, or -1.
func (c *conn) findOpLocked(id string) int {
	return slices.IndexFunc(c.ops, func(op *operation) bool { return op.id == id })
}

// runningLocked reports whether op is still running: not completed by the
// client nor cancelled with the connection.
func (c *conn) runningLocked(op *operation) bool {
	return slices.Contains(c.ops, op)
}

// removeOpLocked removes c.ops[i], and drops the slice when it empties.
func (c *conn) removeOpLocked(i int) {
	c.ops = slices.Delete(c.ops, i, i+1)
	if len(c.ops) == 0 {
		c.ops = nil
	}
}

func (c *conn) enqueueResponseLocked(id string, resp *graphql.Response) {
	b, err := json.Marshal(resp)
	if err != nil {
		c.log().Error("websocket response dropped", "error", err, "operation_id", id)
		return
	}
	c.enqueueLocked(message{ID: id, Type: typeNext, Payload: b})
}

func (c *conn) enqueueErrorsLocked(id string, errs gqlerror.List) {
	b, err := json.Marshal(errs)
	if err != nil {
		c.log().Error("websocket error dropped", "error", err, "operation_id", id)
		return
	}
	c.enqueueLocked(message{ID: id, Type: typeError, Payload: b})
}
