package cli_test

import (
	"encoding/json"
	"strings"
	"testing"
)

// `safeguard todo` lists what the demo clinic should do next, most urgent
// first, each item naming the page to act on: the overdue before the
// failing checks, the checks before what is still to answer, the essential
// goals not met last; --json gives the same list as the API.
func TestTodoOfTheDemo(t *testing.T) {
	db := seededDemo(t)
	code, out, errOut := run(t, "todo", "--json", "--db", db)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var l struct {
		Organization string
		Items        []struct {
			Kind, Title, Detail, Link, Cite, Due string
			Urgency                              int
			DaysOverdue                          int `json:"days_overdue"`
		}
	}
	if err := json.Unmarshal([]byte(out), &l); err != nil {
		t.Fatal(err)
	}
	if l.Organization != "riverside-demo" || len(l.Items) < 10 {
		t.Fatalf("%s: %d items", l.Organization, len(l.Items))
	}
	kinds := map[string]int{}
	for i, it := range l.Items {
		kinds[it.Kind]++
		if i > 0 && it.Urgency < l.Items[i-1].Urgency {
			t.Errorf("item %d (%s, urgency %d) after urgency %d", i, it.Title, it.Urgency, l.Items[i-1].Urgency)
		}
		if i > 0 && it.Urgency == l.Items[i-1].Urgency && it.DaysOverdue > l.Items[i-1].DaysOverdue {
			t.Errorf("item %d (%s) is %d days overdue, after one of %d", i, it.Title, it.DaysOverdue, l.Items[i-1].DaysOverdue)
		}
		if !strings.HasPrefix(it.Link, "/orgs/riverside-demo/") {
			t.Errorf("%s links to %q", it.Title, it.Link)
		}
	}
	// What the demo holds: an agreement past its review, an expired
	// acceptance, late plan actions, late training, twenty-one failing checks
	// (its incident response plan's review overdue; the file server's restore
	// test over its objective; five of accounts and scans, five of its email domains and reports,
	// one of its TLS endpoints, one of its data flows: the X-ray images over
	// SMB; two of its devices: unencrypted laptops and a PC on Windows 10;
	// its inventory, which lacks the devices, a scanned host and the
	// patient portal; and four of its vendors: the billing service's
	// agreement ended and the answering service's missing, and tier 1
	// vendors whose agreements state neither the goals' cybersecurity
	// requirements, vulnerability disclosure nor an incident notice time),
	// items of the Security Rule assessment to answer and decide,
	// essential goals not met, and a scanned host the inventory lacks.
	for kind, want := range map[string]int{"evidence": 1, "acceptance": 1, "actions": 1, "training": 1, "check": 21, "answers": 1, "decisions": 1, "hosts": 1} {
		if kinds[kind] != want {
			t.Errorf("%d items of kind %s, want %d (%v)", kinds[kind], kind, want, kinds)
		}
	}
	if kinds["goal"] == 0 {
		t.Error("no essential goal not met")
	}
	first := l.Items[0]
	if first.Kind != "evidence" || first.DaysOverdue < 30 || !strings.Contains(first.Title, "Business associate agreement") {
		t.Errorf("first item: %+v", first)
	}

	code, text, errOut := run(t, "todo", "--db", db)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(text, "1. Review Business associate agreement") || !strings.Contains(text, "Fix: Multifactor authentication [failing check]") {
		t.Errorf("todo:\n%s", text)
	}
}
