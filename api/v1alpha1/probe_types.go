package v1alpha1

// Probes are the health checks of a component's container. Each names
// the endpoint it checks, so its port follows the endpoint's.
//
// With none set, a component whose workload serves (a Deployment or a
// StatefulSet) and that has endpoints gets a TCP readiness probe on its
// first endpoint: it is Available once it accepts connections, not once
// it started. Workers and ScheduledTasks get none unless they set them.
type Probes struct {
	// readiness tells when a pod may receive traffic; a pod failing it
	// is taken out of its Services.
	// +optional
	Readiness *Probe `json:"readiness,omitempty"`

	// liveness tells when a pod is stuck; a container failing it is
	// restarted.
	// +optional
	Liveness *Probe `json:"liveness,omitempty"`

	// startup holds back the other probes until it first succeeds, for
	// containers that are slow to start.
	// +optional
	Startup *Probe `json:"startup,omitempty"`
}

// Probe is one health check: exactly one of http, grpc, tcp or exec, with
// Kubernetes' timings when unset (every 10 s, a 1 s timeout, 3 failures).
//
// +kubebuilder:validation:XValidation:rule="[has(self.http), has(self.grpc), has(self.tcp), has(self.exec)].filter(x, x).size() == 1",message="a probe is exactly one of http, grpc, tcp or exec"
type Probe struct {
	// http GETs a path on an endpoint; a status from 200 to 399 passes.
	// +optional
	HTTP *HTTPProbe `json:"http,omitempty"`

	// grpc calls the gRPC health service on an endpoint.
	// +optional
	GRPC *GRPCProbe `json:"grpc,omitempty"`

	// tcp opens a connection to an endpoint.
	// +optional
	TCP *TCPProbe `json:"tcp,omitempty"`

	// exec runs a command in the container; exit status 0 passes.
	// +optional
	Exec *ExecProbe `json:"exec,omitempty"`

	// initialDelaySeconds waits this long after the container starts.
	// +optional
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=3600
	InitialDelaySeconds *int32 `json:"initialDelaySeconds,omitempty"`

	// periodSeconds is how often the check runs.
	// +optional
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=3600
	PeriodSeconds *int32 `json:"periodSeconds,omitempty"`

	// timeoutSeconds is how long one check may take.
	// +optional
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=3600
	TimeoutSeconds *int32 `json:"timeoutSeconds,omitempty"`

	// failureThreshold is how many failures in a row fail the probe.
	// +optional
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=100
	FailureThreshold *int32 `json:"failureThreshold,omitempty"`
}

// HTTPProbe GETs path on endpoint.
type HTTPProbe struct {
	// endpoint names the component's endpoint whose port is checked.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=15
	Endpoint string `json:"endpoint"`

	// path to GET.
	// +optional
	// +kubebuilder:default="/"
	// +kubebuilder:validation:MaxLength=1024
	// +kubebuilder:validation:Pattern=`^/[!-~]*$`
	Path string `json:"path,omitempty"`
}

// GRPCProbe calls grpc.health.v1.Health/Check on endpoint.
type GRPCProbe struct {
	// endpoint names the component's endpoint whose port is checked.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=15
	Endpoint string `json:"endpoint"`

	// service is the service name sent in the health check request; the
	// server's overall health when empty.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	Service string `json:"service,omitempty"`
}

// TCPProbe connects to endpoint.
type TCPProbe struct {
	// endpoint names the component's endpoint whose port is checked.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=15
	Endpoint string `json:"endpoint"`
}

// ExecProbe runs command in the container.
type ExecProbe struct {
	// command and its arguments, run without a shell.
	// +required
	// +listType=atomic
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=64
	// +kubebuilder:validation:items:MaxLength=4096
	Command []string `json:"command"`
}

// Endpoint is the endpoint name the probe checks, or "" for exec.
func (p *Probe) Endpoint() string {
	switch {
	case p.HTTP != nil:
		return p.HTTP.Endpoint
	case p.GRPC != nil:
		return p.GRPC.Endpoint
	case p.TCP != nil:
		return p.TCP.Endpoint
	}
	return ""
}
