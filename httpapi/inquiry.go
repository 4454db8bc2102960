package httpapi

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Inquiry is a question an authorised verifier files about a certificate
// (a suspected counterfeit, contents that do not match the goods), and
// the thread with the issuing body's answers.
type Inquiry struct {
	ID       int64  `json:"id"`
	Number   string `json:"number"`
	BodyID   string `json:"bodyId"`
	OpenedBy string `json:"openedBy"`
	Subject  string `json:"subject"`
	// Status is "open" (waiting for the body) or "answered".
	Status   string           `json:"status"`
	Created  time.Time        `json:"created"`
	Messages []InquiryMessage `json:"messages"`
}

// InquiryMessage is one message of an inquiry's thread.
type InquiryMessage struct {
	Author     string    `json:"author"`
	AuthorName string    `json:"authorName"`
	Text       string    `json:"text"`
	Created    time.Time `json:"created"`
}

// Inquiry limits.
const (
	MaxInquirySubject = 200
	MaxInquiryText    = 10000
)

// OpenInquiry files an inquiry by p about a certificate of body bodyID.
func (s *Store) OpenInquiry(ctx context.Context, p *Principal, number, bodyID, subject, text string) (*Inquiry, error) {
	subject, text = strings.TrimSpace(subject), strings.TrimSpace(text)
	switch {
	case subject == "" || text == "":
		return nil, badRequest("an inquiry needs a subject and a text")
	case len(subject) > MaxInquirySubject || len(text) > MaxInquiryText:
		return nil, badRequest("subject or text too long (at most %d and %d bytes)", MaxInquirySubject, MaxInquiryText)
	}
	now := s.now().UTC().Truncate(time.Microsecond)
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("httpapi: open inquiry: %w", err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `INSERT INTO inquiries (number, body_id, opened_by, subject, status, created) VALUES (?, ?, ?, ?, 'open', ?)`,
		number, bodyID, p.ID, subject, now.UnixMicro())
	if err != nil {
		return nil, fmt.Errorf("httpapi: open inquiry: %w", err)
	}
	id, _ := res.LastInsertId()
	if _, err := tx.ExecContext(ctx, `INSERT INTO inquiry_messages (inquiry, author, author_name, text, created) VALUES (?, ?, ?, ?, ?)`,
		id, p.ID, p.Name, text, now.UnixMicro()); err != nil {
		return nil, fmt.Errorf("httpapi: open inquiry: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("httpapi: open inquiry: %w", err)
	}
	return s.Inquiry(ctx, p, id)
}

// canSee: the party that opened an inquiry and the body it is about.
func canSee(p *Principal, q *Inquiry) bool {
	return p != nil && (q.OpenedBy == p.ID || p.IsBody() && p.BodyID == q.BodyID)
}

// Inquiry returns an inquiry with its thread, if p may see it.
func (s *Store) Inquiry(ctx context.Context, p *Principal, id int64) (*Inquiry, error) {
	q := &Inquiry{ID: id, Messages: []InquiryMessage{}}
	var created int64
	err := s.db.QueryRowContext(ctx, `SELECT number, body_id, opened_by, subject, status, created FROM inquiries WHERE id = ?`, id).
		Scan(&q.Number, &q.BodyID, &q.OpenedBy, &q.Subject, &q.Status, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("httpapi: inquiry %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("httpapi: inquiry: %w", err)
	}
	if !canSee(p, q) {
		return nil, Forbidden("this inquiry is visible only to the party that filed it and the issuing body")
	}
	q.Created = time.UnixMicro(created).UTC()
	rows, err := s.db.QueryContext(ctx, `SELECT author, author_name, text, created FROM inquiry_messages WHERE inquiry = ? ORDER BY id`, id)
	if err != nil {
		return nil, fmt.Errorf("httpapi: inquiry: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var m InquiryMessage
		var c int64
		if err := rows.Scan(&m.Author, &m.AuthorName, &m.Text, &c); err != nil {
			return nil, fmt.Errorf("httpapi: inquiry: %w", err)
		}
		m.Created = time.UnixMicro(c).UTC()
		q.Messages = append(q.Messages, m)
	}
	return q, rows.Err()
}

// Inquiries lists the inquiries p may see, newest first, without threads.
func (s *Store) Inquiries(ctx context.Context, p *Principal) ([]Inquiry, error) {
	q := `SELECT id, number, body_id, opened_by, subject, status, created FROM inquiries WHERE opened_by = ?`
	args := []any{p.ID}
	if p.IsBody() {
		q += ` OR body_id = ?`
		args = append(args, p.BodyID)
	}
	rows, err := s.db.QueryContext(ctx, q+` ORDER BY id DESC LIMIT 500`, args...)
	if err != nil {
		return nil, fmt.Errorf("httpapi: inquiries: %w", err)
	}
	defer rows.Close()
	out := []Inquiry{}
	for rows.Next() {
		var iq Inquiry
		var c int64
		if err := rows.Scan(&iq.ID, &iq.Number, &iq.BodyID, &iq.OpenedBy, &iq.Subject, &iq.Status, &c); err != nil {
			return nil, fmt.Errorf("httpapi: inquiries: %w", err)
		}
		iq.Created = time.UnixMicro(c).UTC()
		out = append(out, iq)
	}
	return out, rows.Err()
}

// AddInquiryMessage adds a message to the thread. A message by the
// issuing body marks the inquiry answered; one by the party reopens it.
func (s *Store) AddInquiryMessage(ctx context.Context, p *Principal, id int64, text string) (*Inquiry, error) {
	q, err := s.Inquiry(ctx, p, id)
	if err != nil {
		return nil, err
	}
	text = strings.TrimSpace(text)
	if text == "" || len(text) > MaxInquiryText {
		return nil, badRequest("text: 1 to %d bytes", MaxInquiryText)
	}
	status := "open"
	if p.IsBody() && p.BodyID == q.BodyID {
		status = "answered"
	}
	now := s.now().UTC().Truncate(time.Microsecond)
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("httpapi: inquiry message: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `INSERT INTO inquiry_messages (inquiry, author, author_name, text, created) VALUES (?, ?, ?, ?, ?)`,
		id, p.ID, p.Name, text, now.UnixMicro()); err != nil {
		return nil, fmt.Errorf("httpapi: inquiry message: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE inquiries SET status = ? WHERE id = ?`, status, id); err != nil {
		return nil, fmt.Errorf("httpapi: inquiry message: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("httpapi: inquiry message: %w", err)
	}
	return s.Inquiry(ctx, p, id)
}

type inquiryRequest struct {
	Number  string `json:"number"`
	Subject string `json:"subject"`
	Text    string `json:"text"`
}

func (a *API) postInquiry(w http.ResponseWriter, r *http.Request, p *Principal) {
	var req inquiryRequest
	if err := decodeJSON(r, &req); err != nil {
		a.writeErr(w, r, err)
		return
	}
	rec, err := a.Registry.Get(r.Context(), req.Number)
	if err != nil {
		a.writeErr(w, r, err)
		return
	}
	q, err := a.Store.OpenInquiry(r.Context(), p, req.Number, rec.Certificate.IssuingBody.ID, req.Subject, req.Text)
	if err != nil {
		a.writeErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, q)
}

func (a *API) getInquiries(w http.ResponseWriter, r *http.Request, p *Principal) {
	qs, err := a.Store.Inquiries(r.Context(), p)
	if err != nil {
		a.writeErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, qs)
}

func (a *API) getInquiry(w http.ResponseWriter, r *http.Request, p *Principal) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		writeError(w, http.StatusBadRequest, "id: not an integer")
		return
	}
	q, err := a.Store.Inquiry(r.Context(), p, id)
	if err != nil {
		a.writeErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, q)
}

func (a *API) postInquiryMessage(w http.ResponseWriter, r *http.Request, p *Principal) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		writeError(w, http.StatusBadRequest, "id: not an integer")
		return
	}
	var req struct {
		Text string `json:"text"`
	}
	if err := decodeJSON(r, &req); err != nil {
		a.writeErr(w, r, err)
		return
	}
	q, err := a.Store.AddInquiryMessage(r.Context(), p, id, req.Text)
	if err != nil {
		a.writeErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, q)
}
