// Package build renders a BuildRun as the Argo Workflow that builds it on
// a BuildPlane, and reads the outcome back from the workflow's status. It
// is pure, like the workload renderer: the same run on the same plane
// always gives the same workflow, byte for byte.
//
// Tenant code — the repository's Dockerfile RUN steps, the buildpacks —
// never runs next to the push credentials. Each step is a pod of its own,
// sharing a workspace volume claim: clone checks the commit out; build
// (kaniko, or the Buildpacks lifecycle in the builder image) writes the
// image as an OCI image layout on the workspace, with no registry
// credentials and no service account token; push, which runs only
// Aileron's pinned crane image and is the only step mounting the push
// Secret, checks the layout holds nothing but files and directories,
// pushes it, and exports the digest the registry returned as the output
// parameter image-digest.
package build

import (
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
	"github.com/aileron-dev/aileron/internal/names"
)

// Images of the steps other than a Buildpacks build, whose builder comes
// from the component or the BuildPlane. A platform that serves images from
// a mirror rewrites these where it rewrites every image: in its registry
// configuration or an admission policy. PusherImage is crane's debug image
// (crane with a busybox shell), pinned to a release.
const (
	GitImage    = "docker.io/alpine/git:v2.45.1"
	KanikoImage = "gcr.io/kaniko-project/executor:v1.23.2"
	PusherImage = "gcr.io/go-containerregistry/crane/debug:v0.20.2"
)

// Names inside the workflow, which the outcome is read by.
const (
	// DigestParameter is the push step's output parameter carrying the
	// pushed image's digest, sha256:<64 hex digits>.
	DigestParameter = "image-digest"
	// StepClone, StepRunImage, StepBuild and StepPush are the steps; a
	// failed run names one. StepRunImage runs for Buildpacks only.
	StepClone    = "clone"
	StepRunImage = "run-image"
	StepBuild    = "build"
	StepPush     = "push"
	// entrypoint is the steps template running the others in order.
	entrypoint = "main"
)

// Annotations on the workflow. The image repository is recorded when the
// workflow is made, so that the image a run reports is the one it pushed
// even if the plane's registry changes while it runs.
const (
	AnnotationImageRepository = "platform.aileron.dev/image-repository"
	AnnotationCommit          = "platform.aileron.dev/commit"
)

// Limits of one build.
const (
	// DeadlineSeconds stops a build that runs longer than an hour.
	DeadlineSeconds int64 = 3600
	// TTLSeconds lets Argo delete a finished workflow after a week, in case
	// its BuildRun never does (the run keeps the outcome either way).
	TTLSeconds int32 = 7 * 24 * 3600
	// WorkspaceSize is the volume claim the steps share: the checkout, the
	// run image and the built image.
	WorkspaceSize = "10Gi"
)

// DefaultServiceAccount runs Argo's executor when the BuildPlane names no
// service account (the API defaults it too).
const DefaultServiceAccount = "aileron-build"

// Paths in the build pods.
const (
	workspaceDir    = "/workspace"
	sourceDir       = workspaceDir + "/source"
	layoutDir       = workspaceDir + "/layout"
	layersDir       = "/layers"
	resultDir       = "/result"
	digestFile      = resultDir + "/image-digest"
	dockerConfigDir = "/docker-config"
)

// Volumes of the workflow and its steps.
const (
	workspaceVolume    = "workspace"
	layersVolume       = "layers"
	resultVolume       = "result"
	dockerConfigVolume = "docker-config"
)

// cnbPlatformAPI is the Buildpacks platform API the creator is driven by:
// the first with export to an OCI layout (experimental, so the lifecycle
// runs with CNB_EXPERIMENTAL_MODE=warn).
const cnbPlatformAPI = "0.12"

// Plane is what rendering needs of a BuildPlane.
type Plane struct {
	Name string
	// Namespace is the BuildPlane's namespace; each organization builds in
	// Namespace(organization).
	Namespace          string
	RegistryPrefix     string
	PushSecretName     string
	DefaultBuilder     string
	RunImage           string
	ServiceAccountName string
}

