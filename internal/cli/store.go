package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/apiutil"

	"github.com/aileron-dev/aileron/internal/fleet"
)

// fileStore reads Aileron objects from manifest files instead of a hub,
// so that what Aileron would deliver can be previewed offline. It answers
// the reads rendering makes; it is not a general client.
type fileStore struct {
	scheme  *runtime.Scheme
	objects []*unstructured.Unstructured
}

var _ client.Reader = (*fileStore)(nil)

// newFileStore loads every YAML file at paths (files, or directories of
// .yaml and .yml files).
func newFileStore(scheme *runtime.Scheme, paths []string) (*fileStore, error) {
	var files []string
	for _, p := range paths {
		info, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !info.IsDir() {
			files = append(files, p)
			continue
		}
		for _, pattern := range []string{"*.yaml", "*.yml"} {
			m, _ := filepath.Glob(filepath.Join(p, pattern))
			files = append(files, m...)
		}
	}
	objs, err := fleet.ReadManifests(files...)
	if err != nil {
		return nil, err
	}
	// The objects are read as the hub would hold them: defaulted.
	for _, o := range objs {
		if err := applyDefaults(o); err != nil {
			return nil, err
		}
	}
	return &fileStore{scheme: scheme, objects: objs}, nil
}

func (s *fileStore) Get(_ context.Context, key client.ObjectKey, obj client.Object, _ ...client.GetOption) error {
	gvk, err := apiutil.GVKForObject(obj, s.scheme)
	if err != nil {
		return err
	}
	for _, u := range s.objects {
		if u.GroupVersionKind() == gvk && u.GetNamespace() == key.Namespace && u.GetName() == key.Name {
			return runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, obj)
		}
	}
	return apierrors.NewNotFound(schema.GroupResource{Group: gvk.Group, Resource: strings.ToLower(gvk.Kind)}, key.Name)
}

func (s *fileStore) List(_ context.Context, list client.ObjectList, opts ...client.ListOption) error {
	gvk, err := apiutil.GVKForObject(list, s.scheme)
	if err != nil {
		return err
	}
	lo := (&client.ListOptions{}).ApplyOptions(opts)
	itemKind := strings.TrimSuffix(gvk.Kind, "List")
	var items []runtime.Object
	for _, u := range s.objects {
		if u.GroupVersionKind() != gvk.GroupVersion().WithKind(itemKind) || (lo.Namespace != "" && u.GetNamespace() != lo.Namespace) {
			continue
		}
		if lo.LabelSelector != nil && !lo.LabelSelector.Matches(labels.Set(u.GetLabels())) {
			continue
		}
		obj, err := s.scheme.New(gvk.GroupVersion().WithKind(itemKind))
		if err != nil {
			return err
		}
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, obj); err != nil {
			return fmt.Errorf("%s %s: %w", itemKind, u.GetName(), err)
		}
		items = append(items, obj)
	}
	return meta.SetList(list, items)
}

// overlay reads from files first and from base for what the files do not
// hold: a hub seen with some objects (an edited ComponentType) replaced.
type overlay struct {
	files *fileStore
	base  client.Reader
}

var _ client.Reader = overlay{}

func (o overlay) Get(ctx context.Context, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
	if err := o.files.Get(ctx, key, obj, opts...); !apierrors.IsNotFound(err) {
		return err
	}
	return o.base.Get(ctx, key, obj, opts...)
}

func (o overlay) List(ctx context.Context, list client.ObjectList, opts ...client.ListOption) error {
	return o.base.List(ctx, list, opts...)
}
