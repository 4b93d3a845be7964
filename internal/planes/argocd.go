package planes

import (
	"context"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
	"github.com/aileron-dev/aileron/internal/delivery/gitops"
	"github.com/aileron-dev/aileron/internal/hubapply"
)

// ArgoCDClusters keeps an Argo CD cluster Secret, in Argo CD's namespace,
// for every plane Argo CD delivers to (a data plane in GitOps delivery, a
// plane an Argo CD stack selects), and none for the others. A Secret is
// written only when its content changes (or once after a restart), so a
// plane's periodic probe costs no write, and applied again every Recheck
// whatever it holds: the manager may write Secrets in Argo CD's namespace
// but not read or watch them, so one deleted by hand is noticed only that
// way (an apply of what the server holds changes nothing there).
type ArgoCDClusters struct {
	Client    client.Client
	Namespace string

	written hubapply.Applied[Key]
}

// NewArgoCDClusters keeps the cluster Secrets in namespace, applying each
// again every recheck.
func NewArgoCDClusters(c client.Client, namespace string, recheck time.Duration) *ArgoCDClusters {
	return &ArgoCDClusters{Client: c, Namespace: namespace, written: hubapply.Applied[Key]{Recheck: recheck}}
}

// Sync writes pl's cluster Secret when want is set, with annotations for
// the ApplicationSets' templates, and removes it otherwise.
func (a *ArgoCDClusters) Sync(ctx context.Context, pl platformv1alpha1.Plane, p *Plane, want bool, annotations map[string]string) error {
	key := Key{Type: pl.PlaneType(), Name: pl.GetName()}
	if !want {
		return a.Remove(ctx, key)
	}
	secret, err := gitops.ClusterSecret(a.Namespace, pl, p.Config, annotations)
	if err != nil {
		return err
	}
	return a.written.ApplyAll(ctx, a.Client, key, secret)
}

// WantsCluster tells whether a data plane's workloads need Argo CD.
func WantsCluster(pl platformv1alpha1.Plane) bool {
	dp, ok := pl.(*platformv1alpha1.DataPlane)
	return ok && dp.Spec.Delivery == platformv1alpha1.DeliveryGitOps
}

// Remove deletes the plane's cluster Secret, if any.
func (a *ArgoCDClusters) Remove(ctx context.Context, key Key) error {
	return a.written.DeleteAll(ctx, a.Client, key,
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: a.Namespace, Name: gitops.ClusterSecretNameFor(key.Type, key.Name)}})
}
