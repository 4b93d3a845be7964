package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"

	"github.com/spf13/cobra"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
	"github.com/aileron-dev/aileron/internal/conditions"
	"github.com/aileron-dev/aileron/internal/manager"
	"github.com/aileron-dev/aileron/internal/render"
)

// typeSource is where types and traits are read: the hub, or files (with
// the built-in types the hub would have).
type typeSource struct {
	files []string
}

func (s *typeSource) bind(cmd *cobra.Command) {
	cmd.Flags().StringSliceVarP(&s.files, "filename", "f", nil,
		"Read ComponentTypes and Traits from these files or directories instead of the hub (the built-in types are added when the files do not hold them).")
}

// read returns the types and traits granted to the organization (every
// one when the organization is empty).
func (s *typeSource) read(ctx context.Context, o *options) ([]platformv1alpha1.ComponentType, []platformv1alpha1.Trait, string, error) {
	var reader client.Reader
	org := ""
	if len(s.files) > 0 {
		store, err := newFileStore(manager.Scheme(), s.files)
		if err != nil {
			return nil, nil, "", err
		}
		// Offline, only -n names an organization: the kubeconfig's
		// namespace says nothing about files.
		reader = store
		if o.flags.Namespace != nil {
			org = *o.flags.Namespace
		}
	} else {
		c, ns, err := o.client()
		if err != nil {
			return nil, nil, "", err
		}
		reader, org = c, ns
	}
	types := &platformv1alpha1.ComponentTypeList{}
	if err := reader.List(ctx, types); err != nil {
		return nil, nil, "", fmt.Errorf("listing ComponentTypes: %w", err)
	}
	traits := &platformv1alpha1.TraitList{}
	if err := reader.List(ctx, traits); err != nil {
		return nil, nil, "", fmt.Errorf("listing Traits: %w", err)
	}
	if len(s.files) > 0 {
		have := map[string]bool{}
		for _, t := range types.Items {
			have[t.Name] = true
		}
		for name, spec := range render.BuiltinTypes() {
			if !have[name] {
				types.Items = append(types.Items, platformv1alpha1.ComponentType{Spec: *spec})
				types.Items[len(types.Items)-1].Name = name
			}
		}
	}
	var ts []platformv1alpha1.ComponentType
	for _, t := range types.Items {
		if org == "" || t.Grants(org) {
			ts = append(ts, t)
		}
	}
	var trs []platformv1alpha1.Trait
	for _, t := range traits.Items {
		if org == "" || t.Grants(org) {
			trs = append(trs, t)
		}
	}
	sort.Slice(ts, func(i, j int) bool { return ts[i].Name < ts[j].Name })
	sort.Slice(trs, func(i, j int) bool { return trs[i].Name < trs[j].Name })
	return ts, trs, org, nil
}

func newTypesCommand(o *options) *cobra.Command {
	src := &typeSource{}
	cmd := &cobra.Command{
		Use:   "types",
		Short: "List the ComponentTypes and Traits granted to the organization",
		Example: `  aileron types -n acme
  aileron types -f config/samples/types`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			types, traits, _, err := src.read(cmd.Context(), o)
			if err != nil {
				return err
			}
			rows := make([][]string, 0, len(types)+len(traits))
			for i := range types {
				t := &types[i]
				rows = append(rows, []string{"ComponentType", t.Name, string(t.Spec.Workload.Kind), parameterNames(t.Spec.Parameters), readiness(t, len(src.files) > 0)})
			}
			for i := range traits {
				t := &traits[i]
				rows = append(rows, []string{"Trait", t.Name, "", parameterNames(t.Spec.Parameters), readiness(t, len(src.files) > 0)})
			}
			return table(o.out, []string{"KIND", "NAME", "WORKLOAD", "PARAMETERS", "READY"}, rows)
		},
	}
	src.bind(cmd)
	return cmd
}

// readiness is the object's Ready status, or "-" for files, which have none.
func readiness(obj conditions.Object, offline bool) string {
	if offline {
		return "-"
	}
	if conditions.IsReady(obj) {
		return "True"
	}
	return "False"
}

