// Package e2etest starts the real safeguard binary for the end-to-end
// tests: built by the test, started as a user would start it.
package e2etest

import (
	"bufio"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
	"time"
)

// BuildBinary compiles cmd/safeguard into a temporary folder.
func BuildBinary(t testing.TB) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "safeguard")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/safeguard-health/safeguard/cmd/safeguard")
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("go build: %v", err)
	}
	return bin
}

// URL is the address a server prints when it listens.
var URL = regexp.MustCompile(`http://127\.0\.0\.1:[0-9]+/`)

// Launch starts cmd, stops it with SIGINT when the test ends (unless the
// test killed it; failing the test if it does not stop cleanly), and
// returns the address it prints and the lines it printed before it.
func Launch(t testing.TB, name string, cmd *exec.Cmd) (string, []string) {
	t.Helper()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState != nil {
			return // the test killed it
		}
		cmd.Process.Signal(os.Interrupt)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("%s did not shut down cleanly: %v", name, err)
			}
		case <-time.After(20 * time.Second):
			cmd.Process.Kill()
			t.Errorf("%s did not stop on SIGINT", name)
		}
	})
	type result struct {
		url   string
		lines []string
	}
	found := make(chan result, 1)
	go func() {
		var lines []string
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if u := URL.FindString(sc.Text()); u != "" {
				found <- result{u, lines}
				break
			}
			lines = append(lines, sc.Text())
		}
		io.Copy(io.Discard, stdout)
	}()
	select {
	case r := <-found:
		return r.url, r.lines
	case <-time.After(30 * time.Second):
		t.Fatalf("%s did not print its address", name)
	}
	return "", nil
}
