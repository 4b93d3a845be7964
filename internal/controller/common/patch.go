// Package common holds what every controller's Reconcile skeleton shares:
// a patch helper that writes only what changed, and condition setters.
package common

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	jsonpatch "github.com/evanphx/json-patch/v5"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// Patcher snapshots an object at the start of a reconcile and, at the end,
// sends a merge patch of what changed: one for metadata and spec, one for
// the status subresource. Nothing is sent when nothing changed, so a
// reconcile that finds everything in order writes nothing.
type Patcher struct {
	c          client.Client
	mainBefore []byte
	statBefore []byte
	// wrote is set once Patch has sent a patch that the API server took.
	wrote bool
	// sharing is set when the status has another writer.
	sharing *Sharing
}

// Share tells the Patcher that the status has another writer (see
// Sharing).
func (p *Patcher) Share(s Sharing) { p.sharing = &s }

// NewPatcher snapshots obj.
func NewPatcher(c client.Client, obj client.Object) (*Patcher, error) {
	mainJSON, statusJSON, err := split(obj)
	if err != nil {
		return nil, err
	}
	return &Patcher{c: c, mainBefore: mainJSON, statBefore: statusJSON}, nil
}

// Patch writes obj's changes since the snapshot. A gone object is not an
// error: it was deleted while being reconciled.
func (p *Patcher) Patch(ctx context.Context, obj client.Object) error {
	mainJSON, statusJSON, err := split(obj)
	if err != nil {
		return err
	}
	var errs []error
	if patch, err := mergePatch(p.mainBefore, mainJSON); err != nil {
		return err
	} else if patch != nil {
		// Lists such as finalizers are replaced whole by a merge patch, so
		// the write is fenced by the resourceVersion it was computed from:
		// a concurrent change makes it fail and the reconcile run again.
		if patch, err = withResourceVersion(patch, obj.GetResourceVersion()); err != nil {
			return err
		}
		if err := p.c.Patch(ctx, obj, client.RawPatch(types.MergePatchType, patch)); err != nil && !apierrors.IsNotFound(err) {
			errs = append(errs, err)
		} else if err == nil {
			p.wrote = true
		}
	}
	if p.sharing != nil {
		wrote, err := p.patchShared(ctx, obj, statusJSON)
		p.wrote = p.wrote || wrote
		return errors.Join(append(errs, err)...)
	}
	if patch, err := mergePatch(p.statBefore, statusJSON); err != nil {
		return err
	} else if patch != nil {
		// The status patch holds only what differs from the copy read at
		// the start. Read from a cache that had not caught up with the last
		// write, that copy would make the patch silently drop changes (a
		// condition the copy already had is not sent, though the object
		// has since lost it): so it is fenced too, by the resourceVersion
		// after the patch above, and a stale read makes the reconcile run
		// again on a fresh copy.
		if patch, err = withResourceVersion(patch, obj.GetResourceVersion()); err != nil {
			return err
		}
		if err := p.c.Status().Patch(ctx, obj, client.RawPatch(types.MergePatchType, patch)); err != nil && !apierrors.IsNotFound(err) {
			errs = append(errs, err)
		} else if err == nil {
			p.wrote = true
		}
	}
	return errors.Join(errs...)
}

// Wrote tells whether Patch sent a patch the API server took.
func (p *Patcher) Wrote() bool { return p.wrote }

// split renders obj as two JSON documents: everything but the status, and
// the status alone (as {"status": …}).
func split(obj client.Object) (mainJSON, statusJSON []byte, err error) {
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		return nil, nil, fmt.Errorf("converting %T: %w", obj, err)
	}
	status := map[string]any{"status": m["status"]}
	delete(m, "status")
	if mainJSON, err = json.Marshal(m); err != nil {
		return nil, nil, err
	}
	if statusJSON, err = json.Marshal(status); err != nil {
		return nil, nil, err
	}
	return mainJSON, statusJSON, nil
}

// mergePatch returns the JSON merge patch from before to after, or nil
// when they are the same.
func mergePatch(before, after []byte) ([]byte, error) {
	patch, err := jsonpatch.CreateMergePatch(before, after)
	if err != nil {
		return nil, err
	}
	if string(patch) == "{}" {
		return nil, nil
	}
	return patch, nil
}

func withResourceVersion(patch []byte, rv string) ([]byte, error) {
	var m map[string]any
	if err := json.Unmarshal(patch, &m); err != nil {
		return nil, err
	}
	md, _ := m["metadata"].(map[string]any)
	if md == nil {
		md = map[string]any{}
		m["metadata"] = md
	}
	md["resourceVersion"] = rv
	return json.Marshal(m)
}
