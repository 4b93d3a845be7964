package common

import (
	"fmt"
	"sync"

	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/resourceversion"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// lastWrites remembers, for each object a reconcile wrote, the
// resourceVersion that write gave it.
//
// A reconcile decides what to write by comparing what it computes with the
// copy it read, and that copy comes from the manager's cache. When the copy
// is older than the reconcile's own last write (the cache has not caught
// up: a watch broken by a restart of the hub's API server, or an event
// still on its way), "nothing to write" can be wrong: the object was since
// written with something else, and the event that brings the newer copy is
// a change of status, which the controllers' predicates let through only
// when the generation moved. Nothing would run the reconcile again, and
// the object would keep what the older write said (a Component waiting
// for a binding that has long been Ready). So a reconcile that writes
// nothing, from a copy older than its own last write, runs again soon.
//
// The record is per kind and name, for the whole process: a manager that
// takes over from another replica in the same process checks against what
// that one wrote, which is as it should be. resourceVersions are compared
// as the API defines them since Kubernetes 1.35 (KEP-5504).
type lastWrites struct{ m sync.Map }

type writeKey struct {
	kind string
	name types.NamespacedName
}

type writeRecord struct {
	uid             types.UID
	resourceVersion string
}

var written lastWrites

func keyOf(obj client.Object, name types.NamespacedName) writeKey {
	return writeKey{kind: fmt.Sprintf("%T", obj), name: name}
}

// record notes obj's resourceVersion after a write.
func (w *lastWrites) record(k writeKey, obj client.Object) {
	w.m.Store(k, writeRecord{uid: obj.GetUID(), resourceVersion: obj.GetResourceVersion()})
}

// forget drops what is remembered of an object that is gone.
func (w *lastWrites) forget(k writeKey) { w.m.Delete(k) }

// behind tells whether a copy of the object with uid, read at
// resourceVersion read, is older than the last write recorded for it.
func (w *lastWrites) behind(k writeKey, uid types.UID, read string) bool {
	v, ok := w.m.Load(k)
	if !ok {
		return false
	}
	last := v.(writeRecord)
	if last.uid != uid {
		return false
	}
	cmp, err := resourceversion.CompareResourceVersion(read, last.resourceVersion)
	return err == nil && cmp < 0
}