func newExplainCommand(o *options) *cobra.Command {
	src := &typeSource{}
	cmd := &cobra.Command{
		Use:   "explain TYPE | trait/NAME",
		Short: "Print a ComponentType's or Trait's parameters, like kubectl explain",
		Example: `  aileron explain StatefulService -f config/samples/types
  aileron explain trait/pod-annotations -n acme`,
		Args: exactArgs("TYPE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			types, traits, org, err := src.read(cmd.Context(), o)
			if err != nil {
				return err
			}
			if name, ok := strings.CutPrefix(args[0], "trait/"); ok {
				for i := range traits {
					if traits[i].Name == name {
						t := &traits[i]
						return explain(o.out, fmt.Sprintf("Trait %s: %d templates, %d patches", t.Name, len(t.Spec.Creates), len(t.Spec.Patches)),
							t.Spec.Parameters, t.Spec.EnvironmentParameters)
					}
				}
				return notGranted("Trait", name, org)
			}
			name := platformv1alpha1.ComponentTypeName(args[0]).ObjectName()
			for i := range types {
				if types[i].Name == name {
					t := &types[i]
					return explain(o.out, fmt.Sprintf("ComponentType %s: its workload is a %s (%s)", t.Name, t.Spec.Workload.Kind, t.Spec.Workload.APIVersion),
						t.Spec.Parameters, t.Spec.EnvironmentParameters)
				}
			}
			return notGranted("ComponentType", name, org)
		},
	}
	src.bind(cmd)
	return cmd
}

func notGranted(kind, name, org string) error {
	gr := map[string]string{"ComponentType": "componenttypes", "Trait": "traits"}[kind]
	err := apierrors.NewNotFound(platformv1alpha1.GroupVersion.WithResource(gr).GroupResource(), name)
	if org != "" {
		return fmt.Errorf("%w, or it is not granted to organization %s (aileron types lists those that are)", err, org)
	}
	return err
}

// explain prints the parameters of a schema, one line per field with its
// type, default and constraints, and the schema's rules.
func explain(w io.Writer, title string, schema *runtime.RawExtension, perEnvironment []string) error {
	if _, err := fmt.Fprintln(w, title); err != nil {
		return err
	}
	if schema == nil || len(schema.Raw) == 0 {
		_, err := fmt.Fprintln(w, "\nIt takes no parameters.")
		return err
	}
	var root apiextensionsv1.JSONSchemaProps
	if err := json.Unmarshal(schema.Raw, &root); err != nil {
		return fmt.Errorf("spec.parameters: %w", err)
	}
	var rows [][]string
	var rules []string
	var walk func(prefix string, p apiextensionsv1.JSONSchemaProps)
	walk = func(prefix string, p apiextensionsv1.JSONSchemaProps) {
		for _, r := range p.XValidations {
			msg := r.Message
			if msg == "" {
				msg = r.Rule
			}
			where := prefix
			if where == "" {
				where = "parameters"
			}
			rules = append(rules, where+": "+msg)
		}
		names := make([]string, 0, len(p.Properties))
		for n := range p.Properties {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			field := strings.TrimPrefix(prefix+"."+n, ".")
			child := p.Properties[n]
			var notes []string
			for _, req := range p.Required {
				if req == n {
					notes = append(notes, "required")
				}
			}
			if child.Default != nil {
				notes = append(notes, "default "+string(child.Default.Raw))
			}
			if len(child.Enum) > 0 {
				var vs []string
				for _, e := range child.Enum {
					vs = append(vs, string(e.Raw))
				}
				notes = append(notes, "one of "+strings.Join(vs, ", "))
			}
			if child.Pattern != "" {
				notes = append(notes, "pattern "+child.Pattern)
			}
			if child.Minimum != nil {
				notes = append(notes, fmt.Sprintf("minimum %v", *child.Minimum))
			}
			if child.Maximum != nil {
				notes = append(notes, fmt.Sprintf("maximum %v", *child.Maximum))
			}
			if prefix == "" && slices.Contains(perEnvironment, n) {
				notes = append(notes, "may differ per environment")
			}
			typ := child.Type
			if typ == "array" && child.Items != nil && child.Items.Schema != nil {
				typ = "[]" + child.Items.Schema.Type
			}
			rows = append(rows, []string{field, typ, strings.Join(notes, "; "), child.Description})
			walk(field, child)
		}
	}
	walk("", root)
	if _, err := fmt.Fprintln(w, "\nPARAMETERS"); err != nil {
		return err
	}
	if err := table(w, []string{"FIELD", "TYPE", "CONSTRAINTS", "DESCRIPTION"}, rows); err != nil {
		return err
	}
	if len(rules) > 0 {
		if _, err := fmt.Fprintln(w, "\nRULES"); err != nil {
			return err
		}
		for _, r := range rules {
			if _, err := fmt.Fprintln(w, "  "+r); err != nil {
				return err
			}
		}
	}
	return nil
}

// parameterNames lists a schema's top-level parameters, or "-".
func parameterNames(schema *runtime.RawExtension) string {
	if schema == nil || len(schema.Raw) == 0 {
		return "-"
	}
	var root struct {
		Properties map[string]json.RawMessage `json:"properties"`
	}
	if err := json.Unmarshal(schema.Raw, &root); err != nil || len(root.Properties) == 0 {
		return "-"
	}
	names := make([]string, 0, len(root.Properties))
	for n := range root.Properties {
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(names, ",")
}
