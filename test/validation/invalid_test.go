package validation

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	jsonpatch "github.com/evanphx/json-patch/v5"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"
)

// bases are valid manifests of each kind; every case below breaks one
// thing in one of them with a JSON merge patch.
var bases = map[string]string{
	"Organization": `
apiVersion: platform.aileron.dev/v1alpha1
kind: Organization
spec:
  adminGroups: [platform]`,
	"DataPlane": `
apiVersion: platform.aileron.dev/v1alpha1
kind: DataPlane
spec:
  kubeconfigSecretRef: {name: plane-kubeconfig}
  gateway: {publicHost: apps.example.com}`,
	"BuildPlane": `
apiVersion: platform.aileron.dev/v1alpha1
kind: BuildPlane
spec:
  kubeconfigSecretRef: {name: builder-kubeconfig}
  registry: {prefix: registry.example.com/builds}`,
	"ObservabilityPlane": `
apiVersion: platform.aileron.dev/v1alpha1
kind: ObservabilityPlane
spec:
  kubeconfigSecretRef: {name: observer-kubeconfig}
  logs: {ingestURL: "https://logs.example.com/insert"}`,
	"Environment": `
apiVersion: platform.aileron.dev/v1alpha1
kind: Environment
metadata: {namespace: acme}
spec:
  dataPlaneRef: {name: eu-1}`,
	"DeploymentPipeline": `
apiVersion: platform.aileron.dev/v1alpha1
kind: DeploymentPipeline
metadata: {namespace: acme}
spec:
  promotionPaths:
  - sourceEnvironmentRef: development
    targetEnvironmentRefs: [{name: production, requiresApproval: true}]`,
	"Project": `
apiVersion: platform.aileron.dev/v1alpha1
kind: Project
metadata: {namespace: acme}
spec:
  deploymentPipelineRef: {name: standard}`,
	"Component": `
apiVersion: platform.aileron.dev/v1alpha1
kind: Component
metadata: {namespace: acme}
spec:
  projectRef: {name: shop}
  type: Service
  image: registry.example.com/shop/api:1.0.0
  endpoints: [{name: http, port: 8080}]`,
	"Release": `
apiVersion: platform.aileron.dev/v1alpha1
kind: Release
metadata: {namespace: acme}
spec:
  componentRef: {name: api}
  image: registry.example.com/shop/api:1.0.0
  componentSpec:
    projectRef: {name: shop}
    type: Service
    image: registry.example.com/shop/api:1.0.0`,
	"BuildRun": `
apiVersion: platform.aileron.dev/v1alpha1
kind: BuildRun
metadata: {namespace: acme}
spec:
  componentRef: {name: api}
  buildPlaneRef: {name: builder}
  commit: 3f2a9c81d0b6e4f7a1c2d3e4f5a6b7c8d9e0f1a2
  revision: main
  source: {repository: "https://git.example.com/shop/api.git"}`,
	"PlaneStack": `
apiVersion: platform.aileron.dev/v1alpha1
kind: PlaneStack
spec:
  planeType: data
  items:
  - name: secrets
    namespace: external-secrets
    helm: {repositoryURL: "https://charts.external-secrets.io", chart: external-secrets, version: 0.17.0}
  - name: gateway
    namespace: gateway
    dependsOn: [secrets]
    helm: {repositoryURL: "oci://registry.example.com/charts", chart: gateway, version: 1.2.0}`,
	"ComponentType": `
apiVersion: platform.aileron.dev/v1alpha1
kind: ComponentType
spec:
  workload: {apiVersion: apps/v1, kind: StatefulSet, podTemplatePath: spec.template}
  parameters:
    type: object
    properties:
      storage: {type: string, default: 1Gi}
  environmentParameters: [storage]
  resources:
  - template:
      apiVersion: apps/v1
      kind: StatefulSet
      metadata: ${metadata}
      spec: {serviceName: "${component.name}", selector: {matchLabels: "${selector}"}}`,
	"Trait": `
apiVersion: platform.aileron.dev/v1alpha1
kind: Trait
spec:
  parameters:
    type: object
    properties:
      team: {type: string}
  patches:
  - target: {kind: Deployment}
    merge: {metadata: {annotations: {example.com/team: "${trait.parameters.team}"}}}
  - target: {kind: StatefulSet, where: "has(object.spec.template)"}
    json:
    - {op: add, path: /metadata/annotations, value: {example.com/team: "${trait.parameters.team}"}}`,
	"ReleaseBinding": `
apiVersion: platform.aileron.dev/v1alpha1
kind: ReleaseBinding
metadata: {namespace: acme}
spec:
  componentRef: {name: api}
  environmentRef: {name: development}
  release: api-0123456789`,
	"SecretReference": `
apiVersion: platform.aileron.dev/v1alpha1
kind: SecretReference
metadata: {namespace: acme}
spec:
  data:
  - key: password
    remoteKey: shop/db
    property: password
    environments: [{environment: production, remoteKey: shop/production/db}]`,
}

type invalidCase struct {
	name string
	kind string
	// create is merged into the base before it is created.
	create string
	// update, when set, is merged into the created object, which must be
	// accepted; the update must then be refused.
	update string
	// field and message must both appear in the API server's answer.
	field, message string
}

