package pdfseal

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/ecertkit/ecertkit/internal/testsvc"
	"github.com/ecertkit/ecertkit/internal/testtool"
	"github.com/ecertkit/ecertkit/pdfseal/internal/validate"
	"github.com/ecertkit/ecertkit/signer/testpki"
)

func extendBytes(t testing.TB, in []byte, opts ExtendOptions) ([]byte, *ExtendResult) {
	t.Helper()
	var out bytes.Buffer
	res, err := Extend(context.Background(), bytes.NewReader(in), int64(len(in)), &out, opts)
	if err != nil {
		t.Fatalf("Extend: %v", err)
	}
	if !bytes.Equal(out.Bytes()[:len(in)], in) {
		t.Fatal("Extend changed the original bytes")
	}
	return out.Bytes(), res
}

func levelOf(t testing.TB, data []byte) Level {
	t.Helper()
	r, _ := signatures(t, data)
	sigs, err := findSignatures(r)
	if err != nil {
		t.Fatal(err)
	}
	return currentLevel(r, sigs)
}

func TestExtend(t *testing.T) {
	t.Parallel()
	f := newLTVFixture(t)
	tsa := &TSA{URL: f.tsa.URL}
	bb := sealBytes(t, sealTestPDF(1), f.signer(), SealOptions{})
	if l := levelOf(t, bb); l != LevelBB {
		t.Fatalf("sealed level %v", l)
	}

	// B-B -> B-T: a document time-stamp.
	bt, res := extendBytes(t, bb, ExtendOptions{Level: LevelBT, TSA: tsa})
	if res.From != LevelBB || res.To != LevelBT || levelOf(t, bt) != LevelBT {
		t.Fatalf("B-B -> B-T: %+v, reads as %v", res, levelOf(t, bt))
	}
	sigs := f.pdfsig(t, bt)
	if len(sigs) != 2 || sigs[0].Validation != "Signature is Valid." || sigs[0].CertValidation != "Certificate is Trusted." || !sigs[1].Total {
		t.Errorf("pdfsig after B-T: %+v", sigs)
	}
	_, ss := signatures(t, bt)
	if _, err := validate.VerifyTimestampDigest(ss[1].contents, signedDigest(bt, ss[1].byteRange), validate.Algorithms{}); err != nil {
		t.Errorf("document time-stamp: %v", err)
	}
	// Already there: unchanged.
	same, res := extendBytes(t, bt, ExtendOptions{Level: LevelBT, TSA: tsa})
	if !bytes.Equal(same, bt) || res.BytesAdded != 0 {
		t.Errorf("extending to the current level changed the file (%+v)", res)
	}

	// B-T -> B-LT -> B-LTA.
	lt, res := extendBytes(t, bt, ExtendOptions{Level: LevelBLT})
	if res.To != LevelBLT || levelOf(t, lt) != LevelBLT {
		t.Fatalf("B-T -> B-LT: %+v", res)
	}
	r, _ := signatures(t, lt)
	cat, _, _ := r.Catalog()
	dss, _ := r.Dict(cat["DSS"])
	if n := len(dssItems(t, r, dss, "OCSPs")); n != 2 {
		t.Errorf("DSS after B-LT has %d OCSP responses, want 2 (seal, TSA)", n)
	}
	vri, _ := r.Dict(dss["VRI"])
	if len(vri) != 2 {
		t.Errorf("VRI has %d entries, want 2", len(vri))
	}
	lta, res := extendBytes(t, lt, ExtendOptions{Level: LevelBLTA, TSA: tsa})
	if res.To != LevelBLTA || levelOf(t, lta) != LevelBLTA {
		t.Fatalf("B-LT -> B-LTA: %+v", res)
	}
	sigs = f.pdfsig(t, lta)
	if len(sigs) != 3 || sigs[0].Validation != "Signature is Valid." || !sigs[2].Total {
		t.Errorf("pdfsig after B-LTA: %+v", sigs)
	}
	mutoolUnchanged(t, lta[:ss[0].byteRange[2]+ss[0].byteRange[3]])
	rep, err := Verify(context.Background(), bytes.NewReader(lta), int64(len(lta)), VerifyOptions{Roots: f.pki.Roots()})
	if err != nil || rep.Indication != TotalPassed {
		t.Errorf("Verify after B-LTA: %v %v %v: %s", err, rep.Indication, rep.SubIndication, rep.Explanation)
	}

	// B-T with a signature time-stamp straight to B-LTA.
	st := sealBytes(t, sealTestPDF(1), f.signer(), SealOptions{Level: LevelBT, TSA: tsa})
	lta2, res := extendBytes(t, st, ExtendOptions{Level: LevelBLTA, TSA: tsa})
	if res.From != LevelBT || res.To != LevelBLTA || levelOf(t, lta2) != LevelBLTA {
		t.Errorf("B-T -> B-LTA: %+v", res)
	}
}

func TestExtendErrors(t *testing.T) {
	t.Parallel()
	f := newSealFixture(t, testpki.Options{})
	ctx := context.Background()
	var out bytes.Buffer
	in := sealTestPDF(1)
	if _, err := Extend(ctx, bytes.NewReader(in), int64(len(in)), &out, ExtendOptions{Level: LevelBT, TSA: &TSA{URL: "http://127.0.0.1:1/"}}); !errors.Is(err, ErrNoSignature) {
		t.Errorf("unsigned: %v", err)
	}
	bb := sealBytes(t, in, f.signer(), SealOptions{})
	if _, err := Extend(ctx, bytes.NewReader(bb), int64(len(bb)), &out, ExtendOptions{Level: LevelBT}); !errors.Is(err, ErrOptions) {
		t.Errorf("no TSA: %v", err)
	}
	if _, err := Extend(ctx, bytes.NewReader(bb), int64(len(bb)), &out, ExtendOptions{Level: LevelBB}); !errors.Is(err, ErrOptions) {
		t.Errorf("to B-B: %v", err)
	}
	if out.Len() != 0 {
		t.Errorf("%d bytes written on errors", out.Len())
	}
}

func TestExtendInterop(t *testing.T) {
	t.Parallel()
	dir := testtool.Shared(t, "interop")
	f := newSealFixture(t, testpki.Options{})
	tsa := testsvc.StartOpenSSLTSA(t, f.pki, f.dir)
	in, err := os.ReadFile(filepath.Join(dir, "pyhanko-pades-approval.pdf"))
	if err != nil {
		t.Fatal(err)
	}
	out, res := extendBytes(t, in, ExtendOptions{Level: LevelBLTA, TSA: &TSA{URL: tsa.URL}})
	if res.From != LevelBB || res.To != LevelBLTA {
		t.Errorf("%+v", res)
	}
	sigs := f.pdfsig(t, out)
	if len(sigs) != 3 || sigs[0].Validation != "Signature is Valid." {
		t.Errorf("pdfsig: %+v", sigs)
	}
}
