package ingest

import (
	"archive/zip"
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/safeguard-health/safeguard/internal/errs"
)

// Mail providers send their reports compressed: DMARC aggregate reports
// as .xml.gz or a .zip of one .xml, SMTP TLS reports as .json.gz (RFC
// 8460 section 5.3). Any file of any format may come so: Unpack opens it.

// MaxUnpacked bounds what one compressed file may unpack to, and
// MaxUnpackRatio how many times its own size, past the first MiB: a file
// that unpacks past either is a compression bomb, refused as it unpacks.
const (
	MaxUnpacked    = 4 << 30
	MaxUnpackRatio = 1000
)

// MaxZipBytes bounds a zip file, which is read whole (its directory is
// at its end).
const MaxZipBytes = 256 << 20

var errBomb = errors.New("compression bomb")

// Unpack returns what a gzip file, or a zip file of one file, holds, as
// it unpacks, with the name of what it holds, and true; any other file is
// returned as it is, and false (a zip of several files, such as a
// spreadsheet, too). The reader fails with a TooLarge error naming the
// file once the unpacked bytes pass MaxUnpacked or MaxUnpackRatio times
// the packed.
func Unpack(name string, r io.Reader) (io.Reader, string, bool, error) {
	br := bufio.NewReader(r)
	magic, _ := br.Peek(4)
	switch {
	case len(magic) >= 2 && magic[0] == 0x1f && magic[1] == 0x8b:
		in := &countReader{r: br}
		gz, err := gzip.NewReader(in)
		if err != nil {
			return nil, "", false, errs.Wrap(errs.Invalid, name+": not a gzip file it seems to be", err)
		}
		inner := strings.TrimSuffix(strings.TrimSuffix(name, ".gz"), ".gzip")
		if gz.Name != "" {
			inner = gz.Name
		}
		return &bombGuard{r: gz, in: in, file: name}, inner, true, nil
	case bytes.Equal(magic, []byte("PK\x03\x04")):
		lr := &io.LimitedReader{R: br, N: MaxZipBytes + 1}
		buf, err := io.ReadAll(lr)
		if err != nil {
			return nil, "", false, errs.Wrap(errs.Invalid, "cannot read "+name, err)
		}
		if len(buf) > MaxZipBytes {
			return nil, "", false, errs.New(errs.TooLarge, fmt.Sprintf("%s: a zip file larger than %d MiB is not one this import takes", name, MaxZipBytes>>20))
		}
		zr, err := zip.NewReader(bytes.NewReader(buf), int64(len(buf)))
		if err != nil {
			return nil, "", false, errs.Wrap(errs.Invalid, name+": not a zip file it seems to be", err)
		}
		var files []*zip.File
		for _, f := range zr.File {
			if !f.FileInfo().IsDir() {
				files = append(files, f)
			}
		}
		if len(files) != 1 {
			return bytes.NewReader(buf), name, false, nil // not a compressed report: read as it is
		}
		f := files[0]
		if f.UncompressedSize64 > MaxUnpacked || f.CompressedSize64 > 0 && f.UncompressedSize64 > MaxUnpackRatio*f.CompressedSize64 && f.UncompressedSize64 > 1<<20 {
			return nil, "", false, errs.New(errs.TooLarge, fmt.Sprintf("%s: %s says it unpacks to %d bytes from %d: a compression bomb, refused", name, f.Name, f.UncompressedSize64, f.CompressedSize64))
		}
		rc, err := f.Open()
		if err != nil {
			return nil, "", false, errs.Wrap(errs.Invalid, name+": "+f.Name+" cannot be unpacked", err)
		}
		return &bombGuard{r: rc, in: &countReader{n: int64(f.CompressedSize64)}, file: name}, f.Name, true, nil
	}
	return br, name, false, nil
}

// countReader counts the bytes read through it.
type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// bombGuard fails a read once the unpacked bytes pass MaxUnpacked, or
// MaxUnpackRatio times the packed bytes read so far past the first MiB.
type bombGuard struct {
	r    io.Reader
	in   *countReader
	out  int64
	file string
}

func (g *bombGuard) Read(p []byte) (int, error) {
	n, err := g.r.Read(p)
	g.out += int64(n)
	if g.out > MaxUnpacked || g.out > 1<<20 && g.out > MaxUnpackRatio*max(g.in.n, 1) {
		return n, errs.Wrap(errs.TooLarge, fmt.Sprintf("%s unpacks to more than %d times its size: a compression bomb, refused", g.file, MaxUnpackRatio), errBomb)
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return n, errs.Wrap(errs.Invalid, g.file+" cannot be unpacked", err)
	}
	return n, err
}
