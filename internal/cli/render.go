package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"reflect"
	"sort"
	"strings"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
	"github.com/aileron-dev/aileron/internal/binding"
	"github.com/aileron-dev/aileron/internal/fleet"
	"github.com/aileron-dev/aileron/internal/manager"
	"github.com/aileron-dev/aileron/internal/planes"
	"github.com/aileron-dev/aileron/internal/render"
	"github.com/aileron-dev/aileron/internal/resolve"
)

// planeRender is what Aileron would deliver to one plane.
type planeRender struct {
	plane   string
	objects render.Objects
}

type renderFlags struct {
	env, plane string
	files      []string
	// types are ComponentTypes and Traits read in place of the hub's.
	types []string
	// overrides is a file with the environment's ReleaseBinding, whose
	// overrides are read in place of the hub's.
	overrides string
}

func (f *renderFlags) bind(cmd *cobra.Command, offline bool) {
	cmd.Flags().StringVar(&f.env, "env", "", "The environment to render for.")
	cmd.Flags().StringVar(&f.plane, "plane", "", "Only this data plane of the environment.")
	cmd.Flags().StringSliceVar(&f.types, "types", nil,
		"Render with the ComponentTypes and Traits of these files or directories in place of those of the same names: what a type edit would do to the component, before it is applied.")
	cmd.Flags().StringVar(&f.overrides, "overrides", "",
		"Render with the spec.overrides of the component's ReleaseBinding to the environment in this file, in place of the environment's own: what an override edit would do, before it is applied.")
	if offline {
		cmd.Flags().StringSliceVarP(&f.files, "filename", "f", nil,
			"Read the organization's objects (project, pipeline, environments, data planes, other components) from these files or directories instead of the hub.")
	}
}

func newRenderCommand(o *options) *cobra.Command {
	f := &renderFlags{}
	cmd := &cobra.Command{
		Use:   "render COMPONENT_FILE --env ENV [--plane NAME]",
		Short: "Print the manifests Aileron would deliver for a component, offline or against the hub",
		Long: `render runs the same renderer as the operator and prints, for each data plane of
the environment, the cell's objects and the component's. With -f it reads
everything else from files and needs no cluster at all.`,
		Example: `  # offline, from the samples
  aileron render config/samples/06-components.yaml --env production -f config/samples

  # against the hub, one plane
  aileron render web.yaml --env production --plane eu-1 -n acme`,
		Args: exactArgs("COMPONENT_FILE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			renders, err := o.renderComponent(cmd.Context(), args[0], f)
			if err != nil {
				return err
			}
			return writeRenders(o.out, renders)
		},
	}
	f.bind(cmd, true)
	return cmd
}

func writeRenders(w io.Writer, renders []planeRender) error {
	for i, r := range renders {
		b, err := r.objects.YAML()
		if err != nil {
			return err
		}
		sep := ""
		if i > 0 {
			sep = "---\n"
		}
		if _, err := fmt.Fprintf(w, "%s# plane: %s\n%s", sep, r.plane, b); err != nil {
			return err
		}
	}
	return nil
}

// renderComponent renders the first Component of file for each plane of
// the environment, reading the rest from files or from the hub.
func (o *options) renderComponent(ctx context.Context, file string, f *renderFlags) ([]planeRender, error) {
	if f.env == "" {
		return nil, usageErrorf("--env is required")
	}
	objs, err := fleet.ReadManifests(file)
	if err != nil {
		return nil, err
	}
	var comp *platformv1alpha1.Component
	for _, u := range objs {
		if u.GetKind() == "Component" {
			if err := applyDefaults(u); err != nil {
				return nil, err
			}
			comp = &platformv1alpha1.Component{}
			if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, comp); err != nil {
				return nil, fmt.Errorf("%s: %w", file, err)
			}
			break
		}
	}
	if comp == nil {
		return nil, fmt.Errorf("%s has no Component", file)
	}
	var reader client.Reader
	if len(f.files) > 0 {
		if reader, err = newFileStore(manager.Scheme(), f.files); err != nil {
			return nil, err
		}
	} else {
		c, ns, err := o.client()
		if err != nil {
			return nil, err
		}
		if comp.Namespace == "" {
			comp.Namespace = ns
		}
		reader = c
	}
	if comp.Namespace == "" {
		return nil, errors.New("the component has no namespace: set metadata.namespace to its organization")
	}
	if len(f.types) > 0 {
		edited, err := newFileStore(manager.Scheme(), f.types)
		if err != nil {
			return nil, err
		}
		reader = overlay{files: edited, base: reader}
	}
	overrides, err := environmentOverrides(ctx, reader, comp, f)
	if err != nil {
		return nil, err
	}
	conf := binding.Configuration{Overrides: overrides}
	if conf.Secrets, err = resolve.Secrets(ctx, reader, comp.Namespace, comp.Spec, overrides); err != nil {
		return nil, err
	}
	org := &platformv1alpha1.Organization{}
	switch err := reader.Get(ctx, client.ObjectKey{Name: comp.Namespace}, org); {
	case err == nil:
		conf.Resources = org.Spec.Resources
	case !apierrors.IsNotFound(err):
		return nil, fmt.Errorf("reading organization %s: %w", comp.Namespace, err)
	}
	return renderFor(ctx, reader, comp, f.env, f.plane, conf)
}