// PlaneOf extracts the rendering view of a BuildPlane.
func PlaneOf(bp *platformv1alpha1.BuildPlane) Plane {
	return Plane{
		Name: bp.Name, Namespace: defaultString(bp.Spec.Namespace, "aileron-builds"),
		RegistryPrefix: bp.Spec.Registry.Prefix, PushSecretName: bp.Spec.Registry.PushSecretName,
		DefaultBuilder: bp.Spec.DefaultBuilder, RunImage: bp.Spec.RunImage,
		ServiceAccountName: defaultString(bp.Spec.ServiceAccountName, DefaultServiceAccount),
	}
}

// BuildNamespace is the namespace organization's builds run in on the
// plane: its own, so that no two organizations' workflows, pods, service
// accounts or results meet.
func (p Plane) BuildNamespace(organization string) string {
	return names.Join(p.Namespace, organization)
}

// Refusal says why bp may not build src for organization — not granted to
// it, or a builder outside its allow-list — or "" when it may. Nothing of a
// refused source is built.
func Refusal(bp *platformv1alpha1.BuildPlane, organization string, src platformv1alpha1.BuildSource) string {
	if !bp.Grants(organization) {
		return fmt.Sprintf("BuildPlane %s is not granted to organization %s (its spec.organizations): ask the platform team, or name another in spec.build.buildPlaneRef",
			bp.Name, organization)
	}
	if src.Strategy != platformv1alpha1.BuildDockerfile && !bp.Allows(src.Builder) {
		allowed := append([]string{bp.Spec.DefaultBuilder}, bp.Spec.AllowedBuilders...)
		return fmt.Sprintf("builder %s is not allowed on BuildPlane %s (spec.allowedBuilders: %s): name one of those in spec.build.builder, or leave it empty for the default",
			src.Builder, bp.Name, strings.Join(allowed, ", "))
	}
	return ""
}

// Input is everything one build's workflow depends on.
type Input struct {
	Organization string
	Project      string
	Component    string
	// Run is the BuildRun's name.
	Run    string
	Commit string
	Source platformv1alpha1.BuildSource
	Plane  Plane
}

// InputOf is the rendering input of a BuildRun on plane.
func InputOf(run *platformv1alpha1.BuildRun, plane Plane) Input {
	return Input{
		Organization: run.Namespace,
		Project:      run.Labels[platformv1alpha1.LabelProject],
		Component:    run.Spec.ComponentRef.Name,
		Run:          run.Name,
		Commit:       run.Spec.Commit,
		Source:       run.Spec.Source,
		Plane:        plane,
	}
}

// WorkflowName is the name of a run's workflow: the organization and the
// run, joined (names.Join) so that no two runs share one.
func WorkflowName(organization, run string) string {
	return names.Join(organization, run)
}

// ImageRepository is where a component's images are pushed:
// <registry prefix>/<organization>/<component>.
func ImageRepository(prefix, organization, component string) string {
	return strings.TrimSuffix(prefix, "/") + "/" + organization + "/" + component
}

// Labels of a run's workflow and pods, tracing them back to the tenant,
// component and run.
func (in Input) Labels() map[string]string {
	l := map[string]string{
		platformv1alpha1.LabelOrganization: in.Organization,
		platformv1alpha1.LabelComponent:    in.Component,
		platformv1alpha1.LabelBuildRun:     in.Run,
		platformv1alpha1.LabelManagedBy:    platformv1alpha1.ManagedByValue,
	}
	if in.Project != "" {
		l[platformv1alpha1.LabelProject] = in.Project
	}
	return l
}

