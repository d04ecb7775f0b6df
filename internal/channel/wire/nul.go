package wire

import (
	"reflect"
	"strings"
)

// StripNUL removes every NUL character (U+0000) from every text of e: its
// text, sender, media, errors and ids, whichever field a platform filled.
// PostgreSQL stores no NUL in text or jsonb, so a message carrying one could
// never be stored, and the platform would redeliver it forever (Telegram
// holds back the bot's later updates meanwhile). Nothing a person can read
// is lost with it. It walks e by reflection so that a field added to Event
// is covered too.
func (e *Event) StripNUL() {
	stripNUL(reflect.ValueOf(e).Elem())
}

func stripNUL(v reflect.Value) {
	switch v.Kind() {
	case reflect.String:
		if s := v.String(); strings.IndexByte(s, 0) >= 0 && v.CanSet() {
			v.SetString(strings.ReplaceAll(s, "\x00", ""))
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				stripNUL(v.Field(i))
			}
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			stripNUL(v.Index(i))
		}
	case reflect.Pointer:
		if !v.IsNil() {
			stripNUL(v.Elem())
		}
	case reflect.Map:
		// No map in Event today; a map's values cannot be set in place.
	}
}
