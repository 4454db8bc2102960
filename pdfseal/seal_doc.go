package pdfseal

import (
	"context"
	"crypto"
	"encoding"
	"errors"
	"fmt"
	"hash"
	"io"

	"github.com/ecertkit/ecertkit/pdfseal/internal/pdf"
)

// doc is the PDF being sealed: the original (read from an io.ReaderAt,
// never loaded) and the incremental updates appended in memory.
type doc struct {
	in    io.ReaderAt
	size  int64
	parts [][]byte
	// hash states after the original bytes, by algorithm: the original is
	// read once per algorithm however many signatures are added.
	states map[crypto.Hash][]byte
	buf    []byte // copy buffer, shared by hashing and writing
}

func (d *doc) copyBuf() []byte {
	if d.buf == nil {
		d.buf = make([]byte, min(d.size+1, 256<<10))
	}
	return d.buf
}

func (d *doc) total() int64 {
	n := d.size
	for _, p := range d.parts {
		n += int64(len(p))
	}
	return n
}

func (d *doc) appended() int64 { return d.total() - d.size }

// open parses the current document (original + updates).
func (d *doc) open() (*pdf.Reader, error) {
	var ra io.ReaderAt = d.in
	if len(d.parts) > 0 {
		ra = &concatReaderAt{d: d}
	}
	r, err := pdf.Open(ra, d.total(), nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidPDF, err)
	}
	if r.Encrypted() {
		return nil, ErrEncrypted
	}
	if _, _, err := r.Catalog(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidPDF, err)
	}
	return r, nil
}

// prefixHash returns a hash of the whole current document (original and
// updates so far) with algorithm h.
func (d *doc) prefixHash(ctx context.Context, h crypto.Hash) (hash.Hash, error) {
	hh := h.New()
	if st, ok := d.states[h]; ok {
		if err := hh.(encoding.BinaryUnmarshaler).UnmarshalBinary(st); err != nil {
			return nil, err
		}
	} else {
		if err := copyCtx(ctx, hh, io.NewSectionReader(d.in, 0, d.size), d.copyBuf()); err != nil {
			return nil, fmt.Errorf("read the PDF: %w", err)
		}
		if m, ok := hh.(encoding.BinaryMarshaler); ok {
			st, err := m.MarshalBinary()
			if err == nil {
				if d.states == nil {
					d.states = map[crypto.Hash][]byte{}
				}
				d.states[h] = st
			}
		}
	}
	for _, p := range d.parts {
		hh.Write(p)
	}
	return hh, nil
}

// writeTo writes the original then the updates.
func (d *doc) writeTo(ctx context.Context, w io.Writer) error {
	if err := copyCtx(ctx, w, io.NewSectionReader(d.in, 0, d.size), d.copyBuf()); err != nil {
		return fmt.Errorf("write: %w", err)
	}
	for _, p := range d.parts {
		if _, err := w.Write(p); err != nil {
			return fmt.Errorf("write: %w", err)
		}
	}
	return nil
}

// copyCtx copies through buf, checking ctx between chunks.
func copyCtx(ctx context.Context, w io.Writer, r io.Reader, buf []byte) error {
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		n, err := r.Read(buf)
		if n > 0 {
			if _, werr := w.Write(buf[:n]); werr != nil {
				return werr
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// concatReaderAt reads the original followed by the updates.
type concatReaderAt struct{ d *doc }

func (c *concatReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("negative offset")
	}
	n := 0
	for len(p) > 0 {
		if off < c.d.size {
			m := int64(len(p))
			if m > c.d.size-off {
				m = c.d.size - off
			}
			k, err := c.d.in.ReadAt(p[:m], off)
			n += k
			if k < int(m) {
				if err == nil {
					err = io.ErrUnexpectedEOF
				}
				return n, err
			}
			p, off = p[m:], off+m
			continue
		}
		base := c.d.size
		found := false
		for _, part := range c.d.parts {
			if off < base+int64(len(part)) {
				k := copy(p, part[off-base:])
				n += k
				p, off = p[k:], off+int64(k)
				found = true
				break
			}
			base += int64(len(part))
		}
		if !found {
			return n, io.EOF
		}
	}
	return n, nil
}
