package fleet

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// EnvESODir names the directory with the External Secrets Operator's
// external-secrets binary and its crds/.
const EnvESODir = "AILERON_ESO_DIR"

// SecretStoreOptions describe the secret store a cluster of the fleet
// offers.
type SecretStoreOptions struct {
	// Dir holds the external-secrets binary and crds/; $AILERON_ESO_DIR if
	// empty.
	Dir string
	// Store names the ClusterSecretStore.
	Store string
	// Data are the store's secrets: remote key to value (a JSON object,
	// for keys read by property).
	Data map[string]string
}

// ExternalSecretsCRDs is the directory of the External Secrets Operator's
// CRDs: $AILERON_ESO_DIR/crds.
func ExternalSecretsCRDs() (string, error) {
	dir := os.Getenv(EnvESODir)
	crds := filepath.Join(dir, "crds")
	if _, err := os.Stat(crds); dir == "" || err != nil {
		return "", fmt.Errorf("the External Secrets Operator's CRDs were not found in %q: run 'make tools' and set %s (the Makefile does)", crds, EnvESODir)
	}
	return crds, nil
}

// StartExternalSecrets runs the real External Secrets Operator against c:
// its CRDs, its controller as a process of the fleet (the ExternalSecret
// and ClusterSecretStore reconcilers only: no webhook, no leader
// election), and a ClusterSecretStore of the operator's built-in fake
// provider holding opts.Data, which it waits to be Ready. A Secret then
// really appears in a namespace of c for each ExternalSecret that reads the
// store, as it would from Vault or a cloud secret manager.
func (f *Fleet) StartExternalSecrets(ctx context.Context, c *Cluster, opts SecretStoreOptions) error {
	dir := opts.Dir
	if dir == "" {
		dir = os.Getenv(EnvESODir)
	}
	bin := filepath.Join(dir, "external-secrets")
	if _, err := os.Stat(bin); dir == "" || err != nil {
		return fmt.Errorf("the external-secrets binary was not found in %q: run 'make tools' and set %s (the Makefile does)", dir, EnvESODir)
	}
	if err := c.InstallCRDs(filepath.Join(dir, "crds")); err != nil {
		return err
	}
	p := &process{name: "external-secrets-" + c.Name, path: bin, logPath: filepath.Join(f.dir, c.Name, "external-secrets.log"),
		env: []string{"KUBECONFIG=" + c.KubeconfigPath},
		args: []string{"--enable-leader-election=false", "--metrics-addr=0",
			"--enable-cluster-external-secret-reconciler=false", "--enable-push-secret-reconciler=false",
			"--enable-cluster-push-secret-reconciler=false", "--loglevel=warn", "--zap-time-encoding=iso8601"}}
	if err := p.start(); err != nil {
		return err
	}
	f.extrasMu.Lock()
	f.extras = append(f.extras, p)
	f.extrasMu.Unlock()
	k, err := client.New(c.Config, client.Options{})
	if err != nil {
		return err
	}
	store := FakeSecretStore(opts.Store, opts.Data)
	if err := k.Create(ctx, store); err != nil {
		return fmt.Errorf("creating the ClusterSecretStore %s on %s: %w", opts.Store, c.Name, err)
	}
	return waitFor(ctx, f.timeout, p, func(ctx context.Context) error {
		got := &unstructured.Unstructured{}
		got.SetGroupVersionKind(store.GroupVersionKind())
		if err := k.Get(ctx, client.ObjectKeyFromObject(store), got); err != nil {
			return err
		}
		conds, _, _ := unstructured.NestedSlice(got.Object, "status", "conditions")
		for _, cond := range conds {
			if m, ok := cond.(map[string]any); ok && m["type"] == "Ready" && m["status"] == "True" {
				return nil
			}
		}
		return fmt.Errorf("the ClusterSecretStore %s is not Ready: %v", opts.Store, conds)
	})
}

// FakeSecretStore is a ClusterSecretStore of the External Secrets
// Operator's fake provider, holding data (remote key to value).
func FakeSecretStore(name string, data map[string]string) *unstructured.Unstructured {
	keys := make([]string, 0, len(data))
	for k := range data {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	items := make([]any, 0, len(keys))
	for _, k := range keys {
		items = append(items, map[string]any{"key": k, "value": data[k]})
	}
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "external-secrets.io/v1", "kind": "ClusterSecretStore",
		"metadata": map[string]any{"name": name},
		"spec":     map[string]any{"provider": map[string]any{"fake": map[string]any{"data": items}}},
	}}
}
