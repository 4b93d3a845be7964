// Package index declares the field indexes controllers look objects up by,
// in one place, so that one controller's watch can map to another's objects
// without either importing the other.
package index

import (
	"context"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
	"github.com/aileron-dev/aileron/internal/render"
	"github.com/aileron-dev/aileron/internal/stack/sveltos"
)

// Index names. Each is a pseudo field path of the indexed kind.
const (
	// PlaneSecret indexes every plane kind by its kubeconfig Secret's name.
	PlaneSecret = "spec.kubeconfigSecretRef.name"
	// EnvironmentPlane indexes Environments by each resolved DataPlane.
	EnvironmentPlane = "status.dataPlanes"
	// ProjectPipeline indexes Projects by their DeploymentPipeline.
	ProjectPipeline = "spec.deploymentPipelineRef.name"
	// ComponentProject indexes Components by their Project.
	ComponentProject = "spec.projectRef.name"
	// ComponentDependency indexes Components by each callee, as
	// "<project>/<component>" (the caller's project when the dependency
	// names none).
	ComponentDependency = "spec.dependencies"
	// ComponentType indexes Components by their ComponentType's name.
	ComponentType = "spec.type"
	// ComponentTrait indexes Components by each Trait they apply.
	ComponentTrait = "spec.traits.name"
	// ReleaseComponent indexes Releases by their Component.
	ReleaseComponent = "spec.componentRef.name"
	// BindingComponent indexes ReleaseBindings by their Component.
	BindingComponent = "spec.componentRef.name"
	// BindingRelease indexes ReleaseBindings by the Release they ask for.
	BindingRelease = "spec.release"
	// BindingEnvironment indexes ReleaseBindings by their Environment.
	BindingEnvironment = "spec.environmentRef.name"
	// ComponentSecretRef indexes Components by each SecretReference they
	// read.
	ComponentSecretRef = "spec.container.secretRefs"
	// ReleaseSecretRef indexes Releases by each SecretReference their
	// component reads.
	ReleaseSecretRef = "spec.componentSpec.container.secretRefs"
	// BindingSecretRef indexes ReleaseBindings by each SecretReference
	// their overrides read.
	BindingSecretRef = "spec.overrides.secretRefs"
	// BindingPlane indexes ReleaseBindings by each DataPlane they have
	// delivered to and not yet cleaned.
	BindingPlane = "status.planes.plane"
	// ComponentBuildPlane indexes Components built from source by the
	// BuildPlane they name, or DefaultBuildPlane when they name none.
	ComponentBuildPlane = "spec.build.buildPlaneRef.name"
	// BuildRunComponent indexes BuildRuns by their Component.
	BuildRunComponent = "spec.componentRef.name"
	// BuildRunPlane indexes BuildRuns by their BuildPlane.
	BuildRunPlane = "spec.buildPlaneRef.name"
)

// DefaultBuildPlane is the ComponentBuildPlane value of a component that
// names no BuildPlane: no plane can be called "-".
const DefaultBuildPlane = "-"

// Register adds every index to the manager's cache.
func Register(ctx context.Context, mgr ctrl.Manager) error {
	for _, e := range entries() {
		if err := mgr.GetFieldIndexer().IndexField(ctx, e.obj, e.field, e.extract); err != nil {
			return err
		}
	}
	return nil
}

// entry is one index: the kind, its name, and the values of an object.
type entry struct {
	obj     client.Object
	field   string
	extract client.IndexerFunc
}

