// Package crd embeds the generated CustomResourceDefinitions, so that
// binaries can apply the API's defaults exactly as the API server does
// without reaching one (the CLI's offline render).
package crd

import "embed"

// Bases holds bases/*.yaml, written by `make manifests`.
//
//go:embed bases/*.yaml
var Bases embed.FS
