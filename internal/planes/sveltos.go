package planes

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/aileron-dev/aileron/internal/hubapply"
	"github.com/aileron-dev/aileron/internal/stack"
	"github.com/aileron-dev/aileron/internal/stack/sveltos"
)

// SveltosClusters registers every plane with Sveltos: a SveltosCluster,
// labelled like the plane so that ClusterProfiles select it, and the
// Secret it reads the plane's kubeconfig from, both in the operator's
// namespace (the only namespace whose Secrets the manager touches). They
// are written only when they change.
type SveltosClusters struct {
	Client    client.Client
	Namespace string

	written hubapply.Applied[Key]
}

// Sync writes the plane's SveltosCluster and kubeconfig Secret.
func (s *SveltosClusters) Sync(ctx context.Context, p stack.Plane, kubeconfig []byte) error {
	return s.written.ApplyAll(ctx, s.Client, Key{Type: p.Type, Name: p.Name},
		stack.KubeconfigSecret(s.Namespace, p, kubeconfig), stack.SveltosCluster(s.Namespace, p))
}

// Remove deletes them.
func (s *SveltosClusters) Remove(ctx context.Context, key Key) error {
	name := stack.ClusterName(key.Type, key.Name)
	return s.written.DeleteAll(ctx, s.Client, key,
		&sveltos.SveltosCluster{ObjectMeta: metav1.ObjectMeta{Namespace: s.Namespace, Name: name}},
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: s.Namespace, Name: name + sveltos.KubeconfigSecretSuffix}})
}
