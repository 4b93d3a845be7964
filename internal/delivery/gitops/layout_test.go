package gitops_test

import (
	"testing"

	"github.com/aileron-dev/aileron/internal/delivery/gitops"
)

func TestLayout(t *testing.T) {
	dir := gitops.CellDir("", "acme", "shop", "production", "eu-1")
	if dir != "acme/shop/production/eu-1" {
		t.Errorf("cell dir %q", dir)
	}
	if got := gitops.CellDir("clusters/fleet", "acme", "shop", "production", "eu-1"); got != "clusters/fleet/acme/shop/production/eu-1" {
		t.Errorf("prefixed cell dir %q", got)
	}
	if got := gitops.ComponentFile(dir, "api"); got != "acme/shop/production/eu-1/api.yaml" {
		t.Errorf("component file %q", got)
	}
	if got := gitops.CellFile(dir); got != "acme/shop/production/eu-1/_cell.yaml" {
		t.Errorf("cell file %q", got)
	}
	cell := gitops.Cell{Organization: "acme", Project: "shop", Environment: "production"}
	if got := gitops.ApplicationName(cell, "eu-1"); got != "acme--shop--production--eu-1" {
		t.Errorf("application name %q", got)
	}
}
