package promotion_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	"sigs.k8s.io/yaml"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
	"github.com/aileron-dev/aileron/internal/binding"
	"github.com/aileron-dev/aileron/internal/controller/index"
	"github.com/aileron-dev/aileron/internal/controller/promotion"
	"github.com/aileron-dev/aileron/internal/controller/releasebinding"
	"github.com/aileron-dev/aileron/internal/fleet"
	"github.com/aileron-dev/aileron/internal/manager"
)

const ns = "acme"

// root is the repository's root, where config/ lives.
var root = filepath.Join("..", "..", "..")

// managerUser is the user name of the manager's service account
// (config/rbac/service_account.yaml).
var managerUser = "system:serviceaccount:" + manager.DefaultNamespace + ":aileron-manager"

// admissionPolicies lists every policy config/admission installs, read from
// its kustomization, so that the test runs against all of them.
func admissionPolicies(g *WithT) []string {
	raw, err := os.ReadFile(filepath.Join(root, "config", "admission", "kustomization.yaml"))
	g.Expect(err).NotTo(HaveOccurred())
	var k struct {
		Resources []string `json:"resources"`
	}
	g.Expect(yaml.Unmarshal(raw, &k)).To(Succeed())
	g.Expect(k.Resources).NotTo(BeEmpty())
	paths := make([]string, 0, len(k.Resources))
	for _, r := range k.Resources {
		paths = append(paths, filepath.Join(root, "config", "admission", r))
	}
	return paths
}