// environmentOverrides are the overrides the component renders with in
// f.env: those of the ReleaseBinding in f.overrides when it is set, else
// those of the component's binding to the environment (none before it has
// one).
func environmentOverrides(ctx context.Context, r client.Reader, comp *platformv1alpha1.Component, f *renderFlags) (*platformv1alpha1.BindingOverrides, error) {
	if f.overrides == "" {
		b := &platformv1alpha1.ReleaseBinding{}
		err := r.Get(ctx, client.ObjectKey{Namespace: comp.Namespace, Name: binding.Name(comp.Name, f.env)}, b)
		if apierrors.IsNotFound(err) {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("reading the overrides of %s in %s: %w", comp.Name, f.env, err)
		}
		return b.Spec.Overrides, nil
	}
	objs, err := fleet.ReadManifests(f.overrides)
	if err != nil {
		return nil, err
	}
	for _, u := range objs {
		if u.GetKind() != "ReleaseBinding" {
			continue
		}
		b := &platformv1alpha1.ReleaseBinding{}
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, b); err != nil {
			return nil, fmt.Errorf("%s: %w", f.overrides, err)
		}
		if b.Spec.ComponentRef.Name == comp.Name && b.Spec.EnvironmentRef.Name == f.env {
			return b.Spec.Overrides, nil
		}
	}
	return nil, fmt.Errorf("%s has no ReleaseBinding of component %s to environment %s", f.overrides, comp.Name, f.env)
}

// renderFor resolves what the operator resolves for a component in an
// environment, and renders it.
func renderFor(ctx context.Context, r client.Reader, comp *platformv1alpha1.Component, envName, only string,
	conf binding.Configuration) ([]planeRender, error) {
	org, project := comp.Namespace, comp.Spec.ProjectRef.Name
	if comp.Spec.Image == "" {
		return nil, fmt.Errorf("component %s builds from source: there is no image to render yet", comp.Name)
	}
	env := &platformv1alpha1.Environment{}
	if err := r.Get(ctx, client.ObjectKey{Namespace: org, Name: envName}, env); err != nil {
		return nil, fmt.Errorf("environment %s of organization %s: %w", envName, org, err)
	}
	all := &platformv1alpha1.DataPlaneList{}
	if err := r.List(ctx, all); err != nil {
		return nil, err
	}
	names, problem := resolve.Planes(env, all.Items)
	if problem != "" {
		return nil, errors.New(problem)
	}
	deps, err := resolve.Dependencies(ctx, r, org, project, comp.Spec)
	if err != nil {
		return nil, err
	}
	pinned, err := resolve.TypesOffline(ctx, r, org, comp.Spec)
	if err != nil {
		return nil, err
	}
	release, err := binding.NewRelease(comp, comp.Spec.Image, *pinned)
	if err != nil {
		return nil, err
	}
	var out []planeRender
	for _, name := range names {
		if only != "" && name != only {
			continue
		}
		var dp *platformv1alpha1.DataPlane
		for i := range all.Items {
			if all.Items[i].Name == name {
				dp = &all.Items[i]
			}
		}
		rendered, err := render.Binding(binding.RenderInput(org, project, envName, release, platformv1alpha1.BindingActive, conf, dp, deps))
		if err != nil {
			return nil, err
		}
		out = append(out, planeRender{plane: name, objects: rendered.All()})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("environment %s does not run on plane %s (it runs on: %s)", envName, only, strings.Join(names, ", "))
	}
	return out, nil
}

