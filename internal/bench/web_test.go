package bench

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// The driver counts a failure for every answer but 200 and says what the
// first was; pages get the cookie and the API the token; percentiles are
// by nearest rank.
func TestDrive(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/broken":
			http.Error(w, "no", http.StatusInternalServerError)
		case strings.HasPrefix(r.URL.Path, "/api/") && r.Header.Get("Authorization") != "Bearer tok":
			http.Error(w, "who", http.StatusUnauthorized)
		case !strings.HasPrefix(r.URL.Path, "/api/"):
			if c, err := r.Cookie("s"); err != nil || c.Value != "cookie" {
				http.Error(w, "who", http.StatusUnauthorized)
			}
		}
	}))
	defer srv.Close()
	got := Drive(context.Background(), srv.URL, []Target{{"page", "/page", false}, {"api", "/api/x", true}, {"broken", "/broken", false}},
		3, 300*time.Millisecond, Credentials{CookieName: "s", Cookie: "cookie", Token: "tok"})
	for _, p := range got[:2] {
		if p.Requests == 0 || p.Errors != 0 || p.P99 < p.P50 {
			t.Errorf("%s: %+v", p.Name, p)
		}
	}
	if b := got[2]; b.Requests == 0 || b.Errors != b.Requests || !strings.Contains(b.FirstError, "500") {
		t.Errorf("broken: %+v", b)
	}
	var ms []float64
	for i := 1; i <= 200; i++ {
		ms = append(ms, float64(i))
	}
	if p50, p95, p99 := percentile(ms, 50), percentile(ms, 95), percentile(ms, 99); p50 != 100 || p95 != 190 || p99 != 198 {
		t.Errorf("percentiles of 1..200: %v %v %v", p50, p95, p99)
	}
	if percentile(nil, 99) != 0 || percentile([]float64{7}, 99) != 7 {
		t.Error("percentiles of none and one")
	}
}

// The model of several servers: app servers add requests per second until
// the database's cores are used up; a page with no database CPU (SQLite,
// inside the app) scales with the app servers alone.
func TestThroughput(t *testing.T) {
	for _, c := range []struct {
		n       int
		app, db float64
		want    float64
	}{
		{1, 4, 1, 500},  // two app cores at 4 ms: 500/s; the database could do 2,000
		{4, 4, 1, 2000}, // eight app cores could do 2,000/s, as the database
		{8, 4, 1, 2000}, // more app servers wait on the database
		{2, 10, 0, 400},
	} {
		if got := Throughput(c.n, 2, 2, c.app, c.db); got != c.want {
			t.Errorf("%d servers, %.0f ms app, %.0f ms database: %.0f/s, want %.0f", c.n, c.app, c.db, got, c.want)
		}
	}
}
