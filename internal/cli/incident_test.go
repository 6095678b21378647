package cli_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/safeguard-health/safeguard/internal/notify/smtptest"
)

// The demo clinic's incident through the command line: a lost phone,
// closed, assessed as not a breach on each of the four factors.
func TestDemoIncident(t *testing.T) {
	db := seededDemo(t)
	code, out, errOut := run(t, "incident", "list", "--json", "--db", db)
	if code != 0 {
		t.Fatal(errOut)
	}
	var vs []struct {
		Ref, Title, Phase string
		PHI               bool
		Assessment        struct {
			Conclusion string
			Factors    []string
		}
		Deadlines []any
	}
	if err := json.Unmarshal([]byte(out), &vs); err != nil {
		t.Fatal(err)
	}
	if len(vs) != 1 || vs[0].Ref != "INC-001" || vs[0].Phase != "closed" || !vs[0].PHI || vs[0].Assessment.Conclusion != "low-probability" || len(vs[0].Assessment.Factors) != 4 || len(vs[0].Deadlines) != 0 {
		t.Fatalf("the demo's incidents: %+v", vs)
	}
	_, out, _ = run(t, "incident", "show", "inc-001", "--db", db)
	for _, want := range []string{"INC-001 Nurse's phone", "closed", "a low probability that the PHI was compromised", "Factor 4", "remote wipe confirmed by Intune"} {
		if !strings.Contains(out, want) {
			t.Errorf("incident show lacks %q:\n%s", want, out)
		}
	}
	if code, _, errOut := run(t, "incident", "show", "INC-009", "--db", db); code == 0 || !strings.Contains(errOut, "incident not found") {
		t.Errorf("an unknown incident: %d %s", code, errOut)
	}
	_, out, _ = run(t, "incident", "log", "--db", db)
	if !strings.Contains(out, "YEAR") || !strings.Contains(out, "45 CFR 164.408(c)") {
		t.Errorf("incident log:\n%s", out)
	}
	_, out, _ = run(t, "incident", "plan", "--db", db)
	if !strings.Contains(out, "overdue: version 1, approved") || !strings.Contains(out, "5 playbooks") {
		t.Errorf("incident plan:\n%s", out)
	}
	pdfPath := filepath.Join(t.TempDir(), "plan.pdf")
	if code, out, errOut := run(t, "incident", "plan", "--pdf", pdfPath, "--db", db); code != 0 || !strings.Contains(out, "version 1") {
		t.Fatalf("incident plan --pdf: %d %s %s", code, out, errOut)
	}
	if b, err := os.ReadFile(pdfPath); err != nil || !bytes.HasPrefix(b, []byte("%PDF")) {
		t.Errorf("the plan's PDF: %v", err)
	}
	_, out, _ = run(t, "incident", "exercises", "--db", db)
	if !strings.Contains(out, "Ransomware tabletop") || !strings.Contains(out, "2, 2 tracked") || !strings.Contains(out, "in-progress, due") {
		t.Errorf("incident exercises:\n%s", out)
	}
	if code, _, errOut := run(t, "incident", "send-reminders", "--db", db); code == 0 || !strings.Contains(errOut, "--smtp: name the mail server") {
		t.Errorf("send-reminders without a mail server: %d %s", code, errOut)
	}
	box := smtptest.Start(t)
	if code, out, errOut := run(t, "incident", "send-reminders", "--smtp", "smtp+plain://"+box.Addr, "--smtp-from", "safeguard@riverside.example", "--db", db); code != 0 ||
		!strings.Contains(out, "0 breach notification reminder(s) sent through smtp+plain://"+box.Addr) || len(box.Messages()) != 0 {
		t.Errorf("send-reminders with no breach: %d %s %s", code, out, errOut)
	}
	_, out, _ = run(t, "contingency", "--json", "--db", db)
	var c struct {
		Systems []struct {
			Asset  struct{ Name string }
			Backup string
			Jobs   []struct {
				Job      string
				Runs     int
				Failures int
			}
		}
		Unassigned []any `json:"unassigned_jobs"`
	}
	if err := json.Unmarshal([]byte(out), &c); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, s := range c.Systems {
		if s.Asset.Name == "File server and backup NAS" {
			found = true
			if s.Backup != "planned" || len(s.Jobs) != 2 || s.Jobs[0].Runs != 14 || s.Jobs[0].Failures != 0 {
				t.Errorf("the file server's backup jobs: %+v", s)
			}
		}
	}
	if !found {
		t.Error("no file server in the demo's plan")
	}
	if len(c.Unassigned) != 0 {
		t.Errorf("unassigned jobs in the demo: %v", c.Unassigned)
	}
	_, out, _ = run(t, "contingency", "--db", db)
	for _, want := range []string{"File server and backup NAS", "24 h", "over-objective", "Cloud EHR", "not-needed", "Proposed, not in force", "NEWEST SUCCESS"} {
		if !strings.Contains(out, want) {
			t.Errorf("safeguard contingency lacks %q:\n%s", want, out)
		}
	}
}
