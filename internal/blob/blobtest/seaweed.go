// Package blobtest starts a real S3-compatible server for tests:
// SeaweedFS's weed, on loopback, in a temporary folder.
package blobtest

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/safeguard-health/safeguard/internal/blob"
)

// Weed finds SeaweedFS's weed: SAFEGUARD_WEED, or weed on the PATH. In CI
// a missing weed fails the test; elsewhere it skips, saying how to get it.
func Weed(tb testing.TB) string {
	tb.Helper()
	if p := os.Getenv("SAFEGUARD_WEED"); p != "" {
		return p
	}
	if p, err := exec.LookPath("weed"); err == nil {
		return p
	}
	msg := "no SeaweedFS weed found: build it (see .ci/run) and set SAFEGUARD_WEED, or put weed on the PATH"
	if os.Getenv("CI") != "" {
		tb.Fatal(msg)
	}
	tb.Skip(msg)
	return ""
}

// The test server's credentials, for a server started with
// --uploads s3://… (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY).
const (
	AccessKey = "safeguard-test"
	SecretKey = "safeguard-test-secret-key"
)

// Address is the bucket's address for --uploads and --evidence-store:
// s3://safeguard/PREFIX on the test server, over plain HTTP.
func Address(b *blob.S3) string {
	return "s3://" + b.Bucket + "/" + strings.TrimSuffix(b.Prefix, "/") + "?endpoint=" + b.Client.EndpointURL().Host + "&insecure=true"
}

// S3 starts a SeaweedFS server with an S3 gateway on loopback, makes a
// bucket, and returns a backend over it under prefix; the server stops
// when the test ends.
func S3(tb testing.TB, prefix string) *blob.S3 {
	tb.Helper()
	weed := Weed(tb)
	dir := tb.TempDir()
	conf := map[string]any{"identities": []any{map[string]any{
		"name":        "safeguard",
		"credentials": []any{map[string]string{"accessKey": AccessKey, "secretKey": SecretKey}},
		"actions":     []string{"Admin", "Read", "Write", "List", "Tagging"},
	}}}
	confPath := filepath.Join(dir, "s3.json")
	raw, _ := json.Marshal(conf)
	if err := os.WriteFile(confPath, raw, 0o600); err != nil {
		tb.Fatal(err)
	}
	ports := freePorts(tb, 4)
	data := filepath.Join(dir, "data")
	if err := os.Mkdir(data, 0o700); err != nil {
		tb.Fatal(err)
	}
	cmd := exec.Command(weed, "server", "-ip=127.0.0.1", "-ip.bind=127.0.0.1", "-dir="+data,
		fmt.Sprintf("-master.port=%d", ports[0]), fmt.Sprintf("-volume.port=%d", ports[1]),
		"-filer", fmt.Sprintf("-filer.port=%d", ports[2]),
		"-s3", fmt.Sprintf("-s3.port=%d", ports[3]), "-s3.config="+confPath,
		"-master.volumeSizeLimitMB=64", "-volume.max=8")
	log, err := os.Create(filepath.Join(dir, "weed.log"))
	if err != nil {
		tb.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		log.Close()
	})
	endpoint := fmt.Sprintf("127.0.0.1:%d", ports[3])
	client, err := minio.New(endpoint, &minio.Options{Creds: credentials.NewStaticV4(AccessKey, SecretKey, ""), Region: "us-east-1"})
	if err != nil {
		tb.Fatal(err)
	}
	ctx := context.Background()
	deadline := time.Now().Add(90 * time.Second)
	for {
		err = client.MakeBucket(ctx, "safeguard", minio.MakeBucketOptions{})
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			out, _ := os.ReadFile(log.Name())
			tb.Fatalf("SeaweedFS did not take a bucket: %v\n%s", err, tail(out, 3000))
		}
		time.Sleep(250 * time.Millisecond)
	}
	return &blob.S3{Client: client, Bucket: "safeguard", Prefix: prefix}
}

// freePorts finds n ports free on loopback whose gRPC twins (port+10000,
// as SeaweedFS uses) are free too.
func freePorts(tb testing.TB, n int) []int {
	tb.Helper()
	var ports []int
	for len(ports) < n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			tb.Fatal(err)
		}
		p := l.Addr().(*net.TCPAddr).Port
		l.Close()
		if p+10000 > 65535 {
			continue
		}
		g, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p+10000))
		if err != nil {
			continue
		}
		g.Close()
		ports = append(ports, p)
	}
	return ports
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}
