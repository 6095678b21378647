// Package bench generates realistic synthetic data in the real formats
// (an HR roster, an account export, an ePHI inventory, Trivy JSON reports,
// Nessus v2 files and the same Nessus findings as Nessus's CSV export) and
// measures Safeguard importing and checking it against the sqlite3
// command-line tool doing the same work.
package bench

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

var (
	firstNames = []string{"Olivia", "Liam", "Emma", "Noah", "Ava", "Elijah", "Sophia", "Mateo", "Isabella", "Lucas", "Mia", "Levi", "Amelia", "Asher", "Harper", "James", "Evelyn", "Leo", "Aria", "Ethan", "Priya", "Wei", "Fatima", "Kwame", "Yuki", "Santiago", "Aisha", "Dmitri", "Chloe", "Omar"}
	lastNames  = []string{"Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin", "Lee", "Perez", "Thompson", "White", "Harris", "Nguyen", "Patel", "Kim", "Okafor", "Silva"}
	titles     = []string{"Registered nurse", "Physician", "Medical assistant", "Front desk", "Billing specialist", "Pharmacist", "Radiology technician", "Lab technician", "IT analyst", "Nurse manager", "Social worker", "Physical therapist"}
	depts      = []string{"Emergency", "Cardiology", "Oncology", "Pediatrics", "Radiology", "Laboratory", "Pharmacy", "Billing", "IT", "Administration", "Surgery", "Primary care"}
	access     = []string{"view", "modify", "view", "modify", "none", "administer"}
)

// The columns of the generated files: an HR system's roster export, the
// account export in Safeguard's account CSV, the ePHI inventory in the
// inventory import's columns, and Nessus's CSV export (the baseline's
// twin of the Nessus file).
var (
	RosterColumns    = []string{"Employee Number", "Legal First Name", "Legal Last Name", "Work Email", "Job Title", "Department", "Manager ID", "Worker Type", "Hire Date", "Termination Date", "ePHI Access"}
	AccountColumns   = []string{"account", "name", "email", "employee_id", "enabled", "kind", "created", "last_login", "password_last_set", "password_never_expires", "mfa", "privileged", "mailbox", "remote_access", "groups"}
	InventoryColumns = []string{"Name", "Type", "Description", "Creates", "Receives", "Maintains", "Transmits", "Records", "Owner", "Location", "Vendor", "Criticality", "Internet facing", "Identifiers"}
	NessusCSVColumns = []string{"Plugin ID", "CVE", "CVSS v3.0 Base Score", "Risk", "Host", "Protocol", "Port", "Name", "Synopsis"}
)

// Identity is the identity scenario's files.
type Identity struct {
	Roster, Accounts string
	People, Logins   int
}

// GenIdentity writes an HR roster of people rows and an account export
// (Safeguard's account CSV) of accounts rows to dir: most accounts belong
// to someone on the roster (by employee id), some to people who left,
// some are service or shared accounts; MFA, privilege, mailbox, remote
// access and sign-in dates are spread as a hospital's are.
func GenIdentity(dir string, people, accounts int, now time.Time) (*Identity, error) {
	r := rand.New(rand.NewPCG(7, 23))
	out := &Identity{Roster: filepath.Join(dir, "roster.csv"), Accounts: filepath.Join(dir, "accounts.csv"), People: people, Logins: accounts}
	day := func(daysAgo int) string { return now.AddDate(0, 0, -daysAgo).Format(time.DateOnly) }
	err := writeCSV(out.Roster, RosterColumns, people, func(i int) []string {
		id := strconv.Itoa(100000 + i)
		first, last := firstNames[i%len(firstNames)], lastNames[(i/len(firstNames))%len(lastNames)]
		hired := 30 + r.IntN(7000)
		end := ""
		if r.IntN(100) < 4 { // left in the last year
			end = day(r.IntN(min(hired, 365)))
		}
		manager := ""
		if i > 0 {
			manager = strconv.Itoa(100000 + r.IntN(i))
		}
		return []string{id, first, last, fmt.Sprintf("%s.%s.%d@hospital.example", first, last, i), titles[r.IntN(len(titles))], depts[r.IntN(len(depts))], manager, "Employee", day(hired), end, access[r.IntN(len(access))]}
	})
	if err != nil {
		return nil, err
	}
	yn := func(pct int) string {
		if r.IntN(100) < pct {
			return "yes"
		}
		return "no"
	}
	err = writeCSV(out.Accounts, AccountColumns, accounts, func(i int) []string {
		kind, emp, name, email := "user", "", "", ""
		switch p := r.IntN(1000); {
		case p < 15:
			kind, name = "service", fmt.Sprintf("svc-interface-%d", i)
		case p < 20:
			kind, name = "shared", fmt.Sprintf("Nursing station %d", i)
		default:
			n := i % max(people, 1)
			emp = strconv.Itoa(100000 + n)
			first, last := firstNames[n%len(firstNames)], lastNames[(n/len(firstNames))%len(lastNames)]
			name, email = first+" "+last, fmt.Sprintf("%s.%s.%d@hospital.example", first, last, n)
		}
		created := 30 + r.IntN(5000)
		login := ""
		if r.IntN(100) < 95 {
			login = day(r.IntN(min(created, 200)))
		}
		return []string{fmt.Sprintf("u%07d", i), name, email, emp, yn(97), kind, day(created), login, day(r.IntN(500)), yn(3), yn(82), yn(2), yn(90), yn(8), depts[r.IntN(len(depts))]}
	})
	return out, err
}

