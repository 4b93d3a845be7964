package build

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"time"

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
	"github.com/aileron-dev/aileron/internal/builds"
	"github.com/aileron-dev/aileron/internal/fleet"
	"github.com/aileron-dev/aileron/internal/render"
	"github.com/aileron-dev/aileron/internal/render/build"
	"github.com/aileron-dev/aileron/test/gitserver"
)

const (
	component = "api"
	// buildNamespace is acme's own on the build plane: the BuildPlane's
	// namespace and the organization, joined.
	buildNamespace = "aileron-builds--acme"
	imageRepo      = "registry.acme.example/builds/acme/api"
)

var _ = Describe("Building from source", Ordered, func() {
	cell := render.CellNamespace(org, "shop", "development")
	var (
		commits  []string
		releases []string
	)

	It("builds a commit on the build plane, releases its image and runs it in development", func() {
		first, err := gitserver.Commit(repoDir, "main", map[string]string{"main.go": "package main\n\nfunc main() {}\n"}, "first")
		Expect(err).NotTo(HaveOccurred())
		commits = append(commits, first)

		Expect(fleet.CreateManifests(ctx, hub, "testdata/platform.yaml")).To(Succeed())
		Eventually(func() error { return hub.Get(ctx, client.ObjectKey{Name: org}, &corev1.Namespace{}) }).Should(Succeed())
		Expect(fleet.CreateManifests(ctx, hub, "testdata/organization.yaml")).To(Succeed())
		t0 := time.Now()
		Expect(hub.Create(ctx, &platformv1alpha1.Component{
			ObjectMeta: metav1.ObjectMeta{Namespace: org, Name: component},
			Spec: platformv1alpha1.ComponentSpec{
				ProjectRef: platformv1alpha1.LocalObjectReference{Name: "shop"}, Type: platformv1alpha1.ComponentService,
				AutoDeploy: true,
				Endpoints:  []platformv1alpha1.Endpoint{{Name: "http", Port: 8080}},
				Build:      &platformv1alpha1.BuildSource{Repository: "file://" + repoDir},
			},
		})).To(Succeed())

		run := expectRun(first)
		Expect(run.Spec.Revision).To(Equal("main"), "the API defaults the revision")
		Expect(run.Spec.BuildPlaneRef.Name).To(Equal(buildPlane), "the only BuildPlane is chosen")
		Expect(metav1.IsControlledBy(run, getComponent(Default))).To(BeTrue())

		wf := expectWorkflow(run.Name)
		Expect(wf.Metadata.Labels).To(HaveKeyWithValue(platformv1alpha1.LabelOrganization, org))
		Expect(wf.Metadata.Labels).To(HaveKeyWithValue(platformv1alpha1.LabelBuildRun, run.Name))
		Expect(env(wf, build.StepClone)).To(HaveKeyWithValue("COMMIT", first))
		Expect(env(wf, build.StepClone)).To(HaveKeyWithValue("REPOSITORY", "file://"+repoDir))
		Expect(env(wf, build.StepPush)).To(HaveKeyWithValue("IMAGE", imageRepo+":"+first), "the image goes to the BuildPlane's registry")
		expectPushSecretOnlyInPush(wf)
		expectBuildNamespace(org)

		// Until the build ends the component waits for it.
		Eventually(func(g Gomega) {
			c := getComponent(g)
			g.Expect(c.Status.LatestRelease).To(BeEmpty())
			g.Expect(c.Status.LatestCommit).To(Equal(first))
			g.Expect(c.Status.LatestBuild).To(Equal(run.Name))
			g.Expect(condition(c, platformv1alpha1.ConditionReady)).To(HaveField("Reason", "AwaitingBuild"))
			g.Expect(condition(c, platformv1alpha1.ConditionBuildSucceeded)).To(HaveField("Status", metav1.ConditionUnknown))
		}).Should(Succeed())

		setWorkflowStatus(run.Name, succeeded(digestOf(first)))
		image := imageRepo + "@" + digestOf(first)
		Eventually(func(g Gomega) {
			r := getRun(g, run.Name)
			g.Expect(r.Status.Phase).To(Equal(platformv1alpha1.BuildRunSucceeded))
			g.Expect(r.Status.Image).To(Equal(image))
			g.Expect(r.Status.Digest).To(Equal(digestOf(first)))
			g.Expect(condition(r, platformv1alpha1.ConditionReady)).To(HaveField("Status", metav1.ConditionTrue))
		}).Should(Succeed())

		release := expectRunning(image)
		releases = append(releases, release)
		c := getComponent(Default)
		Expect(condition(c, platformv1alpha1.ConditionBuildSucceeded)).To(HaveField("Status", metav1.ConditionTrue))
		Expect(condition(c, platformv1alpha1.ConditionSourceResolved)).To(HaveField("Status", metav1.ConditionTrue))
		AddReportEntry("component created → built image running in development", time.Since(t0).Round(time.Second).String())
	})

	It("reports a failed build of a new commit and keeps the previous release running", func() {
		second, err := gitserver.Commit(repoDir, "main", map[string]string{"main.go": "package main\n\nfunc main() { broken }\n"}, "second")
		Expect(err).NotTo(HaveOccurred())
		commits = append(commits, second)
		t0 := time.Now()
		run := expectRun(second)
		AddReportEntry("commit pushed → BuildRun created", time.Since(t0).Round(time.Millisecond).String())
		expectWorkflow(run.Name)

		setWorkflowStatus(run.Name, failed("Error (exit code 51)"))
		Eventually(func(g Gomega) {
			r := getRun(g, run.Name)
			g.Expect(r.Status.Phase).To(Equal(platformv1alpha1.BuildRunFailed))
			g.Expect(r.Status.FailedStep).To(Equal(build.StepBuild))
			ready := condition(r, platformv1alpha1.ConditionReady)
			g.Expect(ready).NotTo(BeNil())
			g.Expect(ready.Status).To(Equal(metav1.ConditionFalse))
			g.Expect(ready.Reason).To(Equal(platformv1alpha1.ReasonBuildFailed))
			g.Expect(ready.Message).To(ContainSubstring("step build failed: Error (exit code 51)"))
		}).Should(Succeed())

		Eventually(func(g Gomega) {
			c := getComponent(g)
			g.Expect(c.Status.LatestBuild).To(Equal(run.Name))
			built := condition(c, platformv1alpha1.ConditionBuildSucceeded)
			g.Expect(built).NotTo(BeNil())
			g.Expect(built.Status).To(Equal(metav1.ConditionFalse))
			g.Expect(built.Reason).To(Equal(platformv1alpha1.ReasonBuildFailed))
			g.Expect(built.Message).To(ContainSubstring("failed at step build: Error (exit code 51)"))
		}).Should(Succeed())
		// What ran keeps running, and the component says so.
		Consistently(func(g Gomega) {
			c := getComponent(g)
			g.Expect(c.Status.LatestRelease).To(Equal(releases[0]))
			g.Expect(condition(c, platformv1alpha1.ConditionReady)).To(HaveField("Status", metav1.ConditionTrue))
			g.Expect(deploymentImage(g, cell)).To(Equal(imageRepo + "@" + digestOf(commits[0])))
		}, 4*time.Second, time.Second).Should(Succeed())
	})

	It("keeps historyLimit finished runs, and deletes older ones with their workflows", func() {
		c := getComponent(Default)
		patch := client.MergeFrom(c.DeepCopy())
		c.Spec.Build.HistoryLimit = 2
		Expect(hub.Patch(ctx, c, patch)).To(Succeed())
		Eventually(func(g Gomega) {
			c := getComponent(g)
			g.Expect(c.Status.ObservedGeneration).To(Equal(c.Generation))
			g.Expect(c.Status.LatestRelease).To(Equal(releases[0]), "a history limit is not content: no new release")
		}).Should(Succeed())

		third, err := gitserver.Commit(repoDir, "main", map[string]string{"main.go": "package main\n\nfunc main() { println(\"fixed\") }\n"}, "third")
		Expect(err).NotTo(HaveOccurred())
		commits = append(commits, third)
		run := expectRun(third)
		expectWorkflow(run.Name)
		setWorkflowStatus(run.Name, succeeded(digestOf(third)))
		releases = append(releases, expectRunning(imageRepo+"@"+digestOf(third)))
		Expect(releases[1]).NotTo(Equal(releases[0]))

		oldest, failedRun, newest := builds.RunName(component, commits[0]), builds.RunName(component, commits[1]), run.Name
		Eventually(func(g Gomega) {
			g.Expect(runNames(g)).To(ConsistOf(failedRun, newest))
			g.Expect(apierrors.IsNotFound(getWorkflow(oldest, &unstructured.Unstructured{}))).To(BeTrue(), "the oldest run's workflow must go with it")
		}).Should(Succeed())
		for _, kept := range []string{failedRun, newest} {
			Expect(getWorkflow(kept, &unstructured.Unstructured{})).To(Succeed(), "%s's workflow is kept with it", kept)
		}
		Expect(condition(getComponent(Default), platformv1alpha1.ConditionBuildSucceeded)).To(HaveField("Status", metav1.ConditionTrue))
	})

	It("says when a component's repository cannot be reached", func() {
		ghost := &platformv1alpha1.Component{
			ObjectMeta: metav1.ObjectMeta{Namespace: org, Name: "ghost"},
			Spec: platformv1alpha1.ComponentSpec{
				ProjectRef: platformv1alpha1.LocalObjectReference{Name: "shop"}, Type: platformv1alpha1.ComponentWorker,
				Build: &platformv1alpha1.BuildSource{Repository: "file:///nowhere/ghost.git"},
			},
		}
		Expect(hub.Create(ctx, ghost)).To(Succeed())
		Eventually(func(g Gomega) {
			g.Expect(hub.Get(ctx, client.ObjectKeyFromObject(ghost), ghost)).To(Succeed())
			source := condition(ghost, platformv1alpha1.ConditionSourceResolved)
			g.Expect(source).NotTo(BeNil())
			g.Expect(source.Status).To(Equal(metav1.ConditionFalse))
			g.Expect(source.Reason).To(Equal(platformv1alpha1.ReasonRepositoryUnavailable))
			ready := condition(ghost, platformv1alpha1.ConditionReady)
			g.Expect(ready).NotTo(BeNil())
			g.Expect(ready.Status).To(Equal(metav1.ConditionFalse))
			g.Expect(ready.Message).To(ContainSubstring("cannot list the references of file:///nowhere/ghost.git"))
		}).Should(Succeed())
		list := &platformv1alpha1.BuildRunList{}
		Expect(hub.List(ctx, list, client.InNamespace(org), client.MatchingLabels{platformv1alpha1.LabelComponent: "ghost"})).To(Succeed())
		Expect(list.Items).To(BeEmpty())
		Expect(hub.Delete(ctx, ghost)).To(Succeed())
	})

	It("builds each organization in a namespace of its own on the build plane", func() {
		tenant("globex")
		commit, err := gitserver.Commit(repoDir, "main", map[string]string{"main.go": "package main\n\nfunc main() { println(\"globex\") }\n"}, "globex")
		Expect(err).NotTo(HaveOccurred())
		Expect(hub.Create(ctx, sourceComponent("globex", "api", platformv1alpha1.BuildSource{Repository: "file://" + repoDir}))).To(Succeed())

		var run *platformv1alpha1.BuildRun
		Eventually(func(g Gomega) {
			run = &platformv1alpha1.BuildRun{}
			g.Expect(hub.Get(ctx, client.ObjectKey{Namespace: "globex", Name: builds.RunName("api", commit)}, run)).To(Succeed())
			g.Expect(run.Status.WorkflowName).NotTo(BeEmpty())
		}).Should(Succeed())
		u := &unstructured.Unstructured{}
		u.SetGroupVersionKind(build.WorkflowGVK)
		Eventually(func() error {
			return spokes[buildPlane].Get(ctx, client.ObjectKey{Namespace: "aileron-builds--globex", Name: run.Status.WorkflowName}, u)
		}).Should(Succeed())
		wf, err := build.FromUnstructured(u)
		Expect(err).NotTo(HaveOccurred())
		Expect(wf.Metadata.Labels).To(HaveKeyWithValue(platformv1alpha1.LabelOrganization, "globex"))
		expectPushSecretOnlyInPush(wf)
		expectBuildNamespace("globex")

		// Neither organization's namespace holds a workflow of the other.
		for ns, other := range map[string]string{buildNamespace: "globex", "aileron-builds--globex": org} {
			list := &unstructured.UnstructuredList{}
			list.SetGroupVersionKind(build.WorkflowGVK)
			Expect(spokes[buildPlane].List(ctx, list, client.InNamespace(ns))).To(Succeed())
			Expect(list.Items).NotTo(BeEmpty())
			for _, w := range list.Items {
				Expect(w.GetLabels()).NotTo(HaveKeyWithValue(platformv1alpha1.LabelOrganization, other), "workflow %s/%s", ns, w.GetName())
			}
		}
	})

	It("refuses to build for an organization the BuildPlane is not granted to", func() {
		tenant("initech")
		Expect(hub.Create(ctx, sourceComponent("initech", "api", platformv1alpha1.BuildSource{Repository: "file://" + repoDir}))).To(Succeed())
		expectRefused("initech", "api", platformv1alpha1.ReasonNotAllowed,
			"BuildPlane builds is not granted to organization initech (its spec.organizations)")
	})

	It("refuses a builder the BuildPlane does not allow", func() {
		Expect(hub.Create(ctx, sourceComponent(org, "evil", platformv1alpha1.BuildSource{
			Repository: "file://" + repoDir, Builder: "docker.io/evil/builder:1",
		}))).To(Succeed())
		expectRefused(org, "evil", platformv1alpha1.ReasonNotAllowed,
			"builder docker.io/evil/builder:1 is not allowed on BuildPlane builds (spec.allowedBuilders: docker.io/paketobuildpacks/builder-jammy-base:latest, docker.io/paketobuildpacks/)")

		// One under the allowed path builds.
		Expect(hub.Create(ctx, sourceComponent(org, "full", platformv1alpha1.BuildSource{
			Repository: "file://" + repoDir, Builder: "docker.io/paketobuildpacks/builder-jammy-full:latest",
		}))).To(Succeed())
		Eventually(func(g Gomega) {
			list := &platformv1alpha1.BuildRunList{}
			g.Expect(hub.List(ctx, list, client.InNamespace(org), client.MatchingLabels{platformv1alpha1.LabelComponent: "full"})).To(Succeed())
			g.Expect(list.Items).To(HaveLen(1))
		}).Should(Succeed())
	})

	It("never fetches a repository whose scheme the platform does not allow", func() {
		var requests atomic.Int32
		internal := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			requests.Add(1)
			http.Error(w, "an internal service", http.StatusNotFound)
		}))
		DeferCleanup(internal.Close)
		url := internal.URL + "/admin.git"
		Expect(hub.Create(ctx, sourceComponent(org, "probe", platformv1alpha1.BuildSource{Repository: url}))).To(Succeed())
		expectRefused(org, "probe", platformv1alpha1.ReasonSchemeNotAllowed,
			"repository "+url+" uses scheme http, which this platform does not fetch build sources over (it allows https, ssh, file; the manager's --build-source-schemes)")
		Consistently(requests.Load, 2*pollInterval, 500*time.Millisecond).Should(BeZero(), "the hub contacted the repository")
	})

	It("takes back what it said about a component's source once the component names an image", func() {
		full := &platformv1alpha1.Component{}
		Expect(hub.Get(ctx, client.ObjectKey{Namespace: org, Name: "full"}, full)).To(Succeed())
		Eventually(func(g Gomega) {
			g.Expect(hub.Get(ctx, client.ObjectKeyFromObject(full), full)).To(Succeed())
			g.Expect(full.Status.LatestCommit).NotTo(BeEmpty())
		}).Should(Succeed())
		patch := client.MergeFrom(full.DeepCopy())
		full.Spec.Build, full.Spec.Image = nil, "registry.acme.example/full:1"
		Expect(hub.Patch(ctx, full, patch)).To(Succeed())
		// The buildsource controller takes back its part, the component
		// controller its own; neither puts back the other's.
		Eventually(func(g Gomega) {
			g.Expect(hub.Get(ctx, client.ObjectKeyFromObject(full), full)).To(Succeed())
			g.Expect(full.Status.LatestCommit).To(BeEmpty())
			g.Expect(full.Status.LatestBuild).To(BeEmpty())
			g.Expect(condition(full, platformv1alpha1.ConditionSourceResolved)).To(BeNil())
			g.Expect(condition(full, platformv1alpha1.ConditionBuildSucceeded)).To(BeNil())
			g.Expect(full.Status.ObservedGeneration).To(Equal(full.Generation))
			g.Expect(full.Status.LatestRelease).NotTo(BeEmpty())
		}).Should(Succeed())
	})

	It("deletes the component's runs and their workflows with the component", func() {
		names := runNames(Default)
		Expect(names).NotTo(BeEmpty())
		Expect(hub.Delete(ctx, &platformv1alpha1.Component{ObjectMeta: metav1.ObjectMeta{Namespace: org, Name: component}})).To(Succeed())
		Eventually(func(g Gomega) {
			g.Expect(runNames(g)).To(BeEmpty())
			for _, name := range names {
				g.Expect(apierrors.IsNotFound(getWorkflow(name, &unstructured.Unstructured{}))).To(BeTrue(), "workflow of %s", name)
			}
		}).Should(Succeed())
	})
})

