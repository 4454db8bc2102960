package render

import (
	"bufio"
	"bytes"
	"compress/zlib"
	"fmt"
	"io"
	"strconv"
	"sync"
	"unicode/utf16"
)

// Writer writes a PDF file object by object, in any order, then the
// cross-reference table. Objects are numbered by Alloc before they are
// written, so that they can refer to each other forward.
type Writer struct {
	w       *bufio.Writer
	n       int64
	offsets []int64 // by object number; 0: not written
	err     error
	zbuf    bytes.Buffer
}

// NewWriter writes the PDF header.
func NewWriter(w io.Writer) *Writer {
	pw := &Writer{w: bufio.NewWriterSize(w, 64<<10), offsets: []int64{0}}
	pw.WriteString("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	return pw
}

// Err is the first write error.
func (w *Writer) Err() error { return w.err }

// Len is the number of bytes written so far.
func (w *Writer) Len() int64 { return w.n }

func (w *Writer) Write(b []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	n, err := w.w.Write(b)
	w.n += int64(n)
	w.err = err
	return n, err
}

// WriteString writes s.
func (w *Writer) WriteString(s string) {
	if w.err != nil {
		return
	}
	n, err := w.w.WriteString(s)
	w.n += int64(n)
	w.err = err
}

// Alloc reserves an object number.
func (w *Writer) Alloc() int {
	w.offsets = append(w.offsets, 0)
	return len(w.offsets) - 1
}

// Object writes object num with the given body (a dictionary, array...).
func (w *Writer) Object(num int, body string) {
	w.begin(num)
	w.WriteString(body)
	w.WriteString("\nendobj\n")
}

func (w *Writer) begin(num int) {
	if num <= 0 || num >= len(w.offsets) || w.offsets[num] != 0 {
		if w.err == nil {
			w.err = fmt.Errorf("pdf writer: object %d not allocated or written twice", num)
		}
		return
	}
	w.offsets[num] = w.n
	w.WriteString(strconv.Itoa(num))
	w.WriteString(" 0 obj\n")
}

// Stream writes a stream object. dict holds the entries other than
// /Length and /Filter, without the brackets. With compress, data is
// deflated and /Filter /FlateDecode added.
func (w *Writer) Stream(num int, dict string, data []byte, compress bool) {
	if compress {
		data = w.Deflate(data)
		dict += "/Filter/FlateDecode"
	}
	w.RawStream(num, dict, data)
}

// RawStream writes a stream whose data is already encoded as dict says.
func (w *Writer) RawStream(num int, dict string, data []byte) {
	w.begin(num)
	w.WriteString("<<")
	w.WriteString(dict)
	w.WriteString("/Length ")
	w.WriteString(strconv.Itoa(len(data)))
	w.WriteString(">>\nstream\n")
	w.Write(data)
	w.WriteString("\nendstream\nendobj\n")
}

// zlibPool recycles compressors, which cost over half a megabyte each.
var zlibPool = sync.Pool{New: func() any {
	zw, _ := zlib.NewWriterLevel(io.Discard, zlib.BestSpeed)
	return zw
}}

// Deflate compresses data (zlib, best speed: rendering is on the issuing
// path, and the text and subset fonts compress well anyway). The result
// is valid until the next call.
func (w *Writer) Deflate(data []byte) []byte {
	w.zbuf.Reset()
	zw := zlibPool.Get().(*zlib.Writer)
	zw.Reset(&w.zbuf)
	zw.Write(data)
	zw.Close()
	zw.Reset(io.Discard)
	zlibPool.Put(zw)
	return w.zbuf.Bytes()
}

// Finish writes the cross-reference table and the trailer.
func (w *Writer) Finish(root, info int, id []byte) error {
	xref := w.n
	for i, off := range w.offsets {
		if i > 0 && off == 0 && w.err == nil {
			w.err = fmt.Errorf("pdf writer: object %d allocated but never written", i)
		}
	}
	w.WriteString("xref\n0 ")
	w.WriteString(strconv.Itoa(len(w.offsets)))
	w.WriteString("\n0000000000 65535 f \n")
	for _, off := range w.offsets[1:] {
		w.WriteString(fmt.Sprintf("%010d 00000 n \n", off))
	}
	w.WriteString(fmt.Sprintf("trailer\n<</Size %d/Root %d 0 R", len(w.offsets), root))
	if info > 0 {
		w.WriteString(fmt.Sprintf("/Info %d 0 R", info))
	}
	if len(id) > 0 {
		w.WriteString(fmt.Sprintf("/ID[<%x><%x>]", id, id))
	}
	w.WriteString(fmt.Sprintf(">>\nstartxref\n%d\n%%%%EOF\n", xref))
	if w.err != nil {
		return w.err
	}
	return w.w.Flush()
}

// Ref formats an indirect reference.
func Ref(num int) string { return strconv.Itoa(num) + " 0 R" }

// TextString encodes s as a PDF text string: a literal string for
// printable ASCII, else UTF-16BE hex with a byte order mark.
func TextString(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			ascii = false
			break
		}
	}
	if ascii {
		return LiteralString(s)
	}
	var b bytes.Buffer
	b.WriteString("<FEFF")
	for _, u := range utf16.Encode([]rune(s)) {
		fmt.Fprintf(&b, "%04X", u)
	}
	b.WriteString(">")
	return b.String()
}

// LiteralString encodes bytes as a PDF literal string.
func LiteralString(s string) string {
	var b bytes.Buffer
	b.WriteByte('(')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '(' || c == ')' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20 || c > 0x7e:
			fmt.Fprintf(&b, "\\%03o", c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte(')')
	return b.String()
}

// Name encodes a PDF name (with the slash).
func Name(s string) string {
	var b bytes.Buffer
	b.WriteByte('/')
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= 0x20 || c >= 0x7f || bytes.IndexByte([]byte("#/()<>[]{}%"), c) >= 0 {
			fmt.Fprintf(&b, "#%02X", c)
		} else {
			b.WriteByte(c)
		}
	}
	return b.String()
}