func newDiffCommand(o *options) *cobra.Command {
	f := &renderFlags{}
	var operatorNS string
	cmd := &cobra.Command{
		Use:   "diff COMPONENT_FILE --env ENV [--plane NAME]",
		Short: "Show what delivering a component would change on each plane, against what runs there now",
		Long: `diff renders the component as render does, reads the live objects from each
data plane (through the plane's kubeconfig Secret on the hub), and prints one
line per object: + to create, ~ to change (with the fields), = unchanged,
- to delete (delivered before, no longer rendered).`,
		Example: `  aileron diff web.yaml --env production -n acme

  # what an edit of the component's ComponentType would change, before it is applied
  aileron diff web.yaml --env production -n acme --types service.yaml

  # what an edit of production's overrides would change, before it is applied
  aileron diff web.yaml --env production -n acme --overrides web--production.yaml`,
		Args: exactArgs("COMPONENT_FILE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			renders, err := o.renderComponent(ctx, args[0], f)
			if err != nil {
				return err
			}
			c, _, err := o.client()
			if err != nil {
				return err
			}
			for _, r := range renders {
				if err := o.diffPlane(ctx, c, operatorNS, r); err != nil {
					return err
				}
			}
			return nil
		},
	}
	f.bind(cmd, false)
	cmd.Flags().StringVar(&operatorNS, "operator-namespace", manager.DefaultNamespace, "The operator's namespace, where plane kubeconfig Secrets are.")
	return cmd
}

func (o *options) diffPlane(ctx context.Context, hub client.Client, operatorNS string, r planeRender) error {
	dp := &platformv1alpha1.DataPlane{}
	if err := hub.Get(ctx, client.ObjectKey{Name: r.plane}, dp); err != nil {
		return err
	}
	ref := dp.Spec.KubeconfigSecretRef
	secret := &corev1.Secret{}
	if err := hub.Get(ctx, client.ObjectKey{Namespace: operatorNS, Name: ref.Name}, secret); err != nil {
		return fmt.Errorf("reading the kubeconfig of plane %s: %w", r.plane, err)
	}
	cfg, err := planes.RESTConfig(secret.Data[ref.KeyOrDefault()])
	if err != nil {
		return fmt.Errorf("plane %s: %w", r.plane, err)
	}
	plane, err := client.New(cfg, client.Options{Scheme: manager.Scheme()})
	if err != nil {
		return err
	}
	if _, err := fmt.Fprintf(o.out, "# plane: %s\n", r.plane); err != nil {
		return err
	}
	for _, want := range r.objects {
		live := &unstructured.Unstructured{}
		live.SetGroupVersionKind(want.GroupVersionKind())
		err := plane.Get(ctx, client.ObjectKeyFromObject(want), live)
		id := want.GetKind() + " " + strings.TrimPrefix(want.GetNamespace()+"/"+want.GetName(), "/")
		switch {
		case apierrors.IsNotFound(err):
			_, err = fmt.Fprintf(o.out, "+ %s\n", id)
		case err != nil:
			return fmt.Errorf("reading %s on %s: %w", id, r.plane, err)
		default:
			if changes := differences("", want.Object, live.Object); len(changes) > 0 {
				_, err = fmt.Fprintf(o.out, "~ %s\n    %s\n", id, strings.Join(changes, "\n    "))
			} else {
				_, err = fmt.Fprintf(o.out, "= %s\n", id)
			}
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// differences lists the fields of want whose live value differs: what an
// apply would change. Fields only the live object has (defaults, status,
// other managers' fields) are not differences.
func differences(path string, want, live any) []string {
	switch w := want.(type) {
	case map[string]any:
		l, _ := live.(map[string]any)
		keys := make([]string, 0, len(w))
		for k := range w {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var out []string
		for _, k := range keys {
			out = append(out, differences(join(path, k), w[k], l[k])...)
		}
		return out
	case []any:
		l, _ := live.([]any)
		if len(l) != len(w) {
			return []string{fmt.Sprintf("%s: %d item(s) → %d", path, len(l), len(w))}
		}
		var out []string
		for i := range w {
			out = append(out, differences(fmt.Sprintf("%s[%d]", path, i), w[i], l[i])...)
		}
		return out
	default:
		if !reflect.DeepEqual(normalize(want), normalize(live)) {
			return []string{fmt.Sprintf("%s: %v → %v", path, orNone(live), want)}
		}
		return nil
	}
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// normalize compares numbers by value: JSON decoding makes int64 or
// float64 of the same number depending on the source.
func normalize(v any) any {
	switch n := v.(type) {
	case int64:
		return float64(n)
	case int:
		return float64(n)
	default:
		return v
	}
}

func orNone(v any) any {
	if v == nil {
		return "(none)"
	}
	return v
}
