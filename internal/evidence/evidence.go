// Package evidence is the evidence vault: files (policies, screenshots,
// exports, signed business associate agreements) kept encrypted at rest,
// each version with its SHA-256, linked to any number of catalog items,
// with an owner, a collection date and a date by which it must be reviewed.
// A new upload is a new version; the old ones stay.
package evidence

import (
	"context"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/safeguard-health/safeguard/internal/errs"
)

// Evidence is one piece of evidence and its versions, newest first.
type Evidence struct {
	ID          string    `json:"id"`
	Title       string    `json:"title"`
	Description string    `json:"description,omitempty"`
	Owner       string    `json:"owner,omitempty"`
	CollectedOn string    `json:"collected_on,omitempty"` // YYYY-MM-DD
	ReviewBy    string    `json:"review_by,omitempty"`    // YYYY-MM-DD
	CreatedAt   time.Time `json:"created_at"`
	CreatedBy   string    `json:"created_by"`
	Versions    []Version `json:"versions"`
	Items       []string  `json:"items"` // linked catalog item ids
}

// Version is one uploaded file of a piece of evidence.
type Version struct {
	ID          string    `json:"id"`
	Number      int       `json:"version"`
	Filename    string    `json:"filename"`
	ContentType string    `json:"content_type"` // as sniffed from the content
	Size        int64     `json:"size"`
	SHA256      string    `json:"sha256"`
	UploadedAt  time.Time `json:"uploaded_at"`
	UploadedBy  string    `json:"uploaded_by"`
	// BlobKey is where the content is kept in the blob store; "" for a
	// version stored before, whose sealed content is in its row.
	BlobKey string `json:"-"`
}

// Latest is the newest version, or nil.
func (e *Evidence) Latest() *Version {
	if len(e.Versions) == 0 {
		return nil
	}
	return &e.Versions[0]
}

// Overdue reports whether the evidence is past its review date on day now.
func (e *Evidence) Overdue(now time.Time) bool {
	return e.ReviewBy != "" && e.ReviewBy < now.Format(dateShape)
}

const dateShape = "2006-01-02"

// Normalize trims the descriptive fields and checks them. Errors: Invalid,
// naming the field.
func (e *Evidence) Normalize() error {
	e.Title, e.Description, e.Owner = strings.TrimSpace(e.Title), strings.TrimSpace(e.Description), strings.TrimSpace(e.Owner)
	e.CollectedOn, e.ReviewBy = strings.TrimSpace(e.CollectedOn), strings.TrimSpace(e.ReviewBy)
	switch {
	case e.Title == "":
		return errs.New(errs.Invalid, "evidence needs a title")
	case len(e.Title) > 200 || len(e.Owner) > 200 || len(e.Description) > 5000:
		return errs.New(errs.Invalid, "evidence title and owner are at most 200 characters, the description 5000")
	case !utf8.ValidString(e.Title + e.Description + e.Owner):
		return errs.New(errs.Invalid, "evidence title, description and owner must be text")
	}
	for _, d := range []struct{ name, v string }{{"collection date", e.CollectedOn}, {"review date", e.ReviewBy}} {
		if d.v == "" {
			continue
		}
		if _, err := time.Parse(dateShape, d.v); err != nil {
			return errs.New(errs.Invalid, "the "+d.name+" "+strconv.Quote(d.v)+" is not a date (YYYY-MM-DD)")
		}
	}
	if e.CollectedOn != "" && e.ReviewBy != "" && e.ReviewBy < e.CollectedOn {
		return errs.New(errs.Invalid, "the review date is before the collection date")
	}
	return nil
}

// Store is what the vault needs of the database, inside one organisation
// (store.Scoped implements it).
type Store interface {
	// CreateEvidence stores new evidence with its first version (whose
	// content is in the blob store), in one transaction.
	CreateEvidence(ctx context.Context, e *Evidence, v *Version) error
	// AddEvidenceVersion stores the next version; it sets v.Number.
	AddEvidenceVersion(ctx context.Context, evidenceID string, v *Version) error
	// UpdateEvidence saves the descriptive fields.
	UpdateEvidence(ctx context.Context, e *Evidence) error
	// EvidenceList lists the organisation's evidence, newest first, with
	// versions and links but no content.
	EvidenceList(ctx context.Context) ([]*Evidence, error)
	// Evidence returns one. NotFound.
	Evidence(ctx context.Context, id string) (*Evidence, error)
	// EvidenceContent returns a version, and the sealed content of one
	// stored before the blob store. NotFound.
	EvidenceContent(ctx context.Context, evidenceID string, number int) (*Version, string, error)
	// LinkEvidence and UnlinkEvidence change which items it supports.
	LinkEvidence(ctx context.Context, evidenceID string, itemIDs []string) error
	UnlinkEvidence(ctx context.Context, evidenceID, itemID string) error
}

// Blobs keeps the versions' content sealed where every server reads it
// (blob.Store).
type Blobs interface {
	Put(ctx context.Context, key string, r io.Reader, max int64) (sha string, size int64, err error)
	Open(ctx context.Context, key string) (io.ReadCloser, error)
	Delete(ctx context.Context, key string) error
	Sweep(ctx context.Context, prefix string, before time.Time, keep map[string]bool) (int, error)
}

// BlobKey is where a version's content is kept in the blob store.
func BlobKey(versionID string) string { return "evidence/" + versionID }

// Sealer encrypts and decrypts at rest (vault.Vault): the versions stored
// before the blob store.
type Sealer interface {
	Seal(ctx context.Context, plaintext, aad []byte) (string, error)
	Open(ctx context.Context, sealed string, aad []byte) ([]byte, error)
}

// AAD binds a version's sealed content to its row, so content copied to
// another version does not open.
func AAD(versionID string) []byte { return []byte("evidence_versions:" + versionID) }
