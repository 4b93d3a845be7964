package fleet

import (
	"fmt"

	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

// InstallCRDs creates the CustomResourceDefinitions found in paths (files
// or directories of YAML) on the cluster and waits until they are served.
func (c *Cluster) InstallCRDs(paths ...string) error {
	_, err := envtest.InstallCRDs(c.Config, envtest.CRDInstallOptions{Paths: paths, ErrorIfPathMissing: true})
	if err != nil {
		return fmt.Errorf("installing CRDs on %s: %w", c.Name, err)
	}
	return nil
}
