// Package pdf reads PDF files defensively and appends incremental updates.
//
// It is the low-level layer under pdfseal: sealing (an incremental update
// with a signature), extending (DSS, document timestamps) and verifying
// (revisions, signature dictionaries) all go through it.
//
// Reading: Open parses the cross-reference data (classic tables, xref
// streams, hybrid files, /Prev chains) without loading the file; objects
// are parsed on demand with Reader.Get / Reader.Resolve and cached. Stream
// data stays in the file until StreamData or RawStreamData asks for it.
// Every input is treated as hostile: loops and allocations are bounded
// (Limits), nesting deeper than Limits.MaxDepth is an error, a declared
// /Length is never trusted beyond the file, /Prev loops and reference cycles
// are detected, and no input makes the package panic.
//
// Writing: Reader.NewUpdate starts an incremental update; Add and Set put
// objects into it and Bytes serializes the appended section (objects, a new
// cross-reference section of the same kind as the previous one, trailer with
// /Prev, startxref, %%EOF).
//
// Objects are plain Go values:
//
//	nil      null
//	Bool     true, false
//	Int      integer
//	Real     real number
//	String   string (literal or hex; the decoded bytes)
//	Name     name, without the slash, #xx escapes decoded
//	Array    array
//	Dict     dictionary
//	*Stream  stream (dictionary plus where the data lies)
//	Ref      indirect reference "n g R"
//	Raw      (writing only) bytes emitted verbatim
package pdf

import (
	"errors"
	"fmt"
)

// Object is one PDF object; see the package documentation for the types.
type Object any

type (
	// Bool is a PDF boolean.
	Bool bool
	// Int is a PDF integer.
	Int int64
	// Real is a PDF real number.
	Real float64
	// String is a PDF string's decoded bytes.
	String []byte
	// Name is a PDF name without the leading slash.
	Name string
	// Array is a PDF array.
	Array []Object
	// Dict is a PDF dictionary. A missing key and a null value are the same.
	Dict map[Name]Object
	// Raw is written verbatim by the update writer; the reader never makes it.
	Raw []byte
)

// Ref is an indirect reference.
type Ref struct {
	Num int
	Gen int
}

func (r Ref) String() string { return fmt.Sprintf("%d %d R", r.Num, r.Gen) }

// Stream is a PDF stream. Streams read from a file have Offset and Length
// (the raw, still-encoded data bytes in the file); streams made for writing
// carry their encoded bytes in Data and the writer sets /Length.
type Stream struct {
	Dict   Dict
	Offset int64 // absolute offset of the first data byte; -1 for Data
	Length int64 // raw data length
	Data   []byte
}

// Name returns d[key] as a Name, or "".
func (d Dict) Name(key Name) Name { n, _ := d[key].(Name); return n }

// Int returns d[key] as an int64 and whether it is an Int.
func (d Dict) Int(key Name) (int64, bool) { n, ok := d[key].(Int); return int64(n), ok }

// Clone returns a shallow copy of d.
func (d Dict) Clone() Dict {
	c := make(Dict, len(d)+2)
	for k, v := range d {
		c[k] = v
	}
	return c
}

// Errors the reader returns; the concrete error wraps one of these and
// says where (Error.Offset).
var (
	// ErrSyntax is malformed PDF syntax.
	ErrSyntax = errors.New("pdf syntax error")
	// ErrXref is a missing or broken cross-reference section.
	ErrXref = errors.New("broken cross-reference data")
	// ErrLimit is input beyond a configured limit (nesting, sizes, counts).
	ErrLimit = errors.New("limit exceeded")
	// ErrCycle is a reference cycle (an object that needs itself to load).
	ErrCycle = errors.New("reference cycle")
	// ErrNotFound is a reference to an object the file does not hold.
	ErrNotFound = errors.New("object not found")
	// ErrUnsupported is a feature the reader does not handle (a filter...).
	ErrUnsupported = errors.New("unsupported")
)

// Error is a reader error with the file offset where it was found.
type Error struct {
	Offset int64
	Op     string // what was being read, e.g. "xref table", "object 12 0"
	Err    error  // one of the Err* sentinels, possibly wrapped
	Detail string
}

func (e *Error) Error() string {
	s := "pdf: " + e.Op
	if e.Offset >= 0 {
		s += fmt.Sprintf(" at offset %d", e.Offset)
	}
	s += ": " + e.Err.Error()
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

func errAt(off int64, op string, err error, detail string, a ...any) *Error {
	if len(a) > 0 {
		detail = fmt.Sprintf(detail, a...)
	}
	return &Error{Offset: off, Op: op, Err: err, Detail: detail}
}

// Limits bound the work a hostile file can cause. The zero value of a field
// means its default.
type Limits struct {
	MaxDepth       int   // nesting of arrays/dicts (default 1000)
	MaxObjects     int   // cross-reference entries (default 4,000,000)
	MaxElements    int   // elements of one array or dict (default 1,000,000)
	MaxStreamSize  int64 // decoded stream size (default 256 MiB)
	MaxXrefChain   int   // cross-reference sections (default 10,000)
	MaxResolveHops int   // ref -> ref chains (default 32)
	MaxString      int   // decoded bytes of one string (default 64 MiB)
}

func (l Limits) withDefaults() Limits {
	if l.MaxDepth <= 0 {
		l.MaxDepth = 1000
	}
	if l.MaxObjects <= 0 {
		l.MaxObjects = 4_000_000
	}
	if l.MaxElements <= 0 {
		l.MaxElements = 1_000_000
	}
	if l.MaxStreamSize <= 0 {
		l.MaxStreamSize = 256 << 20
	}
	if l.MaxXrefChain <= 0 {
		l.MaxXrefChain = 10_000
	}
	if l.MaxResolveHops <= 0 {
		l.MaxResolveHops = 32
	}
	if l.MaxString <= 0 {
		l.MaxString = 64 << 20
	}
	return l
}
