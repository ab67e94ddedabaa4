package store_test

import (
	"testing"

	"github.com/welllog/digitiser/pkg/store"
	"github.com/welllog/digitiser/pkg/store/storetest"
)

func TestMemoryConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) (store.Store, string) {
		return store.NewMemory(), "scans"
	})
}