var invalidCases = []invalidCase{
	// Organization
	{name: "organization name too long for its cell namespaces", kind: "Organization",
		create: `{"metadata":{"name":"a-very-long-organization-name-x"}}`,
		field:  "organization names", message: "at most 30 characters"},
	{name: "organization name is not a DNS label", kind: "Organization",
		create: `{"metadata":{"name":"acme.corp"}}`,
		field:  "organization names", message: "lowercase DNS labels"},
	// Names that Aileron joins with "--" may not hold it, or two tenants'
	// cells, hosts or bindings could coincide.
	{name: "organization name with a double hyphen", kind: "Organization",
		create: `{"metadata":{"name":"acme--shop"}}`,
		field:  "organization names may not contain", message: `"--"`},
	{name: "project name with a double hyphen", kind: "Project",
		create: `{"metadata":{"name":"shop--web"}}`,
		field:  "project names may not contain", message: `"--"`},
	{name: "environment name with a double hyphen", kind: "Environment",
		create: `{"metadata":{"name":"prod--eu"}}`,
		field:  "environment names may not contain", message: `"--"`},
	{name: "component name with a double hyphen", kind: "Component",
		create: `{"metadata":{"name":"web--prod"}}`,
		field:  "component names may not contain", message: `"--"`},
	{name: "data plane name with a double hyphen", kind: "DataPlane",
		create: `{"metadata":{"name":"eu--1"}}`,
		field:  "data plane names must be lowercase DNS labels", message: `without "--"`},
	{name: "data plane name too long to name its Applications", kind: "DataPlane",
		create: `{"metadata":{"name":"a-data-plane-name-longer-than-forty-chars"}}`,
		field:  "data plane names", message: "at most 40 characters"},
	{name: "build plane name with a double hyphen", kind: "BuildPlane",
		create: `{"metadata":{"name":"builder--1"}}`,
		field:  "build plane names", message: "at most 40 characters"},
	{name: "observability plane name with a double hyphen", kind: "ObservabilityPlane",
		create: `{"metadata":{"name":"observer--1"}}`,
		field:  "observability plane names", message: "at most 40 characters"},
	{name: "stack name with a double hyphen", kind: "PlaneStack",
		create: `{"metadata":{"name":"data--plane"}}`,
		field:  "stack names may not contain", message: `"--"`},
	{name: "stack item name with a double hyphen", kind: "PlaneStack",
		create: `{"spec":{"items":[{"name":"cert--manager","namespace":"cert-manager","helm":{"repositoryURL":"https://charts.jetstack.io","chart":"cert-manager","version":"1.15.0"}}]}}`,
		field:  "spec.items[0].name", message: `item names may not contain`},
	{name: "organization group listed twice", kind: "Organization",
		create: `{"spec":{"viewerGroups":["everyone","everyone"]}}`,
		field:  "spec.viewerGroups[1]", message: "Duplicate value"},
	{name: "organization with a misspelt field", kind: "Organization",
		create: `{"spec":{"admins":["platform"]}}`,
		field:  "spec.admins", message: "unknown field"},

	// DataPlane
	{name: "data plane without kubeconfig secret", kind: "DataPlane",
		create: `{"spec":{"kubeconfigSecretRef":null}}`,
		field:  "spec.kubeconfigSecretRef", message: "Required value"},
	{name: "data plane with an empty secret name", kind: "DataPlane",
		create: `{"spec":{"kubeconfigSecretRef":{"name":""}}}`,
		field:  "spec.kubeconfigSecretRef.name", message: "at least 1 chars long"},
	{name: "data plane with an unknown delivery mode", kind: "DataPlane",
		create: `{"spec":{"delivery":"Push"}}`,
		field:  "spec.delivery", message: `Unsupported value: "Push"`},
	{name: "data plane with a malformed public host", kind: "DataPlane",
		create: `{"spec":{"gateway":{"publicHost":"Apps Example"}}}`,
		field:  "spec.gateway.publicHost", message: "should match"},

	// BuildPlane
	{name: "build plane without registry", kind: "BuildPlane",
		create: `{"spec":{"registry":null}}`,
		field:  "spec.registry", message: "Required value"},
	{name: "build plane registry given as a URL", kind: "BuildPlane",
		create: `{"spec":{"registry":{"prefix":"https://registry.example.com"}}}`,
		field:  "spec.registry.prefix", message: "should match"},
	{name: "build plane allowing a builder with a space in it", kind: "BuildPlane",
		create: `{"spec":{"allowedBuilders":["docker.io/paketo buildpacks/"]}}`,
		field:  "spec.allowedBuilders[0]", message: "should match"},
	{name: "build plane allowing an empty builder prefix (every image)", kind: "BuildPlane",
		create: `{"spec":{"allowedBuilders":[""]}}`,
		field:  "spec.allowedBuilders[0]", message: "at least 1 chars long"},
	{name: "build plane allowing a builder twice", kind: "BuildPlane",
		create: `{"spec":{"allowedBuilders":["docker.io/paketobuildpacks/","docker.io/paketobuildpacks/"]}}`,
		field:  "spec.allowedBuilders[1]", message: "Duplicate value"},
	{name: "build plane granted to an organization name too long to be one", kind: "BuildPlane",
		create: `{"spec":{"organizations":["an-organization-name-longer-than-thirty"]}}`,
		field:  "spec.organizations[0]", message: "may not be more than 30"},
	{name: "build plane run image with a space in it", kind: "BuildPlane",
		create: `{"spec":{"runImage":"docker.io/paketobuildpacks/run jammy"}}`,
		field:  "spec.runImage", message: "should match"},

	// ObservabilityPlane
	{name: "observability plane serving nothing", kind: "ObservabilityPlane",
		create: `{"spec":{"logs":null}}`,
		field:  "spec.logs or spec.metrics", message: "must serve logs, metrics or both"},
	{name: "observability plane with a malformed ingest URL", kind: "ObservabilityPlane",
		create: `{"spec":{"logs":{"ingestURL":"logs at port 9428"}}}`,
		field:  "spec.logs.ingestURL", message: "must be an http or https URL"},

	// Environment
	{name: "environment with both a plane and a selector", kind: "Environment",
		create: `{"spec":{"dataPlaneSelector":{"matchLabels":{"topology.kubernetes.io/region":"eu"}}}}`,
		field:  "dataPlaneRef", message: "set exactly one of dataPlaneRef (one plane) or dataPlaneSelector"},
	{name: "environment with neither a plane nor a selector", kind: "Environment",
		create: `{"spec":{"dataPlaneRef":null,"isProduction":true}}`,
		field:  "dataPlaneRef", message: "set exactly one of dataPlaneRef (one plane) or dataPlaneSelector"},
	{name: "environment name too long for cell namespaces", kind: "Environment",
		create: `{"metadata":{"name":"pre-production-europe-2"}}`,
		field:  "environment names", message: "at most 20 characters"},

	// DeploymentPipeline
	{name: "pipeline without promotion paths", kind: "DeploymentPipeline",
		create: `{"spec":{"promotionPaths":null}}`,
		field:  "spec.promotionPaths", message: "Required value"},
	{name: "pipeline with an empty list of paths", kind: "DeploymentPipeline",
		create: `{"spec":{"promotionPaths":[]}}`,
		field:  "spec.promotionPaths", message: "should have at least 1 items"},
	{name: "pipeline path targeting its own source", kind: "DeploymentPipeline",
		create: `{"spec":{"promotionPaths":[{"sourceEnvironmentRef":"staging","targetEnvironmentRefs":[{"name":"staging"}]}]}}`,
		field:  "spec.promotionPaths[0]", message: "cannot target its own source environment"},
	{name: "pipeline with the same source twice", kind: "DeploymentPipeline",
		create: `{"spec":{"promotionPaths":[{"sourceEnvironmentRef":"dev","targetEnvironmentRefs":[{"name":"staging"}]},{"sourceEnvironmentRef":"dev","targetEnvironmentRefs":[{"name":"prod"}]}]}}`,
		field:  "spec.promotionPaths[1]", message: "Duplicate value"},
	{name: "pipeline path with the same target twice", kind: "DeploymentPipeline",
		create: `{"spec":{"promotionPaths":[{"sourceEnvironmentRef":"dev","targetEnvironmentRefs":[{"name":"prod"},{"name":"prod","requiresApproval":true}]}]}}`,
		field:  "spec.promotionPaths[0].targetEnvironmentRefs[1]", message: "Duplicate value"},
	{name: "pipeline path without targets", kind: "DeploymentPipeline",
		create: `{"spec":{"promotionPaths":[{"sourceEnvironmentRef":"dev","targetEnvironmentRefs":[]}]}}`,
		field:  "spec.promotionPaths[0].targetEnvironmentRefs", message: "should have at least 1 items"},

	// Project
	{name: "project without pipeline", kind: "Project",
		create: `{"spec":{"deploymentPipelineRef":null}}`,
		field:  "spec.deploymentPipelineRef", message: "Required value"},
	{name: "project name is not a DNS label", kind: "Project",
		create: `{"metadata":{"name":"shop.v2"}}`,
		field:  "project names", message: "lowercase DNS labels"},

	// Component
	// A type name that no ComponentType has is the controller's to report
	// (the type may be created later); one no ComponentType can have is
	// refused here.
	{name: "component of a type no ComponentType can be named", kind: "Component",
		create: `{"spec":{"type":"9lives"}}`,
		field:  "spec.type", message: "should match"},
	{name: "component without project", kind: "Component",
		create: `{"spec":{"projectRef":null}}`,
		field:  "spec.projectRef", message: "Required value"},
	{name: "endpoint port above 65535", kind: "Component",
		create: `{"spec":{"endpoints":[{"name":"http","port":70000}]}}`,
		field:  "spec.endpoints[0].port", message: "less than or equal to 65535"},
	{name: "endpoint port 0", kind: "Component",
		create: `{"spec":{"endpoints":[{"name":"http","port":0}]}}`,
		field:  "spec.endpoints[0].port", message: "greater than or equal to 1"},
	{name: "duplicate endpoint names", kind: "Component",
		create: `{"spec":{"endpoints":[{"name":"http","port":8080},{"name":"http","port":9090}]}}`,
		field:  "spec.endpoints[1]", message: "Duplicate value"},
	{name: "duplicate endpoint ports", kind: "Component",
		create: `{"spec":{"endpoints":[{"name":"http","port":8080},{"name":"admin","port":8080}]}}`,
		field:  "spec.endpoints", message: "endpoint ports must be unique"},
	{name: "endpoint with an unknown protocol", kind: "Component",
		create: `{"spec":{"endpoints":[{"name":"dns","port":53,"protocol":"UDP"}]}}`,
		field:  "spec.endpoints[0].protocol", message: `Unsupported value: "UDP"`},
	{name: "endpoint with an unknown visibility", kind: "Component",
		create: `{"spec":{"endpoints":[{"name":"http","port":8080,"visibility":"Internal"}]}}`,
		field:  "spec.endpoints[0].visibility", message: `Unsupported value: "Internal"`},
	{name: "public TCP endpoint", kind: "Component",
		create: `{"spec":{"endpoints":[{"name":"db","port":5432,"protocol":"TCP","visibility":"Public"}]}}`,
		field:  "spec.endpoints[0].visibility", message: "a TCP endpoint cannot be Public"},
	{name: "path on a gRPC endpoint", kind: "Component",
		create: `{"spec":{"endpoints":[{"name":"grpc","port":9090,"protocol":"gRPC","path":"/api"}]}}`,
		field:  "spec.endpoints[0].path", message: "path is only used by HTTP endpoints"},
	{name: "endpoint name longer than a port name may be", kind: "Component",
		create: `{"spec":{"endpoints":[{"name":"a-very-long-endpoint","port":8080}]}}`,
		field:  "spec.endpoints[0].name", message: "may not be more than 15 bytes"},
	// What the hub admits must render to objects a spoke accepts.
	{name: "endpoint name a Service port cannot take", kind: "Component",
		create: `{"spec":{"endpoints":[{"name":"web--api","port":8080}]}}`,
		field:  "spec.endpoints[0].name", message: "endpoint names may not contain"},
	{name: "CPU request above its limit", kind: "Component",
		create: `{"spec":{"container":{"resources":{"requests":{"cpu":"2"},"limits":{"cpu":"1500m"}}}}}`,
		field:  "spec.container.resources.requests.cpu", message: "requests.cpu must not exceed limits.cpu"},
	{name: "memory request above its limit", kind: "Component",
		create: `{"spec":{"container":{"resources":{"requests":{"memory":"1Gi"},"limits":{"memory":"512Mi"}}}}}`,
		field:  "spec.container.resources.requests.memory", message: "requests.memory must not exceed limits.memory"},
	{name: "file mounted over the container's /tmp", kind: "Component",
		create: `{"spec":{"container":{"files":[{"mountPath":"/tmp","content":"x"}]}}}`,
		field:  "spec.container.files[0].mountPath", message: "/tmp is the container's own writable directory"},
	{name: "component that depends on itself", kind: "Component",
		create: `{"metadata":{"name":"loop"},"spec":{"dependencies":[{"component":"loop","endpoint":"http"}]}}`,
		field:  "spec.dependencies", message: "a component cannot depend on itself"},
	{name: "component that depends on itself, naming its own project", kind: "Component",
		create: `{"metadata":{"name":"loop"},"spec":{"dependencies":[{"project":"shop","component":"loop","endpoint":"http"}]}}`,
		field:  "spec.dependencies", message: "a component cannot depend on itself"},
	{name: "empty image", kind: "Component",
		create: `{"spec":{"image":""}}`,
		field:  "spec.image", message: "at least 1 chars long"},
	{name: "image with whitespace", kind: "Component",
		create: `{"spec":{"image":"registry.example.com/api latest"}}`,
		field:  "spec.image", message: "should match"},
	{name: "image with a control character", kind: "Component",
		create: `{"spec":{"image":"registry.example.com/api\u007f"}}`,
		field:  "spec.image", message: "should match"},
	{name: "neither image nor build", kind: "Component",
		create: `{"spec":{"image":null}}`,
		field:  "image", message: "set exactly one of image (a built image) or build (a source to build)"},
	{name: "both image and build", kind: "Component",
		create: `{"spec":{"build":{"repository":"https://git.example.com/shop/api.git"}}}`,
		field:  "image", message: "set exactly one of image (a built image) or build (a source to build)"},
	{name: "build from something that is not a Git URL", kind: "Component",
		create: `{"spec":{"image":null,"build":{"repository":"my laptop"}}}`,
		field:  "spec.build.repository", message: "repository must be a Git URL"},
	{name: "dockerfile path with the buildpacks strategy", kind: "Component",
		create: `{"spec":{"image":null,"build":{"repository":"https://git.example.com/shop/api.git","dockerfilePath":"Dockerfile"}}}`,
		field:  "spec.build.dockerfilePath", message: "dockerfilePath is only used with strategy Dockerfile"},
	{name: "history of no build runs", kind: "Component",
		create: `{"spec":{"image":null,"build":{"repository":"https://git.example.com/shop/api.git","historyLimit":0}}}`,
		field:  "spec.build.historyLimit", message: "greater than or equal to 1"},
	{name: "history of too many build runs", kind: "Component",
		create: `{"spec":{"image":null,"build":{"repository":"https://git.example.com/shop/api.git","historyLimit":51}}}`,
		field:  "spec.build.historyLimit", message: "less than or equal to 50"},
	{name: "build plane named by an empty name", kind: "Component",
		create: `{"spec":{"image":null,"build":{"repository":"https://git.example.com/shop/api.git","buildPlaneRef":{"name":""}}}}`,
		field:  "spec.build.buildPlaneRef.name", message: "at least 1 chars long"},
	{name: "scheduled task without schedule", kind: "Component",
		create: `{"spec":{"type":"ScheduledTask","endpoints":null}}`,
		field:  "spec.schedule", message: "a ScheduledTask needs a schedule"},
	{name: "schedule on a service", kind: "Component",
		create: `{"spec":{"schedule":"0 3 * * *"}}`,
		field:  "spec.schedule", message: "schedule is only used by ScheduledTask components"},
	{name: "schedule that is not cron", kind: "Component",
		create: `{"spec":{"type":"ScheduledTask","endpoints":null,"schedule":"every night"}}`,
		field:  "spec.schedule", message: "should match"},
	{name: "replicas on a scheduled task", kind: "Component",
		create: `{"spec":{"type":"ScheduledTask","endpoints":null,"schedule":"@daily","replicas":2}}`,
		field:  "spec.replicas", message: "a ScheduledTask runs one pod per schedule"},
	{name: "endpoints on a worker", kind: "Component",
		create: `{"spec":{"type":"Worker"}}`,
		field:  "spec.endpoints", message: "Worker and ScheduledTask components expose no endpoints"},
	{name: "negative replicas", kind: "Component",
		create: `{"spec":{"replicas":-1}}`,
		field:  "spec.replicas", message: "greater than or equal to 0"},
	{name: "both replicas and autoscaling", kind: "Component",
		create: `{"spec":{"replicas":2,"autoscaling":{"maxReplicas":4}}}`,
		field:  "spec.autoscaling", message: "set replicas or autoscaling, not both"},
	{name: "autoscaling minimum above maximum", kind: "Component",
		create: `{"spec":{"autoscaling":{"minReplicas":5,"maxReplicas":2}}}`,
		field:  "spec.autoscaling", message: "autoscaling.minReplicas must not exceed autoscaling.maxReplicas"},
	{name: "autoscaling CPU target above 100 percent", kind: "Component",
		create: `{"spec":{"autoscaling":{"maxReplicas":4,"targetCPUUtilizationPercentage":150}}}`,
		field:  "spec.autoscaling.targetCPUUtilizationPercentage", message: "less than or equal to 100"},
	{name: "environment variable with a value and a secret", kind: "Component",
		create: `{"spec":{"container":{"env":[{"name":"TOKEN","value":"x","secretKeyRef":{"name":"s","key":"k"}}]}}}`,
		field:  "spec.container.env[0]", message: "set exactly one of value, secretRef or secretKeyRef"},
	{name: "environment variable with an invalid name", kind: "Component",
		create: `{"spec":{"container":{"env":[{"name":"1-BAD","value":"x"}]}}}`,
		field:  "spec.container.env[0].name", message: "should match"},
	{name: "file mounted at a relative path", kind: "Component",
		create: `{"spec":{"container":{"files":[{"mountPath":"etc/app.conf","content":"x"}]}}}`,
		field:  "spec.container.files[0].mountPath", message: "should match"},
	{name: "the same dependency twice", kind: "Component",
		create: `{"spec":{"dependencies":[{"component":"db","endpoint":"sql"},{"component":"db","endpoint":"sql"}]}}`,
		field:  "spec.dependencies", message: "each dependency may be listed only once"},
	{name: "component name too long for its releases", kind: "Component",
		create: `{"metadata":{"name":"a-component-name-that-is-far-too-long-xyz"}}`,
		field:  "component names", message: "at most 40 characters"},
	{name: "component moved to another project", kind: "Component",
		update: `{"spec":{"projectRef":{"name":"other"}}}`,
		field:  "spec.projectRef", message: "projectRef is immutable"},

	// Release
	{name: "release without image", kind: "Release",
		create: `{"spec":{"image":null}}`,
		field:  "spec.image", message: "Required value"},
	{name: "release spec edited", kind: "Release",
		update: `{"spec":{"image":"registry.example.com/shop/api:2.0.0"}}`,
		field:  "spec", message: "a Release is immutable"},

	// BuildRun
	{name: "build run of a short commit", kind: "BuildRun",
		create: `{"spec":{"commit":"3f2a9c8"}}`,
		field:  "spec.commit", message: "should match"},
	{name: "build run of an upper-case commit", kind: "BuildRun",
		create: `{"spec":{"commit":"3F2A9C81D0B6E4F7A1C2D3E4F5A6B7C8D9E0F1A2"}}`,
		field:  "spec.commit", message: "should match"},
	{name: "build run without a source", kind: "BuildRun",
		create: `{"spec":{"source":null}}`,
		field:  "spec.source", message: "Required value"},
	{name: "build run moved to another commit", kind: "BuildRun",
		update: `{"spec":{"commit":"0000000000000000000000000000000000000000"}}`,
		field:  "spec", message: "a BuildRun is immutable"},
	{name: "build run moved to another plane", kind: "BuildRun",
		update: `{"spec":{"buildPlaneRef":{"name":"elsewhere"}}}`,
		field:  "spec", message: "a BuildRun is immutable"},
	{name: "build plane with a default builder that is not an image", kind: "BuildPlane",
		create: `{"spec":{"defaultBuilder":"paketo builder"}}`,
		field:  "spec.defaultBuilder", message: "should match"},

	// PlaneStack
	{name: "stack for an unknown plane type", kind: "PlaneStack",
		create: `{"spec":{"planeType":"edge"}}`,
		field:  "spec.planeType", message: `Unsupported value: "edge"`},
	{name: "stack moved to another plane type", kind: "PlaneStack",
		update: `{"spec":{"planeType":"build"}}`,
		field:  "spec.planeType", message: "planeType is immutable"},
	{name: "stack item that is both a chart and manifests", kind: "PlaneStack",
		create: `{"spec":{"items":[{"name":"both","namespace":"x","manifests":"kind: Namespace","helm":{"repositoryURL":"https://c.example","chart":"c","version":"1.0.0"}}]}}`,
		field:  "spec.items[0]", message: "exactly one of them"},
	{name: "stack item depending on an item the stack does not have", kind: "PlaneStack",
		create: `{"spec":{"items":[{"name":"gateway","namespace":"gateway","dependsOn":["secrets"],"helm":{"repositoryURL":"https://c.example","chart":"c","version":"1.0.0"}}]}}`,
		field:  "spec", message: "dependsOn must name other items of the same stack"},
	{name: "stack delivered by Argo CD with a manifests item", kind: "PlaneStack",
		create: `{"spec":{"delivery":"ArgoCD","items":[{"name":"raw","namespace":"x","manifests":"kind: Namespace"}]}}`,
		field:  "spec", message: "Argo CD delivery installs Helm charts only"},
	{name: "stack chart without a pinned version", kind: "PlaneStack",
		create: `{"spec":{"items":[{"name":"secrets","namespace":"external-secrets","helm":{"repositoryURL":"https://charts.external-secrets.io","chart":"external-secrets","version":"latest"}}]}}`,
		field:  "spec.items[0].helm.version", message: "should match"},
	{name: "stack chart from a repository that is not a URL", kind: "PlaneStack",
		create: `{"spec":{"items":[{"name":"secrets","namespace":"external-secrets","helm":{"repositoryURL":"charts.external-secrets.io","chart":"external-secrets","version":"0.17.0"}}]}}`,
		field:  "spec.items[0].helm.repositoryURL", message: "an http(s):// Helm repository or an oci:// registry"},
	{name: "stack in an unknown sync mode", kind: "PlaneStack",
		create: `{"spec":{"syncMode":"Sometimes"}}`,
		field:  "spec.syncMode", message: `Unsupported value: "Sometimes"`},
	{name: "stack name too long to prefix what it renders", kind: "PlaneStack",
		create: `{"metadata":{"name":"a-stack-name-that-is-far-too-long-to-prefix-its-cluster-profiles-x"}}`,
		field:  `"a-stack-name-that-is-far-too-long`, message: "a stack's name is at most 63 characters"},

	// ComponentType
	{name: "component type named in CamelCase", kind: "ComponentType",
		create: `{"metadata":{"name":"StatefulService"}}`,
		field:  "ComponentType names", message: "lowercase DNS labels"},
	{name: "component type whose workload is a DaemonSet", kind: "ComponentType",
		create: `{"spec":{"workload":{"kind":"DaemonSet"}}}`,
		field:  "spec.workload.kind", message: `Unsupported value: "DaemonSet"`},
	{name: "component type whose workload is in the core group", kind: "ComponentType",
		create: `{"spec":{"workload":{"apiVersion":"v1"}}}`,
		field:  "spec.workload.apiVersion", message: `Unsupported value: "v1"`},
	{name: "component type with a pod template path that is not a field path", kind: "ComponentType",
		create: `{"spec":{"workload":{"podTemplatePath":"spec/template"}}}`,
		field:  "spec.workload.podTemplatePath", message: "should match"},
	{name: "component type without templates", kind: "ComponentType",
		create: `{"spec":{"resources":[]}}`,
		field:  "spec.resources", message: "should have at least 1 items"},
	{name: "component type granting itself a cluster-wide role", kind: "ComponentType",
		create: `{"spec":{"allowedKinds":["ClusterRoleBinding"]}}`,
		field:  "spec.allowedKinds[0]", message: `Unsupported value: "ClusterRoleBinding"`},
	{name: "component type whose template is not an object", kind: "ComponentType",
		create: `{"spec":{"resources":[{"template":"kind: Deployment"}]}}`,
		field:  "spec.resources[0].template", message: "must be of type object"},

	// Trait
	{name: "trait that neither creates nor patches", kind: "Trait",
		create: `{"spec":{"patches":null}}`,
		field:  "spec", message: "a trait creates or patches something"},
	{name: "trait patch that is both a merge and a JSON patch", kind: "Trait",
		create: `{"spec":{"patches":[{"target":{"kind":"Deployment"},"merge":{"metadata":{}},"json":[{"op":"remove","path":"/metadata/labels"}]}]}}`,
		field:  "spec.patches[0]", message: "set exactly one of merge and json"},
	{name: "trait JSON patch with an unknown operation", kind: "Trait",
		create: `{"spec":{"patches":[{"target":{"kind":"Deployment"},"json":[{"op":"delete","path":"/metadata/labels"}]}]}}`,
		field:  "spec.patches[0].json[0].op", message: `Unsupported value: "delete"`},
	{name: "trait patch without a target kind", kind: "Trait",
		create: `{"spec":{"patches":[{"target":{"name":"web"},"merge":{"metadata":{}}}]}}`,
		field:  "spec.patches[0].target.kind", message: "Required value"},

	// Components of platform-defined types
	{name: "component type that is not a type name", kind: "Component",
		create: `{"spec":{"type":"stateful_service"}}`,
		field:  "spec.type", message: "should match"},
	{name: "component parameters that are not an object", kind: "Component",
		create: `{"spec":{"parameters":"storage=1Gi"}}`,
		field:  "spec.parameters", message: "must be of type object"},
	{name: "component applying a trait twice under one instance name", kind: "Component",
		create: `{"spec":{"traits":[{"name":"pod-annotations","instanceName":"team"},{"name":"pod-annotations","instanceName":"team"}]}}`,
		field:  "spec.traits[1]", message: "Duplicate value"},
	{name: "component trait without an instance name", kind: "Component",
		create: `{"spec":{"traits":[{"name":"pod-annotations"}]}}`,
		field:  "spec.traits[0].instanceName", message: "Required value"},
	{name: "scheduled-task (the built-in by its object name) without a schedule", kind: "Component",
		create: `{"spec":{"type":"scheduled-task","endpoints":null}}`,
		field:  "spec.schedule", message: "a ScheduledTask needs a schedule"},
	{name: "worker (the built-in by its object name) with endpoints", kind: "Component",
		create: `{"spec":{"type":"worker"}}`,
		field:  "spec.endpoints", message: "Worker and ScheduledTask components expose no endpoints"},

	// Health probes
	{name: "probe with two handlers", kind: "Component",
		create: `{"spec":{"container":{"probes":{"readiness":{"http":{"endpoint":"http"},"tcp":{"endpoint":"http"}}}}}}`,
		field:  "spec.container.probes.readiness", message: "a probe is exactly one of http, grpc, tcp or exec"},
	{name: "probe without a handler", kind: "Component",
		create: `{"spec":{"container":{"probes":{"liveness":{"periodSeconds":5}}}}}`,
		field:  "spec.container.probes.liveness", message: "a probe is exactly one of http, grpc, tcp or exec"},
	{name: "readiness probe on an endpoint the component does not have", kind: "Component",
		create: `{"spec":{"container":{"probes":{"readiness":{"http":{"endpoint":"admin","path":"/ready"}}}}}}`,
		field:  "spec.container.probes.readiness", message: "the readiness probe checks an endpoint the component does not have"},
	{name: "liveness probe on an endpoint the component does not have", kind: "Component",
		create: `{"spec":{"container":{"probes":{"liveness":{"grpc":{"endpoint":"grpc"}}}}}}`,
		field:  "spec.container.probes.liveness", message: "the liveness probe checks an endpoint the component does not have"},
	{name: "startup probe on an endpoint of a component without endpoints", kind: "Component",
		create: `{"spec":{"endpoints":null,"container":{"probes":{"startup":{"tcp":{"endpoint":"http"}}}}}}`,
		field:  "spec.container.probes.startup", message: "the startup probe checks an endpoint the component does not have"},
	{name: "HTTP probe path that is not absolute", kind: "Component",
		create: `{"spec":{"container":{"probes":{"readiness":{"http":{"endpoint":"http","path":"healthz"}}}}}}`,
		field:  "spec.container.probes.readiness.http.path", message: "should match"},
	{name: "exec probe without a command", kind: "Component",
		create: `{"spec":{"container":{"probes":{"liveness":{"exec":{"command":[]}}}}}}`,
		field:  "spec.container.probes.liveness.exec.command", message: "should have at least 1 items"},
	{name: "probe every zero seconds", kind: "Component",
		create: `{"spec":{"container":{"probes":{"readiness":{"tcp":{"endpoint":"http"},"periodSeconds":0}}}}}`,
		field:  "spec.container.probes.readiness.periodSeconds", message: "should be greater than or equal to 1"},

	// ReleaseBinding
	{name: "binding in an unknown state", kind: "ReleaseBinding",
		create: `{"spec":{"state":"Paused"}}`,
		field:  "spec.state", message: `Unsupported value: "Paused"`},
	{name: "binding without release", kind: "ReleaseBinding",
		create: `{"spec":{"release":null}}`,
		field:  "spec.release", message: "Required value"},
	{name: "binding moved to another environment", kind: "ReleaseBinding",
		update: `{"spec":{"environmentRef":{"name":"production"}}}`,
		field:  "spec.environmentRef", message: "environmentRef is immutable"},
	{name: "binding moved to another component", kind: "ReleaseBinding",
		update: `{"spec":{"componentRef":{"name":"web"}}}`,
		field:  "spec.componentRef", message: "componentRef is immutable"},

	// Organization resources
	{name: "cell quota that bounds nothing", kind: "Organization",
		create: `{"spec":{"resources":{"cellQuota":{}}}}`,
		field:  "spec.resources.cellQuota", message: "a cell quota bounds requests, limits or pods: set at least one"},
	{name: "cell quota of negative pods", kind: "Organization",
		create: `{"spec":{"resources":{"cellQuota":{"pods":-1}}}}`,
		field:  "spec.resources.cellQuota.pods", message: "should be greater than or equal to 0"},
	{name: "container limits that set neither min nor max", kind: "Organization",
		create: `{"spec":{"resources":{"containerLimits":{}}}}`,
		field:  "spec.resources.containerLimits", message: "container limits set a min, a max or both"},
	{name: "container min above the max", kind: "Organization",
		create: `{"spec":{"resources":{"containerLimits":{"min":{"memory":"2Gi"},"max":{"memory":"1Gi"}}}}}`,
		field:  "spec.resources.containerLimits.min.memory", message: "min.memory must not exceed max.memory"},
	{name: "organization default request above its default limit", kind: "Organization",
		create: `{"spec":{"resources":{"defaults":{"requests":{"cpu":"2"},"limits":{"cpu":"1"}}}}}`,
		field:  "spec.resources.defaults.requests.cpu", message: "requests.cpu must not exceed limits.cpu"},

	// ReleaseBinding overrides
	{name: "overrides of both replicas and autoscaling", kind: "ReleaseBinding",
		create: `{"spec":{"overrides":{"replicas":2,"autoscaling":{"maxReplicas":4}}}}`,
		field:  "spec.overrides.autoscaling", message: "set replicas or autoscaling, not both"},
	{name: "override of an environment variable with a value and a secret", kind: "ReleaseBinding",
		create: `{"spec":{"overrides":{"env":[{"name":"DATABASE_URL","value":"x","secretKeyRef":{"name":"db","key":"url"}}]}}}`,
		field:  "spec.overrides.env[0]", message: "set exactly one of value, secretRef or secretKeyRef"},
	{name: "override of an environment variable twice", kind: "ReleaseBinding",
		create: `{"spec":{"overrides":{"env":[{"name":"A","value":"1"},{"name":"A","value":"2"}]}}}`,
		field:  "spec.overrides.env[1]", message: "Duplicate value"},
	{name: "override of a file at /tmp", kind: "ReleaseBinding",
		create: `{"spec":{"overrides":{"files":[{"mountPath":"/tmp","content":"x"}]}}}`,
		field:  "spec.overrides.files[0].mountPath", message: "/tmp is the container's own writable directory"},
	{name: "override of replicas beyond 1000", kind: "ReleaseBinding",
		create: `{"spec":{"overrides":{"replicas":1001}}}`,
		field:  "spec.overrides.replicas", message: "should be less than or equal to 1000"},
	{name: "override of a memory request above its limit", kind: "ReleaseBinding",
		create: `{"spec":{"overrides":{"resources":{"requests":{"memory":"2Gi"},"limits":{"memory":"1Gi"}}}}}`,
		field:  "spec.overrides.resources.requests.memory", message: "requests.memory must not exceed limits.memory"},
	{name: "override of a trait instance without parameters", kind: "ReleaseBinding",
		create: `{"spec":{"overrides":{"traits":[{"instanceName":"archive"}]}}}`,
		field:  "spec.overrides.traits[0].parameters", message: "Required value"},
	{name: "override of parameters that are not an object", kind: "ReleaseBinding",
		create: `{"spec":{"overrides":{"parameters":[1,2]}}}`,
		field:  "spec.overrides.parameters", message: "must be of type object"},

	// Secrets
	{name: "variable from a SecretReference and a value", kind: "Component",
		create: `{"spec":{"container":{"env":[{"name":"DATABASE_PASSWORD","value":"x","secretRef":{"name":"shop-db","key":"password"}}]}}}`,
		field:  "spec.container.env[0]", message: "set exactly one of value, secretRef or secretKeyRef"},
	{name: "variable from a SecretReference and a Secret", kind: "Component",
		create: `{"spec":{"container":{"env":[{"name":"DATABASE_PASSWORD","secretKeyRef":{"name":"db","key":"password"},"secretRef":{"name":"shop-db","key":"password"}}]}}}`,
		field:  "spec.container.env[0]", message: "set exactly one of value, secretRef or secretKeyRef"},
	{name: "file with content and a secretRef", kind: "Component",
		create: `{"spec":{"container":{"files":[{"mountPath":"/etc/tls/tls.key","content":"x","secretRef":{"name":"shop-tls","key":"key"}}]}}}`,
		field:  "spec.container.files[0]", message: "a file has either content or a secretRef, not both"},
	{name: "secretRef to a name no SecretReference can have", kind: "Component",
		create: `{"spec":{"container":{"env":[{"name":"TOKEN","secretRef":{"name":"Shop_DB","key":"token"}}]}}}`,
		field:  "spec.container.env[0].secretRef.name", message: "should match"},
	{name: "override from a SecretReference and a value", kind: "ReleaseBinding",
		create: `{"spec":{"overrides":{"env":[{"name":"TOKEN","value":"x","secretRef":{"name":"shop-api","key":"token"}}]}}}`,
		field:  "spec.overrides.env[0]", message: "set exactly one of value, secretRef or secretKeyRef"},
	{name: "secret reference without keys", kind: "SecretReference",
		create: `{"spec":{"data":[]}}`,
		field:  "spec.data", message: "should have at least 1 items"},
	{name: "secret reference with a key twice", kind: "SecretReference",
		create: `{"spec":{"data":[{"key":"password","remoteKey":"a"},{"key":"password","remoteKey":"b"}]}}`,
		field:  "spec.data[1]", message: "Duplicate value"},
	{name: "secret reference key without a remote key", kind: "SecretReference",
		create: `{"spec":{"data":[{"key":"password"}]}}`,
		field:  "spec.data[0].remoteKey", message: "Required value"},
	{name: "secret reference key that no Secret may hold", kind: "SecretReference",
		create: `{"spec":{"data":[{"key":"pass word","remoteKey":"a"}]}}`,
		field:  "spec.data[0].key", message: "should match"},
	{name: "secret reference reading one environment twice", kind: "SecretReference",
		create: `{"spec":{"data":[{"key":"password","remoteKey":"a","environments":[{"environment":"production","remoteKey":"b"},{"environment":"production","remoteKey":"c"}]}]}}`,
		field:  "spec.data[0].environments[1]", message: "Duplicate value"},
	{name: "secret reference refreshed at no interval", kind: "SecretReference",
		create: `{"spec":{"refreshInterval":"soon"}}`,
		field:  "spec.refreshInterval", message: "should match"},
	{name: "secret reference named with --", kind: "SecretReference",
		create:  `{"metadata":{"name":"shop--db"}}`,
		message: "secret reference names must be lowercase DNS labels of at most 40 characters"},
	{name: "data plane offering a store no ClusterSecretStore can be", kind: "DataPlane",
		create: `{"spec":{"secretStoreRef":{"name":"Vault_1"}}}`,
		field:  "spec.secretStoreRef.name", message: "should match"},
}

