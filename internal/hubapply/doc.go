// Package hubapply writes Aileron's own objects to the hub: server-side
// apply as the Aileron field manager, and a memory of what was last applied
// per key so that reconciles triggered for other reasons write nothing that
// did not change. Controllers of every kind share it; it knows nothing of
// GitOps, planes or stacks.
package hubapply