// TestPromotions runs the promotion controller alone against a real hub
// with the CRDs, the tenant roles and the identity admission policy
// installed. Users are real x509 identities; the bindings' status is set
// as the ReleaseBinding controller would set it.
func TestPromotions(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a real API server")
	}
	g := NewWithT(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	f, err := fleet.Start(ctx, fleet.Options{})
	g.Expect(err).NotTo(HaveOccurred())
	defer f.Stop()
	g.Expect(f.Hub.InstallCRDs(filepath.Join(root, "config", "crd", "bases"))).To(Succeed())
	admin, err := client.New(f.Hub.Config, client.Options{Scheme: manager.Scheme()})
	g.Expect(err).NotTo(HaveOccurred())
	must(g, admin.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: manager.DefaultNamespace}}))
	rbac := []string{"service_account.yaml", "role.yaml", "role_binding.yaml", "tenant_roles.yaml"}
	for _, file := range rbac {
		must(g, fleet.CreateManifests(ctx, admin, filepath.Join(root, "config", "rbac", file)))
	}
	must(g, fleet.CreateManifests(ctx, admin, admissionPolicies(g)...))

	// The manager runs as its service account, with its ClusterRole: the
	// identity the admission policies see for every move it makes.
	managerCfg, err := f.UserConfig(f.Hub, managerUser, "system:serviceaccounts", "system:serviceaccounts:"+manager.DefaultNamespace)
	g.Expect(err).NotTo(HaveOccurred())
	mgr, err := ctrl.NewManager(managerCfg, ctrl.Options{Scheme: manager.Scheme(), Metrics: metricsserver.Options{BindAddress: "0"}})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(index.Register(ctx, mgr)).To(Succeed())
	g.Expect((&promotion.Reconciler{Client: mgr.GetClient(), APIReader: mgr.GetAPIReader(), MaxConcurrentReconciles: 2}).SetupWithManager(mgr)).To(Succeed())
	// The binding controller's recorder of moves, without delivery: no plane
	// is needed to record who moved a binding.
	g.Expect((&releasebinding.MoveRecorder{Client: mgr.GetClient()}).SetupWithManager(mgr)).To(Succeed())
	go func() { _ = mgr.Start(ctx) }()

	// The organization: its namespace and role bindings, pipeline
	// development → staging → production (approval), one component.
	must(g, admin.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}))
	for role, group := range map[string]string{"aileron-org-admin": "acme:platform", "aileron-developer": "acme:developers"} {
		must(g, admin.Create(ctx, &rbacv1.RoleBinding{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: role},
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: role},
			Subjects:   []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.GroupKind, Name: group}},
		}))
	}
	for _, env := range []string{"development", "staging", "production"} {
		must(g, admin.Create(ctx, &platformv1alpha1.Environment{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: env},
			Spec:       platformv1alpha1.EnvironmentSpec{DataPlaneRef: &platformv1alpha1.LocalObjectReference{Name: "eu-1"}},
		}))
	}
	must(g, admin.Create(ctx, &platformv1alpha1.DeploymentPipeline{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "standard"},
		Spec: platformv1alpha1.DeploymentPipelineSpec{PromotionPaths: []platformv1alpha1.PromotionPath{
			{SourceEnvironmentRef: "development", TargetEnvironmentRefs: []platformv1alpha1.TargetEnvironment{{Name: "staging"}}},
			{SourceEnvironmentRef: "staging", TargetEnvironmentRefs: []platformv1alpha1.TargetEnvironment{{Name: "production", RequiresApproval: true}}},
		}},
	}))
	must(g, admin.Create(ctx, &platformv1alpha1.Project{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "shop"},
		Spec:       platformv1alpha1.ProjectSpec{DeploymentPipelineRef: platformv1alpha1.LocalObjectReference{Name: "standard"}},
	}))
	spec := platformv1alpha1.ComponentSpec{ProjectRef: platformv1alpha1.LocalObjectReference{Name: "shop"}, Type: platformv1alpha1.ComponentWorker, Image: "api:1"}
	must(g, admin.Create(ctx, &platformv1alpha1.Component{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "api"}, Spec: spec}))
	for _, r := range []string{"api-r1", "api-r2"} {
		must(g, admin.Create(ctx, &platformv1alpha1.Release{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: r},
			Spec:       platformv1alpha1.ReleaseSpec{ComponentRef: platformv1alpha1.LocalObjectReference{Name: "api"}, Image: "api:1", ComponentSpec: spec},
		}))
	}
	// The mutating policy admits bindings once the API server has the
	// ReleaseBinding schema, which it refreshes every few seconds after the
	// CRDs are installed; until then it answers 503.
	g.Eventually(func() error {
		return admin.Create(ctx, &platformv1alpha1.ReleaseBinding{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "probe"},
			Spec: platformv1alpha1.ReleaseBindingSpec{ComponentRef: platformv1alpha1.LocalObjectReference{Name: "api"},
				EnvironmentRef: platformv1alpha1.LocalObjectReference{Name: "development"}, Release: "api-r1"},
		}, client.DryRunAll)
	}).WithTimeout(30 * time.Second).WithPolling(500 * time.Millisecond).Should(Succeed())
	bindingRunning(ctx, g, admin, "development", "api-r1")
	newBinding(ctx, g, admin, "staging", "api-r1") // exists, not Ready

	dana := userClient(g, f, "dana", "acme:developers")
	ada := userClient(g, f, "ada", "acme:platform")
	alex := userClient(g, f, "alex", "acme:platform")
	eve := userClient(g, f, "eve")

	t.Run("a promotion outside the pipeline's paths is refused", func(t *testing.T) {
		g := NewWithT(t)
		p := request(dana, "dana", "skip-staging", "development", "production", "")
		must(g, dana.Create(ctx, p))
		expectPhase(ctx, g, admin, p, platformv1alpha1.PromotionFailed, "pipeline standard has no path from development to production (from development it allows: staging)")
	})

	t.Run("the requester cannot claim to be someone else", func(t *testing.T) {
		g := NewWithT(t)
		err := dana.Create(ctx, request(dana, "ada", "spoofed", "development", "staging", ""))
		g.Expect(apierrors.IsForbidden(err)).To(BeTrue(), "%v", err)
		g.Expect(err.Error()).To(ContainSubstring("spec.requestedBy must be the user creating the promotion (dana)"))
	})

	t.Run("a release not running Ready in the source is not promoted", func(t *testing.T) {
		g := NewWithT(t)
		p := request(dana, "dana", "unready", "staging", "production", "")
		must(g, dana.Create(ctx, p))
		expectPhase(ctx, g, admin, p, platformv1alpha1.PromotionFailed, "the release of api in staging is not running Ready")
	})

	t.Run("a promotion along a path without approval moves the binding and records who", func(t *testing.T) {
		g := NewWithT(t)
		p := request(dana, "dana", "to-staging", "development", "staging", "")
		must(g, dana.Create(ctx, p))
		expectPhase(ctx, g, admin, p, platformv1alpha1.PromotionSucceeded, "staging now runs release api-r1")
		b := getBinding(ctx, g, admin, "staging")
		g.Expect(b.Spec.Release).To(Equal("api-r1"))
		g.Expect(b.Status.History[0]).To(And(HaveField("Release", "api-r1"), HaveField("By", "dana"), HaveField("Via", "to-staging"), HaveField("ApprovedBy", "")))
	})

	t.Run("a target that requires approval waits, and only an allowed user other than the requester approves as themself", func(t *testing.T) {
		g := NewWithT(t)
		bindingRunning(ctx, g, admin, "staging", "api-r1")
		p := request(dana, "dana", "to-production", "staging", "production", "")
		must(g, dana.Create(ctx, p))
		expectPhase(ctx, g, admin, p, platformv1alpha1.PromotionAwaitingApproval, "production requires an approval")
		g.Expect(admin.Get(ctx, client.ObjectKey{Namespace: ns, Name: binding.Name("api", "production")}, &platformv1alpha1.ReleaseBinding{})).NotTo(Succeed(), "nothing moves before the approval")

		err := approve(ctx, dana, p, "dana", platformv1alpha1.Approved)
		g.Expect(apierrors.IsForbidden(err)).To(BeTrue(), "a developer may not approve: %v", err)

		// Someone who may edit promotions but lacks the approve verb is
		// stopped by the admission policy, not by RBAC.
		must(g, admin.Create(ctx, &rbacv1.Role{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "promotion-editor"},
			Rules:      []rbacv1.PolicyRule{{APIGroups: []string{"platform.aileron.dev"}, Resources: []string{"promotions"}, Verbs: []string{"get", "patch"}}},
		}))
		must(g, admin.Create(ctx, &rbacv1.RoleBinding{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "promotion-editor"},
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "promotion-editor"},
			Subjects:   []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.UserKind, Name: "eve"}},
		}))
		err = approve(ctx, eve, p, "eve", platformv1alpha1.Approved)
		g.Expect(apierrors.IsForbidden(err)).To(BeTrue(), "%v", err)
		g.Expect(err.Error()).To(ContainSubstring("eve may not approve promotions in organization acme"))

		err = approve(ctx, ada, p, "alex", platformv1alpha1.Approved)
		g.Expect(err).To(HaveOccurred(), "an approver cannot approve in someone else's name")
		g.Expect(err.Error()).To(ContainSubstring("spec.approval.by must be the user giving the approval (ada)"))

		must(g, approve(ctx, ada, p, "ada", platformv1alpha1.Approved))
		expectPhase(ctx, g, admin, p, platformv1alpha1.PromotionSucceeded, "production now runs release api-r1")
		b := getBinding(ctx, g, admin, "production")
		g.Expect(b.Status.History[0]).To(And(HaveField("Release", "api-r1"), HaveField("By", "dana"), HaveField("ApprovedBy", "ada"), HaveField("Via", "to-production")))
		g.Expect(b.Annotations).To(HaveKeyWithValue(movedBy, managerUser), "the manager's service account moved it, for the approved promotion")

		err = approve(ctx, alex, p, "alex", platformv1alpha1.Rejected)
		g.Expect(err).To(HaveOccurred(), "an approval cannot be changed once given")
	})

	t.Run("nobody approves their own promotion", func(t *testing.T) {
		g := NewWithT(t)
		p := request(ada, "ada", "self-approved", "staging", "production", "")
		must(g, ada.Create(ctx, p))
		err := approve(ctx, ada, p, "ada", platformv1alpha1.Approved)
		g.Expect(err).To(HaveOccurred())
		g.Expect(err.Error()).To(ContainSubstring("cannot be approved or rejected by the user who requested it"))
		must(g, approve(ctx, alex, p, "alex", platformv1alpha1.Rejected))
		expectPhase(ctx, g, admin, p, platformv1alpha1.PromotionRejected, "rejected by alex")
	})

	t.Run("a rollback returns to a release of the target's history, with the same rules", func(t *testing.T) {
		g := NewWithT(t)
		// r2 reaches production the normal way first.
		bindingRunning(ctx, g, admin, "development", "api-r2")
		p := request(dana, "dana", "r2-to-staging", "development", "staging", "")
		must(g, dana.Create(ctx, p))
		expectPhase(ctx, g, admin, p, platformv1alpha1.PromotionSucceeded, "")
		bindingRunning(ctx, g, admin, "staging", "api-r2")
		p = request(dana, "dana", "r2-to-production", "staging", "production", "")
		must(g, dana.Create(ctx, p))
		expectPhase(ctx, g, admin, p, platformv1alpha1.PromotionAwaitingApproval, "")
		must(g, approve(ctx, ada, p, "ada", platformv1alpha1.Approved))
		expectPhase(ctx, g, admin, p, platformv1alpha1.PromotionSucceeded, "")

		unknown := request(dana, "dana", "back-to-nowhere", "", "production", "api-r9")
		must(g, dana.Create(ctx, unknown))
		expectPhase(ctx, g, admin, unknown, platformv1alpha1.PromotionFailed, "release api-r9 is not in the history of api in production")

		back := request(dana, "dana", "back-to-r1", "", "production", "api-r1")
		must(g, dana.Create(ctx, back))
		expectPhase(ctx, g, admin, back, platformv1alpha1.PromotionAwaitingApproval, "production requires an approval")
		must(g, approve(ctx, alex, back, "alex", platformv1alpha1.Approved))
		expectPhase(ctx, g, admin, back, platformv1alpha1.PromotionSucceeded, "production now runs release api-r1")
		b := getBinding(ctx, g, admin, "production")
		g.Expect(b.Spec.Release).To(Equal("api-r1"))
		g.Expect(b.Status.History).To(HaveLen(3))
		g.Expect(b.Status.History[0]).To(And(HaveField("Release", "api-r1"), HaveField("Via", "back-to-r1"), HaveField("ApprovedBy", "alex")))
		g.Expect(b.Status.History[1]).To(HaveField("Release", "api-r2"))
	})

	production := binding.Name("api", "production")
	t.Run("a developer cannot move, suspend or strip the binding of an environment that requires approval", func(t *testing.T) {
		g := NewWithT(t)
		for what, change := range map[string]func(*platformv1alpha1.ReleaseBinding){
			"release": func(b *platformv1alpha1.ReleaseBinding) { b.Spec.Release = "api-r2" },
			"state":   func(b *platformv1alpha1.ReleaseBinding) { b.Spec.State = platformv1alpha1.BindingUndeployed },
			"finalizer": func(b *platformv1alpha1.ReleaseBinding) {
				controllerutil.RemoveFinalizer(b, platformv1alpha1.Finalizer)
			},
			// Configuration is part of what an approval guards.
			"overrides": func(b *platformv1alpha1.ReleaseBinding) {
				b.Spec.Overrides = &platformv1alpha1.BindingOverrides{Replicas: ptr.To[int32](0)}
			},
		} {
			err := edit(ctx, dana, "production", change)
			g.Expect(apierrors.IsForbidden(err)).To(BeTrue(), "changing the %s: %v", what, err)
			g.Expect(err.Error()).To(And(
				ContainSubstring("dana may not change the release, state, overrides or finalizer of ReleaseBinding "+production),
				ContainSubstring("pipeline standard requires approval for production")), "changing the %s", what)
		}
		b := getBinding(ctx, g, admin, "production")
		g.Expect(b.Spec.Release).To(Equal("api-r1"))
		g.Expect(b.Spec.State).To(Equal(platformv1alpha1.BindingActive))
		g.Expect(b.Finalizers).To(ContainElement(platformv1alpha1.Finalizer))
		g.Expect(b.Spec.Overrides).To(BeNil())
	})

	t.Run("an organization admin moves the binding of an environment that requires approval, and the history names them", func(t *testing.T) {
		g := NewWithT(t)
		must(g, edit(ctx, ada, "production", func(b *platformv1alpha1.ReleaseBinding) { b.Spec.Release = "api-r2" }))
		expectMove(ctx, g, admin, "production", "api-r2", platformv1alpha1.BindingActive, "ada")
	})

	t.Run("an approval applies to the release the promotion was requested for, not one the source moved to since", func(t *testing.T) {
		g := NewWithT(t)
		// Production runs r2 (moved by ada above); staging runs r2.
		bindingRunning(ctx, g, admin, "staging", "api-r2")
		p := request(dana, "dana", "pinned", "staging", "production", "")
		must(g, dana.Create(ctx, p))
		expectPhase(ctx, g, admin, p, platformv1alpha1.PromotionAwaitingApproval, "production requires an approval")
		cur := &platformv1alpha1.Promotion{}
		must(g, admin.Get(ctx, client.ObjectKeyFromObject(p), cur))
		g.Expect(cur.Status.Release).To(Equal("api-r2"), "the promotion shows the approver the release it moves")

		bindingRunning(ctx, g, admin, "staging", "api-r1")
		must(g, approve(ctx, alex, p, "alex", platformv1alpha1.Approved))
		expectPhase(ctx, g, admin, p, platformv1alpha1.PromotionFailed, "staging moved from api-r2 to api-r1 since the promotion was requested")
		g.Expect(getBinding(ctx, g, admin, "production").Spec.Release).To(Equal("api-r2"), "production keeps what it ran")
	})

	t.Run("a developer still moves the binding of an environment without approval, and the history names them", func(t *testing.T) {
		g := NewWithT(t)
		must(g, edit(ctx, dana, "staging", func(b *platformv1alpha1.ReleaseBinding) { b.Spec.Release = "api-r2" }))
		expectMove(ctx, g, admin, "staging", "api-r2", platformv1alpha1.BindingActive, "dana")
		must(g, edit(ctx, dana, "staging", func(b *platformv1alpha1.ReleaseBinding) { b.Spec.State = platformv1alpha1.BindingSuspended }))
		expectMove(ctx, g, admin, "staging", "api-r2", platformv1alpha1.BindingSuspended, "dana")

		err := edit(ctx, dana, "staging", func(b *platformv1alpha1.ReleaseBinding) { b.Annotations[movedBy] = "ada" })
		g.Expect(apierrors.IsForbidden(err)).To(BeTrue(), "nobody writes another user's name as the mover: %v", err)
	})
}

