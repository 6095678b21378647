package resilience

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/safeguard-health/safeguard/internal/auth"
	"github.com/safeguard-health/safeguard/internal/e2e/e2etest"
	"github.com/safeguard-health/safeguard/internal/store"
	"github.com/safeguard-health/safeguard/internal/storetest"
	"github.com/safeguard-health/safeguard/internal/vault"
)

// The load test's size: clients at once, for how long.
const (
	loadClients = 50
	loadFor     = 60 * time.Second
)

// loadReads are the API reads the clients make of the demonstration
// organisation.
var loadReads = []string{"", "/members", "/scorecard", "/risk/assets?limit=50", "/risk/risks", "/risk/vulnerabilities", "/findings/remediation",
	"/checks", "/accounts", "/training/status", "/assessments", "/evidence"}

// 50 clients for a minute of mixed API reads and writes on the
// demonstration, on each engine: no server error, no "database is busy",
// every write the server acknowledged is there afterwards, and the audit
// chain verifies. The median and 99th percentile of the answers are
// printed.
func TestLoad(t *testing.T) {
	bin := e2etest.BuildBinary(t)
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			db := filepath.Join(t.TempDir(), "load.db")
			env := append(os.Environ(), "SAFEGUARD_DB=", "SAFEGUARD_KEYS=")
			if engine == "postgres" {
				db = storetest.PostgresDSN(t)
				env = append(env, "SAFEGUARD_KEYS="+vault.NewKeyLine("2026-12-05"))
			}
			cmd := exec.Command(bin, "demo", "--addr", "127.0.0.1:0", "--db", db, "--log-level", "warn")
			cmd.Env = env
			base, _ := e2etest.Launch(t, "demo", cmd)
			s, err := store.Open(ctx, db, store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			o, err := s.OrganizationBySlug(ctx, "riverside-demo")
			if err != nil {
				t.Fatal(err)
			}
			token, hash := auth.NewAPIToken()
			tok := &auth.APIToken{Name: "load test", Scopes: []auth.Scope{auth.ScopeRead, auth.ScopeWrite}, Hash: hash, Prefix: token[:10], CreatedBy: "load test", ExpiresAt: time.Now().Add(time.Hour)}
			if err := s.Scope(o).CreateAPIToken(ctx, tok); err != nil {
				t.Fatal(err)
			}
			api := base + "api/v1/orgs/riverside-demo"
			client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: loadClients}}
			type outcome struct {
				took            time.Duration
				write, failed   bool
				status          int
				assetID, vulnID string
			}
			var mu sync.Mutex
			var results []outcome
			deadline := time.Now().Add(loadFor)
			var wg sync.WaitGroup
			for c := range loadClients {
				wg.Go(func() {
					rng := rand.New(rand.NewPCG(uint64(c), uint64(time.Now().UnixNano())))
					for n := 0; time.Now().Before(deadline); n++ {
						var req *http.Request
						o := outcome{}
						switch k := rng.IntN(8); {
						case k == 0:
							o.write = true
							body, _ := json.Marshal(map[string]any{"name": fmt.Sprintf("Load laptop %d-%d", c, n), "type": "device", "maintains": true})
							req, _ = http.NewRequest(http.MethodPost, api+"/risk/assets", bytes.NewReader(body))
						case k == 1:
							o.write = true
							body, _ := json.Marshal(map[string]any{"title": fmt.Sprintf("Load weakness %d-%d", c, n)})
							req, _ = http.NewRequest(http.MethodPost, api+"/risk/vulnerabilities", bytes.NewReader(body))
						default:
							req, _ = http.NewRequest(http.MethodGet, api+loadReads[rng.IntN(len(loadReads))], nil)
						}
						req.Header.Set("Authorization", "Bearer "+token)
						req.Header.Set("Content-Type", "application/json")
						start := time.Now()
						resp, err := client.Do(req)
						o.took = time.Since(start)
						if err != nil {
							o.failed = true
						} else {
							o.status = resp.StatusCode
							b, _ := io.ReadAll(resp.Body)
							resp.Body.Close()
							var created struct {
								ID    string `json:"id"`
								Title string `json:"title"`
							}
							if o.write && resp.StatusCode == http.StatusCreated && json.Unmarshal(b, &created) == nil {
								if strings.Contains(req.URL.Path, "/vulnerabilities") {
									o.vulnID = created.ID
								} else {
									o.assetID = created.ID
								}
							}
							o.failed = resp.StatusCode >= 500 || bytes.Contains(b, []byte("the database is busy")) || bytes.Contains(b, []byte("database is locked"))
						}
						mu.Lock()
						results = append(results, o)
						mu.Unlock()
					}
				})
			}
			wg.Wait()
			var times []time.Duration
			writes, failed, unacknowledged := 0, 0, 0
			var assets, vulns []string
			for _, o := range results {
				times = append(times, o.took)
				if o.failed {
					failed++
					if failed <= 5 {
						t.Errorf("a failed answer: status %d after %v", o.status, o.took)
					}
				}
				if o.write {
					writes++
					switch {
					case o.assetID != "":
						assets = append(assets, o.assetID)
					case o.vulnID != "":
						vulns = append(vulns, o.vulnID)
					default:
						unacknowledged++
					}
				}
			}
			slices.Sort(times)
			pct := func(p float64) time.Duration { return times[int(float64(len(times)-1)*p)] }
			t.Logf("%s: %d clients, %v: %d requests (%d writes, %d acknowledged), %d failed; p50 %v, p99 %v, slowest %v",
				engine, loadClients, loadFor, len(results), writes, len(assets)+len(vulns), failed, pct(0.5).Round(time.Millisecond), pct(0.99).Round(time.Millisecond), times[len(times)-1].Round(time.Millisecond))
			if unacknowledged > 0 {
				t.Errorf("%d writes were not acknowledged", unacknowledged)
			}
			// Every acknowledged write is there.
			sc := s.Scope(o)
			for _, id := range assets {
				if _, err := sc.Asset(ctx, id); err != nil {
					t.Errorf("acknowledged asset %s: %v", id, err)
				}
			}
			all, err := sc.Vulnerabilities(ctx)
			if err != nil {
				t.Fatal(err)
			}
			have := map[string]bool{}
			for _, v := range all {
				have[v.ID] = true
			}
			for _, id := range vulns {
				if !have[id] {
					t.Errorf("acknowledged vulnerability %s is missing", id)
				}
			}
			verify := exec.Command(bin, "audit", "verify", "--db", db)
			verify.Env = env
			if out, err := verify.CombinedOutput(); err != nil || !strings.Contains(string(out), "audit log intact") {
				t.Errorf("audit verify: %v\n%s", err, out)
			}
		})
	}
}
