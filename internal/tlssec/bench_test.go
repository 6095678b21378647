package tlssec_test

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/safeguard-health/safeguard/internal/org"
	"github.com/safeguard-health/safeguard/internal/storetest"
	"github.com/safeguard-health/safeguard/internal/tlscheck/tlstest"
	"github.com/safeguard-health/safeguard/internal/tlssec"
)

// A probe of 1,000 endpoints, served by 20 loopback HTTPS servers under
// names of their own (a wildcard certificate), recorded in a SQLite
// store: it runs DefaultWorkers endpoints at a time, and its memory does
// not grow with the endpoints beyond their results. Reported: the peak of
// connections open at once and of the heap in use, sampled every 10 ms.
//
//	go test ./internal/tlssec -run XXX -bench ProbeThousand -benchtime 1x -count 3
func BenchmarkProbeThousand(b *testing.B) {
	const endpoints, servers = 1000, 20
	ca, err := tlstest.NewCA()
	if err != nil {
		b.Fatal(err)
	}
	cert, err := ca.Issue(tlstest.Leaf{Names: []string{"*.bench.riverside.example"}})
	if err != nil {
		b.Fatal(err)
	}
	hsts := "max-age=63072000"
	var addrs []string
	for range servers {
		s, err := tlstest.Serve(&tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12, CipherSuites: []uint16{
			tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256}}, &hsts)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(s.Close)
		addrs = append(addrs, s.Addr)
	}
	names := map[string]string{}
	var list []string
	for i := range endpoints {
		e := fmt.Sprintf("host%04d.bench.riverside.example:443", i)
		names[e] = addrs[i%servers]
		list = append(list, e)
	}
	var open, peakOpen atomic.Int64
	dial := tlstest.Dialer(names)
	svc := &tlssec.Service{Timeout: 10 * time.Second, Roots: ca.Pool, Dial: func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		n := open.Add(1)
		for p := peakOpen.Load(); n > p && !peakOpen.CompareAndSwap(p, n); p = peakOpen.Load() {
		}
		return &closeCounted{Conn: c, open: &open}, nil
	}}
	s := storetest.SQLite(b)
	ctx := context.Background()
	o := &org.Organization{Slug: "bench", Name: "Bench", EntityType: org.Provider, WorkforceSize: 5000, Sites: 10}
	if err := s.CreateOrganization(ctx, o); err != nil {
		b.Fatal(err)
	}
	sc := s.Scope(o)
	b.ResetTimer()
	var peakHeap uint64
	for range b.N {
		runtime.GC()
		stop := make(chan struct{})
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			var m runtime.MemStats
			for {
				runtime.ReadMemStats(&m)
				peakHeap = max(peakHeap, m.HeapInuse)
				select {
				case <-stop:
					return
				case <-time.After(10 * time.Millisecond):
				}
			}
		}()
		out, err := svc.ProbeEndpoints(ctx, sc, list)
		close(stop)
		wg.Wait()
		if err != nil {
			b.Fatal(err)
		}
		if len(out.Results) != endpoints {
			b.Fatalf("%d results", len(out.Results))
		}
		for _, r := range out.Results {
			if r.Status != "pass" {
				b.Fatalf("%s: %s %v %s", r.Endpoint, r.Status, r.Findings, r.Error)
			}
		}
	}
	b.ReportMetric(float64(peakOpen.Load()), "peak-conns")
	b.ReportMetric(float64(peakHeap)/(1<<20), "peak-heap-MiB")
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N)/endpoints, "ms/endpoint")
}

type closeCounted struct {
	net.Conn
	once sync.Once
	open *atomic.Int64
}

func (c *closeCounted) Close() error {
	c.once.Do(func() { c.open.Add(-1) })
	return c.Conn.Close()
}
