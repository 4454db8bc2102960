package httpapi

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"net/mail"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/ecertkit/ecertkit/registry"
)

// Subscription kinds.
const (
	SubscriptionEmail   = "email"
	SubscriptionWebhook = "webhook"
)

// Subscription registers a party to receive each new or changed
// certificate's UN/CEFACT XML.
type Subscription struct {
	ID        int64  `json:"id"`
	Principal string `json:"principal"`
	Kind      string `json:"kind"`
	// Address is an e-mail address or an https webhook URL.
	Address string `json:"address"`
	// Secret keys the webhook's HMAC signature; generated when empty and
	// shown only in the response that creates the subscription.
	Secret string `json:"secret,omitempty"`
	// BodyID, when set, limits the subscription to one issuing body.
	BodyID  string    `json:"bodyId,omitempty"`
	Created time.Time `json:"created"`
}

// AddSubscription validates and stores a subscription.
func (s *Store) AddSubscription(ctx context.Context, sub Subscription, allowHTTP bool) (*Subscription, error) {
	switch sub.Kind {
	case SubscriptionEmail:
		a, err := mail.ParseAddress(sub.Address)
		if err != nil || a.Name != "" {
			return nil, badRequest("address: not a plain e-mail address: %q", sub.Address)
		}
		sub.Secret = ""
	case SubscriptionWebhook:
		u, err := url.Parse(sub.Address)
		if err != nil || u.Host == "" || !(u.Scheme == "https" || allowHTTP && u.Scheme == "http") {
			return nil, badRequest("address: a webhook needs an https URL: %q", sub.Address)
		}
		if sub.Secret == "" {
			var b [24]byte
			rand.Read(b[:])
			sub.Secret = base64.RawURLEncoding.EncodeToString(b[:])
		}
	default:
		return nil, badRequest("kind: want %q or %q, not %q", SubscriptionEmail, SubscriptionWebhook, sub.Kind)
	}
	if len(sub.Address) > 500 || len(sub.BodyID) > 200 {
		return nil, badRequest("address or bodyId too long")
	}
	sub.Created = s.now().UTC().Truncate(time.Microsecond)
	res, err := s.db.ExecContext(ctx, `INSERT INTO subscriptions (principal, kind, address, secret, body_id, created) VALUES (?, ?, ?, ?, ?, ?)`,
		sub.Principal, sub.Kind, sub.Address, sub.Secret, sub.BodyID, sub.Created.UnixMicro())
	if err != nil {
		return nil, fmt.Errorf("httpapi: add subscription: %w", err)
	}
	sub.ID, _ = res.LastInsertId()
	return &sub, nil
}

// Subscriptions returns the subscriptions of a principal, or all when
// principal is empty. Secrets are left out unless withSecrets.
func (s *Store) Subscriptions(ctx context.Context, principal string, withSecrets bool) ([]Subscription, error) {
	q := `SELECT id, principal, kind, address, secret, body_id, created FROM subscriptions`
	var args []any
	if principal != "" {
		q += ` WHERE principal = ?`
		args = append(args, principal)
	}
	rows, err := s.db.QueryContext(ctx, q+` ORDER BY id`, args...)
	if err != nil {
		return nil, fmt.Errorf("httpapi: subscriptions: %w", err)
	}
	defer rows.Close()
	out := []Subscription{}
	for rows.Next() {
		var sub Subscription
		var created int64
		if err := rows.Scan(&sub.ID, &sub.Principal, &sub.Kind, &sub.Address, &sub.Secret, &sub.BodyID, &created); err != nil {
			return nil, fmt.Errorf("httpapi: subscriptions: %w", err)
		}
		sub.Created = time.UnixMicro(created).UTC()
		if !withSecrets {
			sub.Secret = ""
		}
		out = append(out, sub)
	}
	return out, rows.Err()
}

