package build

import (
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
)

// pushStep is the name of the step that pushes, and the only one that may
// hold the push credentials; written out here rather than taken from the
// code under test.
const pushStep = "push"

// TestOnlyThePusherHoldsPushCredentials: tenant code (the clone, kaniko's
// RUN steps, buildpacks) runs in containers that neither mount the push
// Secret nor point DOCKER_CONFIG at it; one step, running Aileron's pinned
// crane image, mounts it, and that step's volume is declared on it alone.
func TestOnlyThePusherHoldsPushCredentials(t *testing.T) {
	for name, in := range inputs() {
		in.Plane.PushSecretName = "registry-push"
		w, err := Render(in)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, v := range w.Spec.Volumes {
			if v.Secret != nil {
				t.Errorf("%s: workflow-level volume %s holds Secret %s: every step's pod would carry it", name, v.Name, v.Secret.SecretName)
			}
		}
		pushers := 0
		for _, tmpl := range w.Spec.Templates {
			if tmpl.Container == nil {
				continue
			}
			secretVolumes := map[string]bool{}
			for _, v := range tmpl.Volumes {
				if v.Secret != nil {
					secretVolumes[v.Name] = v.Secret.SecretName == "registry-push"
				}
			}
			if tmpl.Name != pushStep {
				if len(secretVolumes) > 0 {
					t.Errorf("%s: tenant step %s declares a Secret volume", name, tmpl.Name)
				}
				for _, e := range tmpl.Container.Env {
					if e.Name == "DOCKER_CONFIG" {
						t.Errorf("%s: tenant step %s sets DOCKER_CONFIG=%s", name, tmpl.Name, e.Value)
					}
				}
				for _, m := range tmpl.Container.VolumeMounts {
					if m.Name == "docker-config" || strings.Contains(m.MountPath, "docker") {
						t.Errorf("%s: tenant step %s mounts %s at %s", name, tmpl.Name, m.Name, m.MountPath)
					}
				}
				continue
			}
			pushers++
			if !strings.HasPrefix(tmpl.Container.Image, "gcr.io/go-containerregistry/crane/debug:v") {
				t.Errorf("%s: the pusher runs %s, not a pinned crane", name, tmpl.Container.Image)
			}
			mounted := false
			for _, m := range tmpl.Container.VolumeMounts {
				mounted = mounted || secretVolumes[m.Name]
			}
			if !mounted {
				t.Errorf("%s: the pusher does not mount the push Secret", name)
			}
		}
		if pushers != 1 {
			t.Errorf("%s: %d push steps, want 1", name, pushers)
		}
	}
}

// TestTenantStepsHaveNoAPIToken: no container of a build gets a service
// account token, so tenant code cannot read or forge other runs' results
// (workflowtaskresults) or anything else on the build plane; Argo's
// executor gets its own.
func TestTenantStepsHaveNoAPIToken(t *testing.T) {
	for name, in := range inputs() {
		w, err := Render(in)
		if err != nil {
			t.Fatal(err)
		}
		if w.Spec.AutomountServiceAccountToken == nil || *w.Spec.AutomountServiceAccountToken {
			t.Errorf("%s: the steps' containers get the service account's token", name)
		}
		if w.Spec.Executor == nil || w.Spec.Executor.ServiceAccountName == "" {
			t.Errorf("%s: Argo's executor has no service account to report results with", name)
		}
	}
}

// TestDigestComesFromThePusher: the image-digest output is declared on the
// push step only, and a digest a tenant step reports is not taken.
func TestDigestComesFromThePusher(t *testing.T) {
	for name, in := range inputs() {
		w, err := Render(in)
		if err != nil {
			t.Fatal(err)
		}
		for _, tmpl := range w.Spec.Templates {
			if tmpl.Outputs == nil {
				continue
			}
			for _, p := range tmpl.Outputs.Parameters {
				if p.Name == DigestParameter && tmpl.Name != pushStep {
					t.Errorf("%s: step %s declares %s", name, tmpl.Name, DigestParameter)
				}
				if p.GlobalName != "" {
					t.Errorf("%s: step %s exports %s globally, where any step could set it", name, tmpl.Name, p.Name)
				}
			}
		}
	}
	forged := "sha256:" + strings.Repeat("f", 64)
	st := WorkflowStatus{Phase: PhaseSucceeded, Nodes: nodes(
		node(StepClone, PhaseSucceeded, "", 5),
		node(StepBuild, PhaseSucceeded, "", 30, digestOutput(forged)),
		node(pushStep, PhaseSucceeded, "", 40, digestOutput(digest)),
	), Outputs: &Outputs{Parameters: []Parameter{{Name: DigestParameter, Value: forged}}}}
	if got := Read(st); got.Digest != digest {
		t.Errorf("the run reports %q, want the pusher's %s", got.Digest, digest)
	}
	st.Nodes = nodes(node(StepClone, PhaseSucceeded, "", 5), node(StepBuild, PhaseSucceeded, "", 30, digestOutput(forged)))
	if got := Read(st); got.Digest != "" {
		t.Errorf("without a push step's output the run reports %q", got.Digest)
	}
}

