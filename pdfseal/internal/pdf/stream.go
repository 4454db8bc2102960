package pdf

import (
	"bytes"
	"compress/zlib"
	"errors"
	"io"
)

// RawStreamData returns the stream's raw (still encoded) bytes, at most max
// bytes (0 means Limits.MaxStreamSize).
func (r *Reader) RawStreamData(st *Stream, max int64) ([]byte, error) {
	if st.Offset < 0 {
		return st.Data, nil
	}
	if max <= 0 {
		max = r.lim.MaxStreamSize
	}
	if st.Length > max {
		return nil, errAt(st.Offset, "stream", ErrLimit, "%d bytes, more than %d", st.Length, max)
	}
	if st.Length < 0 || st.Offset+st.Length > r.size {
		return nil, errAt(st.Offset, "stream", ErrSyntax, "data beyond the file")
	}
	buf := make([]byte, st.Length)
	if _, err := r.r.ReadAt(buf, st.Offset); err != nil && !(err == io.EOF) {
		return nil, errAt(st.Offset, "stream", ErrSyntax, "read: %v", err)
	}
	return buf, nil
}

// StreamData returns the stream's decoded bytes, at most max bytes (0 means
// Limits.MaxStreamSize). Supported filters: FlateDecode (with PNG and TIFF
// predictors), ASCIIHexDecode, ASCII85Decode; others give ErrUnsupported.
func (r *Reader) StreamData(st *Stream, max int64) ([]byte, error) {
	if max <= 0 {
		max = r.lim.MaxStreamSize
	}
	return r.decodeStream(st, max)
}

func (r *Reader) decodeStream(st *Stream, max int64) ([]byte, error) {
	raw, err := r.RawStreamData(st, r.lim.MaxStreamSize)
	if err != nil {
		return nil, err
	}
	filters, err := r.Resolve(st.Dict["Filter"])
	if err != nil {
		return nil, err
	}
	parms, err := r.Resolve(st.Dict["DecodeParms"])
	if err != nil {
		return nil, err
	}
	var fl []Name
	var pl []Object
	switch f := filters.(type) {
	case nil:
	case Name:
		fl = []Name{f}
		pl = []Object{parms}
	case Array:
		if len(f) > 16 {
			return nil, errAt(st.Offset, "stream", ErrLimit, "more than 16 filters")
		}
		pa, _ := parms.(Array)
		for i, x := range f {
			n, ok := x.(Name)
			if !ok {
				return nil, errAt(st.Offset, "stream", ErrSyntax, "bad /Filter")
			}
			fl = append(fl, n)
			if i < len(pa) {
				p, err := r.Resolve(pa[i])
				if err != nil {
					return nil, err
				}
				pl = append(pl, p)
			} else {
				pl = append(pl, nil)
			}
		}
	default:
		return nil, errAt(st.Offset, "stream", ErrSyntax, "bad /Filter")
	}
	data := raw
	for i, f := range fl {
		pd, _ := pl[i].(Dict)
		switch f {
		case "FlateDecode", "Fl":
			data, err = inflate(data, max)
			if err == nil {
				data, err = unpredict(data, pd, max)
			}
		case "ASCIIHexDecode", "AHx":
			data, err = asciiHex(data)
		case "ASCII85Decode", "A85":
			data, err = ascii85(data)
		default:
			return nil, errAt(st.Offset, "stream", ErrUnsupported, "filter %s", f)
		}
		if err != nil {
			return nil, errAt(st.Offset, "stream", ErrSyntax, "%s: %v", f, err)
		}
		if int64(len(data)) > max {
			return nil, errAt(st.Offset, "stream", ErrLimit, "decoded data larger than %d bytes", max)
		}
	}
	return data, nil
}

var errTooBig = errors.New("decoded data too large")

func inflate(data []byte, max int64) ([]byte, error) {
	zr, err := zlib.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	defer zr.Close()
	var out bytes.Buffer
	n, err := io.Copy(&out, io.LimitReader(zr, max+1))
	if n > max {
		return nil, errTooBig
	}
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		// Tolerate truncated streams as readers do; report other errors.
		if out.Len() == 0 {
			return nil, err
		}
	}
	return out.Bytes(), nil
}