func writeCSV(path string, header []string, rows int, row func(i int) []string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	w := csv.NewWriter(bw)
	if err := w.Write(header); err != nil {
		f.Close()
		return err
	}
	for i := range rows {
		if err := w.Write(row(i)); err != nil {
			f.Close()
			return err
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		f.Close()
		return err
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// Findings is the findings scenario's files.
type Findings struct {
	Assets    string
	Trivy     []string // Trivy JSON reports, each under a gigabyte (sqlite3's readfile limit)
	Nessus    string   // the Nessus v2 file
	NessusCSV string   // the same findings as Nessus's CSV export, for the baseline
	Findings  int
}

// GenFindings writes an ePHI inventory of assets, half servers scanned by
// Nessus (by hostname) and half container images scanned by Trivy, and
// findings spread over them: half in Trivy reports, half in a Nessus
// file (and its CSV twin). cves are the CVEs findings cite (the KEV
// catalog's, so that some findings are known exploited), mixed with CVEs
// the catalog does not list.
func GenFindings(dir string, findings, assets int, cves []string) (*Findings, error) {
	r := rand.New(rand.NewPCG(11, 31))
	out := &Findings{Assets: filepath.Join(dir, "inventory.csv"), Nessus: filepath.Join(dir, "scan.nessus"), NessusCSV: filepath.Join(dir, "scan-nessus.csv"), Findings: findings}
	hosts, images := max(assets/2, 1), max(assets-assets/2, 1)
	crit := []string{"low", "moderate", "high", "critical"}
	err := writeCSV(out.Assets, InventoryColumns, hosts+images, func(i int) []string {
		if i < hosts {
			ephi := r.IntN(3) == 0
			return []string{fmt.Sprintf("Server %d", i), "system", "", yn(ephi), yn(ephi), yn(ephi), "no", strconv.Itoa(r.IntN(200000)), "IT", "Data centre", "", crit[r.IntN(4)], yn(r.IntN(20) == 0), fmt.Sprintf("srv%06d.hospital.example;10.%d.%d.%d", i, i>>16&255, i>>8&255, i&255)}
		}
		j := i - hosts
		return []string{fmt.Sprintf("Image %d", j), "application", "", "no", "yes", "no", "yes", "0", "Platform", "Cluster", "", crit[r.IntN(4)], "no", fmt.Sprintf("registry.hospital.example/app-%d:1.%d", j, j%9)}
	})
	if err != nil {
		return nil, err
	}
	cve := func() string {
		if len(cves) > 0 && r.IntN(50) == 0 {
			return cves[r.IntN(len(cves))]
		}
		return fmt.Sprintf("CVE-%d-%d", 2015+r.IntN(11), 10000+r.IntN(60000))
	}
	sev := []string{"LOW", "MEDIUM", "HIGH", "CRITICAL"}
	// Trivy: one report per slice of images, each image a result of ~40
	// vulnerabilities, split so that no file reaches about 100 MB (under
	// sqlite3's gigabyte for readfile and PostgreSQL's 255 MB for jsonb).
	trivyN := findings / 2
	perFile := 500_000
	for start, part := 0, 0; start < trivyN; start, part = start+perFile, part+1 {
		n := min(perFile, trivyN-start)
		path := filepath.Join(dir, fmt.Sprintf("trivy-%02d.json", part))
		if err := writeTrivy(path, r, start, n, images, cve, sev); err != nil {
			return nil, err
		}
		out.Trivy = append(out.Trivy, path)
	}
	return out, writeNessus(out.Nessus, out.NessusCSV, r, findings-trivyN, hosts, cve)
}

func yn(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func writeTrivy(path string, r *rand.Rand, start, n, images int, cve func() string, sev []string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	fmt.Fprintf(w, `{"SchemaVersion": 2, "ArtifactName": "registry.hospital.example/bench", "ArtifactType": "container_image", "Results": [`)
	per := 40
	for i := 0; i < n; i += per {
		img := (start + i) / per % images
		if i > 0 {
			w.WriteString(",")
		}
		fmt.Fprintf(w, "\n{\"Target\": \"registry.hospital.example/app-%d:1.%d\", \"Class\": \"os-pkgs\", \"Type\": \"debian\", \"Vulnerabilities\": [", img, img%9)
		for j := 0; j < min(per, n-i); j++ {
			if j > 0 {
				w.WriteString(",")
			}
			id := cve()
			v, _ := json.Marshal(map[string]any{"VulnerabilityID": id, "PkgName": fmt.Sprintf("lib%d", r.IntN(3000)), "InstalledVersion": fmt.Sprintf("1.%d.%d", r.IntN(20), r.IntN(20)),
				"FixedVersion": fmt.Sprintf("1.%d.%d", 20+r.IntN(5), r.IntN(9)), "Severity": sev[r.IntN(4)], "Title": "A flaw in a library " + id,
				"CVSS": map[string]any{"nvd": map[string]any{"V3Score": float64(10+r.IntN(90)) / 10}}})
			w.Write(v)
		}
		w.WriteString("]}")
	}
	w.WriteString("\n]}\n")
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func writeNessus(path, csvPath string, r *rand.Rand, n, hosts int, cve func() string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	c, err := os.Create(csvPath)
	if err != nil {
		f.Close()
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	cb := bufio.NewWriterSize(c, 1<<20)
	cw := csv.NewWriter(cb)
	// The columns of Nessus's CSV export.
	cw.Write(NessusCSVColumns)
	w.WriteString(`<?xml version="1.0" ?>` + "\n" + `<NessusClientData_v2><Report name="bench">` + "\n")
	risk := []string{"Low", "Medium", "High", "Critical"}
	per := 25
	for i := 0; i < n; i += per {
		h := i / per % hosts
		host := fmt.Sprintf("srv%06d.hospital.example", h)
		fmt.Fprintf(w, `<ReportHost name="%s"><HostProperties><tag name="host-ip">10.%d.%d.%d</tag><tag name="host-fqdn">%s</tag></HostProperties>`+"\n", host, h>>16&255, h>>8&255, h&255, host)
		for j := 0; j < min(per, n-i); j++ {
			s := 1 + r.IntN(4)
			id, plugin, port := cve(), 10000+r.IntN(190000), []int{22, 80, 443, 445, 3389, 1433}[r.IntN(6)]
			score := float64(10+r.IntN(90)) / 10
			fmt.Fprintf(w, `<ReportItem port="%d" svc_name="www" protocol="tcp" severity="%d" pluginID="%d" pluginName="Remote flaw %d" pluginFamily="General"><risk_factor>%s</risk_factor><synopsis>The remote host is affected by a vulnerability.</synopsis><cvss3_base_score>%.1f</cvss3_base_score><cve>%s</cve></ReportItem>`+"\n",
				port, s, plugin, plugin, risk[s-1], score, id)
			cw.Write([]string{strconv.Itoa(plugin), id, fmt.Sprintf("%.1f", score), risk[s-1], host, "tcp", strconv.Itoa(port), fmt.Sprintf("Remote flaw %d", plugin), "The remote host is affected by a vulnerability."})
		}
		w.WriteString("</ReportHost>\n")
	}
	w.WriteString("</Report></NessusClientData_v2>\n")
	cw.Flush()
	for _, err := range []error{w.Flush(), cw.Error(), cb.Flush(), f.Close(), c.Close()} {
		if err != nil {
			return err
		}
	}
	return nil
}

// GenRisks writes a risk register of n risks in the import's CSV columns,
// each naming one to three assets of GenFindings's inventory of assets
// assets and one of threats (the catalog's ids), with ratings across the
// scales, owners and responses (an accepted risk accepted by its owner).
func GenRisks(dir string, n, assets int, threats []string) (string, error) {
	r := rand.New(rand.NewPCG(17, 43))
	path := filepath.Join(dir, "risks.csv")
	hosts, images := max(assets/2, 1), max(assets-assets/2, 1)
	asset := func() string {
		i := r.IntN(hosts + images)
		if i < hosts {
			return fmt.Sprintf("Server %d", i)
		}
		return fmt.Sprintf("Image %d", i-hosts)
	}
	owners := []string{"CISO", "IT manager", "Practice manager", "Privacy officer", "Clinical engineering"}
	responses := []string{"mitigate", "mitigate", "mitigate", "accept", "transfer", "avoid"}
	return path, writeCSV(path, []string{"title", "threat", "assets", "vulnerabilities", "likelihood", "impact_confidentiality", "impact_integrity", "impact_availability", "owner", "response", "accepted_by", "accepted_until"}, n, func(i int) []string {
		names := []string{asset()}
		for range r.IntN(3) {
			names = append(names, asset())
		}
		slices.Sort(names)
		names = slices.Compact(names)
		t := threats[r.IntN(len(threats))]
		rate := func() string { return strconv.Itoa(1 + r.IntN(5)) }
		owner, response, by, until := owners[r.IntN(len(owners))], responses[r.IntN(len(responses))], "", ""
		if response == "accept" {
			by, until = owner, "2027-12-31"
		}
		return []string{fmt.Sprintf("Risk %d: %s on %s", i+1, t, names[0]), t, strings.Join(names, ";"), fmt.Sprintf("Weakness %d", r.IntN(n/4+1)),
			rate(), rate(), rate(), rate(), owner, response, by, until}
	})
}
