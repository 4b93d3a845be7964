// Package binding is how a release comes to run in an environment: the
// name of a component's binding to an environment, the labels and template
// it is created from, the one way a binding is moved (Move) and its
// history recorded, and the content-addressed Release a component's spec
// makes. Controllers, the CLI and the tests all use it, so a binding means
// the same to each.
package binding

import (
	"context"
	"fmt"

	authenticationv1 "k8s.io/api/authentication/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
	"github.com/aileron-dev/aileron/internal/names"
	"github.com/aileron-dev/aileron/internal/pipeline"
	"github.com/aileron-dev/aileron/internal/render"
	"github.com/aileron-dev/aileron/internal/templates"
)

// Name is the name of a component's binding to an environment:
// <component>--<environment> (names.Join), so that no two pairs share one.
func Name(component, environment string) string {
	return names.Join(component, environment)
}

// Labels are the labels of a component's binding to an environment, by
// which the hub's indexes, the gitops controller and people find it.
func Labels(organization, project, component, environment string) map[string]string {
	return map[string]string{
		platformv1alpha1.LabelOrganization: organization,
		platformv1alpha1.LabelProject:      project,
		platformv1alpha1.LabelComponent:    component,
		platformv1alpha1.LabelEnvironment:  environment,
	}
}

// Template is the binding of a component of project to an environment, as
// Move creates it when it does not exist yet: active, with its labels, in
// namespace organization under Name. Move sets its release.
func Template(organization, project, component, environment string) *platformv1alpha1.ReleaseBinding {
	return &platformv1alpha1.ReleaseBinding{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: organization, Name: Name(component, environment),
			Labels: Labels(organization, project, component, environment),
		},
		Spec: platformv1alpha1.ReleaseBindingSpec{
			ComponentRef:   platformv1alpha1.LocalObjectReference{Name: component},
			EnvironmentRef: platformv1alpha1.LocalObjectReference{Name: environment},
			State:          platformv1alpha1.BindingActive,
		},
	}
}

// Move points the binding b (created from template when it does not
// exist yet) at release and records the move in its history: the one way
// Aileron moves a release, whether by autoDeploy or by promotion.
func Move(ctx context.Context, c client.Client, key client.ObjectKey, template *platformv1alpha1.ReleaseBinding,
	release string, move platformv1alpha1.BindingHistoryEntry) error {
	b := &platformv1alpha1.ReleaseBinding{}
	err := c.Get(ctx, key, b)
	switch {
	case apierrors.IsNotFound(err):
		b = template.DeepCopy()
		b.Namespace, b.Name = key.Namespace, key.Name
		b.Spec.Release = release
		// The binding controller's finalizer comes with the binding: one
		// request less for each of thousands of bindings.
		controllerutil.AddFinalizer(b, platformv1alpha1.Finalizer)
		if err := c.Create(ctx, b); err != nil {
			return fmt.Errorf("creating ReleaseBinding %s: %w", key.Name, err)
		}
	case err != nil:
		return err
	case b.Spec.Release != release:
		patch := client.MergeFrom(b.DeepCopy())
		b.Spec.Release = release
		if err := c.Patch(ctx, b, patch); err != nil {
			return fmt.Errorf("moving ReleaseBinding %s: %w", key.Name, err)
		}
	}
	move.Release, move.State, move.Overrides = release, pipeline.StateOf(b.Spec.State), pipeline.OverridesHash(b.Spec.Overrides)
	return RecordMove(ctx, c, b, move)
}

// RecordMove adds move to b's history, unless it is already its newest
// entry.
func RecordMove(ctx context.Context, c client.Client, b *platformv1alpha1.ReleaseBinding, move platformv1alpha1.BindingHistoryEntry) error {
	if move.Time.IsZero() {
		move.Time = metav1.Now()
	}
	history := pipeline.RecordMove(b.Status.History, move)
	if len(history) == len(b.Status.History) && len(history) > 0 && history[0] == b.Status.History[0] {
		return nil
	}
	// The history list is replaced whole by the patch: fence it by the
	// resourceVersion it was computed from, so that a stale read can never
	// drop an entry (a conflict makes the caller retry).
	patch := client.MergeFromWithOptions(b.DeepCopy(), client.MergeFromWithOptimisticLock{})
	b.Status.History = history
	return c.Status().Patch(ctx, b, patch)
}

