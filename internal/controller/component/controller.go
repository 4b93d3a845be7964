// Package component reconciles Components: each spec becomes an immutable
// Release, the pipeline's first environment gets a ReleaseBinding (moved
// to each new Release when autoDeploy is set), and the bindings' state is
// summarised back on the Component.
package component

import (
	"context"
	"errors"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
	"github.com/aileron-dev/aileron/internal/binding"
	"github.com/aileron-dev/aileron/internal/builds"
	"github.com/aileron-dev/aileron/internal/conditions"
	"github.com/aileron-dev/aileron/internal/controller/common"
	"github.com/aileron-dev/aileron/internal/controller/index"
	"github.com/aileron-dev/aileron/internal/pipeline"
	"github.com/aileron-dev/aileron/internal/render"
	"github.com/aileron-dev/aileron/internal/resolve"
)

// +kubebuilder:rbac:groups=platform.aileron.dev,resources=secretreferences,verbs=get;list;watch
// +kubebuilder:rbac:groups=platform.aileron.dev,resources=components,verbs=get;list;watch;patch
// +kubebuilder:rbac:groups=platform.aileron.dev,resources=components/status,verbs=get;patch
// +kubebuilder:rbac:groups=platform.aileron.dev,resources=components/finalizers,verbs=update
// +kubebuilder:rbac:groups=platform.aileron.dev,resources=releases,verbs=get;list;watch;create;delete
// +kubebuilder:rbac:groups=platform.aileron.dev,resources=releasebindings,verbs=get;list;watch;create;patch;delete
// +kubebuilder:rbac:groups=platform.aileron.dev,resources=projects;deploymentpipelines,verbs=get;list;watch
// +kubebuilder:rbac:groups=platform.aileron.dev,resources=dataplanes;observabilityplanes,verbs=get;list;watch
// +kubebuilder:rbac:groups=platform.aileron.dev,resources=componenttypes;traits,verbs=get;list;watch
// +kubebuilder:rbac:groups=platform.aileron.dev,resources=buildruns,verbs=get;list;watch;delete

// buildTracked passes the updates of a component's build status, which
// the build source controller writes: the run of a new commit, or why the
// source cannot be resolved.
func buildTracked() predicate.Predicate {
	return predicate.Funcs{UpdateFunc: func(e event.UpdateEvent) bool {
		o, okOld := e.ObjectOld.(*platformv1alpha1.Component)
		n, okNew := e.ObjectNew.(*platformv1alpha1.Component)
		if !okOld || !okNew {
			return false
		}
		oc := meta.FindStatusCondition(o.Status.Conditions, platformv1alpha1.ConditionSourceResolved)
		nc := meta.FindStatusCondition(n.Status.Conditions, platformv1alpha1.ConditionSourceResolved)
		sameSource := (oc == nil) == (nc == nil) && (oc == nil || (oc.Status == nc.Status && oc.Reason == nc.Reason && oc.Message == nc.Message))
		return o.Status.LatestBuild != n.Status.LatestBuild || !sameSource
	}}
}

// runPhaseChanged passes BuildRuns created, deleted, or moving to another
// phase.
func runPhaseChanged() predicate.Predicate {
	return predicate.Funcs{UpdateFunc: func(e event.UpdateEvent) bool {
		o, okOld := e.ObjectOld.(*platformv1alpha1.BuildRun)
		n, okNew := e.ObjectNew.(*platformv1alpha1.BuildRun)
		return okOld && okNew && (o.Status.Phase != n.Status.Phase || o.Status.Image != n.Status.Image ||
			o.Status.Message != n.Status.Message || (n.DeletionTimestamp != nil && o.DeletionTimestamp == nil))
	}}
}

func componentOfRun(_ context.Context, o client.Object) []reconcile.Request {
	r, ok := o.(*platformv1alpha1.BuildRun)
	if !ok {
		return nil
	}
	return []reconcile.Request{{NamespacedName: client.ObjectKey{Namespace: r.Namespace, Name: r.Spec.ComponentRef.Name}}}
}

// Reconciler reconciles Components.
type Reconciler struct {
	client.Client
	// APIReader reads past the cache when a status write conflicts with
	// the buildsource controller's.
	APIReader               client.Reader
	MaxConcurrentReconciles int
}

// StatusSharing leaves the source's part of the status to the buildsource
// controller: the two write one status without undoing each other.
func (r *Reconciler) StatusSharing() common.Sharing {
	return common.Sharing{
		Part:   common.StatusPart{Fields: builds.SourceStatusFields, Conditions: builds.SourceConditions},
		Reader: r.APIReader,
	}
}

