// Package buildsource follows the sources of Components built from Git:
// it polls each component's repository, resolves spec.build.revision to a
// commit, creates a BuildRun for each new commit on the chosen BuildPlane,
// and deletes finished runs beyond the component's history limit.
//
// It shares the Component with the component controller, which owns its
// Ready summary and finalizer; this controller writes only
// status.latestCommit, status.latestBuild and the SourceResolved
// condition.
package buildsource

import (
	"context"
	"errors"
	"fmt"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
	"github.com/aileron-dev/aileron/internal/builds"
	"github.com/aileron-dev/aileron/internal/conditions"
	"github.com/aileron-dev/aileron/internal/controller/common"
	"github.com/aileron-dev/aileron/internal/controller/index"
	"github.com/aileron-dev/aileron/internal/gitrepo"
	"github.com/aileron-dev/aileron/internal/render/build"
)

// +kubebuilder:rbac:groups=platform.aileron.dev,resources=components,verbs=get;list;watch
// +kubebuilder:rbac:groups=platform.aileron.dev,resources=components/status,verbs=get;patch
// +kubebuilder:rbac:groups=platform.aileron.dev,resources=buildruns,verbs=get;list;watch;create;delete
// +kubebuilder:rbac:groups=platform.aileron.dev,resources=buildplanes;releases,verbs=get;list;watch

// listTimeout bounds one listing of a repository's references.
const listTimeout = 20 * time.Second

// Reconciler follows the build sources of Components.
type Reconciler struct {
	client.Client
	// PollInterval is how often each repository is asked for its
	// references.
	PollInterval time.Duration
	// ListRefs lists a repository's references; gitrepo.ListRemote when nil.
	ListRefs builds.ListRefs
	// Schemes are the repository URL schemes sources are fetched over;
	// DefaultSchemes when nil. A source of any other scheme is refused
	// before the hub contacts it.
	Schemes []string
	// APIReader reads past the cache when a status write conflicts with
	// the component controller's.
	APIReader               client.Reader
	MaxConcurrentReconciles int
}

// SetupWithManager registers the controller: a component's spec, its
// runs finishing and its latest release (which protects a run from
// deletion) start a reconcile, and so do BuildPlanes coming, going or
// changing (which plane a component builds on, and whether it may).
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager) error {
	if r.ListRefs == nil {
		r.ListRefs = gitrepo.ListRemote
	}
	return ctrl.NewControllerManagedBy(mgr).
		Named("buildsource").
		For(&platformv1alpha1.Component{}, builder.WithPredicates(
			predicate.NewPredicateFuncs(func(o client.Object) bool { return followed(o.(*platformv1alpha1.Component)) }),
			predicate.Or(predicate.GenerationChangedPredicate{}, common.CreatedOrDeleted(), latestReleaseChanged()))).
		Owns(&platformv1alpha1.BuildRun{}, builder.WithPredicates(phaseChanged())).
		Watches(&platformv1alpha1.BuildPlane{}, handler.EnqueueRequestsFromMapFunc(r.componentsOfPlane),
			builder.WithPredicates(predicate.Or(predicate.GenerationChangedPredicate{}, common.CreatedOrDeleted()))).
		WithOptions(common.ControllerOptions(r.MaxConcurrentReconciles)).
		Complete(r)
}

// followed tells whether this controller has something to do for c: a
// source to follow, or what it reported about one to take back.
func followed(c *platformv1alpha1.Component) bool {
	return c.Spec.Build != nil || c.Status.LatestCommit != "" || c.Status.LatestBuild != "" ||
		meta.FindStatusCondition(c.Status.Conditions, platformv1alpha1.ConditionSourceResolved) != nil
}

func latestReleaseChanged() predicate.Predicate {
	return predicate.Funcs{UpdateFunc: func(e event.UpdateEvent) bool {
		o, okOld := e.ObjectOld.(*platformv1alpha1.Component)
		n, okNew := e.ObjectNew.(*platformv1alpha1.Component)
		return okOld && okNew && o.Status.LatestRelease != n.Status.LatestRelease
	}}
}

// phaseChanged passes BuildRuns created, deleted, or moving to another
// phase.
func phaseChanged() predicate.Predicate {
	return predicate.Funcs{UpdateFunc: func(e event.UpdateEvent) bool {
		o, okOld := e.ObjectOld.(*platformv1alpha1.BuildRun)
		n, okNew := e.ObjectNew.(*platformv1alpha1.BuildRun)
		return okOld && okNew && (o.Status.Phase != n.Status.Phase || o.Status.Image != n.Status.Image ||
			(n.DeletionTimestamp != nil && o.DeletionTimestamp == nil))
	}}
}

func (r *Reconciler) componentsOfPlane(ctx context.Context, o client.Object) []reconcile.Request {
	reqs := common.RequestsFor(ctx, r.Client, &platformv1alpha1.ComponentList{}, client.MatchingFields{index.ComponentBuildPlane: o.GetName()})
	return append(reqs, common.RequestsFor(ctx, r.Client, &platformv1alpha1.ComponentList{},
		client.MatchingFields{index.ComponentBuildPlane: index.DefaultBuildPlane})...)
}