// tenant creates an organization with two environments, a pipeline and the
// project shop, as the platform team would.
func tenant(name string) {
	Expect(hub.Create(ctx, &platformv1alpha1.Organization{ObjectMeta: metav1.ObjectMeta{Name: name}})).To(Succeed())
	Eventually(func() error { return hub.Get(ctx, client.ObjectKey{Name: name}, &corev1.Namespace{}) }).Should(Succeed())
	for _, o := range []client.Object{
		&platformv1alpha1.Environment{ObjectMeta: metav1.ObjectMeta{Namespace: name, Name: "development"},
			Spec: platformv1alpha1.EnvironmentSpec{DataPlaneRef: &platformv1alpha1.LocalObjectReference{Name: dataPlane}}},
		&platformv1alpha1.Environment{ObjectMeta: metav1.ObjectMeta{Namespace: name, Name: "production"},
			Spec: platformv1alpha1.EnvironmentSpec{DataPlaneRef: &platformv1alpha1.LocalObjectReference{Name: dataPlane}}},
		&platformv1alpha1.DeploymentPipeline{ObjectMeta: metav1.ObjectMeta{Namespace: name, Name: "standard"},
			Spec: platformv1alpha1.DeploymentPipelineSpec{PromotionPaths: []platformv1alpha1.PromotionPath{{
				SourceEnvironmentRef: "development", TargetEnvironmentRefs: []platformv1alpha1.TargetEnvironment{{Name: "production"}},
			}}}},
		&platformv1alpha1.Project{ObjectMeta: metav1.ObjectMeta{Namespace: name, Name: "shop"},
			Spec: platformv1alpha1.ProjectSpec{DeploymentPipelineRef: platformv1alpha1.LocalObjectReference{Name: "standard"}}},
	} {
		Expect(hub.Create(ctx, o)).To(Succeed())
	}
}

