package cli

import (
	"context"
	"fmt"
	"maps"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
	"github.com/aileron-dev/aileron/internal/conditions"
	"github.com/aileron-dev/aileron/internal/manager"
	"github.com/aileron-dev/aileron/internal/planes"
)

type planeFlags struct {
	kubeconfig, planeType, operatorNS   string
	labels                              []string
	publicHost, orgHost, delivery       string
	registryPrefix, logsURL, metricsURL string
}

func newPlaneCommand(o *options) *cobra.Command {
	plane := &cobra.Command{Use: "plane", Short: "Register and inspect planes"}
	f := &planeFlags{}
	register := &cobra.Command{
		Use:   "register NAME --plane-kubeconfig FILE --type data|build|observability",
		Short: "Register a cluster as a plane: store its kubeconfig, create the plane, wait until it answers",
		Long: `Register a cluster as a plane: store its kubeconfig, create the plane, wait until it answers.

Registering a plane that exists stores its kubeconfig again, adds the labels
given, and changes only the fields whose flags are given: a plane registered
with --delivery GitOps stays GitOps, and keeps its hosts, unless the flags say
otherwise.`,
		Example: `  aileron plane register eu-1 --plane-kubeconfig eu-1.kubeconfig --type data \
      --label topology.kubernetes.io/region=eu --public-host eu-1.apps.example.com
  aileron plane register eu-1 --plane-kubeconfig eu-1-rotated.kubeconfig   # new credentials, nothing else changes
  aileron plane register builder --plane-kubeconfig builder.kubeconfig --type build --registry-prefix registry.example.com/builds
  aileron plane register observer --plane-kubeconfig observer.kubeconfig --type observability --logs-url https://logs.example.com/insert`,
		Args: exactArgs("NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return o.registerPlane(cmd.Context(), args[0], f, cmd.Flags().Changed)
		},
	}
	fl := register.Flags()
	// --kubeconfig is kubectl's flag for the hub, so the plane's file has
	// a flag of its own.
	fl.StringVar(&f.kubeconfig, "plane-kubeconfig", "", "The plane's kubeconfig file (--kubeconfig is the hub's).")
	fl.StringVar(&f.planeType, "type", "data", "Plane type: data, build or observability.")
	fl.StringSliceVar(&f.labels, "label", nil, "A label k=v for the plane (repeatable); environments select data planes by label.")
	fl.StringVar(&f.operatorNS, "operator-namespace", manager.DefaultNamespace, "The operator's namespace, where the kubeconfig Secret goes.")
	fl.StringVar(&f.publicHost, "public-host", "", "Data plane: DNS suffix of Public endpoints.")
	fl.StringVar(&f.orgHost, "organization-host", "", "Data plane: DNS suffix of Organization endpoints.")
	fl.StringVar(&f.delivery, "delivery", "Direct", "Data plane: Direct or GitOps.")
	fl.StringVar(&f.registryPrefix, "registry-prefix", "", "Build plane: where built images are pushed (required for build planes).")
	fl.StringVar(&f.logsURL, "logs-url", "", "Observability plane: the logs ingest URL.")
	fl.StringVar(&f.metricsURL, "metrics-url", "", "Observability plane: the metrics ingest URL.")
	plane.AddCommand(register)
	return plane
}