// TestInvalidManifestsRefused checks that the API server refuses each
// malformed manifest, naming the field and the rule it breaks.
func TestInvalidManifestsRefused(t *testing.T) {
	if len(invalidCases) < 30 {
		t.Fatalf("only %d invalid cases", len(invalidCases))
	}
	ctx := context.Background()
	for i, tc := range invalidCases {
		t.Run(tc.name, func(t *testing.T) {
			obj := build(t, tc.kind, fmt.Sprintf("case-%d", i), tc.create)
			err := k8s.Create(ctx, obj, client.FieldValidation("Strict"))
			if tc.update != "" {
				if err != nil {
					t.Fatalf("the object to update was refused: %v", err)
				}
				obj = patched(t, obj, tc.update)
				err = k8s.Update(ctx, obj, client.FieldValidation("Strict"))
			}
			if err == nil {
				t.Fatalf("%s was accepted", tc.kind)
			}
			if !apierrors.IsInvalid(err) && !apierrors.IsBadRequest(err) {
				t.Fatalf("refused for the wrong reason: %v", err)
			}
			t.Log(err)
			for _, want := range []string{tc.field, tc.message} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("the error does not mention %q:\n%v", want, err)
				}
			}
		})
	}
}

// TestBasesAccepted guards the table above: each base must be valid, or
// every case built from it would pass for the wrong reason.
func TestBasesAccepted(t *testing.T) {
	for kind := range bases {
		obj := build(t, kind, "base-"+strings.ToLower(kind), "")
		if err := k8s.Create(context.Background(), obj, client.FieldValidation("Strict")); err != nil {
			t.Errorf("the base %s was refused: %v", kind, err)
		}
	}
}

