package failover

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Runner runs the pulumi CLI. Tests substitute a fake that records the calls.
type Runner interface {
	Run(ctx context.Context, args []string, stdout, stderr io.Writer) error
	// Command renders a call the way an operator would type it, for dry runs and hints.
	Command(args []string) string
}

// ExecRunner runs a pulumi binary in the project directory.
type ExecRunner struct {
	Binary string
	Dir    string
}

// PulumiBinary picks root/bin/pulumi when it exists, otherwise pulumi from PATH.
func PulumiBinary(root string) string {
	local := filepath.Join(root, "bin", "pulumi")
	if st, err := os.Stat(local); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
		return local
	}
	return "pulumi"
}

// Run runs the binary with args in Dir.
func (r ExecRunner) Run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	bin := r.Binary
	if bin == "" {
		bin = "pulumi"
	}
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = r.Dir
	cmd.Stdout = stdout
	cmd.Stderr = stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %w", r.Command(args), err)
	}
	return nil
}

// Command is the command line Run runs for args.
func (r ExecRunner) Command(args []string) string {
	bin := r.Binary
	if bin == "" {
		bin = "pulumi"
	}
	return strings.Join(append([]string{bin}, args...), " ")
}