// SetupWithManager registers the controller: its bindings' status rolls
// up into it, its project's readiness gates it, its callees' changes
// re-check its dependencies, and its builds bring its images.
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).
		For(&platformv1alpha1.Component{}, builder.WithPredicates(predicate.Or(predicate.GenerationChangedPredicate{}, common.CreatedOrDeleted(), buildTracked()))).
		// A component built from source runs what its runs built.
		Watches(&platformv1alpha1.BuildRun{}, handler.EnqueueRequestsFromMapFunc(componentOfRun), builder.WithPredicates(runPhaseChanged())).
		// Every binding of the component, not only the one it owns: bindings
		// made by promotion or by hand roll up too.
		Watches(&platformv1alpha1.ReleaseBinding{}, handler.EnqueueRequestsFromMapFunc(componentOfBinding)).
		Watches(&platformv1alpha1.Project{}, handler.EnqueueRequestsFromMapFunc(r.componentsOfProject), builder.WithPredicates(common.ReadyChanged())).
		// A type or trait edited makes a new release of each component
		// that uses it.
		Watches(&platformv1alpha1.ComponentType{}, handler.EnqueueRequestsFromMapFunc(r.componentsOf(index.ComponentType)), common.OnSpec()).
		Watches(&platformv1alpha1.Trait{}, handler.EnqueueRequestsFromMapFunc(r.componentsOf(index.ComponentTrait)), common.OnSpec()).
		// A SecretReference created, deleted or given other keys changes
		// what the components that read it may name.
		Watches(&platformv1alpha1.SecretReference{}, handler.EnqueueRequestsFromMapFunc(r.componentsReading), common.OnSpec()).
		Watches(&platformv1alpha1.ObservabilityPlane{}, handler.EnqueueRequestsFromMapFunc(r.allComponents), common.OnSpec()).
		Watches(&platformv1alpha1.DataPlane{}, handler.EnqueueRequestsFromMapFunc(r.allComponents), common.OnSpec()).
		Watches(&platformv1alpha1.Component{}, handler.EnqueueRequestsFromMapFunc(r.callers),
			builder.WithPredicates(predicate.Or(predicate.GenerationChangedPredicate{}, common.CreatedOrDeleted()))).
		WithOptions(common.ControllerOptions(r.MaxConcurrentReconciles)).
		Complete(r)
}

func componentOfBinding(_ context.Context, o client.Object) []reconcile.Request {
	b, ok := o.(*platformv1alpha1.ReleaseBinding)
	if !ok {
		return nil
	}
	return []reconcile.Request{{NamespacedName: client.ObjectKey{Namespace: b.Namespace, Name: b.Spec.ComponentRef.Name}}}
}

func (r *Reconciler) componentsOfProject(ctx context.Context, o client.Object) []reconcile.Request {
	return common.RequestsFor(ctx, r.Client, &platformv1alpha1.ComponentList{},
		client.InNamespace(o.GetNamespace()), client.MatchingFields{index.ComponentProject: o.GetName()})
}

// componentsOf maps a ComponentType or Trait to the components, of every
// organization, that index by its name.
func (r *Reconciler) componentsOf(field string) handler.MapFunc {
	return func(ctx context.Context, o client.Object) []reconcile.Request {
		return common.RequestsFor(ctx, r.Client, &platformv1alpha1.ComponentList{}, client.MatchingFields{field: o.GetName()})
	}
}

func (r *Reconciler) componentsReading(ctx context.Context, o client.Object) []reconcile.Request {
	return common.RequestsFor(ctx, r.Client, &platformv1alpha1.ComponentList{},
		client.InNamespace(o.GetNamespace()), client.MatchingFields{index.ComponentSecretRef: o.GetName()})
}

func (r *Reconciler) callers(ctx context.Context, o client.Object) []reconcile.Request {
	callee, ok := o.(*platformv1alpha1.Component)
	if !ok {
		return nil
	}
	return common.RequestsFor(ctx, r.Client, &platformv1alpha1.ComponentList{}, client.InNamespace(callee.Namespace),
		client.MatchingFields{index.ComponentDependency: callee.Spec.ProjectRef.Name + "/" + callee.Name})
}

// Reconcile runs the shared skeleton.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	return common.Reconcile(ctx, r.Client, req, &platformv1alpha1.Component{}, r)
}

