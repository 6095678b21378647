package ingest

import (
	"bytes"
)

// An unread format is one Safeguard recognises but does not import: a file
// in it is refused naming what it is, not as an unknown file.
type unread struct {
	label, hint string
	sniff       func(h *head) bool
}

var unreadFormats = []unread{
	{"a gzip-compressed file of a format Safeguard does not know", "Safeguard unpacks the DMARC and SMTP TLS reports mail providers send; decompress anything else and import what it holds",
		func(h *head) bool { return bytes.HasPrefix(h.raw, []byte{0x1f, 0x8b}) }},
	{"a ZIP archive or an Office document (XLSX, DOCX)", "import the files it holds; a spreadsheet of answers, assets or risks goes through its own page",
		func(h *head) bool { return bytes.HasPrefix(h.raw, []byte("PK\x03\x04")) }},
	{"an SPDX 3 document (JSON-LD)", "SPDX 2.2 and 2.3 JSON are read",
		func(h *head) bool { return h.json() && h.has(`"@context"`) && h.has("spdx.org/rdf/3") }},
	{"Wazuh alerts (vulnerability detector events)", "alerts report what changed, not what is open: export Wazuh's vulnerability inventory (a search of the wazuh-states-vulnerabilities index) instead",
		func(h *head) bool {
			return (h.json() || h.array()) && h.has(`"rule"`) && h.has(`"agent"`) && (h.has("vulnerability-detector") || h.has(`"vulnerability"`) && h.has(`"decoder"`))
		}},
	{"an OSCAL document", "Safeguard imports OSCAL catalogs and profiles in JSON, as frameworks to assess against; convert an XML or YAML one to JSON; it exports the other models (assessment results, a POA&M, a system security plan) but does not import them",
		func(h *head) bool {
			return h.json() && h.has(`"oscal-version"`) || h.xml() && h.has("http://csrc.nist.gov/ns/oscal")
		}},
}

// Unread names the format of a file's head when it is one Safeguard
// recognises but does not import, with what to do instead; "" when it is
// not one of them.
func Unread(headBytes []byte) (label, hint string) {
	h := newHead(headBytes)
	if len(h.raw) == 0 {
		return "", ""
	}
	for _, u := range unreadFormats {
		if u.sniff(h) {
			return u.label, u.hint
		}
	}
	return "", ""
}
