package registry

import (
	"encoding/json"
	"strconv"
	"time"
)

// encodeLeaf is json.Marshal(ev), the bytes of a log leaf, without
// reflection for the common event (plain ASCII strings, a UTC time):
// the import writer encodes one per certificate. Anything else takes
// json.Marshal; FuzzEncodeLeaf holds the two to the same bytes.
func encodeLeaf(ev *Event) ([]byte, error) {
	if b, ok := appendLeaf(make([]byte, 0, 320), ev); ok {
		return b, nil
	}
	return json.Marshal(ev)
}

func appendLeaf(b []byte, ev *Event) ([]byte, bool) {
	t := ev.Time
	if t.Location() != time.UTC || t.Year() < 0 || t.Year() > 9999 {
		return nil, false
	}
	ok := true
	str := func(key, s string, omitEmpty bool) {
		if omitEmpty && s == "" {
			return
		}
		b = append(b, key...)
		b = append(b, '"')
		for i := 0; i < len(s); i++ {
			if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
				ok = false
				return
			}
		}
		b = append(b, s...)
		b = append(b, '"')
	}
	str(`{"kind":`, ev.Kind, false)
	str(`,"type":`, ev.Type, false)
	str(`,"number":`, ev.Number, true)
	if ev.Version != 0 {
		b = append(b, `,"version":`...)
		b = strconv.AppendInt(b, int64(ev.Version), 10)
	}
	if !ev.Digest.IsZero() {
		str(`,"digest":`, ev.Digest.String(), false)
	}
	str(`,"status":`, ev.Status, true)
	str(`,"body":`, ev.Body, false)
	str(`,"spki":`, ev.SPKI, true)
	b = append(b, `,"time":"`...)
	b = t.AppendFormat(b, time.RFC3339Nano)
	b = append(b, '"')
	str(`,"reason":`, ev.Reason, true)
	str(`,"actor":`, ev.Actor, true)
	b = append(b, '}')
	return b, ok
}
