package e2e

import (
	"encoding/json"
	"os/exec"
	"slices"
	"testing"

	"github.com/safeguard-health/safeguard/internal/bench"
	"github.com/safeguard-health/safeguard/internal/e2e/e2etest"
	"github.com/safeguard-health/safeguard/internal/storetest"
)

// `safeguard bench web` loads a small hospital through the imports, serves
// it, and reports every page and API twin, requested many times by
// several clients, each answered without an error, on both engines; the
// server's CPU is measured, and on PostgreSQL the database's too.
func TestBenchWeb(t *testing.T) {
	bin := e2etest.BuildBinary(t)
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			args := []string{"bench", "web", "--findings", "3000", "--assets", "40", "--risks", "60", "--clients", "4", "--seconds", "2", "--json"}
			if engine == "postgres" {
				args = append(args, "--db", storetest.PostgresDSN(t), "--per-page", "0.7")
			}
			out, err := exec.Command(bin, args...).Output()
			if err != nil {
				t.Fatalf("bench web: %v\n%s", err, out)
			}
			var rep bench.WebReport
			if err := json.Unmarshal(out, &rep); err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			var names []string
			for _, p := range rep.Pages {
				names = append(names, p.Name)
				if p.Requests < 2 || p.Errors != 0 || p.P50 <= 0 || p.P50 > p.P95 || p.P95 > p.P99 {
					t.Errorf("%s: %+v", p.Name, p)
				}
			}
			var want []string
			for _, tg := range bench.WebTargets("bench") {
				want = append(want, tg.Name)
			}
			if !slices.Equal(names, want) || rep.Clients != 4 || rep.Seconds < 2 || rep.ServerCPU <= 0 {
				t.Errorf("report: %+v", rep)
			}
			if engine == "postgres" && rep.DatabaseCPU <= 0 {
				t.Errorf("no database CPU measured: %+v", rep)
			}
			// Each page requested alone: what one request costs each side
			// (the database's, in 10 ms ticks, may round to none for the
			// lightest page on a busy machine: summed over the pages).
			database := 0.0
			for _, p := range rep.Pages {
				database += p.DatabaseCPUms
				if engine == "postgres" && p.ServerCPUms <= 0 {
					t.Errorf("%s: the CPU of one request not measured: %+v", p.Name, p)
				}
				if engine == "sqlite" && p.ServerCPUms != 0 {
					t.Errorf("%s: measured alone without --per-page: %+v", p.Name, p)
				}
			}
			if engine == "postgres" && database <= 0 {
				t.Errorf("no page's database CPU measured: %+v", rep.Pages)
			}
		})
	}
}