// Render renders the run's workflow. Its error names the source field a
// person must change.
func Render(in Input) (*Workflow, error) {
	contextDir, err := inside(in.Source.ContextPath, ".")
	if err != nil {
		return nil, fmt.Errorf("spec.build.contextPath %w", err)
	}
	repo := ImageRepository(in.Plane.RegistryPrefix, in.Organization, in.Component)
	// The tag names the commit, for people browsing the registry; the run
	// reports the image by digest.
	destination := repo + ":" + in.Commit

	steps := []Template{clone(in.Source.Repository, in.Commit)}
	var layout string
	switch in.Source.Strategy {
	case platformv1alpha1.BuildDockerfile:
		dockerfile := defaultString(in.Source.DockerfilePath, "Dockerfile")
		if !path.IsAbs(dockerfile) {
			dockerfile = path.Join(contextDir, dockerfile)
		}
		dockerfile, err := inside(dockerfile, "")
		if err != nil {
			return nil, fmt.Errorf("spec.build.dockerfilePath %w", err)
		}
		layout = path.Join(layoutDir, "image")
		steps = append(steps, kaniko(path.Join(sourceDir, contextDir), path.Join(sourceDir, dockerfile), destination, layout))
	case platformv1alpha1.BuildBuildpacks, "":
		builder := defaultString(in.Source.Builder, in.Plane.DefaultBuilder)
		if builder == "" {
			return nil, fmt.Errorf("spec.build.builder is empty and BuildPlane %s names no defaultBuilder", in.Plane.Name)
		}
		if in.Plane.RunImage == "" {
			return nil, fmt.Errorf("BuildPlane %s names no runImage for Buildpacks builds", in.Plane.Name)
		}
		runLayout, err := LayoutPath(layoutDir, in.Plane.RunImage)
		if err != nil {
			return nil, fmt.Errorf("BuildPlane %s spec.runImage: %w", in.Plane.Name, err)
		}
		if layout, err = LayoutPath(layoutDir, destination); err != nil {
			return nil, fmt.Errorf("the image %s: %w", destination, err)
		}
		steps = append(steps, runImage(in.Plane.RunImage, runLayout), buildpacks(builder, path.Join(sourceDir, contextDir), destination, in.Plane.RunImage))
	default:
		return nil, fmt.Errorf("spec.build.strategy %q is not Buildpacks or Dockerfile", in.Source.Strategy)
	}
	steps = append(steps, push(layout, destination, in.Plane.PushSecretName))

	main := Template{Name: entrypoint}
	for _, s := range steps {
		main.Steps = append(main.Steps, []Step{{Name: s.Name, Template: s.Name}})
	}
	labels := in.Labels()
	deadline, ttl, noToken := DeadlineSeconds, TTLSeconds, false
	sa := defaultString(in.Plane.ServiceAccountName, DefaultServiceAccount)
	return &Workflow{
		APIVersion: WorkflowGVK.GroupVersion().String(),
		Kind:       WorkflowGVK.Kind,
		Metadata: ObjectMeta{
			Name:      WorkflowName(in.Organization, in.Run),
			Namespace: in.Plane.BuildNamespace(in.Organization),
			Labels:    labels,
			Annotations: map[string]string{
				AnnotationImageRepository: repo,
				AnnotationCommit:          in.Commit,
			},
		},
		Spec: WorkflowSpec{
			Entrypoint:         entrypoint,
			ServiceAccountName: sa,
			// No step's container gets a token: tenant code can neither
			// read nor forge results (workflowtaskresults) of other runs,
			// nor anything else on the plane. Argo's own init and wait
			// containers report with the executor's.
			AutomountServiceAccountToken: &noToken,
			Executor:                     &Executor{ServiceAccountName: sa},
			Templates:                    append([]Template{main}, steps...),
			// Each step is a pod of its own: they share files through a
			// claim Argo makes with the workflow and deletes after it.
			VolumeClaimTemplates: []PVC{{
				Metadata: ObjectMeta{Name: workspaceVolume},
				Spec: corev1.PersistentVolumeClaimSpec{
					AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
					Resources: corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{
						corev1.ResourceStorage: resource.MustParse(WorkspaceSize),
					}},
				},
			}},
			ActiveDeadlineSeconds: &deadline,
			// Pods of failed steps stay for their logs until the workflow
			// goes; those of successful steps go at once.
			PodGC:       &PodGC{Strategy: "OnPodSuccess"},
			TTLStrategy: &TTLStrategy{SecondsAfterCompletion: &ttl},
			PodMetadata: &PodMetadata{Labels: in.Labels()},
		},
	}, nil
}

// cloneScript checks the commit out into the shared workspace. The
// repository and commit come in as environment variables, never as part
// of the script, so no value can change what the shell runs. The checkout
// and the layout directory are made writable by everyone: the builder runs
// as its own user, whose id differs between builders, and the workspace is
// the workflow's alone.
const cloneScript = `set -eu
git clone --quiet --no-checkout "$REPOSITORY" ` + sourceDir + `
git -C ` + sourceDir + ` checkout --quiet --detach "$COMMIT"
mkdir -p ` + layoutDir + `
chmod -R a+rwX ` + sourceDir + ` ` + layoutDir + `
`

