package memory_test

import (
	"testing"

	"github.com/ecertkit/ecertkit/registry"
	"github.com/ecertkit/ecertkit/registry/memory"
	"github.com/ecertkit/ecertkit/registry/registrytest"
)

func TestConformance(t *testing.T) {
	registrytest.Run(t, func(t *testing.T, opts registry.Options) *registry.Registry {
		return memory.New(opts)
	})
}
