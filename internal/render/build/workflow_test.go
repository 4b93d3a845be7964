package build

import (
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
	"github.com/aileron-dev/aileron/internal/golden"
)

const commit = "3f2a9c81d0b6e4f7a1c2d3e4f5a6b7c8d9e0f1a2"

var plane = Plane{
	Name: "builder", Namespace: "aileron-builds",
	RegistryPrefix: "registry.acme.example/builds", PushSecretName: "registry-push",
	DefaultBuilder: "docker.io/paketobuildpacks/builder-jammy-base:0.4.500", ServiceAccountName: "builder",
	RunImage: "docker.io/paketobuildpacks/run-jammy-base:0.1.130",
}

// inputs are the golden cases: one per strategy, with and without what the
// plane may leave out.
func inputs() map[string]Input {
	return map[string]Input{
		"buildpacks": {
			Organization: "acme", Project: "shop", Component: "api", Run: "api-3f2a9c81d0", Commit: commit,
			Source: platformv1alpha1.BuildSource{
				Repository: "https://git.acme.example/shop/api.git", Revision: "main", ContextPath: "services/api/",
				Strategy: platformv1alpha1.BuildBuildpacks,
			},
			Plane: plane,
		},
		"dockerfile": {
			Organization: "acme", Project: "shop", Component: "web", Run: "web-3f2a9c81d0", Commit: commit,
			Source: platformv1alpha1.BuildSource{
				Repository: "ssh://git@git.acme.example/shop/web.git", Revision: "v1.4.2", ContextPath: ".",
				Strategy: platformv1alpha1.BuildDockerfile, DockerfilePath: "build/Dockerfile.prod",
			},
			// A plane without push credentials (a registry that trusts the
			// cluster) and without its own service account.
			Plane: Plane{Name: "builder", Namespace: "builds", RegistryPrefix: "registry.internal:5000"},
		},
	}
}

// TestGolden pins the rendered workflows: a change to them changes every
// build, and shows in review.
func TestGolden(t *testing.T) {
	for name, in := range inputs() {
		w, err := Render(in)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got, err := yaml.Marshal(w)
		if err != nil {
			t.Fatal(err)
		}
		golden.Assert(t, name+".yaml", got)
	}
}

// TestRenderIsDeterministic renders each input twice: delivery compares
// renders, so the same run must give the same bytes.
func TestRenderIsDeterministic(t *testing.T) {
	for name, in := range inputs() {
		a, _ := Render(in)
		b, _ := Render(in)
		ya, _ := yaml.Marshal(a)
		yb, _ := yaml.Marshal(b)
		if string(ya) != string(yb) {
			t.Errorf("%s renders differently twice", name)
		}
	}
}

func TestRenderDestinationAndPaths(t *testing.T) {
	in := inputs()["buildpacks"]
	w, err := Render(in)
	if err != nil {
		t.Fatal(err)
	}
	if w.Metadata.Name != "acme--api-3f2a9c81d0" || w.Metadata.Namespace != "aileron-builds--acme" {
		t.Errorf("workflow %s/%s, want aileron-builds--acme/acme--api-3f2a9c81d0", w.Metadata.Namespace, w.Metadata.Name)
	}
	if got := w.Metadata.Annotations[AnnotationImageRepository]; got != "registry.acme.example/builds/acme/api" {
		t.Errorf("image repository %q", got)
	}
	build := template(t, w, StepBuild)
	args := strings.Join(build.Container.Args, " ")
	for _, want := range []string{
		"-app=/workspace/source/services/api ", "-layout ", "-layout-dir=/workspace/layout ",
		"-run-image=docker.io/paketobuildpacks/run-jammy-base:0.1.130 ", "registry.acme.example/builds/acme/api:" + commit,
	} {
		if !strings.Contains(args+" ", want) {
			t.Errorf("creator args %q lack %q", args, want)
		}
	}
	if build.Container.Image != plane.DefaultBuilder {
		t.Errorf("without a builder of its own the component builds with the plane's default, got %s", build.Container.Image)
	}
	if got := env(template(t, w, StepRunImage))["RUN_IMAGE_LAYOUT"]; got != "/workspace/layout/index.docker.io/paketobuildpacks/run-jammy-base/0.1.130" {
		t.Errorf("the run image is fetched to %s", got)
	}
	pushEnv := env(template(t, w, StepPush))
	if pushEnv["LAYOUT"] != "/workspace/layout/registry.acme.example/builds/acme/api/"+commit || pushEnv["IMAGE"] != "registry.acme.example/builds/acme/api:"+commit {
		t.Errorf("push env %v", pushEnv)
	}
	in.Source.Builder = "docker.io/heroku/builder:24"
	w, _ = Render(in)
	if got := template(t, w, StepBuild).Container.Image; got != in.Source.Builder {
		t.Errorf("the component's builder must win, got %s", got)
	}

	d, err := Render(inputs()["dockerfile"])
	if err != nil {
		t.Fatal(err)
	}
	args = strings.Join(template(t, d, StepBuild).Container.Args, " ")
	for _, want := range []string{
		"--context=dir:///workspace/source ", "--dockerfile=/workspace/source/build/Dockerfile.prod",
		"--destination=registry.internal:5000/acme/web:" + commit, "--no-push", "--oci-layout-path=/workspace/layout/image",
	} {
		if !strings.Contains(args+" ", want) {
			t.Errorf("kaniko args %q lack %q", args, want)
		}
	}
	if got := env(template(t, d, StepPush))["LAYOUT"]; got != "/workspace/layout/image" {
		t.Errorf("the push reads %s", got)
	}
	var steps []string
	for _, group := range d.Spec.Templates[0].Steps {
		steps = append(steps, group[0].Name)
	}
	if strings.Join(steps, ",") != "clone,build,push" {
		t.Errorf("steps %v", steps)
	}
}

