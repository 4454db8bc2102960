package httpapi_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/ecertkit/ecertkit/httpapi"
	"github.com/ecertkit/ecertkit/registry"
)

type received struct {
	from string
	to   []string
	data []byte
}

type smtpBackend struct {
	mu   sync.Mutex
	msgs []received
}

type smtpSession struct {
	be  *smtpBackend
	cur received
}

func (b *smtpBackend) NewSession(c *smtp.Conn) (smtp.Session, error) { return &smtpSession{be: b}, nil }
func (s *smtpSession) Reset()                                        { s.cur = received{} }
func (s *smtpSession) Logout() error                                 { return nil }
func (s *smtpSession) Mail(from string, _ *smtp.MailOptions) error {
	s.cur.from = from
	return nil
}
func (s *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.cur.to = append(s.cur.to, to)
	return nil
}
func (s *smtpSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.cur.data = b
	s.be.mu.Lock()
	s.be.msgs = append(s.be.msgs, s.cur)
	s.be.mu.Unlock()
	return nil
}

func (b *smtpBackend) received() []received {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]received(nil), b.msgs...)
}

// startSMTP runs a real SMTP server on 127.0.0.1 and returns its address.
func startSMTP(t *testing.T) (string, *smtpBackend) {
	be := &smtpBackend{}
	s := smtp.NewServer(be)
	s.Domain = "mx.test"
	s.ReadTimeout, s.WriteTimeout = 10*time.Second, 10*time.Second
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go s.Serve(l)
	t.Cleanup(func() { s.Close() })
	return l.Addr().String(), be
}

func TestPushByEmailSurvivesRestart(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	resp, body := e.do("POST", "/subscriptions", e.importer, strings.NewReader(`{"kind":"email","address":"nppo@importer.example"}`))
	if resp.StatusCode != 201 {
		t.Fatalf("subscribe: %d %s", resp.StatusCode, body)
	}
	if resp, _ := e.do("POST", "/subscriptions", "", strings.NewReader(`{"kind":"email","address":"x@y.example"}`)); resp.StatusCode != 401 {
		t.Errorf("subscribe without credentials: %d, want 401", resp.StatusCode)
	}
	if resp, _ := e.do("POST", "/subscriptions", e.importer, strings.NewReader(`{"kind":"email","address":"Bob <bob@x.example>\r\nBcc: evil@x"}`)); resp.StatusCode != 400 {
		t.Errorf("bad address: %d, want 400", resp.StatusCode)
	}

	// First run: the mail server is down; the delivery fails and is
	// kept in the outbox with a retry time.
	dead, _ := net.Listen("tcp", "127.0.0.1:0")
	deadAddr := dead.Addr().String()
	dead.Close()
	now := time.Now()
	clock := func() time.Time { return now }
	p1 := &httpapi.Pusher{Registry: e.reg, Store: e.st, Mailer: &httpapi.SMTPMailer{Addr: deadAddr, Timeout: 2 * time.Second}, From: "registry@cqc.example", Now: clock}
	n, err := p1.Scan(ctx)
	if err != nil || n != 2 {
		t.Fatalf("scan: %d, %v; want 2 queued", n, err)
	}
	if ok, err := p1.Deliver(ctx); ok != 0 || err != nil {
		t.Fatalf("deliver with the server down: %d, %v", ok, err)
	}
	box, _ := e.st.Outbox(ctx)
	for _, it := range box {
		if it.State != "pending" || it.Attempts != 1 || it.LastError == "" || !it.NextAt.After(now) {
			t.Errorf("after a failure: %+v", it)
		}
	}

	// "Restart": a new Store and Pusher on the same database, the mail
	// server up. Before the back-off ends nothing is sent; after, both.
	addr, be := startSMTP(t)
	st2, err := httpapi.OpenStore(ctx, openDB(t, e.dbPath))
	if err != nil {
		t.Fatal(err)
	}
	p2 := &httpapi.Pusher{Registry: e.reg, Store: st2, Mailer: &httpapi.SMTPMailer{Addr: addr}, From: "registry@cqc.example", Now: clock}
	if n, _ := p2.Scan(ctx); n != 0 {
		t.Errorf("rescan after restart queued %d again", n)
	}
	if ok, _ := p2.Deliver(ctx); ok != 0 {
		t.Errorf("delivered %d before the back-off ended", ok)
	}
	now = now.Add(31 * time.Second)
	if ok, err := p2.Deliver(ctx); ok != 2 || err != nil {
		t.Fatalf("deliver after back-off: %d, %v", ok, err)
	}
	msgs := be.received()
	if len(msgs) != 2 {
		t.Fatalf("SMTP server received %d messages", len(msgs))
	}
	wantXML, _ := e.st.Document(ctx, numCCC, 1, httpapi.KindXML)
	found := false
	for _, m := range msgs {
		if m.from != "registry@cqc.example" || len(m.to) != 1 || m.to[0] != "nppo@importer.example" {
			t.Errorf("envelope from %s to %v", m.from, m.to)
		}
		msg, err := mail.ReadMessage(bytes.NewReader(m.data))
		if err != nil {
			t.Fatal(err)
		}
		if msg.Header.Get("X-Ecert-Number") != numCCC {
			continue
		}
		found = true
		subj, _ := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
		if !strings.Contains(subj, numCCC) || msg.Header.Get("Message-Id") == "" || msg.Header.Get("Date") == "" {
			t.Errorf("headers: %v", msg.Header)
		}
		mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
		if err != nil || mt != "multipart/mixed" {
			t.Fatalf("content type %q: %v", msg.Header.Get("Content-Type"), err)
		}
		mr := multipart.NewReader(msg.Body, params["boundary"])
		var parts []string
		for {
			p, err := mr.NextPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := io.ReadAll(p)
			parts = append(parts, p.Header.Get("Content-Type"))
			if p.FileName() != "" {
				if p.FileName() != numCCC+"-v1.xml" {
					t.Errorf("attachment name %q", p.FileName())
				}
				got, err := base64.StdEncoding.DecodeString(strings.ReplaceAll(string(raw), "\r\n", ""))
				if err != nil || !bytes.Equal(got, wantXML) {
					t.Errorf("attachment differs from the stored XML (%v)", err)
				}
			}
		}
		if len(parts) != 2 || !strings.HasPrefix(parts[0], "text/plain") || !strings.HasPrefix(parts[1], "application/xml") {
			t.Errorf("parts: %v", parts)
		}
	}
	if !found {
		t.Error("no message for the CCC certificate")
	}
	box, _ = st2.Outbox(ctx)
	for _, it := range box {
		if it.State != "delivered" || it.Attempts != 2 {
			t.Errorf("after delivery: %+v", it)
		}
	}

	// A change is pushed too: suspension queues and sends one more.
	if _, err := e.reg.Suspend(ctx, numCCC, registry.Change{Actor: "cqc", Reason: "factory inspection failed"}); err != nil {
		t.Fatal(err)
	}
	if n, _ := p2.Scan(ctx); n != 1 {
		t.Errorf("suspension queued %d", n)
	}
	p2.Deliver(ctx)
	if msgs := be.received(); len(msgs) != 3 || !bytes.Contains(msgs[2].data, []byte("X-Ecert-Event: suspend")) {
		t.Errorf("no suspension mail")
	}
}

