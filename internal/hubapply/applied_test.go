package hubapply

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"
)

// counting is a client that counts the applies and deletes it is sent.
func counting(applies, deletes *int) client.Client {
	return fake.NewClientBuilder().WithInterceptorFuncs(interceptor.Funcs{
		Apply: func(context.Context, client.WithWatch, runtime.ApplyConfiguration, ...client.ApplyOption) error {
			*applies++
			return nil
		},
		Delete: func(context.Context, client.WithWatch, client.Object, ...client.DeleteOption) error {
			*deletes++
			return nil
		},
	}).Build()
}

// TestAppliedWritesOnlyWhatChanged counts the writes Applied sends: none
// for what it applied or deleted last, one again once a key is forgotten.
func TestAppliedWritesOnlyWhatChanged(t *testing.T) {
	ctx := context.Background()
	var applies, deletes int
	c := counting(&applies, &deletes)
	cm := func(value string) client.Object {
		return &corev1.ConfigMap{
			TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
			ObjectMeta: metav1.ObjectMeta{Namespace: "aileron-system", Name: "x"},
			Data:       map[string]string{"k": value},
		}
	}
	var a Applied[string]
	steps := []struct {
		name                     string
		do                       func() error
		wantApplies, wantDeletes int
	}{
		{"first apply writes", func() error { return a.ApplyAll(ctx, c, "s", cm("1")) }, 1, 0},
		{"the same again writes nothing", func() error { return a.ApplyAll(ctx, c, "s", cm("1")) }, 1, 0},
		{"another key writes", func() error { return a.ApplyAll(ctx, c, "t", cm("1")) }, 2, 0},
		{"a change writes", func() error { return a.ApplyAll(ctx, c, "s", cm("2")) }, 3, 0},
		{"forgotten, the same writes again", func() error { a.Forget("s"); return a.ApplyAll(ctx, c, "s", cm("2")) }, 4, 0},
		{"delete writes", func() error { return a.DeleteAll(ctx, c, "s", cm("2")) }, 4, 1},
		{"a second delete writes nothing", func() error { return a.DeleteAll(ctx, c, "s", cm("2")) }, 4, 1},
		{"applied after a delete writes", func() error { return a.ApplyAll(ctx, c, "s", cm("2")) }, 5, 1},
	}
	for _, s := range steps {
		if err := s.do(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if applies != s.wantApplies || deletes != s.wantDeletes {
			t.Fatalf("%s: %d applies and %d deletes so far, want %d and %d", s.name, applies, deletes, s.wantApplies, s.wantDeletes)
		}
	}
}

// TestAppliedAppliesAgainAfterRecheck: with Recheck set, the same content
// is applied again once Recheck has passed since the last apply, and not
// before; a delete is not repeated.
func TestAppliedAppliesAgainAfterRecheck(t *testing.T) {
	ctx := context.Background()
	var applies, deletes int
	c := counting(&applies, &deletes)
	secret := &corev1.Secret{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
		ObjectMeta: metav1.ObjectMeta{Namespace: "argocd", Name: "cluster-eu-1"},
		StringData: map[string]string{"server": "https://eu-1"},
	}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	now := t0
	a := Applied[string]{Recheck: 5 * time.Minute, memory: Memory[string, struct{}]{now: func() time.Time { return now }}}
	steps := []struct {
		name                     string
		at                       time.Duration
		do                       func() error
		wantApplies, wantDeletes int
	}{
		{"first apply writes", 0, func() error { return a.ApplyAll(ctx, c, "s", secret) }, 1, 0},
		{"the same within Recheck writes nothing", 4*time.Minute + 59*time.Second, func() error { return a.ApplyAll(ctx, c, "s", secret) }, 1, 0},
		{"the same after Recheck writes", 5 * time.Minute, func() error { return a.ApplyAll(ctx, c, "s", secret) }, 2, 0},
		{"counted from that apply", 9 * time.Minute, func() error { return a.ApplyAll(ctx, c, "s", secret) }, 2, 0},
		{"and again after it", 10 * time.Minute, func() error { return a.ApplyAll(ctx, c, "s", secret) }, 3, 0},
		{"delete writes", 11 * time.Minute, func() error { return a.DeleteAll(ctx, c, "s", secret) }, 3, 1},
		{"a delete is not repeated past Recheck", time.Hour, func() error { return a.DeleteAll(ctx, c, "s", secret) }, 3, 1},
	}
	for _, s := range steps {
		now = t0.Add(s.at)
		if err := s.do(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if applies != s.wantApplies || deletes != s.wantDeletes {
			t.Fatalf("%s: %d applies and %d deletes so far, want %d and %d", s.name, applies, deletes, s.wantApplies, s.wantDeletes)
		}
	}
}