// movedBy is the annotation in which the API server records who last
// moved a binding.
const movedBy = platformv1alpha1.AnnotationMovedBy

// edit changes env's binding as c's user, as `kubectl edit` would.
func edit(ctx context.Context, c client.Client, env string, change func(*platformv1alpha1.ReleaseBinding)) error {
	b := &platformv1alpha1.ReleaseBinding{}
	if err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: binding.Name("api", env)}, b); err != nil {
		return err
	}
	patch := client.MergeFrom(b.DeepCopy())
	change(b)
	return c.Patch(ctx, b, patch)
}

// expectMove waits for env's binding to record a move to release and
// state by user, made by editing the binding.
func expectMove(ctx context.Context, g *WithT, c client.Client, env, release string, state platformv1alpha1.BindingState, user string) {
	g.EventuallyWithOffset(1, func(g Gomega) {
		b := &platformv1alpha1.ReleaseBinding{}
		g.Expect(c.Get(ctx, client.ObjectKey{Namespace: ns, Name: binding.Name("api", env)}, b)).To(Succeed())
		g.Expect(b.Annotations).To(HaveKeyWithValue(movedBy, user))
		g.Expect(b.Status.History).NotTo(BeEmpty())
		g.Expect(b.Status.History[0]).To(And(HaveField("Release", release), HaveField("State", state), HaveField("By", user),
			HaveField("Via", "edit"), HaveField("ApprovedBy", "")))
	}).WithTimeout(30 * time.Second).WithPolling(200 * time.Millisecond).Should(Succeed())
}

