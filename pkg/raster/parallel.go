package raster

import (
	"runtime"
	"sync"
)

// parallelBands runs fn over the row bands [top, bottom) of a strip h px
// tall, band rows at a time, on at most workers goroutines (0 means
// GOMAXPROCS). Bands are handed out in order; fn must only write state that
// belongs to its band.
func parallelBands(h, band, workers int, fn func(top, bottom int)) {
	if band <= 0 {
		band = h
	}
	n := (h + band - 1) / band
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	if workers > n {
		workers = n
	}
	if workers <= 1 {
		for top := 0; top < h; top += band {
			fn(top, min(top+band, h))
		}
		return
	}

	next := make(chan int, n)
	for i := 0; i < n; i++ {
		next <- i
	}
	close(next)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				top := i * band
				fn(top, min(top+band, h))
			}
		}()
	}
	wg.Wait()
}
