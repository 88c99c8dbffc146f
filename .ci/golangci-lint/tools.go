//go:build tools

// Package tools pins the golangci-lint version that `make lint` builds into bin/.
package tools

import _ "github.com/golangci/golangci-lint/v2/cmd/golangci-lint"