func sourceComponent(namespace, name string, src platformv1alpha1.BuildSource) *platformv1alpha1.Component {
	return &platformv1alpha1.Component{
		ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name},
		Spec: platformv1alpha1.ComponentSpec{
			ProjectRef: platformv1alpha1.LocalObjectReference{Name: "shop"}, Type: platformv1alpha1.ComponentWorker,
			Build: &src,
		},
	}
}

// expectRefused waits for a component to say, in SourceResolved and
// Ready, that it is not built and why, and checks no BuildRun was made.
func expectRefused(namespace, name, reason, message string) {
	EventuallyWithOffset(1, func(g Gomega) {
		c := &platformv1alpha1.Component{}
		g.Expect(hub.Get(ctx, client.ObjectKey{Namespace: namespace, Name: name}, c)).To(Succeed())
		source := condition(c, platformv1alpha1.ConditionSourceResolved)
		g.Expect(source).NotTo(BeNil())
		g.Expect(source.Status).To(Equal(metav1.ConditionFalse))
		g.Expect(source.Reason).To(Equal(reason))
		g.Expect(source.Message).To(ContainSubstring(message))
		ready := condition(c, platformv1alpha1.ConditionReady)
		g.Expect(ready).NotTo(BeNil())
		g.Expect(ready.Status).To(Equal(metav1.ConditionFalse))
		g.Expect(ready.Message).To(ContainSubstring(message))
	}).Should(Succeed())
	list := &platformv1alpha1.BuildRunList{}
	ExpectWithOffset(1, hub.List(ctx, list, client.InNamespace(namespace), client.MatchingLabels{platformv1alpha1.LabelComponent: name})).To(Succeed())
	ExpectWithOffset(1, list.Items).To(BeEmpty(), "nothing of a refused component is built")
}