// DeleteSubscription removes a principal's subscription.
func (s *Store) DeleteSubscription(ctx context.Context, principal string, id int64) error {
	res, err := s.db.ExecContext(ctx, `DELETE FROM subscriptions WHERE id = ? AND principal = ?`, id, principal)
	if err != nil {
		return fmt.Errorf("httpapi: delete subscription: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("httpapi: subscription %d: %w", id, ErrNotFound)
	}
	return nil
}

// subscriptionRequest is the body of POST /subscriptions.
type subscriptionRequest struct {
	Kind    string `json:"kind"`
	Address string `json:"address"`
	Secret  string `json:"secret,omitempty"`
	BodyID  string `json:"bodyId,omitempty"`
}

func (a *API) postSubscription(w http.ResponseWriter, r *http.Request, p *Principal) {
	var req subscriptionRequest
	if err := decodeJSON(r, &req); err != nil {
		a.writeErr(w, r, err)
		return
	}
	allowHTTP := a.Pusher != nil && a.Pusher.AllowHTTPWebhooks
	sub, err := a.Store.AddSubscription(r.Context(), Subscription{Principal: p.ID, Kind: req.Kind, Address: req.Address, Secret: req.Secret, BodyID: req.BodyID}, allowHTTP)
	if err != nil {
		a.writeErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, sub)
}

func (a *API) getSubscriptions(w http.ResponseWriter, r *http.Request, p *Principal) {
	subs, err := a.Store.Subscriptions(r.Context(), p.ID, false)
	if err != nil {
		a.writeErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, subs)
}

func (a *API) deleteSubscription(w http.ResponseWriter, r *http.Request, p *Principal) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		writeError(w, http.StatusBadRequest, "id: not an integer")
		return
	}
	if err := a.Store.DeleteSubscription(r.Context(), p.ID, id); err != nil {
		a.writeErr(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// Mailer sends one e-mail message (RFC 5322 bytes with CRLF line ends).
type Mailer interface {
	Send(ctx context.Context, from string, to []string, msg []byte) error
}

// SMTPMailer sends mail through an SMTP server (submission with
// STARTTLS, implicit TLS, or plain for a local relay).
type SMTPMailer struct {
	// Addr is host:port of the server.
	Addr string
	// Username and Password authenticate with SASL PLAIN when set (only
	// over TLS).
	Username, Password string
	// ImplicitTLS dials TLS at once (port 465); StartTLS upgrades the
	// connection and fails if the server cannot.
	ImplicitTLS, StartTLS bool
	TLSConfig             *tls.Config
	// Timeout bounds one delivery; zero means 30 seconds.
	Timeout time.Duration
}

// Send delivers msg to the recipients.
func (m *SMTPMailer) Send(ctx context.Context, from string, to []string, msg []byte) error {
	timeout := m.Timeout
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	host, _, _ := net.SplitHostPort(m.Addr)
	tcfg := m.TLSConfig
	if tcfg == nil {
		tcfg = &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", m.Addr)
	if err != nil {
		return fmt.Errorf("httpapi: smtp: %w", err)
	}
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	var c *smtp.Client
	switch {
	case m.ImplicitTLS:
		c = smtp.NewClient(tls.Client(conn, tcfg))
	case m.StartTLS:
		c, err = smtp.NewClientStartTLS(conn, tcfg)
		if err != nil {
			conn.Close()
			return fmt.Errorf("httpapi: smtp: starttls: %w", err)
		}
	default:
		c = smtp.NewClient(conn)
	}
	defer c.Close()
	if m.Username != "" {
		if !m.ImplicitTLS && !m.StartTLS {
			return fmt.Errorf("httpapi: smtp: refusing to send a password without TLS")
		}
		if err := c.Auth(sasl.NewPlainClient("", m.Username, m.Password)); err != nil {
			return fmt.Errorf("httpapi: smtp: auth: %w", err)
		}
	}
	if err := c.SendMail(from, to, bytes.NewReader(msg)); err != nil {
		return fmt.Errorf("httpapi: smtp: send: %w", err)
	}
	if err := c.Quit(); err != nil {
		return fmt.Errorf("httpapi: smtp: quit: %w", err)
	}
	return nil
}

// ComposeMail builds the push e-mail: a short text part and the UN/CEFACT
// XML as an attachment named NUMBER-vVERSION.xml.
func ComposeMail(from, to string, h ChangeHeader, xmlDoc []byte, now time.Time) ([]byte, error) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	var msgID [12]byte
	rand.Read(msgID[:])
	fromAddr, err := mail.ParseAddress(from)
	if err != nil {
		return nil, fmt.Errorf("httpapi: compose mail: from: %w", err)
	}
	domain := "ecertkit.invalid"
	if _, d, ok := strings.Cut(fromAddr.Address, "@"); ok {
		domain = d
	}
	subject := fmt.Sprintf("e-cert %s version %d: %s (%s)", h.Number, h.Version, h.Event, h.Status)
	hdr := []struct{ k, v string }{
		{"From", fromAddr.String()},
		{"To", to},
		{"Subject", mime.QEncoding.Encode("utf-8", subject)},
		{"Date", now.Format(time.RFC1123Z)},
		{"Message-ID", "<" + hex.EncodeToString(msgID[:]) + "@" + domain + ">"},
		{"MIME-Version", "1.0"},
		{"Content-Type", "multipart/mixed; boundary=\"" + mw.Boundary() + "\""},
		{"X-Ecert-Number", h.Number},
		{"X-Ecert-Version", strconv.Itoa(h.Version)},
		{"X-Ecert-Event", h.Event},
	}
	var head bytes.Buffer
	for _, kv := range hdr {
		if strings.ContainsAny(kv.v, "\r\n") {
			return nil, fmt.Errorf("httpapi: compose mail: header %s contains a line break", kv.k)
		}
		head.WriteString(kv.k + ": " + kv.v + "\r\n")
	}
	head.WriteString("\r\n")
	tp, _ := mw.CreatePart(textproto.MIMEHeader{"Content-Type": {"text/plain; charset=utf-8"}, "Content-Transfer-Encoding": {"8bit"}})
	fmt.Fprintf(tp, "Certificate %s, version %d: %s; status now %s (issuing body %s, log entry %d).\r\n"+
		"The attached file is its UN/CEFACT SPS e-certificate XML.\r\n", h.Number, h.Version, h.Event, h.Status, h.BodyID, h.Index)
	name := sanitizeFilename(h.Number) + "-v" + strconv.Itoa(h.Version) + ".xml"
	ap, _ := mw.CreatePart(textproto.MIMEHeader{
		"Content-Type":              {"application/xml; name=\"" + name + "\""},
		"Content-Disposition":       {"attachment; filename=\"" + name + "\""},
		"Content-Transfer-Encoding": {"base64"},
	})
	enc := base64.StdEncoding.EncodeToString(xmlDoc)
	for len(enc) > 76 {
		io.WriteString(ap, enc[:76]+"\r\n")
		enc = enc[76:]
	}
	io.WriteString(ap, enc+"\r\n")
	mw.Close()
	return append(head.Bytes(), buf.Bytes()...), nil
}

// WebhookSignatureHeader carries "t=UNIX,v1=HEX": the HMAC-SHA256 under
// the subscription's secret of "UNIX." followed by the body.
const WebhookSignatureHeader = "X-Ecert-Signature"

// SignWebhook returns the signature header value of body at t.
func SignWebhook(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts + "."))
	m.Write(body)
	return "t=" + ts + ",v1=" + hex.EncodeToString(m.Sum(nil))
}

