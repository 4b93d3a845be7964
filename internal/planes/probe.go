package planes

import (
	"context"
	"encoding/json"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ProbeTimeout bounds one probe of a plane.
const ProbeTimeout = 5 * time.Second

// ProbeResult is what one probe learned about a plane.
type ProbeResult struct {
	// KubernetesVersion is the API server's version (GitVersion).
	KubernetesVersion string
	// Nodes counts the plane's Nodes.
	Nodes int32
	// Err is why the probe failed; nil when it succeeded.
	Err error
	// Unauthorized is true when the plane refused the credentials (401 or
	// 403): retrying with the same kubeconfig cannot help.
	Unauthorized bool
}

// Probe asks the plane for its version and its nodes.
func Probe(ctx context.Context, p *Plane) ProbeResult {
	ctx, cancel := context.WithTimeout(ctx, ProbeTimeout)
	defer cancel()
	// The discovery client has no context-aware version call, so the raw
	// request is made here.
	var version struct {
		GitVersion string `json:"gitVersion"`
	}
	body, err := p.Clientset.Discovery().RESTClient().Get().AbsPath("/version").DoRaw(ctx)
	if err == nil {
		err = json.Unmarshal(body, &version)
	}
	if err != nil {
		return failed(err)
	}
	nodes := &metav1.PartialObjectMetadataList{}
	nodes.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("NodeList"))
	if err := p.Client.List(ctx, nodes); err != nil {
		return failed(err)
	}
	return ProbeResult{KubernetesVersion: version.GitVersion, Nodes: int32(len(nodes.Items))} //nolint:gosec // a cluster has far fewer than 2^31 nodes
}

func failed(err error) ProbeResult {
	return ProbeResult{Err: err, Unauthorized: apierrors.IsUnauthorized(err) || apierrors.IsForbidden(err)}
}
