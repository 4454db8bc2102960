package httpapi_test

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"

	_ "modernc.org/sqlite"

	"github.com/ecertkit/ecertkit/ecert"
	"github.com/ecertkit/ecertkit/httpapi"
	"github.com/ecertkit/ecertkit/registry"
	"github.com/ecertkit/ecertkit/registry/memory"
)

// Serve a registry's public lookup and authorised pull, hardened, and
// look a certificate up.
func Example() {
	ctx := context.Background()
	reg := memory.New(registry.Options{})
	reg.RegisterBody(ctx, registry.Body{ID: "CNCA-R-2002-001", Name: ecert.Text{"en": "CQC"}, Country: "CN"}, registry.Change{Actor: "admin"})
	data, _ := os.ReadFile(filepath.Join("..", "testdata", "good_ccc.json"))
	c, _ := ecert.Unmarshal(data)
	reg.Issue(ctx, c, registry.Change{Actor: "officer-1"})

	dir, _ := os.MkdirTemp("", "httpapi-example")
	defer os.RemoveAll(dir)
	db, _ := sql.Open("sqlite", filepath.Join(dir, "services.db"))
	defer db.Close()
	st, err := httpapi.OpenStore(ctx, db)
	if err != nil {
		fmt.Println(err)
		return
	}
	api := &httpapi.API{Registry: reg, Store: st}
	srv := httptest.NewServer(httpapi.Harden(api.Handler(), httpapi.HardenOptions{}))
	defer srv.Close()

	resp, _ := http.Get(srv.URL + "/certificates/" + c.Number)
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	fmt.Println("lookup:", resp.Status)
	resp, _ = http.Get(srv.URL + "/certificates?since=0")
	resp.Body.Close()
	fmt.Println("bulk pull without a token:", resp.Status)
	// Output:
	// lookup: 200 OK
	// bulk pull without a token: 401 Unauthorized
}
