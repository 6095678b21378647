package web_test

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/safeguard-health/safeguard/internal/auth"
	"github.com/safeguard-health/safeguard/internal/storetest"
)

// The reconciliation page and API: an Intune export uploaded, its devices
// listed as missing from the inventory, some added in the browser and the
// rest through the API; a contributor sees the page without the action.
func TestReconcileInventory(t *testing.T) {
	s := storetest.SQLite(t)
	srv, h := newServerAndHandler(t, s)
	c := newClient(t)
	post(t, c, srv.URL+"/setup", setupForm)
	base := srv.URL + "/orgs/riverside"
	export, err := os.ReadFile(filepath.Join("..", "ingest", "testdata", "intune-devices.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if resp, body := upload(t, c, base+"/imports", "DevicesWithInventory.csv", export, nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("upload: %d\n%s", resp.StatusCode, body)
	}
	h.Wait()
	// The devices, and those a device check counts against.
	_, body := fetch(t, c, base+"/devices")
	for _, want := range []string{"RFC-LT-07", "Microsoft Intune devices", "<strong>no</strong>", "10.0.22631.4460", "Priya Shah"} {
		if !strings.Contains(body, want) {
			t.Errorf("the devices page lacks %q", want)
		}
	}
	if _, body = fetch(t, c, base+"/devices?attention=1"); !strings.Contains(body, "Galaxy Tab A8") || strings.Contains(body, "RFC-LT-09") {
		t.Errorf("the devices needing attention:\n%s", body)
	}
	if resp, _ := fetch(t, c, base+"/devices?source=nessus"); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("a source that is not a device export: %d", resp.StatusCode)
	}
	_, body = fetch(t, c, base+"/risk/assets/reconcile")
	for _, want := range []string{"Missing from the inventory (8)", "RFC-LT-07", "Microsoft Intune devices", "5CD3451XYZ", "Add all 8 to the inventory"} {
		if !strings.Contains(body, want) {
			t.Errorf("the reconciliation page lacks %q", want)
		}
	}
	resp, _ := post(t, c, base+"/risk/assets/reconcile", url.Values{"key": {"device:rfc-lt-07", "device:rfc-lt-09"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("add two: %d", resp.StatusCode)
	}
	_, body = fetch(t, c, srv.URL+resp.Header.Get("Location"))
	if !strings.Contains(body, "Added 2 to the inventory") || !strings.Contains(body, "Missing from the inventory (6)") {
		t.Errorf("after adding two:\n%s", body)
	}
	if resp, body := post(t, c, base+"/risk/assets/reconcile", url.Values{"key": {"device:rfc-lt-07"}}); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "is not missing from the inventory") {
		t.Errorf("adding one twice: %d", resp.StatusCode)
	}
	if _, body := fetch(t, c, base+"/risk/assets"); !strings.Contains(body, "RFC-LT-07") {
		t.Error("the inventory lacks the device added")
	}

	ctx := context.Background()
	o, err := s.ResolveOrganization(ctx, "riverside")
	if err != nil {
		t.Fatal(err)
	}
	token, hash := auth.NewAPIToken()
	if err := s.Scope(o).CreateAPIToken(ctx, &auth.APIToken{Name: "script", Scopes: []auth.Scope{auth.ScopeRead, auth.ScopeWrite}, Hash: hash, Prefix: token[:10], CreatedBy: "test", ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	api := apiClient{t, srv.URL + "/api/v1/orgs/riverside", token}
	if code, out := api.do("GET", "/devices?attention=1&limit=1", nil); code != 200 || out["total"] != float64(2) || len(out["devices"].([]any)) != 1 {
		t.Errorf("GET devices: %d %v", code, out)
	}
	code, out := api.do("GET", "/inventory/reconciliation", nil)
	missing, _ := out["missing"].([]any)
	if code != 200 || len(missing) != 6 || out["window_days"] != float64(90) {
		t.Fatalf("GET reconciliation: %d %v", code, out)
	}
	code, out = api.do("POST", "/inventory/reconciliation/add", map[string]any{"keys": []string{"all"}})
	if added, _ := out["added"].([]any); code != http.StatusCreated || len(added) != 6 {
		t.Errorf("POST add all: %d %v", code, out)
	}
	if code, out = api.do("GET", "/inventory/reconciliation", nil); code != 200 || len(out["missing"].([]any)) != 0 {
		t.Errorf("after adding all: %v", out)
	}
}
