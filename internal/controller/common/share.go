package common

import (
	"context"
	"encoding/json"
	"slices"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// StatusPart names part of a status: top-level fields by their JSON name
// and condition types.
type StatusPart struct {
	Fields     []string
	Conditions []string
}

// Sharing tells a Patcher that a status has more than one writer, and
// which part of it this writer owns: Part alone (Mine) or everything but
// Part. A writer never sends what it does not own, and a conflict with the
// other writer is settled in the Patcher, on a copy read from the API
// server, rather than by running the reconcile again: the status lists
// conditions, which a merge patch replaces whole, so the patch must carry
// the other writer's conditions as they are now.
type Sharing struct {
	Part StatusPart
	// Mine is true when the writer owns Part alone, false when it owns
	// all of the status but Part.
	Mine bool
	// Reader reads the object past the cache when a write conflicts.
	Reader client.Reader
}

// sharedAttempts bounds the re-reads a conflicting shared write makes
// before it gives up and lets the reconcile run again.
const sharedAttempts = 4

func (s *Sharing) ownsField(name string) bool {
	return s == nil || slices.Contains(s.Part.Fields, name) == s.Mine
}

func (s *Sharing) ownsCondition(typ string) bool {
	return s == nil || slices.Contains(s.Part.Conditions, typ) == s.Mine
}

// overlay returns base's status ({"status": …} as JSON) with the part s
// owns taken from mine: owned fields are replaced (or dropped when mine has
// none), and owned conditions are replaced in place, dropped, or appended,
// so that the others keep their place in the list.
func (s *Sharing) overlay(base, mine []byte) ([]byte, error) {
	var b, m map[string]map[string]any
	if err := json.Unmarshal(base, &b); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(mine, &m); err != nil {
		return nil, err
	}
	bs, ms := b["status"], m["status"]
	if bs == nil {
		bs = map[string]any{}
	}
	for name := range bs {
		if name != "conditions" && s.ownsField(name) {
			delete(bs, name)
		}
	}
	for name, v := range ms {
		if name != "conditions" && s.ownsField(name) {
			bs[name] = v
		}
	}
	mineByType := map[string]any{}
	var mineOrder []string
	for _, c := range asList(ms["conditions"]) {
		if typ := conditionType(c); s.ownsCondition(typ) {
			mineByType[typ] = c
			mineOrder = append(mineOrder, typ)
		}
	}
	var out []any
	placed := map[string]bool{}
	for _, c := range asList(bs["conditions"]) {
		typ := conditionType(c)
		if !s.ownsCondition(typ) {
			out = append(out, c)
			continue
		}
		if mc, ok := mineByType[typ]; ok {
			out = append(out, mc)
			placed[typ] = true
		}
	}
	for _, typ := range mineOrder {
		if !placed[typ] {
			out = append(out, mineByType[typ])
		}
	}
	if len(out) == 0 {
		delete(bs, "conditions")
	} else {
		bs["conditions"] = out
	}
	if len(bs) == 0 {
		return json.Marshal(map[string]any{"status": nil})
	}
	return json.Marshal(map[string]any{"status": bs})
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

func conditionType(c any) string {
	m, _ := c.(map[string]any)
	typ, _ := m["type"].(string)
	return typ
}

// patchShared writes the status part p owns from status (obj's status as
// computed), first against the snapshot and, on a conflict, against a copy
// read from the API server, fenced by that copy's resourceVersion each
// time. It returns whether it wrote.
func (p *Patcher) patchShared(ctx context.Context, obj client.Object, status []byte) (bool, error) {
	base, rv := p.statBefore, obj.GetResourceVersion()
	for attempt := 1; ; attempt++ {
		target, err := p.sharing.overlay(base, status)
		if err != nil {
			return false, err
		}
		patch, err := mergePatch(base, target)
		if err != nil || patch == nil {
			return false, err
		}
		if patch, err = withResourceVersion(patch, rv); err != nil {
			return false, err
		}
		err = p.c.Status().Patch(ctx, obj, client.RawPatch(types.MergePatchType, patch))
		if err == nil || !apierrors.IsConflict(err) || attempt == sharedAttempts || p.sharing.Reader == nil {
			return err == nil, client.IgnoreNotFound(err)
		}
		fresh := obj.DeepCopyObject().(client.Object)
		if err := p.sharing.Reader.Get(ctx, client.ObjectKeyFromObject(obj), fresh); err != nil {
			return false, client.IgnoreNotFound(err)
		}
		if _, base, err = split(fresh); err != nil {
			return false, err
		}
		rv = fresh.GetResourceVersion()
	}
}
