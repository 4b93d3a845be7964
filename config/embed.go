// Package config embeds the manifests binaries install or read: the CRDs
// (to apply their defaults offline, and to install them in the local demo),
// the tenant roles, the admission policy and the samples.
package config

import "embed"

// Files holds crd/bases, rbac/tenant_roles.yaml, admission and samples.
//
//go:embed crd/bases/*.yaml rbac/tenant_roles.yaml admission/promotion_identity.yaml admission/binding_moves.yaml samples/*.yaml
var Files embed.FS