func must(g *WithT, err error) { g.ExpectWithOffset(1, err).NotTo(HaveOccurred()) }

func userClient(g *WithT, f *fleet.Fleet, user string, groups ...string) client.Client {
	cfg, err := f.UserConfig(f.Hub, user, groups...)
	g.Expect(err).NotTo(HaveOccurred())
	c, err := client.New(cfg, client.Options{Scheme: manager.Scheme()})
	g.Expect(err).NotTo(HaveOccurred())
	return c
}

func request(_ client.Client, requester, name, from, to, release string) *platformv1alpha1.Promotion {
	p := &platformv1alpha1.Promotion{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: platformv1alpha1.PromotionSpec{
			ComponentRef: platformv1alpha1.LocalObjectReference{Name: "api"}, TargetEnvironmentRef: platformv1alpha1.LocalObjectReference{Name: to},
			Release: release, RequestedBy: requester,
		},
	}
	if from != "" {
		p.Spec.SourceEnvironmentRef = &platformv1alpha1.LocalObjectReference{Name: from}
	}
	return p
}

func approve(ctx context.Context, c client.Client, p *platformv1alpha1.Promotion, by string, d platformv1alpha1.ApprovalDecision) error {
	cur := &platformv1alpha1.Promotion{}
	if err := c.Get(ctx, client.ObjectKeyFromObject(p), cur); err != nil {
		return err
	}
	patch := client.MergeFrom(cur.DeepCopy())
	cur.Spec.Approval = &platformv1alpha1.Approval{Decision: d, By: by}
	return c.Patch(ctx, cur, patch)
}

