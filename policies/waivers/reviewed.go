package waivers

import (
	_ "embed"
)

// reviewed is the project's reviewed waiver file, compiled into the policy pack so that the
// engine path and the offline checker apply the same exemptions.
//
//go:embed waivers.yaml
var reviewed []byte

// ReviewedPath is the repository path of the reviewed waiver file.
const ReviewedPath = "policies/waivers/waivers.yaml"

// Reviewed parses the reviewed waiver file.
func Reviewed() (*File, error) { return Parse(reviewed, ReviewedPath) }