// ReconcileNormal makes the component's Release and first binding, and
// summarises its bindings.
func (r *Reconciler) ReconcileNormal(ctx context.Context, c *platformv1alpha1.Component) (ctrl.Result, error) {
	c.Labels = common.MergeLabels(c.Labels, map[string]string{
		platformv1alpha1.LabelOrganization: c.Namespace,
		platformv1alpha1.LabelProject:      c.Spec.ProjectRef.Name,
	})
	project := &platformv1alpha1.Project{}
	if found, err := common.GetReference(ctx, r.Client, client.ObjectKey{Namespace: c.Namespace, Name: c.Spec.ProjectRef.Name}, project, c,
		fmt.Sprintf("Project %s does not exist in organization %s: create it, or fix spec.projectRef", c.Spec.ProjectRef.Name, c.Namespace)); !found {
		return ctrl.Result{}, err
	}
	if !conditions.IsReady(project) {
		conditions.MarkProgressing(c, platformv1alpha1.ReasonDependencyNotReady, conditions.NotReady("Project", project))
		return ctrl.Result{}, nil
	}
	if _, err := resolve.Dependencies(ctx, r.Client, c.Namespace, c.Spec.ProjectRef.Name, c.Spec); err != nil {
		var problem *resolve.Problem
		if errors.As(err, &problem) {
			conditions.MarkStalled(c, platformv1alpha1.ReasonReferenceNotFound, problem.Message)
			return ctrl.Result{}, nil
		}
		return ctrl.Result{}, err
	}
	secrets, err := resolve.Secrets(ctx, r.Client, c.Namespace, c.Spec, nil)
	if err != nil {
		var problem *resolve.Problem
		if errors.As(err, &problem) {
			conditions.MarkStalled(c, platformv1alpha1.ReasonReferenceNotFound, problem.Message)
			return ctrl.Result{}, nil
		}
		return ctrl.Result{}, err
	}
	if err := render.ValidateSpec(c.Spec); err != nil {
		conditions.MarkStalled(c, platformv1alpha1.ReasonInvalidSpec, err.Error())
		return ctrl.Result{}, nil
	}
	if err := render.CheckSecrets(c.Namespace, c.Spec, secrets); err != nil {
		conditions.MarkStalled(c, platformv1alpha1.ReasonInvalidSpec, err.Error())
		return ctrl.Result{}, nil
	}
	pinned, err := resolve.Types(ctx, r.Client, c.Namespace, c.Spec)
	if err != nil {
		var problem *resolve.Problem
		var refusal *resolve.Refusal
		switch {
		case errors.As(err, &problem):
			conditions.MarkStalled(c, platformv1alpha1.ReasonReferenceNotFound, problem.Message)
		case errors.As(err, &refusal):
			// A change of the type or trait brings the component back
			// (see SetupWithManager).
			conditions.MarkStalled(c, refusal.Reason, refusal.Message)
		default:
			return ctrl.Result{}, err
		}
		return ctrl.Result{}, nil
	}
	image := c.Spec.Image
	if c.Spec.Build != nil {
		runs := &platformv1alpha1.BuildRunList{}
		if err := r.List(ctx, runs, client.InNamespace(c.Namespace), client.MatchingFields{index.BuildRunComponent: c.Name}); err != nil {
			return ctrl.Result{}, err
		}
		var newest *platformv1alpha1.BuildRun
		image, newest = builtImage(c, runs.Items)
		setBuildSucceeded(c, newest)
		if image == "" {
			markAwaitingBuild(c, newest)
			return ctrl.Result{}, nil
		}
	} else {
		forgetBuild(c)
	}
	release, err := r.ensureRelease(ctx, c, image, *pinned)
	if err != nil {
		return ctrl.Result{}, err
	}
	c.Status.LatestRelease = release.Name

	pl := &platformv1alpha1.DeploymentPipeline{}
	if err := r.Get(ctx, client.ObjectKey{Namespace: c.Namespace, Name: project.Spec.DeploymentPipelineRef.Name}, pl); err != nil {
		return ctrl.Result{}, err
	}
	if pl.Status.InitialEnvironment != "" {
		if err := r.ensureInitialBinding(ctx, c, pl.Status.InitialEnvironment, release.Name); err != nil {
			return ctrl.Result{}, err
		}
	}
	bindings := &platformv1alpha1.ReleaseBindingList{}
	if err := r.List(ctx, bindings, client.InNamespace(c.Namespace), client.MatchingFields{index.BindingComponent: c.Name}); err != nil {
		return ctrl.Result{}, err
	}
	observability, err := r.observabilityPlanes(ctx, bindings.Items)
	if err != nil {
		return ctrl.Result{}, err
	}
	// Bindings' changes reach the component as events; nothing polls
	// them.
	summarize(c, bindings.Items, observability)
	return ctrl.Result{}, nil
}

