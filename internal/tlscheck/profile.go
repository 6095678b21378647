// Package tlscheck verifies the TLS of one service, host:port, as a
// client sees it: the protocol versions and cipher suites it accepts, its
// certificate (chain, names, expiry, key, signature), OCSP stapling and,
// on HTTPS, HSTS, each judged against one of Mozilla's Server Side TLS
// profiles. Go's crypto/tls speaks TLS 1.0 to 1.3 and the cipher suites
// it implements; what it cannot speak (SSL 2.0 and 3.0, DHE and other
// suites) is said, not guessed, and comes from imported testssl.sh or
// sslyze reports instead.
package tlscheck

import (
	"crypto/x509"
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
)

//go:embed profiles.json
var profilesJSON []byte

// A Profile is one of Mozilla's server configurations, as its guidelines
// publish it.
type Profile struct {
	Name string `json:"name"`
	// Source names the guidelines and their version.
	Source                string   `json:"source"`
	Version               string   `json:"version"`
	TLSVersions           []string `json:"tls_versions"`
	Ciphers               []string `json:"ciphers"`      // TLS 1.2 and earlier, IANA names
	Suites                []string `json:"ciphersuites"` // TLS 1.3
	CertificateTypes      []string `json:"certificate_types"`
	CertificateCurves     []string `json:"certificate_curves"`
	CertificateSignatures []string `json:"certificate_signatures"`
	RSAKeySize            int      `json:"rsa_key_size"`
	HSTSMinAge            int      `json:"hsts_min_age"`
	MaxLifespanDays       int      `json:"maximum_certificate_lifespan"`
	OCSPStaple            bool     `json:"ocsp_staple"`
}

// DefaultProfile is the profile checks use unless told otherwise.
const DefaultProfile = "intermediate"

var profiles = func() map[string]*Profile {
	var doc struct {
		Source   string              `json:"source"`
		Version  string              `json:"version"`
		Profiles map[string]*Profile `json:"profiles"`
	}
	if err := json.Unmarshal(profilesJSON, &doc); err != nil {
		panic("tlscheck: profiles.json: " + err.Error())
	}
	for name, p := range doc.Profiles {
		p.Name, p.Source, p.Version = name, doc.Source, doc.Version
	}
	return doc.Profiles
}()

// LoadProfile returns the profile of that name: intermediate or modern.
func LoadProfile(name string) (*Profile, error) {
	if name == "" {
		name = DefaultProfile
	}
	p, ok := profiles[name]
	if !ok {
		return nil, fmt.Errorf("no TLS profile %q: intermediate or modern", name)
	}
	return p, nil
}

// ProfileNames lists the profiles there are.
func ProfileNames() []string {
	var out []string
	for n := range profiles {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// cite names the profile for a finding's reason.
func (p *Profile) cite() string {
	return fmt.Sprintf("Mozilla Server Side TLS %s, %q configuration", p.Version, p.Name)
}

func (p *Profile) allowsVersion(v string) bool { return slices.Contains(p.TLSVersions, v) }
func (p *Profile) allowsCipher(c string) bool  { return slices.Contains(p.Ciphers, c) }

// Pool is the system's trusted CAs with an organisation's own added from
// PEM (a private CA its internal services use).
func Pool(pemCerts []byte) (*x509.CertPool, error) {
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pemCerts) {
		return nil, fmt.Errorf("no PEM certificate in the CA file")
	}
	return pool, nil
}
