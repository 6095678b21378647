package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"
)

// A Target is one page or API operation the web benchmark requests, its
// Path relative to the server's address; API targets send the bearer
// token, pages the session cookie.
type Target struct {
	Name string
	Path string
	API  bool
}

// WebTargets are the pages the benchmark drives, and their API twins, for
// the organisation slug.
func WebTargets(slug string) []Target {
	o, api := "/orgs/"+slug, "/api/v1/orgs/"+slug
	return []Target{
		{"home", o, false},
		{"scorecard", o + "/scorecard", false},
		{"findings", o + "/findings", false},
		{"risk register", o + "/risk/register", false},
		{"risk overview", o + "/risk", false},
		{"accounts", o + "/accounts", false},
		{"api: organisation", api, true},
		{"api: scorecard", api + "/scorecard", true},
		{"api: remediation", api + "/findings/remediation", true},
		{"api: trend", api + "/findings/trend", true},
		{"api: risks", api + "/risk/risks", true},
		{"api: accounts", api + "/accounts", true},
	}
}

// PageStats is what the clients measured of one target: latency
// percentiles in milliseconds, requests made and those that failed (an
// error or a status other than 200).
type PageStats struct {
	Name     string  `json:"name"`
	P50      float64 `json:"p50_ms"`
	P95      float64 `json:"p95_ms"`
	P99      float64 `json:"p99_ms"`
	Requests int     `json:"requests"`
	Errors   int     `json:"errors"`
	// FirstError says what went wrong, once, when something did.
	FirstError string `json:"first_error,omitempty"`
	// The CPU time one request of this target costs, measured by
	// requesting it alone (bench web --per-page): the server's process
	// and, on PostgreSQL on this machine, the database's.
	ServerCPUms   float64 `json:"server_cpu_ms_per_request,omitempty"`
	DatabaseCPUms float64 `json:"database_cpu_ms_per_request,omitempty"`
}

// WebReport is one run of the web benchmark.
type WebReport struct {
	Scenario string      `json:"scenario"`
	Clients  int         `json:"clients"`
	Seconds  float64     `json:"seconds"` // wall time of the drive
	Pages    []PageStats `json:"pages"`
	// CPU seconds used during the drive: the server's process, and (on
	// PostgreSQL on this machine) the database's processes.
	ServerCPU   float64 `json:"server_cpu_s"`
	DatabaseCPU float64 `json:"database_cpu_s,omitempty"`
}

// Credentials are how the clients sign in: a session cookie for the
// pages, a bearer token for the API.
type Credentials struct {
	CookieName, Cookie string
	Token              string
}

