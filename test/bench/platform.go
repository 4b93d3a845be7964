package main

import (
	"fmt"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
	"github.com/aileron-dev/aileron/test/testbed"
)

// organization is the synthetic platform's organization. The floor renders
// the same objects for floorOrganization, a name of the same length, so
// that its objects are the same size but land in other namespaces.
// gitopsOrganization is the same platform again, delivered through Git.
const (
	organization       = "bench"
	floorOrganization  = "floor"
	gitopsOrganization = "gitops"
)

// platform is a synthetic platform: planes, environments bound one to a
// plane each (round robin), a pipeline through the environments in order,
// projects, and components spread evenly over the projects.
type platform struct {
	org string
	// gitops makes the planes deliver through Git; each is then a second
	// DataPlane for a spoke, named gitops-<n>.
	gitops       bool
	planes       []string
	environments []string
	projects     []string
	components   []*platformv1alpha1.Component
}

func newPlatform(p params, org string, gitops bool) *platform {
	pl := &platform{org: org, gitops: gitops}
	for i := range p.planes {
		pl.planes = append(pl.planes, planeName(i, gitops))
	}
	for i := range p.environments {
		pl.environments = append(pl.environments, fmt.Sprintf("env-%d", i+1))
	}
	for i := range p.projects {
		pl.projects = append(pl.projects, fmt.Sprintf("p-%03d", i))
	}
	for i := range p.components {
		c := benchComponent(org, fmt.Sprintf("c-%04d", i), pl.projects[i%len(pl.projects)], "1.0.0")
		if p.typedEvery > 0 && i%p.typedEvery == p.typedEvery-1 {
			typed(c)
		}
		pl.components = append(pl.components, c)
	}
	return pl
}

// planeName names the i-th plane; its spoke is always plane-<i+1>.
func planeName(i int, gitops bool) string {
	if gitops {
		return fmt.Sprintf("gitops-%d", i+1)
	}
	return fmt.Sprintf("plane-%d", i+1)
}

// planeOf is the plane environment i is bound to.
func (pl *platform) planeOf(env int) string { return pl.planes[env%len(pl.planes)] }

// benchComponent is a typical backend: two replicas (so a disruption
// budget), one endpoint, configuration in the environment. It renders six
// objects per plane: NetworkPolicy, ServiceAccount, ConfigMap, Service,
// Deployment, PodDisruptionBudget.
func benchComponent(org, name, project, version string) *platformv1alpha1.Component {
	return &platformv1alpha1.Component{
		ObjectMeta: metav1.ObjectMeta{Namespace: org, Name: name},
		Spec: platformv1alpha1.ComponentSpec{
			ProjectRef: platformv1alpha1.LocalObjectReference{Name: project},
			Type:       platformv1alpha1.ComponentService,
			Image:      "registry.bench.example/" + project + "/" + name + ":" + version,
			AutoDeploy: true,
			Replicas:   ptr.To[int32](2),
			Endpoints: []platformv1alpha1.Endpoint{{
				Name: "http", Port: 8080, Protocol: platformv1alpha1.ProtocolHTTP, Visibility: platformv1alpha1.VisibilityProject,
			}},
			Container: platformv1alpha1.ContainerSpec{Env: []platformv1alpha1.EnvVar{{Name: "LOG_LEVEL", Value: ptr.To("info")}}},
		},
	}
}

