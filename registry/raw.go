package registry

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/ecertkit/ecertkit/ecert"
	"github.com/ecertkit/ecertkit/internal/rawjson"
)

// RawHistory is a certificate's History with its versions not decoded:
// each version's canonical JSON as recorded. A server that sends the
// certificates on (the public lookup) uses it to skip decoding and
// re-encoding them.
type RawHistory struct {
	Number string
	// Versions in order; the statuses are those History gives.
	Versions []RawVersion
	// Events in log order.
	Events []Event
}

// RawVersion is one version of a RawHistory: a Record without its
// decoded Certificate.
type RawVersion struct {
	Number         string
	Version        int
	CurrentVersion int
	Revision       int
	Status         ecert.Status
	Digest         ecert.Digest
	At             time.Time
	// JSON is the version's canonical JSON as recorded: its status
	// fields are those it was recorded with.
	JSON []byte
	// Reason is the reason recorded with the certificate's current
	// status; empty for versions other than the current one.
	Reason string
}

// RawHistory returns what History returns, without decoding the
// versions' certificates.
func (r *Registry) RawHistory(ctx context.Context, number string) (*RawHistory, error) {
	sh, err := r.st.History(ctx, number)
	if err != nil {
		return nil, notFound("certificate", number, err)
	}
	now := r.now()
	h := &RawHistory{Number: number, Versions: make([]RawVersion, 0, len(sh.Versions))}
	for _, v := range sh.Versions {
		rv := RawVersion{Number: v.Number, Version: v.Version, CurrentVersion: sh.Cert.Version, Revision: sh.Cert.Revision,
			Digest: v.Digest, At: now, JSON: v.JSON}
		if v.Version == sh.Cert.Version {
			rv.Status, rv.Reason = effective(&sh.Cert, now), sh.Cert.Reason
		} else {
			rv.Status = ecert.StatusSuperseded
		}
		h.Versions = append(h.Versions, rv)
	}
	if h.Events, err = decodeEvents(sh.Events); err != nil {
		return nil, err
	}
	return h, nil
}

// ErrRawJSON is returned by AppendCertificate for recorded JSON that is
// not an object with a status member (a caller then decodes it).
var ErrRawJSON = errors.New("registry: recorded JSON is not a certificate object")

// AppendCertificate appends to dst the certificate that History gives
// for this version, as encoding/json encodes it (without HTML
// escaping), without decoding it: the recorded canonical JSON with its
// status (and, for a current status recorded with a reason, its
// statusReason) replaced. For JSON this package recorded the bytes are
// those of encoding the decoded certificate; members that the
// ecert.Certificate type does not have are passed on.
func (v *RawVersion) AppendCertificate(dst []byte) ([]byte, error) {
	var buf [32]rawjson.Member
	ms, err := rawjson.Members(v.JSON, buf[:0])
	if err != nil {
		return dst, fmt.Errorf("%w: %v", ErrRawJSON, err)
	}
	status, reason := -1, -1
	for i, m := range ms {
		switch string(m.Name) {
		case "status":
			status = i
		case "statusReason":
			reason = i
		}
	}
	if status < 0 || reason >= 0 && reason != status+1 {
		return dst, ErrRawJSON
	}
	s := ms[status]
	dst = append(dst, v.JSON[:s.Start]...)
	dst = appendString(dst, string(v.Status))
	rest := s.End
	if v.Reason != "" {
		if reason >= 0 {
			rest = ms[reason].End
		}
		dst = append(dst, `,"statusReason":{"en":`...)
		dst = appendString(dst, v.Reason)
		dst = append(dst, '}')
	}
	return append(dst, v.JSON[rest:]...), nil
}

// appendString appends s as encoding/json (without HTML escaping)
// writes a string.
func appendString(dst []byte, s string) []byte {
	plain := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c >= 0x80 {
			plain = false
			break
		}
	}
	if plain {
		dst = append(dst, '"')
		dst = append(dst, s...)
		return append(dst, '"')
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(s) // a string always encodes
	return append(dst, bytes.TrimSuffix(b.Bytes(), []byte("\n"))...)
}
