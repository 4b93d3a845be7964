// Package buildrun reconciles BuildRuns: it renders each run's Argo
// Workflow, creates it on the run's BuildPlane, follows it until it ends,
// and records the pushed image or the failed step. A deleted run takes its
// workflow with it.
package buildrun

import (
	"context"
	"fmt"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
	"github.com/aileron-dev/aileron/internal/builds"
	"github.com/aileron-dev/aileron/internal/conditions"
	"github.com/aileron-dev/aileron/internal/controller/common"
	"github.com/aileron-dev/aileron/internal/controller/index"
	"github.com/aileron-dev/aileron/internal/planes"
	"github.com/aileron-dev/aileron/internal/render/build"
)

// +kubebuilder:rbac:groups=platform.aileron.dev,resources=buildruns,verbs=get;list;watch;patch
// +kubebuilder:rbac:groups=platform.aileron.dev,resources=buildruns/status,verbs=get;patch
// +kubebuilder:rbac:groups=platform.aileron.dev,resources=buildruns/finalizers,verbs=update
// +kubebuilder:rbac:groups=platform.aileron.dev,resources=buildplanes,verbs=get;list;watch

// Requeue intervals while waiting on the build plane.
const (
	// runningRequeue is how often a running build's workflow is read:
	// builds take minutes, and a read is one request.
	runningRequeue     = 5 * time.Second
	unreachableRequeue = 30 * time.Second
)

// Reconciler reconciles BuildRuns.
type Reconciler struct {
	client.Client
	Registry                *planes.Registry
	MaxConcurrentReconciles int
	// Now is the clock, for the times a workflow does not report;
	// time.Now when nil.
	Now func() time.Time
}

// SetupWithManager registers the controller; a BuildPlane coming back
// (reachable again) or changing its spec wakes its runs.
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager) error {
	if r.Now == nil {
		r.Now = time.Now
	}
	return ctrl.NewControllerManagedBy(mgr).
		For(&platformv1alpha1.BuildRun{}, builder.WithPredicates(predicate.Or(predicate.GenerationChangedPredicate{}, common.CreatedOrDeleted()))).
		Watches(&platformv1alpha1.BuildPlane{}, handler.EnqueueRequestsFromMapFunc(r.runsOfPlane),
			builder.WithPredicates(predicate.Or(predicate.GenerationChangedPredicate{}, common.ReachabilityChanged(), common.CreatedOrDeleted()))).
		WithOptions(common.ControllerOptions(r.MaxConcurrentReconciles)).
		Complete(r)
}

func (r *Reconciler) runsOfPlane(ctx context.Context, o client.Object) []reconcile.Request {
	return common.RequestsFor(ctx, r.Client, &platformv1alpha1.BuildRunList{}, client.MatchingFields{index.BuildRunPlane: o.GetName()})
}

// Reconcile runs the shared skeleton.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	return common.Reconcile(ctx, r.Client, req, &platformv1alpha1.BuildRun{}, r)
}

