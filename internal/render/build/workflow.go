// Package build renders a BuildRun as the Argo Workflow that builds it on
// a BuildPlane, and reads the outcome back from the workflow's status. It
// is pure, like the workload renderer: the same run on the same plane
// always gives the same workflow, byte for byte.
//
// The workflow clones the repository at the run's commit into a shared
// emptyDir, then builds and pushes the image — with the Cloud Native
// Buildpacks lifecycle in the builder image, or with kaniko for a
// Dockerfile — and exports the pushed digest as the output parameter
// image-digest.
package build

import (
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
	"github.com/aileron-dev/aileron/internal/render"
)

// Images of the steps other than a Buildpacks build, whose builder comes
// from the component or the BuildPlane. A platform that serves images from
// a mirror rewrites these where it rewrites every image: in its registry
// configuration or an admission policy.
const (
	GitImage    = "docker.io/alpine/git:v2.45.1"
	KanikoImage = "gcr.io/kaniko-project/executor:v1.23.2"
)

// Names inside the workflow, which the outcome is read by.
const (
	// DigestParameter is the output parameter carrying the pushed image's
	// digest, sha256:<64 hex digits>.
	DigestParameter = "image-digest"
	// StepClone and StepBuild are the steps; a failed run names one.
	StepClone = "clone"
	StepBuild = "build"
	// entrypoint is the steps template running clone, then build.
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
)

// Paths in the build pods.
const (
	workspaceDir    = "/workspace"
	sourceDir       = workspaceDir + "/source"
	digestFile      = workspaceDir + "/image-digest"
	reportFile      = workspaceDir + "/report.toml"
	layersDir       = "/layers"
	dockerConfigDir = "/docker-config"
)

// cnbPlatformAPI is the Buildpacks platform API the creator is driven by:
// supported by every lifecycle since 0.18 (2023), and the one whose
// report.toml carries the pushed digest as [image] digest.
const cnbPlatformAPI = "0.12"

// Plane is what rendering needs of a BuildPlane.
type Plane struct {
	Name               string
	Namespace          string
	RegistryPrefix     string
	PushSecretName     string
	DefaultBuilder     string
	ServiceAccountName string
}

