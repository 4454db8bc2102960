// Package bench compares ecertkit with other PDF signing libraries in one
// benchmark run. It is a module of its own so that the libraries compared
// (github.com/digitorus/pdfsign) never become dependencies of ecertkit.
//
//	cd bench && go test -run '^$' -bench . -benchmem -count 5
package bench
