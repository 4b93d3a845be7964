package fleet

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/envtest"
	// The module whose CRDs GatewayAPICRDs serves: imported so that go.mod
	// keeps requiring it, at the version Aileron renders HTTPRoutes for.
	_ "sigs.k8s.io/gateway-api/apis/v1"
)

// CRDServeTimeout bounds the wait for installed CRDs to be served.
// envtest's default, 10 s, is too short on a 2-core machine running several
// API servers at once: the large upstream CRDs (Argo CD's, Sveltos') then
// take longer than that to appear in discovery, and a healthy test fails.
const CRDServeTimeout = 2 * time.Minute

// InstallCRDs creates the CustomResourceDefinitions found in paths (files
// or directories of YAML) on the cluster and waits until they are served.
func (c *Cluster) InstallCRDs(paths ...string) error {
	for _, p := range paths {
		if _, err := os.Stat(p); err != nil {
			return fmt.Errorf("installing CRDs on %s: %s does not exist: upstream CRDs come from the shared directory beside the clone "+
				"(../shared/crds/<project>, or $AILERON_SHARED_DIR/crds/<project>) or from 'make tools' (bin/<tool>-<version>/crds)", c.Name, p)
		}
	}
	_, err := envtest.InstallCRDs(c.Config, envtest.CRDInstallOptions{
		Paths: paths, ErrorIfPathMissing: true, MaxTime: CRDServeTimeout,
	})
	if err != nil {
		return fmt.Errorf("installing CRDs on %s: %w", c.Name, err)
	}
	return nil
}

// GatewayAPICRDs is the directory of the standard Gateway API CRDs in the
// sigs.k8s.io/gateway-api module Aileron builds against: what a data plane
// gets from its infrastructure stack before workloads land.
func GatewayAPICRDs() (string, error) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "sigs.k8s.io/gateway-api").Output()
	if err != nil {
		return "", fmt.Errorf("locating the gateway-api module: %w", err)
	}
	return filepath.Join(strings.TrimSpace(string(out)), "config", "crd", "standard"), nil
}