// VerifyWebhook checks a webhook's signature header, and that it was
// made within tolerance of now (replay protection).
func VerifyWebhook(secret, header string, body []byte, now time.Time, tolerance time.Duration) error {
	var ts, sig string
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			sig = v
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || sig == "" {
		return errors.New("httpapi: webhook signature: malformed header")
	}
	t := time.Unix(sec, 0)
	if d := now.Sub(t); d > tolerance || d < -tolerance {
		return fmt.Errorf("httpapi: webhook signature: timestamp %s outside tolerance", t.UTC().Format(time.RFC3339))
	}
	want := SignWebhook(secret, t, body)
	if !hmac.Equal([]byte(want), []byte("t="+ts+",v1="+sig)) {
		return errors.New("httpapi: webhook signature: mismatch")
	}
	return nil
}

// WebhookPayload is the JSON a webhook receives.
type WebhookPayload struct {
	Change ChangeHeader `json:"change"`
	// XML is the version's UN/CEFACT XML.
	XML string `json:"xml"`
}

// Pusher delivers changes to subscribers. It follows the registry's log
// from a cursor kept in the Store, writes one outbox row per change and
// subscription, and delivers due rows with retries and exponential
// back-off; cursor and outbox are in the database, so a restart resumes
// where it stopped and loses nothing.
type Pusher struct {
	Registry *registry.Registry
	Store    *Store
	// Mailer sends e-mail; without one, e-mail deliveries fail and are
	// retried.
	Mailer Mailer
	// From is the sender address of push e-mails.
	From string
	// Client posts webhooks; nil means a client with a 30 s timeout.
	Client *http.Client
	// AllowHTTPWebhooks accepts http:// webhook URLs (tests, local demos).
	AllowHTTPWebhooks bool
	// Backoff returns the wait after the n-th failed attempt (n >= 1);
	// nil means 30s * 2^(n-1), at most 6 hours.
	Backoff func(n int) time.Duration
	// MaxAttempts after which a delivery is given up; zero means 20.
	MaxAttempts int
	// Poll is how often Run looks for changes and due deliveries; zero
	// means 2 seconds.
	Poll   time.Duration
	Logger *slog.Logger
	Now    func() time.Time

	wake chan struct{}
}