// expectPushSecretOnlyInPush checks that only the push step, running the
// pinned crane image, has the push Secret.
func expectPushSecretOnlyInPush(wf *build.Workflow) {
	for _, v := range wf.Spec.Volumes {
		ExpectWithOffset(1, v.Secret).To(BeNil(), "workflow volume %s", v.Name)
	}
	for _, t := range wf.Spec.Templates {
		secrets := 0
		for _, v := range t.Volumes {
			if v.Secret != nil {
				secrets++
				ExpectWithOffset(1, v.Secret.SecretName).To(Equal(pushSecret))
			}
		}
		if t.Name == build.StepPush {
			ExpectWithOffset(1, secrets).To(Equal(1))
			ExpectWithOffset(1, t.Container.Image).To(HavePrefix("gcr.io/go-containerregistry/crane/debug:v"))
		} else {
			ExpectWithOffset(1, secrets).To(BeZero(), "step %s has a Secret volume", t.Name)
		}
	}
	ExpectWithOffset(1, wf.Spec.AutomountServiceAccountToken).To(HaveValue(BeFalse()))
}

// expectBuildNamespace checks organization's build namespace on the
// plane: labelled for it, with the executor's service account and a copy
// of the push Secret.
func expectBuildNamespace(organization string) {
	name := "aileron-builds--" + organization
	ns := &corev1.Namespace{}
	ExpectWithOffset(1, spokes[buildPlane].Get(ctx, client.ObjectKey{Name: name}, ns)).To(Succeed())
	ExpectWithOffset(1, ns.Labels).To(HaveKeyWithValue(platformv1alpha1.LabelOrganization, organization))
	ExpectWithOffset(1, ns.Labels).To(HaveKeyWithValue(platformv1alpha1.LabelManagedBy, platformv1alpha1.ManagedByValue))
	sa := &corev1.ServiceAccount{}
	ExpectWithOffset(1, spokes[buildPlane].Get(ctx, client.ObjectKey{Namespace: name, Name: "aileron-build"}, sa)).To(Succeed())
	ExpectWithOffset(1, sa.AutomountServiceAccountToken).To(HaveValue(BeFalse()))
	secret := &corev1.Secret{}
	ExpectWithOffset(1, spokes[buildPlane].Get(ctx, client.ObjectKey{Namespace: name, Name: pushSecret}, secret)).To(Succeed())
	ExpectWithOffset(1, string(secret.Data[corev1.DockerConfigJsonKey])).To(Equal(pushCredentials))
}

