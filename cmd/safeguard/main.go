// Command safeguard is the HIPAA Security Rule and HHS HPH Cybersecurity
// Performance Goals program: the web app, its API and the CLI, in one binary.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/safeguard-health/safeguard/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