func template(t *testing.T, w *Workflow, name string) Template {
	t.Helper()
	for _, tmpl := range w.Spec.Templates {
		if tmpl.Name == name {
			return tmpl
		}
	}
	t.Fatalf("no template %s", name)
	return Template{}
}

func env(tmpl Template) map[string]string {
	out := map[string]string{}
	for _, e := range tmpl.Container.Env {
		out[e.Name] = e.Value
	}
	return out
}

func TestLayoutPath(t *testing.T) {
	for ref, want := range map[string]string{
		"docker.io/paketobuildpacks/run-jammy-base:latest": "/l/index.docker.io/paketobuildpacks/run-jammy-base/latest",
		"paketobuildpacks/run-jammy-base":                  "/l/index.docker.io/paketobuildpacks/run-jammy-base/latest",
		"ubuntu:jammy":                                     "/l/index.docker.io/library/ubuntu/jammy",
		"registry.internal:5000/acme/web:abc":              "/l/registry.internal:5000/acme/web/abc",
		"localhost/run@sha256:0123":                        "/l/localhost/run/sha256/0123",
		"ghcr.io/a/b/c@sha256:ff":                          "/l/ghcr.io/a/b/c/sha256/ff",
	} {
		if got, err := LayoutPath("/l", ref); err != nil || got != want {
			t.Errorf("LayoutPath(%s) = %s, %v; want %s", ref, got, err, want)
		}
	}
	for _, bad := range []string{"ghcr.io/a/../../etc:x", "ghcr.io/a@sha256", "ghcr.io//a"} {
		if got, err := LayoutPath("/l", bad); err == nil {
			t.Errorf("LayoutPath(%s) = %s, want an error", bad, got)
		}
	}
}

// TestRenderRefusesPathsOutsideTheRepository: the context and Dockerfile
// are read from the checkout, and nowhere else.
func TestRenderRefusesPathsOutsideTheRepository(t *testing.T) {
	for _, tc := range []struct {
		name, context, dockerfile, want string
	}{
		{"parent context", "../other", "", "spec.build.contextPath \"../other\" leaves the repository"},
		{"parent hidden in the middle", "a/../../b", "", "leaves the repository"},
		{"absolute context", "/etc", "", "must be relative"},
		{"dockerfile out of the context and the repository", ".", "../../Dockerfile", "spec.build.dockerfilePath"},
		{"absolute dockerfile", "app", "/Dockerfile", "must be relative"},
	} {
		in := inputs()["dockerfile"]
		in.Source.ContextPath, in.Source.DockerfilePath = tc.context, tc.dockerfile
		_, err := Render(in)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want an error containing %q", tc.name, err, tc.want)
		}
	}
	in := inputs()["buildpacks"]
	in.Plane.DefaultBuilder = ""
	if _, err := Render(in); err == nil || !strings.Contains(err.Error(), "names no defaultBuilder") {
		t.Errorf("no builder at all: got %v", err)
	}
}

func TestWorkflowNameKeepsOrganizationsApart(t *testing.T) {
	if a, b := WorkflowName("acme", "api-3f2a9c81d0"), WorkflowName("globex", "api-3f2a9c81d0"); a == b {
		t.Errorf("two organizations' runs of one commit share the workflow %s", a)
	}
	long := WorkflowName(strings.Repeat("o", 30), strings.Repeat("c", 40)+"-3f2a9c81d0-1a2b3")
	if len(long) > 63 {
		t.Errorf("workflow name %q is longer than a DNS label", long)
	}
}