// digestOf makes up the digest a build of commit pushes.
func digestOf(commit string) string {
	sum := sha256.Sum256([]byte("image of " + commit))
	return "sha256:" + hex.EncodeToString(sum[:])
}

func getComponent(g Gomega) *platformv1alpha1.Component {
	c := &platformv1alpha1.Component{}
	g.Expect(hub.Get(ctx, client.ObjectKey{Namespace: org, Name: component}, c)).To(Succeed())
	return c
}

func getRun(g Gomega, name string) *platformv1alpha1.BuildRun {
	r := &platformv1alpha1.BuildRun{}
	g.Expect(hub.Get(ctx, client.ObjectKey{Namespace: org, Name: name}, r)).To(Succeed())
	return r
}

func runNames(g Gomega) []string {
	list := &platformv1alpha1.BuildRunList{}
	g.Expect(hub.List(ctx, list, client.InNamespace(org), client.MatchingLabels{platformv1alpha1.LabelComponent: component})).To(Succeed())
	names := make([]string, 0, len(list.Items))
	for _, r := range list.Items {
		names = append(names, r.Name)
	}
	return names
}

func condition(obj interface{ GetConditions() *[]metav1.Condition }, t string) *metav1.Condition {
	return meta.FindStatusCondition(*obj.GetConditions(), t)
}