// PlaneOf extracts the rendering view of a BuildPlane.
func PlaneOf(bp *platformv1alpha1.BuildPlane) Plane {
	ns := bp.Spec.Namespace
	if ns == "" {
		ns = "aileron-builds"
	}
	return Plane{
		Name: bp.Name, Namespace: ns,
		RegistryPrefix: bp.Spec.Registry.Prefix, PushSecretName: bp.Spec.Registry.PushSecretName,
		DefaultBuilder: bp.Spec.DefaultBuilder, ServiceAccountName: bp.Spec.ServiceAccountName,
	}
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

// WorkflowName is the name of a run's workflow. Runs of different
// organizations share the build plane's namespace, so the organization is
// part of it; the workflow's labels settle the rare names that coincide
// ("a-b"+"c" and "a"+"b-c").
func WorkflowName(organization, run string) string {
	return render.DNSLabel(organization, run)
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

	var build Template
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
		build = kaniko(path.Join(sourceDir, contextDir), path.Join(sourceDir, dockerfile), destination)
	case platformv1alpha1.BuildBuildpacks, "":
		build = buildpacks(defaultString(in.Source.Builder, in.Plane.DefaultBuilder), path.Join(sourceDir, contextDir), destination)
	default:
		return nil, fmt.Errorf("spec.build.strategy %q is not Buildpacks or Dockerfile", in.Source.Strategy)
	}
	if build.Container.Image == "" {
		return nil, fmt.Errorf("spec.build.builder is empty and BuildPlane %s names no defaultBuilder", in.Plane.Name)
	}
	build.Name = StepBuild
	build.Outputs = &Outputs{Parameters: []Parameter{{
		Name: DigestParameter, GlobalName: DigestParameter, ValueFrom: &ValueFrom{Path: digestFile},
	}}}

	volumes := []corev1.Volume{{Name: "workspace", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}}
	if in.Source.Strategy != platformv1alpha1.BuildDockerfile {
		// The buildpacks' layers, outside the image's own filesystem.
		volumes = append(volumes, corev1.Volume{Name: "layers", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}})
	}
	if s := in.Plane.PushSecretName; s != "" {
		// A kubernetes.io/dockerconfigjson Secret, seen by the build as
		// $DOCKER_CONFIG/config.json: both the lifecycle and kaniko read
		// registry credentials from there.
		volumes = append(volumes, corev1.Volume{Name: "docker-config", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{
			SecretName: s, Items: []corev1.KeyToPath{{Key: corev1.DockerConfigJsonKey, Path: "config.json"}},
		}}})
		build.Container.Env = append(build.Container.Env, corev1.EnvVar{Name: "DOCKER_CONFIG", Value: dockerConfigDir})
		build.Container.VolumeMounts = append(build.Container.VolumeMounts, corev1.VolumeMount{Name: "docker-config", MountPath: dockerConfigDir, ReadOnly: true})
	}

	labels := in.Labels()
	deadline, ttl := DeadlineSeconds, TTLSeconds
	return &Workflow{
		APIVersion: WorkflowGVK.GroupVersion().String(),
		Kind:       WorkflowGVK.Kind,
		Metadata: ObjectMeta{
			Name:      WorkflowName(in.Organization, in.Run),
			Namespace: in.Plane.Namespace,
			Labels:    labels,
			Annotations: map[string]string{
				AnnotationImageRepository: repo,
				AnnotationCommit:          in.Commit,
			},
		},
		Spec: WorkflowSpec{
			Entrypoint:         entrypoint,
			ServiceAccountName: in.Plane.ServiceAccountName,
			Templates: []Template{
				{Name: entrypoint, Steps: [][]Step{{{Name: StepClone, Template: StepClone}}, {{Name: StepBuild, Template: StepBuild}}}},
				clone(in.Source.Repository, in.Commit),
				build,
			},
			Volumes:               volumes,
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
// is made writable by everyone: the builder runs as its own user, whose id
// differs between builders, and the workspace is the pod's alone.
const cloneScript = `set -eu
git clone --quiet --no-checkout "$REPOSITORY" ` + sourceDir + `
git -C ` + sourceDir + ` checkout --quiet --detach "$COMMIT"
chmod -R a+rwX ` + sourceDir + `
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
		VolumeMounts: []corev1.VolumeMount{{Name: "workspace", MountPath: workspaceDir}},
	}}
}

// buildpacksScript runs the lifecycle's creator (detect, analyze, restore,
// build, export in one process), which pushes the image, then copies the
// digest it reports into the file the output parameter is read from.
// Builder images carry a POSIX shell and sed in their build base.
const buildpacksScript = `set -eu
/cnb/lifecycle/creator -app="$APP_DIR" -layers=` + layersDir + ` -report=` + reportFile + ` "$IMAGE"
sed -n 's/^[[:space:]]*digest[[:space:]]*=[[:space:]]*"\(sha256:[0-9a-f]*\)".*/\1/p' ` + reportFile + ` | head -n 1 > ` + digestFile + `
test -s ` + digestFile + `
`

func buildpacks(builder, appDir, destination string) Template {
	return Template{Container: &Container{
		Image:   builder,
		Command: []string{"/bin/sh", "-c"},
		Args:    []string{buildpacksScript},
		Env: []corev1.EnvVar{
			{Name: "CNB_PLATFORM_API", Value: cnbPlatformAPI},
			{Name: "APP_DIR", Value: appDir},
			{Name: "IMAGE", Value: destination},
		},
		VolumeMounts: []corev1.VolumeMount{
			{Name: "workspace", MountPath: workspaceDir},
			{Name: "layers", MountPath: layersDir},
		},
	}}
}

func kaniko(contextDir, dockerfile, destination string) Template {
	return Template{Container: &Container{
		Image: KanikoImage,
		Args: []string{
			"--context=dir://" + contextDir,
			"--dockerfile=" + dockerfile,
			"--destination=" + destination,
			"--digest-file=" + digestFile,
		},
		VolumeMounts: []corev1.VolumeMount{{Name: "workspace", MountPath: workspaceDir}},
	}}
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
