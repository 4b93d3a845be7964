package v1alpha1

import (
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// ComponentTypeName names the ComponentType a Component is: its object
// name (web-application), or that name in CamelCase (WebApplication), the
// way the built-in types have always been written.
// +kubebuilder:validation:MinLength=1
// +kubebuilder:validation:MaxLength=63
// +kubebuilder:validation:Pattern=`^[A-Za-z][-A-Za-z0-9]*$`
type ComponentTypeName string

// The built-in types, which Aileron creates as ComponentTypes at start.
const (
	// ComponentService is a long-running backend serving endpoints.
	ComponentService ComponentTypeName = "Service"
	// ComponentWebApplication is a long-running front end, usually Public.
	ComponentWebApplication ComponentTypeName = "WebApplication"
	// ComponentWorker is a long-running process without endpoints.
	ComponentWorker ComponentTypeName = "Worker"
	// ComponentScheduledTask runs to completion on a cron schedule.
	ComponentScheduledTask ComponentTypeName = "ScheduledTask"
)

// ObjectName is the name of the ComponentType that t names: t in lower
// case, with a dash where a lower-case letter or digit meets an upper-case
// one (WebApplication and web-application both name web-application).
func (t ComponentTypeName) ObjectName() string {
	out := make([]byte, 0, len(t)+4)
	for i := 0; i < len(t); i++ {
		c := t[i]
		if c >= 'A' && c <= 'Z' {
			if i > 0 && (t[i-1] >= 'a' && t[i-1] <= 'z' || t[i-1] >= '0' && t[i-1] <= '9') {
				out = append(out, '-')
			}
			c += 'a' - 'A'
		}
		out = append(out, c)
	}
	return string(out)
}

// ComponentTrait applies a Trait to a component under an instance name.
type ComponentTrait struct {
	// name of the Trait.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	Name string `json:"name"`

	// instanceName tells two instances of the same trait apart; templates
	// read it as trait.instanceName (to name what the instance creates).
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	InstanceName string `json:"instanceName"`

	// parameters of the instance, checked against the trait's schema.
	// +optional
	// +kubebuilder:pruning:PreserveUnknownFields
	// +kubebuilder:validation:Type=object
	Parameters *runtime.RawExtension `json:"parameters,omitempty"`
}

// EndpointProtocol is the protocol an endpoint speaks.
// +kubebuilder:validation:Enum=HTTP;gRPC;TCP
type EndpointProtocol string

const (
	ProtocolHTTP EndpointProtocol = "HTTP"
	ProtocolGRPC EndpointProtocol = "gRPC"
	ProtocolTCP  EndpointProtocol = "TCP"
)

// EndpointVisibility is who may reach an endpoint.
// +kubebuilder:validation:Enum=Project;Organization;Public
type EndpointVisibility string

const (
	// VisibilityProject: only components of the same project, in the same
	// environment (the same cell).
	VisibilityProject EndpointVisibility = "Project"
	// VisibilityOrganization: components of any project of the
	// organization, in the same environment.
	VisibilityOrganization EndpointVisibility = "Organization"
	// VisibilityPublic: anyone, through the plane's gateway.
	VisibilityPublic EndpointVisibility = "Public"
)

// BuildStrategy is how a build source becomes an image.
// +kubebuilder:validation:Enum=Buildpacks;Dockerfile
type BuildStrategy string

const (
	BuildBuildpacks BuildStrategy = "Buildpacks"
	BuildDockerfile BuildStrategy = "Dockerfile"
)

// BuildSource is the source a Component's image is built from on a
// BuildPlane.
//
// +kubebuilder:validation:XValidation:rule="self.strategy == 'Dockerfile' || !has(self.dockerfilePath)",message="dockerfilePath is only used with strategy Dockerfile",fieldPath=".dockerfilePath"
type BuildSource struct {
	// repository is the Git URL of the source.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:XValidation:rule="self.matches('^(https?|ssh|git|file)://') || self.matches('^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:')",message="repository must be a Git URL (https://, ssh://, git://, file:// or user@host:path)"
	Repository string `json:"repository"`

	// revision is the branch, tag or commit to build.
	// +optional
	// +kubebuilder:default=main
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=256
	Revision string `json:"revision,omitempty"`

	// contextPath is the directory of the repository to build.
	// +optional
	// +kubebuilder:default="."
	// +kubebuilder:validation:MaxLength=1024
	ContextPath string `json:"contextPath,omitempty"`

	// strategy is how the image is built: Cloud Native Buildpacks or a
	// Dockerfile.
	// +optional
	// +kubebuilder:default=Buildpacks
	Strategy BuildStrategy `json:"strategy,omitempty"`

	// builder is the buildpacks builder image; the build plane's default
	// when empty.
	// +optional
	// +kubebuilder:validation:MaxLength=512
	Builder string `json:"builder,omitempty"`

	// dockerfilePath is the Dockerfile, relative to contextPath, for the
	// Dockerfile strategy (default Dockerfile).
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	DockerfilePath string `json:"dockerfilePath,omitempty"`

	// buildPlaneRef names the BuildPlane that builds the component. When
	// empty, the hub's only BuildPlane builds it; with none or several, the
	// component's SourceResolved condition says which to name.
	// +optional
	BuildPlaneRef *LocalObjectReference `json:"buildPlaneRef,omitempty"`

	// historyLimit is how many finished BuildRuns (succeeded or failed) of
	// the component are kept; older ones are deleted with their workflows,
	// except the run whose image the component's latest Release runs.
	// +optional
	// +kubebuilder:default=3
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=50
	HistoryLimit int32 `json:"historyLimit,omitempty"`
}

// SecretKeyReference selects a key of a Secret in the component's cell.
// Such Secrets are provided by the platform on each plane (for example by
// the external-secrets operator), never copied from the hub.
type SecretKeyReference struct {
	// name of the Secret in the cell namespace.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$`
	Name string `json:"name"`

	// key within the Secret.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[-._a-zA-Z0-9]+$`
	Key string `json:"key"`
}

// EnvVar is an environment variable of the component's container: a
// literal value (delivered in the component's ConfigMap), a key of a
// SecretReference (read from the plane's secret store into the cell), or
// a key of a Secret already in the cell.
//
// +kubebuilder:validation:XValidation:rule="[has(self.value), has(self.secretRef), has(self.secretKeyRef)].filter(x, x).size() == 1",message="set exactly one of value, secretRef or secretKeyRef"
type EnvVar struct {
	// name of the variable.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=128
	// +kubebuilder:validation:Pattern=`^[A-Za-z_][A-Za-z0-9_]*$`
	Name string `json:"name"`

	// value of the variable.
	// +optional
	// +kubebuilder:validation:MaxLength=32768
	Value *string `json:"value,omitempty"`

	// secretRef takes the value from a key of a SecretReference of the
	// organization: the plane's secret store provides it in the cell.
	// +optional
	SecretRef *SecretRefKey `json:"secretRef,omitempty"`

	// secretKeyRef takes the value from a Secret key in the cell, for
	// platforms without a secret store: someone other than Aileron must
	// create that Secret in every cell the component runs in.
	// +optional
	SecretKeyRef *SecretKeyReference `json:"secretKeyRef,omitempty"`
}

// SecretRefKey is a key of a SecretReference in the component's
// organization.
type SecretRefKey struct {
	// name of the SecretReference.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=40
	// +kubebuilder:validation:Pattern=`^[a-z]([-a-z0-9]*[a-z0-9])?$`
	Name string `json:"name"`

	// key is one of the SecretReference's data[].key.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[-._a-zA-Z0-9]+$`
	Key string `json:"key"`
}

// ConfigFile is a file mounted read-only into the component's container:
// its content, or a key of a SecretReference (a certificate, a key file).
//
// +kubebuilder:validation:XValidation:rule="!(has(self.content) && size(self.content) > 0 && has(self.secretRef))",message="a file has either content or a secretRef, not both"
type ConfigFile struct {
	// mountPath is the absolute path of the file in the container.
	// +required
	// +kubebuilder:validation:MinLength=2
	// +kubebuilder:validation:MaxLength=1024
	// +kubebuilder:validation:Pattern=`^/[^\x00]*[^/]$`
	// +kubebuilder:validation:XValidation:rule="self != '/tmp'",message="/tmp is the container's own writable directory: mount the file at another path, or under /tmp"
	MountPath string `json:"mountPath"`

	// content of the file.
	// +optional
	// +kubebuilder:validation:MaxLength=65536
	Content string `json:"content,omitempty"`

	// secretRef takes the file from a key of a SecretReference of the
	// organization, mounted from the Secret the plane's store provides.
	// +optional
	SecretRef *SecretRefKey `json:"secretRef,omitempty"`
}

// ResourceList is an amount of CPU and memory.
type ResourceList struct {
	// cpu, in cores (for example 250m or 1).
	// +optional
	CPU *resource.Quantity `json:"cpu,omitempty"`

	// memory, in bytes (for example 256Mi).
	// +optional
	Memory *resource.Quantity `json:"memory,omitempty"`
}

// Resources are the container's requests and limits. What is left empty
// gets the platform's defaults.
//
// +kubebuilder:validation:XValidation:rule="!has(self.requests) || !has(self.limits) || !has(self.requests.cpu) || !has(self.limits.cpu) || quantity(string(self.requests.cpu)).compareTo(quantity(string(self.limits.cpu))) <= 0",message="requests.cpu must not exceed limits.cpu: Kubernetes refuses a request above its limit",fieldPath=".requests.cpu"
// +kubebuilder:validation:XValidation:rule="!has(self.requests) || !has(self.limits) || !has(self.requests.memory) || !has(self.limits.memory) || quantity(string(self.requests.memory)).compareTo(quantity(string(self.limits.memory))) <= 0",message="requests.memory must not exceed limits.memory: Kubernetes refuses a request above its limit",fieldPath=".requests.memory"
type Resources struct {
	// requests are what the scheduler reserves for the container.
	// +optional
	Requests *ResourceList `json:"requests,omitempty"`

	// limits are the most the container may use.
	// +optional
	Limits *ResourceList `json:"limits,omitempty"`
}

// ContainerSpec is how the component's container runs.
type ContainerSpec struct {
	// command overrides the image's entrypoint.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=64
	// +kubebuilder:validation:items:MaxLength=4096
	Command []string `json:"command,omitempty"`

	// args overrides the image's arguments.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=256
	// +kubebuilder:validation:items:MaxLength=4096
	Args []string `json:"args,omitempty"`

	// env are the container's environment variables. Dependencies add
	// their own (see dependencies).
	// +optional
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MaxItems=128
	Env []EnvVar `json:"env,omitempty"`

	// files are mounted read-only into the container.
	// +optional
	// +listType=map
	// +listMapKey=mountPath
	// +kubebuilder:validation:MaxItems=16
	Files []ConfigFile `json:"files,omitempty"`

	// resources are the container's requests and limits.
	// +optional
	Resources *Resources `json:"resources,omitempty"`

	// probes are the container's readiness, liveness and startup checks
	// (see Probes for the default when none is set).
	// +optional
	Probes *Probes `json:"probes,omitempty"`
}

// Endpoint is a port the component serves on.
//
// +kubebuilder:validation:XValidation:rule="self.visibility != 'Public' || self.protocol != 'TCP'",message="a TCP endpoint cannot be Public: the gateway routes HTTP and gRPC only",fieldPath=".visibility"
// +kubebuilder:validation:XValidation:rule="!has(self.path) || self.protocol == 'HTTP'",message="path is only used by HTTP endpoints",fieldPath=".path"
type Endpoint struct {
	// name of the endpoint, unique within the component; dependencies
	// refer to it. It names the Service port.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=15
	// +kubebuilder:validation:Pattern=`^[a-z]([-a-z0-9]*[a-z0-9])?$`
	// +kubebuilder:validation:XValidation:rule="!self.contains('--')",message="endpoint names may not contain \"--\": they name Service ports, which Kubernetes refuses with it"
	Name string `json:"name"`

	// port the container listens on.
	// +required
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=65535
	Port int32 `json:"port"`

	// protocol the endpoint speaks.
	// +optional
	// +kubebuilder:default=HTTP
	Protocol EndpointProtocol `json:"protocol,omitempty"`

	// visibility is who may reach the endpoint: the project's cell, the
	// organization's cells, or the public through the plane's gateway.
	// +optional
	// +kubebuilder:default=Project
	Visibility EndpointVisibility `json:"visibility,omitempty"`

	// path prefix routed to this endpoint by the gateway (HTTP only).
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	// +kubebuilder:validation:Pattern=`^/[-a-zA-Z0-9._~!$&'()*+,;=:@%/]*$`
	Path string `json:"path,omitempty"`
}

// Dependency is an endpoint of another component this component calls.
// Aileron opens the network path and injects the endpoint's URL as the
// environment variable named by envVar (default: the component and
// endpoint names, upper-cased, joined by underscores, with suffix _URL).
type Dependency struct {
	// project of the callee; this component's own project when empty. A
	// callee in another project must expose the endpoint with visibility
	// Organization or Public.
	// +optional
	// +kubebuilder:validation:MaxLength=63
	Project string `json:"project,omitempty"`

	// component is the callee's name.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	Component string `json:"component"`

	// endpoint is the name of the callee's endpoint.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=15
	Endpoint string `json:"endpoint"`

	// envVar overrides the name of the injected URL variable.
	// +optional
	// +kubebuilder:validation:MaxLength=128
	// +kubebuilder:validation:Pattern=`^[A-Za-z_][A-Za-z0-9_]*$`
	EnvVar string `json:"envVar,omitempty"`
}

// Autoscaling scales a component's replicas on CPU utilisation.
//
// +kubebuilder:validation:XValidation:rule="self.minReplicas <= self.maxReplicas",message="autoscaling.minReplicas must not exceed autoscaling.maxReplicas"
type Autoscaling struct {
	// minReplicas is the fewest replicas the autoscaler keeps.
	// +optional
	// +kubebuilder:default=1
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=1000
	MinReplicas int32 `json:"minReplicas,omitempty"`

	// maxReplicas is the most replicas the autoscaler may run.
	// +required
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=1000
	MaxReplicas int32 `json:"maxReplicas"`

	// targetCPUUtilizationPercentage is the average CPU use, as a share of
	// requests, the autoscaler aims for.
	// +optional
	// +kubebuilder:default=80
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=100
	TargetCPUUtilizationPercentage int32 `json:"targetCPUUtilizationPercentage,omitempty"`
}

// ComponentSpec describes a workload.
//
// +kubebuilder:validation:XValidation:rule="has(self.image) != has(self.build)",message="set exactly one of image (a built image) or build (a source to build)"
// +kubebuilder:validation:XValidation:rule="!(self.type in ['ScheduledTask', 'scheduled-task']) || has(self.schedule)",message="a ScheduledTask needs a schedule in cron syntax, for example \"0 3 * * *\"",fieldPath=".schedule"
// +kubebuilder:validation:XValidation:rule="!(self.type in ['Service', 'WebApplication', 'Worker', 'service', 'web-application', 'worker']) || !has(self.schedule)",message="schedule is only used by ScheduledTask components (of the built-in types)",fieldPath=".schedule"
// +kubebuilder:validation:XValidation:rule="!(self.type in ['Worker', 'ScheduledTask', 'worker', 'scheduled-task']) || !has(self.endpoints) || size(self.endpoints) == 0",message="Worker and ScheduledTask components expose no endpoints: use a Service or a WebApplication",fieldPath=".endpoints"
// +kubebuilder:validation:XValidation:rule="!has(self.replicas) || !has(self.autoscaling)",message="set replicas or autoscaling, not both",fieldPath=".autoscaling"
// +kubebuilder:validation:XValidation:rule="!(self.type in ['ScheduledTask', 'scheduled-task']) || (!has(self.replicas) && !has(self.autoscaling))",message="a ScheduledTask runs one pod per schedule: replicas and autoscaling do not apply",fieldPath=".replicas"
// +kubebuilder:validation:XValidation:rule="!has(self.container) || !has(self.container.probes) || !has(self.container.probes.readiness) || !(has(self.container.probes.readiness.http) || has(self.container.probes.readiness.grpc) || has(self.container.probes.readiness.tcp)) || (has(self.endpoints) && self.endpoints.exists(e, e.name == (has(self.container.probes.readiness.http) ? self.container.probes.readiness.http.endpoint : has(self.container.probes.readiness.grpc) ? self.container.probes.readiness.grpc.endpoint : self.container.probes.readiness.tcp.endpoint)))",message="the readiness probe checks an endpoint the component does not have: name one of spec.endpoints",fieldPath=".container.probes.readiness"
// +kubebuilder:validation:XValidation:rule="!has(self.container) || !has(self.container.probes) || !has(self.container.probes.liveness) || !(has(self.container.probes.liveness.http) || has(self.container.probes.liveness.grpc) || has(self.container.probes.liveness.tcp)) || (has(self.endpoints) && self.endpoints.exists(e, e.name == (has(self.container.probes.liveness.http) ? self.container.probes.liveness.http.endpoint : has(self.container.probes.liveness.grpc) ? self.container.probes.liveness.grpc.endpoint : self.container.probes.liveness.tcp.endpoint)))",message="the liveness probe checks an endpoint the component does not have: name one of spec.endpoints",fieldPath=".container.probes.liveness"
// +kubebuilder:validation:XValidation:rule="!has(self.container) || !has(self.container.probes) || !has(self.container.probes.startup) || !(has(self.container.probes.startup.http) || has(self.container.probes.startup.grpc) || has(self.container.probes.startup.tcp)) || (has(self.endpoints) && self.endpoints.exists(e, e.name == (has(self.container.probes.startup.http) ? self.container.probes.startup.http.endpoint : has(self.container.probes.startup.grpc) ? self.container.probes.startup.grpc.endpoint : self.container.probes.startup.tcp.endpoint)))",message="the startup probe checks an endpoint the component does not have: name one of spec.endpoints",fieldPath=".container.probes.startup"
type ComponentSpec struct {
	// projectRef names the Project, in the same organization, the component
	// belongs to. It cannot change: move a component by recreating it.
	// +required
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="projectRef is immutable"
	ProjectRef LocalObjectReference `json:"projectRef"`

	// type names the ComponentType the component is: one of the built-in
	// Service, WebApplication, Worker and ScheduledTask, or a type the
	// platform team defined (kubectl get componenttypes), by its name or
	// that name in CamelCase (stateful-service or StatefulService).
	// +required
	Type ComponentTypeName `json:"type"`

	// parameters are the type's parameters, checked against (and
	// defaulted by) its schema when a Release is made.
	// +optional
	// +kubebuilder:pruning:PreserveUnknownFields
	// +kubebuilder:validation:Type=object
	Parameters *runtime.RawExtension `json:"parameters,omitempty"`

	// traits applied to the component, in order: each adds objects and
	// patches what the type and earlier traits rendered.
	// +optional
	// +listType=map
	// +listMapKey=instanceName
	// +kubebuilder:validation:MaxItems=16
	Traits []ComponentTrait `json:"traits,omitempty"`

	// image is the container image to run, for example
	// registry.example.com/shop/web:1.4.2 or a digest reference.
	// +optional
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=512
	// +kubebuilder:validation:Pattern=`^[!-~]+$`
	Image string `json:"image,omitempty"`

	// build is the source the image is built from on a BuildPlane: its
	// revision is polled, each new commit is built by a BuildRun, and each
	// successful build becomes a new Release. Set image or build, not both.
	// +optional
	Build *BuildSource `json:"build,omitempty"`

	// container settings: command, args, environment, files, resources.
	// +optional
	Container ContainerSpec `json:"container,omitempty"`

	// endpoints the component serves, with names unique within it.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MaxItems=16
	// +kubebuilder:validation:XValidation:rule="self.all(e, self.exists_one(f, f.port == e.port))",message="endpoint ports must be unique within a component"
	Endpoints []Endpoint `json:"endpoints,omitempty"`

	// dependencies are endpoints of other components this one calls.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=32
	// +kubebuilder:validation:XValidation:rule="self.all(d, self.exists_one(e, e.component == d.component && e.endpoint == d.endpoint && (has(e.project) ? e.project : '') == (has(d.project) ? d.project : '')))",message="each dependency may be listed only once"
	Dependencies []Dependency `json:"dependencies,omitempty"`

	// replicas is the fixed number of pods of a long-running component
	// (default 1). Use autoscaling instead to scale on load.
	// +optional
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=1000
	Replicas *int32 `json:"replicas,omitempty"`

	// autoscaling scales a long-running component on CPU utilisation.
	// +optional
	Autoscaling *Autoscaling `json:"autoscaling,omitempty"`

	// schedule of a ScheduledTask, in cron syntax (five fields, or a macro
	// such as @hourly), in UTC.
	// +optional
	// +kubebuilder:validation:MaxLength=128
	// +kubebuilder:validation:Pattern=`^(@(yearly|annually|monthly|weekly|daily|midnight|hourly)|(\S+\s+){4}\S+)$`
	Schedule string `json:"schedule,omitempty"`

	// autoDeploy moves the binding of the pipeline's first environment to
	// every new Release automatically. Other environments move only by
	// promotion.
	// +optional
	AutoDeploy bool `json:"autoDeploy,omitempty"`
}

// ComponentEnvironmentStatus is where and how a component runs in one
// environment.
type ComponentEnvironmentStatus struct {
	// environment name.
	// +required
	Environment string `json:"environment"`

	// release running (or being rolled out) in the environment.
	// +optional
	Release string `json:"release,omitempty"`

	// readyPlanes counts the environment's planes on which the release is
	// healthy.
	// +optional
	ReadyPlanes int32 `json:"readyPlanes"`

	// totalPlanes counts the environment's planes.
	// +optional
	TotalPlanes int32 `json:"totalPlanes"`

	// urls of the component's Public endpoints in the environment.
	// +optional
	// +listType=atomic
	URLs []string `json:"urls,omitempty"`

	// logsURL links to the component's logs in the environment: the
	// queryURLTemplate of the logs of the ObservabilityPlane its data
	// planes ship to (the first plane's, when they ship to several).
	// +optional
	LogsURL string `json:"logsURL,omitempty"`

	// metricsURL links to the component's metrics in the environment, from
	// the same ObservabilityPlane's metrics queryURLTemplate.
	// +optional
	MetricsURL string `json:"metricsURL,omitempty"`
}

// ComponentStatus is the observed state of a Component.
type ComponentStatus struct {
	CommonStatus `json:",inline"`

	// latestRelease is the Release made from the current spec.
	// +optional
	LatestRelease string `json:"latestRelease,omitempty"`

	// latestCommit is the commit spec.build.revision resolved to when the
	// repository was last polled (components built from source only).
	// +optional
	LatestCommit string `json:"latestCommit,omitempty"`

	// latestBuild names the BuildRun of latestCommit: the newest build.
	// +optional
	LatestBuild string `json:"latestBuild,omitempty"`

	// environments summarise the component per environment.
	// +optional
	// +listType=map
	// +listMapKey=environment
	Environments []ComponentEnvironmentStatus `json:"environments,omitempty"`
}

// Component is a workload a developer owns: what to run, what it serves and
// what it calls. Aileron renders everything else.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=comp,categories=aileron
// +kubebuilder:printcolumn:name="Project",type=string,JSONPath=`.spec.projectRef.name`
// +kubebuilder:printcolumn:name="Type",type=string,JSONPath=`.spec.type`
// +kubebuilder:printcolumn:name="Release",type=string,JSONPath=`.status.latestRelease`
// +kubebuilder:printcolumn:name="Build",type=string,JSONPath=`.status.latestBuild`,priority=1
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:validation:XValidation:rule="self.metadata.name.matches('^[a-z]([-a-z0-9]*[a-z0-9])?$') && size(self.metadata.name) <= 40",message="component names must be lowercase DNS labels of at most 40 characters starting with a letter: they name Services and Releases (<name>-<hash>)"
// +kubebuilder:validation:XValidation:rule="!has(self.spec.dependencies) || self.spec.dependencies.all(d, d.component != self.metadata.name || (has(d.project) && size(d.project) > 0 && d.project != self.spec.projectRef.name))",message="a component cannot depend on itself",fieldPath=".spec.dependencies"
// +kubebuilder:validation:XValidation:rule="!self.metadata.name.contains('--')",message="component names may not contain \"--\": Aileron joins names with it into the names of cells, hosts and bindings (<organization>--<project>--<environment>), which must never coincide"
type Component struct {
	metav1.TypeMeta `json:",inline"`
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec is the desired state of the component.
	// +required
	Spec ComponentSpec `json:"spec"`

	// status is the observed state of the component.
	// +optional
	Status ComponentStatus `json:"status,omitempty"`
}

// ComponentList is a list of Components.
//
// +kubebuilder:object:root=true
type ComponentList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Component `json:"items"`
}

func init() {
	register(&Component{}, &ComponentList{})
}
