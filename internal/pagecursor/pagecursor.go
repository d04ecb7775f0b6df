// Package pagecursor encodes the opaque keyset cursors of Relay
// connections: a position (time, id) in a list ordered newest first, with
// a prefix naming the list so a cursor of one list is refused by another.
package pagecursor

import (
	"encoding/base64"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"frontdesk/internal/apperror"
)

// maxLen bounds what Decode will even look at.
const maxLen = 128

// Encode returns the cursor of the item at (t, id) in the list named prefix.
func Encode(prefix string, t time.Time, id uuid.UUID) string {
	return base64.RawURLEncoding.EncodeToString([]byte(prefix + ":" + strconv.FormatInt(t.UnixMicro(), 10) + ":" + id.String()))
}

// Decode reads a cursor made by Encode with the same prefix; anything else
// is an INVALID_INPUT error about the `after` argument.
func Decode(prefix, s string) (time.Time, uuid.UUID, error) {
	bad := apperror.Invalid("after", "invalid cursor")
	if len(s) > maxLen {
		return time.Time{}, uuid.Nil, bad
	}
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return time.Time{}, uuid.Nil, bad
	}
	parts := strings.Split(string(raw), ":")
	if len(parts) != 3 || parts[0] != prefix {
		return time.Time{}, uuid.Nil, bad
	}
	us, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil {
		return time.Time{}, uuid.Nil, bad
	}
	id, err := uuid.Parse(parts[2])
	if err != nil {
		return time.Time{}, uuid.Nil, bad
	}
	return time.UnixMicro(us), id, nil
}
