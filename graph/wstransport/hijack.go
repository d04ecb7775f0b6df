package wstransport

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
)

// Sizes of the buffers a socket keeps for its whole life. net/http hands a
// hijacked connection 4 KiB read and write buffers, 8 KiB per socket that an
// idle subscription never uses; these are enough for a frame header and the
// protocol's small messages. A larger message costs one more system call:
// reads and writes bigger than the buffer go straight to the connection.
const (
	readBufferSize  = 512
	writeBufferSize = 512
)

// smallBuffers is the ResponseWriter given to websocket.Accept: it hijacks
// the connection as usual, then replaces the big buffers net/http returns
// with small ones.
type smallBuffers struct {
	http.ResponseWriter
}

// withSmallBuffers wraps w unless it cannot be hijacked, in which case
// websocket.Accept answers 501 from w itself, as before.
func withSmallBuffers(w http.ResponseWriter) http.ResponseWriter {
	for rw := w; ; {
		switch t := rw.(type) {
		case http.Hijacker:
			return smallBuffers{w}
		case interface{ Unwrap() http.ResponseWriter }:
			rw = t.Unwrap()
		default:
			return w
		}
	}
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w smallBuffers) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Hijack implements [http.Hijacker].
//
// The buffers are replaced in place, not just returned anew, because
// net/http's connection keeps pointing at the *bufio.Reader and
// *bufio.Writer it returned for as long as the handler runs, which for a
// socket is its whole life. Once hijacked they are the caller's alone.
func (w smallBuffers) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	nc, brw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	if err := brw.Writer.Flush(); err != nil {
		_ = nc.Close()
		return nil, nil, fmt.Errorf("flush hijacked connection: %w", err)
	}
	*brw.Writer = *bufio.NewWriterSize(nc, writeBufferSize)

	// Bytes the client sent right after its request (already frames) must
	// stay in the buffer: the websocket library takes them from there.
	pending := bytes.Clone(peekBuffered(brw.Reader))
	var src io.Reader = nc
	if len(pending) > 0 {
		src = io.MultiReader(bytes.NewReader(pending), nc)
	}
	*brw.Reader = *bufio.NewReaderSize(src, max(readBufferSize, len(pending)))
	if len(pending) > 0 {
		// Served from pending alone, which fits the buffer.
		if _, err := brw.Reader.Peek(len(pending)); err != nil {
			_ = nc.Close()
			return nil, nil, fmt.Errorf("rebuffer hijacked connection: %w", err)
		}
	}
	return nc, brw, nil
}

func peekBuffered(r *bufio.Reader) []byte {
	b, _ := r.Peek(r.Buffered())
	return b
}
