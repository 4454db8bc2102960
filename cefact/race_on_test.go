//go:build race

package cefact

const raceEnabled = true
