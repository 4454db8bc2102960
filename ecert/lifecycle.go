package ecert

import (
	"fmt"
	"time"
)

// Status is the status of one version of a certificate.
type Status string

// Statuses.
const (
	StatusValid      Status = "valid"
	StatusSuspended  Status = "suspended"
	StatusRevoked    Status = "revoked"
	StatusWithdrawn  Status = "withdrawn" // cancelled (注销) by the holder's request or the body
	StatusExpired    Status = "expired"
	StatusSuperseded Status = "superseded" // replaced by a newer version
)

// Known reports whether s is one of the defined statuses.
func (s Status) Known() bool {
	switch s {
	case StatusValid, StatusSuspended, StatusRevoked, StatusWithdrawn, StatusExpired, StatusSuperseded:
		return true
	}
	return false
}

// Usable reports whether a certificate in this status may be relied on.
func (s Status) Usable() bool { return s == StatusValid }

// EventType is a change in a certificate's life.
type EventType string

// Event types.
const (
	EventIssue     EventType = "issue"
	EventModify    EventType = "modify" // a new version supersedes the current one
	EventRenew     EventType = "renew"  // a new validity period, as a new version
	EventSuspend   EventType = "suspend"
	EventReinstate EventType = "reinstate"
	EventRevoke    EventType = "revoke"
	EventWithdraw  EventType = "withdraw"
)

// Event records one change: what, when, why and by whom.
type Event struct {
	Type    EventType `json:"type"`
	Number  string    `json:"number"`
	Version int       `json:"version"`
	Time    time.Time `json:"time"`
	Reason  string    `json:"reason,omitempty"`
	Actor   string    `json:"actor,omitempty"`
}

// TransitionError is returned when an event makes no sense for a
// certificate in its status: reinstating a revoked certificate, modifying
// a withdrawn one, suspending an expired one.
type TransitionError struct {
	Number string
	Status Status
	Event  EventType
}

func (e *TransitionError) Error() string {
	if e.Status == "" {
		return fmt.Sprintf("ecert: certificate %s: cannot %s: it has not been issued", e.Number, e.Event)
	}
	return fmt.Sprintf("ecert: certificate %s is %s: cannot %s it", e.Number, e.Status, e.Event)
}

// transitions maps an event to the statuses it may start from and the
// status the current version has afterwards. For modify and renew the
// "after" status is that of the new version; the old one becomes superseded.
var transitions = map[EventType]struct {
	from  []Status
	after Status
}{
	EventIssue:     {from: []Status{""}, after: StatusValid},
	EventModify:    {from: []Status{StatusValid}, after: StatusValid},
	EventRenew:     {from: []Status{StatusValid, StatusExpired}, after: StatusValid},
	EventSuspend:   {from: []Status{StatusValid}, after: StatusSuspended},
	EventReinstate: {from: []Status{StatusSuspended}, after: StatusValid},
	EventRevoke:    {from: []Status{StatusValid, StatusSuspended}, after: StatusRevoked},
	EventWithdraw:  {from: []Status{StatusValid, StatusSuspended}, after: StatusWithdrawn},
}

// Next returns the status that the event leads to from status from, or a
// *TransitionError naming number, from and the refused event. The empty
// status stands for "not issued yet". Callers pass the effective status
// (StatusAt), so that an expired certificate cannot be suspended.
func Next(number string, from Status, ev EventType) (Status, error) {
	tr, ok := transitions[ev]
	if !ok {
		return "", fmt.Errorf("ecert: unknown event %q", ev)
	}
	for _, s := range tr.from {
		if s == from {
			return tr.after, nil
		}
	}
	return "", &TransitionError{Number: number, Status: from, Event: ev}
}

// StatusAt returns the certificate's effective status at t: its recorded
// status, except that a valid or suspended certificate whose validity ended
// before t is expired.
func (c *Certificate) StatusAt(t time.Time) Status {
	if (c.Status == StatusValid || c.Status == StatusSuspended) && !c.ValidUntil.IsZero() && !t.Before(c.ValidUntil) {
		return StatusExpired
	}
	return c.Status
}

// Apply applies an event to the certificate as of time at, changing its
// status in place, and returns the recorded event. Modify and renew are
// checked but leave c alone: they create a new version, which the caller
// (normally a registry) builds with NewVersion.
func (c *Certificate) Apply(ev EventType, at time.Time, reason, actor string) (Event, error) {
	from := c.StatusAt(at)
	if ev == EventIssue {
		from = "" // issuing starts from nothing; c holds the version being issued
	}
	next, err := Next(c.Number, from, ev)
	if err != nil {
		return Event{}, err
	}
	switch ev {
	case EventModify, EventRenew:
	default:
		c.Status = next
		c.StatusReason = nil
		if reason != "" {
			c.StatusReason = Text{"en": reason}
		}
	}
	return Event{Type: ev, Number: c.Number, Version: c.Version, Time: at.UTC(), Reason: reason, Actor: actor}, nil
}

// NewVersion returns a copy of c as the next version: Version+1,
// Supersedes set, status valid. The caller then changes what the
// modification or renewal changes (for a renewal, the validity period).
func (c *Certificate) NewVersion() *Certificate {
	n := c.Clone()
	n.Supersedes = c.Version
	n.Version = c.Version + 1
	n.Status = StatusValid
	n.StatusReason = nil
	return n
}
