package bench

import (
	"strings"
)

// The PostgreSQL baselines: the sqlite3 scripts' work done by psql on the
// server Safeguard runs on, loading the same files (\copy for CSV, an
// empty field an empty string as sqlite3's .import reads it; each JSON
// file read into a psql variable and taken apart with jsonb functions)
// into a schema of their own, bench_baseline, dropped at the end. psql
// runs them with -At -F '|' so that they print what the sqlite3 scripts
// print.

// pgTable declares a table of text columns named as a file's header.
func pgTable(name string, columns []string) string {
	var b strings.Builder
	b.WriteString("CREATE TABLE " + name + " (")
	for i, c := range columns {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(`"` + strings.ReplaceAll(c, `"`, `""`) + `" text`)
	}
	b.WriteString(");\n")
	return b.String()
}

const pgStart = `\set ON_ERROR_STOP on
SET client_min_messages = warning;
DROP SCHEMA IF EXISTS bench_baseline CASCADE;
CREATE SCHEMA bench_baseline;
SET search_path = bench_baseline;
`

const pgEnd = `DROP SCHEMA bench_baseline CASCADE;
`

// IdentityBaselinePG is IdentityBaseline for psql.
func IdentityBaselinePG() string {
	return pgStart + pgTable("roster", RosterColumns) + pgTable("accounts", AccountColumns) + `\copy roster FROM 'roster.csv' WITH (FORMAT csv, HEADER true, NULL '\N')
\copy accounts FROM 'accounts.csv' WITH (FORMAT csv, HEADER true, NULL '\N')
CREATE INDEX roster_emp ON roster ("Employee Number");
CREATE INDEX accounts_emp ON accounts (employee_id);
SELECT 'mfa', count(*) FROM accounts WHERE enabled = 'yes' AND mfa <> 'yes';
SELECT 'leavers', count(*) FROM accounts a JOIN roster r ON r."Employee Number" = a.employee_id WHERE a.enabled = 'yes' AND r."Termination Date" <> '' AND r."Termination Date" <= current_date::text;
SELECT 'unique', count(*) FROM accounts a WHERE a.enabled = 'yes' AND (a.kind IN ('shared', 'service') OR a.employee_id = '' OR NOT EXISTS (SELECT 1 FROM roster r WHERE r."Employee Number" = a.employee_id));
SELECT 'separate', count(*) FROM accounts WHERE enabled = 'yes' AND privileged = 'yes' AND mailbox = 'yes';
SELECT 'dormant', count(*) FROM accounts WHERE enabled = 'yes' AND (last_login = '' OR last_login < (current_date - 90)::text);
SELECT 'stale_password', count(*) FROM accounts WHERE enabled = 'yes' AND (password_never_expires = 'yes' OR password_last_set < (current_date - 365)::text);
` + pgEnd
}

// FindingsBaselinePG is FindingsBaseline for psql.
func FindingsBaselinePG(kev string, trivy []string) string {
	var b strings.Builder
	b.WriteString(pgStart + pgTable("assets", InventoryColumns) + pgTable("nessus", NessusCSVColumns))
	b.WriteString(`\copy assets FROM 'inventory.csv' WITH (FORMAT csv, HEADER true, NULL '\N')
\copy nessus FROM 'scan-nessus.csv' WITH (FORMAT csv, HEADER true, NULL '\N')
\set doc ` + "`cat '" + kev + "'`" + `
CREATE TABLE kev AS SELECT v ->> 'cveID' AS cve, v ->> 'dateAdded' AS added, v ->> 'dueDate' AS due FROM jsonb_array_elements((:'doc')::jsonb -> 'vulnerabilities') v;
CREATE TABLE trivy (target text, cve text, pkg text, installed text, severity text, cvss real);
`)
	for _, f := range trivy {
		b.WriteString(`\set doc ` + "`cat '" + f + "'`" + `
INSERT INTO trivy SELECT r ->> 'Target', v ->> 'VulnerabilityID', v ->> 'PkgName', v ->> 'InstalledVersion', v ->> 'Severity', (v #>> '{CVSS,nvd,V3Score}')::real
	FROM jsonb_array_elements((:'doc')::jsonb -> 'Results') r, jsonb_array_elements(r -> 'Vulnerabilities') v;
`)
	}
	b.WriteString(`\unset doc
CREATE TABLE asset_ids AS SELECT "Name" AS name, lower(id) AS id FROM assets, unnest(string_to_array("Identifiers", ';')) AS id WHERE id <> '';
CREATE INDEX asset_ids_id ON asset_ids (id);
CREATE INDEX kev_cve ON kev (cve);
CREATE TABLE findings AS
	SELECT a.name AS asset, t.cve AS cve FROM trivy t LEFT JOIN asset_ids a ON a.id = lower(t.target)
	UNION ALL SELECT a.name, n."CVE" FROM nessus n LEFT JOIN asset_ids a ON a.id = lower(n."Host");
SELECT 'findings', count(*), count(asset) FROM findings;
SELECT 'kev_exposed', count(*) FROM findings f JOIN kev k ON k.cve = f.cve LEFT JOIN assets a ON a."Name" = f.asset
	WHERE f.asset IS NULL OR a."Internet facing" = 'yes' OR a."Creates" = 'yes' OR a."Receives" = 'yes' OR a."Maintains" = 'yes' OR a."Transmits" = 'yes';
` + pgEnd)
	return b.String()
}
