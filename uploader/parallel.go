package uploader

import "sync"

// parallelWrites is how many journal writes of job records may wait at
// once; concurrent writes share the journal's batched commits.
const parallelWrites = 256

// forEach calls fn for every item, at most limit calls at a time, and
// returns when all have returned.
func forEach[T any](items []T, limit int, fn func(T)) {
	sem := make(chan struct{}, limit)
	var wg sync.WaitGroup
	for _, it := range items {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			fn(it)
		}()
	}
	wg.Wait()
}