// ReconcileNormal creates the run's workflow when it is not on the plane
// yet and records how it goes. A finished run is left as it is: its
// workflow is never made again, even when Argo has deleted it.
func (r *Reconciler) ReconcileNormal(ctx context.Context, run *platformv1alpha1.BuildRun) (ctrl.Result, error) {
	run.Labels = common.MergeLabels(run.Labels, map[string]string{
		platformv1alpha1.LabelOrganization: run.Namespace,
		platformv1alpha1.LabelComponent:    run.Spec.ComponentRef.Name,
	})
	if run.Status.Phase.Finished() {
		return ctrl.Result{}, nil
	}
	bp := &platformv1alpha1.BuildPlane{}
	if found, err := common.GetReference(ctx, r.Client, client.ObjectKey{Name: run.Spec.BuildPlaneRef.Name}, bp, run,
		fmt.Sprintf("BuildPlane %s does not exist", run.Spec.BuildPlaneRef.Name)); !found {
		return ctrl.Result{}, err
	}
	// The plane may have stopped granting the organization, or allowing
	// the builder, since the run was made: nothing is built then.
	if refusal := build.Refusal(bp, run.Namespace, run.Spec.Source); refusal != "" {
		fail(run, refusal, r.Now())
		return ctrl.Result{}, nil
	}
	plane := build.PlaneOf(bp)
	wf, err := build.Render(build.InputOf(run, plane))
	if err != nil {
		fail(run, err.Error(), r.Now())
		return ctrl.Result{}, nil
	}
	run.Status.WorkflowName = wf.Metadata.Name
	if run.Status.Phase == "" {
		run.Status.Phase = platformv1alpha1.BuildRunPending
	}
	conn, err := r.Registry.Get(planes.Key{Type: platformv1alpha1.PlaneTypeBuild, Name: plane.Name})
	if err != nil {
		conditions.MarkProgressing(run, platformv1alpha1.ReasonPlaneUnreachable, fmt.Sprintf("waiting for BuildPlane %s: %v", plane.Name, err))
		return ctrl.Result{RequeueAfter: unreachableRequeue}, nil
	}

	current, err := getWorkflow(ctx, conn.Client, wf.Metadata.Namespace, wf.Metadata.Name)
	switch {
	case meta.IsNoMatchError(err):
		conditions.MarkProgressing(run, platformv1alpha1.ReasonArgoWorkflowsMissing, fmt.Sprintf(
			"BuildPlane %s does not serve Argo Workflows (workflows.argoproj.io): install its stack", plane.Name))
		return ctrl.Result{RequeueAfter: unreachableRequeue}, nil
	case apierrors.IsNotFound(err):
		if err := r.createWorkflow(ctx, conn.Client, plane, run.Namespace, wf); err != nil {
			conditions.MarkProgressing(run, platformv1alpha1.ReasonDeliveryFailed, fmt.Sprintf("creating Workflow %s/%s on BuildPlane %s: %v",
				wf.Metadata.Namespace, wf.Metadata.Name, plane.Name, err))
			return ctrl.Result{RequeueAfter: unreachableRequeue}, nil
		}
		ctrl.LoggerFrom(ctx).Info("created build workflow", "buildPlane", plane.Name, "workflow", wf.Metadata.Name)
		record(run, build.Read(build.WorkflowStatus{}), "", r.Now())
		return ctrl.Result{RequeueAfter: runningRequeue}, nil
	case err != nil:
		conditions.MarkProgressing(run, platformv1alpha1.ReasonPlaneUnreachable, fmt.Sprintf("reading Workflow %s/%s on BuildPlane %s: %v",
			wf.Metadata.Namespace, wf.Metadata.Name, plane.Name, err))
		return ctrl.Result{RequeueAfter: unreachableRequeue}, nil
	}
	read, err := build.FromUnstructured(current)
	if err != nil {
		return ctrl.Result{}, err
	}
	if !belongs(read, run) {
		l := read.Metadata.Labels
		conditions.MarkStalled(run, platformv1alpha1.ReasonInvalidSpec, fmt.Sprintf(
			"Workflow %s/%s on BuildPlane %s was not made for this BuildRun (its labels name organization %q, BuildRun %q): delete it there",
			wf.Metadata.Namespace, wf.Metadata.Name, plane.Name, l[platformv1alpha1.LabelOrganization], l[platformv1alpha1.LabelBuildRun]))
		return ctrl.Result{}, nil
	}
	repository := read.Metadata.Annotations[build.AnnotationImageRepository]
	if repository == "" {
		repository = build.ImageRepository(plane.RegistryPrefix, run.Namespace, run.Spec.ComponentRef.Name)
	}
	out := build.Read(read.Status)
	// Argo's messages may quote the repository, and whatever it embeds.
	out.Message = builds.RedactURL(out.Message, run.Spec.Source.Repository)
	record(run, out, repository, r.Now())
	if out.Phase.Finished() {
		ctrl.LoggerFrom(ctx).Info("build finished", "phase", out.Phase, "image", run.Status.Image, "failedStep", run.Status.FailedStep)
		return ctrl.Result{}, nil
	}
	return ctrl.Result{RequeueAfter: runningRequeue}, nil
}