func unpredict(data []byte, parms Dict, max int64) ([]byte, error) {
	if parms == nil {
		return data, nil
	}
	pred, _ := parms.Int("Predictor")
	if pred <= 1 {
		return data, nil
	}
	colors, ok := parms.Int("Colors")
	if !ok {
		colors = 1
	}
	bpc, ok := parms.Int("BitsPerComponent")
	if !ok {
		bpc = 8
	}
	cols, ok := parms.Int("Columns")
	if !ok {
		cols = 1
	}
	if colors < 1 || colors > 32 || bpc < 1 || bpc > 16 || cols < 1 || cols > 1<<24 {
		return nil, errors.New("bad predictor parameters")
	}
	bpp := int((colors*bpc + 7) / 8)
	rowLen := int((colors*bpc*cols + 7) / 8)
	if pred == 2 {
		if bpc != 8 {
			return nil, errors.New("TIFF predictor with BitsPerComponent != 8 is not supported")
		}
		out := append([]byte(nil), data...)
		for r := 0; r+rowLen <= len(out); r += rowLen {
			for i := bpp; i < rowLen; i++ {
				out[r+i] += out[r+i-bpp]
			}
		}
		return out, nil
	}
	// PNG predictors: each row starts with its filter type byte.
	stride := rowLen + 1
	rows := len(data) / stride
	if int64(rows*rowLen) > max {
		return nil, errTooBig
	}
	out := make([]byte, 0, rows*rowLen)
	prev := make([]byte, rowLen)
	cur := make([]byte, rowLen)
	for r := 0; r < rows; r++ {
		ft := data[r*stride]
		copy(cur, data[r*stride+1:(r+1)*stride])
		for i := 0; i < rowLen; i++ {
			var a, b, c byte
			if i >= bpp {
				a = cur[i-bpp]
				c = prev[i-bpp]
			}
			b = prev[i]
			switch ft {
			case 0:
			case 1:
				cur[i] += a
			case 2:
				cur[i] += b
			case 3:
				cur[i] += byte((int(a) + int(b)) / 2)
			case 4:
				cur[i] += paeth(a, b, c)
			default:
				return nil, errors.New("bad PNG filter type")
			}
		}
		out = append(out, cur...)
		prev, cur = cur, prev
	}
	return out, nil
}

func paeth(a, b, c byte) byte {
	p := int(a) + int(b) - int(c)
	pa, pb, pc := abs(p-int(a)), abs(p-int(b)), abs(p-int(c))
	if pa <= pb && pa <= pc {
		return a
	}
	if pb <= pc {
		return b
	}
	return c
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

func asciiHex(data []byte) ([]byte, error) {
	out := make([]byte, 0, len(data)/2)
	hi := -1
	for _, c := range data {
		if c == '>' {
			break
		}
		if isWhite(int(c)) {
			continue
		}
		v := unhex(int(c))
		if v < 0 {
			return nil, errors.New("bad hex digit")
		}
		if hi < 0 {
			hi = v
		} else {
			out = append(out, byte(hi<<4|v))
			hi = -1
		}
	}
	if hi >= 0 {
		out = append(out, byte(hi<<4))
	}
	return out, nil
}

func ascii85(data []byte) ([]byte, error) {
	out := make([]byte, 0, len(data)*4/5)
	var tuple uint64
	n := 0
	for i := 0; i < len(data); i++ {
		c := data[i]
		if isWhite(int(c)) {
			continue
		}
		if c == '~' {
			break
		}
		if c == 'z' && n == 0 {
			out = append(out, 0, 0, 0, 0)
			continue
		}
		if c < '!' || c > 'u' {
			return nil, errors.New("bad ASCII85 byte")
		}
		tuple = tuple*85 + uint64(c-'!')
		n++
		if n == 5 {
			if tuple > 0xffffffff {
				return nil, errors.New("bad ASCII85 group")
			}
			out = append(out, byte(tuple>>24), byte(tuple>>16), byte(tuple>>8), byte(tuple))
			tuple, n = 0, 0
		}
	}
	if n > 0 {
		if n == 1 {
			return nil, errors.New("bad ASCII85 final group")
		}
		for i := n; i < 5; i++ {
			tuple = tuple*85 + 84
		}
		b := []byte{byte(tuple >> 24), byte(tuple >> 16), byte(tuple >> 8), byte(tuple)}
		out = append(out, b[:n-1]...)
	}
	return out, nil
}
