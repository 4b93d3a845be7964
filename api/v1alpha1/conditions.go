package v1alpha1

// Condition types. Every kind reports Ready; the others appear where they
// carry information of their own.
const (
	// ConditionReady summarises an object: True when everything it asks for
	// is in place and healthy. `kubectl wait --for=condition=Ready` works on
	// every kind.
	ConditionReady = "Ready"

	// ConditionReconciling is True while the controller is working towards
	// the spec and expects to get there by itself.
	ConditionReconciling = "Reconciling"

	// ConditionStalled is True when the controller cannot make progress
	// without a change by a person: an invalid spec, a missing reference.
	// Its message says what to change.
	ConditionStalled = "Stalled"

	// ConditionReachable is True while a plane's API server answers the
	// hub's probes with valid credentials.
	ConditionReachable = "Reachable"

	// ConditionAddonsReady is True when a plane's infrastructure stack has
	// been delivered and reports healthy.
	ConditionAddonsReady = "AddonsReady"

	// ConditionDeletionBlocked is True while a finalizer waits for a plane
	// that must be cleaned before the object can go; its message names it.
	ConditionDeletionBlocked = "DeletionBlocked"

	// ConditionSourceResolved is True on a Component built from source when
	// its revision resolved to a commit at the last poll of the repository
	// and a BuildPlane was chosen; False says why not (the repository
	// cannot be reached, the revision does not exist, no plane to build on).
	ConditionSourceResolved = "SourceResolved"

	// ConditionBuildSucceeded is, on a Component built from source, the
	// outcome of its newest BuildRun: Unknown while it builds, False with
	// the failing step when it failed (the previous release keeps running),
	// True when its image is released.
	ConditionBuildSucceeded = "BuildSucceeded"
)

// Condition reasons: CamelCase, for machines; the messages are for people.
const (
	ReasonReconciled        = "Reconciled"
	ReasonProgressing       = "Progressing"
	ReasonInvalidSpec       = "InvalidSpec"
	ReasonReferenceNotFound = "ReferenceNotFound"
	ReasonKubeconfigInvalid = "KubeconfigInvalid"
	ReasonSecretNotFound    = "SecretNotFound"
	ReasonProbeSucceeded    = "ProbeSucceeded"
	ReasonProbeFailed       = "ProbeFailed"
	ReasonUnauthorized      = "Unauthorized"
	ReasonPlaneUnreachable  = "PlaneUnreachable"
	ReasonDeliveryFailed    = "DeliveryFailed"
	// ReasonRenderRefused: a plane's API server refuses the render (it is
	// invalid there, or its admission denies it).
	ReasonRenderRefused      = "RenderRefused"
	ReasonWaitingForWorkload = "WaitingForWorkload"
	ReasonDeleting           = "Deleting"
	ReasonSuspended          = "Suspended"
	ReasonUndeployed         = "Undeployed"
	// ReasonRepositoryUnavailable: a Git repository (the GitOps repository,
	// or a component's build source) cannot be reached, refuses the
	// credentials, or is not configured.
	ReasonRepositoryUnavailable = "RepositoryUnavailable"
	// ReasonAddonsProvisioned: every add-on profile selecting the plane
	// reports its charts and manifests deployed.
	ReasonAddonsProvisioned = "AddonsProvisioned"
	// ReasonAddonsProvisioning: an add-on profile selecting the plane has
	// not reported, or reports work in progress.
	ReasonAddonsProvisioning = "AddonsProvisioning"
	// ReasonAddonsFailed: an add-on profile failed on the plane; the
	// message names it and carries Sveltos' failure message.
	ReasonAddonsFailed = "AddonsFailed"
	// ReasonDependencyCycle: items of a stack depend on each other in a
	// circle, so none could ever be deployed.
	ReasonDependencyCycle = "DependencyCycle"
	// ReasonRevisionNotFound: a build source's revision is neither a
	// branch, a tag nor a full commit of its repository.
	ReasonRevisionNotFound = "RevisionNotFound"
	// ReasonBuildPlaneAmbiguous: a build source names no BuildPlane and the
	// hub has several.
	ReasonBuildPlaneAmbiguous = "BuildPlaneAmbiguous"
	// ReasonResolved: a build source's revision resolved to a commit.
	ReasonResolved = "Resolved"
	// ReasonBuilding: a build is pending or running.
	ReasonBuilding = "Building"
	// ReasonBuildFailed: a build step failed; the message names it.
	ReasonBuildFailed = "BuildFailed"
	// ReasonBuildSucceeded: a build pushed its image.
	ReasonBuildSucceeded = "BuildSucceeded"
	// ReasonDependencyNotReady: an object this one refers to exists but is
	// not Ready; the message repeats why, in that object's words.
	ReasonDependencyNotReady = "DependencyNotReady"
	// ReasonNotAllowed: the BuildPlane does not build for the component's
	// organization, or not with its builder.
	ReasonNotAllowed = "NotAllowed"
	// ReasonSchemeNotAllowed: a build source's repository scheme is not one
	// the platform fetches over.
	ReasonSchemeNotAllowed = "SchemeNotAllowed"
	// ReasonArgoWorkflowsMissing: the build plane does not serve Argo
	// Workflows' Workflow kind; its stack is not installed yet.
	ReasonArgoWorkflowsMissing = "ArgoWorkflowsMissing"
	// ReasonAwaitingBuild: the component builds from source and no image
	// has been built yet.
	ReasonAwaitingBuild = "AwaitingBuild"
	// ReasonAwaitingApproval: a promotion into an environment that requires
	// approval waits for an organization admin.
	ReasonAwaitingApproval = "AwaitingApproval"
	// ReasonRejected: a promotion was rejected.
	ReasonRejected = "Rejected"
	// ReasonRuleViolated: a promotion breaks a rule of the pipeline.
	ReasonRuleViolated = "RuleViolated"
	// ReasonPromoted: a promotion moved its release.
	ReasonPromoted = "Promoted"
)

