package gitops

import (
	"fmt"

	"k8s.io/apimachinery/pkg/runtime/schema"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
	"github.com/aileron-dev/aileron/internal/delivery/gitops/argocd"
	"github.com/aileron-dev/aileron/internal/render"
)

// Health judges one component on one plane from the Application that syncs
// its cell there. synced tells whether the Application's last sync
// revision includes the commit that holds the component's current render.
// The component is Healthy once Argo CD reports each of its objects
// Synced and, where Argo CD judges health, Healthy.
func Health(app *argocd.Application, synced bool, objs render.Objects, state platformv1alpha1.BindingState) (platformv1alpha1.PlaneHealth, string) {
	if app == nil {
		return platformv1alpha1.HealthProgressing, "waiting for Argo CD to generate the cell's Application"
	}
	for _, c := range app.Status.Conditions {
		// ComparisonError, SyncError, InvalidSpecError...: Argo CD cannot
		// do its part, and says why.
		if len(c.Type) > 5 && c.Type[len(c.Type)-5:] == "Error" {
			return platformv1alpha1.HealthDegraded, fmt.Sprintf("Argo CD Application %s: %s: %s", app.Name, c.Type, c.Message)
		}
	}
	if !synced {
		rev := app.Status.Sync.Revision
		if rev == "" {
			rev = "none yet"
		} else if len(rev) > 8 {
			rev = rev[:8]
		}
		return platformv1alpha1.HealthProgressing, fmt.Sprintf("waiting for Argo CD to sync the commit (Application %s is at revision %s)", app.Name, rev)
	}
	type key struct {
		group, kind, namespace, name string
	}
	live := map[key]argocd.ResourceStatus{}
	for _, r := range app.Status.Resources {
		live[key{r.Group, r.Kind, r.Namespace, r.Name}] = r
	}
	for _, o := range objs {
		gvk := o.GroupVersionKind()
		r, ok := live[key{gvk.Group, gvk.Kind, o.GetNamespace(), o.GetName()}]
		what := describe(gvk.GroupKind(), o.GetName())
		switch {
		case !ok:
			return platformv1alpha1.HealthProgressing, fmt.Sprintf("waiting for Argo CD to apply %s", what)
		case r.Status != argocd.SyncStatusSynced:
			return platformv1alpha1.HealthProgressing, fmt.Sprintf("%s is %s in Argo CD", what, r.Status)
		case r.Health == nil:
			continue
		}
		switch r.Health.Status {
		case argocd.HealthHealthy, "":
		case argocd.HealthDegraded:
			return platformv1alpha1.HealthDegraded, fmt.Sprintf("%s is Degraded: %s", what, r.Health.Message)
		case argocd.HealthSuspended:
			return platformv1alpha1.HealthSuspended, fmt.Sprintf("%s is Suspended", what)
		default:
			msg := fmt.Sprintf("%s is %s", what, r.Health.Status)
			if r.Health.Message != "" {
				msg += ": " + r.Health.Message
			}
			return platformv1alpha1.HealthProgressing, msg
		}
	}
	if state == platformv1alpha1.BindingSuspended {
		return platformv1alpha1.HealthSuspended, "scaled to zero through Argo CD"
	}
	return platformv1alpha1.HealthHealthy, ""
}

func describe(gk schema.GroupKind, name string) string {
	return gk.Kind + " " + name
}
