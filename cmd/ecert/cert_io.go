package main

import (
	"os"

	"github.com/ecertkit/ecertkit/ecert"
)

// readCert reads a certificate JSON file ("-" for standard input).
func readCert(e *env, path string) (*ecert.Certificate, error) {
	if path == "-" {
		return ecert.Decode(e.stdin)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ecert.Decode(f)
}