// TestEachOrganizationBuildsInItsOwnNamespace: the namespace of a run is
// the plane's namespace joined with the organization.
func TestEachOrganizationBuildsInItsOwnNamespace(t *testing.T) {
	in := inputs()["buildpacks"]
	a, _ := Render(in)
	in.Organization = "globex"
	b, _ := Render(in)
	if a.Metadata.Namespace != "aileron-builds--acme" || b.Metadata.Namespace != "aileron-builds--globex" {
		t.Errorf("namespaces %s and %s, want aileron-builds--acme and aileron-builds--globex", a.Metadata.Namespace, b.Metadata.Namespace)
	}
}

// TestRefusal: a BuildPlane builds only for the organizations it grants,
// and only with its default builder or one its allow-list names.
func TestRefusal(t *testing.T) {
	bp := &platformv1alpha1.BuildPlane{ObjectMeta: metav1.ObjectMeta{Name: "builder"}, Spec: platformv1alpha1.BuildPlaneSpec{
		DefaultBuilder:  "docker.io/paketobuildpacks/builder-jammy-base:0.4.500",
		AllowedBuilders: []string{"docker.io/paketobuildpacks/", "docker.io/heroku/builder:", "ghcr.io/acme/builder:1.2"},
	}}
	for _, tc := range []struct {
		org, builder string
		strategy     platformv1alpha1.BuildStrategy
		want         string
	}{
		{"acme", "", "", ""},
		{"acme", "docker.io/paketobuildpacks/builder-jammy-base:0.4.500", "", ""},
		{"acme", "docker.io/paketobuildpacks/builder-jammy-full:0.3", "", ""},
		{"acme", "docker.io/heroku/builder:24", "", ""},
		{"acme", "ghcr.io/acme/builder:1.2", "", ""},
		{"acme", "ghcr.io/acme/builder:1.3", "", "builder ghcr.io/acme/builder:1.3 is not allowed on BuildPlane builder (spec.allowedBuilders: docker.io/paketobuildpacks/builder-jammy-base:0.4.500, docker.io/paketobuildpacks/, docker.io/heroku/builder:, ghcr.io/acme/builder:1.2)"},
		// A prefix is one only where it ends: not a longer repository name.
		{"acme", "docker.io/paketobuildpacks-evil/builder:1", "", "is not allowed"},
		{"acme", "docker.io/heroku/builder-evil:24", "", "is not allowed"},
		{"acme", "ghcr.io/acme/builder:1.2-evil", "", "is not allowed"},
		// kaniko, Aileron's image, builds a Dockerfile whatever builder is named.
		{"acme", "ghcr.io/evil/builder", platformv1alpha1.BuildDockerfile, ""},
	} {
		got := Refusal(bp, tc.org, platformv1alpha1.BuildSource{Builder: tc.builder, Strategy: tc.strategy})
		if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
			t.Errorf("%s with %q: got %q, want %q", tc.org, tc.builder, got, tc.want)
		}
	}
	if got := Refusal(bp, "globex", platformv1alpha1.BuildSource{}); got != "" {
		t.Errorf("a plane granting nobody in particular grants everyone: %q", got)
	}
	bp.Spec.Organizations = []string{"acme"}
	if got := Refusal(bp, "globex", platformv1alpha1.BuildSource{}); !strings.HasPrefix(got, "BuildPlane builder is not granted to organization globex") {
		t.Errorf("globex on a plane granted to acme: %q", got)
	}
	if got := Refusal(bp, "acme", platformv1alpha1.BuildSource{}); got != "" {
		t.Errorf("acme on a plane granted to acme: %q", got)
	}
	bp.Spec.AllowedBuilders = nil
	if got := Refusal(bp, "acme", platformv1alpha1.BuildSource{Builder: "docker.io/paketobuildpacks/builder-jammy-full:0.3"}); got == "" {
		t.Error("without an allow-list only the default builder is allowed")
	}
}