// expectRun waits for the BuildRun of commit and returns it once it names
// its workflow.
func expectRun(commit string) *platformv1alpha1.BuildRun {
	name := builds.RunName(component, commit)
	var run *platformv1alpha1.BuildRun
	EventuallyWithOffset(1, func(g Gomega) {
		run = getRun(g, name)
		g.Expect(run.Spec.Commit).To(Equal(commit))
		g.Expect(run.Status.WorkflowName).To(Equal(build.WorkflowName(org, name)))
	}).Should(Succeed())
	return run
}

func getWorkflow(run string, u *unstructured.Unstructured) error {
	u.SetGroupVersionKind(build.WorkflowGVK)
	return spokes[buildPlane].Get(ctx, client.ObjectKey{Namespace: buildNamespace, Name: build.WorkflowName(org, run)}, u)
}

// expectWorkflow waits for a run's workflow on the build plane.
func expectWorkflow(run string) *build.Workflow {
	var wf *build.Workflow
	EventuallyWithOffset(1, func(g Gomega) {
		u := &unstructured.Unstructured{}
		g.Expect(getWorkflow(run, u)).To(Succeed())
		var err error
		wf, err = build.FromUnstructured(u)
		g.Expect(err).NotTo(HaveOccurred())
	}).Should(Succeed())
	return wf
}

