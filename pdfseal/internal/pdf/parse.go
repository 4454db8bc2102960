package pdf

import (
	"bytes"
	"io"
	"strconv"
)

// scanner reads bytes from an io.ReaderAt through a small window, so that
// parsing never loads more of the file than the objects it looks at.
type scanner struct {
	r      io.ReaderAt
	end    int64 // exclusive bound
	pos    int64
	buf    []byte
	bufOff int64
	err    error // first read error other than io.EOF
}

const scanChunk = 4096

func newScanner(r io.ReaderAt, end, pos int64) *scanner {
	return &scanner{r: r, end: end, pos: pos, bufOff: -1}
}

// peek returns the byte at pos, or -1 at the end.
func (s *scanner) peek() int {
	if s.pos < 0 || s.pos >= s.end {
		return -1
	}
	if s.bufOff < 0 || s.pos < s.bufOff || s.pos >= s.bufOff+int64(len(s.buf)) {
		if !s.fill(s.pos) {
			return -1
		}
	}
	return int(s.buf[s.pos-s.bufOff])
}

func (s *scanner) fill(at int64) bool {
	n := int64(scanChunk)
	if at+n > s.end {
		n = s.end - at
	}
	if n <= 0 {
		return false
	}
	if cap(s.buf) < int(n) {
		s.buf = make([]byte, scanChunk)
	}
	s.buf = s.buf[:n]
	m, err := s.r.ReadAt(s.buf, at)
	if m <= 0 {
		if err != nil && err != io.EOF && s.err == nil {
			s.err = err
		}
		s.buf = s.buf[:0]
		s.bufOff = -1
		return false
	}
	s.buf = s.buf[:m]
	s.bufOff = at
	return true
}

func (s *scanner) next() int {
	c := s.peek()
	if c >= 0 {
		s.pos++
	}
	return c
}

func isWhite(c int) bool {
	return c == 0 || c == 9 || c == 10 || c == 12 || c == 13 || c == 32
}

func isDelim(c int) bool {
	switch c {
	case '(', ')', '<', '>', '[', ']', '{', '}', '/', '%':
		return true
	}
	return false
}

func isRegular(c int) bool { return c >= 0 && !isWhite(c) && !isDelim(c) }

// skipSpace skips whitespace and comments.
func (s *scanner) skipSpace() {
	for {
		c := s.peek()
		switch {
		case isWhite(c):
			s.pos++
		case c == '%':
			for c >= 0 && c != '\n' && c != '\r' {
				s.pos++
				c = s.peek()
			}
		default:
			return
		}
	}
}

// keyword reads a run of regular characters (at most 64).
func (s *scanner) keyword() []byte {
	var b []byte
	for isRegular(s.peek()) && len(b) < 64 {
		b = append(b, byte(s.next()))
	}
	return b
}

// expectKeyword skips space and consumes kw followed by a non-regular byte.
func (s *scanner) expectKeyword(kw string) bool {
	s.skipSpace()
	save := s.pos
	for i := 0; i < len(kw); i++ {
		if s.next() != int(kw[i]) {
			s.pos = save
			return false
		}
	}
	if isRegular(s.peek()) {
		s.pos = save
		return false
	}
	return true
}

// parser parses objects from a scanner within limits.
type parser struct {
	s   *scanner
	lim *Limits
}

func (p *parser) errf(format string, a ...any) error {
	return errAt(p.s.pos, "parse", ErrSyntax, format, a...)
}

// object parses one direct object (refs stay refs; a dict followed by
// "stream" is returned as a Dict: the caller handles streams).
func (p *parser) object(depth int) (Object, error) {
	if depth > p.lim.MaxDepth {
		return nil, errAt(p.s.pos, "parse", ErrLimit, "nesting deeper than %d", p.lim.MaxDepth)
	}
	p.s.skipSpace()
	start := p.s.pos
	c := p.s.peek()
	switch {
	case c < 0:
		if p.s.err != nil {
			return nil, errAt(start, "parse", ErrSyntax, "read: %v", p.s.err)
		}
		return nil, p.errf("unexpected end of data")
	case c == '/':
		p.s.pos++
		return p.name()
	case c == '(':
		p.s.pos++
		return p.literal()
	case c == '<':
		p.s.pos++
		if p.s.peek() == '<' {
			p.s.pos++
			return p.dict(depth)
		}
		return p.hex()
	case c == '[':
		p.s.pos++
		var a Array
		for {
			p.s.skipSpace()
			if p.s.peek() == ']' {
				p.s.pos++
				return a, nil
			}
			if len(a) >= p.lim.MaxElements {
				return nil, errAt(start, "parse", ErrLimit, "array longer than %d", p.lim.MaxElements)
			}
			o, err := p.object(depth + 1)
			if err != nil {
				return nil, err
			}
			a = append(a, o)
		}
	case c == '+' || c == '-' || c == '.' || (c >= '0' && c <= '9'):
		return p.number()
	case isRegular(c):
		kw := p.s.keyword()
		switch string(kw) {
		case "true":
			return Bool(true), nil
		case "false":
			return Bool(false), nil
		case "null":
			return nil, nil
		}
		p.s.pos = start
		return nil, p.errf("unexpected keyword %q", kw)
	default:
		return nil, p.errf("unexpected byte %q", rune(c))
	}
}

