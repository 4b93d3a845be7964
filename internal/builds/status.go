package builds

import platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"

// SourceStatusFields and SourceConditions are the part of a Component's
// status that following its source writes (the buildsource controller);
// the component controller writes the rest. Each writes only its own part.
var (
	SourceStatusFields = []string{"latestCommit", "latestBuild"}
	SourceConditions   = []string{platformv1alpha1.ConditionSourceResolved}
)
