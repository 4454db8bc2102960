package main

import (
	"context"
	"database/sql"
	"flag"
	"os"
	"path/filepath"

	_ "modernc.org/sqlite" // the services database of the demo

	"github.com/ecertkit/ecertkit/httpapi/demo"
)

type demoFlags struct {
	dir, addr, smtp, cert, key string
	tls                        bool
	rate                       float64
}

func init() {
	register(&command{
		name: "demo",
		summary: "Run a complete e-certificate system on one address: a demo PKI and a SQLite registry in DIR,\n" +
			"the sample certificates issued (sealed PDFs and XML), the verification portal, the issuing API,\n" +
			"the pull API (REST, OpenAPI, SOAP) and push. Prints the URLs and a ready curl line; Ctrl-C stops.",
		flags: func(fs *flag.FlagSet) any {
			f := &demoFlags{}
			fs.StringVar(&f.dir, "dir", "", "directory for the demo's files (default: ecert-demo in the system temp directory); reused when it exists")
			fs.StringVar(&f.addr, "addr", "127.0.0.1:8080", "listen address")
			fs.BoolVar(&f.tls, "tls", false, "serve HTTPS with a certificate generated into DIR (or -cert/-key)")
			fs.StringVar(&f.cert, "cert", "", "HTTPS certificate chain PEM file (with -tls)")
			fs.StringVar(&f.key, "key", "", "HTTPS private key PEM file (with -tls)")
			fs.StringVar(&f.smtp, "smtp", "", "SMTP relay host:port for push e-mails to subscribers")
			fs.Float64Var(&f.rate, "rate", 0, "requests per second per client (0: 20; negative: no limit, for load tests)")
			return f
		},
		run: runDemo,
	})
}

func openSQLite(path string) (*sql.DB, error) {
	return sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)")
}

func runDemo(ctx context.Context, e *env, o any, args []string) int {
	f := o.(*demoFlags)
	if len(args) != 0 {
		return fail(e, exitUsage, "demo: no arguments expected")
	}
	if f.dir == "" {
		f.dir = filepath.Join(os.TempDir(), "ecert-demo")
	}
	if (f.cert == "") != (f.key == "") {
		return fail(e, exitUsage, "demo: -cert and -key go together")
	}
	err := demo.Run(ctx, demo.Options{Dir: f.dir, Addr: f.addr, TLS: f.tls || f.cert != "", CertFile: f.cert, KeyFile: f.key,
		OpenDB: openSQLite, Rate: f.rate, SMTP: f.smtp, Out: e.stdout}, nil)
	if err != nil {
		return fail(e, exitNo, "%v", err)
	}
	return exitOK
}