func (p *Pusher) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

func (p *Pusher) log() *slog.Logger {
	if p.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return p.Logger
}

func (p *Pusher) backoff(n int) time.Duration {
	if p.Backoff != nil {
		return p.Backoff(n)
	}
	d := 30 * time.Second << min(n-1, 10)
	return min(d, 6*time.Hour)
}

// Init prepares Wake; call it before starting Run in a goroutine.
func (p *Pusher) Init() {
	if p.wake == nil {
		p.wake = make(chan struct{}, 1)
	}
}

// Wake makes Run look for changes now.
func (p *Pusher) Wake() {
	if p == nil || p.wake == nil {
		return
	}
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// Run scans and delivers until ctx ends.
func (p *Pusher) Run(ctx context.Context) error {
	p.Init()
	poll := p.Poll
	if poll == 0 {
		poll = 2 * time.Second
	}
	t := time.NewTicker(poll)
	defer t.Stop()
	for {
		if _, err := p.Scan(ctx); err != nil && ctx.Err() == nil {
			p.log().Error("push: scan", "err", err)
		}
		if _, err := p.Deliver(ctx); err != nil && ctx.Err() == nil {
			p.log().Error("push: deliver", "err", err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		case <-p.wake:
		}
	}
}

const pushCursor = "push"

// Scan reads the log from the cursor and queues a delivery of each
// certificate change to each matching subscription. It returns the
// number of deliveries queued.
func (p *Pusher) Scan(ctx context.Context) (int, error) {
	queued := 0
	for {
		from, err := p.Store.cursor(ctx, pushCursor)
		if err != nil {
			return queued, err
		}
		size, err := p.Registry.LogSize(ctx)
		if err != nil {
			return queued, err
		}
		if from >= size {
			return queued, nil
		}
		es, err := p.Registry.LogEntries(ctx, from, min(size, from+registry.MaxLeaves))
		if err != nil {
			return queued, err
		}
		subs, err := p.Store.Subscriptions(ctx, "", false)
		if err != nil {
			return queued, err
		}
		n, err := p.Store.enqueue(ctx, from, es, subs, p.now())
		queued += n
		if err != nil {
			return queued, err
		}
	}
}

func (s *Store) enqueue(ctx context.Context, from uint64, es []registry.LogEntry, subs []Subscription, now time.Time) (int, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("httpapi: enqueue: %w", err)
	}
	defer tx.Rollback()
	var cur int64
	err = tx.QueryRowContext(ctx, `SELECT value FROM cursors WHERE name = ?`, pushCursor).Scan(&cur)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("httpapi: enqueue: %w", err)
	}
	if uint64(cur) != from {
		return 0, nil // another pusher moved on; the caller rereads
	}
	n := 0
	next := from
	for _, e := range es {
		next = e.Index + 1
		if e.Event.Kind != "certificate" {
			continue
		}
		for _, sub := range subs {
			if sub.BodyID != "" && sub.BodyID != e.Event.Body {
				continue
			}
			res, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO outbox (subscription, log_index, number, version, event, next_at) VALUES (?, ?, ?, ?, ?, ?)`,
				sub.ID, e.Index, e.Event.Number, e.Event.Version, e.Event.Type, now.UnixMicro())
			if err != nil {
				return 0, fmt.Errorf("httpapi: enqueue: %w", err)
			}
			k, _ := res.RowsAffected()
			n += int(k)
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO cursors (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value`, pushCursor, int64(next)); err != nil {
		return 0, fmt.Errorf("httpapi: enqueue: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("httpapi: enqueue: %w", err)
	}
	return n, nil
}

// OutboxItem is one queued delivery.
type OutboxItem struct {
	ID           int64     `json:"id"`
	Subscription int64     `json:"subscription"`
	LogIndex     uint64    `json:"logIndex"`
	Number       string    `json:"number"`
	Version      int       `json:"version"`
	Event        string    `json:"event"`
	Attempts     int       `json:"attempts"`
	NextAt       time.Time `json:"nextAt"`
	LastError    string    `json:"lastError,omitempty"`
	// State is "pending", "delivered" or "failed" (given up).
	State string `json:"state"`
}

var outboxStates = map[int]string{0: "pending", 1: "delivered", 2: "failed"}

// Outbox lists the outbox, newest first (at most 1000).
func (s *Store) Outbox(ctx context.Context) ([]OutboxItem, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, subscription, log_index, number, version, event, attempts, next_at, last_error, done FROM outbox ORDER BY id DESC LIMIT 1000`)
	if err != nil {
		return nil, fmt.Errorf("httpapi: outbox: %w", err)
	}
	defer rows.Close()
	var out []OutboxItem
	for rows.Next() {
		var it OutboxItem
		var next int64
		var done int
		if err := rows.Scan(&it.ID, &it.Subscription, &it.LogIndex, &it.Number, &it.Version, &it.Event, &it.Attempts, &next, &it.LastError, &done); err != nil {
			return nil, fmt.Errorf("httpapi: outbox: %w", err)
		}
		it.NextAt, it.State = time.UnixMicro(next).UTC(), outboxStates[done]
		out = append(out, it)
	}
	return out, rows.Err()
}

// Deliver attempts every due delivery once and returns how many
// succeeded.
func (p *Pusher) Deliver(ctx context.Context) (int, error) {
	now := p.now()
	rows, err := p.Store.db.QueryContext(ctx, `SELECT o.id, o.subscription, o.log_index, o.number, o.version, o.event, o.attempts, s.kind, s.address, s.secret
		FROM outbox o LEFT JOIN subscriptions s ON s.id = o.subscription
		WHERE o.done = 0 AND o.next_at <= ? ORDER BY o.next_at, o.id LIMIT 100`, now.UnixMicro())
	if err != nil {
		return 0, fmt.Errorf("httpapi: deliver: %w", err)
	}
	type due struct {
		it                    OutboxItem
		kind, address, secret sql.NullString
	}
	var items []due
	for rows.Next() {
		var d due
		if err := rows.Scan(&d.it.ID, &d.it.Subscription, &d.it.LogIndex, &d.it.Number, &d.it.Version, &d.it.Event, &d.it.Attempts, &d.kind, &d.address, &d.secret); err != nil {
			rows.Close()
			return 0, fmt.Errorf("httpapi: deliver: %w", err)
		}
		items = append(items, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("httpapi: deliver: %w", err)
	}
	ok := 0
	for _, d := range items {
		if ctx.Err() != nil {
			return ok, ctx.Err()
		}
		if !d.kind.Valid { // subscription deleted
			p.Store.db.ExecContext(ctx, `UPDATE outbox SET done = 2, last_error = 'subscription deleted' WHERE id = ?`, d.it.ID)
			continue
		}
		err := p.deliverOne(ctx, d.it, d.kind.String, d.address.String, d.secret.String)
		if err == nil {
			ok++
			if _, err := p.Store.db.ExecContext(ctx, `UPDATE outbox SET done = 1, attempts = attempts + 1, last_error = '' WHERE id = ?`, d.it.ID); err != nil {
				return ok, fmt.Errorf("httpapi: deliver: %w", err)
			}
			continue
		}
		n := d.it.Attempts + 1
		max := p.MaxAttempts
		if max == 0 {
			max = 20
		}
		done := 0
		if n >= max {
			done = 2
		}
		p.log().Warn("push: delivery failed", "id", d.it.ID, "number", d.it.Number, "attempt", n, "err", err)
		if _, err2 := p.Store.db.ExecContext(ctx, `UPDATE outbox SET attempts = ?, next_at = ?, last_error = ?, done = ? WHERE id = ?`,
			n, now.Add(p.backoff(n)).UnixMicro(), truncate(err.Error(), 1000), done, d.it.ID); err2 != nil {
			return ok, fmt.Errorf("httpapi: deliver: %w", err2)
		}
	}
	return ok, nil
}

func (p *Pusher) deliverOne(ctx context.Context, it OutboxItem, kind, address, secret string) error {
	xmlDoc, err := p.Store.Document(ctx, it.Number, it.Version, KindXML)
	if err != nil {
		return fmt.Errorf("XML of %s v%d: %w", it.Number, it.Version, err)
	}
	rec, err := p.Registry.Get(ctx, it.Number)
	if err != nil {
		return err
	}
	h := ChangeHeader{Index: it.LogIndex, Number: it.Number, Version: it.Version, Event: it.Event, Status: string(rec.Status),
		BodyID: rec.Certificate.IssuingBody.ID, Time: p.now().UTC(),
		XML: "/certificates/" + escapeSeg(it.Number) + "/versions/" + strconv.Itoa(it.Version) + ".xml"}
	switch kind {
	case SubscriptionEmail:
		if p.Mailer == nil {
			return errors.New("no mailer configured")
		}
		msg, err := ComposeMail(p.From, address, h, xmlDoc, p.now())
		if err != nil {
			return err
		}
		return p.Mailer.Send(ctx, p.From, []string{address}, msg)
	case SubscriptionWebhook:
		body, err := json.Marshal(WebhookPayload{Change: h, XML: string(xmlDoc)})
		if err != nil {
			return err
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, address, bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(WebhookSignatureHeader, SignWebhook(secret, p.now(), body))
		c := p.Client
		if c == nil {
			c = &http.Client{Timeout: 30 * time.Second}
		}
		resp, err := c.Do(req)
		if err != nil {
			return err
		}
		io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
		resp.Body.Close()
		if resp.StatusCode/100 != 2 {
			return fmt.Errorf("webhook answered %s", resp.Status)
		}
		return nil
	}
	return fmt.Errorf("unknown subscription kind %q", kind)
}
