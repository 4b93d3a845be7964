package e2e

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
	"github.com/aileron-dev/aileron/internal/binding"
	"github.com/aileron-dev/aileron/internal/pipeline"
	"github.com/aileron-dev/aileron/internal/render"
)

// configPlane is a DataPlane of its own on eu-1's cluster for the
// configuration specs.
const configPlane = "config-eu"

var _ = Describe("Configuration per environment", Ordered, ContinueOnFailure, func() {
	const (
		org, project, component = "config-a", "shop", "api"
		releasedURL             = "postgres://db.local:5432/shop"
	)
	urls := map[string]string{
		"development": "postgres://db.development:5432/shop",
		"staging":     "postgres://db.staging:5432/shop",
		"production":  "postgres://db.production:5432/shop",
	}
	// dana is a developer of the organization, ada one of its admins.
	var dana, ada client.Client

	bindingOf := func(env string) *platformv1alpha1.ReleaseBinding {
		return &platformv1alpha1.ReleaseBinding{ObjectMeta: metav1.ObjectMeta{Namespace: org, Name: binding.Name(component, env)}}
	}
	// running waits until env runs release (any, when empty) with
	// overrides on every plane, and returns its binding.
	running := func(env, release string, overrides *platformv1alpha1.BindingOverrides) *platformv1alpha1.ReleaseBinding {
		GinkgoHelper()
		b := bindingOf(env)
		Eventually(func(g Gomega) {
			g.Expect(hub.Get(ctx, client.ObjectKeyFromObject(b), b)).To(Succeed())
			if release != "" {
				g.Expect(b.Status.Release).To(Equal(release))
			}
			g.Expect(b.Status.OverridesHash).To(Equal(pipeline.OverridesHash(overrides)))
			ready := meta.FindStatusCondition(b.Status.Conditions, platformv1alpha1.ConditionReady)
			g.Expect(ready).NotTo(BeNil())
			g.Expect(ready.Status).To(Equal(metav1.ConditionTrue), ready.Message)
			g.Expect(ready.ObservedGeneration).To(Equal(b.Generation))
		}).Should(Succeed())
		return b
	}
	// configOn is the component's ConfigMap of environment variables in
	// env's cell on the plane.
	configOn := func(env string) *corev1.ConfigMap {
		GinkgoHelper()
		cm := &corev1.ConfigMap{}
		Expect(spokes["eu-1"].Get(ctx, client.ObjectKey{Namespace: render.CellNamespace(org, project, env), Name: component + "-env"}, cm)).To(Succeed())
		return cm
	}
	deploymentOn := func(env string) *appsv1.Deployment {
		GinkgoHelper()
		d := &appsv1.Deployment{}
		Expect(spokes["eu-1"].Get(ctx, client.ObjectKey{Namespace: render.CellNamespace(org, project, env), Name: component}, d)).To(Succeed())
		return d
	}
	setOverrides := func(c client.Client, env string, o *platformv1alpha1.BindingOverrides) error {
		b := bindingOf(env)
		Expect(hub.Get(ctx, client.ObjectKeyFromObject(b), b)).To(Succeed())
		patch := client.MergeFrom(b.DeepCopy())
		b.Spec.Overrides = o
		return c.Patch(ctx, b, patch)
	}
	// promoteTo promotes the component from one environment to the next as
	// the hub's administrator, approved by ada where the pipeline requires
	// it, and returns the release moved.
	promoteTo := func(from, to string, approve bool) string {
		GinkgoHelper()
		me, err := binding.WhoAmI(ctx, f.Hub.Config)
		Expect(err).NotTo(HaveOccurred())
		p := &platformv1alpha1.Promotion{
			ObjectMeta: metav1.ObjectMeta{Namespace: org, GenerateName: component + "-to-" + to + "-"},
			Spec: platformv1alpha1.PromotionSpec{
				ComponentRef:         platformv1alpha1.LocalObjectReference{Name: component},
				SourceEnvironmentRef: &platformv1alpha1.LocalObjectReference{Name: from},
				TargetEnvironmentRef: platformv1alpha1.LocalObjectReference{Name: to},
				RequestedBy:          me,
			},
		}
		Expect(hub.Create(ctx, p)).To(Succeed())
		if approve {
			Eventually(func(g Gomega) {
				g.Expect(hub.Get(ctx, client.ObjectKeyFromObject(p), p)).To(Succeed())
				g.Expect(p.Status.Phase).To(Equal(platformv1alpha1.PromotionAwaitingApproval))
			}).Should(Succeed())
			patch := client.MergeFrom(p.DeepCopy())
			p.Spec.Approval = &platformv1alpha1.Approval{Decision: platformv1alpha1.Approved, By: "ada", Comment: "CHG-7"}
			Expect(ada.Patch(ctx, p, patch)).To(Succeed())
		}
		Eventually(func(g Gomega) {
			g.Expect(hub.Get(ctx, client.ObjectKeyFromObject(p), p)).To(Succeed())
			g.Expect(p.Status.Phase).To(Equal(platformv1alpha1.PromotionSucceeded), "%+v", p.Status)
		}).Should(Succeed())
		return p.Status.Release
	}
	latestRelease := func() string {
		GinkgoHelper()
		c := &platformv1alpha1.Component{}
		Eventually(func(g Gomega) {
			g.Expect(hub.Get(ctx, client.ObjectKey{Namespace: org, Name: component}, c)).To(Succeed())
			g.Expect(c.Status.LatestRelease).NotTo(BeEmpty())
		}).Should(Succeed())
		return c.Status.LatestRelease
	}

	BeforeAll(func() {
		planeOnEU1(configPlane, platformv1alpha1.DataPlaneSpec{})
		dana, ada = newTenant(org)
		objs := []client.Object{
			&platformv1alpha1.DeploymentPipeline{
				ObjectMeta: metav1.ObjectMeta{Namespace: org, Name: "standard"},
				Spec: platformv1alpha1.DeploymentPipelineSpec{PromotionPaths: []platformv1alpha1.PromotionPath{
					{SourceEnvironmentRef: "development", TargetEnvironmentRefs: []platformv1alpha1.TargetEnvironment{{Name: "staging"}}},
					{SourceEnvironmentRef: "staging", TargetEnvironmentRefs: []platformv1alpha1.TargetEnvironment{{Name: "production", RequiresApproval: true}}},
				}},
			},
			&platformv1alpha1.Project{
				ObjectMeta: metav1.ObjectMeta{Namespace: org, Name: project},
				Spec:       platformv1alpha1.ProjectSpec{DeploymentPipelineRef: platformv1alpha1.LocalObjectReference{Name: "standard"}},
			},
			&platformv1alpha1.Component{
				ObjectMeta: metav1.ObjectMeta{Namespace: org, Name: component},
				Spec: platformv1alpha1.ComponentSpec{
					ProjectRef: platformv1alpha1.LocalObjectReference{Name: project},
					Type:       platformv1alpha1.ComponentService,
					Image:      "registry.example/config-a/api:1", AutoDeploy: true,
					Endpoints: []platformv1alpha1.Endpoint{{Name: "http", Port: 8080}},
					Container: platformv1alpha1.ContainerSpec{Env: []platformv1alpha1.EnvVar{
						{Name: "DATABASE_URL", Value: ptr.To(releasedURL)},
						{Name: "LOG_LEVEL", Value: ptr.To("info")},
					}},
				},
			},
		}
		for _, env := range []string{"development", "staging", "production"} {
			objs = append(objs, &platformv1alpha1.Environment{
				ObjectMeta: metav1.ObjectMeta{Namespace: org, Name: env},
				Spec:       platformv1alpha1.EnvironmentSpec{DataPlaneRef: &platformv1alpha1.LocalObjectReference{Name: configPlane}},
			})
		}
		for _, o := range objs {
			Expect(hub.Create(ctx, o)).To(Succeed())
		}
	})

	It("keeps each environment's values while the release moves through the pipeline, and re-renders only the environment whose overrides change", func() {
		first := latestRelease()
		running("development", first, nil)
		Expect(configOn("development").Data).To(HaveKeyWithValue("DATABASE_URL", releasedURL), "the release's own value, before any override")

		// Development is not protected: its developers configure it.
		devOverrides := &platformv1alpha1.BindingOverrides{Env: []platformv1alpha1.EnvVar{{Name: "DATABASE_URL", Value: ptr.To(urls["development"])}}}
		Expect(setOverrides(dana, "development", devOverrides)).To(Succeed())
		b := running("development", first, devOverrides)
		Expect(configOn("development").Data).To(Equal(map[string]string{"DATABASE_URL": urls["development"], "LOG_LEVEL": "info"}))
		Expect(b.Status.History[0]).To(And(HaveField("Release", first), HaveField("By", "dana"), HaveField("Via", pipeline.EditVia),
			HaveField("Overrides", pipeline.OverridesHash(devOverrides))), "the override edit is recorded, with who made it")

		Expect(promoteTo("development", "staging", false)).To(Equal(first))
		stagingOverrides := &platformv1alpha1.BindingOverrides{
			Env:      []platformv1alpha1.EnvVar{{Name: "DATABASE_URL", Value: ptr.To(urls["staging"])}},
			Replicas: ptr.To[int32](2),
		}
		Expect(setOverrides(dana, "staging", stagingOverrides)).To(Succeed())
		running("staging", first, stagingOverrides)
		Expect(configOn("staging").Data).To(HaveKeyWithValue("DATABASE_URL", urls["staging"]))
		Expect(deploymentOn("staging").Spec.Replicas).To(HaveValue(Equal(int32(2))))

		Expect(promoteTo("staging", "production", true)).To(Equal(first))
		running("production", first, nil)
		Expect(configOn("production").Data).To(HaveKeyWithValue("DATABASE_URL", releasedURL), "production starts with the release's value")

		// Production requires approval: configuration cannot walk around it.
		prodOverrides := &platformv1alpha1.BindingOverrides{Env: []platformv1alpha1.EnvVar{{Name: "DATABASE_URL", Value: ptr.To(urls["production"])}}}
		err := setOverrides(dana, "production", prodOverrides)
		Expect(apierrors.IsForbidden(err) || apierrors.IsInvalid(err)).To(BeTrue(), "%v", err)
		Expect(err.Error()).To(ContainSubstring("dana may not change the release, state, overrides or finalizer of ReleaseBinding " + binding.Name(component, "production")))
		Expect(err.Error()).To(ContainSubstring("pipeline standard requires approval for production"))
		Expect(configOn("production").Data).To(HaveKeyWithValue("DATABASE_URL", releasedURL))
		// An organization admin may, and is recorded.
		Expect(setOverrides(ada, "production", prodOverrides)).To(Succeed())
		b = running("production", first, prodOverrides)
		Expect(b.Annotations).To(HaveKeyWithValue(platformv1alpha1.AnnotationMovedBy, "ada"))
		Expect(b.Status.History[0]).To(And(HaveField("Release", first), HaveField("By", "ada"), HaveField("Via", pipeline.EditVia),
			HaveField("Overrides", pipeline.OverridesHash(prodOverrides))))
		Expect(configOn("production").Data).To(HaveKeyWithValue("DATABASE_URL", urls["production"]))

		// An override edit in staging re-renders staging, and nothing of
		// the other environments.
		devConfig, prodConfig := configOn("development"), configOn("production")
		devDeployment, prodDeployment := deploymentOn("development"), deploymentOn("production")
		stagingOverrides.Env = append(stagingOverrides.Env, platformv1alpha1.EnvVar{Name: "LOG_LEVEL", Value: ptr.To("debug")})
		Expect(setOverrides(dana, "staging", stagingOverrides)).To(Succeed())
		running("staging", first, stagingOverrides)
		Expect(configOn("staging").Data).To(Equal(map[string]string{"DATABASE_URL": urls["staging"], "LOG_LEVEL": "debug"}))
		Consistently(func(g Gomega) {
			for _, o := range []client.Object{devConfig, prodConfig, devDeployment, prodDeployment} {
				now := o.DeepCopyObject().(client.Object)
				g.Expect(spokes["eu-1"].Get(ctx, client.ObjectKeyFromObject(o), now)).To(Succeed())
				g.Expect(now.GetResourceVersion()).To(Equal(o.GetResourceVersion()), "%T %s/%s was written", o, o.GetNamespace(), o.GetName())
			}
		}, "5s", "1s").Should(Succeed())

		// A new image: autoDeploy moves development, promotions move the
		// others, and every environment keeps its own configuration.
		c := &platformv1alpha1.Component{}
		Expect(hub.Get(ctx, client.ObjectKey{Namespace: org, Name: component}, c)).To(Succeed())
		patch := client.MergeFrom(c.DeepCopy())
		c.Spec.Image = "registry.example/config-a/api:2"
		Expect(hub.Patch(ctx, c, patch)).To(Succeed())
		var second string
		Eventually(func(g Gomega) {
			g.Expect(hub.Get(ctx, client.ObjectKeyFromObject(c), c)).To(Succeed())
			second = c.Status.LatestRelease
			g.Expect(second).NotTo(Equal(first))
		}).Should(Succeed())
		running("development", second, devOverrides)
		Expect(promoteTo("development", "staging", false)).To(Equal(second))
		running("staging", second, stagingOverrides)
		Expect(promoteTo("staging", "production", true)).To(Equal(second))
		running("production", second, prodOverrides)
		for env, image := range map[string]string{"development": c.Spec.Image, "staging": c.Spec.Image, "production": c.Spec.Image} {
			Expect(deploymentOn(env).Spec.Template.Spec.Containers[0].Image).To(Equal(image), env)
			Expect(configOn(env).Data).To(HaveKeyWithValue("DATABASE_URL", urls[env]), "%s keeps its value across the promotion", env)
		}
		Expect(deploymentOn("staging").Spec.Replicas).To(HaveValue(Equal(int32(2))))
		Expect(deploymentOn("production").Spec.Replicas).To(HaveValue(Equal(int32(1))))
	})

	It("refuses overrides the release cannot take, naming the field, and keeps what runs", func() {
		prod := bindingOf("production")
		Expect(hub.Get(ctx, client.ObjectKeyFromObject(prod), prod)).To(Succeed())
		good := prod.Spec.Overrides
		before := deploymentOn("production")
		bad := good.DeepCopy()
		bad.Parameters = rawJSON(`{"tier": "gold"}`)
		Expect(setOverrides(ada, "production", bad)).To(Succeed())
		expectNotReady(prod, "release "+prod.Spec.Release+" cannot run in environment production: ",
			"spec.overrides.parameters.tier: type service does not let tier differ per environment (its environmentParameters: none)")
		Expect(readyCondition(Default, prod).Reason).To(Equal(platformv1alpha1.ReasonInvalidSpec))
		Expect(deploymentOn("production").ResourceVersion).To(Equal(before.ResourceVersion), "bad overrides changed what runs")
		Expect(configOn("production").Data).To(HaveKeyWithValue("DATABASE_URL", urls["production"]))

		Expect(setOverrides(ada, "production", good)).To(Succeed())
		running("production", prod.Spec.Release, good)
	})

	It("renders the organization's resource defaults and cell bounds into every cell, holds components to them, and removes them when they are dropped", func() {
		orgObj := &platformv1alpha1.Organization{}
		setResources := func(res *platformv1alpha1.OrganizationResources) {
			GinkgoHelper()
			Expect(hub.Get(ctx, client.ObjectKey{Name: org}, orgObj)).To(Succeed())
			patch := client.MergeFrom(orgObj.DeepCopy())
			orgObj.Spec.Resources = res
			Expect(hub.Patch(ctx, orgObj, patch)).To(Succeed())
		}
		q := resource.MustParse
		cellOf := func(env string) string { return render.CellNamespace(org, project, env) }
		setResources(&platformv1alpha1.OrganizationResources{
			Defaults:        &platformv1alpha1.Resources{Requests: &platformv1alpha1.ResourceList{CPU: ptr.To(q("50m")), Memory: ptr.To(q("64Mi"))}},
			CellQuota:       &platformv1alpha1.CellQuota{Requests: &platformv1alpha1.ResourceList{CPU: ptr.To(q("4"))}, Pods: ptr.To[int32](20)},
			ContainerLimits: &platformv1alpha1.ContainerLimits{Max: &platformv1alpha1.ResourceList{CPU: ptr.To(q("1")), Memory: ptr.To(q("2Gi"))}},
		})
		for _, env := range []string{"development", "staging", "production"} {
			Eventually(func(g Gomega) {
				quota := &corev1.ResourceQuota{}
				g.Expect(spokes["eu-1"].Get(ctx, client.ObjectKey{Namespace: cellOf(env), Name: render.CellQuotaName}, quota)).To(Succeed())
				g.Expect(quota.Spec.Hard).To(HaveLen(2))
				g.Expect(quota.Spec.Hard.Pods().String()).To(Equal("20"))
				g.Expect(quota.Spec.Hard.Name(corev1.ResourceRequestsCPU, resource.DecimalSI).String()).To(Equal("4"))
				limits := &corev1.LimitRange{}
				g.Expect(spokes["eu-1"].Get(ctx, client.ObjectKey{Namespace: cellOf(env), Name: render.CellLimitsName}, limits)).To(Succeed())
				g.Expect(limits.Spec.Limits).To(HaveLen(1))
				g.Expect(limits.Spec.Limits[0].Max.Cpu().String()).To(Equal("1"))
				g.Expect(limits.Spec.Limits[0].DefaultRequest.Cpu().String()).To(Equal("50m"))
			}).Should(Succeed(), env)
		}
		// The component sets no resources: it gets the organization's.
		Eventually(func(g Gomega) {
			d := &appsv1.Deployment{}
			g.Expect(spokes["eu-1"].Get(ctx, client.ObjectKey{Namespace: cellOf("development"), Name: component}, d)).To(Succeed())
			r := d.Spec.Template.Spec.Containers[0].Resources
			g.Expect(r.Requests.Cpu().String()).To(Equal("50m"))
			g.Expect(r.Requests.Memory().String()).To(Equal("64Mi"))
			g.Expect(r.Limits.Cpu().String()).To(Equal("500m"), "Aileron's default limit, below the organization's max")
		}).Should(Succeed())

		// More than a container may have: the binding says so, and what
		// runs stays.
		prod := bindingOf("production")
		Expect(hub.Get(ctx, client.ObjectKeyFromObject(prod), prod)).To(Succeed())
		good := prod.Spec.Overrides
		greedy := good.DeepCopy()
		greedy.Resources = &platformv1alpha1.Resources{Limits: &platformv1alpha1.ResourceList{CPU: ptr.To(q("2"))}}
		Expect(setOverrides(ada, "production", greedy)).To(Succeed())
		expectNotReady(prod, "spec.container.resources.limits.cpu: 2 is above the most organization config-a lets a container use (1)")
		Expect(setOverrides(ada, "production", good)).To(Succeed())
		running("production", prod.Spec.Release, good)

		// Dropped, the bounds leave every cell, and the defaults are
		// Aileron's again.
		setResources(nil)
		for _, env := range []string{"development", "staging", "production"} {
			Eventually(func(g Gomega) {
				err := spokes["eu-1"].Get(ctx, client.ObjectKey{Namespace: cellOf(env), Name: render.CellQuotaName}, &corev1.ResourceQuota{})
				g.Expect(apierrors.IsNotFound(err)).To(BeTrue(), "%s: %v", env, err)
				err = spokes["eu-1"].Get(ctx, client.ObjectKey{Namespace: cellOf(env), Name: render.CellLimitsName}, &corev1.LimitRange{})
				g.Expect(apierrors.IsNotFound(err)).To(BeTrue(), "%s: %v", env, err)
			}).Should(Succeed(), env)
		}
		Eventually(func(g Gomega) {
			d := &appsv1.Deployment{}
			g.Expect(spokes["eu-1"].Get(ctx, client.ObjectKey{Namespace: cellOf("development"), Name: component}, d)).To(Succeed())
			g.Expect(d.Spec.Template.Spec.Containers[0].Resources.Requests.Cpu().String()).To(Equal(render.DefaultCPURequest.String()))
		}).Should(Succeed())
	})
})