// Labels Aileron puts on what it creates, on the hub and on the planes, so
// that every object can be traced back to the tenant and workload it serves.
const (
	LabelOrganization = "platform.aileron.dev/organization"
	LabelProject      = "platform.aileron.dev/project"
	LabelEnvironment  = "platform.aileron.dev/environment"
	LabelComponent    = "platform.aileron.dev/component"
	LabelRelease      = "platform.aileron.dev/release"
	LabelPlane        = "platform.aileron.dev/plane"
	LabelPlaneType    = "platform.aileron.dev/plane-type"
	// LabelBuildRun marks a build's workflow on the build plane with the
	// name of its BuildRun.
	LabelBuildRun = "platform.aileron.dev/build-run"
	// LabelCell marks the hub's Argo CD objects of one cell: its value is the
	// cell's namespace name.
	LabelCell = "platform.aileron.dev/cell"

	// LabelManagedBy marks objects Aileron owns; its value is ManagedByValue.
	LabelManagedBy = "app.kubernetes.io/managed-by"
	ManagedByValue = "aileron"

	// LabelRegion is the well-known Kubernetes topology label; Aileron reads
	// it from planes to show where they run, and Environments select on it.
	LabelRegion = "topology.kubernetes.io/region"
)

// Finalizers.
const (
	// Finalizer is held by every Aileron object whose deletion must clean
	// something up on the hub or on a plane.
	Finalizer = "platform.aileron.dev/finalizer"
)

// Plane types, the values of LabelPlaneType.
const (
	PlaneTypeData          = "data"
	PlaneTypeBuild         = "build"
	PlaneTypeObservability = "observability"
)

// DefaultKubeconfigKey is the Secret key a plane's kubeconfig is read from
// when its reference names no key.
const DefaultKubeconfigKey = "kubeconfig"
