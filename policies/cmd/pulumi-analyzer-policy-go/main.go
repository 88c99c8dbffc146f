// Command pulumi-analyzer-policy-go lets the Pulumi CLI run a `runtime: go` policy pack from its
// directory when the Go language host (pulumi-language-go) is not installed: the CLI then
// looks for this plugin on $PATH and starts it with the engine address and the pack directory
// (as the working directory). It builds the pack with `go build` and replaces itself with the
// pack, which prints its gRPC port.
//
//	PATH=$PWD/bin:$PATH pulumi preview --policy-pack ./policies
package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: pulumi-analyzer-policy-go <engine-address> [pack-directory]")
		os.Exit(2)
	}
	dir := "."
	if len(os.Args) > 2 {
		dir = os.Args[2]
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		fail(err)
	}
	// one binary per pack directory, rebuilt (incrementally) on every start
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	sum := sha256.Sum256([]byte(abs))
	out := filepath.Join(cache, "globalstack-policy-packs")
	if err := os.MkdirAll(out, 0o755); err != nil {
		fail(err)
	}
	bin := filepath.Join(out, hex.EncodeToString(sum[:8]))
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir = dir
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fail(fmt.Errorf("building the policy pack in %s: %w", dir, err))
	}
	if err := syscall.Exec(bin, []string{bin, os.Args[1]}, os.Environ()); err != nil {
		fail(fmt.Errorf("starting the policy pack: %w", err))
	}
}

func fail(err error) {
	fmt.Fprintf(os.Stderr, "pulumi-analyzer-policy-go: %v\n", err)
	os.Exit(1)
}
