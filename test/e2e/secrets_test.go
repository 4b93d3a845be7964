package e2e

import (
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
	"github.com/aileron-dev/aileron/internal/binding"
	"github.com/aileron-dev/aileron/internal/fleet"
	"github.com/aileron-dev/aileron/internal/render"
	"github.com/aileron-dev/aileron/test/testbed"
)

// secretsPlane is a DataPlane of its own on eu-1's cluster that offers the
// ClusterSecretStore secretsStore, which the real External Secrets
// Operator running on eu-1 (BeforeSuite) serves from its fake provider.
const (
	secretsPlane = "secrets-eu"
	secretsStore = "team-vault"
)

var _ = Describe("Secrets from external stores", Ordered, ContinueOnFailure, func() {
	const org, project, component = "secrets-a", "shop", "api"
	var dana, ada client.Client

	cell := func(env string) string { return render.CellNamespace(org, project, env) }
	bindingOf := func(env string) *platformv1alpha1.ReleaseBinding {
		return &platformv1alpha1.ReleaseBinding{ObjectMeta: metav1.ObjectMeta{Namespace: org, Name: binding.Name(component, env)}}
	}
	// readyWith waits until env's binding is Ready for the component's
	// latest release.
	readyWith := func(env string) {
		GinkgoHelper()
		Eventually(func(g Gomega) {
			c := &platformv1alpha1.Component{}
			g.Expect(hub.Get(ctx, client.ObjectKey{Namespace: org, Name: component}, c)).To(Succeed())
			b := bindingOf(env)
			g.Expect(hub.Get(ctx, client.ObjectKeyFromObject(b), b)).To(Succeed())
			g.Expect(b.Status.Release).To(Equal(c.Status.LatestRelease))
			ready := meta.FindStatusCondition(b.Status.Conditions, platformv1alpha1.ConditionReady)
			g.Expect(ready).NotTo(BeNil())
			g.Expect(ready.Status).To(Equal(metav1.ConditionTrue), ready.Message)
			g.Expect(ready.ObservedGeneration).To(Equal(b.Generation))
		}).Should(Succeed())
	}
	secretData := func(env, name string) map[string]string {
		GinkgoHelper()
		s := &corev1.Secret{}
		Expect(spokes["eu-1"].Get(ctx, client.ObjectKey{Namespace: cell(env), Name: name}, s)).To(Succeed())
		out := map[string]string{}
		for k, v := range s.Data {
			out[k] = string(v)
		}
		return out
	}
	editComponent := func(edit func(*platformv1alpha1.ComponentSpec)) {
		GinkgoHelper()
		c := &platformv1alpha1.Component{}
		Expect(hub.Get(ctx, client.ObjectKey{Namespace: org, Name: component}, c)).To(Succeed())
		patch := client.MergeFrom(c.DeepCopy())
		edit(&c.Spec)
		Expect(hub.Patch(ctx, c, patch)).To(Succeed())
	}
	editReference := func(name string, edit func(*platformv1alpha1.SecretReferenceSpec)) {
		GinkgoHelper()
		ref := &platformv1alpha1.SecretReference{}
		Expect(ada.Get(ctx, client.ObjectKey{Namespace: org, Name: name}, ref)).To(Succeed())
		patch := client.MergeFrom(ref.DeepCopy())
		edit(&ref.Spec)
		Expect(ada.Patch(ctx, ref, patch)).To(Succeed())
	}

	BeforeAll(func() {
		// The store holds development's and production's passwords at
		// different paths, and a token.
		Expect(spokes["eu-1"].Create(ctx, fleet.FakeSecretStore(secretsStore, map[string]string{
			"shop/db":            `{"password":"development-password"}`,
			"shop/production/db": `{"password":"production-password"}`,
			"shop/token":         "t0ken",
		}))).To(Succeed())
		planeOnEU1(secretsPlane, platformv1alpha1.DataPlaneSpec{SecretStoreRef: &platformv1alpha1.SecretStoreReference{Name: secretsStore}})
		dana, ada = newTenant(org)
		objs := []client.Object{
			&platformv1alpha1.DeploymentPipeline{
				ObjectMeta: metav1.ObjectMeta{Namespace: org, Name: "standard"},
				Spec: platformv1alpha1.DeploymentPipelineSpec{PromotionPaths: []platformv1alpha1.PromotionPath{
					{SourceEnvironmentRef: "development", TargetEnvironmentRefs: []platformv1alpha1.TargetEnvironment{{Name: "production"}}},
				}},
			},
			&platformv1alpha1.Project{
				ObjectMeta: metav1.ObjectMeta{Namespace: org, Name: project},
				Spec:       platformv1alpha1.ProjectSpec{DeploymentPipelineRef: platformv1alpha1.LocalObjectReference{Name: "standard"}},
			},
		}
		for _, env := range []string{"development", "production"} {
			objs = append(objs, &platformv1alpha1.Environment{
				ObjectMeta: metav1.ObjectMeta{Namespace: org, Name: env},
				Spec:       platformv1alpha1.EnvironmentSpec{DataPlaneRef: &platformv1alpha1.LocalObjectReference{Name: secretsPlane}},
			})
		}
		for _, o := range objs {
			Expect(hub.Create(ctx, o)).To(Succeed())
		}
	})

	It("delivers a SecretReference's keys as an ExternalSecret and a Secret in the cell, from each environment's remote key", func() {
		ref := &platformv1alpha1.SecretReference{
			ObjectMeta: metav1.ObjectMeta{Namespace: org, Name: "shop-db"},
			Spec: platformv1alpha1.SecretReferenceSpec{Data: []platformv1alpha1.SecretReferenceKey{
				{Key: "password", RemoteKey: "shop/db", Property: "password",
					Environments: []platformv1alpha1.EnvironmentRemoteKey{{Environment: "production", RemoteKey: "shop/production/db"}}},
				{Key: "token", RemoteKey: "shop/token"},
			}},
		}
		// Where secrets are read from is the organization admins' to say.
		Expect(apierrors.IsForbidden(dana.Create(ctx, ref.DeepCopy()))).To(BeTrue(), "developers do not write SecretReferences")
		Expect(ada.Create(ctx, ref)).To(Succeed())
		expectReady(ref)
		Expect(dana.Get(ctx, client.ObjectKeyFromObject(ref), ref)).To(Succeed(), "developers read them")

		Expect(hub.Create(ctx, &platformv1alpha1.Component{
			ObjectMeta: metav1.ObjectMeta{Namespace: org, Name: component},
			Spec: platformv1alpha1.ComponentSpec{
				ProjectRef: platformv1alpha1.LocalObjectReference{Name: project},
				Type:       platformv1alpha1.ComponentService, Image: "registry.example/secrets-a/api:1", AutoDeploy: true,
				Endpoints: []platformv1alpha1.Endpoint{{Name: "http", Port: 8080}},
				Container: platformv1alpha1.ContainerSpec{
					Env:   []platformv1alpha1.EnvVar{{Name: "DATABASE_PASSWORD", SecretRef: &platformv1alpha1.SecretRefKey{Name: "shop-db", Key: "password"}}},
					Files: []platformv1alpha1.ConfigFile{{MountPath: "/etc/api/token", SecretRef: &platformv1alpha1.SecretRefKey{Name: "shop-db", Key: "token"}}},
				},
			},
		})).To(Succeed())
		readyWith("development")
		secret := render.SecretName(component, "shop-db")
		Expect(secretData("development", secret)).To(Equal(map[string]string{"password": "development-password", "token": "t0ken"}),
			"the operator wrote the store's values into the cell")
		d := &appsv1.Deployment{}
		Expect(spokes["eu-1"].Get(ctx, client.ObjectKey{Namespace: cell("development"), Name: component}, d)).To(Succeed())
		Expect(d.Spec.Template.Spec.Containers[0].Env).To(ContainElement(And(
			HaveField("Name", "DATABASE_PASSWORD"), HaveField("ValueFrom.SecretKeyRef.Name", secret), HaveField("ValueFrom.SecretKeyRef.Key", "password"))))
		Expect(d.Spec.Template.Spec.Volumes).To(ContainElement(HaveField("Secret.SecretName", secret)))

		// Production reads its own path, with the same release.
		c := &platformv1alpha1.Component{}
		Expect(hub.Get(ctx, client.ObjectKey{Namespace: org, Name: component}, c)).To(Succeed())
		Expect(hub.Create(ctx, testbed.Binding(org, component, "production", c.Status.LatestRelease))).To(Succeed())
		readyWith("production")
		Expect(secretData("production", secret)).To(HaveKeyWithValue("password", "production-password"))
		// Nothing secret went through the hub.
		Expect(hub.Get(ctx, client.ObjectKey{Namespace: org, Name: secret}, &corev1.Secret{})).To(Satisfy(apierrors.IsNotFound))
	})

	It("reports a key the store does not have on the binding, and recovers when the reference is mended", func() {
		editReference("shop-db", func(s *platformv1alpha1.SecretReferenceSpec) { s.Data[1].RemoteKey = "shop/missing-token" })
		// The operator's condition says the store could not be read; its
		// event says which key.
		expectNotReady(bindingOf("development"), "ExternalSecret "+render.SecretName(component, "shop-db")+" cannot read the secret store",
			"shop/missing-token", "Secret does not exist")
		editReference("shop-db", func(s *platformv1alpha1.SecretReferenceSpec) { s.Data[1].RemoteKey = "shop/token" })
		readyWith("development")
	})

	It("stalls a binding whose component reads a SecretReference that does not exist, and names a plain Secret missing from the cell", func() {
		// In the component: no release is made of it.
		sentry := platformv1alpha1.EnvVar{Name: "SENTRY_DSN", SecretRef: &platformv1alpha1.SecretRefKey{Name: "sentry", Key: "dsn"}}
		editComponent(func(s *platformv1alpha1.ComponentSpec) { s.Container.Env = append(s.Container.Env, sentry) })
		expectNotReady(&platformv1alpha1.Component{ObjectMeta: metav1.ObjectMeta{Namespace: org, Name: component}},
			"SecretReference sentry does not exist in organization "+org)
		editComponent(func(s *platformv1alpha1.ComponentSpec) { s.Container.Env = s.Container.Env[:1] })
		readyWith("development")
		// In an environment's overrides: that binding stalls, and what ran
		// stays.
		b := bindingOf("development")
		Expect(hub.Get(ctx, client.ObjectKeyFromObject(b), b)).To(Succeed())
		patch := client.MergeFrom(b.DeepCopy())
		b.Spec.Overrides = &platformv1alpha1.BindingOverrides{Env: []platformv1alpha1.EnvVar{sentry}}
		Expect(hub.Patch(ctx, b, patch)).To(Succeed())
		expectNotReady(bindingOf("development"), "SecretReference sentry does not exist in organization "+org)
		Expect(secretData("development", render.SecretName(component, "shop-db"))).To(HaveKey("password"), "what ran stays")
		patch = client.MergeFrom(b.DeepCopy())
		b.Spec.Overrides = nil
		Expect(hub.Patch(ctx, b, patch)).To(Succeed())

		// A platform without a store: the Secret must be in the cell, and
		// the binding says which one is missing rather than leave pods
		// waiting.
		editComponent(func(s *platformv1alpha1.ComponentSpec) {
			s.Container.Env = append(s.Container.Env, platformv1alpha1.EnvVar{Name: "LEGACY_KEY", SecretKeyRef: &platformv1alpha1.SecretKeyReference{Name: "legacy", Key: "api-key"}})
		})
		expectNotReady(bindingOf("development"), "Secret legacy, whose key api-key the pods read, does not exist in the cell "+cell("development"))
		legacy := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: cell("development"), Name: "legacy"}, StringData: map[string]string{"other": "x"}}
		Expect(spokes["eu-1"].Create(ctx, legacy)).To(Succeed())
		expectNotReady(bindingOf("development"), "Secret legacy in the cell "+cell("development")+" has no key api-key")
		legacy.StringData = map[string]string{"api-key": "k"}
		Expect(spokes["eu-1"].Update(ctx, legacy)).To(Succeed())
		readyWith("development")

		// The ExternalSecret is the component's: it reads only the keys
		// the component uses, and goes when none is used any more.
		es := &unstructured.Unstructured{}
		es.SetAPIVersion(render.ExternalSecretAPIVersion)
		es.SetKind(render.ExternalSecretKind)
		Expect(spokes["eu-1"].Get(ctx, client.ObjectKey{Namespace: cell("development"), Name: render.SecretName(component, "shop-db")}, es)).To(Succeed())
		data, _, _ := unstructured.NestedSlice(es.Object, "spec", "data")
		var keys []string
		for _, d := range data {
			keys = append(keys, d.(map[string]any)["secretKey"].(string))
		}
		Expect(strings.Join(keys, ",")).To(Equal("password,token"))
		editComponent(func(s *platformv1alpha1.ComponentSpec) {
			s.Container.Env, s.Container.Files = s.Container.Env[1:], nil
		})
		readyWith("development")
		Eventually(func() bool {
			return apierrors.IsNotFound(spokes["eu-1"].Get(ctx, client.ObjectKeyFromObject(es), es.DeepCopy()))
		}).Should(BeTrue(), "the ExternalSecret no component reads is removed")
	})
})