func clone(repository, commit string) Template {
	return Template{Name: StepClone, Container: &Container{
		Image:   GitImage,
		Command: []string{"/bin/sh", "-c"},
		Args:    []string{cloneScript},
		Env: []corev1.EnvVar{
			{Name: "REPOSITORY", Value: repository},
			{Name: "COMMIT", Value: commit},
		},
		VolumeMounts: []corev1.VolumeMount{workspaceMount()},
	}}
}

func workspaceMount() corev1.VolumeMount {
	return corev1.VolumeMount{Name: workspaceVolume, MountPath: workspaceDir}
}

// runImageScript fetches the run image into the layout directory, where
// the lifecycle exporting to a layout reads it, without credentials.
const runImageScript = `set -eu
crane pull --format=oci "$RUN_IMAGE" "$RUN_IMAGE_LAYOUT"
chmod -R a+rX "$RUN_IMAGE_LAYOUT"
`

func runImage(image, layout string) Template {
	return Template{Name: StepRunImage, Container: &Container{
		Image:   PusherImage,
		Command: []string{"/busybox/sh", "-c"},
		Args:    []string{runImageScript},
		Env: []corev1.EnvVar{
			{Name: "RUN_IMAGE", Value: image},
			{Name: "RUN_IMAGE_LAYOUT", Value: layout},
		},
		VolumeMounts: []corev1.VolumeMount{workspaceMount()},
	}}
}

// buildpacks runs the lifecycle's creator (detect, analyze, restore,
// build, export in one process), exporting the image to the layout
// directory rather than a registry: the container has no credentials.
func buildpacks(builder, appDir, destination, runImage string) Template {
	return Template{Name: StepBuild, Container: &Container{
		Image:   builder,
		Command: []string{"/cnb/lifecycle/creator"},
		Args: []string{
			"-app=" + appDir, "-layers=" + layersDir,
			"-layout", "-layout-dir=" + layoutDir, "-run-image=" + runImage,
			destination,
		},
		Env: []corev1.EnvVar{
			{Name: "CNB_PLATFORM_API", Value: cnbPlatformAPI},
			{Name: "CNB_EXPERIMENTAL_MODE", Value: "warn"},
		},
		VolumeMounts: []corev1.VolumeMount{
			workspaceMount(),
			{Name: layersVolume, MountPath: layersDir},
		},
	}, Volumes: []corev1.Volume{emptyDir(layersVolume)}}
}

// kaniko builds the Dockerfile and writes the image as an OCI layout,
// pushing nothing.
func kaniko(contextDir, dockerfile, destination, layout string) Template {
	return Template{Name: StepBuild, Container: &Container{
		Image: KanikoImage,
		Args: []string{
			"--context=dir://" + contextDir,
			"--dockerfile=" + dockerfile,
			"--destination=" + destination,
			"--no-push",
			"--oci-layout-path=" + layout,
		},
		VolumeMounts: []corev1.VolumeMount{workspaceMount()},
	}}
}

// pushScript pushes the layout the build left. Everything in it was
// written by tenant code, so it must hold only files and directories: a
// symbolic link could point the push at the credentials this container
// mounts. The digest is the one the registry accepted, written where no
// other step can.
const pushScript = `set -eu
odd=$(find "$LAYOUT" ! -type f ! -type d | head -n 1)
if [ -n "$odd" ]; then
  echo "the build left $odd in its image layout, which is neither a file nor a directory: nothing was pushed" >&2
  exit 1
fi
pushed=$(crane push "$LAYOUT" "$IMAGE")
echo "pushed $pushed"
printf '%s' "${pushed##*@}" > ` + digestFile + `
`

