package wire_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"frontdesk/internal/channel/wire"
)

// Every string of an Event, however deep, loses its NULs; nothing else
// changes.
func TestStripNUL(t *testing.T) {
	t.Parallel()
	e := wire.Event{
		Text: "a\x00b", ExternalID: "\x00id", Sender: wire.Sender{ID: "1", Name: "Ан\x00на\x00"},
		Media:  []wire.Media{{Caption: "cap\x00tion", Size: 3}},
		Errors: []wire.PlatformError{{Code: 1, Message: "m\x00"}},
	}
	e.StripNUL()
	require.Equal(t, wire.Event{
		Text: "ab", ExternalID: "id", Sender: wire.Sender{ID: "1", Name: "Анна"},
		Media:  []wire.Media{{Caption: "caption", Size: 3}},
		Errors: []wire.PlatformError{{Code: 1, Message: "m"}},
	}, e)

	// Every string field of Event is reached: set each to a NUL, strip.
	var all wire.Event
	v := reflect.ValueOf(&all).Elem()
	n := 0
	for i := range v.NumField() {
		if v.Field(i).Kind() == reflect.String {
			v.Field(i).SetString("\x00")
			n++
		}
	}
	require.Positive(t, n)
	all.StripNUL()
	require.NotContains(t, strings.Join(stringsOf(reflect.ValueOf(all)), ""), "\x00")
}

func stringsOf(v reflect.Value) []string {
	var out []string
	for i := range v.NumField() {
		if f := v.Field(i); f.Kind() == reflect.String {
			out = append(out, f.String())
		}
	}
	return out
}