func TestPushWebhookSigned(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	var mu sync.Mutex
	var got []httpapi.WebhookPayload
	var sigErr error
	var secret string
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		if err := httpapi.VerifyWebhook(secret, r.Header.Get(httpapi.WebhookSignatureHeader), b, time.Now(), 5*time.Minute); err != nil {
			sigErr = err
			w.WriteHeader(400)
			return
		}
		var p httpapi.WebhookPayload
		json.Unmarshal(b, &p)
		got = append(got, p)
	}))
	defer hook.Close()
	e.api.Pusher = &httpapi.Pusher{Registry: e.reg, Store: e.st, AllowHTTPWebhooks: true}
	resp, body := e.do("POST", "/subscriptions", e.importer, strings.NewReader(`{"kind":"webhook","address":"`+hook.URL+`","bodyId":"`+bodyGACC+`"}`))
	if resp.StatusCode != 201 {
		t.Fatalf("subscribe: %d %s", resp.StatusCode, body)
	}
	var sub httpapi.Subscription
	json.Unmarshal(body, &sub)
	mu.Lock()
	secret = sub.Secret
	mu.Unlock()
	if len(secret) < 20 {
		t.Fatalf("secret %q", secret)
	}
	p := e.api.Pusher
	if n, _ := p.Scan(ctx); n != 1 {
		t.Fatalf("queued %d, want 1 (only GACC's certificate)", n)
	}
	if ok, err := p.Deliver(ctx); ok != 1 || err != nil {
		t.Fatalf("deliver: %d %v (%v)", ok, err, sigErr)
	}
	if len(got) != 1 || got[0].Change.Number != numPhyto || !strings.Contains(got[0].XML, "SPSCertificate") {
		t.Errorf("webhook got %+v", got)
	}
	// tampered body or wrong secret fail verification
	b := []byte(`{"a":1}`)
	sig := httpapi.SignWebhook("k", time.Now(), b)
	if err := httpapi.VerifyWebhook("k", sig, []byte(`{"a":2}`), time.Now(), time.Minute); err == nil {
		t.Error("tampered body verified")
	}
	if err := httpapi.VerifyWebhook("other", sig, b, time.Now(), time.Minute); err == nil {
		t.Error("wrong secret verified")
	}
	if err := httpapi.VerifyWebhook("k", sig, b, time.Now().Add(time.Hour), time.Minute); err == nil {
		t.Error("replayed signature verified")
	}
	// https only, unless allowed
	e.api.Pusher.AllowHTTPWebhooks = false
	if resp, _ := e.do("POST", "/subscriptions", e.importer, strings.NewReader(`{"kind":"webhook","address":"http://example.org/x"}`)); resp.StatusCode != 400 {
		t.Errorf("http webhook: %d, want 400", resp.StatusCode)
	}
}