func push(layout, destination, pushSecret string) Template {
	t := Template{Name: StepPush, Container: &Container{
		Image:   PusherImage,
		Command: []string{"/busybox/sh", "-c"},
		Args:    []string{pushScript},
		Env: []corev1.EnvVar{
			{Name: "LAYOUT", Value: layout},
			{Name: "IMAGE", Value: destination},
		},
		VolumeMounts: []corev1.VolumeMount{
			{Name: workspaceVolume, MountPath: workspaceDir, ReadOnly: true},
			{Name: resultVolume, MountPath: resultDir},
		},
	}, Volumes: []corev1.Volume{emptyDir(resultVolume)},
		Outputs: &Outputs{Parameters: []Parameter{{Name: DigestParameter, ValueFrom: &ValueFrom{Path: digestFile}}}},
	}
	if pushSecret != "" {
		// A kubernetes.io/dockerconfigjson Secret, seen by crane as
		// $DOCKER_CONFIG/config.json. It is this step's volume, so no other
		// step's pod has it.
		t.Volumes = append(t.Volumes, corev1.Volume{Name: dockerConfigVolume, VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{
			SecretName: pushSecret, Items: []corev1.KeyToPath{{Key: corev1.DockerConfigJsonKey, Path: "config.json"}},
		}}})
		t.Container.Env = append(t.Container.Env, corev1.EnvVar{Name: "DOCKER_CONFIG", Value: dockerConfigDir})
		t.Container.VolumeMounts = append(t.Container.VolumeMounts, corev1.VolumeMount{Name: dockerConfigVolume, MountPath: dockerConfigDir, ReadOnly: true})
	}
	return t
}

func emptyDir(name string) corev1.Volume {
	return corev1.Volume{Name: name, VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}
}

// LayoutPath is where an image is kept in a layout directory, as the
// Buildpacks platform API maps a reference: <dir>/<registry>/<repository>
// /<tag>, or /<algorithm>/<hex> for a digest, Docker Hub as
// index.docker.io with its official images under library/.
func LayoutPath(dir, ref string) (string, error) {
	name, version := ref, "latest"
	if i := strings.Index(ref, "@"); i >= 0 {
		name = ref[:i]
		algorithm, hex, ok := strings.Cut(ref[i+1:], ":")
		if !ok || algorithm == "" || hex == "" {
			return "", fmt.Errorf("%q has no valid digest", ref)
		}
		version = algorithm + "/" + hex
	} else if i := strings.LastIndex(ref, ":"); i > strings.LastIndex(ref, "/") {
		name, version = ref[:i], ref[i+1:]
	}
	// The first part names a registry only when it looks like a host.
	registry, repository, found := strings.Cut(name, "/")
	if !found || (!strings.ContainsAny(registry, ".:") && registry != "localhost") {
		registry, repository = "docker.io", name
	}
	if registry == "docker.io" || registry == "index.docker.io" {
		registry = "index.docker.io"
		if !strings.Contains(repository, "/") {
			repository = "library/" + repository
		}
	}
	for _, part := range strings.Split(repository+"/"+version, "/") {
		if part == "" || part == "." || part == ".." {
			return "", fmt.Errorf("%q is not an image reference", ref)
		}
	}
	return path.Join(dir, registry, repository, version), nil
}

// inside cleans a path relative to the repository's root and refuses one
// that leaves it. empty is what an empty path means ("" to refuse it).
func inside(p, empty string) (string, error) {
	if p == "" {
		p = empty
	}
	if p == "" {
		return "", errors.New("is empty")
	}
	if path.IsAbs(p) {
		return "", fmt.Errorf("%q must be relative to the repository's root", p)
	}
	clean := path.Clean(p)
	if clean == ".." || strings.HasPrefix(clean, "../") {
		return "", fmt.Errorf("%q leaves the repository", p)
	}
	return clean, nil
}

func defaultString(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// Unstructured converts the workflow for a client.
func (w *Workflow) Unstructured() (*unstructured.Unstructured, error) {
	data, err := json.Marshal(w)
	if err != nil {
		return nil, err
	}
	u := &unstructured.Unstructured{}
	if err := u.UnmarshalJSON(data); err != nil {
		return nil, err
	}
	return u, nil
}

// FromUnstructured reads a workflow read back from a build plane.
func FromUnstructured(u *unstructured.Unstructured) (*Workflow, error) {
	data, err := u.MarshalJSON()
	if err != nil {
		return nil, err
	}
	w := &Workflow{}
	if err := json.Unmarshal(data, w); err != nil {
		return nil, fmt.Errorf("reading Workflow %s/%s: %w", u.GetNamespace(), u.GetName(), err)
	}
	return w, nil
}