// Reconcile resolves one component's source and patches what it learned
// into the component's status. It does not run the shared skeleton: the
// component controller owns the component's finalizer, Ready and
// observedGeneration.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	c := &platformv1alpha1.Component{}
	if err := r.Get(ctx, req.NamespacedName, c); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if !c.DeletionTimestamp.IsZero() {
		return ctrl.Result{}, nil
	}
	ctx = ctrl.LoggerInto(ctx, ctrl.LoggerFrom(ctx).WithValues("organization", c.Namespace, "project", c.Spec.ProjectRef.Name))
	patcher, err := common.NewPatcher(r.Client, c)
	if err != nil {
		return ctrl.Result{}, err
	}
	patcher.Share(common.Sharing{
		Part:   common.StatusPart{Fields: builds.SourceStatusFields, Conditions: builds.SourceConditions},
		Mine:   true,
		Reader: r.APIReader,
	})
	var result ctrl.Result
	if c.Spec.Build != nil {
		result, err = r.reconcile(ctx, c)
	} else {
		// It names an image now: nothing of its source is true any more.
		meta.RemoveStatusCondition(&c.Status.Conditions, platformv1alpha1.ConditionSourceResolved)
		c.Status.LatestCommit, c.Status.LatestBuild = "", ""
	}
	patchErr := patcher.Patch(ctx, c)
	if common.OnlyConflicts(patchErr) && err == nil {
		// The re-reads were all outrun: run again soon.
		return ctrl.Result{RequeueAfter: common.ConflictRetryDelay}, nil
	}
	if err = errors.Join(err, patchErr); err != nil {
		return ctrl.Result{}, err
	}
	return result, nil
}

func (r *Reconciler) reconcile(ctx context.Context, c *platformv1alpha1.Component) (ctrl.Result, error) {
	src := c.Spec.Build
	// Checked first: a refused repository is never contacted.
	schemes := r.Schemes
	if schemes == nil {
		schemes = builds.DefaultSchemes
	}
	if refusal := builds.SchemeRefusal(src.Repository, schemes); refusal != "" {
		setSourceResolved(c, metav1.ConditionFalse, platformv1alpha1.ReasonSchemeNotAllowed, refusal)
		return ctrl.Result{}, nil
	}
	bp, problem, err := r.choosePlane(ctx, src)
	if err != nil {
		return ctrl.Result{}, err
	}
	if problem == nil {
		if refusal := build.Refusal(bp, c.Namespace, *src); refusal != "" {
			problem = &builds.PlaneProblem{Reason: platformv1alpha1.ReasonNotAllowed, Message: refusal}
		}
	}
	if problem != nil {
		// A plane being created, changed or deleted starts the next
		// reconcile.
		setSourceResolved(c, metav1.ConditionFalse, problem.Reason, problem.Message)
		return ctrl.Result{}, nil
	}
	plane := bp.Name

	poll := ctrl.Result{RequeueAfter: r.PollInterval}
	if builds.IsCommit(src.Revision) {
		// A commit never moves: nothing to poll.
		poll = ctrl.Result{}
	}
	commit, err := r.resolve(ctx, src)
	if errors.Is(err, builds.ErrRevisionNotFound) {
		setSourceResolved(c, metav1.ConditionFalse, platformv1alpha1.ReasonRevisionNotFound,
			fmt.Sprintf("%v (%s; polled every %s)", err, gitrepo.Redact(src.Repository), r.PollInterval))
		return poll, nil
	}
	if err != nil {
		setSourceResolved(c, metav1.ConditionFalse, platformv1alpha1.ReasonRepositoryUnavailable,
			builds.RedactURL(fmt.Sprintf("cannot list the references of %s: %v (polled every %s)", src.Repository, err, r.PollInterval), src.Repository))
		return poll, nil
	}

	run, err := r.ensureRun(ctx, c, commit, plane)
	if err != nil {
		return ctrl.Result{}, err
	}
	c.Status.LatestCommit, c.Status.LatestBuild = commit, run
	setSourceResolved(c, metav1.ConditionTrue, platformv1alpha1.ReasonResolved,
		fmt.Sprintf("%s is commit %s, built by BuildRun %s on BuildPlane %s", src.Revision, commit, run, plane))

	if err := r.expire(ctx, c); err != nil {
		return ctrl.Result{}, err
	}
	return poll, nil
}

func setSourceResolved(c *platformv1alpha1.Component, status metav1.ConditionStatus, reason, message string) {
	conditions.Set(c, platformv1alpha1.ConditionSourceResolved, status, reason, message)
}

