package planes

import (
	"context"
	"sync"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
	"github.com/aileron-dev/aileron/internal/delivery/gitops"
)

// ArgoCDClusters keeps an Argo CD cluster Secret for every data plane in
// GitOps delivery, in Argo CD's namespace, and none for the others. A
// Secret is written only when its content changes (or once after a
// restart), so a plane's periodic probe costs no write.
type ArgoCDClusters struct {
	Client    client.Client
	Namespace string

	mu sync.Mutex
	// written maps a plane to the hash of the Secret last applied, or
	// "absent" once it has been deleted.
	written map[string]string
}

const absent = "absent"

// Sync writes or removes dp's cluster Secret according to its delivery.
func (a *ArgoCDClusters) Sync(ctx context.Context, dp *platformv1alpha1.DataPlane, p *Plane) error {
	if dp.Spec.Delivery != platformv1alpha1.DeliveryGitOps {
		return a.Remove(ctx, dp.Name)
	}
	secret, err := gitops.ClusterSecret(a.Namespace, dp, p.Config)
	if err != nil {
		return err
	}
	hash, err := gitops.ContentHash(secret)
	if err != nil {
		return err
	}
	if a.last(dp.Name) == hash {
		return nil
	}
	if err := gitops.Apply(ctx, a.Client, secret); err != nil {
		return err
	}
	a.remember(dp.Name, hash)
	return nil
}

// Remove deletes the plane's cluster Secret, if any.
func (a *ArgoCDClusters) Remove(ctx context.Context, plane string) error {
	if a.last(plane) == absent {
		return nil
	}
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: a.Namespace, Name: gitops.ClusterSecretName(plane)}}
	if err := a.Client.Delete(ctx, s); client.IgnoreNotFound(err) != nil {
		return err
	}
	a.remember(plane, absent)
	return nil
}

func (a *ArgoCDClusters) last(plane string) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.written[plane]
}

func (a *ArgoCDClusters) remember(plane, v string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.written == nil {
		a.written = map[string]string{}
	}
	a.written[plane] = v
}
