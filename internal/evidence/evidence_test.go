package evidence_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/safeguard-health/safeguard/internal/blob"
	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/evidence"
	"github.com/safeguard-health/safeguard/internal/org"
	"github.com/safeguard-health/safeguard/internal/store"
	"github.com/safeguard-health/safeguard/internal/storetest"
	"github.com/safeguard-health/safeguard/internal/vault"
)

// pngBytes is a real PNG image, drawn by the test.
func pngBytes(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 40, 20))
	for x := range 40 {
		img.Set(x, 10, color.RGBA{200, 30, 30, 255})
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestSniff(t *testing.T) {
	pdf, err := os.ReadFile("testdata/security-policy.pdf")
	if err != nil {
		t.Fatal(err)
	}
	img := pngBytes(t)
	for _, tc := range []struct {
		name string
		data []byte
		want string // content type, or a phrase of the error
		ok   bool
	}{
		{"policy.pdf", pdf, "application/pdf", true},
		{"Screenshot.PNG", img, "image/png", true},
		{"accounts.csv", []byte("upn,mfa\nana@riverside.example,yes\nben@riverside.example,no\n"), "text/csv", true},
		{"notes.txt", []byte("Reviewed the firewall rules on 3 March.\n"), "text/plain", true},
		{"restore-log.txt", []byte("Restored 14,210 files, 38 GB, in 2 h\nspot-checked 25, all opened\n"), "text/plain", true},
		{"signed-baa.pdf", img, "the name says PDF, but the content is a PNG image (image/png)", false},
		{"policy.txt", pdf, "the content is a PDF (application/pdf), which is named .pdf", false},
		{"invoice.pdf", []byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + strings.Repeat("\x00", 64)), "is not accepted as evidence", false},
		{"archive.zip", []byte("PK\x03\x04\x14\x00\x00\x00\x00\x00" + strings.Repeat("\x00", 40)), "is not accepted as evidence", false},
	} {
		ct, err := evidence.Sniff(tc.name, tc.data)
		switch {
		case tc.ok && (err != nil || ct != tc.want):
			t.Errorf("%s: %q, %v; want %s", tc.name, ct, err, tc.want)
		case !tc.ok && (!errs.Is(err, errs.Invalid) || !strings.Contains(errs.Message(err), tc.want) || !strings.Contains(errs.Message(err), tc.name)):
			t.Errorf("%s: err = %v, want an error naming the file and saying %q", tc.name, err, tc.want)
		}
	}
}

func FuzzSniff(f *testing.F) {
	f.Add("a.pdf", []byte("%PDF-1.4\n"))
	f.Add("a.png", []byte("\x89PNG\r\n\x1a\n"))
	f.Add("a.docx", []byte("PK\x03\x04"))
	f.Add("", []byte{})
	f.Fuzz(func(t *testing.T, name string, data []byte) {
		ct, err := evidence.Sniff(name, data)
		if err == nil && ct == "" {
			t.Fatal("accepted without a content type")
		}
		if err != nil && !errs.Is(err, errs.Invalid) {
			t.Fatalf("an error of kind %s", errs.KindOf(err))
		}
	})
}