// Drive runs clients concurrent clients against base for d: each requests
// the targets in turn (client i starting at the i-th), timing each
// response read to its end.
func Drive(ctx context.Context, base string, targets []Target, clients int, d time.Duration, cred Credentials) []PageStats {
	transport := &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients}
	defer transport.CloseIdleConnections()
	hc := &http.Client{Transport: transport, Timeout: 5 * time.Minute,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	type sample struct {
		ms  float64
		err string
	}
	var mu sync.Mutex
	samples := make([][]sample, len(targets))
	var wg sync.WaitGroup
	for c := range clients {
		wg.Go(func() {
			for i := c; ctx.Err() == nil; i++ {
				k := i % len(targets)
				t := targets[k]
				req, err := http.NewRequestWithContext(context.WithoutCancel(ctx), http.MethodGet, base+t.Path, nil)
				if err != nil {
					panic(err) // the targets are the program's own
				}
				if t.API {
					req.Header.Set("Authorization", "Bearer "+cred.Token)
				} else {
					req.AddCookie(&http.Cookie{Name: cred.CookieName, Value: cred.Cookie})
				}
				start := time.Now()
				s := sample{}
				resp, err := hc.Do(req)
				if err == nil {
					_, err = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if err == nil && resp.StatusCode != http.StatusOK {
						err = fmt.Errorf("%s: %s", t.Path, resp.Status)
					}
				}
				s.ms = float64(time.Since(start).Microseconds()) / 1000
				if err != nil {
					s.err = err.Error()
				}
				mu.Lock()
				samples[k] = append(samples[k], s)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	out := make([]PageStats, len(targets))
	for k, t := range targets {
		p := PageStats{Name: t.Name, Requests: len(samples[k])}
		var ms []float64
		for _, s := range samples[k] {
			ms = append(ms, s.ms)
			if s.err != "" {
				p.Errors++
				if p.FirstError == "" {
					p.FirstError = s.err
				}
			}
		}
		slices.Sort(ms)
		p.P50, p.P95, p.P99 = percentile(ms, 50), percentile(ms, 95), percentile(ms, 99)
		out[k] = p
	}
	return out
}

// percentile is the nearest-rank percentile of sorted values (0 for none).
func percentile(sorted []float64, p int) float64 {
	if len(sorted) == 0 {
		return 0
	}
	rank := (p*len(sorted) + 99) / 100 // ceil(p/100 × n)
	return sorted[max(rank, 1)-1]
}

// Write prints the report as a table.
func (r *WebReport) Write(w io.Writer) {
	fmt.Fprintf(w, "%s\n%d clients for %.1f s; CPU during the drive: server %.1f s", r.Scenario, r.Clients, r.Seconds, r.ServerCPU)
	if r.DatabaseCPU > 0 {
		fmt.Fprintf(w, ", database %.1f s", r.DatabaseCPU)
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "page\tp50 ms\tp95 ms\tp99 ms\trequests\terrors\t")
	for _, p := range r.Pages {
		fmt.Fprintf(tw, "%s\t%.1f\t%.1f\t%.1f\t%d\t%d\t\n", p.Name, p.P50, p.P95, p.P99, p.Requests, p.Errors)
	}
	tw.Flush()
	for _, p := range r.Pages {
		if p.FirstError != "" {
			fmt.Fprintf(w, "%s: %s\n", p.Name, p.FirstError)
		}
	}
	if !slices.ContainsFunc(r.Pages, func(p PageStats) bool { return p.ServerCPUms > 0 }) {
		return
	}
	// The model of several servers: a page's requests per second are
	// bounded by the app servers' cores over its app CPU per request and
	// by the database's cores over its database CPU per request.
	fmt.Fprintln(w, "\nCPU per request, each page requested alone, and the requests per second the model gives")
	fmt.Fprintln(w, "(N app servers of 2 cores on separate hosts, one database of 2 cores: min(N × 2000 / app ms, 2000 / database ms)):")
	tw = tabwriter.NewWriter(w, 2, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "page	app ms	database ms	N=1	N=2	N=4	N=8	")
	for _, p := range r.Pages {
		fmt.Fprintf(tw, "%s\t%.2f\t%.2f\t", p.Name, p.ServerCPUms, p.DatabaseCPUms)
		for _, n := range []int{1, 2, 4, 8} {
			fmt.Fprintf(tw, "%.0f\t", Throughput(n, 2, 2, p.ServerCPUms, p.DatabaseCPUms))
		}
		fmt.Fprintln(tw)
	}
	tw.Flush()
}

// Throughput is the requests per second of one page that n app servers
// of appCores cores each, on separate hosts, and one database of dbCores
// cores reach when the page costs appMS of app CPU and dbMS of database
// CPU per request: whichever of the two is used up first bounds it.
// (Network, locks and cache misses are outside the model: it is an upper
// bound from CPU alone.)
func Throughput(n, appCores, dbCores int, appMS, dbMS float64) float64 {
	x := float64(n*appCores) * 1000 / appMS
	if dbMS > 0 {
		x = min(x, float64(dbCores)*1000/dbMS)
	}
	return x
}

// WriteJSON prints the report as JSON.
func (r *WebReport) WriteJSON(w io.Writer) error {
	e := json.NewEncoder(w)
	e.SetIndent("", "  ")
	return e.Encode(r)
}

// ProcessCPU is the CPU time (user and system) a process and its children
// that ended (and were waited for) have used, from /proc; 0 where /proc
// cannot tell. A PostgreSQL server's postmaster so carries the time of the
// backends of connections that closed.
func ProcessCPU(pid int) float64 {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return 0
	}
	// The fields after the command name (which may hold spaces) in ")".
	_, rest, ok := strings.Cut(string(b), ") ")
	if !ok {
		return 0
	}
	f := strings.Fields(rest)
	if len(f) < 15 {
		return 0
	}
	total := 0.0
	for _, i := range []int{11, 12, 13, 14} { // utime, stime, cutime, cstime
		v, _ := strconv.ParseFloat(f[i], 64)
		total += v
	}
	return total / clockTicks
}

// clockTicks is the kernel's USER_HZ, the unit of /proc's CPU times: 100
// on every Linux platform Go runs on.
const clockTicks = 100

// NamedCPU is the CPU time used by every process of this machine whose
// command is name (the PostgreSQL server's processes, say).
func NamedCPU(name string) float64 {
	dirs, err := os.ReadDir("/proc")
	if err != nil {
		return 0
	}
	total := 0.0
	for _, d := range dirs {
		pid, err := strconv.Atoi(d.Name())
		if err != nil {
			continue
		}
		if comm, err := os.ReadFile(filepath.Join("/proc", d.Name(), "comm")); err == nil && strings.TrimSpace(string(comm)) == name {
			total += ProcessCPU(pid)
		}
	}
	return total
}