func entries() []entry {
	planeSecret := func(o client.Object) []string {
		p, ok := o.(platformv1alpha1.Plane)
		if !ok {
			return nil
		}
		return []string{p.Connection().KubeconfigSecretRef.Name}
	}
	return []entry{
		{&platformv1alpha1.DataPlane{}, PlaneSecret, planeSecret},
		{&platformv1alpha1.BuildPlane{}, PlaneSecret, planeSecret},
		{&platformv1alpha1.ObservabilityPlane{}, PlaneSecret, planeSecret},
		{&platformv1alpha1.Environment{}, EnvironmentPlane, func(o client.Object) []string {
			return o.(*platformv1alpha1.Environment).Status.DataPlanes
		}},
		{&platformv1alpha1.Project{}, ProjectPipeline, func(o client.Object) []string {
			return []string{o.(*platformv1alpha1.Project).Spec.DeploymentPipelineRef.Name}
		}},
		{&platformv1alpha1.Component{}, ComponentProject, func(o client.Object) []string {
			return []string{o.(*platformv1alpha1.Component).Spec.ProjectRef.Name}
		}},
		{&platformv1alpha1.Component{}, ComponentDependency, func(o client.Object) []string {
			c := o.(*platformv1alpha1.Component)
			return each(c.Spec.Dependencies, func(d platformv1alpha1.Dependency) string { return DependencyKey(c, d) })
		}},
		{&platformv1alpha1.Component{}, ComponentType, func(o client.Object) []string {
			return []string{o.(*platformv1alpha1.Component).Spec.Type.ObjectName()}
		}},
		{&platformv1alpha1.Component{}, ComponentTrait, func(o client.Object) []string {
			return each(o.(*platformv1alpha1.Component).Spec.Traits, func(t platformv1alpha1.ComponentTrait) string { return t.Name })
		}},
		{&platformv1alpha1.Release{}, ReleaseComponent, func(o client.Object) []string {
			return []string{o.(*platformv1alpha1.Release).Spec.ComponentRef.Name}
		}},
		{&platformv1alpha1.Component{}, ComponentSecretRef, func(o client.Object) []string {
			return render.SecretRefNames(o.(*platformv1alpha1.Component).Spec, nil)
		}},
		{&platformv1alpha1.Release{}, ReleaseSecretRef, func(o client.Object) []string {
			return render.SecretRefNames(o.(*platformv1alpha1.Release).Spec.ComponentSpec, nil)
		}},
		{&platformv1alpha1.ReleaseBinding{}, BindingSecretRef, func(o client.Object) []string {
			return render.OverrideSecretRefNames(o.(*platformv1alpha1.ReleaseBinding).Spec.Overrides)
		}},
		{&platformv1alpha1.ReleaseBinding{}, BindingComponent, func(o client.Object) []string {
			return []string{o.(*platformv1alpha1.ReleaseBinding).Spec.ComponentRef.Name}
		}},
		{&platformv1alpha1.ReleaseBinding{}, BindingRelease, func(o client.Object) []string {
			return []string{o.(*platformv1alpha1.ReleaseBinding).Spec.Release}
		}},
		{&platformv1alpha1.ReleaseBinding{}, BindingEnvironment, func(o client.Object) []string {
			return []string{o.(*platformv1alpha1.ReleaseBinding).Spec.EnvironmentRef.Name}
		}},
		{&platformv1alpha1.ReleaseBinding{}, BindingPlane, func(o client.Object) []string {
			return each(o.(*platformv1alpha1.ReleaseBinding).Status.Planes, func(p platformv1alpha1.PlaneDeliveryStatus) string { return p.Plane })
		}},
		{&platformv1alpha1.Component{}, ComponentBuildPlane, func(o client.Object) []string {
			b := o.(*platformv1alpha1.Component).Spec.Build
			switch {
			case b == nil:
				return nil
			case b.BuildPlaneRef != nil:
				return []string{b.BuildPlaneRef.Name}
			default:
				return []string{DefaultBuildPlane}
			}
		}},
		{&platformv1alpha1.BuildRun{}, BuildRunComponent, func(o client.Object) []string {
			return []string{o.(*platformv1alpha1.BuildRun).Spec.ComponentRef.Name}
		}},
		{&platformv1alpha1.BuildRun{}, BuildRunPlane, func(o client.Object) []string {
			return []string{o.(*platformv1alpha1.BuildRun).Spec.BuildPlaneRef.Name}
		}},
	}
}

// each is the index value of every item.
func each[T any](items []T, value func(T) string) []string {
	out := make([]string, 0, len(items))
	for _, it := range items {
		out = append(out, value(it))
	}
	return out
}

// SummaryCluster indexes Sveltos' ClusterSummaries by the cluster they
// report on: a plane's probe reads its own, not every plane's.
const SummaryCluster = "spec.clusterName"

// RegisterSveltos adds the indexes of Sveltos' kinds, when the hub serves
// them.
func RegisterSveltos(ctx context.Context, mgr ctrl.Manager) error {
	return mgr.GetFieldIndexer().IndexField(ctx, &sveltos.ClusterSummary{}, SummaryCluster, func(o client.Object) []string {
		return []string{o.(*sveltos.ClusterSummary).Spec.ClusterName}
	})
}

// DependencyKey is the ComponentDependency index value of a dependency of c.
func DependencyKey(c *platformv1alpha1.Component, d platformv1alpha1.Dependency) string {
	project := d.Project
	if project == "" {
		project = c.Spec.ProjectRef.Name
	}
	return project + "/" + d.Component
}
