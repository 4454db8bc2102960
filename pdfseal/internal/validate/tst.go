package validate

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"math/big"
	"time"
)

type messageImprint struct {
	HashAlgorithm pkix.AlgorithmIdentifier
	HashedMessage []byte
}

type tstInfo struct {
	Version        int
	Policy         asn1.ObjectIdentifier
	MessageImprint messageImprint
	SerialNumber   *big.Int
	GenTime        time.Time     `asn1:"generalized"`
	Accuracy       asn1.RawValue `asn1:"optional"`
	Ordering       bool          `asn1:"optional"`
	Nonce          *big.Int      `asn1:"optional"`
	TSA            asn1.RawValue `asn1:"optional,tag:0"`
	Extensions     asn1.RawValue `asn1:"optional,tag:1"`
}

// Timestamp is a verified RFC 3161 timestamp token.
type Timestamp struct {
	// Time is the genTime the authority asserted.
	Time time.Time
	// Serial is the token's serial number.
	Serial *big.Int
	// Signer is the timestamping authority's certificate and algorithm.
	Signer *Signer
	// CMS is the token's SignedData, for its certificates.
	CMS *SignedData
	// Hash is the message imprint's hash algorithm.
	Hash crypto.Hash
}

// VerifyTimestamp parses an RFC 3161 token (a ContentInfo) and checks
// that it verifies, that its message imprint is the hash of data, and that
// the TSA certificate is meant for timestamping. It does not check the
// TSA's certificate path: the caller does that at the right time.
func VerifyTimestamp(token, data []byte, algs Algorithms) (*Timestamp, error) {
	return VerifyTimestampDigest(token, func(h crypto.Hash) ([]byte, error) {
		hh := h.New()
		hh.Write(data)
		return hh.Sum(nil), nil
	}, algs)
}

// VerifyTimestampDigest is VerifyTimestamp with the timestamped data given
// by its digest (for a document timestamp: the hash of the byte ranges).
func VerifyTimestampDigest(token []byte, digest DigestCheck, algs Algorithms) (*Timestamp, error) {
	sd, err := ParseSignedData(token)
	if err != nil {
		return nil, err
	}
	if !sd.ContentType.Equal(OIDTSTInfo) || sd.Content == nil {
		return nil, fmt.Errorf("%w: timestamp token does not hold a TSTInfo", ErrFormat)
	}
	var info tstInfo
	if rest, err := asn1.Unmarshal(sd.Content, &info); err != nil {
		return nil, fmt.Errorf("%w: TSTInfo: %v", ErrFormat, err)
	} else if len(rest) > 0 {
		return nil, fmt.Errorf("%w: TSTInfo: trailing bytes", ErrFormat)
	}
	ts := &Timestamp{Time: info.GenTime, Serial: info.SerialNumber, CMS: sd}
	signer, err := sd.Verify(func(h crypto.Hash) ([]byte, error) {
		hh := h.New()
		hh.Write(sd.Content)
		return hh.Sum(nil), nil
	}, algs)
	ts.Signer = signer
	if err != nil {
		return ts, err
	}
	h, ok := HashFor(info.MessageImprint.HashAlgorithm.Algorithm)
	if !ok || !algs.hashOK(h) {
		return ts, fmt.Errorf("%w: message imprint hash %v", ErrAlgorithm, info.MessageImprint.HashAlgorithm.Algorithm)
	}
	ts.Hash = h
	sum, err := digest(h)
	if err != nil {
		return ts, err
	}
	if !bytes.Equal(sum, info.MessageImprint.HashedMessage) {
		return ts, fmt.Errorf("%w: the timestamp's message imprint is not the %v of the timestamped data", ErrDigest, h)
	}
	hasTS := false
	for _, u := range signer.Cert.ExtKeyUsage {
		if u == x509.ExtKeyUsageTimeStamping {
			hasTS = true
		}
	}
	if !hasTS {
		return ts, fmt.Errorf("%w: the timestamp authority's certificate lacks the timeStamping extended key usage", ErrKeyUsage)
	}
	return ts, nil
}