// observabilityPlanes maps each data plane the bindings run on to the
// ObservabilityPlane it names, when that exists.
func (r *Reconciler) observabilityPlanes(ctx context.Context, bindings []platformv1alpha1.ReleaseBinding) (map[string]*platformv1alpha1.ObservabilityPlane, error) {
	out := map[string]*platformv1alpha1.ObservabilityPlane{}
	for _, b := range bindings {
		for _, p := range b.Status.Planes {
			if _, seen := out[p.Plane]; seen {
				continue
			}
			out[p.Plane] = nil
			dp := &platformv1alpha1.DataPlane{}
			if err := r.Get(ctx, client.ObjectKey{Name: p.Plane}, dp); err != nil {
				if apierrors.IsNotFound(err) {
					continue
				}
				return nil, err
			}
			if dp.Spec.ObservabilityPlaneRef == nil {
				continue
			}
			op := &platformv1alpha1.ObservabilityPlane{}
			if err := r.Get(ctx, client.ObjectKey{Name: dp.Spec.ObservabilityPlaneRef.Name}, op); err != nil {
				if apierrors.IsNotFound(err) {
					continue
				}
				return nil, err
			}
			out[p.Plane] = op
		}
	}
	return out, nil
}

// allComponents maps a change that may alter any component's links (an
// observability plane's templates, the plane a data plane ships to) to
// every component: rare changes, made by the platform team.
func (r *Reconciler) allComponents(ctx context.Context, _ client.Object) []reconcile.Request {
	return common.RequestsFor(ctx, r.Client, &platformv1alpha1.ComponentList{})
}

func (r *Reconciler) ensureRelease(ctx context.Context, c *platformv1alpha1.Component, image string, pinned resolve.Pinned) (*platformv1alpha1.Release, error) {
	release, err := binding.NewRelease(c, image, pinned)
	if err != nil {
		return nil, err
	}
	existing := &platformv1alpha1.Release{}
	if err := r.Get(ctx, client.ObjectKeyFromObject(release), existing); err == nil {
		return existing, nil
	} else if !apierrors.IsNotFound(err) {
		return nil, err
	}
	if err := controllerutil.SetOwnerReference(c, release, r.Scheme()); err != nil {
		return nil, err
	}
	if err := r.Create(ctx, release); err != nil && !apierrors.IsAlreadyExists(err) {
		return nil, fmt.Errorf("creating Release %s: %w", release.Name, err)
	}
	ctrl.LoggerFrom(ctx).Info("created release", "release", release.Name)
	return release, nil
}

// ensureInitialBinding binds the first environment: to the latest release
// when the binding is new or autoDeploy is set; otherwise it stays where
// promotion or a person put it.
func (r *Reconciler) ensureInitialBinding(ctx context.Context, c *platformv1alpha1.Component, env, release string) error {
	key := client.ObjectKey{Namespace: c.Namespace, Name: binding.Name(c.Name, env)}
	existing := &platformv1alpha1.ReleaseBinding{}
	err := r.Get(ctx, key, existing)
	switch {
	case err == nil && (!c.Spec.AutoDeploy || existing.Spec.Release == release):
		return nil
	case err != nil && !apierrors.IsNotFound(err):
		return err
	}
	template := binding.Template(c.Namespace, c.Spec.ProjectRef.Name, c.Name, env)
	if err := controllerutil.SetControllerReference(c, template, r.Scheme()); err != nil {
		return err
	}
	via := pipeline.FirstReleaseVia
	if c.Spec.AutoDeploy {
		via = pipeline.AutoDeployVia
	}
	return binding.Move(ctx, r.Client, key, template, release, platformv1alpha1.BindingHistoryEntry{By: pipeline.AutomaticActor, Via: via})
}

// ReconcileDelete removes the component's bindings, which clean the
// planes, then its releases.
func (r *Reconciler) ReconcileDelete(ctx context.Context, c *platformv1alpha1.Component) (ctrl.Result, error) {
	if done, res, err := common.DeleteChildren(ctx, r.Client, c, "release bindings", &platformv1alpha1.ReleaseBindingList{},
		client.InNamespace(c.Namespace), client.MatchingFields{index.BindingComponent: c.Name}); !done {
		return res, err
	}
	if _, err := common.DeleteAll(ctx, r.Client, &platformv1alpha1.ReleaseList{},
		client.InNamespace(c.Namespace), client.MatchingFields{index.ReleaseComponent: c.Name}); err != nil {
		return ctrl.Result{}, err
	}
	// Build runs take their workflows from the build plane by themselves;
	// an unreachable build plane holds them, not the component.
	if _, err := common.DeleteAll(ctx, r.Client, &platformv1alpha1.BuildRunList{},
		client.InNamespace(c.Namespace), client.MatchingFields{index.BuildRunComponent: c.Name}); err != nil {
		return ctrl.Result{}, err
	}
	common.LetGo(c)
	return ctrl.Result{}, nil
}