func expectPhase(ctx context.Context, g *WithT, c client.Client, p *platformv1alpha1.Promotion, phase platformv1alpha1.PromotionPhase, message string) {
	g.EventuallyWithOffset(1, func(g Gomega) {
		cur := &platformv1alpha1.Promotion{}
		g.Expect(c.Get(ctx, client.ObjectKeyFromObject(p), cur)).To(Succeed())
		g.Expect(cur.Status.Phase).To(Equal(phase), "conditions: %+v", cur.Status.Conditions)
		if message != "" {
			g.Expect(cur.Status.Conditions).To(ContainElement(HaveField("Message", ContainSubstring(message))))
		}
	}).WithTimeout(30 * time.Second).WithPolling(200 * time.Millisecond).Should(Succeed())
}

func newBinding(ctx context.Context, g *WithT, c client.Client, env, release string) *platformv1alpha1.ReleaseBinding {
	b := &platformv1alpha1.ReleaseBinding{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: binding.Name("api", env)},
		Spec: platformv1alpha1.ReleaseBindingSpec{
			ComponentRef: platformv1alpha1.LocalObjectReference{Name: "api"}, EnvironmentRef: platformv1alpha1.LocalObjectReference{Name: env}, Release: release,
		},
	}
	if err := c.Create(ctx, b); apierrors.IsAlreadyExists(err) {
		g.Expect(c.Get(ctx, client.ObjectKeyFromObject(b), b)).To(Succeed())
		patch := client.MergeFrom(b.DeepCopy())
		b.Spec.Release = release
		must(g, c.Patch(ctx, b, patch))
	} else {
		must(g, err)
	}
	return b
}

// bindingRunning makes env's binding run release Ready, as the
// ReleaseBinding controller reports a healthy delivery.
func bindingRunning(ctx context.Context, g *WithT, c client.Client, env, release string) {
	b := newBinding(ctx, g, c, env, release)
	patch := client.MergeFrom(b.DeepCopy())
	b.Status.Release = release
	b.Status.Conditions = []metav1.Condition{{Type: platformv1alpha1.ConditionReady, Status: metav1.ConditionTrue, Reason: "Reconciled",
		Message: "runs", ObservedGeneration: b.Generation, LastTransitionTime: metav1.Now()}}
	must(g, c.Status().Patch(ctx, b, patch))
}

func getBinding(ctx context.Context, g *WithT, c client.Client, env string) *platformv1alpha1.ReleaseBinding {
	b := &platformv1alpha1.ReleaseBinding{}
	g.ExpectWithOffset(1, c.Get(ctx, client.ObjectKey{Namespace: ns, Name: binding.Name("api", env)}, b)).To(Succeed())
	return b
}