// env is the environment of a workflow template's container.
func env(wf *build.Workflow, template string) map[string]string {
	out := map[string]string{}
	for _, t := range wf.Spec.Templates {
		if t.Name == template && t.Container != nil {
			for _, e := range t.Container.Env {
				out[e.Name] = e.Value
			}
		}
	}
	return out
}

func podNode(name, phase, message string, outputs ...build.Parameter) build.NodeStatus {
	now := metav1.Now()
	n := build.NodeStatus{
		ID: "n-" + name, Name: "wf[0]." + name, DisplayName: name, Type: build.NodeTypePod, TemplateName: name,
		Phase: phase, Message: message, StartedAt: &now, FinishedAt: &now,
	}
	if len(outputs) > 0 {
		n.Outputs = &build.Outputs{Parameters: outputs}
	}
	return n
}

// succeeded is the status Argo's controller writes when the build pushed
// digest.
func succeeded(digest string) build.WorkflowStatus {
	now := metav1.Now()
	clone := podNode(build.StepClone, build.PhaseSucceeded, "")
	built := podNode(build.StepBuild, build.PhaseSucceeded, "")
	push := podNode(build.StepPush, build.PhaseSucceeded, "", build.Parameter{
		Name: build.DigestParameter, Value: digest, ValueFrom: &build.ValueFrom{Path: "/result/image-digest"},
	})
	return build.WorkflowStatus{
		Phase: build.PhaseSucceeded, StartedAt: &now, FinishedAt: &now,
		Nodes: map[string]build.NodeStatus{
			"n":      {ID: "n", Name: "wf", DisplayName: "wf", Type: "Steps", TemplateName: "main", Phase: build.PhaseSucceeded, Children: []string{clone.ID}},
			clone.ID: clone, built.ID: built, push.ID: push,
		},
	}
}