// choosePlane returns the BuildPlane the component builds on, or the
// problem a person must fix.
func (r *Reconciler) choosePlane(ctx context.Context, src *platformv1alpha1.BuildSource) (*platformv1alpha1.BuildPlane, *builds.PlaneProblem, error) {
	list := &platformv1alpha1.BuildPlaneList{}
	if err := r.List(ctx, list); err != nil {
		return nil, nil, err
	}
	byName := map[string]*platformv1alpha1.BuildPlane{}
	names := make([]string, 0, len(list.Items))
	for i, p := range list.Items {
		if p.DeletionTimestamp.IsZero() {
			names = append(names, p.Name)
			byName[p.Name] = &list.Items[i]
		}
	}
	plane, problem := builds.ChoosePlane(src.BuildPlaneRef, names)
	return byName[plane], problem, nil
}

func (r *Reconciler) resolve(ctx context.Context, src *platformv1alpha1.BuildSource) (string, error) {
	if builds.IsCommit(src.Revision) {
		return builds.Resolve(nil, src.Revision)
	}
	ctx, cancel := context.WithTimeout(ctx, listTimeout)
	defer cancel()
	refs, err := r.ListRefs(ctx, src.Repository)
	if err != nil {
		return "", err
	}
	return builds.Resolve(refs, src.Revision)
}

// ensureRun returns the name of the BuildRun of commit with the
// component's current build settings, creating it when there is none.
func (r *Reconciler) ensureRun(ctx context.Context, c *platformv1alpha1.Component, commit, plane string) (string, error) {
	name := builds.RunName(c.Name, commit)
	existing := &platformv1alpha1.BuildRun{}
	err := r.Get(ctx, client.ObjectKey{Namespace: c.Namespace, Name: name}, existing)
	switch {
	case err == nil && builds.SameBuild(existing, *c.Spec.Build, plane):
		return name, nil
	case err == nil:
		// The commit was built with other settings: this build gets a name
		// of its own, and the earlier one stays in the history.
		name = builds.AlternateRunName(c.Name, commit, *c.Spec.Build, plane)
		err = r.Get(ctx, client.ObjectKey{Namespace: c.Namespace, Name: name}, existing)
		if err == nil {
			return name, nil
		}
	}
	if !apierrors.IsNotFound(err) {
		return "", err
	}
	run := &platformv1alpha1.BuildRun{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: c.Namespace, Name: name,
			Labels: map[string]string{
				platformv1alpha1.LabelOrganization: c.Namespace,
				platformv1alpha1.LabelProject:      c.Spec.ProjectRef.Name,
				platformv1alpha1.LabelComponent:    c.Name,
				platformv1alpha1.LabelManagedBy:    platformv1alpha1.ManagedByValue,
			},
			// The run controller's finalizer comes with the run, saving
			// it a write.
			Finalizers: []string{platformv1alpha1.Finalizer},
		},
		Spec: platformv1alpha1.BuildRunSpec{
			ComponentRef:  platformv1alpha1.LocalObjectReference{Name: c.Name},
			BuildPlaneRef: platformv1alpha1.LocalObjectReference{Name: plane},
			Commit:        commit,
			Revision:      c.Spec.Build.Revision,
			Source:        *c.Spec.Build.DeepCopy(),
		},
	}
	if err := controllerutil.SetControllerReference(c, run, r.Scheme()); err != nil {
		return "", err
	}
	if err := r.Create(ctx, run); err != nil && !apierrors.IsAlreadyExists(err) {
		return "", fmt.Errorf("creating BuildRun %s: %w", name, err)
	}
	ctrl.LoggerFrom(ctx).Info("created build run", "buildRun", name, "commit", commit, "buildPlane", plane)
	return name, nil
}

// expire deletes the component's finished runs beyond its history limit.
// The run building the current commit, and the run whose image the latest
// release runs, are kept whatever their age.
func (r *Reconciler) expire(ctx context.Context, c *platformv1alpha1.Component) error {
	runs := &platformv1alpha1.BuildRunList{}
	if err := r.List(ctx, runs, client.InNamespace(c.Namespace), client.MatchingFields{index.BuildRunComponent: c.Name}); err != nil {
		return err
	}
	released := ""
	if c.Status.LatestRelease != "" {
		rel := &platformv1alpha1.Release{}
		err := r.Get(ctx, client.ObjectKey{Namespace: c.Namespace, Name: c.Status.LatestRelease}, rel)
		if err != nil && !apierrors.IsNotFound(err) {
			return err
		}
		released = rel.Spec.Image
	}
	for _, name := range builds.Expired(runs.Items, c.Spec.Build.HistoryLimit, c.Status.LatestBuild, released) {
		run := &platformv1alpha1.BuildRun{ObjectMeta: metav1.ObjectMeta{Namespace: c.Namespace, Name: name}}
		if err := r.Delete(ctx, run); client.IgnoreNotFound(err) != nil {
			return fmt.Errorf("deleting BuildRun %s beyond the history limit: %w", name, err)
		}
		ctrl.LoggerFrom(ctx).Info("deleted build run beyond the history limit", "buildRun", name)
	}
	return nil
}