func (p *parser) dict(depth int) (Object, error) {
	start := p.s.pos
	d := Dict{}
	for {
		p.s.skipSpace()
		c := p.s.peek()
		if c == '>' {
			p.s.pos++
			if p.s.next() != '>' {
				return nil, p.errf("expected >>")
			}
			return d, nil
		}
		if c != '/' {
			if c < 0 {
				return nil, p.errf("unterminated dictionary")
			}
			return nil, p.errf("dictionary key is not a name")
		}
		p.s.pos++
		ko, err := p.name()
		if err != nil {
			return nil, err
		}
		k := ko.(Name)
		if len(d) >= p.lim.MaxElements {
			return nil, errAt(start, "parse", ErrLimit, "dictionary larger than %d", p.lim.MaxElements)
		}
		v, err := p.object(depth + 1)
		if err != nil {
			return nil, err
		}
		if v == nil {
			delete(d, k) // null value = absent
			continue
		}
		d[k] = v
	}
}

func unhex(c int) int {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10
	}
	return -1
}

func (p *parser) name() (Object, error) {
	var b []byte
	for {
		c := p.s.peek()
		if !isRegular(c) {
			break
		}
		p.s.pos++
		if c == '#' {
			h1, h2 := unhex(p.s.peek()), -1
			if h1 >= 0 {
				p.s.pos++
				h2 = unhex(p.s.peek())
				if h2 >= 0 {
					p.s.pos++
					c = h1<<4 | h2
				} else {
					p.s.pos--
				}
			}
		}
		if len(b) > 1<<16 {
			return nil, errAt(p.s.pos, "parse", ErrLimit, "name longer than 64 KiB")
		}
		b = append(b, byte(c))
	}
	return Name(b), nil
}

func (p *parser) hex() (Object, error) {
	var b []byte
	hi := -1
	for {
		c := p.s.next()
		switch {
		case c < 0:
			return nil, p.errf("unterminated hex string")
		case c == '>':
			if hi >= 0 {
				b = append(b, byte(hi<<4))
			}
			return String(b), nil
		case isWhite(c):
		default:
			v := unhex(c)
			if v < 0 {
				return nil, p.errf("bad byte %q in hex string", rune(c))
			}
			if hi < 0 {
				hi = v
			} else {
				if len(b) >= p.lim.MaxString {
					return nil, errAt(p.s.pos, "parse", ErrLimit, "string longer than %d bytes", p.lim.MaxString)
				}
				b = append(b, byte(hi<<4|v))
				hi = -1
			}
		}
	}
}

func (p *parser) literal() (Object, error) {
	var b []byte
	depth := 1
	for {
		c := p.s.next()
		switch c {
		case -1:
			return nil, p.errf("unterminated string")
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return String(b), nil
			}
		case '\r':
			// EOL in a literal is a newline; CRLF counts once.
			if p.s.peek() == '\n' {
				p.s.pos++
			}
			c = '\n'
		case '\\':
			e := p.s.next()
			switch e {
			case -1:
				return nil, p.errf("unterminated string")
			case 'n':
				c = '\n'
			case 'r':
				c = '\r'
			case 't':
				c = '\t'
			case 'b':
				c = '\b'
			case 'f':
				c = '\f'
			case '\r':
				if p.s.peek() == '\n' {
					p.s.pos++
				}
				continue
			case '\n':
				continue
			default:
				if e >= '0' && e <= '7' {
					v := e - '0'
					for i := 0; i < 2; i++ {
						d := p.s.peek()
						if d < '0' || d > '7' {
							break
						}
						p.s.pos++
						v = v*8 + d - '0'
					}
					c = v & 0xff
				} else {
					c = e
				}
			}
		}
		if len(b) >= p.lim.MaxString {
			return nil, errAt(p.s.pos, "parse", ErrLimit, "string longer than %d bytes", p.lim.MaxString)
		}
		b = append(b, byte(c))
	}
}

// number parses an int or real; an int followed by "int R" is a Ref.
func (p *parser) number() (Object, error) {
	start := p.s.pos
	tok := p.s.keyword()
	if n, err := strconv.ParseInt(string(tok), 10, 64); err == nil {
		// Try "gen R".
		save := p.s.pos
		p.s.skipSpace()
		if c := p.s.peek(); c >= '0' && c <= '9' {
			gtok := p.s.keyword()
			if g, err := strconv.ParseInt(string(gtok), 10, 32); err == nil && g >= 0 && g <= 65535 {
				p.s.skipSpace()
				if p.s.peek() == 'R' {
					p.s.pos++
					if !isRegular(p.s.peek()) {
						if n < 0 || n > int64(p.lim.MaxObjects)*4 {
							return nil, errAt(start, "parse", ErrSyntax, "bad object number %d", n)
						}
						return Ref{Num: int(n), Gen: int(g)}, nil
					}
				}
			}
		}
		p.s.pos = save
		return Int(n), nil
	}
	f, ok := parseReal(tok)
	if !ok {
		p.s.pos = start
		return nil, p.errf("bad number %q", tok)
	}
	return Real(f), nil
}

// parseReal accepts PDF reals ("-.5", "3.", "+1.25") and, leniently,
// numbers like "1--2" are rejected rather than guessed.
func parseReal(tok []byte) (float64, bool) {
	if len(tok) == 0 || bytes.ContainsAny(tok, "eExXpPnN_") {
		return 0, false
	}
	f, err := strconv.ParseFloat(string(tok), 64)
	if err != nil {
		return 0, false
	}
	return f, true
}

// readInt reads a non-negative integer token.
func (p *parser) readInt() (int64, bool) {
	p.s.skipSpace()
	c := p.s.peek()
	if c < '0' || c > '9' {
		return 0, false
	}
	tok := p.s.keyword()
	n, err := strconv.ParseInt(string(tok), 10, 64)
	return n, err == nil && n >= 0
}

// Parse parses a single object from data (for tests, fuzzing and callers
// that hold a small buffer, such as a content stream fragment).
func Parse(data []byte) (Object, error) {
	lim := Limits{}.withDefaults()
	p := &parser{s: newScanner(bytes.NewReader(data), int64(len(data)), 0), lim: &lim}
	return p.object(0)
}
