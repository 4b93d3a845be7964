package testbed

import (
	"sync"
	"testing"

	"github.com/onsi/ginkgo/v2"
)

// failureExcerpt is how much of a failure's message is repeated.
const failureExcerpt = 2000

// RunSpecs runs a suite's specs, then logs again, last, why each failed
// spec failed. Ginkgo's closing summary names the failed specs but not the
// reason, and the reason is printed before everything the spec wrote (the
// manager's whole log): a CI log cut to its end would show no reason.
func RunSpecs(t *testing.T, description string) {
	t.Helper()
	var (
		mu       sync.Mutex
		failures []string
	)
	ginkgo.ReportAfterEach(func(r ginkgo.SpecReport) {
		if !r.Failed() {
			return
		}
		msg := r.Failure.Message
		if len(msg) > failureExcerpt {
			msg = msg[:failureExcerpt] + " …"
		}
		mu.Lock()
		failures = append(failures, r.FullText()+" ("+r.Failure.Location.String()+"): "+msg)
		mu.Unlock()
	})
	ginkgo.RunSpecs(t, description)
	for _, f := range failures {
		t.Log("failed: " + f)
	}
}