func build(t *testing.T, kind, name, patch string) *unstructured.Unstructured {
	t.Helper()
	base, err := yaml.YAMLToJSON([]byte(bases[kind]))
	if err != nil {
		t.Fatal(err)
	}
	obj := &unstructured.Unstructured{}
	if err := json.Unmarshal(base, &obj.Object); err != nil {
		t.Fatal(err)
	}
	obj.SetName(name)
	if patch == "" {
		return obj
	}
	return patched(t, obj, patch)
}

func patched(t *testing.T, obj *unstructured.Unstructured, patch string) *unstructured.Unstructured {
	t.Helper()
	doc, err := json.Marshal(obj.Object)
	if err != nil {
		t.Fatal(err)
	}
	merged, err := jsonpatch.MergePatch(doc, []byte(patch))
	if err != nil {
		t.Fatalf("patch %s: %v", patch, err)
	}
	out := &unstructured.Unstructured{}
	if err := json.Unmarshal(merged, &out.Object); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestNearMissesAccepted guards the rules above from refusing too much:
// each of these is one step short of a refused case.
func TestNearMissesAccepted(t *testing.T) {
	for i, patch := range []string{
		// A component of the same name in another project.
		`{"metadata":{"name":"loop"},"spec":{"dependencies":[{"project":"crm","component":"loop","endpoint":"http"}]}}`,
		// Requests equal to their limits, in other units.
		`{"spec":{"container":{"resources":{"requests":{"cpu":"1","memory":"1024Mi"},"limits":{"cpu":"1000m","memory":"1Gi"}}}}}`,
		// A request without a limit, a limit without a request.
		`{"spec":{"container":{"resources":{"requests":{"cpu":"4"},"limits":{"memory":"64Mi"}}}}}`,
		// A file under /tmp, an endpoint name with single hyphens.
		`{"spec":{"container":{"files":[{"mountPath":"/tmp/app.conf","content":"x"}]},"endpoints":[{"name":"web-api-v2","port":8080}]}}`,
		// Secrets from a SecretReference: a variable, and a file with an
		// empty content beside its secretRef.
		`{"spec":{"container":{"env":[{"name":"TOKEN","secretRef":{"name":"shop-api","key":"token"}}],"files":[{"mountPath":"/etc/tls/tls.key","content":"","secretRef":{"name":"shop-tls","key":"tls.key"}}]}}}`,
	} {
		obj := build(t, "Component", fmt.Sprintf("near-%d", i), patch)
		if err := k8s.Create(context.Background(), obj, client.FieldValidation("Strict")); err != nil {
			t.Errorf("%s was refused: %v", patch, err)
		}
	}
}

// TestConditionListsAreCapped: the API server keeps a status to at most 16
// conditions, on the kinds that share the common status and on PlaneStack.
func TestConditionListsAreCapped(t *testing.T) {
	ctx := context.Background()
	conds := func(n int) []any {
		out := make([]any, 0, n)
		for i := range n {
			out = append(out, map[string]any{
				"type": fmt.Sprintf("Condition%d", i), "status": "True", "reason": "Test", "message": "",
				"lastTransitionTime": "2026-01-01T00:00:00Z",
			})
		}
		return out
	}
	for _, kind := range []string{"Project", "DataPlane", "PlaneStack"} {
		t.Run(kind, func(t *testing.T) {
			obj := build(t, kind, "conditions-"+strings.ToLower(kind), "")
			if err := k8s.Create(ctx, obj); err != nil {
				t.Fatalf("the base was refused: %v", err)
			}
			obj.Object["status"] = map[string]any{"conditions": conds(17)}
			err := k8s.Status().Update(ctx, obj)
			if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), "status.conditions") || !strings.Contains(err.Error(), "16") {
				t.Fatalf("17 conditions: want Invalid naming status.conditions and 16, got %v", err)
			}
			obj.Object["status"] = map[string]any{"conditions": conds(16)}
			if err := k8s.Status().Update(ctx, obj); err != nil {
				t.Fatalf("16 conditions refused: %v", err)
			}
		})
	}
}