// registerPlane stores the plane's kubeconfig and creates or updates the
// plane; changed reports whether a flag was given on the command line.
func (o *options) registerPlane(ctx context.Context, name string, f *planeFlags, changed func(flag string) bool) error {
	if f.kubeconfig == "" {
		return usageErrorf("--plane-kubeconfig is required: the kubeconfig Aileron uses to reach the plane")
	}
	kubeconfig, err := os.ReadFile(f.kubeconfig)
	if err != nil {
		return fmt.Errorf("reading the plane's kubeconfig: %w", err)
	}
	if _, err := planes.RESTConfig(kubeconfig); err != nil {
		return fmt.Errorf("%s is not a usable kubeconfig: %w", f.kubeconfig, err)
	}
	labels := map[string]string{}
	for _, l := range f.labels {
		k, v, ok := strings.Cut(l, "=")
		if !ok || k == "" {
			return usageErrorf("--label %q is not of the form key=value", l)
		}
		labels[k] = v
	}
	c, _, err := o.client()
	if err != nil {
		return err
	}
	conn := platformv1alpha1.PlaneConnection{KubeconfigSecretRef: platformv1alpha1.KubeconfigSecretReference{Name: name + "-kubeconfig", Key: platformv1alpha1.DefaultKubeconfigKey}}
	obj, ok := newPlane(f.planeType, name)
	if !ok {
		return usageErrorf("--type must be data, build or observability, not %q", f.planeType)
	}
	exists, err := planeExists(ctx, c, obj)
	if err != nil {
		return err
	}
	if !exists && !changed("type") {
		// --type defaults to data: registering a build or observability
		// plane again without it would create a data plane beside it.
		for _, other := range []string{"build", "observability"} {
			p, _ := newPlane(other, name)
			if found, err := planeExists(ctx, c, p); err != nil {
				return err
			} else if found {
				return usageErrorf("%s is a %s: pass --type %s to register it again", name, planeKinds[other], other)
			}
		}
	}
	// A plane registered again keeps what it has but for the fields whose
	// flags are given: a flag's default is what a new plane gets, never a
	// reset of an existing one.
	set := func(flag string) bool { return !exists || changed(flag) }
	var mutate func()
	switch plane := obj.(type) {
	case *platformv1alpha1.DataPlane:
		mutate = func() {
			plane.Spec.PlaneConnection = conn
			if set("delivery") {
				plane.Spec.Delivery = platformv1alpha1.DeliveryMode(f.delivery)
			}
			if set("public-host") {
				plane.Spec.Gateway.PublicHost = f.publicHost
			}
			if set("organization-host") {
				plane.Spec.Gateway.OrganizationHost = f.orgHost
			}
		}
	case *platformv1alpha1.BuildPlane:
		if !exists && f.registryPrefix == "" {
			return usageErrorf("--registry-prefix is required for a build plane")
		}
		mutate = func() {
			plane.Spec.PlaneConnection = conn
			if set("registry-prefix") {
				plane.Spec.Registry.Prefix = f.registryPrefix
			}
		}
	case *platformv1alpha1.ObservabilityPlane:
		if !exists && f.logsURL == "" && f.metricsURL == "" {
			return usageErrorf("--logs-url or --metrics-url is required for an observability plane")
		}
		mutate = func() {
			plane.Spec.PlaneConnection = conn
			if f.logsURL != "" {
				plane.Spec.Logs = &platformv1alpha1.TelemetryEndpoint{IngestURL: f.logsURL}
			}
			if f.metricsURL != "" {
				plane.Spec.Metrics = &platformv1alpha1.TelemetryEndpoint{IngestURL: f.metricsURL}
			}
		}
	}
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: f.operatorNS, Name: conn.KubeconfigSecretRef.Name}}
	if _, err := controllerutil.CreateOrPatch(ctx, c, secret, func() error {
		secret.Data = map[string][]byte{platformv1alpha1.DefaultKubeconfigKey: kubeconfig}
		return nil
	}); err != nil {
		return fmt.Errorf("storing the kubeconfig in Secret %s/%s: %w", f.operatorNS, secret.Name, err)
	}
	if _, err := controllerutil.CreateOrPatch(ctx, c, obj, func() error {
		merged := obj.GetLabels()
		if merged == nil {
			merged = map[string]string{}
		}
		maps.Copy(merged, labels)
		obj.SetLabels(merged)
		mutate()
		return nil
	}); err != nil {
		return fmt.Errorf("creating the plane: %w", err)
	}
	kind := planeKinds[f.planeType]
	var st *platformv1alpha1.PlaneStatus
	err = wait.PollUntilContextTimeout(ctx, 500*time.Millisecond, o.timeout, true, func(ctx context.Context) (bool, error) {
		if err := c.Get(ctx, client.ObjectKeyFromObject(obj), obj); err != nil {
			return false, err
		}
		st = obj.(platformv1alpha1.Plane).PlaneStatus()
		return meta.IsStatusConditionTrue(st.Conditions, platformv1alpha1.ConditionReachable) ||
			meta.IsStatusConditionTrue(st.Conditions, platformv1alpha1.ConditionStalled), nil
	})
	if err != nil {
		return fmt.Errorf("%s %s was registered but did not answer within %s: %s", kind, name, o.timeout, readyMessageOf(st))
	}
	if !meta.IsStatusConditionTrue(st.Conditions, platformv1alpha1.ConditionReachable) {
		return fmt.Errorf("%s %s was registered but cannot be used: %s", kind, name, readyMessageOf(st))
	}
	_, err = fmt.Fprintf(o.out, "%s %s is Reachable: Kubernetes %s, %d node(s)\n", kind, name, st.KubernetesVersion, st.NodeCount)
	return err
}

// planeKinds names the kind of each plane type.
var planeKinds = map[string]string{"data": "DataPlane", "build": "BuildPlane", "observability": "ObservabilityPlane"}

// newPlane is an empty plane of a type, named name.
func newPlane(planeType, name string) (client.Object, bool) {
	om := metav1.ObjectMeta{Name: name}
	switch planeType {
	case "data":
		return &platformv1alpha1.DataPlane{ObjectMeta: om}, true
	case "build":
		return &platformv1alpha1.BuildPlane{ObjectMeta: om}, true
	case "observability":
		return &platformv1alpha1.ObservabilityPlane{ObjectMeta: om}, true
	}
	return nil, false
}

// planeExists reads obj, reporting whether it exists.
func planeExists(ctx context.Context, c client.Client, obj client.Object) (bool, error) {
	switch err := c.Get(ctx, client.ObjectKeyFromObject(obj), obj); {
	case err == nil:
		return true, nil
	case apierrors.IsNotFound(err):
		return false, nil
	default:
		return false, fmt.Errorf("reading plane %s: %w", obj.GetName(), err)
	}
}

func readyMessageOf(st *platformv1alpha1.PlaneStatus) string {
	if st == nil {
		return "no status yet"
	}
	return conditions.ReadyMessage(st.Conditions)
}