// failed is the status Argo's controller writes when the build step
// exits with an error.
func failed(message string) build.WorkflowStatus {
	now := metav1.Now()
	clone := podNode(build.StepClone, build.PhaseSucceeded, "")
	push := podNode(build.StepBuild, build.PhaseFailed, message)
	return build.WorkflowStatus{
		Phase: build.PhaseFailed, Message: "child '" + push.ID + "' failed", StartedAt: &now, FinishedAt: &now,
		Nodes: map[string]build.NodeStatus{
			"n":      {ID: "n", Name: "wf", DisplayName: "wf", Type: "Steps", TemplateName: "main", Phase: build.PhaseFailed, Children: []string{clone.ID}},
			clone.ID: clone, push.ID: push,
		},
	}
}

// setWorkflowStatus writes a workflow's status as Argo's controller does:
// the CRD has no status subresource, so with an update of the object.
func setWorkflowStatus(run string, st build.WorkflowStatus) {
	data, err := json.Marshal(st)
	Expect(err).NotTo(HaveOccurred())
	status := map[string]any{}
	Expect(json.Unmarshal(data, &status)).To(Succeed())
	EventuallyWithOffset(1, func(g Gomega) {
		u := &unstructured.Unstructured{}
		g.Expect(getWorkflow(run, u)).To(Succeed())
		g.Expect(unstructured.SetNestedMap(u.Object, status, "status")).To(Succeed())
		g.Expect(spokes[buildPlane].Update(ctx, u)).To(Succeed())
	}).Should(Succeed())
}

func deploymentImage(g Gomega, namespace string) string {
	d := &appsv1.Deployment{}
	g.Expect(spokes[dataPlane].Get(ctx, client.ObjectKey{Namespace: namespace, Name: component}, d)).To(Succeed())
	g.Expect(d.Spec.Template.Spec.Containers).NotTo(BeEmpty())
	return d.Spec.Template.Spec.Containers[0].Image
}

// expectRunning waits until image is released, its release is Ready in
// development, and the data plane runs it; it returns the release.
func expectRunning(image string) string {
	var release string
	EventuallyWithOffset(1, func(g Gomega) {
		c := getComponent(g)
		g.Expect(c.Status.LatestRelease).NotTo(BeEmpty())
		rel := &platformv1alpha1.Release{}
		g.Expect(hub.Get(ctx, client.ObjectKey{Namespace: org, Name: c.Status.LatestRelease}, rel)).To(Succeed())
		g.Expect(rel.Spec.Image).To(Equal(image))
		release = rel.Name
	}).Should(Succeed())
	cell := render.CellNamespace(org, "shop", "development")
	EventuallyWithOffset(1, func(g Gomega) {
		b := &platformv1alpha1.ReleaseBinding{}
		g.Expect(hub.Get(ctx, client.ObjectKey{Namespace: org, Name: component + "--development"}, b)).To(Succeed())
		g.Expect(b.Spec.Release).To(Equal(release))
		g.Expect(condition(b, platformv1alpha1.ConditionReady)).To(HaveField("Status", metav1.ConditionTrue))
		g.Expect(deploymentImage(g, cell)).To(Equal(image))
		d := &appsv1.Deployment{}
		g.Expect(spokes[dataPlane].Get(ctx, client.ObjectKey{Namespace: cell, Name: component}, d)).To(Succeed())
		g.Expect(d.Status.AvailableReplicas).To(BeNumerically(">=", 1))
		c := getComponent(g)
		g.Expect(condition(c, platformv1alpha1.ConditionReady)).To(HaveField("Status", metav1.ConditionTrue))
	}).Should(Succeed())
	return release
}
