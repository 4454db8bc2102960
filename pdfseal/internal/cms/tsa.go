package cms

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"sync"
	"time"

	"github.com/digitorus/timestamp"
)

// Timestamp is a parsed RFC 3161 time-stamp token.
type Timestamp struct {
	Token []byte // the TimeStampToken (a ContentInfo), DER
	Time  time.Time
	TS    *timestamp.Timestamp
}

// TSAClient asks an RFC 3161 time-stamping authority over HTTP.
type TSAClient struct {
	URL    string
	Client *http.Client // http.DefaultClient when nil
	// Username and Password, when set, are sent as HTTP basic auth.
	Username, Password string
	// MaxResponse bounds the response body (default 1 MiB).
	MaxResponse int64
}

// Stamp requests a token over digest (made with h). The token's message
// imprint and nonce are checked, and its signature when it embeds the TSA
// certificate (it is asked to).
func (c *TSAClient) Stamp(ctx context.Context, digest []byte, h crypto.Hash) (*Timestamp, error) {
	nonce, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 63))
	if err != nil {
		return nil, err
	}
	req := &timestamp.Request{HashAlgorithm: h, HashedMessage: digest, Certificates: true, Nonce: nonce}
	body, err := req.Marshal()
	if err != nil {
		return nil, fmt.Errorf("request: %w", err)
	}
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, c.URL, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	hr.Header.Set("Content-Type", "application/timestamp-query")
	hr.Header.Set("Accept", "application/timestamp-reply")
	if c.Username != "" || c.Password != "" {
		hr.SetBasicAuth(c.Username, c.Password)
	}
	client := c.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(hr)
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("%w (%v)", ctx.Err(), err)
		}
		return nil, err
	}
	defer resp.Body.Close()
	max := c.MaxResponse
	if max <= 0 {
		max = 1 << 20
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, max+1))
	if err != nil {
		return nil, fmt.Errorf("read response: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("HTTP %s", resp.Status)
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("response larger than %d bytes", max)
	}
	ts, err := parseTSResponse(data)
	if err != nil {
		return nil, fmt.Errorf("bad response: %w", err)
	}
	if !bytes.Equal(ts.HashedMessage, digest) || ts.HashAlgorithm != h {
		return nil, errors.New("the token's message imprint is not the digest sent")
	}
	if ts.Nonce == nil || ts.Nonce.Cmp(nonce) != 0 {
		return nil, errors.New("the token's nonce is not the nonce sent")
	}
	if len(ts.Certificates) == 0 {
		return nil, errors.New("the token carries no TSA certificate")
	}
	return &Timestamp{Token: ts.RawToken, Time: ts.Time, TS: ts}, nil
}

// parseMu serializes timestamp.ParseResponse: the BER converter of
// github.com/digitorus/pkcs7 that it calls keeps its nesting depth in a
// package variable (ber.go, encodeIndent), so concurrent parses race.
var parseMu sync.Mutex

func parseTSResponse(data []byte) (*timestamp.Timestamp, error) {
	parseMu.Lock()
	defer parseMu.Unlock()
	return timestamp.ParseResponse(data)
}