func TestVault(t *testing.T) {
	pdf, err := os.ReadFile("testdata/security-policy.pdf")
	if err != nil {
		t.Fatal(err)
	}
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		o := &org.Organization{Slug: "riverside", Name: "Riverside Family Clinic", EntityType: org.Provider}
		other := &org.Organization{Slug: "northside", Name: "Northside", EntityType: org.Provider}
		for _, x := range []*org.Organization{o, other} {
			if err := s.CreateOrganization(ctx, x); err != nil {
				t.Fatal(err)
			}
		}
		sc := s.Scope(o)
		vlt := vault.New(s, vault.Keyring{{ID: "test", Key: bytes.Repeat([]byte{7}, 32)}})
		svc := &evidence.Service{Blobs: &blob.Store{Backend: blob.Database{Rows: s}, Sealer: vlt}, Sealer: vlt, MaxBytes: 64 << 10}

		e := &evidence.Evidence{Title: "Information security policy", Owner: "Dana Reyes", CollectedOn: "2025-01-15", ReviewBy: "2026-01-15",
			Items: []string{"hipaa-sr/164.316(a)", "hph-cpg/essential-4"}}
		if err := svc.Upload(ctx, sc, e, evidence.File{Name: `C:\Users\dana\policy.pdf`, Body: bytes.NewReader(pdf)}); err != nil {
			t.Fatal(err)
		}
		v := e.Latest()
		if e.ID == "" || v.Number != 1 || v.Filename != "policy.pdf" || v.ContentType != "application/pdf" || v.Size != int64(len(pdf)) || len(v.SHA256) != 64 {
			t.Errorf("uploaded: %+v %+v", e, v)
		}
		// Encrypted at rest in the blob store: the stored content is not the file.
		stored, sealed, err := sc.EvidenceContent(ctx, e.ID, 1)
		if err != nil || sealed != "" || stored.BlobKey != evidence.BlobKey(v.ID) {
			t.Fatalf("stored version: %+v %q %v", stored, sealed, err)
		}
		raw, ok, err := s.BlobChunk(ctx, stored.BlobKey, 0)
		if err != nil || !ok || bytes.Contains(raw, []byte("%PDF")) || len(raw) < len(pdf) {
			t.Errorf("stored content is not sealed: %.40q, %v", raw, err)
		}
		got, err := sc.Evidence(ctx, e.ID)
		if err != nil || len(got.Items) != 2 || !got.Overdue(time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)) || got.Overdue(time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)) {
			t.Errorf("read back: %+v, %v", got, err)
		}

		// A new upload is a new version; the old one stays and still opens.
		v2, err := svc.AddVersion(ctx, sc, e.ID, evidence.File{Name: "policy-v4.pdf", Body: bytes.NewReader(append(bytes.Clone(pdf), '\n'))})
		if err != nil || v2.Number != 2 {
			t.Fatalf("second version: %+v, %v", v2, err)
		}
		if ov, data, err := svc.Open(ctx, sc, e.ID, 1); err != nil || ov.Number != 1 || !bytes.Equal(data, pdf) {
			t.Errorf("version 1: %+v, %d bytes, %v", ov, len(data), err)
		}
		if nv, data, err := svc.Open(ctx, sc, e.ID, 0); err != nil || nv.Number != 2 || len(data) != len(pdf)+1 {
			t.Errorf("newest: %+v, %v", nv, err)
		}
		byItem, _ := sc.EvidenceByItem(ctx, time.Now())
		if refs := byItem["hph-cpg/essential-4"]; len(refs) != 1 || refs[0].Version != 2 || refs[0].SHA256 != v2.SHA256 {
			t.Errorf("evidence by item: %+v", refs)
		}

		// Bad input: a clear message, nothing written.
		before, _ := sc.EvidenceList(ctx)
		for _, bad := range []struct {
			file evidence.File
			meta evidence.Evidence
			kind errs.Kind
			want string
		}{
			{evidence.File{Name: "empty.pdf", Body: bytes.NewReader(nil)}, evidence.Evidence{Title: "x"}, errs.Invalid, "empty.pdf is empty (0 bytes)"},
			{evidence.File{Name: "huge.pdf", Body: bytes.NewReader(append(bytes.Clone(pdf), make([]byte, 64<<10)...))}, evidence.Evidence{Title: "x"}, errs.TooLarge, "huge.pdf is larger than 64 KiB"},
			{evidence.File{Name: "baa.pdf", Body: bytes.NewReader(pngBytes(t))}, evidence.Evidence{Title: "x"}, errs.Invalid, "the name says PDF, but the content is a PNG image"},
			{evidence.File{Name: "policy.pdf", Body: bytes.NewReader(pdf)}, evidence.Evidence{Title: strings.Repeat("t", 201)}, errs.Invalid, "at most 200 characters"},
			{evidence.File{Name: "policy.pdf", Body: bytes.NewReader(pdf)}, evidence.Evidence{Title: "x", ReviewBy: "soon"}, errs.Invalid, "not a date"},
			{evidence.File{Name: "policy.pdf", Body: bytes.NewReader(pdf)}, evidence.Evidence{Title: "x", CollectedOn: "2026-05-01", ReviewBy: "2026-01-01"}, errs.Invalid, "before the collection date"},
		} {
			meta := bad.meta
			err := svc.Upload(ctx, sc, &meta, bad.file)
			if !errs.Is(err, bad.kind) || !strings.Contains(errs.Message(err), bad.want) {
				t.Errorf("%s: err = %v, want %s %q", bad.file.Name, err, bad.kind, bad.want)
			}
		}
		if _, err := svc.AddVersion(ctx, sc, e.ID, evidence.File{Name: "empty.pdf", Body: bytes.NewReader(nil)}); !errs.Is(err, errs.Invalid) {
			t.Errorf("empty new version: %v", err)
		}
		after, _ := sc.EvidenceList(ctx)
		if len(after) != len(before) || len(after[0].Versions) != 2 {
			t.Errorf("refused uploads wrote something: %d → %d pieces, %d versions", len(before), len(after), len(after[0].Versions))
		}

		// Another organisation can neither read nor add to it.
		osc := s.Scope(other)
		if _, _, err := svc.Open(ctx, osc, e.ID, 1); !errs.Is(err, errs.NotFound) {
			t.Errorf("another organisation opens it: %v", err)
		}
		if _, err := svc.AddVersion(ctx, osc, e.ID, evidence.File{Name: "p.pdf", Body: bytes.NewReader(pdf)}); !errs.Is(err, errs.NotFound) {
			t.Errorf("another organisation adds a version: %v", err)
		}
		if err := osc.LinkEvidence(ctx, e.ID, []string{"hipaa-sr/164.312(d)"}); !errs.Is(err, errs.NotFound) {
			t.Errorf("another organisation links it: %v", err)
		}

		if err := sc.UnlinkEvidence(ctx, e.ID, "hph-cpg/essential-4"); err != nil {
			t.Fatal(err)
		}
		if got, _ := sc.Evidence(ctx, e.ID); len(got.Items) != 1 {
			t.Errorf("after unlink: %v", got.Items)
		}
	})
}