// belongs tells whether a workflow found under a run's name is the run's:
// made by Aileron for this organization's run of that name.
func belongs(w *build.Workflow, run *platformv1alpha1.BuildRun) bool {
	l := w.Metadata.Labels
	return l[platformv1alpha1.LabelManagedBy] == platformv1alpha1.ManagedByValue &&
		l[platformv1alpha1.LabelOrganization] == run.Namespace && l[platformv1alpha1.LabelBuildRun] == run.Name
}

func getWorkflow(ctx context.Context, c client.Client, namespace, name string) (*unstructured.Unstructured, error) {
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(build.WorkflowGVK)
	err := c.Get(ctx, client.ObjectKey{Namespace: namespace, Name: name}, u)
	return u, err
}

// createWorkflow creates the workflow once the organization's build
// namespace is ready for it. The workflow is created once and never
// updated: Argo runs a workflow's spec as it was submitted, and owns its
// status.
func (r *Reconciler) createWorkflow(ctx context.Context, c client.Client, plane build.Plane, organization string, wf *build.Workflow) error {
	if err := prepareNamespace(ctx, c, plane, organization); err != nil {
		return err
	}
	u, err := wf.Unstructured()
	if err != nil {
		return err
	}
	if err := c.Create(ctx, u, client.FieldOwner("aileron")); client.IgnoreAlreadyExists(err) != nil {
		return err
	}
	return nil
}

// ReconcileDelete deletes the run's workflow from the build plane. A plane
// that does not answer holds the finalizer, named in DeletionBlocked; a
// plane that no longer exists has nothing left to clean.
func (r *Reconciler) ReconcileDelete(ctx context.Context, run *platformv1alpha1.BuildRun) (ctrl.Result, error) {
	bp := &platformv1alpha1.BuildPlane{}
	if err := r.Get(ctx, client.ObjectKey{Name: run.Spec.BuildPlaneRef.Name}, bp); apierrors.IsNotFound(err) {
		common.LetGo(run)
		return ctrl.Result{}, nil
	} else if err != nil {
		return ctrl.Result{}, err
	}
	plane := build.PlaneOf(bp)
	name := build.WorkflowName(run.Namespace, run.Name)
	if err := r.deleteWorkflow(ctx, run, plane, name); err != nil {
		msg := fmt.Sprintf("waiting to delete Workflow %s/%s from BuildPlane %s: %v", plane.BuildNamespace(run.Namespace), name, plane.Name, err)
		conditions.Set(run, platformv1alpha1.ConditionDeletionBlocked, metav1.ConditionTrue, platformv1alpha1.ReasonPlaneUnreachable, msg)
		conditions.MarkProgressing(run, platformv1alpha1.ReasonDeleting, msg)
		return ctrl.Result{RequeueAfter: unreachableRequeue}, nil
	}
	common.LetGo(run)
	return ctrl.Result{}, nil
}

// deleteWorkflow deletes the run's workflow if it is there and is the
// run's: a workflow of the same name made by anyone else is left alone.
func (r *Reconciler) deleteWorkflow(ctx context.Context, run *platformv1alpha1.BuildRun, plane build.Plane, name string) error {
	conn, err := r.Registry.Get(planes.Key{Type: platformv1alpha1.PlaneTypeBuild, Name: plane.Name})
	if err != nil {
		return err
	}
	current, err := getWorkflow(ctx, conn.Client, plane.BuildNamespace(run.Namespace), name)
	switch {
	case apierrors.IsNotFound(err), meta.IsNoMatchError(err):
		return nil
	case err != nil:
		return err
	}
	read, err := build.FromUnstructured(current)
	if err != nil {
		return err
	}
	if !belongs(read, run) {
		return nil
	}
	// The precondition makes sure what goes is what was read.
	uid := current.GetUID()
	err = conn.Client.Delete(ctx, current, client.Preconditions{UID: &uid}, client.PropagationPolicy(metav1.DeletePropagationBackground))
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}
