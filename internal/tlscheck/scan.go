package tlscheck

import (
	"context"
	"sync"
)

// Scan checks endpoints, at most workers at a time (4 when 0), and hands
// each result to each as it is ready, in no set order; it keeps none of
// them, so a scan of thousands holds no more than workers results at
// once. It returns when every endpoint is done or ctx ends (those not
// begun are then reported unknown, with ctx's error).
func Scan(ctx context.Context, endpoints []string, o Options, workers int, each func(*Result)) {
	if workers <= 0 {
		workers = 4
	}
	work := make(chan string)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range min(workers, len(endpoints)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for e := range work {
				r := Check(ctx, e, o)
				mu.Lock()
				each(r)
				mu.Unlock()
			}
		}()
	}
	for _, e := range endpoints {
		if ctx.Err() != nil {
			mu.Lock()
			each(&Result{Endpoint: e, Status: Unknown, Error: ctx.Err().Error(), Source: "safeguard", Versions: []Version{}, Ciphers: []Cipher{}, Findings: []Finding{}, NotProbed: notSpoken})
			mu.Unlock()
			continue
		}
		work <- e
	}
	close(work)
	wg.Wait()
}