// foundation is everything the components stand on, in creation order.
func (pl *platform) foundation() []client.Object {
	objs := []client.Object{
		&platformv1alpha1.ComponentType{ObjectMeta: metav1.ObjectMeta{Name: benchType}, Spec: *benchTypeSpec()},
		&platformv1alpha1.Trait{ObjectMeta: metav1.ObjectMeta{Name: benchTrait}, Spec: *benchTraitSpec()},
		&platformv1alpha1.Organization{ObjectMeta: metav1.ObjectMeta{Name: pl.org}},
	}
	for i, p := range pl.planes {
		dp := &platformv1alpha1.DataPlane{
			ObjectMeta: metav1.ObjectMeta{Name: p},
			Spec: platformv1alpha1.DataPlaneSpec{
				PlaneConnection: platformv1alpha1.PlaneConnection{
					KubeconfigSecretRef: platformv1alpha1.KubeconfigSecretReference{Name: planeName(i, false) + "-kubeconfig"},
				},
				Gateway: platformv1alpha1.GatewaySpec{PublicHost: p + ".apps.bench.example"},
			},
		}
		if pl.gitops {
			dp.Spec.Delivery = platformv1alpha1.DeliveryGitOps
		}
		objs = append(objs, dp)
	}
	for i, e := range pl.environments {
		objs = append(objs, &platformv1alpha1.Environment{
			ObjectMeta: metav1.ObjectMeta{Namespace: pl.org, Name: e},
			Spec:       platformv1alpha1.EnvironmentSpec{DataPlaneRef: &platformv1alpha1.LocalObjectReference{Name: pl.planeOf(i)}},
		})
	}
	pipeline := &platformv1alpha1.DeploymentPipeline{ObjectMeta: metav1.ObjectMeta{Namespace: pl.org, Name: "standard"}}
	for i := 1; i < len(pl.environments); i++ {
		pipeline.Spec.PromotionPaths = append(pipeline.Spec.PromotionPaths, platformv1alpha1.PromotionPath{
			SourceEnvironmentRef:  pl.environments[i-1],
			TargetEnvironmentRefs: []platformv1alpha1.TargetEnvironment{{Name: pl.environments[i]}},
		})
	}
	objs = append(objs, pipeline)
	for _, p := range pl.projects {
		objs = append(objs, &platformv1alpha1.Project{
			ObjectMeta: metav1.ObjectMeta{Namespace: pl.org, Name: p},
			Spec:       platformv1alpha1.ProjectSpec{DeploymentPipelineRef: platformv1alpha1.LocalObjectReference{Name: "standard"}},
		})
	}
	return objs
}

// work is what one component brings: the component itself (its first
// environment is bound by autoDeploy) and, for every later environment, the
// binding the promotion flow would create, at the same release.
func (pl *platform) work(c *platformv1alpha1.Component) ([]client.Object, error) {
	release, err := newRelease(c)
	if err != nil {
		return nil, err
	}
	objs := []client.Object{c.DeepCopy()}
	for _, env := range pl.environments[1:] {
		objs = append(objs, testbed.Binding(pl.org, c.Name, env, release.Name))
	}
	return objs, nil
}

// bindings is how many ReleaseBindings the platform has.
func (pl *platform) bindings() int { return len(pl.components) * len(pl.environments) }

// delivered tells whether a binding has everything applied and reported:
// every plane holds its release, and the binding is Ready or waits only
// for the workload to become available, which on API-only planes (no
// kubelet) never happens. Through GitOps, a binding is delivered once its
// release is committed for every plane: syncing is Argo CD's.
func delivered(b *platformv1alpha1.ReleaseBinding) bool {
	if b.Spec.Release == "" || b.Status.ObservedGeneration != b.Generation || len(b.Status.Planes) == 0 {
		return false
	}
	committed := true
	for _, p := range b.Status.Planes {
		if p.Delivery != platformv1alpha1.DeliveryGitOps || p.Release != b.Spec.Release || p.Revision == "" {
			committed = false
		}
	}
	if committed {
		return true
	}
	for _, p := range b.Status.Planes {
		if p.Release != b.Spec.Release || len(p.Inventory) == 0 ||
			(p.Health != platformv1alpha1.HealthHealthy && p.Health != platformv1alpha1.HealthProgressing) {
			return false
		}
	}
	ready := meta.FindStatusCondition(b.Status.Conditions, platformv1alpha1.ConditionReady)
	return ready != nil && ready.ObservedGeneration == b.Generation &&
		(ready.Status == metav1.ConditionTrue || ready.Reason == platformv1alpha1.ReasonWaitingForWorkload)
}

// newReleaseName is the Release the manager makes of c's current spec.
func newReleaseName(c *platformv1alpha1.Component) (string, error) {
	r, err := newRelease(c)
	if err != nil {
		return "", err
	}
	return r.Name, nil
}