// A version stored before the blob store, its sealed content in its row,
// still opens, and checks against its hash.
func TestVersionStoredBeforeTheBlobStoreOpens(t *testing.T) {
	path := storetest.SQLitePath(t)
	s := storetest.SQLiteAt(t, path)
	ctx := context.Background()
	o := &org.Organization{Slug: "riverside", Name: "Riverside Family Clinic", EntityType: org.Provider}
	if err := s.CreateOrganization(ctx, o); err != nil {
		t.Fatal(err)
	}
	sc := s.Scope(o)
	vlt := vault.New(s, vault.Keyring{{ID: "test", Key: bytes.Repeat([]byte{7}, 32)}})
	blobs := &blob.Store{Backend: blob.Database{Rows: s}, Sealer: vlt}
	svc := &evidence.Service{Blobs: blobs, Sealer: vlt}
	body := []byte("Our information security policy, approved 2024.\n")
	e := &evidence.Evidence{Title: "Policy", Owner: "Dana Reyes", CollectedOn: "2024-01-15"}
	if err := svc.Upload(ctx, sc, e, evidence.File{Name: "policy.txt", Body: bytes.NewReader(body)}); err != nil {
		t.Fatal(err)
	}
	// Make it what an earlier Safeguard stored: the content sealed in the
	// row, no blob.
	v := e.Latest()
	sealed, err := vlt.Seal(ctx, body, evidence.AAD(v.ID))
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.OpenSQLiteFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`UPDATE evidence_versions SET blob_key = '', content = ? WHERE id = ?`, sealed, v.ID); err != nil {
		t.Fatal(err)
	}
	if err := blobs.Delete(ctx, evidence.BlobKey(v.ID)); err != nil {
		t.Fatal(err)
	}
	if got, data, err := svc.Open(ctx, sc, e.ID, 1); err != nil || !bytes.Equal(data, body) || got.BlobKey != "" {
		t.Fatalf("the earlier version: %+v %q %v", got, data, err)
	}
	// Its content altered: refused.
	if _, err := db.Exec(`UPDATE evidence_versions SET content = ? WHERE id = ?`, sealed[:len(sealed)-4]+"AAAA", v.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.Open(ctx, sc, e.ID, 1); err == nil {
		t.Error("altered content opened")
	}
}

// A version's content whose record was never written — a server died in
// between — is swept once it is an hour old; recorded ones never are.
func TestSweepRemovesContentNeverRecorded(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		o := &org.Organization{Slug: "riverside", Name: "Riverside Family Clinic", EntityType: org.Provider}
		if err := s.CreateOrganization(ctx, o); err != nil {
			t.Fatal(err)
		}
		vlt := vault.New(s, vault.Keyring{{ID: "test", Key: bytes.Repeat([]byte{7}, 32)}})
		blobs := &blob.Store{Backend: blob.Database{Rows: s}, Sealer: vlt}
		svc := &evidence.Service{Blobs: blobs, Sealer: vlt}
		e := &evidence.Evidence{Title: "Policy", Owner: "Dana Reyes", CollectedOn: "2024-01-15"}
		if err := svc.Upload(ctx, s.Scope(o), e, evidence.File{Name: "policy.txt", Body: strings.NewReader("Our policy.\n")}); err != nil {
			t.Fatal(err)
		}
		orphan := evidence.BlobKey("01a00000-0000-7000-8000-000000000000")
		if _, _, err := blobs.Put(ctx, orphan, strings.NewReader("never recorded\n"), 0); err != nil {
			t.Fatal(err)
		}
		if n, err := svc.Sweep(ctx, s, time.Now()); err != nil || n != 0 {
			t.Fatalf("a sweep within the hour removed %d: %v", n, err)
		}
		if n, err := svc.Sweep(ctx, s, time.Now().Add(2*time.Hour)); err != nil || n != 1 {
			t.Fatalf("the sweep removed %d: %v", n, err)
		}
		if _, _, err := svc.Open(ctx, s.Scope(o), e.ID, 0); err != nil {
			t.Errorf("the recorded version after the sweep: %v", err)
		}
		if _, err := blobs.Open(ctx, orphan); !errs.Is(err, errs.NotFound) {
			t.Errorf("the orphan after the sweep: %v", err)
		}
	})
}