// WhoAmI is the user name the hub authenticates cfg as: the one the API
// server checks and stamps on what that client writes.
func WhoAmI(ctx context.Context, cfg *rest.Config) (string, error) {
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return "", err
	}
	review, err := cs.AuthenticationV1().SelfSubjectReviews().Create(ctx, &authenticationv1.SelfSubjectReview{}, metav1.CreateOptions{})
	if err != nil {
		return "", err
	}
	return review.Status.UserInfo.Username, nil
}

// pinnedRender is what a release pins, ready to render with.
type pinnedRender struct {
	componentType *render.Type
	traits        map[string]*render.Trait
}

// pinnedMemo keeps each release's pinned type and traits by the release's
// UID (a release never changes): rendering a binding again does not hash
// the specs again.
var pinnedMemo templates.Cache[pinnedRender]

func pinnedOf(release *platformv1alpha1.Release) (*render.Type, map[string]*render.Trait) {
	build := func() (pinnedRender, error) {
		p := pinnedRender{traits: map[string]*render.Trait{}}
		if t := release.Spec.ComponentType; t != nil {
			p.componentType = render.TypeOf(release.Spec.ComponentSpec.Type.ObjectName(), t)
		}
		for i := range release.Spec.Traits {
			ts := &release.Spec.Traits[i]
			p.traits[ts.Name] = render.TraitOf(ts.Name, &ts.Spec)
		}
		return p, nil
	}
	var p pinnedRender
	if release.UID == "" { // a release not stored: rendered offline
		p, _ = build()
	} else {
		p, _ = pinnedMemo.Get(string(release.UID), build)
	}
	return p.componentType, p.traits
}

// Configuration is what a release renders with besides itself: its
// environment's overrides, its organization's resources and the
// organization's SecretReferences it reads (render.SecretRefNames).
type Configuration struct {
	Overrides *platformv1alpha1.BindingOverrides
	Resources *platformv1alpha1.OrganizationResources
	Secrets   map[string]platformv1alpha1.SecretReferenceSpec
}

// ConfigurationOf is the configuration binding b renders with in
// organization org (nil when unknown).
func ConfigurationOf(b *platformv1alpha1.ReleaseBinding, org *platformv1alpha1.Organization) Configuration {
	c := Configuration{Overrides: b.Spec.Overrides}
	if org != nil {
		c.Resources = org.Spec.Resources
	}
	return c
}

// RenderInput is what the renderer is given for release of a component of
// project, bound to environment in state with its configuration, on plane
// dp with its dependencies resolved.
func RenderInput(organization, project, environment string, release *platformv1alpha1.Release, state platformv1alpha1.BindingState,
	conf Configuration, dp *platformv1alpha1.DataPlane, deps []render.Dependency) render.Input {
	ct, pinned := pinnedOf(release)
	var traits []render.TraitInstance
	for _, inst := range release.Spec.ComponentSpec.Traits {
		// A trait the release does not pin renders as missing: the
		// renderer refuses it by name rather than skip it.
		traits = append(traits, render.TraitInstance{Trait: pinned[inst.Name], Name: inst.Name, InstanceName: inst.InstanceName, Parameters: inst.Parameters})
	}
	return render.Input{
		Organization: organization,
		Project:      project,
		Environment:  environment,
		Plane:        render.PlaneOf(dp),
		Component:    release.Spec.ComponentRef.Name,
		Release:      release.Name,
		Image:        release.Spec.Image,
		Spec:         release.Spec.ComponentSpec,
		State:        state,
		Dependencies: deps,
		Type:         ct,
		Traits:       traits,
		Overrides:    conf.Overrides,
		Resources:    conf.Resources,
		Secrets:      conf.Secrets,
	}
}

// Check tells whether release can render with conf in organization
// (render.Check), before any plane is asked.
func Check(organization string, release *platformv1alpha1.Release, conf Configuration) error {
	return render.Check(RenderInput(organization, "", "", release, platformv1alpha1.BindingActive, conf, &platformv1alpha1.DataPlane{}, nil))
}
